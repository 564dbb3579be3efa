// The loops a blocking read or write syscall runs around the never-blocking
// fs core. `sleep` is the kernel's (a fake scheduler's in tests):
//
//   Result<void> sleep(Waiter& waiter);
//
// It returns at once if waiter.woken is already set, otherwise sleeps until
// it is; it fails (EINTR, or ERESTARTSYS for SA_RESTART handling) when a
// signal interrupts the sleep. The waiter's `sleeper` is set by the caller.
#pragma once

#include "fs/io_buffer.h"
#include "fs/io_context.h"
#include "fs/open_file.h"

namespace charon {

// read(2): returns as soon as any data (or EOF) is there, like Linux.
template <typename Sleep>
Result<size_t> read_blocking(OpenFile& file, IoBuffer& buffer, size_t length, Waiter& waiter, Sleep&& sleep) {
    for (;;) {
        IoContext context;
        context.waiter = &waiter;
        auto result = file.read(buffer, length, context);
        if (!result.is_error() || result.error().code() != EAGAIN || !context.queued_on)
            return result;
        auto slept = sleep(waiter);
        context.cancel_wait();
        if (slept.is_error())
            return slept.error();
    }
}

// write(2): a blocking write continues until everything is written (a pipe
// write larger than PIPE_BUF goes in piece by piece). Interrupted or failed
// after progress, it returns the count written, as Linux does. Sets
// `raise_sigpipe` when the caller must get SIGPIPE.
template <typename Sleep>
Result<size_t> write_blocking(OpenFile& file, const IoBuffer& buffer, size_t length, Waiter& waiter, Sleep&& sleep,
                              bool& raise_sigpipe) {
    raise_sigpipe = false;
    if (length > buffer.size())
        length = buffer.size();
    size_t done = 0;
    for (;;) {
        IoContext context;
        context.waiter = &waiter;
        context.bytes_done = done;
        IoBufferSlice rest(buffer, done);
        auto result = file.write(rest, length - done, context);
        raise_sigpipe |= context.raise_sigpipe;
        if (!result.is_error()) {
            done += result.value();
            if (done >= length || result.value() == 0 || file.is_nonblocking())
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
