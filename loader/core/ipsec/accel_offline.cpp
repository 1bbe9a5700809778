#include "core/ipsec/accel_offline.h"

#include <sys/mman.h>
#include <time.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <span>
#include <thread>

#include "core/ipsec/crypto_backend.h"
#include "core/ipsec/crypto_pipeline.h"
#include "core/packets/pcap_file.h"

namespace xdpkit {
namespace {

constexpr size_t kChunk = 2048;  // an AF_XDP UMEM frame: where the live engine will find packets
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kEvictBytes = size_t{128} << 20;  // more than a server CPU's last-level cache

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// The frames as a NIC leaves them: one per UMEM-sized chunk of one buffer.
struct Arena {
    std::span<uint8_t> bytes;
    size_t chunk = kChunk;
    std::vector<EspPacket> packets;

    // Backed by huge pages where the kernel gives them (transparent huge pages on madvise), as
    // a UMEM for speed is: 4 KB pages would cost a page walk every second frame.
    explicit Arena(const std::vector<CapturedFrame>& frames) {
        for (const auto& f : frames)
            while (chunk < f.data.size()) chunk *= 2;
        const size_t size = (frames.size() * chunk + kHugePage - 1) / kHugePage * kHugePage;
        void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) return;  // bytes stays empty: the caller reports it
        ::madvise(mem, size, MADV_HUGEPAGE);  // a hint: 4 KB pages when refused
        bytes = {static_cast<uint8_t*>(mem), size};
        packets.resize(frames.size());
    }
    ~Arena() {
        if (!bytes.empty()) ::munmap(bytes.data(), bytes.size());
    }
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    // Back to the captured bytes and, unless warm, out of the CPU caches, so that every pass
    // reads its packets from memory, not from where the last pass left them. Evicted by reading
    // a buffer larger than any last-level cache, not with clflush: on this machine a clflushed
    // line costs GCM over twice what a line evicted the ordinary way does (measured with ipsec-mb
    // alone), which no NIC-written frame would.
    void restore(const std::vector<CapturedFrame>& frames, bool warm) {
        for (size_t i = 0; i < frames.size(); i++) {
            uint8_t* at = bytes.data() + i * chunk;
            std::memcpy(at, frames[i].data.data(), frames[i].data.size());
            packets[i].data = at;
            packets[i].len = static_cast<uint32_t>(frames[i].data.size());
        }
        if (warm) return;
        if (evictor.empty()) evictor.assign(kEvictBytes, 1);
        uint64_t sum = 0;
        for (size_t off = 0; off < evictor.size(); off += 64) sum += evictor[off];
        sink = sum;  // keeps the sweep
    }

    std::vector<uint8_t> evictor;
    volatile uint64_t sink = 0;
};

Result<void> write_inner(const std::string& path, const std::vector<CapturedFrame>& frames,
                         const std::vector<EspPacket>& packets) {
    std::vector<CapturedFrame> out;
    for (size_t i = 0; i < packets.size(); i++) {
        const EspPacket& p = packets[i];
        if (p.result != EspResult::ok) continue;
        CapturedFrame f{frames[i].sec, frames[i].nsec, p.out_len, {}};
        f.data.assign(p.data + p.out_offset, p.data + p.out_offset + p.out_len);
        out.push_back(std::move(f));
    }
    return write_pcap(path, out);
}

}  // namespace

