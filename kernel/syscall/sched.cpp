// Scheduler syscalls.
#include "sched/scheduler.h"
#include "syscall/syscall.h"

namespace charon {

CHARON_SYSCALL(24, sched_yield, sys_sched_yield);

// sched_yield(2): always 0; the caller goes to the back of the run queue.
static Result<long> sys_sched_yield(SyscallArgs const&) {
    sched::yield();
    return 0;
}

} // namespace charon
