// `xdpkit hints IFACE --qualify`: the qualification tool of the XDP hints talks. It sends its
// own test frames into IFACE from the other end of its veth (plain UDP flows, and some with an
// 802.1Q tag pushed by a tc egress program on the sender), watches them arrive through a
// HintsSession (AF_XDP and the stack), and judges each RX metadata field (rx_meta.h).
// Test frames are UDP between 198.18.100.2 and 198.18.100.1 (the benchmarking range) and
// never leave the veth pair.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/kernel/addresses.h"
#include "core/attach/family.h"
#include "core/kernel/interface.h"
#include "core/base/result.h"
#include "core/hints/rx_meta.h"

namespace xdpkit {

struct TestFrame {
    std::vector<uint8_t> bytes;
    bool tagged = false;  // leaves with the VLAN tag
    std::string flow;     // flow_text of the bytes
};

struct TestTraffic {
    uint32_t flows = 64;          // plain UDP flows, a source port each
    uint32_t frames_per_flow = 4;  // even: every-other steering gives each consumer half
    uint32_t tagged_flows = 8;
    uint32_t tagged_per_flow = 2;
    uint16_t vlan_id = 100;
    uint16_t first_port = 10000, first_tagged_port = 20000;
};

// The frames, flow by flow (all frames of a flow back to back), from src_mac to dst_mac.
Result<std::vector<TestFrame>> build_test_frames(const TestTraffic& t, const MacAddress& src_mac,
                                                 const MacAddress& dst_mac);

// Sends the frames out of `out` (in this thread's namespace) through an AF_PACKET socket, so
// they go through the sender's stack as skbs (live XDP frames would carry no skb, and veth
// has RX metadata only for skbs). The tagged ones get vlan_id from the tc egress program
// attached to `out` for the duration.
Result<void> send_test_frames(const Interface& out, const std::vector<TestFrame>& frames,
                              uint16_t vlan_id);

struct QualifyReport {
    Interface iface;
    std::string sender;  // "veth1 in namespace lab-peer"
    std::vector<FieldResult> fields;
    uint32_t frames_sent = 0, xsk_frames = 0, stack_frames = 0;
};

// Runs the qualification on ifname (a veth: the frames come from its peer). Attaches the hints
// program for the duration; the interface must have nothing of xdpkit attached (or replace).
Result<QualifyReport> qualify_device(const Family& hints, const std::string& ifname,
                                     bool replace);

std::string format_qualify_report(const QualifyReport& r);
Json qualify_report_json(const QualifyReport& r);

}  // namespace xdpkit