Result<AccelOfflineReport> run_accel_offline(const AccelOfflineRequest& req) {
    // The backend first: `--backend qat` on a machine without one says so whatever the files.
    auto backend = make_crypto_backend(req.backend);
    if (!backend) return backend.error();
    auto frames = read_pcap(req.pcap);
    if (!frames) return frames.error();
    if (frames->empty())
        return make_error(EINVAL, "{}: the capture holds no packets; nothing to decrypt", req.pcap);
    // Offline, nothing steers: an SA's --action means nothing here and may be left out.
    auto sas = read_sa_file(req.sa_file, SaAction::Optional);
    if (!sas) return sas.error();
    auto engine = EspEngine::create(**backend, *sas);
    if (!engine) return engine.error();

    AccelOfflineReport r;
    r.backend = req.backend;
    r.backend_detail = (*backend)->detail();
    r.sa_file = req.sa_file;
    r.pcap = req.pcap;
    r.out = req.out;
    r.sas = static_cast<uint32_t>(sas->size());
    r.repeat = req.repeat;
    r.warm = req.warm;
    r.pattern = req.pattern;
    if (req.pattern != 1 && req.pattern != 2)
        return make_error(EINVAL, "--pattern {}: expected 1 or 2", req.pattern);
    // Pattern 2: a crypto thread for all the passes, fed through the pipeline's rings.
    std::optional<CryptoPipeline> pipeline;
    std::vector<CryptoJob> jobs;
    std::thread crypto;
    if (req.pattern == 2) {
        pipeline.emplace(**backend, 1024);
        jobs.resize(frames->size());
        crypto = std::thread([&] { pipeline->run(); });
    }
    // Ends the crypto thread on every way out of here.
    struct Join {
        std::optional<CryptoPipeline>& p;
        std::thread& t;
        ~Join() {
            if (t.joinable()) {
                p->finish();
                t.join();
            }
        }
    } join{pipeline, crypto};
    Arena arena(*frames);
    if (arena.bytes.empty())
        return make_error(ENOMEM, "cannot map {} bytes for the capture's frames",
                          frames->size() * arena.chunk);
    r.arena_bytes = arena.bytes.size();
    std::chrono::steady_clock::duration spent{};
    for (uint32_t pass = 0; pass < req.repeat; pass++) {
        arena.restore(*frames, req.warm);
        (*engine)->reset_replay();
        (*engine)->reset_counters();
        // The thread's CPU clock is a system call (no vDSO), so it brackets the wall clock.
        const double cpu_start = thread_cpu_seconds();
        const auto start = std::chrono::steady_clock::now();
        if (pipeline)
            process_pipelined(**engine, *pipeline, arena.packets, jobs);
        else
            (*engine)->process(arena.packets);
        spent += std::chrono::steady_clock::now() - start;
        r.cpu_seconds += thread_cpu_seconds() - cpu_start;
        r.timed_packets += arena.packets.size();
        r.timed_inner_bytes += (*engine)->counters().inner_bytes;
        if (pass != 0) continue;
        r.counters = (*engine)->counters();
        for (size_t i = 0; i < arena.packets.size(); i++) {
            const EspPacket& p = arena.packets[i];
            r.packets.push_back({static_cast<uint32_t>(i + 1), p.len,
                                 p.result == EspResult::ok ? p.out_len : 0, p.result, p.spi, p.seq,
                                 p.tunnel});
        }
        if (!req.out.empty()) XDPKIT_TRY(write_inner(req.out, *frames, arena.packets));
    }
    r.seconds = std::chrono::duration<double>(spent).count();
    return r;
}

Json to_json(const AccelOfflineReport& r) {
    Json packets = Json::array();
    for (const auto& p : r.packets) {
        Json j{{"index", p.index}, {"len_in", p.len_in}, {"result", esp_result_name(p.result)}};
        if (p.spi) j["spi"] = p.spi;
        if (p.seq) j["seq"] = p.seq;
        if (p.result == EspResult::ok) {
            j["mode"] = p.tunnel ? "tunnel" : "transport";
            j["len_out"] = p.len_out;
        }
        packets.push_back(std::move(j));
    }
    Json results = Json::object();
    for (size_t i = 0; i < kEspResults; i++)
        results[esp_result_name(static_cast<EspResult>(i))] = r.counters.results[i];
    return {{"backend", r.backend},
            {"backend_detail", r.backend_detail},
            {"sa_file", r.sa_file},
            {"sas", r.sas},
            {"pcap", r.pcap},
            {"out", r.out.empty() ? Json(nullptr) : Json(r.out)},
            {"packets", packets},
            {"counters",
             {{"packets", r.counters.packets},
              {"bytes_in", r.counters.bytes_in},
              {"inner_bytes", r.counters.inner_bytes},
              {"results", results}}},
            {"timing",
             {{"repeat", r.repeat},
              {"packets", r.timed_packets},
              {"inner_bytes", r.timed_inner_bytes},
              {"seconds", r.seconds},
              {"cpu_seconds", r.cpu_seconds},
              {"pattern", r.pattern},
              {"pps", r.pps()},
              {"cpu_pps", r.cpu_pps()},
              {"inner_bps", r.inner_bps()},
              {"arena_bytes", r.arena_bytes},
              {"cache", r.warm ? "warm" : "evicted"},
              {"replay_windows_reset_per_pass", true}}}};
}

}  // namespace xdpkit
