#include "core/kernel/tc_program.h"

#include <cerrno>
#include <cstring>

namespace xdpkit {

Result<std::unique_ptr<TcProgram>> TcProgram::attach(int ifindex, const std::string& ifname,
                                                     bpf_tc_attach_point point, int prog_fd) {
    std::unique_ptr<TcProgram> t(new TcProgram());
    t->ifindex_ = ifindex;
    t->point_ = point;
    LIBBPF_OPTS(bpf_tc_hook, hook);
    hook.ifindex = ifindex;
    hook.attach_point = point;
    const int made = bpf_tc_hook_create(&hook);
    if (made != 0 && made != -EEXIST)
        return make_error(-made, "{}: cannot add the clsact qdisc: {}", ifname,
                          std::strerror(-made));
    t->made_qdisc_ = made == 0;
    LIBBPF_OPTS(bpf_tc_opts, opts);
    opts.prog_fd = prog_fd;
    if (const int err = bpf_tc_attach(&hook, &opts); err != 0) {
        if (t->made_qdisc_) {
            hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
            (void)bpf_tc_hook_destroy(&hook);
        }
        return make_error(-err, "{}: cannot attach the tc {} program: {}", ifname,
                          point == BPF_TC_INGRESS ? "ingress" : "egress", std::strerror(-err));
    }
    t->handle_ = opts.handle;
    t->priority_ = opts.priority;
    return t;
}

TcProgram::~TcProgram() {
    LIBBPF_OPTS(bpf_tc_hook, hook);
    hook.ifindex = ifindex_;
    hook.attach_point = point_;
    if (made_qdisc_) {
        // Removing the qdisc we made removes every filter on it, ours included.
        hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
        (void)bpf_tc_hook_destroy(&hook);
        return;
    }
    LIBBPF_OPTS(bpf_tc_opts, opts);
    opts.handle = handle_;
    opts.priority = priority_;
    (void)bpf_tc_detach(&hook, &opts);
}

}  // namespace xdpkit
