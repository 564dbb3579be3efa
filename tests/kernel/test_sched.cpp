// The scheduler: switching between kernel threads, preemption by the timer,
// thread exit and the reaper, sleeping and waking, timeouts, signals ending
// sleeps, and no lost wake-ups against an interrupt-time waker.
#include "arch/x86_64/context.h"
#include "arch/x86_64/user_entry.h"
#include "ktest.h"
#include "lib/wait_queue.h"
#include "mm/heap.h"
#include "mm/kernel_vm.h"
#include "sched/scheduler.h"
#include "sched/wait.h"
#include "time/clock.h"

using namespace charon;
using namespace charon::sched;

namespace {

constexpr uint64_t ms = 1000000;

// Polls `done` every millisecond for at most `limit_ms`.
template <typename Done>
bool wait_for(Done done, uint64_t limit_ms = 2000) {
    for (uint64_t i = 0; i < limit_ms; ++i) {
        if (done())
            return true;
        (void)sleep_for(ms);
    }
    return done();
}

// Waits, at the end of a test, until every thread it started has been
// reaped, so later tests measuring the heap or stacks start from a quiet
// system.
class AllReaped {
public:
    AllReaped() : m_threads(live_thread_count()) {}
    ~AllReaped() { wait_for([&] { return live_thread_count() <= m_threads; }); }

private:
    size_t m_threads;
};

Thread* spawn(const char* name, void (*entry)(void*), void* argument) {
    auto thread = create_kernel_thread(name, entry, argument);
    if (thread.is_error())
        return nullptr;
    start(*thread.value());
    return thread.value();
}

// --- switching -----------------------------------------------------------------

struct PingPong {
    char trace[16];
    volatile int length = 0;
    volatile int finished = 0;
};

void ping_pong_thread(void* argument, char letter) {
    auto* state = static_cast<PingPong*>(argument);
    for (int i = 0; i < 3; ++i) {
        state->trace[state->length] = letter;
        state->length = state->length + 1;
        yield();
    }
    state->finished = state->finished + 1;
}

} // namespace

KERNEL_TEST(sched_yield_switches_between_kernel_threads) {
    AllReaped all_reaped;
    PingPong state;
    uint64_t switches = context_switch_count();
    auto ping = create_kernel_thread("ping", [](void* a) { ping_pong_thread(a, 'A'); }, &state);
    auto pong = create_kernel_thread("pong", [](void* a) { ping_pong_thread(a, 'B'); }, &state);
    KASSERT(!ping.is_error() && !pong.is_error());
    {
        // Both runnable before either runs (a tick between the two starts
        // could let the first one run alone).
        detail::InterruptsOff off;
        start(*ping.value());
        start(*pong.value());
    }
    KASSERT(wait_for([&] { return state.finished == 2; }));
    KASSERT_EQ(state.length, 6);
    // Each yield hands the CPU to the other thread: strictly alternating.
    for (int i = 1; i < 6; ++i)
        KEXPECT_NE(state.trace[i], state.trace[i - 1]);
    KEXPECT_GE(context_switch_count(), switches + 6);
}

namespace {
struct Spinner {
    volatile bool stop = false;
    volatile bool finished = false;
    volatile uint64_t spins = 0;
    uint64_t involuntary = 0;
    uint64_t system_ns = 0;
};
} // namespace

KERNEL_TEST(sched_timer_preempts_a_busy_kernel_thread) {
    AllReaped all_reaped;
    Spinner spinner;
    KASSERT(spawn("spinner",
                  [](void* a) {
                      auto* s = static_cast<Spinner*>(a);
                      // Never yields, never sleeps: only the timer can take the CPU away.
                      while (!s->stop)
                          s->spins = s->spins + 1;
                      s->involuntary = current().involuntary_switches();
                      s->system_ns = current().system_ns();
                      s->finished = true;
                  },
                  &spinner));
    // This thread gets the CPU back only if the spinner is preempted.
    uint64_t start_ns = monotonic_ns();
    yield();
    KEXPECT_GT(spinner.spins, 0u);
    (void)sleep_for(30 * ms);
    uint64_t spins = spinner.spins;
    (void)sleep_for(30 * ms);
    KEXPECT_GT(spinner.spins, spins); // ran while we slept
    spinner.stop = true;
    KASSERT(wait_for([&] { return spinner.finished; }));
    KEXPECT_GT(spinner.involuntary, 0u);
    // Its ticks were charged as system time (it never left kernel mode).
    KEXPECT_GT(spinner.system_ns, 0u);
    KEXPECT_LT(monotonic_ns() - start_ns, 10000 * ms);
}

