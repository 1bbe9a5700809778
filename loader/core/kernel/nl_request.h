// One netlink request and its answer, on any libnl socket: every reply message to a callback,
// then the kernel's ACK or its errno with the extended-ACK text (DESIGN.md: the kernel's
// extack text is shown). libnl 3.7 neither asks for extack nor parses it, so this does both.
#pragma once

#include <functional>
#include <string>

#include "core/base/nl_ptr.h"
#include "core/base/result.h"

namespace xdpkit {

using NlReplyHandler = std::function<void(nl_msg*)>;

// Sends msg and waits for the kernel's answer. what names the request in errors
// ("netdev dev-get for ifindex 3"); the error carries the kernel's errno.
Result<void> nl_request(nl_sock* sock, nl_msg* msg, const std::string& what,
                        const NlReplyHandler& on_reply = {});

// A generic netlink socket and the id of family name; EOPNOTSUPP when the kernel lacks it.
struct GenlSocket {
    NlSock sock;
    int family = 0;
};
Result<GenlSocket> connect_genl_family(const char* name);

}  // namespace xdpkit
