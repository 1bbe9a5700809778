#include "core/kernel/verifier_log.h"

namespace xdpkit {
namespace {

// libbpf's frame around the kernel's log (bpf_object_load_prog in libbpf.c).
constexpr std::string_view kBegin = "-- BEGIN PROG LOAD LOG --\n";
constexpr std::string_view kEnd = "-- END PROG LOAD LOG --";

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// What the verifier appends after its verdict (print_verification_stats in
// kernel/bpf/verifier.c), which says nothing about why.
bool is_statistics(std::string_view line) {
    for (std::string_view prefix : {"processed ", "verification time ", "stack depth "})
        if (line.substr(0, prefix.size()) == prefix) return true;
    return false;
}

}  // namespace

std::string verifier_refusal(std::string_view log) {
    const auto begin = log.rfind(kBegin);
    if (begin == std::string_view::npos) return {};
    std::string_view body = log.substr(begin + kBegin.size());
    // No end marker: the capture was cut short; what came is still the log.
    if (const auto end = body.find(kEnd); end != std::string_view::npos) body = body.substr(0, end);

    std::string_view last;
    while (!body.empty()) {
        const auto nl = body.find('\n');
        const std::string_view line = trim(body.substr(0, nl));
        body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
        if (!line.empty() && !is_statistics(line)) last = line;
    }
    return std::string(last);
}

}  // namespace xdpkit