KERNEL_TEST(sched_slices_share_the_cpu_between_busy_threads) {
    AllReaped all_reaped;
    Spinner a, b;
    auto body = [](void* arg) {
        auto* s = static_cast<Spinner*>(arg);
        while (!s->stop)
            s->spins = s->spins + 1;
        s->finished = true;
    };
    KASSERT(spawn("busy-a", body, &a));
    KASSERT(spawn("busy-b", body, &b));
    (void)sleep_for(100 * ms);
    a.stop = true;
    b.stop = true;
    KASSERT(wait_for([&] { return a.finished && b.finished; }));
    // Round robin: both made progress while both wanted the CPU.
    KEXPECT_GT(a.spins, 0u);
    KEXPECT_GT(b.spins, 0u);
}

KERNEL_TEST(sched_exited_threads_free_their_stacks) {
    // Let earlier tests' threads be reaped first.
    (void)sleep_for(5 * ms);
    size_t stacks = mm::live_kernel_stack_count();
    size_t threads = live_thread_count();
    size_t heap = mm::heap_bytes_in_use();
    uint64_t reaped = reaped_thread_count();
    static volatile int ran;
    ran = 0;
    constexpr int count = 40;
    for (int i = 0; i < count; ++i) {
        KASSERT(spawn("short", [](void*) { ran = ran + 1; }, nullptr));
        if (i % 8 == 7)
            yield();
    }
    KEXPECT_GT(mm::live_kernel_stack_count(), stacks);
    KASSERT(wait_for([&] { return reaped_thread_count() >= reaped + count; }));
    KEXPECT_EQ(ran, count);
    KEXPECT_EQ(mm::live_kernel_stack_count(), stacks);
    KEXPECT_EQ(live_thread_count(), threads);
    KEXPECT_EQ(mm::heap_bytes_in_use(), heap);
}

// --- sleeping ------------------------------------------------------------------

namespace {
struct Sleeper {
    WaitQueue queue;
    volatile int value = 0;
    volatile bool finished = false;
    Errno error = Errno(0);
    BlockMode mode = BlockMode::Interruptible;
    Deadline deadline;
    Thread* thread = nullptr;
};

void sleeper_main(void* argument) {
    auto* s = static_cast<Sleeper*>(argument);
    s->thread = &current();
    auto result = block_until(
        s->queue,
        [&]() -> Result<int> {
            if (s->value == 0)
                return EAGAIN;
            return static_cast<int>(s->value);
        },
        s->mode, s->deadline);
    if (result.is_error())
        s->error = result.error().code();
    s->finished = true;
}
} // namespace

KERNEL_TEST(sched_block_until_sleeps_until_woken) {
    AllReaped all_reaped;
    Sleeper s;
    KASSERT(spawn("sleeper", sleeper_main, &s));
    KASSERT(wait_for([&] { return s.thread && s.thread->state() == ThreadState::Sleeping; }));
    // A wake without the condition: the sleeper checks and sleeps again.
    s.queue.wake_all();
    (void)sleep_for(3 * ms);
    KEXPECT(!s.finished);
    KEXPECT_EQ(s.thread->state(), ThreadState::Sleeping);
    s.value = 7;
    s.queue.wake_all();
    KASSERT(wait_for([&] { return s.finished; }));
    KEXPECT_EQ(s.error, Errno(0));
    KEXPECT(!s.queue.has_waiters());
}

