#include "libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>

namespace xdpkit {
namespace {

std::string g_log;
bool g_verbose = false;

int capture(enum libbpf_print_level level, const char* fmt, va_list args) {
    if (level == LIBBPF_DEBUG && !g_verbose) return 0;
    char buf[4096];
    const int n = std::vsnprintf(buf, sizeof(buf), fmt, args);
    if (n > 0) g_log.append(buf, static_cast<size_t>(n) < sizeof(buf) ? n : sizeof(buf) - 1);
    return n;
}

}  // namespace

void capture_libbpf_log(bool verbose) {
    g_verbose = verbose;
    libbpf_set_print(capture);
}

bool verbose_enabled() { return g_verbose; }

std::string take_libbpf_log() {
    std::string out;
    out.swap(g_log);
    return out;
}

}  // namespace xdpkit
