// Sleeping without lost wake-ups.
//
// The rule (docs/scheduler.md): a thread sleeps only after it has made
// itself findable by every waker (its Waiter is on the queue) and has
// re-checked its condition with interrupts off; a wake in between either
// changed the condition the check sees or set `waiter.woken`. On one CPU,
// "interrupts off" excludes every other waker (threads cannot run, IRQ
// handlers cannot fire), which is why a WaitQueue needs no lock of its own
// for add/remove here; wakers call wake_*() under their own lock (pipe,
// process tree) with interrupts off too. (SMP will need a per-queue lock.)
//
// Three ways to block, from most to least convenient:
//   block_until(queue, attempt, mode, deadline)   attempt() -> Result<T>; EAGAIN = retry after a wake
//   sleep_if_unchanged(queue, generation, ...)    the core's protocol (proc/lifecycle.h)
//   sleep_on(waiter, ...) / sleep_on_any(...)     fs/blocking.h's `sleep`; poll (several queues)
// and the primitive under them all, sleep_until(condition, mode, deadline).
//
// Results: ok when the condition holds; ERESTARTSYS when an Interruptible
// sleep is ended by a signal (the signal-delivery path turns it into EINTR
// or a restart), EINTR when a Killable one is ended by a fatal signal,
// ETIMEDOUT at the deadline.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"
#include "lib/spinlock.h"
#include "lib/wait_queue.h"
#include "sched/scheduler.h"

namespace charon::sched {

// An absolute time on the monotonic clock (time/clock.h monotonic_ns()).
struct Deadline {
    uint64_t ns = ~0ull;

    static constexpr Deadline never() { return Deadline{}; }
    static constexpr Deadline at(uint64_t monotonic_ns) { return Deadline{monotonic_ns}; }
    static Deadline after(uint64_t nanoseconds);
    bool is_never() const { return ns == ~0ull; }
};

namespace detail {
// Both expect interrupts off. The first says why a sleep must not start or
// go on (a signal for `mode`, the deadline); the second sleeps once, until
// any wake, the deadline or a signal for `mode`.
Result<void> sleep_interruption(BlockMode mode, Deadline deadline);
WakeReason sleep_once(BlockMode mode, Deadline deadline);

class InterruptsOff {
public:
    InterruptsOff() : m_saved(interrupts_save_and_disable()) {}
    ~InterruptsOff() { interrupts_restore(m_saved); }
    InterruptsOff(const InterruptsOff&) = delete;
    InterruptsOff& operator=(const InterruptsOff&) = delete;

private:
    uint64_t m_saved;
};
} // namespace detail

// Sleeps until condition() is true. The condition runs with interrupts off
// (keep it to reading a few fields), before the first sleep and after every
// wake-up; wakes that find it false put the thread back to sleep.
template <typename Condition>
Result<void> sleep_until(Condition condition, BlockMode mode = BlockMode::Interruptible,
                         Deadline deadline = Deadline::never()) {
    detail::InterruptsOff off;
    for (;;) {
        if (condition())
            return {};
        auto stop = detail::sleep_interruption(mode, deadline);
        if (stop.is_error())
            return stop;
        detail::sleep_once(mode, deadline);
    }
}

// Until a wake on the waiter's queue (waiter.woken). The waiter must be on
// its queue already, with waiter.sleeper == &current().
Result<void> sleep_on(Waiter& waiter, BlockMode mode = BlockMode::Interruptible,
                      Deadline deadline = Deadline::never());
// Until any of the waiters is woken (poll/select on several queues: one
// Waiter per queue, all with sleeper == &current()).
Result<void> sleep_on_any(Waiter* const* waiters, size_t count, BlockMode mode = BlockMode::Interruptible,
                          Deadline deadline = Deadline::never());

// The lifecycle core's protocol: sleep on `queue` unless it was woken since
// the caller observed `generation` (under the lock that guards its state).
// Returns after one wake (or at once): the caller asks the core again.
Result<void> sleep_if_unchanged(WaitQueue& queue, uint64_t generation, BlockMode mode = BlockMode::Interruptible,
                                Deadline deadline = Deadline::never());

// Runs attempt() until it returns anything but EAGAIN, sleeping on `queue`
// in between. The thread joins the queue *before* each attempt, so a wake
// issued after attempt() saw "not yet" is never lost.
template <typename Attempt>
auto block_until(WaitQueue& queue, Attempt attempt, BlockMode mode = BlockMode::Interruptible,
                 Deadline deadline = Deadline::never()) -> decltype(attempt()) {
    Waiter waiter;
    waiter.sleeper = &current();
    for (;;) {
        {
            detail::InterruptsOff off;
            queue.add(waiter);
        }
        auto result = attempt();
        if (!result.is_error() || result.error().code() != EAGAIN) {
            detail::InterruptsOff off;
            queue.remove(waiter);
            return result;
        }
        auto slept = sleep_on(waiter, mode, deadline);
        {
            detail::InterruptsOff off;
            queue.remove(waiter);
        }
        if (slept.is_error())
            return slept.error();
    }
}

// Sleeps for at least `nanoseconds` (ok), or until a signal for `mode`.
Result<void> sleep_for(uint64_t nanoseconds, BlockMode mode = BlockMode::Uninterruptible);

} // namespace charon::sched
