// A growable byte buffer on the kernel heap for generated text (/proc
// files). Appending is fallible: the first allocation failure sticks, and
// the caller checks it once at the end with result().
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "lib/result.h"
#include "lib/string_view.h"

namespace charon {

class TextBuffer {
public:
    TextBuffer() = default;
    TextBuffer(const TextBuffer&) = delete;
    TextBuffer& operator=(const TextBuffer&) = delete;
    TextBuffer(TextBuffer&& other);
    TextBuffer& operator=(TextBuffer&& other);
    ~TextBuffer();

    void append(StringView text);
    void append(const void* bytes, size_t length);
    void append_char(char c) { append(&c, 1); }
    void appendf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
    void vappendf(const char* fmt, va_list args);

    const char* data() const { return m_data; }
    size_t size() const { return m_size; }
    StringView view() const { return {m_data ? m_data : "", m_size}; }
    void clear() { m_size = 0; }
    // ENOMEM if any append failed.
    Result<void> result() const {
        if (m_failed)
            return ENOMEM;
        return {};
    }

private:
    bool reserve(size_t wanted);

    char* m_data = nullptr;
    size_t m_size = 0;
    size_t m_capacity = 0;
    bool m_failed = false;
};

} // namespace charon
