#include "core/kernel/snmp.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <sstream>
#include <vector>

namespace xdpkit {
namespace {

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

}  // namespace

Result<uint64_t> parse_snmp_counter(const std::string& text, const std::string& group,
                                    const std::string& name) {
    const std::string tag = group + ":";
    std::istringstream lines(text);
    std::string names, values;
    while (std::getline(lines, names)) {
        if (names.rfind(tag + " ", 0) != 0) continue;
        if (!std::getline(lines, values) || values.rfind(tag + " ", 0) != 0) break;
        const auto n = words(names), v = words(values);
        for (size_t i = 1; i < n.size() && i < v.size(); ++i) {
            if (n[i] != name) continue;
            uint64_t value = 0;
            const auto [end, ec] = std::from_chars(v[i].data(), v[i].data() + v[i].size(), value);
            if (ec != std::errc() || end != v[i].data() + v[i].size())
                return make_error(EINVAL, "/proc/net/snmp: {} {} is '{}', not a count", group,
                                  name, v[i]);
            return value;
        }
        return make_error(ENOENT, "/proc/net/snmp: {} has no counter {}", group, name);
    }
    return make_error(ENOENT, "/proc/net/snmp: no {} counters", group);
}

Result<SnmpCounters> SnmpCounters::open_here() {
    // thread-self, not self: the namespace is the calling thread's (it may have setns'd).
    const char* path = "/proc/thread-self/net/snmp";
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(errno, "cannot open {}: {}", path, std::strerror(errno));
    return SnmpCounters(Fd(fd));
}

Result<uint64_t> SnmpCounters::read(const std::string& group, const std::string& name) const {
    std::string text;
    char buf[4096];
    for (off_t at = 0;;) {
        const ssize_t n = ::pread(fd_.get(), buf, sizeof(buf), at);
        if (n < 0) return make_error(errno, "cannot read /proc/net/snmp: {}", std::strerror(errno));
        if (n == 0) break;
        text.append(buf, size_t(n));
        at += n;
    }
    return parse_snmp_counter(text, group, name);
}

}  // namespace xdpkit