KERNEL_TEST(sched_sleep_times_out) {
    AllReaped all_reaped;
    Sleeper s;
    s.deadline = Deadline::after(20 * ms);
    uint64_t start_ns = monotonic_ns();
    KASSERT(spawn("timeout", sleeper_main, &s));
    KASSERT(wait_for([&] { return s.finished; }));
    uint64_t elapsed = monotonic_ns() - start_ns;
    KEXPECT_EQ(s.error, ETIMEDOUT);
    KEXPECT_GE(elapsed, 20 * ms);
    KEXPECT_LT(elapsed, 500 * ms);
    KEXPECT(!s.queue.has_waiters());

    // And on the current thread, with nothing else runnable.
    start_ns = monotonic_ns();
    KEXPECT(!sleep_for(15 * ms).is_error());
    KEXPECT_GE(monotonic_ns() - start_ns, 15 * ms);
}

KERNEL_TEST(sched_sleep_timeouts_fire_in_deadline_order) {
    AllReaped all_reaped;
    static volatile int order[3];
    static volatile int done;
    done = 0;
    struct Arg {
        uint64_t delay; // then the absolute deadline
        int id;
    };
    static Arg args[3] = {{30 * ms, 2}, {10 * ms, 0}, {20 * ms, 1}};
    // Absolute deadlines, fixed before any thread runs: how late each
    // thread starts (a loaded host) cannot reorder them.
    uint64_t base = monotonic_ns();
    for (auto& arg : args)
        arg.delay += base;
    for (auto& arg : args) {
        KASSERT(spawn("timed",
                      [](void* a) {
                          auto* p = static_cast<Arg*>(a);
                          (void)sleep_until([] { return false; }, BlockMode::Uninterruptible,
                                            Deadline::at(p->delay));
                          order[done] = p->id;
                          done = done + 1;
                      },
                      &arg));
    }
    KASSERT(wait_for([&] { return done == 3; }));
    KEXPECT_EQ(order[0], 0);
    KEXPECT_EQ(order[1], 1);
    KEXPECT_EQ(order[2], 2);
}

namespace {
volatile bool g_signal_pending;
volatile bool g_signal_fatal;
bool test_signal_hook(Thread&, bool fatal_only) { return g_signal_pending && (!fatal_only || g_signal_fatal); }
} // namespace

KERNEL_TEST(sched_signals_end_sleeps_by_mode) {
    AllReaped all_reaped;
    set_signal_pending_hook(test_signal_hook);
    g_signal_pending = false;
    g_signal_fatal = false;

    Sleeper interruptible;
    KASSERT(spawn("intr", sleeper_main, &interruptible));
    Sleeper killable;
    killable.mode = BlockMode::Killable;
    KASSERT(spawn("kill", sleeper_main, &killable));
    Sleeper uninterruptible;
    uninterruptible.mode = BlockMode::Uninterruptible;
    KASSERT(spawn("unint", sleeper_main, &uninterruptible));
    KASSERT(wait_for([&] {
        return interruptible.thread && killable.thread && uninterruptible.thread &&
               interruptible.thread->state() == ThreadState::Sleeping &&
               killable.thread->state() == ThreadState::Sleeping &&
               uninterruptible.thread->state() == ThreadState::Sleeping;
    }));

    g_signal_pending = true;
    KEXPECT(interrupt_sleep(*interruptible.thread, false));
    KEXPECT(!interrupt_sleep(*killable.thread, false));
    KEXPECT(!interrupt_sleep(*uninterruptible.thread, false));
    KASSERT(wait_for([&] { return interruptible.finished; }));
    KEXPECT_EQ(interruptible.error, ERESTARTSYS);
    (void)sleep_for(3 * ms);
    KEXPECT(!killable.finished);

    g_signal_fatal = true;
    KEXPECT(interrupt_sleep(*killable.thread, true));
    KEXPECT(!interrupt_sleep(*uninterruptible.thread, true));
    KASSERT(wait_for([&] { return killable.finished; }));
    KEXPECT_EQ(killable.error, EINTR);
    (void)sleep_for(3 * ms);
    KEXPECT(!uninterruptible.finished);

    // A signal already pending when an interruptible sleep starts ends it at once.
    Sleeper late;
    KASSERT(spawn("late", sleeper_main, &late));
    KASSERT(wait_for([&] { return late.finished; }));
    KEXPECT_EQ(late.error, ERESTARTSYS);

    uninterruptible.value = 1;
    uninterruptible.queue.wake_all();
    KASSERT(wait_for([&] { return uninterruptible.finished; }));
    KEXPECT_EQ(uninterruptible.error, Errno(0));
    set_signal_pending_hook(nullptr);
    g_signal_pending = false;
    g_signal_fatal = false;
}

