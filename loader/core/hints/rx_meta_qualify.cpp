#include "core/hints/rx_meta_qualify.h"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "core/base/fd.h"
#include "core/packets/frames.h"
#include "hints_sender.skel.h"
#include "core/kernel/netdev_features.h"
#include "core/kernel/netns.h"
#include "core/attach/rodata.h"
#include "core/kernel/rtnl.h"
#include "core/hints/rx_meta_session.h"
#include "core/base/skel_ptr.h"
#include "core/kernel/tc_program.h"
#include "core/net/veth_peer.h"

namespace xdpkit {
namespace {

constexpr const char* kSrcIp = "198.18.100.2";
constexpr const char* kDstIp = "198.18.100.1";

Result<Fd> packet_socket(uint32_t mark) {
    Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (!fd.valid())
        return make_error(errno, "cannot open a packet socket: {}", std::strerror(errno));
    if (mark && ::setsockopt(fd.get(), SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) != 0)
        return make_error(errno, "cannot mark the packet socket: {}", std::strerror(errno));
    return fd;
}

// The sender's tc egress program that tags the marked frames.
Result<std::unique_ptr<TcProgram>> attach_vlan_pusher(const Interface& out, uint16_t vlan_id,
                                                      SkelPtr<hints_sender_bpf>& skel) {
    skel.reset(hints_sender_bpf::open());
    if (!skel) return make_error(errno, "cannot open the VLAN sender program: {}", std::strerror(errno));
    XDPKIT_TRY(set_rodata_u32(skel->obj, "vlan_tci", vlan_id));
    if (hints_sender_bpf::load(skel.get()) != 0)
        return make_error(errno, "cannot load the VLAN sender program: {}", std::strerror(errno));
    return TcProgram::attach(out.ifindex, out.name, BPF_TC_EGRESS,
                             bpf_program__fd(skel->progs.xdpkit_hints_vlan_push));
}

// Waits until `want` test frames arrived or nothing came for quiet_ms.
void collect(HintsSession& s, size_t want, std::vector<FrameHints>& got, int quiet_ms = 500) {
    auto last = std::chrono::steady_clock::now();
    while (got.size() < want) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        auto more = s.take();
        if (!more.empty()) last = std::chrono::steady_clock::now();
        for (auto& f : more) got.push_back(std::move(f));
        if (std::chrono::steady_clock::now() - last > std::chrono::milliseconds(quiet_ms)) break;
    }
}

}  // namespace

Result<std::vector<TestFrame>> build_test_frames(const TestTraffic& t, const MacAddress& src_mac,
                                                 const MacAddress& dst_mac) {
    FrameSpec spec;
    spec.src_mac = src_mac;
    spec.dst_mac = dst_mac;
    spec.src = *parse_ip(kSrcIp);
    spec.dst = *parse_ip(kDstIp);
    spec.dst_port = 9;
    std::vector<TestFrame> out;
    const auto add = [&](uint16_t port, uint32_t copies, bool tagged) -> Result<void> {
        spec.src_port = port;
        auto f = build_frame(spec);
        if (!f) return f.error();
        const std::string flow = flow_text(f->bytes.data(), f->bytes.size());
        for (uint32_t i = 0; i < copies; ++i) out.push_back({f->bytes, tagged, flow});
        return {};
    };
    for (uint32_t i = 0; i < t.flows; ++i)
        XDPKIT_TRY(add(static_cast<uint16_t>(t.first_port + i), t.frames_per_flow, false));
    for (uint32_t i = 0; i < t.tagged_flows; ++i)
        XDPKIT_TRY(add(static_cast<uint16_t>(t.first_tagged_port + i), t.tagged_per_flow, true));
    return out;
}

Result<void> send_test_frames(const Interface& out, const std::vector<TestFrame>& frames,
                              uint16_t vlan_id) {
    SkelPtr<hints_sender_bpf> skel;
    std::unique_ptr<TcProgram> pusher;
    bool any_tagged = false;
    for (const auto& f : frames) any_tagged = any_tagged || f.tagged;
    if (any_tagged) {
        auto p = attach_vlan_pusher(out, vlan_id, skel);
        if (!p) return p.error();
        pusher = std::move(*p);
    }
    auto plain = packet_socket(0);
    if (!plain) return plain.error();
    auto marked = packet_socket(HINTS_SENDER_VLAN_MARK);
    if (!marked) return marked.error();
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = out.ifindex;
    to.sll_halen = ETH_ALEN;
    for (const auto& f : frames) {
        std::memcpy(to.sll_addr, f.bytes.data(), ETH_ALEN);
        const int fd = f.tagged ? marked->get() : plain->get();
        if (::sendto(fd, f.bytes.data(), f.bytes.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof(to)) < 0)
            return make_error(errno, "{}: cannot send a test frame: {}", out.name,
                              std::strerror(errno));
    }
    return {};
}

