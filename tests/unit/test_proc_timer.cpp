// POSIX timers and the CPU interval timers in the lifecycle core
// (kernel/proc/timer.cpp): ids, sigevent checks, RLIMIT_SIGPENDING, expiry
// on the wall clocks the kernel hands in, overruns while the one siginfo is
// queued, stale signals after a re-arm or delete, CPU-clock timers and
// ITIMER_VIRTUAL/PROF fired by account_cpu, and the timers' end at exec and
// exit with every count back to zero.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "proc_fake_host.h"

namespace charon::proc {
using test::Harness;

namespace {

constexpr uint64_t ms = 1000000;

ClockReadings at(uint64_t monotonic) {
    ClockReadings r;
    r.monotonic = r.boottime = monotonic;
    r.realtime = 1000000 * ms + monotonic; // some epoch offset
    return r;
}

TimerEvent signal_event(int signo, uint64_t value = 0) {
    TimerEvent e;
    e.notify = SIGEV_SIGNAL;
    e.signo = signo;
    e.value = value;
    return e;
}

void block_all(Harness& h, Thread& t) {
    SigSet all = ~SigSet();
    ASSERT_FALSE(h.table.sigprocmask(t, SIG_SETMASK, &all).is_error());
}

// Takes the next signal of `set` as rt_sigtimedwait does.
int take(Harness& h, Thread& t, SigSet set, SigInfo& info) { return h.table.dequeue_signal(t, set, info); }

} // namespace

TEST(PosixTimer, IdsCountUpPerProcessAndFailedChecksUseOneUp) {
    Harness h;
    Thread* c = h.fork(*h.init);
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, nullptr).value(), 0);
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, nullptr).value(), 1);
    ASSERT_FALSE(h.table.timer_delete(*c, 0).is_error());
    EXPECT_EQ(h.table.timer_delete(*c, 0).error().code(), EINVAL);
    TimerEvent bad = signal_event(0);
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, &bad).error().code(), EINVAL); // id 2
    bad = signal_event(SIGUSR1);
    bad.notify = 3;
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, &bad).error().code(), EINVAL); // id 3
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_REALTIME_ALARM, nullptr).error().code(), EOPNOTSUPP); // id 4
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, nullptr).value(), 5);
    // Another process counts on its own.
    Thread* d = h.fork(*h.init);
    EXPECT_EQ(h.table.timer_create(*d, CLOCK_MONOTONIC, nullptr).value(), 0);
    EXPECT_EQ(c->process().posix_timer_count(), 2);
    EXPECT_EQ(h.table.stats().posix_timers, 3u);
}

TEST(PosixTimer, ThreadIdMustBeInTheCallersGroup) {
    Harness h;
    Thread* c = h.fork(*h.init);
    Thread* t = h.spawn_thread(*c);
    Thread* other = h.fork(*h.init);
    TimerEvent e = signal_event(SIGUSR1);
    e.notify = SIGEV_THREAD_ID;
    e.tid = t->tid();
    EXPECT_FALSE(h.table.timer_create(*c, CLOCK_MONOTONIC, &e).is_error());
    e.tid = other->tid();
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, &e).error().code(), EINVAL);
    e.tid = 0;
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, &e).error().code(), EINVAL);
    e.tid = 9999;
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, &e).error().code(), EINVAL);
}

TEST(PosixTimer, PreallocatedSiginfoCountsAgainstRlimitSigpending) {
    Harness h({.sigpending_limit = 2});
    Thread* c = h.fork(*h.init);
    int before = c->process().user_queued_signals();
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, nullptr).value(), 0);
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, nullptr).value(), 1);
    EXPECT_EQ(c->process().user_queued_signals(), before + 2);
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, nullptr).error().code(), EAGAIN);
    block_all(h, *c);
    SigInfo info;
    info.si_code = SI_QUEUE;
    EXPECT_EQ(h.table.sigqueue(*c, c->tid(), SIGRTMIN, info).error().code(), EAGAIN);
    ASSERT_FALSE(h.table.timer_delete(*c, 1).is_error());
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, nullptr).value(), 2); // EAGAIN took no id
}

