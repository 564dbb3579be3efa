// WaitQueue: a place for threads to sleep until some condition may have
// changed. Portable code (kernel/proc, pipes, ...) owns queues and wakes them;
// only the scheduler puts threads to sleep on them.
//
// No lost wake-ups: a sleeper joins the queue (or samples `generation`) before
// it checks its condition, and sleeps only if no wake happened since. Every
// wake bumps `generation`, so a wake between the check and the sleep is seen.
#pragma once

#include <cstdint>

#include "intrusive_list.h"
#include "spinlock.h"

namespace charon {

struct Waiter {
    ListNode node;
    void* sleeper = nullptr; // the scheduler's thread; opaque here
    bool woken = false;
};

// Every operation runs with interrupts off: on one CPU that makes each
// atomic against interrupt-time wakers and against preemption, whatever lock
// (if any) the caller holds. (SMP will need a lock per queue.)
class WaitQueue {
public:
    uint64_t generation() const { return m_generation; }
    bool has_waiters() const { return !m_waiters.is_empty(); }

    void add(Waiter& waiter) {
        uint64_t saved = interrupts_save_and_disable();
        waiter.woken = false;
        m_waiters.push_back(waiter);
        interrupts_restore(saved);
    }
    void remove(Waiter& waiter) {
        uint64_t saved = interrupts_save_and_disable();
        if (waiter.node.is_linked())
            decltype(m_waiters)::remove(waiter);
        interrupts_restore(saved);
    }

    // Wakes every sleeper; they re-check their condition themselves.
    void wake_all() {
        uint64_t saved = interrupts_save_and_disable();
        ++m_generation;
        while (Waiter* waiter = m_waiters.take_first()) {
            waiter->woken = true;
            wake_sleeper(waiter->sleeper);
        }
        interrupts_restore(saved);
    }
    // Wakes at most one sleeper (futex-style); returns whether one was woken.
    bool wake_one() {
        uint64_t saved = interrupts_save_and_disable();
        ++m_generation;
        Waiter* waiter = m_waiters.take_first();
        if (waiter) {
            waiter->woken = true;
            wake_sleeper(waiter->sleeper);
        }
        interrupts_restore(saved);
        return waiter != nullptr;
    }

private:
    // Implemented by the scheduler (kernel/sched) in the kernel and by the
    // host test support in hosted builds. Must tolerate a null sleeper.
    static void wake_sleeper(void* sleeper);

    IntrusiveList<Waiter, &Waiter::node> m_waiters;
    uint64_t m_generation = 0;
};

} // namespace charon