Result<QualifyReport> qualify_device(const Family& hints, const std::string& ifname,
                                     bool replace) {
    auto iface = find_interface(ifname);
    if (!iface) return iface.error();
    auto features = query_netdev_features(iface->ifindex);
    if (!features) return make_error(features.error().err, "{}: {}", ifname, features.error().message);
    auto kind = link_kind(iface->ifindex);
    if (!kind) return kind.error();
    if (*kind != "veth")
        return make_error(EOPNOTSUPP,
                          "{}: --qualify sends its test frames from the other end of a veth, and "
                          "{} is {}; for a NIC, attach hints with 'xdpkit hints {}' and send to it "
                          "from another machine",
                          ifname, ifname, kind->empty() ? "not one" : "a " + *kind, ifname);
    auto peer = find_veth_peer(iface->ifindex);
    if (!peer) return peer.error();
    auto dst_mac = link_mac(iface->ifindex);
    if (!dst_mac) return dst_mac.error();

    QualifyReport report;
    report.iface = *iface;
    report.sender = peer->name + (peer->netns.empty() ? "" : " in namespace " + peer->netns);

    // Every other frame to the socket: each flow reaches both consumers.
    auto session = HintsSession::start(hints, {ifname, "every-other", replace});
    if (!session) return session.error();

    const TestTraffic traffic;
    std::vector<TestFrame> frames;
    XDPKIT_TRY(in_netns(peer->netns, [&]() -> Result<void> {
        auto src_mac = link_mac(peer->ifindex);
        if (!src_mac) return src_mac.error();
        auto built = build_test_frames(traffic, *src_mac, *dst_mac);
        if (!built) return built.error();
        frames = std::move(*built);
        return send_test_frames({peer->name, peer->ifindex}, frames, traffic.vlan_id);
    }));
    report.frames_sent = static_cast<uint32_t>(frames.size());

    std::vector<FrameHints> got;
    collect(**session, frames.size(), got);
    auto stopped = (*session)->stop();
    if (!stopped) return stopped.error();

    std::set<std::string> plain_flows, tagged_flows;
    for (const auto& f : frames) (f.tagged ? tagged_flows : plain_flows).insert(f.flow);
    QualifyObservations o;
    o.flows_sent = traffic.flows;
    o.tagged_sent = traffic.tagged_flows * traffic.tagged_per_flow;
    o.vlan_id = traffic.vlan_id;
    o.rx_metadata_features = features->rx_metadata;
    o.xsk_features = features->xsk;
    for (const auto& f : got) {
        const bool tagged = tagged_flows.count(f.flow) > 0;
        if (!tagged && !plain_flows.count(f.flow)) continue;  // not ours (neighbour discovery)
        if (f.via == "xsk") {
            ++report.xsk_frames;
            if (f.meta) o.xsk.push_back({f.flow, tagged, *f.meta});
        } else if (!tagged) {  // the stack drops tagged frames (no 8021q): only plain ones
            ++report.stack_frames;
            o.stack.push_back({f.flow, f.meta.has_value(), f.meta.value_or(xdpkit_rx_meta{}),
                               f.skb_hash.value_or(0)});
        }
    }
    report.fields = qualify_fields(o);
    return report;
}

std::string format_qualify_report(const QualifyReport& r) {
    std::string s = fmt::format("{}: sent {} test frames from {}; {} reached the AF_XDP socket, "
                                "{} the stack\n",
                                r.iface.name, r.frames_sent, r.sender, r.xsk_frames,
                                r.stack_frames);
    return s + format_qualify(r.iface.name, r.fields);
}

Json qualify_report_json(const QualifyReport& r) {
    Json j = qualify_json(r.iface.name, r.fields);
    j["sender"] = r.sender;
    j["frames_sent"] = r.frames_sent;
    j["xsk_frames"] = r.xsk_frames;
    j["stack_frames"] = r.stack_frames;
    return j;
}

}  // namespace xdpkit