TEST(PosixTimer, ExpiryQueuesSiTimerWithIdAndValue) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.set_handler(*c, SIGUSR1, 0x1000);
    TimerEvent e = signal_event(SIGUSR1, 0x123456789abcull);
    int id = h.table.timer_create(*c, CLOCK_MONOTONIC, &e).value();
    TimerSetting s{20 * ms, 0};
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, s, at(100 * ms)).is_error());
    EXPECT_EQ(h.table.timer_gettime(*c, id, at(105 * ms)).value().value, 15 * ms);
    EXPECT_EQ(h.table.expire_timers(at(110 * ms)), 10 * ms); // not due: the time until it is
    EXPECT_TRUE(c->process().shared_pending().is_empty());
    EXPECT_EQ(h.table.expire_timers(at(120 * ms)), ~0ull); // fired; nothing armed after
    SignalDecision d = h.return_to_user(*c);
    ASSERT_EQ(d.kind, SignalDecision::Kind::Handler);
    EXPECT_EQ(d.signo, SIGUSR1);
    EXPECT_EQ(d.info.si_code, SI_TIMER);
    EXPECT_EQ(d.info.f.timer.tid, id);
    EXPECT_EQ(d.info.f.timer.overrun, 0);
    EXPECT_EQ(d.info.f.timer.value, 0x123456789abcull);
    EXPECT_EQ(h.table.timer_gettime(*c, id, at(130 * ms)).value().value, 0u);
}

TEST(PosixTimer, DefaultEventIsSigalrmWithTheIdAsValue) {
    Harness h;
    Thread* c = h.fork(*h.init);
    block_all(h, *c);
    (void)h.table.timer_create(*c, CLOCK_MONOTONIC, nullptr);
    int id = h.table.timer_create(*c, CLOCK_REALTIME, nullptr).value();
    ClockReadings now = at(50 * ms);
    // Absolute, on the realtime clock, already past: fires within settime.
    ASSERT_FALSE(h.table.timer_settime(*c, id, true, TimerSetting{now.realtime - 1, 0}, now).is_error());
    SigInfo info;
    EXPECT_EQ(take(h, *c, SigSet::of(SIGALRM), info), SIGALRM);
    EXPECT_EQ(info.si_code, SI_TIMER);
    EXPECT_EQ(info.f.timer.tid, 1);
    EXPECT_EQ(info.f.timer.value, 1u);
}

TEST(PosixTimer, OverrunsCountWhileQueuedOnce) {
    Harness h;
    Thread* c = h.fork(*h.init);
    block_all(h, *c);
    TimerEvent e = signal_event(SIGRTMIN);
    int id = h.table.timer_create(*c, CLOCK_MONOTONIC, &e).value();
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{10 * ms, 10 * ms}, at(0)).is_error());
    EXPECT_EQ(h.table.expire_timers(at(10 * ms)), 10 * ms); // queued
    (void)h.table.expire_timers(at(20 * ms));                // +1
    (void)h.table.expire_timers(at(55 * ms));                // 30, 40, 50: +3
    EXPECT_EQ(h.table.timer_getoverrun(*c, id).value(), 0); // nothing delivered yet
    SigInfo info;
    EXPECT_EQ(take(h, *c, SigSet::of(SIGRTMIN), info), SIGRTMIN);
    EXPECT_EQ(info.f.timer.overrun, 4);
    EXPECT_EQ(take(h, *c, SigSet::of(SIGRTMIN), info), 0); // one entry, real-time or not
    EXPECT_EQ(h.table.timer_getoverrun(*c, id).value(), 4);
    // Next period: a fresh count.
    (void)h.table.expire_timers(at(60 * ms));
    EXPECT_EQ(take(h, *c, SigSet::of(SIGRTMIN), info), SIGRTMIN);
    EXPECT_EQ(info.f.timer.overrun, 0);
    EXPECT_EQ(h.table.timer_gettime(*c, id, at(61 * ms)).value().value, 9 * ms);
}

