// Spinlock with a rank. One CPU today, but every shared structure still has a
// named lock so that SMP can follow without a rewrite. Taking a lock disables
// interrupts (an interrupt handler may need the same lock), and ranks enforce
// the documented lock order: a lock may only be taken while every lock already
// held has a lower rank. A violation is a VERIFY failure, caught by the unit
// tests and simulations, not a deadlock found in the field.
//
// The rank table lives here so the whole order is visible on one screen:
#pragma once

#include <cstdint>

#include "verify.h"

namespace charon {

enum class LockRank : uint8_t {
    // Lower ranks are taken first.
    Namespace = 5,     // kernel/fs: the Vfs's directory tree, inode metadata, mount table (fs/vfs.h)
    ProcessTree = 10,  // kernel/proc: tree, pids, groups, sessions, wait events
    SignalHand = 20,   // kernel/proc: a process's dispositions and pending sets
    FileTable = 30,    // kernel/fs: a process's descriptor table
    Pipe = 40,         // kernel/fs: one pipe's buffer
    TimerFd = 42,      // kernel/fs: the timerfds' timers, deadline heaps and read queues (fs/timerfd.h)
    Tty = 45,          // kernel/fs: a terminal's line discipline (the receive interrupt takes it)
    AddressSpace = 50, // kernel/mm: one address space's VMAs and page tables
    FileData = 55,     // kernel/fs: one regular file's page index and size (taken by page faults)
    Scheduler = 60,    // kernel/sched: run queue and thread states
    KernelVm = 65,     // kernel/mm: kernel-half virtual ranges (stacks, large heap blocks)
    FrameAllocator = 70, // kernel/mm: physical frames
    Heap = 80,         // kernel/mm: kernel heap
    Random = 85,       // kernel/drivers: the random generator's key and counter
    Console = 90,      // serial output; last so that logging works under any lock
};

// Implemented by kernel/arch (cli/sti through RFLAGS) and by the host test
// support (no interrupts there).
uint64_t interrupts_save_and_disable();
void interrupts_restore(uint64_t saved);

namespace lock_debug {
// Bitmask of ranks held on this CPU (rank values < 128 map to bits / 2).
void note_acquire(LockRank rank, const char* name);
void note_release(LockRank rank);
// Whether `rank` is the only rank held: the scheduler switches threads
// holding its own lock and nothing else (a thread that sleeps or yields
// holding a spinlock would leave it locked for everyone else).
bool holds_only(LockRank rank);
} // namespace lock_debug

class Spinlock {
public:
    constexpr Spinlock(const char* name, LockRank rank) : m_name(name), m_rank(rank) {}
    Spinlock(const Spinlock&) = delete;
    Spinlock& operator=(const Spinlock&) = delete;

    void lock() {
        uint64_t saved = interrupts_save_and_disable();
        lock_debug::note_acquire(m_rank, m_name);
        while (__atomic_exchange_n(&m_locked, true, __ATOMIC_ACQUIRE))
            __builtin_ia32_pause();
        m_saved_interrupts = saved;
    }
    void unlock() {
        VERIFY(m_locked);
        uint64_t saved = m_saved_interrupts;
        __atomic_store_n(&m_locked, false, __ATOMIC_RELEASE);
        lock_debug::note_release(m_rank);
        interrupts_restore(saved);
    }
    bool is_locked() const { return __atomic_load_n(&m_locked, __ATOMIC_RELAXED); }
    const char* name() const { return m_name; }
    LockRank rank() const { return m_rank; }

private:
    const char* m_name;
    LockRank m_rank;
    bool m_locked = false;
    uint64_t m_saved_interrupts = 0;
};

class [[nodiscard]] SpinlockGuard {
public:
    explicit SpinlockGuard(Spinlock& lock) : m_lock(lock) { m_lock.lock(); }
    ~SpinlockGuard() { m_lock.unlock(); }
    SpinlockGuard(const SpinlockGuard&) = delete;
    SpinlockGuard& operator=(const SpinlockGuard&) = delete;

private:
    Spinlock& m_lock;
};

} // namespace charon
