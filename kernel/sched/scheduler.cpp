#include "sched/scheduler.h"

#include <new>

#include "arch/x86_64/context.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/user_entry.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "lib/verify.h"
#include "lib/wait_queue.h"
#include "sched/wait.h"
#include "time/clock.h"

namespace charon::sched {

namespace {
constexpr uint64_t rflags_tf = 1u << 8, rflags_nt = 1u << 14, rflags_rf = 1u << 16, rflags_vm = 1u << 17;
constexpr uint64_t rflags_iopl = 3u << 12;

// Restart codes must never reach user space. The signal-delivery path (the
// return-to-user hook) resolves them when a handler runs; what is left means
// no handler ran, and Linux then restarts the call: the same syscall again,
// or restart_syscall, which resumes from the thread's restart block
// (task::RestartBlock) where the interrupted sleep kept its deadline.
constexpr uint64_t nr_restart_syscall = 219;
void resolve_leftover_restart(arch::SyscallFrame& frame) {
    if (!frame.is_syscall())
        return;
    auto value = static_cast<int64_t>(frame.rax);
    if (value == -ERESTARTSYS || value == -ERESTARTNOINTR || value == -ERESTARTNOHAND) {
        frame.rax = frame.orig_rax();
    } else if (value == -ERESTART_RESTARTBLOCK) {
        frame.rax = nr_restart_syscall;
    } else {
        return;
    }
    frame.rip -= 2; // the syscall instruction again
    frame.forget_syscall();
}

bool sysret_allowed(const arch::SyscallFrame& frame) {
    return frame.rcx == frame.rip && frame.r11 == frame.rflags && frame.rip < arch::user_address_limit &&
           frame.cs == arch::user_code_selector && frame.ss == arch::user_data_selector &&
           !(frame.rflags & (rflags_tf | rflags_rf | rflags_vm));
}
} // namespace

// Everything that touches Thread's private scheduling fields. All state is
// guarded by `lock` (rank Scheduler), taken with interrupts off.
class Scheduler {
public:
    using ThreadList = IntrusiveList<Thread, &Thread::m_run_node>;

    static inline Spinlock lock{"scheduler", LockRank::Scheduler};
    static inline ThreadList* run_queue;
    static inline ThreadList* dead_threads;
    static inline Thread* current_thread;
    static inline Thread* idle_thread;
    // Whole-CPU time by mode, and the load average (/proc/stat, loadavg).
    static inline uint64_t cpu_user_ns, cpu_system_ns, cpu_idle_ns;
    static inline uint64_t last_tick_ns; // monotonic time of the previous tick (0: none yet)
    static inline uint64_t load_average[3];
    static inline uint32_t load_ticks;
    static constexpr uint32_t load_frequency_ticks = 5 * timer_hz + 1; // LOAD_FREQ
    static inline Thread* reaper_thread;
    static inline Thread* timer_head; // sleeping threads with a deadline, earliest first
    static inline bool need_resched;
    static inline bool running;
    static inline uint32_t preempt_count;
    static inline uint64_t next_id = 1;
    static inline uint64_t switch_count;
    static inline uint64_t reaped_count;
    static inline size_t live_count;
    static inline SignalPendingHook signal_pending_hook;
    static inline ReturnToUserHook return_to_user_hook;
    static inline void (*tick_observer)();

    static Result<Thread*> allocate(const char* name) {
        mm::KernelStack stack = TRY(mm::allocate_kernel_stack());
        auto* thread = new (std::nothrow) Thread;
        if (!thread) {
            mm::free_kernel_stack(stack);
            return ENOMEM;
        }
        thread->m_name = name;
        thread->m_stack = stack;
        thread->m_context.kernel_stack_top = stack.top;
        SpinlockGuard guard(lock);
        thread->m_id = next_id++;
        ++live_count;
        return thread;
    }

    static void free(Thread* thread) {
        mm::free_kernel_stack(thread->m_stack);
        delete thread;
        SpinlockGuard guard(lock);
        --live_count;
        ++reaped_count;
    }

