// Where read/write/getdents/stat move their bytes. The fs code never touches
// a user pointer: it asks an IoBuffer to copy at an offset, and the buffer
// fails with EFAULT when the memory is not there. The kernel implements
// UserMemory once with its checked user-copy path; tests implement it with
// plain memory (and holes, to test EFAULT).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"

namespace charon {

// The one checked path into user space (implemented by the kernel's mm/arch
// code; by a fake in tests).
class UserMemory {
public:
    virtual ~UserMemory() = default;
    virtual Result<void> copy_to_user(uint64_t user_address, const void* source, size_t length) = 0;
    virtual Result<void> copy_from_user(void* destination, uint64_t user_address, size_t length) = 0;
};

class IoBuffer {
public:
    virtual ~IoBuffer() = default;
    virtual size_t size() const = 0;
    // Copy into the buffer at `offset` (a read delivering data).
    virtual Result<void> copy_to(size_t offset, const void* source, size_t length) = 0;
    // Copy out of the buffer at `offset` (a write consuming data).
    virtual Result<void> copy_from(size_t offset, void* destination, size_t length) const = 0;
};

// Kernel memory: for kernel-internal I/O and for tests.
class KernelIoBuffer final : public IoBuffer {
public:
    KernelIoBuffer(void* data, size_t size) : m_data(static_cast<uint8_t*>(data)), m_size(size) {}
    KernelIoBuffer(const void* data, size_t size)
        : m_data(static_cast<uint8_t*>(const_cast<void*>(data))), m_size(size), m_read_only(true) {}

    size_t size() const override { return m_size; }
    Result<void> copy_to(size_t offset, const void* source, size_t length) override {
        if (m_read_only || offset > m_size || length > m_size - offset)
            return EFAULT;
        if (length)
            __builtin_memcpy(m_data + offset, source, length);
        return {};
    }
    Result<void> copy_from(size_t offset, void* destination, size_t length) const override {
        if (offset > m_size || length > m_size - offset)
            return EFAULT;
        if (length)
            __builtin_memcpy(destination, m_data + offset, length);
        return {};
    }

private:
    uint8_t* m_data;
    size_t m_size;
    bool m_read_only = false;
};

// One user range [address, address + size).
class UserIoBuffer final : public IoBuffer {
public:
    UserIoBuffer(UserMemory& memory, uint64_t address, size_t size)
        : m_memory(memory), m_address(address), m_size(size) {}

    size_t size() const override { return m_size; }
    Result<void> copy_to(size_t offset, const void* source, size_t length) override {
        if (offset > m_size || length > m_size - offset)
            return EFAULT;
        return m_memory.copy_to_user(m_address + offset, source, length);
    }
    Result<void> copy_from(size_t offset, void* destination, size_t length) const override {
        if (offset > m_size || length > m_size - offset)
            return EFAULT;
        return m_memory.copy_from_user(destination, m_address + offset, length);
    }

private:
    UserMemory& m_memory;
    uint64_t m_address;
    size_t m_size;
};

// A device's read or write that moves `length` bytes through a kernel
// scratch of `chunk_size` bytes: `step(offset, n)` moves the n bytes at
// `offset` of the IoBuffer (filling the scratch and copy_to, or copy_from
// and consuming it). A fault after some bytes ends the transfer with the
// count done so far (Linux's partial read/write); a fault on the first
// chunk is the error. Returns the bytes moved.
template <typename Step>
Result<size_t> transfer_in_chunks(size_t length, size_t chunk_size, Step step) {
    size_t done = 0;
    while (done < length) {
        size_t n = length - done < chunk_size ? length - done : chunk_size;
        Result<void> moved = step(done, n);
        if (moved.is_error()) {
            if (done)
                break;
            return moved.error();
        }
        done += n;
    }
    return done;
}

// struct iovec as user space lays it out.
struct LinuxIoVec {
    uint64_t base;
    uint64_t length;
};
static_assert(sizeof(LinuxIoVec) == 16);

inline constexpr size_t UIO_MAXIOV = 1024;
inline constexpr uint64_t kMaxRwCount = 0x7ffff000; // MAX_RW_COUNT: Linux caps one transfer

// readv/writev: the iovec array (already copied into the kernel) seen as one
// contiguous buffer. Linux clamps the total to MAX_RW_COUNT; so do we.
class UserIoVecBuffer final : public IoBuffer {
public:
    // Validates like Linux's import_iovec: count <= UIO_MAXIOV (else EINVAL),
    // each length must fit in ssize_t (else EINVAL).
    static Result<void> validate(const LinuxIoVec* vectors, size_t count) {
        if (count > UIO_MAXIOV)
            return EINVAL;
        for (size_t i = 0; i < count; ++i) {
            if (vectors[i].length > uint64_t(INT64_MAX))
                return EINVAL;
        }
        return {};
    }
    UserIoVecBuffer(UserMemory& memory, const LinuxIoVec* vectors, size_t count)
        : m_memory(memory), m_vectors(vectors), m_count(count) {
        uint64_t total = 0;
        for (size_t i = 0; i < count; ++i) {
            uint64_t room = kMaxRwCount - total;
            total += vectors[i].length < room ? vectors[i].length : room;
        }
        m_size = total;
    }

    size_t size() const override { return m_size; }
    Result<void> copy_to(size_t offset, const void* source, size_t length) override {
        return walk(offset, length, [&](uint64_t address, size_t done, size_t chunk) {
            return m_memory.copy_to_user(address, static_cast<const uint8_t*>(source) + done, chunk);
        });
    }
    Result<void> copy_from(size_t offset, void* destination, size_t length) const override {
        return walk(offset, length, [&](uint64_t address, size_t done, size_t chunk) {
            return m_memory.copy_from_user(static_cast<uint8_t*>(destination) + done, address, chunk);
        });
    }

private:
    template <typename Copy>
    Result<void> walk(size_t offset, size_t length, Copy copy) const {
        if (offset > m_size || length > m_size - offset)
            return EFAULT;
        size_t done = 0;
        for (size_t i = 0; i < m_count && done < length; ++i) {
            uint64_t segment = m_vectors[i].length;
            if (offset >= segment) {
                offset -= segment;
                continue;
            }
            size_t chunk = segment - offset;
            if (chunk > length - done)
                chunk = length - done;
            TRY(copy(m_vectors[i].base + offset, done, chunk));
            done += chunk;
            offset = 0;
        }
        return {};
    }

    UserMemory& m_memory;
    const LinuxIoVec* m_vectors;
    size_t m_count;
    size_t m_size = 0;
};

} // namespace charon

namespace charon {

// The tail of another buffer from `start` on (a write resuming after a
// partial transfer).
class IoBufferSlice final : public IoBuffer {
public:
    IoBufferSlice(const IoBuffer& base, size_t start)
        : m_base(const_cast<IoBuffer&>(base)), m_start(start < base.size() ? start : base.size()) {}

    size_t size() const override { return m_base.size() - m_start; }
    Result<void> copy_to(size_t offset, const void* source, size_t length) override {
        if (offset > size() || length > size() - offset)
            return EFAULT;
        return m_base.copy_to(m_start + offset, source, length);
    }
    Result<void> copy_from(size_t offset, void* destination, size_t length) const override {
        if (offset > size() || length > size() - offset)
            return EFAULT;
        return m_base.copy_from(m_start + offset, destination, length);
    }

private:
    IoBuffer& m_base;
    size_t m_start;
};

} // namespace charon
