// The IP stack's own counters of one network namespace (/proc/net/snmp): what the stack did
// with the frames that XDP let through, counted by the stack itself.
#pragma once

#include <cstdint>
#include <string>

#include "core/base/fd.h"
#include "core/base/result.h"

namespace xdpkit {

// One counter from /proc/net/snmp's text, where each group is a line of names
// ("Udp: InDatagrams NoPorts ...") followed by a line of values ("Udp: 12 34 ...").
Result<uint64_t> parse_snmp_counter(const std::string& text, const std::string& group,
                                    const std::string& name);

// /proc/net/snmp of the namespace the opening thread is in. The file stays bound to that
// namespace (the kernel resolves it at open), so it can be read from anywhere afterwards.
class SnmpCounters {
public:
    static Result<SnmpCounters> open_here();
    Result<uint64_t> read(const std::string& group, const std::string& name) const;

private:
    explicit SnmpCounters(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
};

}  // namespace xdpkit