    // --- The timer list (lock held) ---------------------------------------
    static void timer_arm(Thread& thread, uint64_t deadline) {
        VERIFY(!thread.m_timer_armed);
        thread.m_deadline = deadline;
        thread.m_timer_armed = true;
        Thread* previous = nullptr;
        Thread* next = timer_head;
        while (next && next->m_deadline <= deadline) {
            previous = next;
            next = next->m_timer_next;
        }
        thread.m_timer_prev = previous;
        thread.m_timer_next = next;
        if (next)
            next->m_timer_prev = &thread;
        if (previous)
            previous->m_timer_next = &thread;
        else
            timer_head = &thread;
    }
    static void timer_disarm(Thread& thread) {
        if (!thread.m_timer_armed)
            return;
        if (thread.m_timer_prev)
            thread.m_timer_prev->m_timer_next = thread.m_timer_next;
        else
            timer_head = thread.m_timer_next;
        if (thread.m_timer_next)
            thread.m_timer_next->m_timer_prev = thread.m_timer_prev;
        thread.m_timer_prev = thread.m_timer_next = nullptr;
        thread.m_timer_armed = false;
    }

    // --- Waking (lock held) -------------------------------------------------
    static bool wake_locked(Thread& thread, WakeReason reason, bool fatal = false) {
        if (thread.m_state != ThreadState::Sleeping)
            return false;
        if (reason == WakeReason::Signal) {
            if (thread.m_sleep_mode == BlockMode::Uninterruptible)
                return false;
            if (thread.m_sleep_mode == BlockMode::Killable && !fatal)
                return false;
        }
        thread.m_wake_reason = reason;
        timer_disarm(thread);
        thread.m_state = ThreadState::Runnable;
        run_queue->push_back(thread);
        if (current_thread == idle_thread)
            need_resched = true;
        return true;
    }

    // --- Switching (lock held, interrupts off) -------------------------------
    // Picks the next thread and switches to it. Returns when the current
    // thread runs again, still holding the lock (the thread that switched
    // back to it took it; the lock is handed over with the CPU).
    static void schedule_locked(bool involuntary) {
        if (!lock_debug::holds_only(LockRank::Scheduler))
            panic("schedule: thread %lu (%s) switches away holding a spinlock", current_thread->m_id,
                  current_thread->m_name);
        Thread* previous = current_thread;
        need_resched = false;
        switch (previous->m_state) {
        case ThreadState::Running:
            previous->m_state = ThreadState::Runnable;
            if (previous != idle_thread)
                run_queue->push_back(*previous);
            break;
        case ThreadState::Dead:
            dead_threads->push_back(*previous);
            wake_locked(*reaper_thread, WakeReason::Woken);
            break;
        case ThreadState::Sleeping:
            break;
        default:
            panic("schedule: current thread in an impossible state");
        }
        Thread* next = pick_next_locked();
        if (!next)
            next = idle_thread;
        next->m_state = ThreadState::Running;
        if (next == previous)
            return;
        if (involuntary)
            ++previous->m_involuntary_switches;
        else
            ++previous->m_voluntary_switches;
        ++switch_count;
        current_thread = next;
        arch::this_cpu().current_thread = next;
        arch::switch_to(previous->m_context, next->m_context);
    }

    // A thread's turn: time_slice scaled by its weight (10 ms at nice 0,
    // 0.15 ms at nice 19, 867 ms at nice -20).
    static int64_t quantum_ns(const Thread& thread) {
        return static_cast<int64_t>(time_slice_ticks * timer_tick_ns() * thread.m_weight / 1024);
    }
    // A new turn: a debt (the overrun of a turn shorter than the tick that
    // ended it) is carried, an unused remainder is not (as the old fixed
    // slice, a thread back from a sleep starts a full turn).
    static void refill(Thread& thread) {
        thread.m_budget_ns = (thread.m_budget_ns < 0 ? thread.m_budget_ns : 0) + quantum_ns(thread);
    }
    // The head of the run queue, except that a thread still in debt after
    // this turn's refill passes its turn (to the back) while someone else
    // can run. So a nice-19 thread that overran its 0.15 ms turn to a whole
    // 1 ms tick sits out about six turns of the others: over time each busy
    // thread gets CPU in proportion to its weight, without tracking virtual
    // runtimes. Ends: every pass adds a positive quantum to someone.
    static Thread* pick_next_locked() {
        Thread* next = run_queue->take_first();
        while (next) {
            refill(*next);
            if (next->m_budget_ns > 0 || run_queue->is_empty())
                break;
            run_queue->push_back(*next);
            next = run_queue->take_first();
        }
        return next;
    }

