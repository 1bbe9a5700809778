#include "core/afxdp/afxdp.h"

#include <bpf/bpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/attach/counters.h"
#include "core/attach/program.h"
#include "core/kernel/rtnl.h"
#include "core/base/ticker.h"

namespace xdpkit {
namespace {

constexpr uint32_t kMaxFramesPerSocket = 1u << 20;

// A whole decimal number in [min, max], nothing else.
std::optional<uint32_t> whole_number(const std::string& s, uint32_t min, uint32_t max) {
    uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < min || v > max)
        return std::nullopt;
    return v;
}

std::string queue_list(const std::vector<uint32_t>& queues) {
    std::string s;
    for (uint32_t q : queues) s += (s.empty() ? "" : ",") + std::to_string(q);
    return s;
}

}  // namespace

// ETHTOOL_GCHANNELS (rx + combined), else IFLA_NUM_RX_QUEUES.
Result<uint32_t> active_rx_queues(const Interface& iface) {
    Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ethtool_channels ch{};
    ch.cmd = ETHTOOL_GCHANNELS;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, iface.name.c_str(), IFNAMSIZ - 1);
    ifr.ifr_data = reinterpret_cast<char*>(&ch);
    if (sock.valid() && ::ioctl(sock.get(), SIOCETHTOOL, &ifr) == 0 &&
        ch.rx_count + ch.combined_count > 0)
        return ch.rx_count + ch.combined_count;
    return link_rx_queues(iface.ifindex);
}

Result<void> pin_thread(std::thread& t, int cpu, const char* what) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (const int err = ::pthread_setaffinity_np(t.native_handle(), sizeof(set), &set))
        return make_error(err, "cannot pin the {} to CPU {}: {}", what, cpu,
                          std::strerror(err));
    return {};
}

Result<Steering> parse_steer(const std::string& text) {
    Steering s;
    if (text == "all") return s;
    if (text == "every-other") {
        s.steer = AFXDP_STEER_EVERY_OTHER;
        s.one_in = 2;
        return s;
    }
    if (text.rfind("1-in-", 0) == 0)
        if (auto n = whole_number(text.substr(5), 1, 1'000'000)) {
            s.steer = AFXDP_STEER_ONE_IN_N;
            s.one_in = *n;
            return s;
        }
    return make_error(EINVAL,
                      "--steer '{}': expected all, every-other or 1-in-N (N from 1 to 1000000, "
                      "e.g. 1-in-4)",
                      text);
}

Result<void> parse_filter(const std::string& text, Steering& s) {
    if (text.empty() || text == "none") {
        s.filter = AFXDP_FILTER_NONE;
        return {};
    }
    if (text == "icmpv6-echo") {
        s.filter = AFXDP_FILTER_ICMPV6_ECHO;
        return {};
    }
    if (text.rfind("udp:", 0) == 0)
        if (auto port = whole_number(text.substr(4), 1, 65535)) {
            s.filter = AFXDP_FILTER_UDP_PORT;
            s.udp_port = static_cast<uint16_t>(*port);
            return {};
        }
    return make_error(EINVAL, "--filter '{}': expected icmpv6-echo or udp:PORT (PORT 1-65535)",
                      text);
}

// The names of the program's Choice parameters (cmd/afxdp_family.cpp), by enum value.
const char* const kSteerParam[] = {"all", "every-other", "1-in-n"};
const char* const kFilterParam[] = {"none", "icmpv6-echo", "udp"};

std::string steer_text(const Steering& s) {
    if (s.steer == AFXDP_STEER_ONE_IN_N) return "1-in-" + std::to_string(s.one_in);
    return kSteerParam[s.steer];
}

std::string filter_text(const Steering& s) {
    if (s.filter == AFXDP_FILTER_UDP_PORT) return "udp:" + std::to_string(s.udp_port);
    return kFilterParam[s.filter];
}

const char* afxdp_mode_name(AfxdpMode m) { return m == AfxdpMode::Pong ? "pong" : "drop"; }

Result<void> check_afxdp_request(const AfxdpRequest& req) {
    if (req.mode != "drop" && req.mode != "pong")
        return make_error(EINVAL, "--mode '{}': expected drop or pong", req.mode);
    if (req.copy && req.zerocopy)
        return make_error(EINVAL, "--copy and --zerocopy exclude each other (neither: zero-copy "
                                  "when the driver has it, else copy)");
    if (req.replace && req.append)
        return make_error(EINVAL, "--replace and --chain exclude each other");
    if (req.queue && req.all_queues)
        return make_error(EINVAL, "--queue and --all-queues exclude each other");
    if (req.batch == 0 || req.batch > XSK_RING_CONS__DEFAULT_NUM_DESCS)
        return make_error(EINVAL, "--batch {}: from 1 to the ring size, {}", req.batch,
                          XSK_RING_CONS__DEFAULT_NUM_DESCS);
    if (req.frames > kMaxFramesPerSocket)
        return make_error(EINVAL, "--frames {}: at most {} per socket", req.frames,
                          kMaxFramesPerSocket);
    UmemConfig umem;
    umem.frame_count = req.frames;
    umem.frame_size = req.frame_size;
    XDPKIT_TRY(check_umem_config(umem));
    auto steering = parse_steer(req.steer);
    if (!steering) return steering.error();
    XDPKIT_TRY(parse_filter(req.filter, *steering));
    auto mode = parse_xdp_mode(req.xdp_mode);
    if (!mode) return mode.error();
    return {};
}

