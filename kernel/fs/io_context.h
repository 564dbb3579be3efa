// How a read or write that cannot complete now asks its caller to sleep.
//
// The fs core never blocks. When an operation on a blocking file would have
// to wait (empty pipe with writers, full pipe with readers), it enqueues the
// caller's Waiter on the right WaitQueue while still holding the lock that
// guards the condition, and fails with EAGAIN with `queued_on` set. A wake
// under that same lock cannot be lost: either it happened before the check
// (and the check succeeds), or the Waiter is already on the queue. The kernel
// then sleeps until `waiter.woken`, calls cancel_wait() and retries; the
// helpers in fs/blocking.h spell out that loop.
#pragma once

#include <cstddef>

#include "lib/spinlock.h"
#include "lib/wait_queue.h"

namespace charon {

struct IoContext {
    // In: the caller's Waiter (its `sleeper` set by the kernel); null means
    // "never enqueue", so a blocking file just fails with EAGAIN.
    Waiter* waiter = nullptr;
    // In: bytes this syscall already transferred. A pipe write continuing a
    // large write is no longer subject to the PIPE_BUF atomicity rule.
    size_t bytes_done = 0;
    // Out: set with EAGAIN when `waiter` was enqueued.
    WaitQueue* queued_on = nullptr;
    Spinlock* queue_lock = nullptr;
    // In/out: a device's timeout for this call (a terminal's VTIME), as an
    // absolute monotonic time; 0 = none. Kept across the attempts of one
    // call (fs/blocking.h): the sleep ends at the deadline at the latest and
    // the device decides what the timeout means.
    uint64_t deadline_ns = 0;
    // Out: a write found a pipe with no readers. The caller sends SIGPIPE to
    // the calling thread (Linux does so even when part of the data was
    // written and the syscall returns a count).
    bool raise_sigpipe = false;
    // Out: a device ended a write early because the caller has a signal to
    // take (a terminal, between its 2 KiB chunks): the count written so far
    // is the syscall's answer, and a blocking write does not go on.
    bool ended_by_signal = false;
    // In: RLIMIT_FSIZE of the writer (a regular-file write may not grow the
    // file past it). Out: it did try to, and got EFBIG; the caller sends
    // SIGXFSZ to the calling thread (Linux's generic_write_check_limits).
    uint64_t file_size_limit = UINT64_MAX;
    bool raise_sigxfsz = false;
    // In: pwritev2's RWF_APPEND (1) / RWF_NOAPPEND (0) instead of the
    // file's O_APPEND for this write; -1 follows the file.
    int8_t append_override = -1;

    // Enqueues the waiter (caller holds `lock`), if there is one.
    bool enqueue(WaitQueue& queue, Spinlock& lock) {
        if (!waiter)
            return false;
        queue.add(*waiter);
        queued_on = &queue;
        queue_lock = &lock;
        return true;
    }
    // Takes the waiter off its queue if no wake did so already.
    void cancel_wait() {
        if (!queued_on)
            return;
        {
            SpinlockGuard guard(*queue_lock);
            queued_on->remove(*waiter);
        }
        queued_on = nullptr;
        queue_lock = nullptr;
    }
};

} // namespace charon