// --- no lost wake-ups ---------------------------------------------------------------

namespace {
// An interrupt-time waker: each request is answered by exactly one
// wake_all() from the timer tick. A sleeper that missed it would sleep until
// its deadline, so ETIMEDOUT here means a lost wake-up.
struct IrqWaker {
    WaitQueue queue;
    volatile uint64_t requested = 0;
    volatile uint64_t answered = 0;
};
IrqWaker* g_irq_waker;

void irq_waker_tick() {
    IrqWaker* waker = g_irq_waker;
    if (waker && waker->answered != waker->requested) {
        waker->answered = waker->requested;
        waker->queue.wake_all();
    }
}
} // namespace

KERNEL_TEST(sched_no_lost_wakeup_against_a_timer_interrupt_waker) {
    IrqWaker waker;
    g_irq_waker = &waker;
    set_tick_observer(irq_waker_tick);
    unsigned timeouts = 0, rounds = 150;
    for (unsigned round = 1; round <= rounds; ++round) {
        waker.requested = round;
        uint64_t spin = (round * 7919) % 20000; // vary where the tick lands
        auto result = block_until(
            waker.queue,
            [&]() -> Result<void> {
                bool ready = waker.answered == round;
                for (uint64_t i = 0; i < spin; ++i)
                    asm volatile("" ::: "memory");
                if (!ready)
                    return EAGAIN;
                return {};
            },
            BlockMode::Uninterruptible, Deadline::after(2000 * ms));
        if (result.is_error())
            ++timeouts;
    }
    set_tick_observer(nullptr);
    g_irq_waker = nullptr;
    KEXPECT_EQ(timeouts, 0u);
    KEXPECT(!waker.queue.has_waiters());
}

// --- FPU state per thread -----------------------------------------------------------

namespace {
struct FpuCheck {
    uint64_t pattern;
    volatile bool finished = false;
    bool intact = false;
};

void fpu_thread(void* argument) {
    auto* check = static_cast<FpuCheck*>(argument);
    uint64_t out = 0;
    // The kernel is built without SSE; this asm owns xmm5 across yields.
    asm volatile("movq %0, %%xmm5" ::"r"(check->pattern));
    for (int i = 0; i < 5; ++i)
        yield();
    (void)sleep_for(2 * ms);
    asm volatile("movq %%xmm5, %0" : "=r"(out));
    check->intact = out == check->pattern;
    check->finished = true;
}
} // namespace

KERNEL_TEST(sched_fpu_registers_are_per_thread) {
    AllReaped all_reaped;
    FpuCheck a{0x1111222233334444}, b{0x5555666677778888};
    KASSERT(spawn("fpu-a", fpu_thread, &a));
    KASSERT(spawn("fpu-b", fpu_thread, &b));
    KASSERT(wait_for([&] { return a.finished && b.finished; }));
    KEXPECT(a.intact);
    KEXPECT(b.intact);
}

