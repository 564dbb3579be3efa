// getpriority / setpriority: the nice of threads, process groups and users.
// The core decides (kernel/proc/priority.cpp); the scheduler weighs each
// thread's turns by the result (docs/scheduler.md "Nice").
#include "syscall/syscall.h"
#include "task/current.h"
#include "task/task.h"

namespace charon {

// getpriority(which, who): the raw syscall returns 20 - nice (1..40) of the
// highest-priority thread named, so that no success looks like an error;
// libc turns it back into a nice.
CHARON_SYSCALL(140, getpriority, sys_getpriority);
static Result<long> sys_getpriority(SyscallArgs const& args) {
    return TRY(task::table().getpriority(task::current_thread(), static_cast<int>(args.arg[0]),
                                         static_cast<int>(args.arg[1])));
}

// setpriority(which, who, nice): nice clamped to -20..19.
CHARON_SYSCALL(141, setpriority, sys_setpriority);
static Result<long> sys_setpriority(SyscallArgs const& args) {
    TRY(task::table().setpriority(task::current_thread(), static_cast<int>(args.arg[0]),
                                  static_cast<int>(args.arg[1]), static_cast<int>(args.arg[2])));
    return 0;
}

} // namespace charon
