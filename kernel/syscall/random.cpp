// getrandom(2): bytes from the kernel's generator (drivers/random.h), the
// same stream as /dev/urandom. Seeded at boot, so it never blocks and
// GRND_NONBLOCK / GRND_RANDOM change nothing (Linux 5.18+ behaves the same
// once its pool is initialized). docs/syscalls/getrandom.md.
#include "drivers/random.h"
#include "fs/io_buffer.h"
#include "sched/scheduler.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"

namespace charon {

namespace {
constexpr unsigned GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;
} // namespace

// getrandom(void* buffer, size_t length, unsigned flags)
CHARON_SYSCALL(318, getrandom, sys_getrandom);
static Result<long> sys_getrandom(SyscallArgs const& args) {
    auto flags = static_cast<unsigned>(args.arg[2]);
    if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return EINVAL;
    if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
        return EINVAL;
    // Linux's import_single_range clamps to MAX_RW_COUNT.
    uint64_t length = args.arg[1] > kMaxRwCount ? kMaxRwCount : args.arg[1];
    uint8_t chunk[256];
    uint64_t done = 0;
    while (done < length) {
        size_t n = length - done < sizeof chunk ? static_cast<size_t>(length - done) : sizeof chunk;
        drivers::random_bytes(chunk, n);
        auto copied = copy_to_user(args.arg[0] + done, chunk, n);
        if (copied.is_error()) {
            if (done)
                break; // what was copied before the fault counts, as Linux
            return copied.error();
        }
        done += n;
        if (done < length && done % 65536 == 0)
            sched::cond_resched(); // a large request must not hold the CPU
    }
    __builtin_memset(chunk, 0, sizeof chunk); // no keystream left on the stack
    return static_cast<long>(done);
}

} // namespace charon
