#include "core/hints/rx_meta_session.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "core/afxdp/afxdp.h"
#include "core/attach/program.h"

namespace xdpkit {
namespace {

// More than a person reads; bounds the memory when the caller falls behind.
constexpr size_t kMaxPending = 65536;

}  // namespace

uint64_t tai_now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_TAI, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ULL + uint64_t(ts.tv_nsec);
}

Result<hints_steer> parse_hints_steer(const std::string& text) {
    if (text == "socket") return HINTS_STEER_SOCKET;
    if (text == "stack") return HINTS_STEER_STACK;
    if (text == "every-other") return HINTS_STEER_EVERY_OTHER;
    return make_error(EINVAL, "--steer '{}': expected socket, stack or every-other", text);
}

const char* hints_steer_name(hints_steer s) {
    switch (s) {
    case HINTS_STEER_SOCKET: return "socket";
    case HINTS_STEER_STACK: return "stack";
    case HINTS_STEER_EVERY_OTHER: return "every-other";
    }
    return "?";
}

Result<std::unique_ptr<HintsSession>> HintsSession::start(const Family& family,
                                                          const HintsRequest& req) {
    auto steer = parse_hints_steer(req.steer);
    if (!steer) return steer.error();
    // The AF_XDP side is afxdp's: one socket per active RX queue on one UMEM, receive only.
    AfxdpRequest ar;
    ar.ifname = req.ifname;
    ar.all_queues = true;
    ar.frames = 1024;
    auto plan = plan_afxdp(ar);
    if (!plan) return plan.error();
    plan->xsk.tx = false;

    std::unique_ptr<HintsSession> s(new HintsSession());
    s->iface_ = plan->iface;
    s->steer_ = *steer;
    HintsSession* self = s.get();
    AttachRequest attach{&family, req.ifname, XdpMode::Native, req.replace, false,
                         {{"steer", hints_steer_name(*steer)}},
                         [self](const LoadedProgram& p) { return self->configure(p); }};
    // Refusals before the sockets: one opened holds the queue a while after close.
    XDPKIT_TRY(check_attach(attach));
    auto set = open_xsk_set(plan->iface, plan->queues, plan->umem, plan->xsk);
    if (!set) return set.error();
    s->xsks_ = std::move(*set);

    XskLoopConfig loop = plan->loop;
    // Not a fast path: every frame becomes a line someone reads, so the loop may allocate for
    // it (the flow text, the queue entry); afxdp's loops, which are, have no observer.
    loop.observe = [self = s.get()](const uint8_t* frame, uint32_t len, uint32_t headroom) {
        FrameHints f{"xsk", len, flow_text(frame, len), read_rx_meta(frame, headroom),
                     std::nullopt, tai_now_ns()};
        self->push(std::move(f));
    };
    const uint64_t slice = uint64_t{s->xsks_.frames_per_socket} * plan->umem.frame_size;
    for (size_t i = 0; i < s->xsks_.sockets.size(); ++i)
        s->loops_.push_back(std::make_unique<XskLoop>(*s->xsks_.sockets[i], *s->xsks_.umem,
                                                      i * slice, s->xsks_.frames_per_socket,
                                                      loop));
    s->running_ = true;
    for (auto& l : s->loops_) s->threads_.emplace_back([&l = *l, &stop = s->stop_] { l.run(stop); });

    auto attached = attach_program(attach);
    if (!attached) return attached.error();  // the destructor stops the loops
    s->attached_ = *attached;

    auto tc = TcProgram::attach(s->iface_.ifindex, s->iface_.name, BPF_TC_INGRESS,
                                s->tc_prog_fd_.get());
    if (!tc) return tc.error();
    s->tc_ = std::move(*tc);
    s->events_ = ring_buffer__new(s->events_fd_.get(), &HintsSession::on_stack_event, self, nullptr);
    if (!s->events_)
        return make_error(errno, "cannot read the tc consumer's ring buffer: {}",
                          std::strerror(errno));
    return s;
}

Result<void> HintsSession::configure(const LoadedProgram& prog) {
    bpf_map* xsks = prog.map(HINTS_XSKS_MAP);
    bpf_map* events = prog.map(HINTS_STACK_EVENTS_MAP);
    bpf_program* tc = bpf_object__find_program_by_name(prog.obj(), "xdpkit_hints_stack");
    if (!xsks || !events || !tc) return make_error(ENOENT, "the hints program lacks its maps");
    XDPKIT_TRY(put_in_xskmap(xsks_, bpf_map__fd(xsks), HINTS_XSKS_MAP));
    tc_prog_fd_.reset(::dup(bpf_program__fd(tc)));
    events_fd_.reset(::dup(bpf_map__fd(events)));
    return {};
}

void HintsSession::push(FrameHints f) {
    std::lock_guard lock(mu_);
    if (pending_.size() >= kMaxPending) {
        ++overflowed_;
        return;
    }
    pending_.push_back(std::move(f));
}

int HintsSession::on_stack_event(void* self, void* data, size_t size) {
    if (size < sizeof(xdpkit_hints_stack_event)) return 0;
    xdpkit_hints_stack_event ev;
    std::memcpy(&ev, data, sizeof(ev));
    FrameHints f{"stack", ev.len,
                 flow_text(ev.head, std::min<size_t>(ev.head_len, sizeof(ev.head))),
                 ev.has_meta ? std::optional(ev.meta) : std::nullopt, ev.skb_hash, tai_now_ns()};
    static_cast<HintsSession*>(self)->push(std::move(f));
    return 0;
}

std::vector<FrameHints> HintsSession::take() {
    if (events_) (void)ring_buffer__consume(events_);
    std::vector<FrameHints> out;
    std::lock_guard lock(mu_);
    out.swap(pending_);
    return out;
}

Result<DetachResult> HintsSession::stop() {
    Result<DetachResult> detached = DetachResult{iface_.name, {}, false, {}};
    tc_.reset();
    if (events_) {
        ring_buffer__free(events_);
        events_ = nullptr;
    }
    if (attached_.prog_id != 0) {
        detached = detach_program({iface_.name, attached_.family, false});
        attached_.prog_id = 0;
    }
    if (running_) {
        stop_ = true;
        for (auto& t : threads_) t.join();
        threads_.clear();
        running_ = false;
    }
    return detached;
}

HintsSession::~HintsSession() { (void)stop(); }

}  // namespace xdpkit
