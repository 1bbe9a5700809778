// `xdpkit accel IFACE`: the live crypto engine. The ipsec program on IFACE redirects the ESP
// of SAs with action xsk:Q to an AF_XDP socket on queue Q; the engine (accel_loop.h) verifies
// and decrypts each packet and does what --after says with the inner packet. The user's
// options are checked and resolved into a plan first (nothing changed), then the session
// sets everything up in order and undoes it in reverse: SAs, socket and loop threads, the
// socket in the database's XSKMAP, then the program (attached last, detached first).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/ipsec/accel_after.h"
#include "core/ipsec/accel_forward.h"
#include "core/ipsec/accel_loop.h"
#include "core/attach/chain.h"
#include "core/ipsec/crypto_backend.h"
#include "core/ipsec/esp_decap.h"
#include "core/attach/family.h"
#include "core/kernel/interface.h"
#include "core/ipsec/ipsec_sa.h"
#include "core/ipsec/ipsec_sad.h"
#include "core/base/result.h"
#include "core/kernel/xdp.h"
#include "core/afxdp/xsk_socket.h"

namespace xdpkit {

struct AccelRequest {
    std::string ifname;
    std::string backend;
    std::string sa_file;  // empty: the database's SAs with action xsk:QUEUE and keys
    uint32_t queue = 0;
    uint32_t pattern = 1;
    std::vector<std::string> after;  // steps (accel_after.h); empty: drop
    ParamValues program_params;      // for the program step, resolved by the command
    std::string dst_mac;             // forward: instead of the neighbour entries
    bool copy = false, zerocopy = false, busy_poll = false;
    uint32_t batch = 64;
    uint32_t frames = 4096;
    std::string xdp_mode = "auto";
    bool append = false, replace = false;
    std::optional<int> rx_cpu, crypto_cpu;  // pin the threads
};

struct AccelPlan {
    Interface iface;
    uint32_t queue = 0;
    uint32_t pattern = 1;
    std::string backend;
    std::string sa_file;
    std::vector<SecurityAssociation> file_sas;  // from --sa-file, their action set to xsk:queue
    AfterSteps after;
    ParamValues program_params;
    std::optional<Interface> forward;
    std::optional<MacAddress> dst_mac;
    UmemConfig umem;
    XskConfig xsk;
    AccelLoopConfig loop;
    XdpMode xdp_mode = XdpMode::Auto;
    bool append = false, replace = false;
    std::optional<int> rx_cpu, crypto_cpu;
};

// Everything that can be checked before anything changes: the interface and queue, the
// backend's algorithms against every SA of the file, the --after steps and the output
// interface, the socket options.
Result<AccelPlan> plan_accel(const AccelRequest& req);

struct AccelSample {
    double seconds = 0;  // since the session started
    AccelCounters loop;
    xdp_statistics xdp{};  // the kernel's, for the socket
};

// What the session set up, for the started line.
struct AccelSetup {
    std::string backend_detail;
    std::vector<SaEntry> sas;      // the SAs the engine decrypts
    bool sas_added = false;        // from --sa-file: removed again at the end
    bool program_attached = false; // false: an ipsec stage was already on the interface
    AttachResult attached;
    bool zero_copy = false;
    std::vector<std::string> notes;
};

class AccelSession {
public:
    // post: the family of the program step, or null.
    static Result<std::unique_ptr<AccelSession>> start(const Family& ipsec, const Family* post,
                                                       const AccelPlan& plan);
    ~AccelSession();  // stop() if it was not called
    AccelSession(const AccelSession&) = delete;
    AccelSession& operator=(const AccelSession&) = delete;

    const AccelSetup& setup() const { return setup_; }
    const AccelPlan& plan() const { return plan_; }
    AccelSample sample() const;

    // Detaches the program it attached, takes the socket out of the XSKMAP, stops the
    // threads (jobs in flight finish first), removes the SAs it added. The notes say what
    // was undone; an error is the first thing that could not be.
    Result<std::vector<std::string>> stop();
    bool audit_ok() const { return audit_ok_; }

private:
    AccelSession() = default;
    Result<void> set_up_sas();
    Result<void> start_threads();
    Result<void> attach(const Family& ipsec);
    // The slot of the ipsec program already in the chain, which the engine uses (not with
    // --replace); none: the engine attaches its own.
    Result<std::optional<uint32_t>> attached_ipsec_slot(const Family& ipsec) const;
    AttachRequest ipsec_attach_request(const Family& ipsec) const;
    Result<void> check_attach_ipsec(const Family& ipsec) const;

    AccelPlan plan_;
    AccelSetup setup_;
    std::optional<SaDatabase> db_;
    bool db_created_ = false;  // nothing was pinned before: leave nothing pinned after
    std::unique_ptr<CryptoBackend> backend_;
    std::unique_ptr<EspEngine> engine_;
    std::unique_ptr<PostProgram> post_;
    std::unique_ptr<ForwardPort> forward_;
    XskSet xsks_;
    bool in_xskmap_ = false;
    std::vector<uint32_t> slots_;  // the database slot of each of the engine's SAs
    std::unique_ptr<AccelLoop> loop_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stop_{false};
    bool running_ = false, stopped_ = false, audit_ok_ = true;
    long long start_ns_ = 0;
};

}  // namespace xdpkit
