// Errors are values in core; only main turns them into an exit status.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace xdpkit {

// One user-facing line (without the "xdpkit: " prefix) plus the errno behind it, if any.
struct Error {
    std::string message;
    int err = 0;  // positive errno, 0 when not from the kernel
};

template <typename... Args>
Error make_error(int err, fmt::format_string<Args...> f, Args&&... args) {
    return Error{fmt::format(f, std::forward<Args>(args)...), err};
}

// std::expected is C++23 and g++ 12 lacks it; this is the part we need.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error e) : v_(std::move(e)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error e) : err_(std::move(e)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return err_; }

private:
    Error err_;
    bool failed_ = false;
};

}  // namespace xdpkit

// Propagates an error from an expression returning Result<...>.
#define XDPKIT_TRY(expr)                                \
    do {                                                \
        auto xdpkit_try_r_ = (expr);                    \
        if (!xdpkit_try_r_) return xdpkit_try_r_.error(); \
    } while (0)
