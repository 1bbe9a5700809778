#include "core/base/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>

namespace xdpkit {
namespace {

std::string g_log;
size_t g_taken = 0;  // bytes handed out by take before g_log's first: marks stay valid across takes
bool g_verbose = false;

int capture(enum libbpf_print_level level, const char* fmt, va_list args) {
    if (level == LIBBPF_DEBUG && !g_verbose) return 0;
    // Sized to fit: a verifier log arrives as one message and can run to megabytes, and its
    // reason for refusing is at the end.
    va_list measure;
    va_copy(measure, args);
    const int n = std::vsnprintf(nullptr, 0, fmt, measure);
    va_end(measure);
    if (n <= 0) return n;
    const size_t at = g_log.size();
    g_log.resize(at + static_cast<size_t>(n) + 1);
    std::vsnprintf(g_log.data() + at, static_cast<size_t>(n) + 1, fmt, args);
    g_log.resize(at + static_cast<size_t>(n));  // drop vsnprintf's terminator
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
    g_taken += out.size();
    return out;
}

size_t libbpf_log_mark() { return g_taken + g_log.size(); }

std::string libbpf_log_since(size_t mark) {
    return mark < g_taken ? g_log : g_log.substr(mark - g_taken);
}

}  // namespace xdpkit
