#include "family.h"

#include <charconv>

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

Result<uint32_t> encode_param(const ParamSpec& p, const std::string& value) {
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
    }
    return make_error(EINVAL, "--param {}: unknown kind", p.key);
}

std::string decode_param(const ParamSpec& p, uint32_t value) {
    switch (p.kind) {
    case ParamKind::Choice:
        for (const auto& c : p.choices)
            if (c.value == value) return c.name;
        return std::to_string(value);
    case ParamKind::Bool:
        return value ? "true" : "false";
    case ParamKind::U32:
        break;
    }
    return std::to_string(value);
}

}  // namespace xdpkit
