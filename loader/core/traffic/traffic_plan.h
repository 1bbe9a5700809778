// From what the user asked for (addresses, size, flows, protocol) to a trafficgen job: the
// defaults filled in from the interface, the template frame built, the sizes checked.
#pragma once

#include <string>

#include "core/packets/frames.h"
#include "core/kernel/interface.h"
#include "core/ipsec/ipsec_sa.h"
#include "core/traffic/trafficgen.h"

namespace xdpkit {

struct TrafficRequest {
    std::string src;      // default: IFACE's first global address of dst's family
    std::string dst;      // required
    std::string dst_mac;  // default: dst's neighbour entry on IFACE
    FrameProto proto = FrameProto::Udp;
    uint32_t spi = 0x100;
    uint16_t dst_port = 9;  // discard
    uint32_t flows = 1;
    size_t size = 64;
};

// Real ESP under one SA (trafficgen --sa-file, and what `bench ipsec` sends): tunnel mode from
// IFACE to the SA's destination, inner UDP to the same address.
struct EspTrafficRequest {
    SecurityAssociation sa;  // with its keys
    std::string dst_mac;     // default: the SA destination's neighbour entry on IFACE
    uint16_t dst_port = 9;   // inner UDP
    size_t payload = 64;     // inner UDP payload bytes; the frame's size follows (esp_frame_set.h)
    uint64_t count = 0;      // frames the caller means to send (0: no limit): sizes the set
    uint32_t seq_start = 1;
};

// The job (frames, rewrite, offsets) for a template frame; count, duration, rate and threads
// are left for the caller.
Result<TrafficgenJob> plan_traffic(const Interface& iface, const TrafficRequest& req);
// The job for real ESP: a set of esp_set_frames(count) pre-encrypted frames the program sends
// in order, round and round (sequence numbers repeat after the set: job.frames.size()). The
// outer source is the SA's src, else IFACE's address of its family. Refuses a frame over
// IFACE's MTU or the live-frame limit, naming the largest payload that fits. Count, duration,
// rate and threads are left for the caller.
Result<TrafficgenJob> plan_esp_traffic(const Interface& iface, const EspTrafficRequest& req);
// The job that replays a capture's frames as they are, in order, round and round.
Result<TrafficgenJob> plan_replay(const Interface& iface, const std::string& pcap_path);

}  // namespace xdpkit
