// Non-owning view of a byte string (not necessarily NUL-terminated). Paths,
// cpio names and argv strings travel as views so nothing is copied while
// parsing.
#pragma once

#include <cstddef>

namespace charon {

class StringView {
public:
    constexpr StringView() = default;
    constexpr StringView(const char* chars, size_t length) : m_chars(chars), m_length(length) {}
    // From a C string literal or NUL-terminated buffer.
    constexpr StringView(const char* cstring) : m_chars(cstring ? cstring : ""), m_length(0) {
        while (m_chars[m_length])
            ++m_length;
    }

    constexpr const char* chars() const { return m_chars; }
    constexpr size_t length() const { return m_length; }
    constexpr bool is_empty() const { return m_length == 0; }
    constexpr char operator[](size_t i) const { return m_chars[i]; }

    constexpr StringView substring(size_t start, size_t length) const { return {m_chars + start, length}; }
    constexpr StringView substring(size_t start) const { return {m_chars + start, m_length - start}; }

    constexpr bool operator==(StringView other) const {
        if (m_length != other.m_length)
            return false;
        for (size_t i = 0; i < m_length; ++i) {
            if (m_chars[i] != other.m_chars[i])
                return false;
        }
        return true;
    }
    constexpr bool starts_with(StringView prefix) const {
        return prefix.m_length <= m_length && substring(0, prefix.m_length) == prefix;
    }
    // Index of the first `c`, or length() when absent.
    constexpr size_t find(char c, size_t from = 0) const {
        for (size_t i = from; i < m_length; ++i) {
            if (m_chars[i] == c)
                return i;
        }
        return m_length;
    }

private:
    const char* m_chars = "";
    size_t m_length = 0;
};

} // namespace charon
