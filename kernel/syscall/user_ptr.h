// User memory: the one checked path. A user address is a UserPtr, never a
// plain pointer, so it cannot be dereferenced by accident; the functions below
// are the only way across. They return EFAULT (never fault the kernel) for
// unmapped, kernel-half or non-canonical addresses and for ranges that wrap.
// A fault on a mapped-but-not-present page (demand paging, copy-on-write) is
// resolved by the memory manager as for user code.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"

namespace charon {

template <typename T>
class UserPtr {
public:
    constexpr UserPtr() = default;
    constexpr explicit UserPtr(uint64_t address) : m_address(address) {}

    constexpr uint64_t address() const { return m_address; }
    constexpr bool is_null() const { return m_address == 0; }
    // Element arithmetic, for arrays (argv, iovecs).
    constexpr UserPtr offset(size_t elements) const { return UserPtr(m_address + elements * sizeof(T)); }

private:
    uint64_t m_address = 0;
};

// Whole-range checks plus fault-tolerant copies (kernel/arch implements them).
Result<void> copy_from_user(void* kernel_dst, uint64_t user_src, size_t bytes);
Result<void> copy_to_user(uint64_t user_dst, const void* kernel_src, size_t bytes);
Result<void> clear_user(uint64_t user_dst, size_t bytes);
// Copies a NUL-terminated string of at most `capacity - 1` bytes plus the NUL.
// Returns its length; ENAMETOOLONG-style limits are the caller's (E2BIG, ...):
// a string that does not fit gives ERANGE here.
Result<size_t> copy_string_from_user(char* kernel_dst, uint64_t user_src, size_t capacity);

template <typename T>
Result<void> copy_from_user(T& kernel_dst, UserPtr<T> src) {
    return copy_from_user(&kernel_dst, src.address(), sizeof(T));
}
template <typename T>
Result<void> copy_to_user(UserPtr<T> dst, const T& kernel_src) {
    return copy_to_user(dst.address(), &kernel_src, sizeof(T));
}

} // namespace charon
