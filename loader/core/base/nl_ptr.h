// Owners for libnl objects, so every netlink user frees them the same way.
#pragma once

#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include <memory>

namespace xdpkit {

struct NlSockFree {
    void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct NlMsgFree {
    void operator()(nl_msg* m) const { nlmsg_free(m); }
};
struct RtnlLinkPut {
    void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};

using NlSock = std::unique_ptr<nl_sock, NlSockFree>;
using NlMsg = std::unique_ptr<nl_msg, NlMsgFree>;
using RtnlLink = std::unique_ptr<rtnl_link, RtnlLinkPut>;

}  // namespace xdpkit