Result<AfxdpPlan> plan_afxdp(const AfxdpRequest& req) {
    XDPKIT_TRY(check_afxdp_request(req));
    AfxdpPlan plan;
    auto iface = find_interface(req.ifname);
    if (!iface) return iface.error();
    plan.iface = *iface;
    auto queues = active_rx_queues(*iface);
    if (!queues) return queues.error();
    plan.device_queues = std::max<uint32_t>(*queues, 1);

    if (req.all_queues) {
        if (plan.device_queues > AFXDP_MAX_QUEUES)
            return make_error(EINVAL, "{} has {} RX queues; the steering program covers {}",
                              iface->name, plan.device_queues, AFXDP_MAX_QUEUES);
        for (uint32_t q = 0; q < plan.device_queues; ++q) plan.queues.push_back(q);
    } else {
        const uint32_t q = req.queue.value_or(0);
        if (q >= plan.device_queues)
            return make_error(EINVAL, "--queue {}: {} has {} RX queue(s), 0 to {}", q,
                              iface->name, plan.device_queues, plan.device_queues - 1);
        if (q >= AFXDP_MAX_QUEUES)
            return make_error(EINVAL, "--queue {}: the steering program covers queues 0 to {}",
                              q, AFXDP_MAX_QUEUES - 1);
        plan.queues.push_back(q);
    }

    plan.mode = req.mode == "pong" ? AfxdpMode::Pong : AfxdpMode::Drop;
    plan.steering = *parse_steer(req.steer);
    (void)parse_filter(req.filter, plan.steering);
    plan.umem.frame_count = req.frames;
    plan.umem.frame_size = req.frame_size;
    plan.umem.hugepages = req.hugepages;
    plan.xsk.copy_mode = req.copy       ? XskCopyMode::Copy
                         : req.zerocopy ? XskCopyMode::ZeroCopy
                                        : XskCopyMode::Auto;
    plan.xsk.tx = plan.mode == AfxdpMode::Pong;
    plan.xsk.busy_poll = req.busy_poll;
    plan.xsk.busy_poll_budget = req.batch;
    plan.loop.mode = plan.mode;
    plan.loop.batch = req.batch;
    plan.loop.busy_poll = req.busy_poll;
    plan.xdp_mode = *parse_xdp_mode(req.xdp_mode);
    plan.append = req.append;
    plan.replace = req.replace;
    if (plan.steering.filter == AFXDP_FILTER_NONE &&
        plan.steering.steer == AFXDP_STEER_ALL)
        plan.notes.push_back(fmt::format(
            "every frame of queue {} goes to the socket, neighbour discovery and ARP included: "
            "the stack of {} no longer answers them (--filter keeps them with the stack)",
            queue_list(plan.queues), iface->name));
    return plan;
}

ParamValues afxdp_params(const AfxdpPlan& plan) {
    const Steering& s = plan.steering;
    return {{"steer", kSteerParam[s.steer]},
            {"one-in", std::to_string(s.one_in)},
            {"filter", kFilterParam[s.filter]},
            {"udp-port", std::to_string(s.udp_port)}};
}

