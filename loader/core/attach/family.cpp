#include "core/attach/family.h"

#include <xdpkit/common.h>

#include <charconv>
#include <cstring>

#include <fmt/ranges.h>

#include "core/packets/protocols.h"

namespace xdpkit {
namespace {

const ParamSpec* find_spec(const Family& f, const std::string& key) {
    for (const auto& p : f.params)
        if (p.key == key) return &p;
    return nullptr;
}

std::string known_keys(const Family& f) {
    if (f.params.empty()) return "it takes no parameters";
    std::string s = "known:";
    for (const auto& p : f.params) s += " " + p.key;
    return s;
}

Result<uint32_t> encode_scalar(const ParamSpec& p, const std::string& value) {
    switch (p.kind) {
    case ParamKind::Choice: {
        std::string names;
        for (const auto& c : p.choices) {
            if (c.name == value) return c.value;
            names += (names.empty() ? "" : "|") + c.name;
        }
        return make_error(EINVAL, "--param {}={}: expected {}", p.key, value, names);
    }
    case ParamKind::Bool:
        if (value == "1" || value == "true" || value == "yes" || value == "on") return 1u;
        if (value == "0" || value == "false" || value == "no" || value == "off") return 0u;
        return make_error(EINVAL, "--param {}={}: expected true or false", p.key, value);
    case ParamKind::U32: {
        uint64_t v = 0;
        const auto* end = value.data() + value.size();
        auto [ptr, ec] = std::from_chars(value.data(), end, v);
        if (value.empty() || ec != std::errc() || ptr != end || v < p.min || v > p.max)
            return make_error(EINVAL, "--param {}={}: expected a number from {} to {}", p.key,
                              value, p.min, p.max);
        return static_cast<uint32_t>(v);
    }
    case ParamKind::ProtoSet:
        break;
    }
    return make_error(EINVAL, "--param {}: not a scalar parameter", p.key);
}

bool has_bit(const ParamBytes& set, uint32_t bit) {
    return bit / 8 < set.size() && (set[bit / 8] >> (bit % 8)) & 1;
}

// "all", or a comma-separated list of protocol names/numbers and "non-ip".
Result<ParamBytes> encode_proto_set(const ParamSpec& p, const std::string& value) {
    ParamBytes set(XDPKIT_PROTO_SET_BYTES, 0);
    if (value == "all") {
        for (uint32_t bit = 0; bit <= XDPKIT_PROTO_NON_IP; ++bit) set[bit / 8] |= 1u << (bit % 8);
        return set;
    }
    size_t start = 0;
    while (true) {
        const size_t comma = value.find(',', start);
        const std::string item = value.substr(start, comma - start);
        uint32_t bit;
        if (item == "non-ip") {
            bit = XDPKIT_PROTO_NON_IP;
        } else {
            auto proto = parse_ip_proto(item);
            if (!proto)
                return make_error(EINVAL,
                                  "--param {}={}: unknown protocol '{}'; expected all, or a "
                                  "comma-separated list of non-ip, numbers 0-255 and {}",
                                  p.key, value, item, fmt::join(ip_proto_names(), ", "));
            bit = *proto;
        }
        set[bit / 8] |= 1u << (bit % 8);
        if (comma == std::string::npos) return set;
        start = comma + 1;
    }
}

std::string decode_proto_set(const ParamBytes& set) {
    std::string out;
    bool all = true;
    for (uint32_t bit = 0; bit <= XDPKIT_PROTO_NON_IP; ++bit) {
        if (!has_bit(set, bit)) {
            all = false;
            continue;
        }
        out += (out.empty() ? "" : ",") +
               (bit == XDPKIT_PROTO_NON_IP ? std::string("non-ip") : ip_proto_name(bit));
    }
    return all ? "all" : out.empty() ? "none" : out;
}

}  // namespace

Result<ParamValues> parse_param_args(const Family& f, const std::vector<std::string>& args) {
    ParamValues out;
    for (const auto& a : args) {
        const auto eq = a.find('=');
        if (eq == std::string::npos || eq == 0)
            return make_error(EINVAL, "--param '{}' is not KEY=VALUE", a);
        const std::string key = a.substr(0, eq), value = a.substr(eq + 1);
        const ParamSpec* spec = find_spec(f, key);
        if (!spec)
            return make_error(EINVAL, "program '{}' has no parameter '{}' ({})", f.name, key,
                              known_keys(f));
        if (out.count(key)) return make_error(EINVAL, "--param {} given twice", key);
        XDPKIT_TRY(encode_param(*spec, value));
        out[key] = value;
    }
    return out;
}

ParamBytes u32_param(uint32_t value) {
    ParamBytes b(sizeof(value));
    std::memcpy(b.data(), &value, sizeof(value));
    return b;
}

Result<ParamBytes> encode_param(const ParamSpec& p, const std::string& value) {
    if (p.kind == ParamKind::ProtoSet) return encode_proto_set(p, value);
    auto v = encode_scalar(p, value);
    if (!v) return v.error();
    return u32_param(*v);
}

std::string decode_param(const ParamSpec& p, const ParamBytes& value) {
    if (p.kind == ParamKind::ProtoSet) return decode_proto_set(value);
    uint32_t v = 0;
    if (value.size() != sizeof(v)) return "?";
    std::memcpy(&v, value.data(), sizeof(v));
    switch (p.kind) {
    case ParamKind::Choice:
        for (const auto& c : p.choices)
            if (c.value == v) return c.name;
        break;
    case ParamKind::Bool:
        return v ? "true" : "false";
    case ParamKind::U32:
    case ParamKind::ProtoSet:
        break;
    }
    return std::to_string(v);
}

}  // namespace xdpkit