// The wall-clock timers sit in deadline heaps: a wake fires exactly the due
// ones (equal deadlines included) whatever else is armed, on each clock;
// re-armed and deleted timers leave their old place.
TEST(PosixTimer, ManyTimersFireExactlyWhenDue) {
    Harness h;
    Thread* c = h.fork(*h.init);
    block_all(h, *c);
    constexpr int N = 300;
    int ids[N];
    for (int i = 0; i < N; ++i) {
        TimerEvent e = signal_event(SIGRTMIN, static_cast<uint64_t>(i));
        int clock = i % 3 == 0 ? CLOCK_MONOTONIC : i % 3 == 1 ? CLOCK_REALTIME : CLOCK_BOOTTIME;
        ids[i] = h.table.timer_create(*c, clock, &e).value();
        // Ten groups of equal deadlines: 10, 20 .. 100 ms.
        TimerSetting s{static_cast<uint64_t>(i % 10 + 1) * 10 * ms, i % 10 == 0 ? 100 * ms : 0};
        ASSERT_FALSE(h.table.timer_settime(*c, ids[i], false, s, at(0)).is_error());
    }
    // Re-arm 20 of the 20 ms group to 1000 ms, delete 10 of the 30 ms group.
    for (int i = 1; i < 200; i += 10)
        ASSERT_FALSE(h.table.timer_settime(*c, ids[i], false, TimerSetting{1000 * ms, 0}, at(0)).is_error());
    for (int i = 2; i < 100; i += 10)
        ASSERT_FALSE(h.table.timer_delete(*c, ids[i]).is_error());
    auto fired = [&] {
        std::vector<int> v;
        SigInfo info;
        while (take(h, *c, SigSet::of(SIGRTMIN), info) == SIGRTMIN)
            v.push_back(static_cast<int>(info.f.timer.value));
        std::sort(v.begin(), v.end());
        return v;
    };
    auto group = [&](int g, int from, int to) {
        std::vector<int> v;
        for (int i = g; i < N; i += 10)
            if (i >= from && i < to)
                v.push_back(i);
        return v;
    };
    EXPECT_EQ(h.table.expire_timers(at(10 * ms - 1)), 1u);
    EXPECT_TRUE(fired().empty());
    EXPECT_EQ(h.table.expire_timers(at(10 * ms)), 10 * ms); // next: the 200 ms+ part of group 1
    EXPECT_EQ(fired(), group(0, 0, N));
    EXPECT_EQ(h.table.expire_timers(at(25 * ms)), 5 * ms);
    EXPECT_EQ(fired(), group(1, 200, N)); // the re-armed ones are not due
    EXPECT_EQ(h.table.expire_timers(at(30 * ms)), 10 * ms);
    EXPECT_EQ(fired(), group(2, 100, N)); // the deleted ones are gone
    // Group 0 is periodic (100 ms): at 110 ms it fires again with 3..10.
    EXPECT_EQ(h.table.expire_timers(at(110 * ms)), 100 * ms);
    std::vector<int> expect;
    for (int g : {0, 3, 4, 5, 6, 7, 8, 9})
        for (int i : group(g, 0, N))
            expect.push_back(i);
    std::sort(expect.begin(), expect.end());
    EXPECT_EQ(fired(), expect);
    EXPECT_EQ(h.table.expire_timers(at(1000 * ms)), 10 * ms); // the re-armed; group 0 at 1010
    expect = group(1, 0, 200);
    for (int i : group(0, 0, N))
        expect.push_back(i);
    std::sort(expect.begin(), expect.end());
    EXPECT_EQ(fired(), expect);
    for (int i = 0; i < N; ++i)
        (void)h.table.timer_delete(*c, ids[i]);
    EXPECT_EQ(h.table.expire_timers(at(2000 * ms)), ~0ull);
    EXPECT_EQ(h.table.stats().posix_timers, 0u);
}

TEST(PosixTimer, OverrunSaturatesAtDelaytimerMax) {
    Harness h;
    Thread* c = h.fork(*h.init);
    block_all(h, *c);
    TimerEvent e = signal_event(SIGUSR1);
    int id = h.table.timer_create(*c, CLOCK_MONOTONIC, &e).value();
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{1, 1}, at(0)).is_error());
    (void)h.table.expire_timers(at(1));
    (void)h.table.expire_timers(at(5000000000ull)); // 5e9 one-ns periods
    SigInfo info;
    EXPECT_EQ(take(h, *c, SigSet::of(SIGUSR1), info), SIGUSR1);
    EXPECT_EQ(info.f.timer.overrun, DELAYTIMER_MAX);
}

