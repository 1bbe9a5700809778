#include "core/filter/filter_rule.h"

#include <xdpkit/filter.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/packets/protocols.h"

namespace xdpkit {
namespace {

Result<uint64_t> parse_decimal(const std::string& text, uint64_t max, const char* what) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
        text.size() > 12)
        return make_error(EINVAL, "{}: '{}' is not a number", what, text);
    const uint64_t v = std::stoull(text);
    if (v > max) return make_error(EINVAL, "{}: {} is outside 0..{}", what, text, max);
    return v;
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, sep)) out.push_back(part);
    if (!text.empty() && text.back() == sep) out.push_back("");
    return out;
}

// One prefix per line of a file (`#` comments, blank lines skipped); errors with file:line.
Result<std::vector<Prefix>> read_prefix_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(errno, "cannot read {}: {}", path, std::strerror(errno));
    std::vector<Prefix> out;
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
        if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream words(line);
        std::string word, extra;
        if (!(words >> word)) continue;
        if (words >> extra) return make_error(EINVAL, "{}:{}: one prefix per line", path, n);
        auto p = parse_prefix(word);
        if (!p) return make_error(EINVAL, "{}:{}: {}", path, n, p.error().message);
        out.push_back(*p);
    }
    return out;
}

}  // namespace

Result<Prefix> parse_prefix(const std::string& text) {
    const auto slash = text.find('/');
    auto addr = parse_ip(text.substr(0, slash));
    if (!addr) return make_error(EINVAL, "'{}' is not an address or prefix", text);
    Prefix p{*addr, static_cast<uint32_t>(addr->size() * 8)};
    if (slash != std::string::npos) {
        auto len = parse_decimal(text.substr(slash + 1), p.len, "prefix length");
        if (!len) return make_error(EINVAL, "'{}': {}", text, len.error().message);
        p.len = static_cast<uint32_t>(*len);
    }
    Prefix masked = p;
    for (uint32_t bit = p.len; bit < addr->size() * 8; ++bit)
        masked.addr.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
    if (!(masked == p))
        return make_error(EINVAL, "'{}' has bits set past its length: {} is the prefix", text,
                          to_string(masked));
    return p;
}

std::string to_string(const Prefix& p) { return fmt::format("{}/{}", to_string(p.addr), p.len); }

Result<std::vector<PortRange>> parse_ports(const std::string& text) {
    std::vector<PortRange> out;
    for (const std::string& part : split(text, ',')) {
        const auto dash = part.find('-');
        auto first = parse_decimal(part.substr(0, dash), 65535, "port");
        if (!first) return first.error();
        auto last = dash == std::string::npos ? first
                                              : parse_decimal(part.substr(dash + 1), 65535, "port");
        if (!last) return last.error();
        if (*last < *first)
            return make_error(EINVAL, "port range {} runs backwards", part);
        out.push_back({static_cast<uint16_t>(*first), static_cast<uint16_t>(*last)});
    }
    return out;
}

std::string to_string(const std::vector<PortRange>& ports) {
    std::string out;
    for (const PortRange& r : ports) {
        if (!out.empty()) out += ",";
        out += r.first == r.last ? fmt::format("{}", r.first) : fmt::format("{}-{}", r.first, r.last);
    }
    return out;
}

