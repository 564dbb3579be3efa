// The kernel's thread: a kernel stack, a saved CPU context, a state. Every
// flow of control that can block is one: kernel threads (the reaper, tests)
// and the kernel half of every user thread. The lifecycle core's
// proc::Thread is linked by pointer both ways (proc_thread() here,
// proc::Thread::kernel_thread() there); the core never sees this type.
//
// Lifetime: created New by sched::create_kernel_thread / create_user_thread,
// made Runnable by sched::start, Dead after sched::exit_current(); the
// scheduler's reaper thread then frees the kernel stack and this object
// (a thread cannot free the stack it runs on). Nobody may hold a Thread*
// past its exit_current() unless they know it is still alive.
#pragma once

#include <cstdint>

#include "arch/x86_64/context.h"
#include "lib/intrusive_list.h"
#include "mm/kernel_vm.h"

namespace charon::proc {
class Thread;
}

namespace charon::sched {

enum class ThreadState : uint8_t {
    New,      // created, not started
    Runnable, // on the run queue
    Running,  // the CPU's current thread
    Sleeping, // off the run queue until woken (WaitQueue, timeout, signal)
    Dead,     // exited; waiting for the reaper
};

// How a sleep reacts to signals (Linux's TASK_INTERRUPTIBLE / TASK_KILLABLE
// / TASK_UNINTERRUPTIBLE).
enum class BlockMode : uint8_t {
    Interruptible,   // any deliverable signal ends the sleep (ERESTARTSYS)
    Killable,        // only a fatal signal (SIGKILL, group exit) ends it (EINTR)
    Uninterruptible, // only the condition or the deadline
};

enum class WakeReason : uint8_t { None, Woken, Signal, Timeout };

class Thread {
public:
    uint64_t id() const { return m_id; }
    const char* name() const { return m_name; }
    ThreadState state() const { return m_state; }
    bool is_user() const { return m_is_user; }

    proc::Thread* proc_thread() const { return m_proc_thread; }
    void set_proc_thread(proc::Thread* thread) { m_proc_thread = thread; }

    mm::KernelStack kernel_stack() const { return m_stack; }
    arch::ThreadContext& context() { return m_context; }
    // The saved user registers (valid for a user thread while it is in the
    // kernel: inside a syscall, interrupt or exception from user mode).
    arch::SyscallFrame& user_frame() { return arch::user_frame_of(m_context); }

    // Context switches: voluntary (slept or yielded) and involuntary
    // (preempted), for rusage's nvcsw/nivcsw.
    uint64_t voluntary_switches() const { return m_voluntary_switches; }
    uint64_t involuntary_switches() const { return m_involuntary_switches; }
    // CPU time, sampled by the timer tick (a tick's whole period goes to the
    // thread and mode it interrupted): for rusage/times/clock_gettime.
    uint64_t user_ns() const { return m_user_ns; }
    uint64_t system_ns() const { return m_system_ns; }
    uint32_t weight() const { return m_weight; }

private:
    friend class Scheduler;

    uint64_t m_id = 0;
    const char* m_name = "";
    ThreadState m_state = ThreadState::New;
    bool m_is_user = false;
    bool m_return_work = false; // run the return-to-user hook again
    BlockMode m_sleep_mode = BlockMode::Uninterruptible;
    WakeReason m_wake_reason = WakeReason::None;
    // Weighted turns (docs/scheduler.md "Nice"): the CPU time left in this
    // turn, negative when the thread overran a slice shorter than a tick;
    // the weight is Linux's for the thread's nice (1024 at nice 0).
    int64_t m_budget_ns = 0;
    uint32_t m_weight = 1024;
    proc::Thread* m_proc_thread = nullptr;
    mm::KernelStack m_stack;

    ListNode m_run_node; // the run queue, or the dead list
    // The timer list, sorted by deadline (m_timer_armed while linked).
    Thread* m_timer_prev = nullptr;
    Thread* m_timer_next = nullptr;
    uint64_t m_deadline = 0;
    bool m_timer_armed = false;

    uint64_t m_voluntary_switches = 0;
    uint64_t m_involuntary_switches = 0;
    uint64_t m_user_ns = 0;
    uint64_t m_system_ns = 0;

    arch::ThreadContext m_context; // last: holds the 512-byte FPU area
};

} // namespace charon::sched
