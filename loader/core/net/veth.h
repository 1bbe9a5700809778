// veth pairs made through libnl, each end created straight in its own namespace: the pair is
// made inside the first end's namespace and the peer is moved by the same request, so neither
// end ever appears anywhere else (DESIGN.md lab rules).
#pragma once

#include <cstdint>
#include <string>

#include "core/base/result.h"

namespace xdpkit {

struct VethSpec {
    std::string name, netns;            // netns empty: the namespace this thread is in
    std::string peer, peer_netns;       // peer_netns empty: the same as name's
    uint32_t mtu = 0;                   // 0: the kernel's default (1500)
    uint32_t queues = 0;                // RX and TX queues of each end; 0: the default (1)
    bool up = true;                     // both ends administratively up
};

Result<void> create_veth(const VethSpec& spec);

}  // namespace xdpkit
