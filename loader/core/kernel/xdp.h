// What the kernel says is attached to an interface, and the bpf_link that attaches.
#pragma once

#include <cstdint>
#include <string>

#include "core/base/fd.h"
#include "core/base/result.h"

namespace xdpkit {

enum class XdpMode { Auto, Native, Skb };

Result<XdpMode> parse_xdp_mode(const std::string& s);
const char* xdp_mode_name(XdpMode m);

struct XdpState {
    uint32_t prog_id = 0;   // the attached program, 0 when none
    std::string mode;       // "native", "skb", "hw", "multi" or "none"
};

Result<XdpState> query_xdp(int ifindex);

struct ProgInfo {
    uint32_t id = 0;
    std::string name;
    std::string tag;
};
Result<ProgInfo> prog_info(int prog_fd);
Result<ProgInfo> prog_info_by_id(uint32_t id);

struct LinkInfo {
    uint32_t id = 0;
    uint32_t prog_id = 0;
    int ifindex = 0;  // 0 once the interface is gone (a defunct link)
};
Result<LinkInfo> link_info(int link_fd);

// Creates the XDP bpf_link. Auto tries native and falls back to skb on EOPNOTSUPP;
// `used` reports the mode the kernel accepted.
Result<Fd> create_xdp_link(int prog_fd, int ifindex, XdpMode mode, XdpMode* used,
                           const std::string& ifname);

}  // namespace xdpkit
