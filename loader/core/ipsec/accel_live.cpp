#include "core/ipsec/accel_live.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/afxdp/afxdp.h"
#include "core/base/ticker.h"

namespace xdpkit {
namespace {

bool same_sa(const SecurityAssociation& a, const SecurityAssociation& b) {
    return a.spi == b.spi && a.dst.family == b.dst.family && a.dst.bytes == b.dst.bytes;
}

}  // namespace

Result<AccelPlan> plan_accel(const AccelRequest& req) {
    AccelPlan plan;
    if (req.pattern != 1 && req.pattern != 2)
        return make_error(EINVAL, "--pattern {}: expected 1 (one thread) or 2 (RX thread and "
                                  "crypto thread)", req.pattern);
    if (req.copy && req.zerocopy)
        return make_error(EINVAL, "--copy and --zerocopy exclude each other");
    if (req.replace && req.append)
        return make_error(EINVAL, "--replace and --chain exclude each other");
    if (req.batch == 0 || req.batch > XSK_RING_CONS__DEFAULT_NUM_DESCS)
        return make_error(EINVAL, "--batch {}: from 1 to the ring size, {}", req.batch,
                          XSK_RING_CONS__DEFAULT_NUM_DESCS);
    if (req.crypto_cpu && req.pattern != 2)
        return make_error(EINVAL, "--crypto-cpu: only pattern 2 has a crypto thread");
    auto after = parse_after_steps(req.after);
    if (!after) return after.error();
    plan.after = *after;
    if (!req.dst_mac.empty()) {
        if (plan.after.forward.empty())
            return make_error(EINVAL, "--dst-mac: only with --after forward:IFACE");
        auto mac = parse_mac(req.dst_mac);
        if (!mac) return make_error(EINVAL, "--dst-mac: {}", mac.error().message);
        plan.dst_mac = *mac;
    }
    auto mode = parse_xdp_mode(req.xdp_mode);
    if (!mode) return mode.error();
    plan.xdp_mode = *mode;
    plan.umem.frame_count = req.frames;
    XDPKIT_TRY(check_umem_config(plan.umem));

    // The backend's algorithms against every SA of the file before anything is added.
    auto backend = make_crypto_backend(req.backend);
    if (!backend) return backend.error();
    plan.backend = req.backend;
    if (!req.sa_file.empty()) {
        auto sas = read_sa_file(req.sa_file);
        if (!sas) return sas.error();
        if (sas->empty()) return make_error(EINVAL, "{}: no SA in it", req.sa_file);
        for (auto& sa : *sas) {
            if (!sa.has_keys())
                return make_error(EINVAL, "{}: SPI {:#x} has no keys; the engine needs --key "
                                  "(and --auth-key or --salt)", req.sa_file, sa.spi);
            XDPKIT_TRY(check_engine_sa(sa, req.backend));
            // The engine is where these SAs go, whatever the file says they do elsewhere.
            sa.action = IPSEC_ACTION_XSK;
            sa.target = req.queue;
        }
        plan.file_sas = std::move(*sas);
        plan.sa_file = req.sa_file;
    }

    auto iface = find_interface(req.ifname);
    if (!iface) return iface.error();
    plan.iface = *iface;
    auto queues = active_rx_queues(*iface);
    if (!queues) return queues.error();
    if (req.queue >= *queues)
        return make_error(EINVAL, "--queue {}: {} has {} RX queue(s), 0 to {}", req.queue,
                          iface->name, *queues, *queues - 1);
    plan.queue = req.queue;
    if (!plan.after.forward.empty()) {
        auto out = find_interface(plan.after.forward);
        if (!out) return make_error(out.error().err, "--after forward: {}", out.error().message);
        if (out->ifindex == iface->ifindex)
            return make_error(EINVAL, "--after forward:{}: the output must be another "
                                      "interface than the one ESP arrives on", out->name);
        plan.forward = *out;
    }
    plan.pattern = req.pattern;
    plan.program_params = req.program_params;
    plan.xsk.copy_mode = req.copy       ? XskCopyMode::Copy
                         : req.zerocopy ? XskCopyMode::ZeroCopy
                                        : XskCopyMode::Auto;
    plan.xsk.tx = false;  // receive only: the inner packets leave through the forward port
    plan.xsk.busy_poll = req.busy_poll;
    plan.xsk.busy_poll_budget = req.batch;
    plan.loop.pattern = req.pattern;
    plan.loop.batch = req.batch;
    plan.loop.busy_poll = req.busy_poll;
    plan.append = req.append;
    plan.replace = req.replace;
    plan.rx_cpu = req.rx_cpu;
    plan.crypto_cpu = req.crypto_cpu;
    return plan;
}

Result<std::unique_ptr<AccelSession>> AccelSession::start(const Family& ipsec, const Family* post,
                                                          const AccelPlan& plan) {
    std::unique_ptr<AccelSession> s(new AccelSession());
    s->plan_ = plan;
    s->start_ns_ = monotonic_ns();
    auto backend = make_crypto_backend(plan.backend);
    if (!backend) return backend.error();
    s->backend_ = std::move(*backend);
    s->setup_.backend_detail = s->backend_->detail();

    // What can fail without changing anything first: the program step and the output port.
    if (post) {
        auto p = PostProgram::load(*post, plan.program_params);
        if (!p) return p.error();
        s->post_ = std::move(*p);
    }
    if (plan.forward) {
        auto f = ForwardPort::open(*plan.forward, 0, plan.dst_mac, plan.xsk.copy_mode);
        if (!f) return f.error();
        s->forward_ = std::move(*f);
    }
    XDPKIT_TRY(s->check_attach_ipsec(ipsec));  // before the socket: it holds the queue late
    XDPKIT_TRY(s->set_up_sas());  // from here on the destructor undoes what was done

    auto set = open_xsk_set(plan.iface, {plan.queue}, plan.umem, plan.xsk);
    if (!set) return set.error();
    s->xsks_ = std::move(*set);
    s->setup_.zero_copy = s->xsks_.zero_copy;
    for (const auto& n : s->xsks_.notes) s->setup_.notes.push_back(n);
    XDPKIT_TRY(s->start_threads());

    // The socket goes into the XSKMAP before the program can redirect anything to it.
    const int fd = s->xsks_.sockets.front()->fd();
    if (bpf_map_update_elem(s->db_->xsks_fd(), &plan.queue, &fd, BPF_ANY) != 0)
        return make_error(errno, "cannot put the socket into the SA database's XSKMAP "
                                 "(ipsec_xsks) at queue {}: {}", plan.queue, std::strerror(errno));
    s->in_xskmap_ = true;
    XDPKIT_TRY(s->attach(ipsec));
    return s;
}

Result<void> AccelSession::set_up_sas() {
    auto existing = sa_database_dir();
    if (!existing) return existing.error();
    db_created_ = !existing->has_value();
    auto db = SaDatabase::open_pinned(true);
    if (!db) return db.error();
    db_ = std::move(*db);
    if (!plan_.file_sas.empty()) {
        XDPKIT_TRY(db_->add(plan_.file_sas));
        setup_.sas_added = true;
    }
    auto entries = db_->list();
    if (!entries) return entries.error();
    std::vector<SecurityAssociation> sas;
    std::vector<uint32_t> slots;
    for (const SaEntry& e : *entries) {
        const bool ours = plan_.file_sas.empty()
                              ? e.sa.action == IPSEC_ACTION_XSK && e.sa.target == plan_.queue
                              : std::any_of(plan_.file_sas.begin(), plan_.file_sas.end(),
                                            [&](const auto& f) { return same_sa(f, e.sa); });
        if (!ours) continue;
        if (!e.sa.has_keys())
            return make_error(EINVAL, "SPI {:#x} to {} steers to xsk:{} but has no keys in the "
                              "database; the engine needs them ('xdpkit ipsec sa add ... --key')",
                              e.sa.spi, to_string(e.sa.dst), plan_.queue);
        XDPKIT_TRY(check_engine_sa(e.sa, plan_.backend));
        sas.push_back(e.sa);
        slots.push_back(e.slot);
        setup_.sas.push_back(e);
    }
    if (sas.empty())
        return make_error(ENOENT, "no SA steers to xsk:{} in the SA database; add them with "
                          "'xdpkit ipsec sa add --action xsk:{} --key ...' or give --sa-file",
                          plan_.queue, plan_.queue);
    auto engine = EspEngine::create(*backend_, sas);
    if (!engine) return engine.error();
    engine_ = std::move(*engine);
    // SAs that already saw traffic keep their window: a replay from before still is one.
    for (uint32_t i = 0; i < slots.size(); ++i) {
        auto w = db_->window(slots[i]);
        if (!w) return w.error();
        engine_->load_replay(i, *w);
    }
    slots_ = std::move(slots);
    return {};
}

Result<void> AccelSession::start_threads() {
    loop_ = std::make_unique<AccelLoop>(*xsks_.sockets.front(), *xsks_.umem, 0,
                                        xsks_.frames_per_socket, *engine_, &*db_, slots_,
                                        post_.get(), forward_.get(), plan_.loop);
    running_ = true;
    threads_.emplace_back([this] { loop_->run(stop_); });
    // Pinned right after they started: the few frames taken before are no matter.
    if (plan_.rx_cpu) XDPKIT_TRY(pin_thread(threads_.back(), *plan_.rx_cpu, "RX thread"));
    if (plan_.pattern == 2) {
        threads_.emplace_back([this] { loop_->run_crypto(); });
        if (plan_.crypto_cpu)
            XDPKIT_TRY(pin_thread(threads_.back(), *plan_.crypto_cpu, "crypto thread"));
    }
    return {};
}

// An ipsec stage already on the interface (attached by the user, with the same shared SA
// database) is used as it is and left there; otherwise the engine attaches its own.
Result<std::optional<uint32_t>> AccelSession::attached_ipsec_slot(const Family& ipsec) const {
    auto chain = read_chain(plan_.iface.name, plan_.iface.ifindex);
    if (!chain) return chain.error();
    if (*chain && !plan_.replace)
        for (const StagePin& st : (*chain)->stages)
            if (st.family == ipsec.name && st.in_chain) return std::optional<uint32_t>(st.slot);
    return std::optional<uint32_t>();
}

AttachRequest AccelSession::ipsec_attach_request(const Family& ipsec) const {
    return {&ipsec, plan_.iface.name, plan_.xdp_mode, plan_.replace, plan_.append, {}, {}};
}

Result<void> AccelSession::check_attach_ipsec(const Family& ipsec) const {
    auto slot = attached_ipsec_slot(ipsec);
    if (!slot) return slot.error();
    if (*slot) return {};  // the one there is used
    return check_attach(ipsec_attach_request(ipsec));
}

Result<void> AccelSession::attach(const Family& ipsec) {
    auto slot = attached_ipsec_slot(ipsec);
    if (!slot) return slot.error();
    if (*slot) {
        setup_.notes.push_back(fmt::format("using the ipsec program already attached to {} (slot "
                                           "{}); it stays when the engine stops",
                                           plan_.iface.name, **slot));
        return {};
    }
    auto attached = attach_program(ipsec_attach_request(ipsec));
    if (!attached) return attached.error();
    setup_.attached = *attached;
    setup_.program_attached = true;
    return {};
}

AccelSample AccelSession::sample() const {
    AccelSample out;
    out.seconds = double(monotonic_ns() - start_ns_) / 1e9;
    if (loop_) out.loop = loop_->snapshot();
    if (!xsks_.sockets.empty()) out.xdp = xsks_.sockets.front()->statistics();
    return out;
}

Result<std::vector<std::string>> AccelSession::stop() {
    std::vector<std::string> notes;
    if (stopped_) return notes;
    stopped_ = true;
    std::optional<Error> first;
    auto keep = [&](const Error& e) {
        if (!first) first = e;
    };
    if (setup_.program_attached) {
        // First: nothing is redirected to a socket that is about to go.
        auto d = detach_program({plan_.iface.name, "ipsec", false});
        if (d)
            notes.push_back(fmt::format("detached ipsec from {}", plan_.iface.name));
        else
            keep(d.error());
        setup_.program_attached = false;
    }
    if (in_xskmap_) {
        // Only our socket's entry: another engine may serve another queue.
        if (bpf_map_delete_elem(db_->xsks_fd(), &plan_.queue) != 0 && errno != ENOENT)
            keep(make_error(errno, "cannot take the socket out of ipsec_xsks: {}",
                            std::strerror(errno)));
        in_xskmap_ = false;
    }
    if (running_) {
        stop_ = true;
        for (auto& t : threads_) t.join();
        threads_.clear();
        running_ = false;
        audit_ok_ = loop_->audit();
    }
    if (setup_.sas_added) {
        for (const auto& sa : plan_.file_sas)
            if (auto r = db_->remove(sa.spi, sa.dst); !r) keep(r.error());
        notes.push_back(fmt::format("removed the {} SA(s) of {}", plan_.file_sas.size(),
                                    plan_.sa_file));
        setup_.sas_added = false;
    }
    if (db_ && db_created_) {
        // The database was made for this run: leave nothing pinned, as before.
        auto entries = db_->list();
        if (entries && entries->empty())
            if (auto f = db_->flush(); !f) keep(f.error());
    }
    if (first) return *first;
    return notes;
}

AccelSession::~AccelSession() { (void)stop(); }

}  // namespace xdpkit
