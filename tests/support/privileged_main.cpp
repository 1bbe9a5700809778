// Main of the privileged tiers (progs, lab). Without root they fail, never skip: a skipped
// privileged test counted as passing would hide that nothing was checked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "core/base/libbpf_log.h"

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (::geteuid() != 0) {
        std::fprintf(stderr,
                     "FAIL: the privileged tests need root (CAP_BPF, CAP_NET_ADMIN, "
                     "CAP_SYS_ADMIN); run them as root\n");
        return 1;
    }
    xdpkit::capture_libbpf_log(false);
    return RUN_ALL_TESTS();
}