TEST(PosixTimer, SignalOfARearmedOrDeletedTimerIsDroppedAtDelivery) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.set_handler(*c, SIGUSR1, 0x1000);
    SigSet usr1 = SigSet::of(SIGUSR1);
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_BLOCK, &usr1).is_error());
    TimerEvent e = signal_event(SIGUSR1);
    int id = h.table.timer_create(*c, CLOCK_MONOTONIC, &e).value();
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{ms, 0}, at(0)).is_error());
    (void)h.table.expire_timers(at(ms));
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{0, 0}, at(2 * ms)).is_error());
    EXPECT_TRUE(h.table.sigpending(*c).contains(SIGUSR1)); // still shown
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_UNBLOCK, &usr1).is_error());
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::None);
    EXPECT_FALSE(h.table.sigpending(*c).contains(SIGUSR1));

    // Re-armed while pending: the queued entry stands for the new expiry.
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_BLOCK, &usr1).is_error());
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{ms, 0}, at(10 * ms)).is_error());
    (void)h.table.expire_timers(at(11 * ms));
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{ms, 0}, at(12 * ms)).is_error());
    (void)h.table.expire_timers(at(13 * ms));
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_UNBLOCK, &usr1).is_error());
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::Handler);
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::None);

    // Deleted while pending: the entry outlives the timer, then is dropped.
    SigSet all = ~SigSet();
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_SETMASK, &all).is_error());
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{ms, 0}, at(20 * ms)).is_error());
    (void)h.table.expire_timers(at(21 * ms));
    ASSERT_FALSE(h.table.timer_delete(*c, id).is_error());
    EXPECT_EQ(h.table.stats().posix_timers, 0u);
    EXPECT_TRUE(h.table.sigpending(*c).contains(SIGUSR1));
    SigInfo info;
    EXPECT_EQ(take(h, *c, usr1, info), 0);
    EXPECT_EQ(c->process().ledger().held(Resource::QueuedSignal), 0u);
}

TEST(PosixTimer, ThreadIdTargetsThatThreadsQueue) {
    Harness h;
    Thread* c = h.fork(*h.init);
    Thread* t = h.spawn_thread(*c);
    block_all(h, *c);
    block_all(h, *t);
    TimerEvent e = signal_event(SIGUSR2);
    e.notify = SIGEV_THREAD_ID;
    e.tid = t->tid();
    int id = h.table.timer_create(*c, CLOCK_MONOTONIC, &e).value();
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{ms, 0}, at(0)).is_error());
    (void)h.table.expire_timers(at(ms));
    EXPECT_TRUE(t->pending().contains(SIGUSR2));
    EXPECT_FALSE(c->pending().contains(SIGUSR2));
    EXPECT_FALSE(c->process().shared_pending().contains(SIGUSR2));
    // The thread exits: its queue is flushed and the timer's entry kept;
    // later expiries go nowhere.
    h.table.exit(*t, 0);
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{ms, 0}, at(2 * ms)).is_error());
    (void)h.table.expire_timers(at(3 * ms));
    EXPECT_TRUE(c->process().shared_pending().is_empty());
    EXPECT_TRUE(c->pending().is_empty());
}

TEST(PosixTimer, SigevNoneNeverSignalsButReads) {
    Harness h;
    Thread* c = h.fork(*h.init);
    TimerEvent e;
    e.notify = SIGEV_NONE;
    int id = h.table.timer_create(*c, CLOCK_MONOTONIC, &e).value();
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{5 * ms, 3 * ms}, at(0)).is_error());
    EXPECT_EQ(h.table.expire_timers(at(100 * ms)), ~0ull); // never on the armed list
    EXPECT_TRUE(c->process().shared_pending().is_empty());
    EXPECT_EQ(h.table.timer_gettime(*c, id, at(6 * ms)).value().value, 2 * ms); // 5, 8: next at 8
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{5 * ms, 0}, at(10 * ms)).is_error());
    EXPECT_EQ(h.table.timer_gettime(*c, id, at(20 * ms)).value().value, 0u);
}