KERNEL_TEST(sched_fork_inherits_and_exec_resets_user_state) {
    arch::ThreadContext& self = current().context();
    uint64_t saved_fs = self.fs_base;
    auto child = create_user_thread("child", 0, arch::initial_user_frame(0x400000, 0x800000));
    KASSERT(!child.is_error());
    arch::load_fs_base(self, 0x1234000);
    asm volatile("movq %0, %%xmm5" ::"r"(0x0123456789abcdefull));
    inherit_user_state(*child.value());
    // FXSAVE layout: XMM registers from byte 160, 16 bytes each.
    uint64_t xmm5 = 0;
    __builtin_memcpy(&xmm5, &child.value()->context().fpu.bytes[160 + 5 * 16], sizeof(xmm5));
    KEXPECT_EQ(xmm5, 0x0123456789abcdefu);
    KEXPECT_EQ(child.value()->context().fs_base, 0x1234000u);

    reset_user_state_for_exec();
    uint64_t after = 1;
    asm volatile("movq %%xmm5, %0" : "=r"(after));
    KEXPECT_EQ(after, 0u);
    KEXPECT_EQ(self.fs_base, 0u);
    arch::FpuState state;
    arch::fpu_save(state);
    KEXPECT_EQ(state.fcw(), 0x37fu);
    KEXPECT_EQ(state.mxcsr(), 0x1f80u);
    arch::load_fs_base(self, saved_fs);

    // Never started: freed at once, the way a failed fork would.
    destroy_unstarted(*child.value());
}

KERNEL_TEST(sched_sleep_on_any_of_several_queues) {
    AllReaped all_reaped;
    struct Poller {
        WaitQueue queues[3];
        Waiter waiters[3];
        volatile bool finished = false;
        volatile int which = -1;
        Thread* thread = nullptr;
    };
    static Poller poller;
    poller.finished = false;
    poller.which = -1;
    poller.thread = nullptr;
    KASSERT(spawn("poller",
                  [](void*) {
                      Waiter* list[3];
                      for (int i = 0; i < 3; ++i) {
                          poller.waiters[i].sleeper = &current();
                          poller.queues[i].add(poller.waiters[i]);
                          list[i] = &poller.waiters[i];
                      }
                      poller.thread = &current();
                      auto result = sleep_on_any(list, 3, BlockMode::Uninterruptible);
                      for (int i = 0; i < 3; ++i) {
                          poller.queues[i].remove(poller.waiters[i]);
                          if (poller.waiters[i].woken)
                              poller.which = i;
                      }
                      poller.finished = !result.is_error();
                  },
                  nullptr));
    KASSERT(wait_for([] { return poller.thread && poller.thread->state() == ThreadState::Sleeping; }));
    poller.queues[1].wake_one();
    KASSERT(wait_for([] { return poller.finished; }));
    KEXPECT_EQ(poller.which, 1);
    for (auto& queue : poller.queues)
        KEXPECT(!queue.has_waiters());
}

KERNEL_TEST(sched_sleep_if_unchanged_sees_an_earlier_wake) {
    WaitQueue queue;
    uint64_t generation = queue.generation();
    queue.wake_all(); // nobody there yet: only the generation moves
    // The core's protocol: the wake happened after the decision, so no sleep.
    uint64_t start_ns = monotonic_ns();
    auto result = sleep_if_unchanged(queue, generation, BlockMode::Uninterruptible, Deadline::after(1000 * ms));
    KEXPECT(!result.is_error());
    KEXPECT_LT(monotonic_ns() - start_ns, 500 * ms);
    KEXPECT(!queue.has_waiters());
    // Unchanged: it sleeps until the deadline.
    result = sleep_if_unchanged(queue, queue.generation(), BlockMode::Uninterruptible, Deadline::after(5 * ms));
    KEXPECT(result.is_error() && result.error().code() == ETIMEDOUT);
}

KERNEL_TEST(sched_hand_off_runs_the_target_next) {
    AllReaped all_reaped;
    static volatile int order[2];
    static volatile int count;
    count = 0;
    // Two runnable threads; handing off to the second lets it overtake the first.
    auto first = create_kernel_thread("first", [](void*) { order[count] = 1; count = count + 1; }, nullptr);
    auto second = create_kernel_thread("second", [](void*) { order[count] = 2; count = count + 1; }, nullptr);
    KASSERT(!first.is_error() && !second.is_error());
    {
        detail::InterruptsOff off; // no tick in between
        start(*first.value());
        start(*second.value());
        hand_off_to(*second.value());
    }
    yield();
    KASSERT(wait_for([] { return count == 2; }));
    KEXPECT_EQ(order[0], 2);
    KEXPECT_EQ(order[1], 1);
}
