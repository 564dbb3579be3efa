// POSIX per-process timers (timer_create and friends) and the CPU-time
// interval timers (ITIMER_VIRTUAL, ITIMER_PROF): Linux's
// kernel/time/posix-timers.c, posix-cpu-timers.c and itimer.c, as decisions.
// The core keeps the timers and their preallocated siginfo; the kernel feeds
// it the wall clocks (its timer thread calls expire_timers) and the CPU time
// (account_cpu, where the CPU-clock timers are checked).
//
// A signalling timer queues its siginfo once: expiries while it is still
// queued count as overruns, reported in si_overrun when it is delivered
// (and then by timer_getoverrun), saturating at DELAYTIMER_MAX.
#include "proc/alloc.h"
#include "proc/lifecycle.h"

namespace charon::proc {

namespace {

constexpr uint64_t kMaxTime = 0x7fffffffffffffffull; // Linux KTIME_MAX

bool is_cpu_clock(int clock) { return clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID; }
bool signals(const PosixTimer& tm) { return tm.notify != SIGEV_NONE; }

// The index of a wall clock's deadline heap (ProcessTable::m_armed_timers).
int base_of(int clock) { return clock == CLOCK_MONOTONIC ? 1 : clock == CLOCK_BOOTTIME ? 2 : 0; }
uint64_t base_now(int base, const ClockReadings& now) {
    return base == 1 ? now.monotonic : base == 2 ? now.boottime : now.realtime;
}

int saturate(uint64_t n) { return n >= static_cast<uint64_t>(DELAYTIMER_MAX) ? DELAYTIMER_MAX : static_cast<int>(n); }

uint64_t add_saturating(uint64_t a, uint64_t b) { return a > kMaxTime - b ? kMaxTime : a + b; }

// Linux's hrtimer_forward: move `expires` (<= now) past `now` by whole
// intervals; returns how many.
uint64_t forward(uint64_t& expires, uint64_t interval, uint64_t now) {
    uint64_t n = (now - expires) / interval + 1;
    expires = add_saturating(expires, n * interval);
    return n;
}

} // namespace

PosixTimer* ProcessTable::find_timer(Process& p, int id) {
    for (auto& tm : p.m_posix_timers)
        if (tm.id == id)
            return &tm;
    return nullptr;
}

// The timer's clock now. A thread CPU clock whose thread is gone stands
// still at 0 (its timer never fires again).
uint64_t ProcessTable::timer_now(PosixTimer& tm, const ClockReadings* now) {
    switch (tm.clock) {
    case CLOCK_PROCESS_CPUTIME_ID:
        return total_user_ns(*tm.process) + total_system_ns(*tm.process);
    case CLOCK_THREAD_CPUTIME_ID: {
        PidSlot* s = slot(tm.cpu_tid);
        Thread* t = s ? s->thread : nullptr;
        return t && &t->process() == tm.process ? t->m_user_ns + t->m_system_ns : 0;
    }
    case CLOCK_MONOTONIC:
        return now->monotonic;
    case CLOCK_BOOTTIME:
        return now->boottime;
    default: // REALTIME, TAI (no leap offset here)
        return now->realtime;
    }
}

void ProcessTable::arm_timer(PosixTimer& tm, uint64_t expires) {
    disarm_timer(tm);
    tm.expires = expires;
    if (!expires || !signals(tm))
        return; // SIGEV_NONE is only ever read (Linux never starts its timer)
    if (is_cpu_clock(tm.clock))
        tm.process->m_armed_cpu_timers++;
    else
        m_armed_timers[base_of(tm.clock)].insert(tm);
}

// A timer expire_timers took off its heap (to fire it) is armed but no
// longer linked.
void ProcessTable::disarm_timer(PosixTimer& tm) {
    if (tm.expires && signals(tm) && is_cpu_clock(tm.clock))
        tm.process->m_armed_cpu_timers--;
    auto& heap = m_armed_timers[base_of(tm.clock)];
    if (heap.contains(tm))
        heap.remove(tm);
    tm.expires = 0;
}

// A new expiry for an armed timer: a queued timer leaves its heap while its
// key changes (and one taken off to fire goes back on).
void ProcessTable::move_timer(PosixTimer& tm, uint64_t expires) {
    VERIFY(tm.expires && expires);
    auto& heap = m_armed_timers[base_of(tm.clock)];
    if (heap.contains(tm))
        heap.remove(tm);
    tm.expires = expires;
    if (signals(tm) && !is_cpu_clock(tm.clock))
        heap.insert(tm);
}

// Linux common_timer_get: a periodic timer that is due (its signal still
// queued, or SIGEV_NONE) is moved past `now` first; an expired one-shot
// SIGEV_NONE timer reads 0, any other armed timer at least 1 ns.
TimerSetting ProcessTable::timer_setting(PosixTimer& tm, uint64_t now) {
    TimerSetting s;
    s.interval = tm.interval;
    if (!tm.expires)
        return s;
    if (tm.expires <= now && tm.interval) {
        uint64_t expires = tm.expires;
        uint64_t n = forward(expires, tm.interval, now);
        move_timer(tm, expires);
        if (signals(tm))
            tm.overrun = saturate(static_cast<uint64_t>(tm.overrun) + n);
    }
    if (tm.expires > now)
        s.value = tm.expires - now;
    else
        s.value = signals(tm) ? 1 : 0;
    return s;
}

void ProcessTable::fire_timer(PosixTimer& tm, uint64_t now) {
    uint64_t n = 1;
    if (tm.interval) {
        uint64_t expires = tm.expires;
        n = forward(expires, tm.interval, now);
        move_timer(tm, expires);
    } else {
        disarm_timer(tm);
    }
    QueuedSignal& q = *tm.sigq;
    {
        SpinlockGuard sig_guard(tm.process->m_sighand->lock);
        if (q.node.is_linked()) {
            if (!q.stale) {
                tm.overrun = saturate(static_cast<uint64_t>(tm.overrun) + n);
                return;
            }
            // Queued before a re-arm: it stands for this expiry now (Linux
            // refreshes the signal sequence of a queued timer signal).
            q.stale = false;
            tm.overrun = saturate(n - 1);
            return;
        }
    }
    tm.overrun = saturate(n - 1);
    queue_timer_signal(tm);
}

// Linux posixtimer_send_sigqueue: the preallocated entry, to the process or
// (SIGEV_THREAD_ID) to its thread; nothing if that thread is gone or the
// signal is ignored; a standard signal already pending merges.
void ProcessTable::queue_timer_signal(PosixTimer& tm) {
    Process& p = *tm.process;
    Thread* t = nullptr;
    if (tm.notify == SIGEV_THREAD_ID) {
        PidSlot* s = slot(tm.target_tid);
        t = s ? s->thread : nullptr;
        if (!t || &t->process() != &p || t->m_life != Thread::Life::Alive)
            return;
    }
    int sig = tm.signo;
    if (!prepare_signal(sig, p, t, false))
        return;
    PendingSet& pending = t ? t->m_pending : p.m_shared_pending;
    {
        SpinlockGuard sig_guard(p.m_sighand->lock);
        if (!is_realtime(sig) && pending.signals.contains(sig))
            return;
        QueuedSignal& q = *tm.sigq;
        q.info = SigInfo();
        q.info.si_signo = sig;
        q.info.si_code = SI_TIMER;
        q.info.f.timer.tid = tm.id;
        q.info.f.timer.value = tm.value;
        q.stale = false;
        pending.queue.push_back(q);
        pending.signals.add(sig);
    }
    complete_signal(sig, p, t);
}

Result<int> ProcessTable::timer_create(Thread& caller, int clock, const TimerEvent* event) {
    SpinlockGuard guard(m_lock);
    Process& p = caller.process();
    UserAccount* account = p.m_account;
    // The siginfo is allocated (and charged) now, so expiry never fails.
    if (account->queued_signals >= p.m_rlimit_sigpending)
        return EAGAIN;
    auto* tm = proc_new<PosixTimer>();
    auto* q = tm ? proc_new<QueuedSignal>() : nullptr;
    if (!q) {
        proc_delete(tm);
        return ENOMEM;
    }
    // The next free id, wrapping at INT_MAX (Linux posix_timer_add). Taken
    // before the checks below, which therefore use one up when they fail.
    int id;
    do {
        id = p.m_next_timer_id;
        p.m_next_timer_id = id == 0x7fffffff ? 0 : id + 1;
    } while (find_timer(p, id));

    TimerEvent ev = event ? *event : TimerEvent{SIGEV_SIGNAL, SIGALRM, static_cast<uint64_t>(id), 0};
    int error = 0;
    switch (ev.notify) { // Linux good_sigevent
    case SIGEV_THREAD_ID: {
        PidSlot* s = ev.tid > 0 ? slot(ev.tid) : nullptr;
        if (!s || !s->thread || &s->thread->process() != &p) {
            error = EINVAL;
            break;
        }
        [[fallthrough]];
    }
    case SIGEV_SIGNAL:
    case SIGEV_THREAD: // the C library's business; to the kernel a signal
        if (!valid_signal(ev.signo))
            error = EINVAL;
        break;
    case SIGEV_NONE:
        break;
    default:
        error = EINVAL;
    }
    if (!error && (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM))
        error = EOPNOTSUPP;
    if (error) {
        proc_delete(q);
        proc_delete(tm);
        return static_cast<Errno>(error);
    }
    q->account = account;
    q->timer = tm;
    account->queued_signals++;
    account->references++;
    tm->process = &p;
    tm->id = id;
    tm->clock = clock;
    tm->cpu_tid = caller.m_tid;
    tm->notify = ev.notify == SIGEV_THREAD ? SIGEV_SIGNAL : ev.notify;
    tm->target_tid = ev.tid;
    tm->signo = ev.signo;
    tm->value = ev.value;
    tm->sigq = q;
    p.m_posix_timers.push_back(*tm);
    p.m_posix_timer_count++;
    p.m_ledger.acquire(Resource::PosixTimer);
    m_posix_timers++;
    return id;
}

Result<TimerSetting> ProcessTable::timer_settime(Thread& caller, int id, bool absolute, const TimerSetting& fresh,
                                                 const ClockReadings& readings) {
    SpinlockGuard guard(m_lock);
    PosixTimer* tm = find_timer(caller.process(), id);
    if (!tm)
        return EINVAL;
    uint64_t now = timer_now(*tm, &readings);
    TimerSetting old = timer_setting(*tm, now);
    disarm_timer(*tm);
    {
        // Linux posix_timer_set_common: a signal still queued is stale, the
        // overrun accounting starts over.
        SpinlockGuard sig_guard(tm->process->m_sighand->lock);
        if (tm->sigq->node.is_linked())
            tm->sigq->stale = true;
    }
    tm->overrun = 0;
    tm->overrun_last = 0;
    tm->interval = fresh.value ? fresh.interval : 0;
    if (!fresh.value)
        return old;
    uint64_t expires = absolute ? fresh.value : add_saturating(now, fresh.value);
    // A CPU clock may read 0 (no time used yet): expiry 0 means disarmed.
    arm_timer(*tm, expires ? expires : 1);
    // Already due (an absolute time in the past): fires now, as Linux's
    // hrtimer_start of an expired timer.
    if (signals(*tm) && tm->expires <= now)
        fire_timer(*tm, now);
    return old;
}

Result<TimerSetting> ProcessTable::timer_gettime(Thread& caller, int id, const ClockReadings& readings) {
    SpinlockGuard guard(m_lock);
    PosixTimer* tm = find_timer(caller.process(), id);
    if (!tm)
        return EINVAL;
    return timer_setting(*tm, timer_now(*tm, &readings));
}

Result<int> ProcessTable::timer_getoverrun(Thread& caller, int id) {
    SpinlockGuard guard(m_lock);
    PosixTimer* tm = find_timer(caller.process(), id);
    if (!tm)
        return EINVAL;
    return tm->overrun_last;
}

Result<void> ProcessTable::timer_delete(Thread& caller, int id) {
    SpinlockGuard guard(m_lock);
    PosixTimer* tm = find_timer(caller.process(), id);
    if (!tm)
        return EINVAL;
    free_timer(*tm);
    return {};
}

// A signal still queued outlives its timer as an ordinary stale entry,
// dropped when it is dequeued or flushed (Linux 6.x drops the signal of a
// deleted timer at delivery; sigpending shows it until then).
void ProcessTable::free_timer(PosixTimer& tm) {
    Process& p = *tm.process;
    disarm_timer(tm);
    QueuedSignal* q = tm.sigq;
    {
        SpinlockGuard sig_guard(p.m_sighand->lock);
        if (q->node.is_linked()) {
            q->timer = nullptr;
            q->stale = true;
            p.m_ledger.acquire(Resource::QueuedSignal); // released with the entry
            q = nullptr;
        }
    }
    if (q) {
        q->account->queued_signals--;
        put_account(q->account);
        proc_delete(q);
    }
    decltype(p.m_posix_timers)::remove(tm);
    p.m_posix_timer_count--;
    p.m_ledger.release(Resource::PosixTimer);
    m_posix_timers--;
    proc_delete(&tm);
}

void ProcessTable::delete_timers(Process& p) {
    while (PosixTimer* tm = p.m_posix_timers.first())
        free_timer(*tm);
}

uint64_t ProcessTable::expire_timers(const ClockReadings& readings) {
    SpinlockGuard guard(m_lock);
    uint64_t next = ~0ull;
    for (int base = 0; base < 3; ++base) {
        auto& heap = m_armed_timers[base];
        uint64_t now = base_now(base, readings);
        // Only the due timers are visited; a periodic one goes back on its
        // heap past `now`, so the loop ends.
        while (PosixTimer* tm = heap.take_due(now))
            fire_timer(*tm, now);
        if (PosixTimer* tm = heap.earliest())
            next = tm->expires - now < next ? tm->expires - now : next;
    }
    return next;
}

// Linux run_posix_cpu_timers + check_cpu_itimer, on the CPU time just
// charged: an itimer reloads once per check (a timer behind by more than
// its interval catches up over the following checks).
void ProcessTable::check_cpu_timers(Process& p) {
    uint64_t user = total_user_ns(p);
    uint64_t cpu = user + total_system_ns(p);
    static constexpr int itimer_signal[2] = {SIGVTALRM, SIGPROF};
    for (int i = 0; i < 2; ++i) {
        uint64_t now = i == 0 ? user : cpu;
        if (!p.m_itimer_expires[i] || now < p.m_itimer_expires[i])
            continue;
        p.m_itimer_expires[i] = p.m_itimer_interval[i] ? p.m_itimer_expires[i] + p.m_itimer_interval[i] : 0;
        (void)group_send(nullptr, itimer_signal[i], user_siginfo(itimer_signal[i], SI_KERNEL, nullptr), p);
    }
    if (!p.m_armed_cpu_timers)
        return;
    for (auto& tm : p.m_posix_timers) {
        if (!tm.expires || !signals(tm) || !is_cpu_clock(tm.clock))
            continue;
        uint64_t now = timer_now(tm, nullptr);
        if (tm.expires <= now)
            fire_timer(tm, now);
    }
}

Result<uint64_t> ProcessTable::cpu_clock(Thread& caller, int clock, bool gettime) {
    VERIFY(clock < 0);
    int which = clock & 3; // CPUCLOCK_PROF 0, VIRT 1, SCHED 2; 3 is CLOCKFD (no fd clocks here)
    bool per_thread = clock & 4;
    pid_t pid = static_cast<pid_t>(~(clock >> 3));
    if (which == 3)
        return EINVAL;
    SpinlockGuard guard(m_lock);
    Thread* t = nullptr;
    Process* p = nullptr;
    if (pid == 0) {
        t = &caller;
        p = &caller.process();
    } else {
        PidSlot* s = pid > 0 ? slot(pid) : nullptr;
        Thread* found = s ? s->thread : nullptr;
        if (!found)
            return EINVAL;
        if (per_thread) {
            if (&found->process() != &caller.process())
                return EINVAL;
            t = found;
        } else if (found->is_leader() || (gettime && found == &caller)) {
            p = &found->process();
        } else {
            return EINVAL;
        }
    }
    uint64_t user = per_thread ? t->m_user_ns : total_user_ns(*p);
    uint64_t system = per_thread ? t->m_system_ns : total_system_ns(*p);
    return which == 1 ? user : user + system;
}

// Linux get_cpu_itimer/set_cpu_itimer: a new value gets one tick added (it
// cannot fire before that much more CPU time was charged); an expired timer
// not yet fired reads one tick.
TimerSetting ProcessTable::cpu_itimer(Thread& caller, int which, const TimerSetting* fresh, uint64_t tick_ns) {
    VERIFY(which == 1 || which == 2);
    SpinlockGuard guard(m_lock);
    Process& p = caller.process();
    int i = which - 1;
    uint64_t now = total_user_ns(p) + (i == 1 ? total_system_ns(p) : 0);
    TimerSetting old;
    old.interval = p.m_itimer_interval[i];
    if (p.m_itimer_expires[i])
        old.value = p.m_itimer_expires[i] > now ? p.m_itimer_expires[i] - now : tick_ns;
    if (fresh) {
        // Linux keeps the interval even when the value disarms.
        p.m_itimer_expires[i] = fresh->value ? add_saturating(now, add_saturating(fresh->value, tick_ns)) : 0;
        p.m_itimer_interval[i] = fresh->interval;
    }
    return old;
}

} // namespace charon::proc