    static void set_weight(Thread& thread, uint32_t weight) {
        SpinlockGuard guard(lock);
        thread.m_weight = weight;
    }

    static void schedule(bool involuntary) {
        uint64_t saved = interrupts_save_and_disable();
        lock.lock();
        schedule_locked(involuntary);
        lock.unlock();
        interrupts_restore(saved);
    }

    static void on_tick(bool from_user) {
        on_tick_locked(from_user);
        if (tick_observer)
            tick_observer();
    }

    static void on_tick_locked(bool from_user) {
        SpinlockGuard guard(lock);
        // CPU time by sampling, as Linux without VIRT_CPU_ACCOUNTING: the
        // whole period since the previous tick goes to whoever this one
        // interrupted, in the mode it found. The period, not a nominal
        // tick: a host that delays the guest (QEMU under load) merges
        // ticks, and the time must still add up to the time elapsed, as
        // /proc/stat's CPU lines do on Linux.
        uint64_t now = monotonic_ns();
        uint64_t period = last_tick_ns && now > last_tick_ns ? now - last_tick_ns : timer_tick_ns();
        last_tick_ns = now;
        if (current_thread != idle_thread) {
            if (from_user) {
                current_thread->m_user_ns += period;
                cpu_user_ns += period;
            } else {
                current_thread->m_system_ns += period;
                cpu_system_ns += period;
            }
        } else {
            cpu_idle_ns += period;
        }
        if (++load_ticks >= load_frequency_ticks) {
            load_ticks = 0;
            update_load_locked();
        }
        if (timer_head) {
            while (timer_head && timer_head->m_deadline <= now)
                wake_locked(*timer_head, WakeReason::Timeout);
        }
        if (current_thread == idle_thread) {
            if (!run_queue->is_empty())
                need_resched = true;
        } else {
            current_thread->m_budget_ns -= static_cast<int64_t>(period);
            // Round robin: preempt only when someone else wants the CPU (a
            // thread alone runs on without running into debt).
            if (current_thread->m_budget_ns <= 0) {
                if (run_queue->is_empty())
                    current_thread->m_budget_ns = quantum_ns(*current_thread);
                else
                    need_resched = true;
            }
        }
    }

    // Linux's calc_load: every 5 s, an exponentially decaying average of
    // the runnable threads over 1, 5 and 15 minutes, in 11-bit fixed point.
    static size_t runnable_locked() {
        size_t count = current_thread != idle_thread ? 1 : 0;
        for (auto& thread : *run_queue) {
            (void)thread;
            ++count;
        }
        return count;
    }

    static void update_load_locked() {
        uint64_t active = runnable_locked();
        constexpr uint64_t fixed_1 = 1 << 11;
        constexpr uint64_t exp[3] = {1884, 2014, 2037}; // 1/exp(5s/1min), 5 min, 15 min
        for (int i = 0; i < 3; ++i) {
            uint64_t load = load_average[i] * exp[i] + active * fixed_1 * (fixed_1 - exp[i]);
            if (active * fixed_1 >= load_average[i])
                load += fixed_1 - 1; // round up while rising, as Linux
            load_average[i] = load / fixed_1;
        }
    }

    // --- Sleeping (interrupts off) ---------------------------------------------
    static WakeReason sleep_once(BlockMode mode, Deadline deadline) {
        lock.lock();
        Thread& thread = *current_thread;
        VERIFY(&thread != idle_thread);
        thread.m_state = ThreadState::Sleeping;
        thread.m_sleep_mode = mode;
        thread.m_wake_reason = WakeReason::None;
        if (!deadline.is_never())
            timer_arm(thread, deadline.ns);
        schedule_locked(false);
        timer_disarm(thread);
        WakeReason reason = thread.m_wake_reason;
        lock.unlock();
        return reason;
    }

