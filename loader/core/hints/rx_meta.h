// RX metadata as the hints program leaves it (include/xdpkit/hints.h), read back and judged:
// the state of each field of one frame, the per-frame line and JSON of `xdpkit hints`, and the
// verdict of `--qualify` from what its test frames showed. Pure: unit-tested without a device.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <xdpkit/hints.h>

#include "core/base/output.h"

namespace xdpkit {

// One field of one frame, as the user reads it.
enum class FieldState {
    Ok,           // the kfunc returned 0 (and, for the timestamp, a clock value)
    NoData,       // -ENODATA, or a timestamp of 0: the device had nothing for this frame
    Unsupported,  // -EOPNOTSUPP: the driver does not implement the kfunc
    Error,        // any other return code
};
const char* field_state_name(FieldState s);  // "ok", "no data", "unsupported", "error"

FieldState timestamp_state(const xdpkit_rx_meta& m);
FieldState hash_state(const xdpkit_rx_meta& m);
FieldState vlan_state(const xdpkit_rx_meta& m);

// The struct that ends right before `data`, when `headroom` bytes before it are readable and
// its magic, version and size check out; nullopt otherwise (no hints program in front).
std::optional<xdpkit_rx_meta> read_rx_meta(const uint8_t* data, size_t headroom);

// "L4 UDP IPv4", "L3 IPv6", "none": the enum xdp_rss_hash_type bits in words.
std::string rss_type_text(uint32_t bits);
// "198.18.0.2:1024 > 198.18.0.1:9 udp" from a frame's first bytes (Ethernet, VLAN tags,
// IPv4/IPv6, ports of UDP/TCP); what is there of it when the frame is something else.
std::string flow_text(const uint8_t* frame, size_t len);

// One frame as a consumer saw it.
struct FrameHints {
    std::string via;  // "xsk" (AF_XDP socket) or "stack" (tc ingress)
    uint32_t len = 0;
    std::string flow;
    std::optional<xdpkit_rx_meta> meta;  // nullopt: the frame carried none
    std::optional<uint32_t> skb_hash;    // stack: the skb's own hash
    uint64_t user_tai_ns = 0;            // CLOCK_TAI when user space read it
};

std::string format_frame(const FrameHints& f);
Json frame_json(const FrameHints& f);

// ---- qualification (`hints --qualify`) ----

enum class Verdict { Pass, Warn, Fail, NotAdvertised };
const char* verdict_name(Verdict v);  // "pass", "warn", "fail", "n/a"

struct FieldResult {
    std::string field;  // "rx-timestamp", "rx-hash", "rx-vlan-tag", "stack-metadata", "tx-..."
    bool advertised = false;
    Verdict verdict = Verdict::Fail;
    std::string reason;
};

// What the test frames showed. A test frame is one the qualification sent: its flow is one
// of the flows sent, tagged or not.
struct QualifyObservations {
    struct Sample {
        std::string flow;
        bool tagged = false;  // sent with the VLAN tag
        xdpkit_rx_meta meta{};
    };
    std::vector<Sample> xsk;  // frames the AF_XDP socket got, with metadata
    struct StackSample {
        std::string flow;
        bool has_meta = false;
        xdpkit_rx_meta meta{};
        uint32_t skb_hash = 0;
    };
    std::vector<StackSample> stack;  // frames the tc ingress consumer got
    uint32_t flows_sent = 0;         // distinct untagged flows
    uint32_t tagged_sent = 0;
    uint16_t vlan_id = 100;
    uint64_t rx_metadata_features = 0;  // netdev rx-metadata bits the device advertises
    uint64_t xsk_features = 0;          // netdev xsk-features (TX metadata)
};

std::vector<FieldResult> qualify_fields(const QualifyObservations& o);
// 0 when no advertised field failed (a warning is not a failure), 1 otherwise.
int qualify_exit_status(const std::vector<FieldResult>& results);
std::string format_qualify(const std::string& ifname, const std::vector<FieldResult>& results);
Json qualify_json(const std::string& ifname, const std::vector<FieldResult>& results);

}  // namespace xdpkit
