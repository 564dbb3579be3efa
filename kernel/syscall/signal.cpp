// Signal syscalls: sending, dispositions, the mask, and rt_sigreturn. The
// core (kernel/proc/signal.cpp) decides; delivery happens on the way back
// to user mode (kernel/task/delivery.cpp).
#include "sched/wait.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/signal_frame.h"
#include "task/task.h"

namespace charon {

using task::current_thread;
using task::table;

CHARON_SYSCALL(62, kill, sys_kill);
static Result<long> sys_kill(SyscallArgs const& args) {
    TRY(table().kill(current_thread(), static_cast<proc::pid_t>(args.arg[0]), static_cast<int>(args.arg[1])));
    return 0;
}

CHARON_SYSCALL(200, tkill, sys_tkill);
static Result<long> sys_tkill(SyscallArgs const& args) {
    TRY(table().tkill(current_thread(), static_cast<proc::pid_t>(args.arg[0]), static_cast<int>(args.arg[1])));
    return 0;
}

CHARON_SYSCALL(234, tgkill, sys_tgkill);
static Result<long> sys_tgkill(SyscallArgs const& args) {
    TRY(table().tgkill(current_thread(), static_cast<proc::pid_t>(args.arg[0]), static_cast<proc::pid_t>(args.arg[1]),
                       static_cast<int>(args.arg[2])));
    return 0;
}

// rt_sigqueueinfo(pid, sig, info)
CHARON_SYSCALL(129, rt_sigqueueinfo, sys_rt_sigqueueinfo);
static Result<long> sys_rt_sigqueueinfo(SyscallArgs const& args) {
    proc::SigInfo info;
    TRY(copy_from_user(&info, args.arg[2], sizeof(info)));
    TRY(table().sigqueue(current_thread(), static_cast<proc::pid_t>(args.arg[0]), static_cast<int>(args.arg[1]), info));
    return 0;
}

// rt_sigaction(sig, act, oact, sigsetsize)
CHARON_SYSCALL(13, rt_sigaction, sys_rt_sigaction);
static Result<long> sys_rt_sigaction(SyscallArgs const& args) {
    if (args.arg[3] != sizeof(uint64_t))
        return EINVAL;
    proc::KSigaction action;
    if (args.arg[1])
        TRY(copy_from_user(&action, args.arg[1], sizeof(action)));
    proc::KSigaction old =
        TRY(table().sigaction(current_thread(), static_cast<int>(args.arg[0]), args.arg[1] ? &action : nullptr));
    if (args.arg[2])
        TRY(copy_to_user(args.arg[2], &old, sizeof(old)));
    return 0;
}

// rt_sigprocmask(how, set, oset, sigsetsize)
CHARON_SYSCALL(14, rt_sigprocmask, sys_rt_sigprocmask);
static Result<long> sys_rt_sigprocmask(SyscallArgs const& args) {
    if (args.arg[3] != sizeof(uint64_t))
        return EINVAL;
    uint64_t raw = 0;
    if (args.arg[1])
        TRY(copy_from_user(&raw, args.arg[1], sizeof(raw)));
    proc::SigSet set(raw);
    proc::SigSet old = TRY(table().sigprocmask(current_thread(), static_cast<int>(args.arg[0]),
                                               args.arg[1] ? &set : nullptr));
    if (args.arg[2]) {
        uint64_t old_raw = old.raw();
        TRY(copy_to_user(args.arg[2], &old_raw, sizeof(old_raw)));
    }
    return 0;
}

// rt_sigpending(set, sigsetsize)
CHARON_SYSCALL(127, rt_sigpending, sys_rt_sigpending);
static Result<long> sys_rt_sigpending(SyscallArgs const& args) {
    if (args.arg[1] > sizeof(uint64_t))
        return EINVAL;
    uint64_t raw = table().sigpending(current_thread()).raw();
    TRY(copy_to_user(args.arg[0], &raw, args.arg[1]));
    return 0;
}

// rt_sigsuspend(mask, sigsetsize): sleeps with `mask` until a signal is
// delivered; the handler frame saves the original mask (task.h saved_mask).
CHARON_SYSCALL(130, rt_sigsuspend, sys_rt_sigsuspend);
static Result<long> sys_rt_sigsuspend(SyscallArgs const& args) {
    if (args.arg[1] != sizeof(uint64_t))
        return EINVAL;
    uint64_t raw;
    TRY(copy_from_user(&raw, args.arg[0], sizeof(raw)));
    proc::Thread& thread = current_thread();
    task::Task& t = task::current_task();
    t.saved_mask = thread.blocked().raw();
    t.has_saved_mask = true;
    table().set_signal_mask(thread, proc::SigSet(raw));
    (void)sched::sleep_until([] { return false; }, sched::BlockMode::Interruptible);
    return ERESTARTNOHAND;
}

// pause(): sleeps until a signal is delivered to a handler (or kills);
// signals that need no handler restart it.
CHARON_SYSCALL(34, pause, sys_pause);
static Result<long> sys_pause(SyscallArgs const&) {
    (void)sched::sleep_until([] { return false; }, sched::BlockMode::Interruptible);
    return ERESTARTNOHAND;
}

CHARON_SYSCALL(15, rt_sigreturn, sys_rt_sigreturn);
static Result<long> sys_rt_sigreturn(SyscallArgs const& args) { return task::restore_signal_frame(*args.frame); }

} // namespace charon