    [[noreturn]] static void exit_current() {
        interrupts_save_and_disable();
        Thread& thread = *current_thread;
        VERIFY(&thread != idle_thread && &thread != reaper_thread);
        // Off the thread's page tables now: whoever frees the address
        // space must never find them in CR3.
        if (thread.m_context.root) {
            thread.m_context.root = 0;
            arch::switch_root(arch::kernel_root());
        }
        lock.lock();
        thread.m_state = ThreadState::Dead;
        schedule_locked(false);
        panic("a dead thread was switched back in");
    }

    static void reaper_main(void*) {
        for (;;) {
            uint64_t saved = interrupts_save_and_disable();
            lock.lock();
            Thread* dead = dead_threads->take_first();
            if (!dead) {
                current_thread->m_state = ThreadState::Sleeping;
                current_thread->m_sleep_mode = BlockMode::Uninterruptible;
                schedule_locked(false);
            }
            lock.unlock();
            interrupts_restore(saved);
            // Outside the lock: freeing takes KernelVm / FrameAllocator / Heap.
            if (dead)
                free(dead);
        }
    }

    static void idle_main(void*) {
        for (;;) {
            arch::cli();
            if (need_resched) {
                arch::sti();
                schedule(false);
                continue;
            }
            // sti takes effect after the next instruction: no interrupt can
            // slip in between the check and the hlt.
            asm volatile("sti; hlt" ::: "memory");
        }
    }

    static Result<Thread*> create_kernel_thread(const char* name, void (*entry)(void*), void* argument) {
        Thread* thread = TRY(allocate(name));
        arch::prepare_kernel_thread(thread->m_context, entry, argument);
        return thread;
    }

    static Result<Thread*> create_user_thread(const char* name, PhysAddr root, const arch::SyscallFrame& frame) {
        Thread* thread = TRY(allocate(name));
        thread->m_is_user = true;
        thread->m_context.root = root;
        arch::fpu_reset_state(thread->m_context.fpu);
        arch::prepare_user_thread(thread->m_context, frame);
        return thread;
    }

    static void start(Thread& thread) {
        SpinlockGuard guard(lock);
        VERIFY(thread.m_state == ThreadState::New);
        thread.m_state = ThreadState::Runnable;
        run_queue->push_back(thread);
        if (current_thread == idle_thread)
            need_resched = true;
    }

    static void hand_off_to(Thread& target) {
        SpinlockGuard guard(lock);
        wake_locked(target, WakeReason::Woken);
        if (target.m_state == ThreadState::Runnable && target.m_run_node.is_linked()) {
            ThreadList::remove(target);
            run_queue->push_front(target);
            need_resched = true;
        }
    }

    static void request_return_work(Thread& thread) { thread.m_return_work = true; }

    static void set_current_root(PhysAddr root) {
        uint64_t saved = interrupts_save_and_disable();
        current_thread->m_context.root = root;
        arch::switch_root(root ? root : arch::kernel_root());
        interrupts_restore(saved);
    }

    // The single return-to-user path (interrupts off in and out; the hook
    // runs with them on).
    static bool prepare_return_to_user(arch::SyscallFrame& frame) {
        Thread& thread = *current_thread;
        bool run_hook = true;
        for (;;) {
            if (need_resched) {
                schedule(true);
                continue;
            }
            if (run_hook || thread.m_return_work) {
                run_hook = false;
                thread.m_return_work = false;
                if (return_to_user_hook) {
                    arch::sti();
                    return_to_user_hook(frame);
                    arch::cli();
                }
                continue;
            }
            break;
        }
        resolve_leftover_restart(frame);
        // Whatever the hooks wrote (sigreturn, execve), IRET must not fault
        // in kernel mode: user selectors, canonical RIP, sane RFLAGS.
        frame.cs = arch::user_code_selector;
        frame.ss = arch::user_data_selector;
        frame.rflags = (frame.rflags & ~(rflags_iopl | rflags_nt | rflags_vm)) | arch::rflags_interrupt_enable | 0x2;
        if (frame.rip >= user_space_end) {
            log_warn("thread %lu (%s): return to non-canonical rip %#lx: thread killed", thread.id(), thread.name(),
                     frame.rip);
            exit_current();
        }
        return sysret_allowed(frame);
    }

