// `xdpkit hints`: the hints program attached (device-bound, directly) with an AF_XDP socket on
// every active RX queue in its XSKMAP, and the tc ingress consumer on the same interface; the
// frames both consumers saw, with their RX metadata, handed to the caller as they come.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <xdpkit/hints.h>

#include "core/attach/chain.h"
#include "core/attach/family.h"
#include "core/base/fd.h"
#include "core/kernel/interface.h"
#include "core/base/result.h"
#include "core/hints/rx_meta.h"
#include "core/kernel/tc_program.h"
#include "core/afxdp/xsk_loop.h"
#include "core/afxdp/xsk_socket.h"

struct ring_buffer;

namespace xdpkit {

struct HintsRequest {
    std::string ifname;
    std::string steer = "every-other";  // socket, stack, every-other
    bool replace = false;               // swap what xdpkit has attached to the interface
};

// "socket", "stack", "every-other" as the program's parameter value.
Result<hints_steer> parse_hints_steer(const std::string& text);
const char* hints_steer_name(hints_steer s);

class HintsSession {
public:
    // Sockets and their loops, the program attached with the sockets in its XSKMAP, then the
    // tc consumer. On failure everything made so far is undone.
    static Result<std::unique_ptr<HintsSession>> start(const Family& family,
                                                       const HintsRequest& req);
    ~HintsSession();  // stop() if it was not called
    HintsSession(const HintsSession&) = delete;
    HintsSession& operator=(const HintsSession&) = delete;

    const Interface& iface() const { return iface_; }
    const AttachResult& attached() const { return attached_; }
    const XskSet& sockets() const { return xsks_; }
    hints_steer steer() const { return steer_; }

    // The frames both consumers saw since the last call (the tc consumer's ring buffer is
    // read here, on the caller's thread).
    std::vector<FrameHints> take();
    // Frames dropped because the caller did not take them fast enough.
    uint64_t overflowed() const { return overflowed_; }

    // The tc consumer off, the program detached (the interface as it was found), the loops
    // stopped.
    Result<DetachResult> stop();

private:
    HintsSession() = default;
    Result<void> configure(const LoadedProgram& prog);
    void push(FrameHints f);
    static int on_stack_event(void* self, void* data, size_t size);

    Interface iface_;
    hints_steer steer_ = HINTS_STEER_EVERY_OTHER;
    XskSet xsks_;
    std::vector<std::unique_ptr<XskLoop>> loops_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stop_{false};
    Fd tc_prog_fd_, events_fd_;  // dups: they outlive the load
    std::unique_ptr<TcProgram> tc_;
    ring_buffer* events_ = nullptr;
    AttachResult attached_;
    bool running_ = false;
    std::mutex mu_;
    std::vector<FrameHints> pending_;
    uint64_t overflowed_ = 0;
};

// CLOCK_TAI now, in ns: the clock bpf_ktime_get_tai_ns() reads, and the one a PTP-synchronised
// device clock follows (phc2sys), so the differences `hints` prints mean something.
uint64_t tai_now_ns();

}  // namespace xdpkit
