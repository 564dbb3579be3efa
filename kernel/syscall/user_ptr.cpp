// The checked user-memory path (user_ptr.h) over the fault-tolerant
// primitives in arch/x86_64/user_copy.S. The range check comes first, so a
// kernel-half, non-canonical or wrapping range never reaches the hardware:
// only "unmapped or not accessible user page" is left to the fault path.
#include <cstddef>

#include "arch/x86_64/user_entry.h"
#include "syscall/user_ptr.h"

extern "C" size_t charon_user_copy(void* dst, const void* src, size_t bytes);
extern "C" size_t charon_user_clear(void* dst, size_t bytes);
extern "C" int64_t charon_user_string_copy(char* dst, const char* src, size_t limit);

namespace charon {

namespace {
// Linux's access_ok: the whole range below TASK_SIZE_MAX, without wrapping.
bool user_range_ok(uint64_t address, size_t bytes) {
    return address <= arch::user_address_limit && bytes <= arch::user_address_limit - address;
}
} // namespace

Result<void> copy_from_user(void* kernel_dst, uint64_t user_src, size_t bytes) {
    if (bytes == 0)
        return {};
    if (!user_range_ok(user_src, bytes))
        return EFAULT;
    if (charon_user_copy(kernel_dst, reinterpret_cast<const void*>(user_src), bytes) != 0)
        return EFAULT;
    return {};
}

Result<void> copy_to_user(uint64_t user_dst, const void* kernel_src, size_t bytes) {
    if (bytes == 0)
        return {};
    if (!user_range_ok(user_dst, bytes))
        return EFAULT;
    if (charon_user_copy(reinterpret_cast<void*>(user_dst), kernel_src, bytes) != 0)
        return EFAULT;
    return {};
}

Result<void> clear_user(uint64_t user_dst, size_t bytes) {
    if (bytes == 0)
        return {};
    if (!user_range_ok(user_dst, bytes))
        return EFAULT;
    if (charon_user_clear(reinterpret_cast<void*>(user_dst), bytes) != 0)
        return EFAULT;
    return {};
}

Result<size_t> copy_string_from_user(char* kernel_dst, uint64_t user_src, size_t capacity) {
    if (capacity == 0)
        return ERANGE;
    if (user_src >= arch::user_address_limit)
        return EFAULT;
    // Never read past the user limit: a string running into it is a fault.
    size_t limit = capacity;
    bool clipped = false;
    if (limit > arch::user_address_limit - user_src) {
        limit = arch::user_address_limit - user_src;
        clipped = true;
    }
    int64_t length = charon_user_string_copy(kernel_dst, reinterpret_cast<const char*>(user_src), limit);
    if (length < 0)
        return EFAULT;
    if (static_cast<size_t>(length) == limit) {
        kernel_dst[capacity - 1 < limit ? capacity - 1 : limit - 1] = '\0';
        return clipped ? Result<size_t>(EFAULT) : Result<size_t>(ERANGE);
    }
    return static_cast<size_t>(length);
}

} // namespace charon
