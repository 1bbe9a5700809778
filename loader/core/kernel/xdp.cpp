#include "core/kernel/xdp.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <cstring>

#include "core/kernel/error_hints.h"

namespace xdpkit {

Result<XdpMode> parse_xdp_mode(const std::string& s) {
    if (s == "auto") return XdpMode::Auto;
    if (s == "native" || s == "drv") return XdpMode::Native;
    if (s == "skb" || s == "generic") return XdpMode::Skb;
    return make_error(EINVAL, "--mode {}: expected native, skb or auto", s);
}

const char* xdp_mode_name(XdpMode m) {
    switch (m) {
    case XdpMode::Native: return "native";
    case XdpMode::Skb: return "skb";
    case XdpMode::Auto: break;
    }
    return "auto";
}

Result<XdpState> query_xdp(int ifindex) {
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    if (bpf_xdp_query(ifindex, 0, &q) != 0)
        return make_error(errno, "cannot query XDP state of ifindex {}: {}", ifindex,
                          std::strerror(errno));
    XdpState s;
    switch (q.attach_mode) {
    case XDP_ATTACHED_DRV: s.mode = "native"; s.prog_id = q.drv_prog_id; break;
    case XDP_ATTACHED_SKB: s.mode = "skb"; s.prog_id = q.skb_prog_id; break;
    case XDP_ATTACHED_HW: s.mode = "hw"; s.prog_id = q.hw_prog_id; break;
    case XDP_ATTACHED_MULTI:
        s.mode = "multi";
        s.prog_id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
        break;
    default: s.mode = "none"; break;
    }
    return s;
}

Result<ProgInfo> prog_info(int prog_fd) {
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0)
        return make_error(errno, "cannot read program info: {}", std::strerror(errno));
    ProgInfo p;
    p.id = info.id;
    p.name = info.name;
    char tag[2 * BPF_TAG_SIZE + 1] = {};
    for (int i = 0; i < BPF_TAG_SIZE; ++i) std::snprintf(tag + 2 * i, 3, "%02x", info.tag[i]);
    p.tag = tag;
    return p;
}

Result<ProgInfo> prog_info_by_id(uint32_t id) {
    Fd fd(bpf_prog_get_fd_by_id(id));
    if (!fd.valid())
        return make_error(errno, "cannot open program id {}: {}", id, std::strerror(errno));
    return prog_info(fd.get());
}

Result<LinkInfo> link_info(int link_fd) {
    bpf_link_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(link_fd, &info, &len) != 0)
        return make_error(errno, "cannot read link info: {}", std::strerror(errno));
    return LinkInfo{info.id, info.prog_id, static_cast<int>(info.xdp.ifindex)};
}

namespace {

Result<Fd> link_once(int prog_fd, int ifindex, XdpMode mode, const std::string& ifname) {
    LIBBPF_OPTS(bpf_link_create_opts, opts);
    opts.flags = mode == XdpMode::Native ? XDP_FLAGS_DRV_MODE
                 : mode == XdpMode::Skb  ? XDP_FLAGS_SKB_MODE
                                         : 0;
    const int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
    if (fd < 0) {
        const int e = errno;
        const Operation op = mode == XdpMode::Native ? Operation::AttachNative
                             : mode == XdpMode::Skb  ? Operation::AttachSkb
                                                     : Operation::AttachAuto;
        return make_error(e, "{}: cannot attach in {} mode: {}", ifname, xdp_mode_name(mode),
                          describe_errno(op, e));
    }
    return Fd(fd);
}

}  // namespace

Result<Fd> create_xdp_link(int prog_fd, int ifindex, XdpMode mode, XdpMode* used,
                           const std::string& ifname) {
    if (mode != XdpMode::Auto) {
        *used = mode;
        return link_once(prog_fd, ifindex, mode, ifname);
    }
    auto native = link_once(prog_fd, ifindex, XdpMode::Native, ifname);
    if (native || native.error().err != EOPNOTSUPP) {
        *used = XdpMode::Native;
        return native;
    }
    *used = XdpMode::Skb;
    return link_once(prog_fd, ifindex, XdpMode::Skb, ifname);
}

}  // namespace xdpkit
