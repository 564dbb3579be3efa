// Signal syscalls: sending, dispositions, the mask, and rt_sigreturn. The
// core (kernel/proc/signal.cpp) decides; delivery happens on the way back
// to user mode (kernel/task/delivery.cpp).
#include "arch/x86_64/user_entry.h"
#include "sched/wait.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/signal_frame.h"
#include "task/task.h"
#include "time/clock.h"

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

// rt_tgsigqueueinfo(tgid, tid, sig, info)
CHARON_SYSCALL(297, rt_tgsigqueueinfo, sys_rt_tgsigqueueinfo);
static Result<long> sys_rt_tgsigqueueinfo(SyscallArgs const& args) {
    proc::SigInfo info;
    TRY(copy_from_user(&info, args.arg[3], sizeof(info)));
    TRY(table().tgsigqueue(current_thread(), static_cast<proc::pid_t>(args.arg[0]),
                           static_cast<proc::pid_t>(args.arg[1]), static_cast<int>(args.arg[2]), info));
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

// restart_syscall(): the return-to-user path makes a sleep that returned
// ERESTART_RESTARTBLOCK, with no handler run, call this instead of itself;
// it resumes from the thread's restart block (task.h). Called by hand, or
// after a handler returned through rt_sigreturn: EINTR, as Linux's
// do_no_restart_syscall.
CHARON_SYSCALL(219, restart_syscall, sys_restart_syscall);
static Result<long> sys_restart_syscall(SyscallArgs const&) {
    task::RestartBlock& block = task::current_task().restart;
    if (!block.fn)
        return EINTR;
    return block.fn(block);
}

// rt_sigtimedwait(set, info, timeout, sigsetsize)
CHARON_SYSCALL(128, rt_sigtimedwait, sys_rt_sigtimedwait);
static Result<long> sys_rt_sigtimedwait(SyscallArgs const& args) {
    if (args.arg[3] != sizeof(uint64_t))
        return EINVAL;
    uint64_t raw;
    TRY(copy_from_user(&raw, args.arg[0], sizeof(raw)));
    proc::SigSet set(raw);
    sched::Deadline deadline = sched::Deadline::never();
    if (args.arg[2]) {
        int64_t ts[2];
        TRY(copy_from_user(ts, args.arg[2], sizeof(ts)));
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return EINVAL;
        deadline = sched::Deadline::after(static_cast<uint64_t>(ts[0]) * 1000000000ull + static_cast<uint64_t>(ts[1]));
    }
    proc::Thread& thread = current_thread();
    proc::SigInfo info;
    int sig = table().dequeue_signal(thread, set, info);
    if (!sig && (!args.arg[2] || deadline.ns > monotonic_ns())) {
        // Linux: the waited-for signals are unblocked for the sleep, so
        // their arrival wakes us; any other unblocked signal interrupts.
        table().begin_signal_wait(thread, set);
        auto slept = sched::sleep_until([] { return false; }, sched::BlockMode::Interruptible, deadline);
        table().end_signal_wait(thread);
        sig = table().dequeue_signal(thread, set, info);
        if (!sig)
            return slept.is_error() && slept.error().code() == ETIMEDOUT ? EAGAIN : EINTR;
    }
    if (!sig)
        return EAGAIN;
    if (args.arg[1])
        TRY(copy_to_user(args.arg[1], &info, sizeof(info)));
    return sig;
}

// sigaltstack(ss, old_ss)
CHARON_SYSCALL(131, sigaltstack, sys_sigaltstack);
static Result<long> sys_sigaltstack(SyscallArgs const& args) {
    constexpr int32_t SS_ONSTACK = 1, SS_DISABLE = 2;
    constexpr uint32_t SS_AUTODISARM = 1u << 31;
    constexpr uint64_t MINSIGSTKSZ = 2048;
    struct StackT {
        uint64_t ss_sp;
        int32_t ss_flags;
        int32_t pad;
        uint64_t ss_size;
    };
    task::Task& t = task::current_task();
    uint64_t sp = args.frame->rsp;
    bool on_stack = t.altstack_size && sp - t.altstack_sp <= t.altstack_size;
    StackT old{};
    old.ss_sp = t.altstack_sp;
    old.ss_size = t.altstack_size;
    old.ss_flags = on_stack ? SS_ONSTACK : (t.altstack_size ? 0 : SS_DISABLE);
    old.ss_flags |= static_cast<int32_t>(t.altstack_flags);
    if (args.arg[0]) {
        StackT fresh;
        TRY(copy_from_user(&fresh, args.arg[0], sizeof(fresh)));
        if (on_stack)
            return EPERM;
        uint32_t mode = static_cast<uint32_t>(fresh.ss_flags) & ~SS_AUTODISARM;
        if (mode != 0 && mode != static_cast<uint32_t>(SS_DISABLE) && mode != static_cast<uint32_t>(SS_ONSTACK))
            return EINVAL;
        if (mode == static_cast<uint32_t>(SS_DISABLE)) {
            t.altstack_sp = 0;
            t.altstack_size = 0;
            t.altstack_flags = 0;
        } else {
            if (fresh.ss_size < MINSIGSTKSZ)
                return ENOMEM;
            t.altstack_sp = fresh.ss_sp;
            t.altstack_size = fresh.ss_size;
            t.altstack_flags = static_cast<uint32_t>(fresh.ss_flags) & SS_AUTODISARM;
        }
    }
    if (args.arg[1])
        TRY(copy_to_user(args.arg[1], &old, sizeof(old)));
    return 0;
}

CHARON_SYSCALL(15, rt_sigreturn, sys_rt_sigreturn);
static Result<long> sys_rt_sigreturn(SyscallArgs const& args) { return task::restore_signal_frame(*args.frame); }

} // namespace charon
