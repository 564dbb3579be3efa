// The scheduler: one CPU, preemptive round robin with a 10 ms slice, an
// idle thread, and a reaper that frees dead threads. See docs/scheduler.md.
//
// Creating a thread:
//   kernel:  Thread* t = TRY(sched::create_kernel_thread("name", entry, arg));
//            sched::start(*t);                    // entry(arg) runs; returning = exit
//   user:    auto frame = arch::initial_user_frame(rip, rsp);   // or a copy of
//            Thread* t = TRY(sched::create_user_thread("name", root, frame));  // the parent's frame
//            t->set_proc_thread(...); t->context().fs_base = tls;  // before start
//            sched::start(*t);                    // enters user mode with `frame`
// Ending the current thread: sched::exit_current() (switches to the kernel's
// page tables first, so the caller may free its address space afterwards;
// the reaper frees the kernel stack and the Thread after the switch away).
//
// Locking: the Scheduler lock (rank Scheduler) guards the run queue, the
// timer list and every thread's state. It is taken with interrupts off and
// may be taken from interrupt handlers; nothing that allocates or frees
// memory runs under it (KernelVm, FrameAllocator and Heap rank above it but
// the reaper frees outside it anyway).
#pragma once

#include <cstdint>

#include "lib/result.h"
#include "mm/kernel_vm.h"
#include "sched/thread.h"

namespace charon::arch {
struct SyscallFrame;
}

namespace charon::sched {

constexpr uint32_t time_slice_ticks = 10; // at timer_hz = 1000: 10 ms: a nice-0 thread's turn

// Linux's sched_prio_to_weight for a nice of -20..19 (clamped): 1024 at 0,
// each step about 1.25 times the next.
uint32_t nice_to_weight(int nice);
// A thread's nice changed (the lifecycle core decided it): from its next
// turn on, its turns last time_slice * weight / 1024 (docs/scheduler.md).
void set_nice(Thread&, int nice);

// Boot: adopts the running context (on `boot_stack`) as the thread "boot",
// creates the idle and reaper threads, hooks the timer tick. Interrupts off.
void init(mm::KernelStack boot_stack);
bool is_running();

Thread& current();

Result<Thread*> create_kernel_thread(const char* name, void (*entry)(void*), void* argument);
// `root` is the address space's page-table root (0: the kernel's).
Result<Thread*> create_user_thread(const char* name, PhysAddr root, const arch::SyscallFrame& frame);
// New -> Runnable.
void start(Thread&);
// Frees a thread that was created but never started (fork failing after
// create_*_thread): its stack and the Thread, at once.
void destroy_unstarted(Thread&);

// fork/clone: the child starts with the caller's user CPU state beyond the
// frame — FPU/SSE registers (saved from the live registers now), FS base and
// user GS base (CLONE_SETTLS then overrides fs_base in child.context()).
void inherit_user_state(Thread& child);
// execve: the current thread's FPU/SSE state back to the initial one (FCW
// 0x37f, MXCSR 0x1f80, registers zero), FS and GS bases to 0, loaded now.
void reset_user_state_for_exec();

// Gives up the rest of the slice to the next runnable thread (if any).
void yield();
// For long loops in syscalls (user threads are not preempted in kernel
// mode): switches away only if the slice ran out. Interrupts must be on and
// no spinlock held.
void cond_resched();
// Wakes `target` if needed and lets it run next, ahead of the queue: an
// exiting child hands the rest of its slice to the parent waiting for it.
void hand_off_to(Thread& target);

[[noreturn]] void exit_current();

// Makes `root` the current thread's address space (0: the kernel's tables)
// and loads it now: execve installing a new address space, tests. The
// thread keeps it across context switches.
void set_current_root(PhysAddr root);

// Wakes a sleeping thread (WakeReason::Woken). No effect on a thread that
// is not sleeping: sleepers re-check their condition, so a wake that comes
// "too early" is never needed (see wait.h).
void wake(Thread&);

// LifecycleHost::signal_wake: a signal arrived for `thread`. Ends an
// interruptible sleep, and a killable one when `fatal`. Returns whether the
// thread was woken.
bool interrupt_sleep(Thread& thread, bool fatal);

// Does `thread` have a signal that should end an interruptible (or, when
// `fatal_only`, a killable) sleep? Asked before every sleep and after every
// wake-up. The process wiring sets it (the core knows the pending and
// blocked sets); without it, no sleep is ever interrupted.
using SignalPendingHook = bool (*)(Thread& thread, bool fatal_only);
void set_signal_pending_hook(SignalPendingHook);

// Runs on every return to user mode (after syscalls, interrupts and
// exceptions from user mode, and before a new user thread's first entry),
// with interrupts enabled, on the current thread with its user frame: where
// signal delivery happens. It runs again before the return if
// request_return_work() was called for the thread meanwhile.
using ReturnToUserHook = void (*)(arch::SyscallFrame& frame);
void set_return_to_user_hook(ReturnToUserHook);
void request_return_work(Thread&);

// Returns once every thread that has exited so far has been freed by the
// reaper (sleeps meanwhile). For leak checks: a counter read right after a
// thread's exit may otherwise still include its stack and Thread.
void wait_for_reaper();

// Counters for tests and statistics.
uint64_t context_switch_count();
// The CPU's time by mode since boot (tick-sampled) and the switch count.
struct CpuTimes {
    uint64_t user_ns, system_ns, idle_ns, context_switches;
};
CpuTimes cpu_times();
// Threads running or on the run queue (idle excluded).
size_t runnable_thread_count();
// Linux's load averages over 1, 5 and 15 minutes, 11-bit fixed point.
void load_averages(uint64_t out[3]);
uint64_t reaped_thread_count();
size_t live_thread_count(); // every thread not yet reaped (idle, boot and reaper included)

// Runs at the end of every timer tick's scheduler work, in the interrupt
// (tests use it as an interrupt-time waker; drivers may poll from it).
void set_tick_observer(void (*observer)());

// Disables preemption (not interrupts) for short sections that must not be
// switched away from by the timer; nests.
void preempt_disable();
void preempt_enable();

} // namespace charon::sched
