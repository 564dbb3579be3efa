// The loops a blocking read or write syscall runs around the never-blocking
// fs core. `sleep` is the kernel's (a fake scheduler's in tests):
//
//   Result<void> sleep(Waiter& waiter);
//
// It returns at once if waiter.woken is already set, otherwise sleeps until
// it is; it fails (EINTR, or ERESTARTSYS for SA_RESTART handling) when a
// signal interrupts the sleep. The waiter's `sleeper` is set by the caller.
// A device with a timeout (a terminal's VTIME) sets IoContext::deadline_ns;
// the loop then calls `sleep(waiter, deadline_ns)` if the sleep takes one,
// which returns (ok) at that monotonic time at the latest.
#pragma once

#include "fs/io_buffer.h"
#include "fs/io_context.h"
#include "fs/open_file.h"

namespace charon {

// read(2): returns as soon as any data (or EOF) is there, like Linux.
template <typename Sleep>
Result<void> sleep_until_deadline(Sleep& sleep, Waiter& waiter, uint64_t deadline_ns) {
    if constexpr (requires { sleep(waiter, deadline_ns); }) {
        if (deadline_ns)
            return sleep(waiter, deadline_ns);
    }
    return sleep(waiter);
}

template <typename Sleep>
Result<size_t> read_blocking(OpenFile& file, IoBuffer& buffer, size_t length, Waiter& waiter, Sleep&& sleep) {
    uint64_t deadline_ns = 0;
    for (;;) {
        IoContext context;
        context.waiter = &waiter;
        context.deadline_ns = deadline_ns;
        auto result = file.read(buffer, length, context);
        deadline_ns = context.deadline_ns;
        if (!result.is_error() || result.error().code() != EAGAIN || !context.queued_on)
            return result;
        auto slept = sleep_until_deadline(sleep, waiter, deadline_ns);
        context.cancel_wait();
        if (slept.is_error())
            return slept.error();
    }
}

// write(2): a blocking write continues until everything is written (a pipe
// write larger than PIPE_BUF goes in piece by piece). Interrupted or failed
// after progress, or cut short by the device for a signal (a terminal's
// chunk boundary), it returns the count written, as Linux does. Sets
// `raise_sigpipe` when the caller must get SIGPIPE. A regular file never
// blocks: its one answer (maybe short, at RLIMIT_FSIZE `file_size_limit` or
// a fault) is final; `raise_sigxfsz`, if given, is set when the write failed
// with EFBIG at that limit (the caller sends SIGXFSZ).
template <typename Sleep>
Result<size_t> write_blocking(OpenFile& file, const IoBuffer& buffer, size_t length, Waiter& waiter, Sleep&& sleep,
                              bool& raise_sigpipe, uint64_t file_size_limit = UINT64_MAX,
                              bool* raise_sigxfsz = nullptr) {
    raise_sigpipe = false;
    if (length > buffer.size())
        length = buffer.size();
    size_t done = 0;
    for (;;) {
        IoContext context;
        context.waiter = &waiter;
        context.bytes_done = done;
        context.file_size_limit = file_size_limit;
        IoBufferSlice rest(buffer, done);
        auto result = file.write(rest, length - done, context);
        raise_sigpipe |= context.raise_sigpipe;
        if (raise_sigxfsz)
            *raise_sigxfsz = context.raise_sigxfsz;
        if (!result.is_error()) {
            done += result.value();
            if (done >= length || result.value() == 0 || context.ended_by_signal || file.is_nonblocking() ||
                file.inode().is_regular())
                return done;
            continue;
        }
        if (result.error().code() != EAGAIN || !context.queued_on)
            return done ? Result<size_t>(done) : Result<size_t>(result.error());
        auto slept = sleep(waiter);
        context.cancel_wait();
        if (slept.is_error())
            return done ? Result<size_t>(done) : Result<size_t>(slept.error());
    }
}

} // namespace charon
