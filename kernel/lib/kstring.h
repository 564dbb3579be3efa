// Owned, immutable, NUL-terminated byte string on the kernel heap. Creation
// is fallible (ENOMEM); the string is move-only so copies are explicit.
#pragma once

#include <cstddef>
#include <new>

#include "result.h"
#include "string_view.h"

namespace charon {

class KString {
public:
    KString() = default;
    KString(const KString&) = delete;
    KString& operator=(const KString&) = delete;
    KString(KString&& other) : m_chars(other.m_chars), m_length(other.m_length) {
        other.m_chars = nullptr;
        other.m_length = 0;
    }
    KString& operator=(KString&& other) {
        if (this != &other) {
            delete[] m_chars;
            m_chars = other.m_chars;
            m_length = other.m_length;
            other.m_chars = nullptr;
            other.m_length = 0;
        }
        return *this;
    }
    ~KString() { delete[] m_chars; }

    static Result<KString> try_create(StringView view) {
        auto* chars = new (std::nothrow) char[view.length() + 1];
        if (!chars)
            return ENOMEM;
        if (view.length())
            __builtin_memcpy(chars, view.chars(), view.length());
        chars[view.length()] = '\0';
        KString result;
        result.m_chars = chars;
        result.m_length = view.length();
        return result;
    }
    // Concatenation of two views, for building paths.
    static Result<KString> try_concat(StringView a, StringView b) {
        auto* chars = new (std::nothrow) char[a.length() + b.length() + 1];
        if (!chars)
            return ENOMEM;
        if (a.length())
            __builtin_memcpy(chars, a.chars(), a.length());
        if (b.length())
            __builtin_memcpy(chars + a.length(), b.chars(), b.length());
        chars[a.length() + b.length()] = '\0';
        KString result;
        result.m_chars = chars;
        result.m_length = a.length() + b.length();
        return result;
    }

    const char* chars() const { return m_chars ? m_chars : ""; }
    size_t length() const { return m_length; }
    StringView view() const { return {chars(), m_length}; }
    bool operator==(StringView other) const { return view() == other; }

private:
    char* m_chars = nullptr;
    size_t m_length = 0;
};

} // namespace charon
