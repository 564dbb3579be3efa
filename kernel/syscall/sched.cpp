// Scheduler syscalls: sched_yield, and the affinity and policy queries
// (one CPU, SCHED_OTHER for everyone).
#include "proc/lifecycle.h"
#include "sched/scheduler.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"

namespace charon {

CHARON_SYSCALL(24, sched_yield, sys_sched_yield);

// sched_yield(2): always 0; the caller goes to the back of the run queue.
static Result<long> sys_sched_yield(SyscallArgs const&) {
    sched::yield();
    return 0;
}

} // namespace charon

// ---------------------------------------------------------------------------
// CPU affinity and scheduling policy: one CPU, and every thread runs under
// SCHED_OTHER at nice 0. docs/syscalls/sched_getaffinity.md and friends.

namespace charon {

namespace {

// Linux's cpumask_size() with one possible CPU: one unsigned long.
constexpr uint64_t kCpuMaskBytes = sizeof(uint64_t);
constexpr int SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_DEADLINE = 6;

// A tid as the sched_* calls take it: 0 is the caller; ESRCH if none.
Result<proc::Thread*> target_thread(int64_t tid) {
    if (tid == 0)
        return &task::current_thread();
    if (tid < 0 || tid > INT32_MAX)
        return ESRCH;
    proc::Thread* thread = task::table().find_thread(static_cast<proc::pid_t>(tid));
    if (!thread)
        return ESRCH;
    return thread;
}

} // namespace

// sched_getaffinity(pid_t tid, size_t size, cpu_set_t* mask): writes CPU 0
// and returns how many bytes the kernel's mask has (not 0, unlike glibc's
// wrapper).
CHARON_SYSCALL(204, sched_getaffinity, sys_sched_getaffinity);
static Result<long> sys_sched_getaffinity(SyscallArgs const& args) {
    uint64_t size = args.arg[1];
    // Linux: too small for nr_cpu_ids bits, or not a multiple of a long.
    if (size == 0 || (size & (sizeof(uint64_t) - 1)))
        return EINVAL;
    TRY(target_thread(static_cast<int32_t>(args.arg[0])));
    uint64_t mask = 1;
    uint64_t length = size < kCpuMaskBytes ? size : kCpuMaskBytes;
    TRY(copy_to_user(args.arg[2], &mask, length));
    return static_cast<long>(length);
}

// sched_setaffinity(pid_t tid, size_t size, const cpu_set_t* mask): a mask
// without CPU 0 is EINVAL (no allowed CPU would be online); another user's
// thread is EPERM unless root.
CHARON_SYSCALL(203, sched_setaffinity, sys_sched_setaffinity);
static Result<long> sys_sched_setaffinity(SyscallArgs const& args) {
    uint64_t size = args.arg[1];
    uint64_t mask = 0;
    // Linux copies min(size, cpumask_size()) bytes, zero-filling the rest.
    TRY(copy_from_user(&mask, args.arg[2], size < kCpuMaskBytes ? size : kCpuMaskBytes));
    proc::Thread* thread = TRY(target_thread(static_cast<int32_t>(args.arg[0])));
    const proc::Credentials& caller = task::current_process().credentials();
    const proc::Credentials& target = thread->process().credentials();
    if (caller.euid != 0 && caller.euid != target.uid && caller.euid != target.euid)
        return EPERM;
    if (!(mask & 1))
        return EINVAL;
    return 0;
}

// getcpu(unsigned* cpu, unsigned* node, void* cache): CPU 0 of node 0.
CHARON_SYSCALL(309, getcpu, sys_getcpu);
static Result<long> sys_getcpu(SyscallArgs const& args) {
    uint32_t zero = 0;
    if (args.arg[0])
        TRY(copy_to_user(args.arg[0], &zero, sizeof zero));
    if (args.arg[1])
        TRY(copy_to_user(args.arg[1], &zero, sizeof zero));
    return 0;
}

// sched_getscheduler(pid_t tid): SCHED_OTHER for every thread.
CHARON_SYSCALL(145, sched_getscheduler, sys_sched_getscheduler);
static Result<long> sys_sched_getscheduler(SyscallArgs const& args) {
    auto tid = static_cast<int32_t>(args.arg[0]);
    if (tid < 0)
        return EINVAL;
    TRY(target_thread(tid));
    return SCHED_OTHER;
}

// sched_getparam(pid_t tid, struct sched_param* param): priority 0.
CHARON_SYSCALL(143, sched_getparam, sys_sched_getparam);
static Result<long> sys_sched_getparam(SyscallArgs const& args) {
    auto tid = static_cast<int32_t>(args.arg[0]);
    if (!args.arg[1] || tid < 0)
        return EINVAL;
    TRY(target_thread(tid));
    int32_t priority = 0;
    TRY(copy_to_user(args.arg[1], &priority, sizeof priority));
    return 0;
}

// sched_get_priority_max/min(int policy): Linux's ranges, EINVAL for an
// unknown policy.
static Result<long> priority_bound(int policy, bool maximum) {
    switch (policy) {
    case SCHED_FIFO:
    case SCHED_RR: return maximum ? 99 : 1;
    case SCHED_OTHER:
    case SCHED_BATCH:
    case SCHED_IDLE:
    case SCHED_DEADLINE: return 0;
    default: return EINVAL;
    }
}

CHARON_SYSCALL(146, sched_get_priority_max, sys_sched_get_priority_max);
static Result<long> sys_sched_get_priority_max(SyscallArgs const& args) {
    return priority_bound(static_cast<int>(args.arg[0]), true);
}

CHARON_SYSCALL(147, sched_get_priority_min, sys_sched_get_priority_min);
static Result<long> sys_sched_get_priority_min(SyscallArgs const& args) {
    return priority_bound(static_cast<int>(args.arg[0]), false);
}

} // namespace charon
