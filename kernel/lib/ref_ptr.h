// Intrusive reference counting. The count lives in the object (no control
// block to allocate), so taking a reference never fails. The last unref()
// deletes the object through its virtual destructor.
//
//   class Pipe : public RefCounted { ... };
//   RefPtr<Pipe> pipe = adopt_ref(new (std::nothrow) Pipe);   // count 1
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "verify.h"

namespace charon {

class RefCounted {
public:
    RefCounted(const RefCounted&) = delete;
    RefCounted& operator=(const RefCounted&) = delete;

    void ref() const {
        auto old = __atomic_fetch_add(&m_ref_count, 1, __ATOMIC_RELAXED);
        VERIFY(old > 0);
    }
    void unref() const {
        auto old = __atomic_fetch_sub(&m_ref_count, 1, __ATOMIC_ACQ_REL);
        VERIFY(old > 0);
        if (old == 1)
            delete this;
    }
    uint32_t ref_count() const { return __atomic_load_n(&m_ref_count, __ATOMIC_RELAXED); }

protected:
    RefCounted() = default;
    virtual ~RefCounted() = default;

private:
    mutable uint32_t m_ref_count = 1;
};

template <typename T>
class RefPtr {
public:
    RefPtr() = default;
    RefPtr(std::nullptr_t) {}
    // Takes a new reference.
    RefPtr(T* object) : m_ptr(object) {
        if (m_ptr)
            m_ptr->ref();
    }
    RefPtr(T& object) : RefPtr(&object) {}
    RefPtr(const RefPtr& other) : RefPtr(other.m_ptr) {}
    RefPtr(RefPtr&& other) : m_ptr(other.m_ptr) { other.m_ptr = nullptr; }
    template <typename U>
        requires std::is_convertible_v<U*, T*>
    RefPtr(RefPtr<U>&& other) : m_ptr(other.leak_ref()) {}
    template <typename U>
        requires std::is_convertible_v<U*, T*>
    RefPtr(const RefPtr<U>& other) : RefPtr(other.ptr()) {}
    ~RefPtr() { clear(); }

    RefPtr& operator=(const RefPtr& other) {
        RefPtr copy(other);
        swap(copy);
        return *this;
    }
    RefPtr& operator=(RefPtr&& other) {
        RefPtr moved(std::move(other));
        swap(moved);
        return *this;
    }
    RefPtr& operator=(std::nullptr_t) {
        clear();
        return *this;
    }

    void clear() {
        if (T* old = m_ptr) {
            m_ptr = nullptr;
            old->unref();
        }
    }
    // Gives up ownership of the reference without dropping it.
    T* leak_ref() {
        T* ptr = m_ptr;
        m_ptr = nullptr;
        return ptr;
    }
    void swap(RefPtr& other) { std::swap(m_ptr, other.m_ptr); }

    T* ptr() const { return m_ptr; }
    T* operator->() const {
        VERIFY(m_ptr);
        return m_ptr;
    }
    T& operator*() const {
        VERIFY(m_ptr);
        return *m_ptr;
    }
    explicit operator bool() const { return m_ptr != nullptr; }
    bool operator==(const RefPtr& other) const { return m_ptr == other.m_ptr; }
    bool operator==(const T* other) const { return m_ptr == other; }

    // Wraps a freshly created object (count already 1) without another ref.
    static RefPtr adopt(T* object) {
        RefPtr result;
        result.m_ptr = object;
        return result;
    }

private:
    T* m_ptr = nullptr;
};

template <typename T>
RefPtr<T> adopt_ref(T* object) {
    return RefPtr<T>::adopt(object);
}

} // namespace charon
