#include "lib/text_buffer.h"

#include <new>

#include "lib/format.h"

namespace charon {

TextBuffer::TextBuffer(TextBuffer&& other)
    : m_data(other.m_data), m_size(other.m_size), m_capacity(other.m_capacity), m_failed(other.m_failed) {
    other.m_data = nullptr;
    other.m_size = other.m_capacity = 0;
    other.m_failed = false;
}

TextBuffer& TextBuffer::operator=(TextBuffer&& other) {
    if (this != &other) {
        delete[] m_data;
        m_data = other.m_data;
        m_size = other.m_size;
        m_capacity = other.m_capacity;
        m_failed = other.m_failed;
        other.m_data = nullptr;
        other.m_size = other.m_capacity = 0;
        other.m_failed = false;
    }
    return *this;
}

TextBuffer::~TextBuffer() {
    delete[] m_data;
}

bool TextBuffer::reserve(size_t wanted) {
    if (m_failed)
        return false;
    if (wanted <= m_capacity)
        return true;
    size_t capacity = m_capacity ? m_capacity * 2 : 256;
    while (capacity < wanted)
        capacity *= 2;
    auto* data = new (std::nothrow) char[capacity];
    if (!data) {
        m_failed = true;
        return false;
    }
    if (m_size)
        __builtin_memcpy(data, m_data, m_size);
    delete[] m_data;
    m_data = data;
    m_capacity = capacity;
    return true;
}

void TextBuffer::append(const void* bytes, size_t length) {
    if (!length || !reserve(m_size + length))
        return;
    __builtin_memcpy(m_data + m_size, bytes, length);
    m_size += length;
}

void TextBuffer::append(StringView text) {
    append(text.chars(), text.length());
}

void TextBuffer::vappendf(const char* fmt, va_list args) {
    va_list copy;
    va_copy(copy, args);
    char small[128];
    size_t length = vformat(small, sizeof small, fmt, copy);
    va_end(copy);
    if (length < sizeof small) {
        append(small, length);
        return;
    }
    if (!reserve(m_size + length + 1))
        return;
    vformat(m_data + m_size, length + 1, fmt, args);
    m_size += length;
}

void TextBuffer::appendf(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vappendf(fmt, args);
    va_end(args);
}

} // namespace charon