Result<FilterRule> rule_from_words(const std::vector<std::string>& words) {
    FilterRule r;
    bool have_priority = false, have_action = false;
    std::set<std::string> seen;
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string& flag = words[i];
        if (flag.rfind("--", 0) != 0) return make_error(EINVAL, "'{}' is not a --flag", flag);
        if (i + 1 >= words.size()) return make_error(EINVAL, "{} needs a value", flag);
        const std::string& value = words[++i];
        const bool repeats = flag == "--src" || flag == "--dst" || flag == "--src-file" ||
                             flag == "--dst-file";
        if (!repeats && !seen.insert(flag).second)
            return make_error(EINVAL, "{} given twice", flag);
        if (flag == "--priority") {
            auto v = parse_decimal(value, FILTER_MAX_RULES - 1, "--priority");
            if (!v) return v.error();
            r.priority = static_cast<uint32_t>(*v);
            have_priority = true;
        } else if (flag == "--action") {
            if (value != "allow" && value != "deny")
                return make_error(EINVAL, "--action: '{}' is not allow or deny", value);
            r.deny = value == "deny";
            have_action = true;
        } else if (flag == "--src" || flag == "--dst") {
            auto p = parse_prefix(value);
            if (!p) return make_error(EINVAL, "{}: {}", flag, p.error().message);
            (flag == "--src" ? r.src : r.dst).push_back(*p);
        } else if (flag == "--src-file" || flag == "--dst-file") {
            auto ps = read_prefix_file(value);
            if (!ps) return make_error(EINVAL, "{}: {}", flag, ps.error().message);
            auto& into = flag == "--src-file" ? r.src : r.dst;
            into.insert(into.end(), ps->begin(), ps->end());
        } else if (flag == "--proto") {
            auto p = parse_ip_proto(value);
            if (!p) return make_error(EINVAL, "--proto: {}", p.error().message);
            r.proto = static_cast<uint8_t>(*p);
        } else if (flag == "--sport" || flag == "--dport") {
            auto ports = parse_ports(value);
            if (!ports) return make_error(EINVAL, "{}: {}", flag, ports.error().message);
            (flag == "--sport" ? r.sport : r.dport) = *ports;
        } else {
            return make_error(EINVAL, "unknown flag {}", flag);
        }
    }
    if (!have_priority) return make_error(EINVAL, "--priority is required (0..{}, 0 first)",
                                          FILTER_MAX_RULES - 1);
    if (!have_action) return make_error(EINVAL, "--action is required (allow or deny)");
    // Ports exist only in TCP and UDP here; a rule that names ports and another protocol
    // could never match, which is a mistake worth saying.
    if ((!r.sport.empty() || !r.dport.empty()) && r.proto && *r.proto != 6 && *r.proto != 17)
        return make_error(EINVAL, "--sport/--dport: {} has no ports (tcp or udp do)",
                          ip_proto_name(*r.proto));
    return r;
}

Result<std::vector<FilterRule>> parse_rule_text(const std::string& text,
                                                const std::string& origin) {
    std::vector<FilterRule> rules;
    std::set<uint32_t> priorities;
    std::istringstream in(text);
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
        if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream ws(line);
        std::vector<std::string> words;
        for (std::string w; ws >> w;) words.push_back(w);
        if (words.empty()) continue;
        auto r = rule_from_words(words);
        if (!r) return make_error(EINVAL, "{}:{}: {}", origin, n, r.error().message);
        if (!priorities.insert(r->priority).second)
            return make_error(EINVAL, "{}:{}: priority {} is given twice", origin, n, r->priority);
        rules.push_back(std::move(*r));
    }
    return rules;
}

Result<std::vector<FilterRule>> read_rule_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(errno, "cannot read {}: {}", path, std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    return parse_rule_text(text.str(), path);
}

std::string rule_text(const FilterRule& r) {
    auto prefixes = [](const std::vector<Prefix>& ps) {
        if (ps.size() > 3) return fmt::format("{} prefixes", ps.size());
        std::string out;
        for (const Prefix& p : ps) out += (out.empty() ? "" : ",") + to_string(p);
        return out;
    };
    std::string out = fmt::format("{}: {}", r.priority, r.deny ? "deny" : "allow");
    if (!r.src.empty()) out += " src " + prefixes(r.src);
    if (!r.dst.empty()) out += " dst " + prefixes(r.dst);
    if (r.proto) out += " proto " + ip_proto_name(*r.proto);
    if (!r.sport.empty()) out += " sport " + to_string(r.sport);
    if (!r.dport.empty()) out += " dport " + to_string(r.dport);
    if (r.src.empty() && r.dst.empty() && !r.proto && r.sport.empty() && r.dport.empty())
        out += " everything";
    return out;
}

}  // namespace xdpkit
