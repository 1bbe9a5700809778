#include "core/ipsec/accel_kfunc.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>
#include <xdpkit/ipsec.h>

#include "core/attach/counters.h"
#include "core/ipsec/esp_decap.h"
#include "core/ipsec/ipsec_crypto.h"
#include "core/ipsec/ipsec_sa.h"
#include "core/ipsec/ipsec_sad.h"
#include "core/packets/pcap_file.h"
#include "core/kernel/prog_run.h"
#include "core/attach/program.h"
#include "core/base/units.h"

namespace xdpkit {
namespace {

constexpr uint32_t kXdpPass = 2;

// The kernel can only decrypt (no HMAC, no AEAD kfunc): aes-cbc-128, and an ICV only when
// the SA says to cut it unchecked. Every SA becomes an inline one.
Result<std::vector<SecurityAssociation>> inline_sas(std::vector<SecurityAssociation> sas) {
    for (auto& sa : sas) {
        if (sa.cipher != IPSEC_CIPHER_AES_CBC_128)
            return make_error(EINVAL, "SPI {:#x} to {}: --backend kfunc decrypts aes-cbc-128 "
                              "only (the kernel's bpf_crypto has no {}); use openssl or ipsec-mb",
                              sa.spi, to_string(sa.dst), cipher_name(sa.cipher));
        if (sa.auth != IPSEC_AUTH_NONE && !sa.unverified)
            return make_error(EINVAL, "SPI {:#x} to {}: --backend kfunc cannot verify {} (no "
                              "HMAC kfunc); mark the SA --unverified to cut the ICV unchecked, or "
                              "use openssl or ipsec-mb", sa.spi, to_string(sa.dst),
                              auth_name(sa.auth));
        sa.action = IPSEC_ACTION_INLINE;
        sa.target = 0;
    }
    return sas;
}

// What one frame did, from the esp_events the run added (the program counts every outcome).
std::string result_of(const std::vector<xdpkit_datarec>& before,
                      const std::vector<xdpkit_datarec>& after) {
    auto grew = [&](uint32_t ev) { return after[ev].packets > before[ev].packets; };
    static constexpr std::pair<uint32_t, const char*> outcomes[] = {
        {IPSEC_EV_DECRYPTED, "ok"},           {IPSEC_EV_BAD_PADDING, "bad-padding"},
        {IPSEC_EV_REPLAY, "replay"},          {IPSEC_EV_TOO_OLD, "too-old"},
        {IPSEC_EV_UNKNOWN_SPI, "unknown-sa"}, {IPSEC_EV_CRYPTO_ERROR, "crypto-error"},
        {IPSEC_EV_NOT_TUNNEL, "not-tunnel"},  {IPSEC_EV_MALFORMED, "malformed"},
        {IPSEC_EV_SA_MALFORMED, "malformed"}, {IPSEC_EV_INVALID_SPI, "malformed"},
        {IPSEC_EV_UNPARSED, "unparsed"},
    };
    for (const auto& [ev, name] : outcomes)
        if (grew(ev)) return name;
    return "not-esp";
}

// A private ipsec instance with the SAs in it and their contexts made.
struct Instance {
    LoadedProgram prog;
    SaDatabase db;
};

Result<Instance> load_instance(const Family& ipsec, const std::vector<SecurityAssociation>& sas) {
    auto prog = load_program(ipsec, {{{"unknown-spi", "drop"}}, -1, 0});
    if (!prog) return prog.error();
    auto db = SaDatabase::of_program(*prog);
    if (!db) return db.error();
    XDPKIT_TRY(db->add(sas));
    return Instance{std::move(*prog), std::move(*db)};
}

// Where the cipher text of an ESP frame starts (after ESP header and the 16-byte IV).
std::optional<uint32_t> cipher_text_offset(const std::vector<uint8_t>& frame) {
    EspLocation loc;
    if (locate_esp(frame.data(), static_cast<uint32_t>(frame.size()), loc) != EspParse::esp)
        return std::nullopt;
    return loc.esp_offset + 8 + 16;
}

// bpf_crypto_decrypt alone over the cipher text of `frame`, runs times in the kernel's loop
// (decrypting in place again and again costs the same each time).
Result<void> time_raw(const Instance& in, const std::vector<uint8_t>& frame, uint32_t spi,
                      uint32_t runs, AccelKfuncReport& rep) {
    const auto offset = cipher_text_offset(frame);
    auto entries = in.db.list();
    if (!entries) return entries.error();
    const auto e = std::find_if(entries->begin(), entries->end(),
                                [&](const SaEntry& x) { return x.sa.spi == spi; });
    if (!offset || e == entries->end()) return {};
    auto bench = CryptoContexts::over(in.db.crypto_fd(), e->slot, *offset);
    if (!bench) return bench.error();
    auto r = prog_run_xdp(bench->bench_fd(), frame, runs);
    if (!r) return r.error();
    if (r->verdict != kXdpPass)
        return make_error(EIO, "the raw bpf_crypto_decrypt run failed (verdict {})", r->verdict);
    rep.raw_ns = r->duration_ns;
    rep.raw_bytes = static_cast<uint32_t>((frame.size() - *offset) & ~size_t{15});
    return {};
}

}  // namespace

Result<AccelKfuncReport> run_accel_kfunc(const AccelKfuncRequest& req) {
    XDPKIT_TRY(require_crypto_kfuncs());
    auto file = read_sa_file(req.sa_file);
    if (!file) return file.error();
    auto sas = inline_sas(*file);
    if (!sas) return sas.error();
    auto frames = read_pcap(req.pcap);
    if (!frames) return frames.error();
    auto inst = load_instance(*req.ipsec, *sas);
    if (!inst) return inst.error();

    AccelKfuncReport rep{req.sa_file, req.pcap, req.out, static_cast<uint32_t>(sas->size()),
                         req.repeat, {}, {}, 0, 0, 0, 0, 0};
    const int events = bpf_map__fd(inst->prog.map(IPSEC_EVENTS_MAP));
    std::map<std::string, uint64_t> counts;
    std::vector<CapturedFrame> out;
    const std::vector<uint8_t>* first_ok = nullptr;
    for (size_t i = 0; i < frames->size(); ++i) {
        const auto& f = (*frames)[i];
        auto before = read_datarecs(events);
        if (!before) return before.error();
        auto r = prog_run_xdp(inst->prog.prog_fd(), f.data);
        if (!r) return make_error(r.error().err, "packet {}: {}", i + 1, r.error().message);
        auto after = read_datarecs(events);
        if (!after) return after.error();
        AccelKfuncPacket p;
        p.index = static_cast<uint32_t>(i + 1);
        p.len_in = static_cast<uint32_t>(f.data.size());
        p.result = result_of(*before, *after);
        p.verdict = r->verdict;
        p.duration_ns = r->duration_ns;
        EspLocation loc;
        if (locate_esp(f.data.data(), p.len_in, loc) == EspParse::esp &&
            loc.esp_offset + 8 <= p.len_in) {
            uint32_t w[2];
            std::memcpy(w, f.data.data() + loc.esp_offset, sizeof(w));
            p.spi = ntohl(w[0]);
            p.seq = ntohl(w[1]);
        }
        if (p.result == "ok") {
            p.len_out = static_cast<uint32_t>(r->data_out.size());
            rep.inner_bytes += r->data_out.size();
            out.push_back({f.sec, f.nsec, p.len_out, std::move(r->data_out)});
            if (!first_ok) first_ok = &f.data;
        }
        counts[p.result]++;
        rep.packets.push_back(std::move(p));
    }
    for (const auto& [name, n] : counts) rep.results.emplace_back(name, n);
    if (!req.out.empty()) XDPKIT_TRY(write_pcap(req.out, out));

    if (req.repeat > 1) {
        // Windows off, so every pass decrypts every packet again.
        auto untimed = *sas;
        for (auto& sa : untimed) sa.replay_window = 0;
        auto timed = load_instance(*req.ipsec, untimed);
        if (!timed) return timed.error();
        for (uint32_t pass = 0; pass < req.repeat; ++pass)
            for (const auto& f : *frames) {
                auto r = prog_run_xdp(timed->prog.prog_fd(), f.data);
                if (!r) return r.error();
                rep.timed_ns += r->duration_ns;
                rep.timed_runs++;
            }
        if (first_ok) {
            const auto& pkt = rep.packets[static_cast<size_t>(first_ok - &(*frames)[0].data)];
            XDPKIT_TRY(time_raw(*timed, *first_ok, pkt.spi, req.repeat, rep));
        }
    }
    return rep;
}

Json to_json(const AccelKfuncReport& r) {
    Json packets = Json::array();
    for (const auto& p : r.packets)
        packets.push_back({{"index", p.index},     {"len_in", p.len_in},
                           {"len_out", p.len_out}, {"result", p.result},
                           {"spi", p.spi},         {"seq", p.seq},
                           {"verdict", p.verdict}, {"duration_ns", p.duration_ns}});
    Json results = Json::object();
    for (const auto& [name, n] : r.results) results[name] = n;
    Json j = {{"backend", "kfunc"}, {"sa_file", r.sa_file}, {"pcap", r.pcap},
              {"sas", r.sas},       {"packets", packets},   {"results", results},
              {"inner_bytes", r.inner_bytes}, {"repeat", r.repeat}};
    if (!r.out.empty()) j["out"] = r.out;
    if (r.timed_runs)
        j["timing"] = {{"runs", r.timed_runs},
                       {"ns_per_packet", r.ns_per_packet()},
                       {"raw_decrypt_ns", r.raw_ns},
                       {"raw_decrypt_bytes", r.raw_bytes}};
    return j;
}

std::string accel_kfunc_text(const AccelKfuncReport& r) {
    std::string s = fmt::format("backend kfunc (the ipsec program's inline action, "
                                "BPF_PROG_RUN), {} SA(s) from {}\n\n", r.sas, r.sa_file);
    s += fmt::format("{:>7}  {:>7}  {:>7}  {:<12}  {:>10}  {:>10}  {:>8}\n", "packet", "len in",
                     "len out", "result", "spi", "seq", "ns");
    for (const auto& p : r.packets)
        s += fmt::format("{:>7}  {:>7}  {:>7}  {:<12}  {:>10}  {:>10}  {:>8}\n", p.index,
                         p.len_in, p.result == "ok" ? fmt::format("{}", p.len_out) : "-",
                         p.result, p.spi ? fmt::format("0x{:x}", p.spi) : "-",
                         p.seq ? fmt::format("{}", p.seq) : "-", p.duration_ns);
    s += fmt::format("\n{:<14} {:>12}\n", "result", "packets");
    for (const auto& [name, n] : r.results) s += fmt::format("  {:<12} {:>12}\n", name, n);
    if (r.timed_runs) {
        const double pps = r.ns_per_packet() > 0 ? 1e9 / r.ns_per_packet() : 0;
        s += fmt::format("\nkernel: {} pass(es) of {} packets (replay windows off so every run "
                         "decrypts), {:.0f} ns/packet: {} on one core\n",
                         r.repeat, r.packets.size(), r.ns_per_packet(), format_pps(pps));
        if (r.raw_bytes)
            s += fmt::format("raw bpf_crypto_decrypt of {} bytes alone: {:.0f} ns/run ({} runs)\n",
                             r.raw_bytes, r.raw_ns, r.repeat);
    }
    if (!r.out.empty())
        s += fmt::format("wrote {} inner packet(s) to {}\n",
                         r.packets.empty() ? 0 : std::count_if(r.packets.begin(), r.packets.end(),
                                                              [](const auto& p) {
                                                                  return p.result == "ok";
                                                              }),
                         r.out);
    return s;
}

}  // namespace xdpkit
