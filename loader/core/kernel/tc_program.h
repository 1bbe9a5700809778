// A BPF program on an interface's tc hook (clsact ingress or egress), through libbpf's
// netlink-based bpf_tc_* API, for as long as the object lives. The clsact qdisc is made when
// the interface has none and removed again only then: a qdisc someone else put there stays.
#pragma once

#include <bpf/libbpf.h>

#include <memory>
#include <string>

#include "core/base/result.h"

namespace xdpkit {

class TcProgram {
public:
    // Netlink talks to the namespace this thread is in: the destructor must run there too.
    static Result<std::unique_ptr<TcProgram>> attach(int ifindex, const std::string& ifname,
                                                     bpf_tc_attach_point point, int prog_fd);
    ~TcProgram();
    TcProgram(const TcProgram&) = delete;
    TcProgram& operator=(const TcProgram&) = delete;

private:
    TcProgram() = default;
    int ifindex_ = 0;
    bpf_tc_attach_point point_ = BPF_TC_INGRESS;
    bool made_qdisc_ = false;
    uint32_t handle_ = 0, priority_ = 0;
};

}  // namespace xdpkit
