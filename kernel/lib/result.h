// Result<T>: a value or an errno. The one way errors travel in Charon
// (no exceptions). Propagate with TRY(expr), which yields the value or returns
// the error from the enclosing function.
//
//   Result<Process*> find(pid_t pid) { ... return Error(ESRCH); }
//   Process* p = TRY(find(pid));
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "errno.h"
#include "verify.h"

namespace charon {

class Error {
public:
    constexpr Error(Errno code) : m_code(code) {}
    constexpr explicit Error(int code) : m_code(static_cast<Errno>(code)) {}
    constexpr Errno code() const { return m_code; }
    constexpr bool operator==(const Error&) const = default;

private:
    Errno m_code;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(const T& value) : m_has_value(true) { new (&m_storage) T(value); }
    Result(T&& value) : m_has_value(true) { new (&m_storage) T(std::move(value)); }
    Result(Error error) : m_error(error), m_has_value(false) {}
    Result(Errno code) : m_error(code), m_has_value(false) {}

    Result(Result&& other) : m_error(other.m_error), m_has_value(other.m_has_value) {
        if (m_has_value)
            new (&m_storage) T(std::move(other.value()));
    }
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
    Result& operator=(Result&&) = delete;
    ~Result() {
        if (m_has_value)
            value().~T();
    }

    bool is_error() const { return !m_has_value; }
    Error error() const {
        VERIFY(!m_has_value);
        return m_error;
    }
    T& value() {
        VERIFY(m_has_value);
        return *std::launder(reinterpret_cast<T*>(&m_storage));
    }
    const T& value() const {
        VERIFY(m_has_value);
        return *std::launder(reinterpret_cast<const T*>(&m_storage));
    }
    T release_value() { return std::move(value()); }

private:
    alignas(T) unsigned char m_storage[sizeof(T)];
    Error m_error{EINVAL};
    bool m_has_value;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(error), m_has_error(true) {}
    Result(Errno code) : m_error(code), m_has_error(true) {}

    bool is_error() const { return m_has_error; }
    Error error() const {
        VERIFY(m_has_error);
        return m_error;
    }
    void release_value() {}

private:
    Error m_error{EINVAL};
    bool m_has_error{false};
};

} // namespace charon

// GNU statement expression: evaluates to the value, or returns the error.
#define TRY(expr)                                   \
    ({                                              \
        auto _try_result = (expr);                  \
        if (_try_result.is_error()) [[unlikely]]    \
            return _try_result.error();             \
        _try_result.release_value();                \
    })
