// CLI11 checks the commands share, so a value out of range is a usage error (exit 2) with one
// line that names what is accepted — never quietly taken for a default (issue 16 item 5).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <utility>

namespace xdpkit {

// Refuses an empty value; `advice` says what to give instead, or what leaving the option out
// means ("leave --cpus out for every online CPU").
inline CLI::Validator not_empty(std::string advice, const std::string& value_name) {
    return CLI::Validator(
        [advice = std::move(advice)](std::string& s) { return s.empty() ? advice : std::string(); },
        value_name);
}

// Refuses 0 for a number where 0 would read as "no limit" or "no run"; `advice` says what
// leaving the option out means.
inline CLI::Validator not_zero(std::string advice, const std::string& value_name) {
    return CLI::Validator(
        [advice = std::move(advice)](std::string& s) {
            const bool zero = !s.empty() && s.find_first_not_of("0.") == std::string::npos;
            return zero ? advice : std::string();
        },
        value_name);
}

// A check made of a core parser, so the message is core's (and unit-tested there). A message
// that starts with the option's own name ("--spi: ...", as core words it for SA files) loses
// it: CLI11 puts the name in front.
template <typename Parse>
CLI::Validator checked_by(Parse parse, const std::string& value_name,
                          const std::string& option = {}) {
    return CLI::Validator(
        [parse, option](std::string& s) {
            auto v = parse(s);
            if (v) return std::string();
            std::string message = v.error().message;
            if (!option.empty() && message.rfind(option + ": ", 0) == 0)
                message.erase(0, option.size() + 2);
            return message;
        },
        value_name);
}

}  // namespace xdpkit