TEST(PosixTimer, CpuClockTimersFireWhereCpuTimeIsCharged) {
    Harness h;
    Thread* c = h.fork(*h.init);
    Thread* t = h.spawn_thread(*c);
    block_all(h, *c);
    block_all(h, *t);
    TimerEvent e = signal_event(SIGUSR1);
    int process_timer = h.table.timer_create(*c, CLOCK_PROCESS_CPUTIME_ID, &e).value();
    e.signo = SIGUSR2;
    int thread_timer = h.table.timer_create(*c, CLOCK_THREAD_CPUTIME_ID, &e).value();
    ASSERT_FALSE(h.table.timer_settime(*c, process_timer, false, TimerSetting{10 * ms, 0}, at(0)).is_error());
    ASSERT_FALSE(h.table.timer_settime(*c, thread_timer, false, TimerSetting{10 * ms, 0}, at(0)).is_error());
    // Wall time alone does nothing.
    EXPECT_EQ(h.table.expire_timers(at(1000 * ms)), ~0ull);
    h.table.account_cpu(*t, 6 * ms, 0);
    EXPECT_TRUE(c->process().shared_pending().is_empty());
    h.table.account_cpu(*t, 0, 4 * ms); // system time counts too: 10 ms of process CPU
    EXPECT_TRUE(c->process().shared_pending().contains(SIGUSR1));
    EXPECT_FALSE(c->process().shared_pending().contains(SIGUSR2)); // the other thread's CPU
    h.table.account_cpu(*c, 9 * ms, 0);
    EXPECT_FALSE(c->process().shared_pending().contains(SIGUSR2));
    EXPECT_EQ(h.table.timer_gettime(*c, thread_timer, at(0)).value().value, ms);
    h.table.account_cpu(*c, ms, 0);
    EXPECT_TRUE(c->process().shared_pending().contains(SIGUSR2));
}

TEST(CpuItimer, VirtualCountsUserTimeProfBoth) {
    Harness h;
    Thread* c = h.fork(*h.init);
    block_all(h, *c);
    TimerSetting v{10 * ms, 5 * ms};
    EXPECT_EQ(h.table.cpu_itimer(*c, 1, &v, ms).value, 0u);
    TimerSetting p{10 * ms, 0};
    (void)h.table.cpu_itimer(*c, 2, &p, ms);
    EXPECT_EQ(h.table.cpu_itimer(*c, 1, nullptr, ms).value, 11 * ms); // one tick added, as Linux
    h.table.account_cpu(*c, 0, 11 * ms); // system time only
    EXPECT_FALSE(c->process().shared_pending().contains(SIGVTALRM));
    EXPECT_TRUE(c->process().shared_pending().contains(SIGPROF));
    SigInfo info;
    EXPECT_EQ(take(h, *c, SigSet::of(SIGPROF), info), SIGPROF);
    EXPECT_EQ(info.si_code, SI_KERNEL);
    EXPECT_EQ(h.table.cpu_itimer(*c, 2, nullptr, ms).value, 0u); // one-shot: disarmed
    h.table.account_cpu(*c, 11 * ms, 0);
    EXPECT_EQ(take(h, *c, SigSet::of(SIGVTALRM), info), SIGVTALRM);
    EXPECT_EQ(h.table.cpu_itimer(*c, 1, nullptr, ms).value, 5 * ms); // reloaded
    h.table.account_cpu(*c, 5 * ms, 0);
    EXPECT_EQ(take(h, *c, SigSet::of(SIGVTALRM), info), SIGVTALRM);
    // Not inherited by fork.
    Thread* child = h.fork(*c);
    EXPECT_EQ(h.table.cpu_itimer(*child, 1, nullptr, ms).value, 0u);
    // A disarming value keeps the interval (Linux).
    TimerSetting interval_only{0, 7 * ms};
    (void)h.table.cpu_itimer(*c, 1, &interval_only, ms);
    TimerSetting now = h.table.cpu_itimer(*c, 1, nullptr, ms);
    EXPECT_EQ(now.value, 0u);
    EXPECT_EQ(now.interval, 7 * ms);
}

TEST(PosixTimer, ExecAndExitDeleteTimersEveryCountBackToZero) {
    Harness h;
    Thread* c = h.fork(*h.init);
    block_all(h, *c);
    int queued_before = c->process().user_queued_signals();
    TimerEvent e = signal_event(SIGRTMIN);
    for (int i = 0; i < 4; i++) {
        int id = h.table.timer_create(*c, CLOCK_MONOTONIC, &e).value();
        ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{ms, ms}, at(0)).is_error());
    }
    (void)h.table.expire_timers(at(ms)); // four queued entries
    ASSERT_TRUE(h.table.exec_prepare(*c).value().done);
    h.host.cr3[c->tid()] = 0x7777;
    ASSERT_FALSE(h.table.exec_commit(*c, 0x7777).is_error());
    EXPECT_EQ(c->process().posix_timer_count(), 0);
    EXPECT_EQ(h.table.stats().posix_timers, 0u);
    // The ids go on after exec.
    EXPECT_EQ(h.table.timer_create(*c, CLOCK_MONOTONIC, &e).value(), 4);
    // Their queued signals are dropped at delivery.
    SigInfo info;
    EXPECT_EQ(take(h, *c, SigSet::of(SIGRTMIN), info), 0);
    EXPECT_EQ(c->process().user_queued_signals(), queued_before + 1);
    int id = 4;
    ASSERT_FALSE(h.table.timer_settime(*c, id, false, TimerSetting{ms, ms}, at(0)).is_error());
    (void)h.table.expire_timers(at(ms));
    pid_t pid = c->tid();
    h.table.exit_group(*c, 0);
    EXPECT_EQ(h.table.stats().posix_timers, 0u);
    EXPECT_EQ(h.table.expire_timers(at(10 * ms)), ~0ull);
    EXPECT_EQ(h.wait4(*h.init, pid, 0).ret, pid);
    EXPECT_EQ(h.init->process().user_queued_signals(), queued_before);
}

} // namespace charon::proc

