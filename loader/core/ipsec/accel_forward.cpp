#include "core/ipsec/accel_forward.h"

#include <cstring>

#include <fmt/format.h>

#include "core/kernel/rtnl.h"
#include "core/afxdp/xsk_rings.h"

namespace xdpkit {
namespace {

// Enough TX frames for a few batches in flight on a slow link; each forward port is one
// small UMEM.
constexpr uint32_t kForwardFrames = 2048;
constexpr uint32_t kEthHeader = 14;
// A destination without a neighbour entry is asked again after this long: the entry may
// appear once the host answers someone else.
constexpr auto kNeighbourRetry = std::chrono::seconds(1);

}  // namespace

Result<std::unique_ptr<ForwardPort>> ForwardPort::open(const Interface& out, uint32_t queue,
                                                       std::optional<MacAddress> dst_mac,
                                                       XskCopyMode mode) {
    auto src = link_mac(out.ifindex);
    if (!src) return make_error(src.error().err, "--after forward:{}: {}", out.name, src.error().message);
    UmemConfig umem;
    umem.frame_count = kForwardFrames;
    XskConfig config;
    config.copy_mode = mode;
    config.tx = true;
    auto set = open_xsk_set(out, {queue}, umem, config);
    if (!set)
        return make_error(set.error().err, "--after forward:{}: {}", out.name, set.error().message);
    return std::unique_ptr<ForwardPort>(new ForwardPort(out, std::move(*set), *src, dst_mac));
}

ForwardPort::ForwardPort(const Interface& out, XskSet xsk, MacAddress src,
                         std::optional<MacAddress> dst)
    : out_(out),
      xsk_(std::move(xsk)),
      pool_(0, xsk_.frames_per_socket, xsk_.umem->config().frame_size),
      src_mac_(src),
      dst_mac_(dst) {}

std::string ForwardPort::mac_source() const {
    if (dst_mac_) return "to " + to_string(*dst_mac_);
    return "to the inner destination's neighbour entry on " + out_.name;
}

const MacAddress* ForwardPort::mac_for(const uint8_t* ip, uint32_t len, int family) {
    if (dst_mac_) return &*dst_mac_;
    IpAddress dst;
    dst.family = family == 4 ? AF_INET : AF_INET6;
    const uint32_t offset = family == 4 ? 16 : 24;
    if (len < offset + dst.size()) return nullptr;
    std::memcpy(dst.bytes.data(), ip + offset, dst.size());
    NeighbourKey key{};
    std::memcpy(key.data(), dst.bytes.data(), dst.size());
    key[16] = static_cast<uint8_t>(family);
    const auto now = std::chrono::steady_clock::now();
    auto it = neighbours_.find(key);
    if (it == neighbours_.end() || (!it->second.mac && now - it->second.checked > kNeighbourRetry)) {
        auto mac = neighbour_mac(out_.ifindex, dst);
        Neighbour n{mac ? std::optional<MacAddress>(*mac) : std::nullopt, now};
        it = neighbours_.insert_or_assign(key, n).first;
    }
    return it->second.mac ? &*it->second.mac : nullptr;
}

bool ForwardPort::send(const uint8_t* ip, uint32_t len) {
    const int family = len ? ip[0] >> 4 : 0;
    if (family != 4 && family != 6) return false;  // the engine only hands over IP packets
    const MacAddress* dst = mac_for(ip, len, family);
    if (!dst) {
        ++c_.no_neighbour;
        return false;
    }
    XskSocket& sock = *xsk_.sockets.front();
    uint64_t addr = 0;
    if (pool_.take_for_user({&addr, 1}) == 0) {
        c_.completed += reap_tx_completions(sock, pool_);
        if (pool_.take_for_user({&addr, 1}) == 0) {
            ++c_.ring_full;
            return false;
        }
    }
    const uint32_t frame_len = kEthHeader + len;
    uint32_t idx = 0;
    if (frame_len > xsk_.umem->config().frame_size ||
        xsk_ring_prod__reserve(&sock.tx(), 1, &idx) != 1) {
        pool_.release(addr);
        ++c_.ring_full;
        return false;
    }
    uint8_t* f = xsk_.umem->data(addr);
    std::memcpy(f, dst->data(), 6);
    std::memcpy(f + 6, src_mac_.data(), 6);
    f[12] = family == 4 ? 0x08 : 0x86;
    f[13] = family == 4 ? 0x00 : 0xdd;
    std::memcpy(f + kEthHeader, ip, len);
    xdp_desc* d = xsk_ring_prod__tx_desc(&sock.tx(), idx);
    d->addr = addr;
    d->len = frame_len;
    d->options = 0;
    pool_.to_tx(addr);
    ++queued_;
    ++c_.sent;
    c_.bytes += frame_len;
    return true;
}

void ForwardPort::flush() {
    XskSocket& sock = *xsk_.sockets.front();
    if (queued_) {
        xsk_ring_prod__submit(&sock.tx(), queued_);
        queued_ = 0;
    }
    c_.completed += reap_tx_completions(sock, pool_);
    if (pending() && kick_tx(sock)) ++c_.wakeups;
}

}  // namespace xdpkit
