// One rule of the filter program as users write it — `xdpkit filter add` flags or a line of a
// rule file — and as the maps hold it (include/xdpkit/filter.h): a priority 0..63 (0 first),
// allow or deny, and any of source/destination prefixes, an IP protocol, source/destination
// TCP/UDP port ranges. A part left out matches everything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/kernel/addresses.h"

namespace xdpkit {

struct Prefix {
    IpAddress addr;  // host bits zero
    uint32_t len = 0;

    bool operator==(const Prefix& o) const {
        return addr.family == o.addr.family && addr.bytes == o.addr.bytes && len == o.len;
    }
};

struct PortRange {
    uint16_t first = 0, last = 0;
};

struct FilterRule {
    uint32_t priority = 0;
    bool deny = true;
    std::vector<Prefix> src, dst;  // either family, mixed; empty: any
    std::optional<uint8_t> proto;
    std::vector<PortRange> sport, dport;  // empty: any
};

// "198.18.0.0/15", "fc00:dead:cafe::/48", or an address alone (/32, /128). Host bits set
// behind the length are refused with the prefix meant, as `ip route` refuses them.
Result<Prefix> parse_prefix(const std::string& text);
std::string to_string(const Prefix& p);
// "22", "1000-2000", or a comma list of both.
Result<std::vector<PortRange>> parse_ports(const std::string& text);
std::string to_string(const std::vector<PortRange>& ports);

// The words of one rule as `filter add` takes them (`--priority 10 --src 198.18.0.0/15
// --dport 22 --proto tcp --action deny`); --src and --dst repeat, and --src-file/--dst-file
// read one prefix per line. The error names the flag.
Result<FilterRule> rule_from_words(const std::vector<std::string>& words);
// A rule file: one rule per line as those flags (`#` starts a comment); all or nothing, the
// error with the file's line; two rules of one priority are refused.
Result<std::vector<FilterRule>> parse_rule_text(const std::string& text, const std::string& origin);
Result<std::vector<FilterRule>> read_rule_file(const std::string& path);

// "10: deny src 198.18.0.0/15 proto tcp dport 22" (prefix lists longer than 3 are counted).
std::string rule_text(const FilterRule& r);

}  // namespace xdpkit