namespace charon::proc {

namespace {
// Linux's CPU clock ids (CPUCLOCK_PID << 3 | PERTHREAD | WHICH).
int cpu_clock_id(pid_t pid, int which) { return static_cast<int>((~static_cast<unsigned>(pid) << 3) | static_cast<unsigned>(which)); }
constexpr int kProf = 0, kVirt = 1, kSched = 2, kClockFd = 3, kPerThread = 4;
} // namespace

// clock_gettime/clock_getres on another process's or thread's CPU clock:
// who may be named (Linux pid_for_clock) and what each variant counts.
TEST(CpuClock, ProcessAndThreadClocksByIdAsLinux) {
    Harness h;
    Thread* c = h.fork(*h.init);
    Thread* t = h.spawn_thread(*c);
    Thread* other = h.fork(*h.init);
    h.table.account_cpu(*c, 5 * ms, 1 * ms);
    h.table.account_cpu(*t, 2 * ms, 3 * ms);
    pid_t pid = c->process().pid();
    // The process: user + system of every thread; VIRT only user.
    EXPECT_EQ(h.table.cpu_clock(*other, cpu_clock_id(pid, kSched), true).value(), 11 * ms);
    EXPECT_EQ(h.table.cpu_clock(*other, cpu_clock_id(pid, kProf), false).value(), 11 * ms);
    EXPECT_EQ(h.table.cpu_clock(*other, cpu_clock_id(pid, kVirt), true).value(), 7 * ms);
    EXPECT_EQ(h.table.cpu_clock(*other, cpu_clock_id(pid, kClockFd), true).error().code(), EINVAL);
    // pid 0: the caller's process or thread.
    EXPECT_EQ(h.table.cpu_clock(*t, cpu_clock_id(0, kSched), true).value(), 11 * ms);
    EXPECT_EQ(h.table.cpu_clock(*t, cpu_clock_id(0, kSched | kPerThread), true).value(), 5 * ms);
    // Thread clocks: only within the caller's group.
    EXPECT_EQ(h.table.cpu_clock(*c, cpu_clock_id(t->tid(), kSched | kPerThread), false).value(), 5 * ms);
    EXPECT_EQ(h.table.cpu_clock(*other, cpu_clock_id(t->tid(), kSched | kPerThread), true).error().code(), EINVAL);
    // A non-leader's tid as a process clock: only its own clock_gettime.
    EXPECT_EQ(h.table.cpu_clock(*c, cpu_clock_id(t->tid(), kSched), true).error().code(), EINVAL);
    EXPECT_EQ(h.table.cpu_clock(*t, cpu_clock_id(t->tid(), kSched), false).error().code(), EINVAL);
    EXPECT_EQ(h.table.cpu_clock(*t, cpu_clock_id(t->tid(), kSched), true).value(), 11 * ms);
    // Nobody: EINVAL (the C library's ESRCH).
    EXPECT_EQ(h.table.cpu_clock(*c, cpu_clock_id(31000, kSched), true).error().code(), EINVAL);
    // A zombie still reads; reaped, it is gone.
    pid_t zombie = other->process().pid();
    h.table.exit_group(*other, 0);
    EXPECT_FALSE(h.table.cpu_clock(*c, cpu_clock_id(zombie, kSched), true).is_error());
    EXPECT_EQ(h.wait4(*h.init, zombie, 0).ret, zombie);
    EXPECT_EQ(h.table.cpu_clock(*c, cpu_clock_id(zombie, kSched), false).error().code(), EINVAL);
}

} // namespace charon::proc
