#include "core/kernel/nl_request.h"

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

namespace xdpkit {
namespace {

struct NlCbPut {
    void operator()(nl_cb* cb) const { nl_cb_put(cb); }
};

struct Answer {
    const NlReplyHandler* on_reply = nullptr;
    bool done = false;
    int kernel_err = 0;
    std::string extack;
};

// The NLMSGERR_ATTR_MSG string the kernel appends to an error (NLM_F_ACK_TLVS); the request
// itself is not echoed back (NETLINK_CAP_ACK), so the attributes follow the nlmsgerr.
std::string extack_text(const nlmsgerr* err) {
    const auto* hdr = reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(err) -
                                                        NLMSG_HDRLEN);
    if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
    size_t offset = sizeof(nlmsgerr);
    if (!(hdr->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
    const size_t payload = hdr->nlmsg_len - NLMSG_HDRLEN;
    if (offset >= payload) return {};
    auto* attrs = reinterpret_cast<nlattr*>(const_cast<char*>(
        reinterpret_cast<const char*>(err) + offset));
    nlattr* msg = nla_find(attrs, static_cast<int>(payload - offset), NLMSGERR_ATTR_MSG);
    if (!msg || nla_len(msg) <= 0) return {};
    return std::string(static_cast<const char*>(nla_data(msg)),
                       strnlen(static_cast<const char*>(nla_data(msg)),
                               static_cast<size_t>(nla_len(msg))));
}

int on_valid(nl_msg* msg, void* arg) {
    auto* a = static_cast<Answer*>(arg);
    if (*a->on_reply) (*a->on_reply)(msg);
    return NL_OK;
}

int on_done(nl_msg*, void* arg) {
    static_cast<Answer*>(arg)->done = true;
    return NL_STOP;
}

// libnl translates the kernel's errno into its own codes; keep the errno for the user.
int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
    auto* a = static_cast<Answer*>(arg);
    a->kernel_err = -err->error;
    a->extack = extack_text(err);
    a->done = true;
    return NL_STOP;
}

}  // namespace

Result<void> nl_request(nl_sock* sock, nl_msg* msg, const std::string& what,
                        const NlReplyHandler& on_reply) {
    const int one = 1;
    // Best effort: a kernel without extended ACKs still answers, only less helpfully.
    (void)::setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    (void)::setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    std::unique_ptr<nl_cb, NlCbPut> cb(nl_cb_alloc(NL_CB_DEFAULT));
    if (!cb) return make_error(ENOMEM, "{}: cannot allocate netlink callbacks", what);
    Answer a;
    a.on_reply = &on_reply;
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &a);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_done, &a);
    nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_done, &a);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &a);

    if (int e = nl_send_auto(sock, msg); e < 0)
        return make_error(EIO, "{}: cannot send: {}", what, nl_geterror(e));
    // One datagram per call: loop until the ACK or an error arrives.
    while (!a.done) {
        const int e = nl_recvmsgs(sock, cb.get());
        if (e < 0 && !a.done) return make_error(EIO, "{}: {}", what, nl_geterror(e));
    }
    if (a.kernel_err != 0)
        return make_error(a.kernel_err, "{}: {}{}", what, std::strerror(a.kernel_err),
                          a.extack.empty() ? "" : " (" + a.extack + ")");
    return {};
}

Result<GenlSocket> connect_genl_family(const char* name) {
    GenlSocket g{NlSock(nl_socket_alloc()), 0};
    if (!g.sock) return make_error(ENOMEM, "cannot allocate a netlink socket");
    if (int e = genl_connect(g.sock.get()); e < 0)
        return make_error(EIO, "cannot open a generic netlink socket: {}", nl_geterror(e));
    g.family = genl_ctrl_resolve(g.sock.get(), name);
    if (g.family < 0)
        return make_error(EOPNOTSUPP, "the kernel has no '{}' generic netlink family", name);
    return g;
}

}  // namespace xdpkit
