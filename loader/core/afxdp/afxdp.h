// `xdpkit afxdp`: the user's options checked and resolved into a plan, and the plan run as a
// session — UMEM and one socket per queue, a loop thread per socket, the steering program
// attached as a chain stage with the sockets already in its XSKMAP, counters sampled on
// demand, and everything undone again at the end (program detached before the sockets go).
#pragma once

#include <linux/if_xdp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <xdpkit/afxdp.h>

#include "core/attach/chain.h"
#include "core/attach/family.h"
#include "core/base/fd.h"
#include "core/kernel/interface.h"
#include "core/base/result.h"
#include "core/afxdp/xsk_loop.h"
#include "core/afxdp/xsk_socket.h"

namespace xdpkit {

// The user's words, before anything is looked up.
struct AfxdpRequest {
    std::string ifname;
    std::optional<uint32_t> queue;  // --queue Q (default 0)
    bool all_queues = false;
    std::string mode = "drop";
    std::string steer = "all";
    std::string filter;  // "", "icmpv6-echo", "udp:PORT"
    bool copy = false, zerocopy = false;
    bool busy_poll = false;
    uint32_t batch = 64;
    uint32_t frames = 4096;  // per socket
    uint32_t frame_size = 4096;
    bool hugepages = false;
    std::string xdp_mode = "auto";
    bool append = false;   // --chain: after the stages already attached
    bool replace = false;  // --replace: swap an attached afxdp stage, or the whole chain
};

struct Steering {
    afxdp_steer steer = AFXDP_STEER_ALL;
    uint32_t one_in = 1;
    afxdp_filter filter = AFXDP_FILTER_NONE;
    uint16_t udp_port = 0;
};

struct AfxdpPlan {
    Interface iface;
    std::vector<uint32_t> queues;
    uint32_t device_queues = 1;
    AfxdpMode mode = AfxdpMode::Drop;
    Steering steering;
    UmemConfig umem;  // per socket
    XskConfig xsk;
    XskLoopConfig loop;
    XdpMode xdp_mode = XdpMode::Auto;
    bool append = false, replace = false;
    // The CPU every loop thread is pinned to; none: wherever the scheduler puts them.
    std::optional<int> loop_cpu;
    std::vector<std::string> notes;
};

// The RX queues a socket can bind now: the driver's current channels, which 'ethtool -L'
// changes. A veth is created with a queue per possible CPU but only one of them active, and
// binding an inactive one fails with a bare EINVAL. A device without the ioctl has the queues
// it was created with.
Result<uint32_t> active_rx_queues(const Interface& iface);

// Pins a running thread to one CPU; `what` names it in the error.
Result<void> pin_thread(std::thread& t, int cpu, const char* what);

// "all", "every-other", "1-in-N".
Result<Steering> parse_steer(const std::string& text);
// "" or "none", "icmpv6-echo", "udp:PORT"; fills the filter part of s.
Result<void> parse_filter(const std::string& text, Steering& s);
std::string steer_text(const Steering& s);   // as the user writes it
std::string filter_text(const Steering& s);  // "none", "icmpv6-echo", "udp:53"
const char* afxdp_mode_name(AfxdpMode m);

// Everything that can be checked without the device. Then plan_afxdp resolves the device and
// its queues in the namespace this thread is in; nothing is changed.
Result<void> check_afxdp_request(const AfxdpRequest& req);
Result<AfxdpPlan> plan_afxdp(const AfxdpRequest& req);
// The steering program's parameters for the plan.
ParamValues afxdp_params(const AfxdpPlan& plan);

// Counters at one moment.
struct AfxdpQueueSample {
    uint32_t queue = 0;
    XskLoopCounters loop;  // the socket's loop
    xdp_statistics xdp{};  // the kernel's, for the socket
};

struct AfxdpSample {
    double seconds = 0;  // since the session started
    std::vector<AfxdpQueueSample> queues;
    uint64_t outcomes[AFXDP_OUTCOME_SLOTS] = {};  // the program's, in packets
    std::vector<uint64_t> rx_queue_frames;        // the program's view, per RX queue
};

class AfxdpSession {
public:
    // Sockets, loops (running before the program can send them anything), then the program
    // attached with its XSKMAP filled. On failure everything made so far is undone.
    static Result<std::unique_ptr<AfxdpSession>> start(const Family& family,
                                                       const AfxdpPlan& plan);
    ~AfxdpSession();  // stop() if it was not called
    AfxdpSession(const AfxdpSession&) = delete;
    AfxdpSession& operator=(const AfxdpSession&) = delete;

    const AttachResult& attached() const { return attached_; }
    const XskSet& sockets() const { return xsks_; }
    AfxdpSample sample() const;

    // Detaches the program (the interface is as it was found), then stops and joins the
    // loops. Returns what detach did; the audit of every socket's frames is in audit_ok().
    Result<DetachResult> stop();
    bool audit_ok() const { return audit_ok_; }

private:
    AfxdpSession() = default;
    Result<void> fill_xskmap(const LoadedProgram& prog);

    AfxdpPlan plan_;
    XskSet xsks_;
    std::vector<std::unique_ptr<XskLoop>> loops_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stop_{false};
    Fd outcomes_fd_, rx_queues_fd_;  // the program's counter maps (dups: outlive the load)
    AttachResult attached_;
    bool running_ = false, audit_ok_ = true;
    long long start_ns_ = 0;
};

// The hint for the classic AF_XDP surprise: the sockets' queues get nothing while the
// program sees frames on other queues (the sender's hash or the NIC's RSS decides the
// queue, not the socket). Empty when there is nothing to say.
std::string queue_hint(const AfxdpPlan& plan, const AfxdpSample& now);

}  // namespace xdpkit