    static void init(mm::KernelStack boot_stack) {
        static ThreadList run_queue_storage;
        static ThreadList dead_storage;
        run_queue = &run_queue_storage;
        dead_threads = &dead_storage;

        auto* boot = new Thread;
        boot->m_id = 0;
        boot->m_name = "boot";
        boot->m_stack = boot_stack;
        boot->m_context.kernel_stack_top = boot_stack.top;
        arch::fpu_reset_state(boot->m_context.fpu);
        boot->m_state = ThreadState::Running;
        boot->m_budget_ns = quantum_ns(*boot);
        ++live_count;
        current_thread = boot;
        arch::this_cpu().current_thread = boot;
        arch::this_cpu().kernel_rsp = boot_stack.top;
        arch::set_kernel_stack_top(boot_stack.top);

        auto idle = create_kernel_thread("idle", idle_main, nullptr);
        auto reaper = create_kernel_thread("reaper", reaper_main, nullptr);
        if (idle.is_error() || reaper.is_error())
            panic("scheduler: no memory for the idle and reaper threads");
        idle_thread = idle.value();
        idle_thread->m_state = ThreadState::Runnable; // never on the queue: chosen when it is empty
        reaper_thread = reaper.value();
        running = true;
        start(*reaper_thread);
    }
};

// --- Public API --------------------------------------------------------------

void init(mm::KernelStack boot_stack) {
    Scheduler::init(boot_stack);
    set_timer_tick_hook(Scheduler::on_tick);
    arch::set_user_fault_handler([](arch::SyscallFrame& frame, uint64_t address) {
        // Until the process wiring turns faults into signals: end the thread.
        Thread& thread = current();
        log_warn("user fault: vector %lu (error %#lx) at rip %#lx, address %#lx, thread %lu (%s): thread killed",
                 frame.vector, frame.error_code, frame.rip, address, thread.id(), thread.name());
        exit_current();
    });
}

bool is_running() { return Scheduler::running; }

Thread& current() {
    VERIFY(Scheduler::current_thread);
    return *Scheduler::current_thread;
}

Result<Thread*> create_kernel_thread(const char* name, void (*entry)(void*), void* argument) {
    return Scheduler::create_kernel_thread(name, entry, argument);
}
Result<Thread*> create_user_thread(const char* name, PhysAddr root, const arch::SyscallFrame& frame) {
    return Scheduler::create_user_thread(name, root, frame);
}
void start(Thread& thread) { Scheduler::start(thread); }

void destroy_unstarted(Thread& thread) {
    VERIFY(thread.state() == ThreadState::New);
    Scheduler::free(&thread);
}

void inherit_user_state(Thread& child) {
    arch::ThreadContext& parent = current().context();
    arch::ThreadContext& context = child.context();
    // The live registers are the caller's (the kernel never touches them).
    arch::fpu_save(context.fpu);
    context.fs_base = parent.fs_base;
    context.user_gs_base = parent.user_gs_base;
}

void reset_user_state_for_exec() {
    arch::ThreadContext& context = current().context();
    detail::InterruptsOff off; // a switch in between would save the old registers over the reset
    arch::fpu_reset_state(context.fpu);
    arch::fpu_restore(context.fpu);
    arch::load_fs_base(context, 0);
    arch::load_user_gs_base(context, 0);
}

void yield() { Scheduler::schedule(false); }

void cond_resched() {
    if (Scheduler::need_resched && Scheduler::preempt_count == 0)
        Scheduler::schedule(true);
}

void hand_off_to(Thread& target) { Scheduler::hand_off_to(target); }

uint32_t nice_to_weight(int nice) {
    static constexpr uint32_t weights[40] = {
        88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, // -20 .. -11
        9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,  // -10 .. -1
        1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,   //   0 .. 9
        110,   87,    70,    56,    45,    36,    29,    23,    18,    15,    //  10 .. 19
    };
    if (nice < -20)
        nice = -20;
    if (nice > 19)
        nice = 19;
    return weights[nice + 20];
}

void set_nice(Thread& thread, int nice) { Scheduler::set_weight(thread, nice_to_weight(nice)); }

void exit_current() { Scheduler::exit_current(); }

void set_current_root(PhysAddr root) { Scheduler::set_current_root(root); }

void wake(Thread& thread) {
    SpinlockGuard guard(Scheduler::lock);
    Scheduler::wake_locked(thread, WakeReason::Woken);
}

bool interrupt_sleep(Thread& thread, bool fatal) {
    SpinlockGuard guard(Scheduler::lock);
    return Scheduler::wake_locked(thread, WakeReason::Signal, fatal);
}

void set_signal_pending_hook(SignalPendingHook hook) { Scheduler::signal_pending_hook = hook; }
void set_return_to_user_hook(ReturnToUserHook hook) { Scheduler::return_to_user_hook = hook; }
void request_return_work(Thread& thread) { Scheduler::request_return_work(thread); }

uint64_t context_switch_count() { return Scheduler::switch_count; }

CpuTimes cpu_times() {
    SpinlockGuard guard(Scheduler::lock);
    return {Scheduler::cpu_user_ns, Scheduler::cpu_system_ns, Scheduler::cpu_idle_ns, Scheduler::switch_count};
}

size_t runnable_thread_count() {
    SpinlockGuard guard(Scheduler::lock);
    return Scheduler::runnable_locked();
}

void load_averages(uint64_t out[3]) {
    SpinlockGuard guard(Scheduler::lock);
    for (int i = 0; i < 3; ++i)
        out[i] = Scheduler::load_average[i];
}
uint64_t reaped_thread_count() { return Scheduler::reaped_count; }
size_t live_thread_count() { return Scheduler::live_count; }

void wait_for_reaper() {
    for (;;) {
        {
            SpinlockGuard guard(Scheduler::lock);
            // The reaper sleeps only with the dead list empty and nothing in hand.
            if (Scheduler::dead_threads->is_empty() &&
                Scheduler::reaper_thread->state() == ThreadState::Sleeping)
                return;
        }
        (void)sleep_for(100000); // 0.1 ms: the reaper runs meanwhile
    }
}

void set_tick_observer(void (*observer)()) { Scheduler::tick_observer = observer; }

void preempt_disable() { ++Scheduler::preempt_count; }
void preempt_enable() {
    VERIFY(Scheduler::preempt_count > 0);
    if (--Scheduler::preempt_count == 0 && Scheduler::need_resched &&
        (arch::read_rflags() & arch::rflags_interrupt_enable))
        Scheduler::schedule(true);
}

// --- wait.h ----------------------------------------------------------------------

Deadline Deadline::after(uint64_t nanoseconds) {
    uint64_t now = monotonic_ns();
    return Deadline{nanoseconds > ~0ull - now ? ~0ull : now + nanoseconds};
}

namespace detail {
Result<void> sleep_interruption(BlockMode mode, Deadline deadline) {
    if (mode != BlockMode::Uninterruptible && Scheduler::signal_pending_hook &&
        Scheduler::signal_pending_hook(*Scheduler::current_thread, mode == BlockMode::Killable))
        return mode == BlockMode::Killable ? EINTR : ERESTARTSYS;
    if (!deadline.is_never() && monotonic_ns() >= deadline.ns)
        return ETIMEDOUT;
    return {};
}

WakeReason sleep_once(BlockMode mode, Deadline deadline) { return Scheduler::sleep_once(mode, deadline); }
} // namespace detail

// --- The arch layer's calls up ----------------------------------------------------


} // namespace charon::sched

using namespace charon;
using namespace charon::sched;

extern "C" void sched_after_first_switch() { Scheduler::lock.unlock(); }

extern "C" [[noreturn]] void sched_kernel_thread_returned() { Scheduler::exit_current(); }

// Kernel-mode preemption is for kernel threads only. A user thread inside a
// syscall is not preempted (Linux's PREEMPT_NONE): the fs and proc code may
// rely on running uninterrupted between sleeps (docs/fs.md), and the thread
// reschedules at its return to user mode, or when it sleeps, within a slice.
extern "C" void sched_preempt_from_interrupt() {
    if (Scheduler::running && Scheduler::need_resched && Scheduler::preempt_count == 0 &&
        !Scheduler::current_thread->is_user())
        Scheduler::schedule(true);
}

extern "C" bool sched_prepare_return_to_user(arch::SyscallFrame* frame) {
    return Scheduler::prepare_return_to_user(*frame);
}

void charon::WaitQueue::wake_sleeper(void* sleeper) {
    if (sleeper)
        sched::wake(*static_cast<Thread*>(sleeper));
}
