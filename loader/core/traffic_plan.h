// From what the user asked for (addresses, size, flows, protocol) to a trafficgen job: the
// defaults filled in from the interface, the template frame built, the sizes checked.
#pragma once

#include <string>

#include "frames.h"
#include "interface.h"
#include "trafficgen.h"

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

// The job (frames, rewrite, offsets) for a template frame; count, duration, rate and threads
// are left for the caller.
Result<TrafficgenJob> plan_traffic(const Interface& iface, const TrafficRequest& req);
// The job that replays a capture's frames as they are, in order, round and round.
Result<TrafficgenJob> plan_replay(const Interface& iface, const std::string& pcap_path);

}  // namespace xdpkit