Result<std::unique_ptr<AfxdpSession>> AfxdpSession::start(const Family& family,
                                                          const AfxdpPlan& plan) {
    std::unique_ptr<AfxdpSession> s(new AfxdpSession());
    s->plan_ = plan;
    s->start_ns_ = monotonic_ns();
    AfxdpSession* self = s.get();
    AttachRequest req{&family, plan.iface.name, plan.xdp_mode, plan.replace, plan.append,
                      afxdp_params(plan),
                      [self](const LoadedProgram& p) { return self->fill_xskmap(p); }};
    // Refusals first: a socket, once opened, holds the queue until the kernel has released
    // it, a little after close — a refused run must leave the queue free at once.
    XDPKIT_TRY(check_attach(req));
    auto set = open_xsk_set(plan.iface, plan.queues, plan.umem, plan.xsk);
    if (!set) return set.error();
    s->xsks_ = std::move(*set);

    // The loops fill their fill rings before the program can send them a frame.
    const uint64_t slice = uint64_t{s->xsks_.frames_per_socket} * plan.umem.frame_size;
    for (size_t i = 0; i < s->xsks_.sockets.size(); ++i)
        s->loops_.push_back(std::make_unique<XskLoop>(*s->xsks_.sockets[i], *s->xsks_.umem,
                                                      i * slice, s->xsks_.frames_per_socket,
                                                      plan.loop));
    s->running_ = true;
    for (auto& loop : s->loops_) {
        s->threads_.emplace_back([&l = *loop, &stop = s->stop_] { l.run(stop); });
        // Pinned right after it started: the few frames the loop may take before are no matter.
        if (plan.loop_cpu)
            XDPKIT_TRY(pin_thread(s->threads_.back(), *plan.loop_cpu, "AF_XDP loop"));
    }

    auto attached = attach_program(req);
    if (!attached) return attached.error();  // the destructor stops the loops
    s->attached_ = *attached;
    return s;
}

Result<void> AfxdpSession::fill_xskmap(const LoadedProgram& prog) {
    bpf_map* xsks = prog.map(AFXDP_XSKS_MAP);
    bpf_map* outcomes = prog.map(AFXDP_COUNTERS_MAP);
    bpf_map* rx_queues = prog.map(AFXDP_QUEUE_COUNTERS_MAP);
    if (!xsks || !outcomes || !rx_queues)
        return make_error(ENOENT, "the afxdp program lacks its maps");
    XDPKIT_TRY(put_in_xskmap(xsks_, bpf_map__fd(xsks), AFXDP_XSKS_MAP));
    outcomes_fd_.reset(::dup(bpf_map__fd(outcomes)));
    rx_queues_fd_.reset(::dup(bpf_map__fd(rx_queues)));
    return {};
}

AfxdpSample AfxdpSession::sample() const {
    AfxdpSample out;
    out.seconds = double(monotonic_ns() - start_ns_) / 1e9;
    for (const auto& loop : loops_)
        out.queues.push_back({loop->socket().queue(), loop->snapshot(), loop->socket().statistics()});
    if (outcomes_fd_.valid())
        if (auto recs = read_datarecs(outcomes_fd_.get()))
            for (uint32_t i = 0; i < AFXDP_OUTCOME_SLOTS && i < recs->size(); ++i)
                out.outcomes[i] = (*recs)[i].packets;
    if (rx_queues_fd_.valid())
        if (auto recs = read_datarecs(rx_queues_fd_.get())) {
            const size_t used = std::min<size_t>(recs->size(), plan_.device_queues);
            for (size_t i = 0; i < used; ++i) out.rx_queue_frames.push_back((*recs)[i].packets);
        }
    return out;
}

Result<DetachResult> AfxdpSession::stop() {
    Result<DetachResult> detached = DetachResult{plan_.iface.name, {}, false, {}};
    if (attached_.prog_id != 0) {
        // First: no frame is redirected to a socket that is about to go.
        detached = detach_program({plan_.iface.name, attached_.family, false});
        attached_.prog_id = 0;
    }
    if (running_) {
        stop_ = true;
        for (auto& t : threads_) t.join();
        threads_.clear();
        running_ = false;
        for (const auto& loop : loops_) audit_ok_ = audit_ok_ && loop->audit();
    }
    return detached;
}

AfxdpSession::~AfxdpSession() { (void)stop(); }

std::string queue_hint(const AfxdpPlan& plan, const AfxdpSample& now) {
    uint64_t ours = 0, others = 0;
    uint32_t busiest = 0;
    for (uint32_t q = 0; q < now.rx_queue_frames.size(); ++q) {
        const bool bound = std::find(plan.queues.begin(), plan.queues.end(), q) != plan.queues.end();
        (bound ? ours : others) += now.rx_queue_frames[q];
        if (now.rx_queue_frames[q] > now.rx_queue_frames[busiest]) busiest = q;
    }
    if (ours > 0 || others == 0) return {};
    std::string counts;
    for (uint32_t q = 0; q < now.rx_queue_frames.size(); ++q)
        counts += fmt::format("{}queue {}: {}", counts.empty() ? "" : ", ", q,
                              now.rx_queue_frames[q]);
    return fmt::format(
        "no frames on {} queue {}, where the socket{} {}, while {} arrived on other queues "
        "({}): the sender's hash or the NIC's RSS picks the RX queue, not the socket; bind "
        "--queue {} or --all-queues ('ethtool -S {}' shows the driver's per-queue counts)",
        plan.iface.name, queue_list(plan.queues), plan.queues.size() > 1 ? "s" : "",
        plan.queues.size() > 1 ? "are" : "is", others, counts, busiest, plan.iface.name);
}

}  // namespace xdpkit
