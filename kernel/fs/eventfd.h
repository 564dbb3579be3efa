// eventfd(2): a 64-bit counter behind an anonymous file, as Linux's
// fs/eventfd.c.
//
// - read (8 bytes or more; fewer is EINVAL) returns the counter and resets
//   it to 0, or with EFD_SEMAPHORE returns 1 and decrements it; a zero
//   counter waits (EAGAIN with O_NONBLOCK);
// - write (exactly 8 bytes, else EINVAL) adds a value; 2^64-1 is
//   EINVAL; a sum that would exceed 0xfffffffffffffffe waits until a read
//   makes room (EAGAIN with O_NONBLOCK). Either returns 8;
// - poll: POLLIN while the counter is not 0, POLLOUT while a write of 1
//   fits, POLLERR at 2^64-1 (only the kernel's eventfd_signal can overflow
//   to it; nothing in Charon does).
// Never blocks itself: see fs/io_context.h.
#pragma once

#include <cstdint>

#include "fs/open_file.h"
#include "lib/spinlock.h"
#include "lib/wait_queue.h"

namespace charon {

inline constexpr int EFD_SEMAPHORE = 1;

class EventfdFile final : public OpenFile {
public:
    // `flags`: EFD_SEMAPHORE and O_NONBLOCK (O_CLOEXEC is the caller's,
    // for the descriptor); anything else is EINVAL.
    static Result<RefPtr<OpenFile>> try_create(const Credentials& credentials, uint32_t initial, int flags);
    ~EventfdFile() override;

    const char* anonymous_name() const override { return "eventfd"; }
    bool poll_events(IoContext& context, uint32_t& events) override;
    uint64_t count() const { return m_count; }

private:
    EventfdFile(RefPtr<Inode> inode, int flags, uint64_t count, bool semaphore)
        : OpenFile(std::move(inode), flags), m_count(count), m_semaphore(semaphore) {}
    Result<size_t> do_read(IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<size_t> do_write(const IoBuffer& buffer, size_t length, IoContext& context) override;
    // Linux noop_llseek: any lseek "succeeds" and the position stays 0.
    Result<int64_t> do_seek(int64_t, int) override { return 0; }

    uint64_t m_count;
    bool m_semaphore;
    // A leaf lock like a pipe's: nothing is taken under it.
    Spinlock m_lock{"eventfd", LockRank::Pipe};
    WaitQueue m_wait; // readers, writers and pollers: every change wakes all
};

} // namespace charon
