// Where `xdpkit accel --after forward:IFACE` sends the inner packets: an AF_XDP socket of its
// own on the output interface, used for TX only (no program redirects anything to it), with
// its own small UMEM. Each inner IP packet is copied into a TX frame behind a new Ethernet
// header — source: the output interface's MAC; destination: --dst-mac, or the neighbour
// entry of the inner destination on the output interface, as a router on a connected
// network would (looked up once per destination and cached; a miss is counted, retried after
// a second). A copy costs far less than the decryption before it, and it keeps the RX UMEM's
// frames independent of how fast the other interface sends.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/kernel/addresses.h"
#include "core/afxdp/frame_pool.h"
#include "core/kernel/interface.h"
#include "core/base/result.h"
#include "core/afxdp/xsk_socket.h"

namespace xdpkit {

struct ForwardCounters {
    uint64_t sent = 0, bytes = 0;  // put on the TX ring
    uint64_t completed = 0;        // handed back by the kernel as sent
    uint64_t no_neighbour = 0;     // no MAC for the inner destination: not sent
    uint64_t ring_full = 0;        // no TX frame or ring slot free: not sent
    uint64_t wakeups = 0;
};

class ForwardPort {
public:
    // Binds a TX socket to `queue` of out.
    static Result<std::unique_ptr<ForwardPort>> open(const Interface& out, uint32_t queue,
                                                     std::optional<MacAddress> dst_mac,
                                                     XskCopyMode mode);
    ForwardPort(const ForwardPort&) = delete;
    ForwardPort& operator=(const ForwardPort&) = delete;

    // Queues the IP packet ip[0..len) (IPv4 or IPv6, by its version nibble) behind a new
    // Ethernet header; false when it was not queued (the counters say why).
    bool send(const uint8_t* ip, uint32_t len);
    // Submits what send() queued since the last flush, kicks TX while frames wait on the
    // ring, and takes back what the kernel sent.
    void flush();
    // Frames on the TX ring the kernel has not handed back yet. Copy mode sends at most 32
    // per kick (the kernel's TX batch), so the loop flushes until this is 0, idle or not.
    uint64_t pending() const { return c_.sent - c_.completed; }

    const ForwardCounters& counters() const { return c_; }
    const Interface& interface() const { return out_; }
    const XskSet& socket() const { return xsk_; }
    // How the destination MAC is chosen, for the started line.
    std::string mac_source() const;
    bool audit() const { return pool_.audit(); }

private:
    ForwardPort(const Interface& out, XskSet xsk, MacAddress src, std::optional<MacAddress> dst);
    const MacAddress* mac_for(const uint8_t* ip, uint32_t len, int family);

    struct Neighbour {
        std::optional<MacAddress> mac;
        std::chrono::steady_clock::time_point checked;
    };
    // The inner destination: 16 address bytes (IPv4 in the first 4) and the version, kept
    // as a fixed array so the per-packet lookup allocates nothing.
    using NeighbourKey = std::array<uint8_t, 17>;
    struct KeyHash {
        size_t operator()(const NeighbourKey& k) const {
            return std::hash<std::string_view>()(
                std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
        }
    };

    Interface out_;
    XskSet xsk_;
    FramePool pool_;
    MacAddress src_mac_;
    std::optional<MacAddress> dst_mac_;
    std::unordered_map<NeighbourKey, Neighbour, KeyHash> neighbours_;
    uint32_t queued_ = 0;                                     // since the last flush
    uint32_t tx_idx_ = 0;                                     // first reserved descriptor
    ForwardCounters c_;
};

}  // namespace xdpkit
