// futex(2): WAIT/WAKE (and the BITSET variants, REQUEUE). Keys as Linux's
// get_futex_key: a private futex (FUTEX_PRIVATE_FLAG, or any futex on
// private memory) is (address space, address); a shared futex on a
// MAP_SHARED mapping is (backing object, offset), so processes mapping the
// same memory meet on it.
//
// No lost wake-up: the waiter is on the list before it reads the futex
// word, so a FUTEX_WAKE issued after the value changed finds it.
#include "mm/address_space.h"
#include "sched/scheduler.h"
#include "sched/wait.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"
#include "time/clock.h"

namespace charon {

namespace {

constexpr int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAIT_BITSET = 9,
              FUTEX_WAKE_BITSET = 10;
constexpr int FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
constexpr uint32_t FUTEX_BITSET_MATCH_ANY = ~0u;

struct FutexWaiter {
    FutexWaiter* next = nullptr;
    const void* space = nullptr; // Key.object
    uint64_t address = 0;        // Key.offset
    uint32_t bitset = 0;
    sched::Thread* thread = nullptr;
    bool woken = false;
};

// Guarded by interrupts off (one CPU, see sched/wait.h).
FutexWaiter* g_waiters;

struct Key {
    const void* object;
    uint64_t offset;
};

Key key_for(mm::AddressSpace* space, uint64_t address, bool shared) {
    if (shared && space) {
        mm::Vma vma = space->vma_at(address);
        if (vma.end && vma.is_shared() && vma.backing)
            return Key{vma.backing.ptr(), vma.offset_of(address)};
    }
    return Key{space, address};
}

void unlink(FutexWaiter& w) {
    for (FutexWaiter** p = &g_waiters; *p; p = &(*p)->next) {
        if (*p == &w) {
            *p = w.next;
            return;
        }
    }
}

struct TimeSpec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

Result<long> futex_wait(uint64_t address, uint32_t value, sched::Deadline deadline, uint32_t bitset, bool shared);

// restart_syscall after a timed wait was stopped and continued: the same
// word, value and deadline (Linux's futex_wait_restart).
Result<long> futex_wait_restart(task::RestartBlock& block) {
    return futex_wait(block.address, static_cast<uint32_t>(block.count), sched::Deadline::at(block.deadline_ns),
                      block.bitset, block.shared);
}

// The wait's deadline from its timeout argument (none: never).
Result<sched::Deadline> futex_deadline(uint64_t timeout_address, bool absolute, bool realtime) {
    if (!timeout_address)
        return sched::Deadline::never();
    TimeSpec ts;
    TRY(copy_from_user(&ts, timeout_address, sizeof(ts)));
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return EINVAL;
    uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
    if (!absolute)
        return sched::Deadline::after(ns);
    if (realtime) {
        uint64_t now_real = task::realtime_ns();
        ns = ns > now_real ? monotonic_ns() + (ns - now_real) : 0;
    }
    return sched::Deadline::at(ns);
}

Result<long> futex_wait(uint64_t address, uint32_t value, sched::Deadline deadline, uint32_t bitset, bool shared) {
    FutexWaiter w;
    Key key = key_for(mm::current_address_space(), address, shared);
    w.space = key.object;
    w.address = key.offset;
    w.bitset = bitset;
    w.thread = &sched::current();
    {
        sched::detail::InterruptsOff off;
        w.next = g_waiters;
        g_waiters = &w;
    }
    uint32_t current;
    auto read = copy_from_user(&current, address, sizeof(current));
    if (read.is_error() || current != value) {
        sched::detail::InterruptsOff off;
        if (!w.woken)
            unlink(w);
        if (read.is_error())
            return read.error();
        return EAGAIN;
    }
    auto slept = sched::sleep_until([&] { return w.woken; }, sched::BlockMode::Interruptible, deadline);
    {
        sched::detail::InterruptsOff off;
        if (!w.woken)
            unlink(w);
    }
    if (w.woken)
        return 0;
    if (slept.is_error() && slept.error().code() == ETIMEDOUT)
        return ETIMEDOUT;
    // Linux restarts an untimed wait as it was called (ERESTARTSYS), a timed
    // one through the restart block with its deadline (EINTR to any handler).
    if (deadline.is_never())
        return ERESTARTSYS;
    task::RestartBlock& block = task::current_task().restart;
    block.fn = futex_wait_restart;
    block.address = address;
    block.count = value;
    block.deadline_ns = deadline.ns;
    block.bitset = bitset;
    block.shared = shared;
    return ERESTART_RESTARTBLOCK;
}

} // namespace

namespace {
int wake_key(Key key, int count, uint32_t bitset) {
    int woken = 0;
    sched::detail::InterruptsOff off;
    FutexWaiter** p = &g_waiters;
    while (*p && woken < count) {
        FutexWaiter& w = **p;
        if (w.space == key.object && w.address == key.offset && (w.bitset & bitset)) {
            *p = w.next;
            w.woken = true;
            sched::wake(*w.thread);
            ++woken;
        } else {
            p = &w.next;
        }
    }
    return woken;
}
} // namespace

// CLONE_CHILD_CLEARTID: Linux wakes with a shared key.
int task::futex_wake(mm::AddressSpace* space, uint64_t address, int count, uint32_t bitset) {
    return wake_key(key_for(space, address, true), count, bitset);
}

namespace {
// Moves up to `count` waiters of (space, from) to (space, to).
int futex_requeue(Key from, Key to, int count) {
    int moved = 0;
    sched::detail::InterruptsOff off;
    for (FutexWaiter* w = g_waiters; w && moved < count; w = w->next) {
        if (w->space == from.object && w->address == from.offset) {
            w->space = to.object;
            w->address = to.offset;
            ++moved;
        }
    }
    return moved;
}
} // namespace

// futex(uaddr, op, val, timeout | val2, uaddr2, val3)
CHARON_SYSCALL(202, futex, sys_futex);
static Result<long> sys_futex(SyscallArgs const& args) {
    uint64_t address = args.arg[0];
    int op = static_cast<int>(args.arg[1]);
    uint32_t value = static_cast<uint32_t>(args.arg[2]);
    int command = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool realtime = op & FUTEX_CLOCK_REALTIME;
    if (address & 3)
        return EINVAL;
    if (realtime && command != FUTEX_WAIT_BITSET)
        return ENOSYS; // Linux: only the BITSET wait takes a clock
    mm::AddressSpace* space = mm::current_address_space();
    bool shared = !(op & FUTEX_PRIVATE_FLAG);
    int count = static_cast<int>(value) < 0 ? 0x7fffffff : static_cast<int>(value);
    switch (command) {
    case FUTEX_WAIT:
        return futex_wait(address, value, TRY(futex_deadline(args.arg[3], false, false)), FUTEX_BITSET_MATCH_ANY,
                          shared);
    case FUTEX_WAIT_BITSET: {
        sched::Deadline deadline = TRY(futex_deadline(args.arg[3], true, realtime));
        if (static_cast<uint32_t>(args.arg[5]) == 0)
            return EINVAL;
        return futex_wait(address, value, deadline, static_cast<uint32_t>(args.arg[5]), shared);
    }
    case FUTEX_WAKE:
        return wake_key(key_for(space, address, shared), count, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAKE_BITSET:
        if (static_cast<uint32_t>(args.arg[5]) == 0)
            return EINVAL;
        return wake_key(key_for(space, address, shared), count, static_cast<uint32_t>(args.arg[5]));
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
        if (command == FUTEX_CMP_REQUEUE) {
            uint32_t current;
            TRY(copy_from_user(&current, address, sizeof(current)));
            if (current != static_cast<uint32_t>(args.arg[5]))
                return EAGAIN;
        }
        int requeue = static_cast<int>(args.arg[3]) < 0 ? 0x7fffffff : static_cast<int>(args.arg[3]);
        int woken = wake_key(key_for(space, address, shared), count, FUTEX_BITSET_MATCH_ANY);
        return woken + futex_requeue(key_for(space, address, shared), key_for(space, args.arg[4], shared), requeue);
    }
    default:
        return ENOSYS;
    }
}


// --- Robust futexes ------------------------------------------------------
// glibc registers each thread's list of held robust mutexes; when the
// thread dies, the kernel marks each one it still owns FUTEX_OWNER_DIED and
// wakes a waiter (Linux's exit_robust_list), so the next locker gets
// EOWNERDEAD instead of hanging.

namespace {

constexpr uint32_t FUTEX_WAITERS = 0x80000000u, FUTEX_OWNER_DIED = 0x40000000u, FUTEX_TID_MASK = 0x3fffffffu;
constexpr int ROBUST_LIST_LIMIT = 2048;

struct RobustListHead {
    uint64_t next;           // struct robust_list *: the first entry, or the head itself
    int64_t futex_offset;    // from an entry to its futex word
    uint64_t list_op_pending; // an entry being locked or unlocked
};

// handle_futex_death: `pending` entries may be unowned (the lock was being
// taken), then only a waiter is woken.
void futex_death(uint64_t address, uint32_t tid, bool pi, bool pending) {
    if (address & 3)
        return;
    uint32_t value;
    if (copy_from_user(&value, address, sizeof value).is_error())
        return;
    mm::AddressSpace* space = mm::current_address_space();
    if (pending && !pi && value == 0) {
        task::futex_wake(space, address, 1, FUTEX_BITSET_MATCH_ANY);
        return;
    }
    if ((value & FUTEX_TID_MASK) != tid)
        return;
    // One CPU and no preemption in the kernel: the read-modify-write is
    // atomic for every other thread of the process.
    uint32_t marked = (value & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if (copy_to_user(address, &marked, sizeof marked).is_error())
        return;
    if (!pi && (value & FUTEX_WAITERS))
        task::futex_wake(space, address, 1, FUTEX_BITSET_MATCH_ANY);
}

} // namespace

void task::exit_robust_futexes() {
    Task& task = current_task();
    uint64_t head_address = task.robust_list;
    task.robust_list = 0;
    if (!head_address)
        return;
    RobustListHead head;
    if (copy_from_user(&head, head_address, sizeof head).is_error())
        return;
    auto tid = static_cast<uint32_t>(current_thread().tid());
    // Entry pointers carry the PI flag in bit 0.
    uint64_t pending = head.list_op_pending & ~1ull;
    bool pending_pi = head.list_op_pending & 1;
    uint64_t entry = head.next;
    for (int limit = ROBUST_LIST_LIMIT; (entry & ~1ull) != head_address && limit > 0; --limit) {
        uint64_t next;
        if (copy_from_user(&next, entry & ~1ull, sizeof next).is_error())
            return;
        if ((entry & ~1ull) != pending)
            futex_death((entry & ~1ull) + static_cast<uint64_t>(head.futex_offset), tid, entry & 1, false);
        entry = next;
    }
    if (pending)
        futex_death(pending + static_cast<uint64_t>(head.futex_offset), tid, pending_pi, true);
}

// set_robust_list(head, len): len must be sizeof(struct robust_list_head).
CHARON_SYSCALL(273, set_robust_list, sys_set_robust_list);
static Result<long> sys_set_robust_list(SyscallArgs const& args) {
    if (args.arg[1] != sizeof(RobustListHead))
        return EINVAL;
    task::current_task().robust_list = args.arg[0];
    return 0;
}

// get_robust_list(pid, head_ptr, len_ptr): another process's list only
// with the same real/effective uid, or as root (Linux: PTRACE_MODE_READ).
CHARON_SYSCALL(274, get_robust_list, sys_get_robust_list);
static Result<long> sys_get_robust_list(SyscallArgs const& args) {
    auto pid = static_cast<proc::pid_t>(args.arg[0]);
    uint64_t head = 0;
    if (pid == 0) {
        head = task::current_task().robust_list;
    } else {
        struct Lookup {
            uint64_t head = 0;
            bool found = false;
            proc::Credentials credentials;
        } lookup;
        TRY(task::table().with_thread(
            pid,
            [](proc::Thread& thread, void* context) {
                auto& l = *static_cast<Lookup*>(context);
                if (!thread.kernel_thread())
                    return; // exited: its list is gone
                l.found = true;
                l.head = task::task_of(thread).robust_list;
                l.credentials = thread.process().credentials();
            },
            &lookup));
        if (!lookup.found)
            return ESRCH;
        const proc::Credentials& me = task::current_process().credentials();
        if (me.euid != 0 && (me.uid != lookup.credentials.uid || me.uid != lookup.credentials.euid))
            return EPERM;
        head = lookup.head;
    }
    uint64_t length = sizeof(RobustListHead);
    TRY(copy_to_user(args.arg[2], &length, sizeof length));
    TRY(copy_to_user(args.arg[1], &head, sizeof head));
    return 0;
}

} // namespace charon
