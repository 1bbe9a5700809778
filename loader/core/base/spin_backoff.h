// How a thread waits for another one it hands work to (the crypto engine's pattern 2): spin
// first (the other core answers in well under a microsecond while traffic flows), then
// yield, then sleep a little, so an idle engine does not keep two cores busy.
#pragma once

#include <sched.h>

#include <chrono>
#include <cstdint>
#include <thread>

namespace xdpkit {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

class Backoff {
public:
    void reset() { idle_ = 0; }
    void wait() {
        ++idle_;
        if (idle_ < 2048)
            cpu_relax();
        else if (idle_ < 4096)
            sched_yield();
        else
            std::this_thread::sleep_for(std::chrono::microseconds(50));
    }

private:
    uint32_t idle_ = 0;
};

}  // namespace xdpkit
