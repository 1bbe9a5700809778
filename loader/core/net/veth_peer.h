// Where a veth's other end is. The kernel says it in the link itself: IFLA_LINK is the peer's
// ifindex and IFLA_LINK_NETNSID, present only when the peer lives elsewhere, the id this
// namespace gives the peer's. Turning that id into a /run/netns name is what `ip link` does to
// print "link-netns NAME": ask RTM_GETNSID about each named namespace until one has the id.
#pragma once

#include <cstdint>
#include <string>

#include "core/base/result.h"

namespace xdpkit {

struct VethPeer {
    int ifindex = 0;
    std::string name;
    std::string netns;  // /run/netns name; empty: the namespace this thread is in
};

// The other end of the veth ifindex (in this thread's namespace). Errors, one line each: the
// device is not a veth (naming its kind), or the peer is in a namespace without a name.
Result<VethPeer> find_veth_peer(int ifindex);

// The /run/netns name of the namespace this one knows as nsid; empty when none has it.
Result<std::string> named_netns_with_nsid(int32_t nsid);

}  // namespace xdpkit
