// Growable array whose growth reports failure (ENOMEM) instead of throwing:
// the kernel heap can run out, and a syscall must then fail cleanly.
//
//   Vector<int> v;
//   TRY(v.try_append(42));
#pragma once

#include <cstddef>
#include <new>
#include <utility>

#include "result.h"
#include "verify.h"

namespace charon {

template <typename T>
class Vector {
public:
    Vector() = default;
    Vector(const Vector&) = delete;
    Vector& operator=(const Vector&) = delete;
    Vector(Vector&& other) : m_data(other.m_data), m_size(other.m_size), m_capacity(other.m_capacity) {
        other.m_data = nullptr;
        other.m_size = other.m_capacity = 0;
    }
    Vector& operator=(Vector&& other) {
        if (this != &other) {
            clear_and_free();
            m_data = other.m_data;
            m_size = other.m_size;
            m_capacity = other.m_capacity;
            other.m_data = nullptr;
            other.m_size = other.m_capacity = 0;
        }
        return *this;
    }
    ~Vector() { clear_and_free(); }

    size_t size() const { return m_size; }
    size_t capacity() const { return m_capacity; }
    bool is_empty() const { return m_size == 0; }
    T* data() { return m_data; }
    const T* data() const { return m_data; }
    T& operator[](size_t i) {
        VERIFY(i < m_size);
        return m_data[i];
    }
    const T& operator[](size_t i) const {
        VERIFY(i < m_size);
        return m_data[i];
    }
    T& last() { return (*this)[m_size - 1]; }
    T* begin() { return m_data; }
    T* end() { return m_data + m_size; }
    const T* begin() const { return m_data; }
    const T* end() const { return m_data + m_size; }

    Result<void> try_ensure_capacity(size_t wanted) {
        if (wanted <= m_capacity)
            return {};
        size_t new_capacity = m_capacity ? m_capacity * 2 : 4;
        if (new_capacity < wanted)
            new_capacity = wanted;
        if (new_capacity > static_cast<size_t>(-1) / sizeof(T))
            return ENOMEM;
        auto* storage = static_cast<T*>(::operator new(new_capacity * sizeof(T), std::nothrow));
        if (!storage)
            return ENOMEM;
        for (size_t i = 0; i < m_size; ++i) {
            new (&storage[i]) T(std::move(m_data[i]));
            m_data[i].~T();
        }
        ::operator delete(m_data);
        m_data = storage;
        m_capacity = new_capacity;
        return {};
    }
    Result<void> try_append(T&& value) {
        TRY(try_ensure_capacity(m_size + 1));
        new (&m_data[m_size]) T(std::move(value));
        ++m_size;
        return {};
    }
    Result<void> try_append(const T& value) {
        T copy(value);
        return try_append(std::move(copy));
    }
    // Grows to `size` with value-initialized elements (or shrinks).
    Result<void> try_resize(size_t size) {
        TRY(try_ensure_capacity(size));
        while (m_size < size)
            new (&m_data[m_size++]) T();
        while (m_size > size)
            m_data[--m_size].~T();
        return {};
    }
    // Order-preserving removal.
    void remove(size_t index) {
        VERIFY(index < m_size);
        for (size_t i = index; i + 1 < m_size; ++i)
            m_data[i] = std::move(m_data[i + 1]);
        m_data[--m_size].~T();
    }
    void clear() {
        while (m_size > 0)
            m_data[--m_size].~T();
    }

private:
    void clear_and_free() {
        clear();
        ::operator delete(m_data);
        m_data = nullptr;
        m_capacity = 0;
    }

    T* m_data = nullptr;
    size_t m_size = 0;
    size_t m_capacity = 0;
};

} // namespace charon
