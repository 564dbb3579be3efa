// ITIMER_REAL, the POSIX timers on wall clocks and the timerfds: one kernel
// thread sleeps until the earliest armed deadline and sends SIGALRM
// (kernel-generated, as Linux's it_real_fn), has the core fire the POSIX
// timers due and counts the timerfds' expirations (fs/timerfd.h). Each set
// of timers is kept by deadline (lib/deadline_heap.h), so a wake-up costs
// what expires. Sending from a thread rather than the timer interrupt keeps
// the core's locks out of interrupt context.
#include "fs/timerfd.h"
#include "lib/log.h"
#include "sched/scheduler.h"
#include "sched/wait.h"
#include "task/task.h"
#include "time/clock.h"

namespace charon::task {

namespace {

// Guarded by interrupts off (one CPU). The armed ITIMER_REALs by deadline
// (lib/deadline_heap.h): a wake-up visits only the alarms due.
DeadlineHeap<ProcessExtra, &ProcessExtra::itimer_node, &ProcessExtra::real_deadline> g_armed;
sched::Thread* g_timer_thread;
bool g_changed;

void unlink_locked(ProcessExtra& extra) {
    if (g_armed.contains(extra))
        g_armed.remove(extra);
    extra.armed = false;
}

// Fires the ITIMER_REAL alarms due at `now`.
void fire_real_timers(uint64_t now) {
    for (;;) {
        proc::pid_t pid = 0;
        {
            sched::detail::InterruptsOff off;
            if (ProcessExtra* e = g_armed.take_due(now)) {
                pid = e->pid;
                if (e->real_interval) {
                    // Linux advances by whole intervals (overruns coalesce).
                    e->real_deadline += ((now - e->real_deadline) / e->real_interval + 1) * e->real_interval;
                    g_armed.insert(*e);
                } else {
                    e->armed = false;
                    e->real_deadline = 0;
                }
            }
        }
        if (!pid)
            return;
        // No preemption between the lookup and the send: the process
        // cannot be reaped (and freed) in between.
        sched::preempt_disable();
        if (proc::Process* p = table().find_process(pid))
            (void)table().send_kernel_signal(*p, proc::SIGALRM);
        sched::preempt_enable();
    }
}

void timer_main(void*) {
    for (;;) {
        {
            sched::detail::InterruptsOff off;
            g_changed = false; // a change from here on is seen by the sleep below
        }
        uint64_t now = monotonic_ns();
        fire_real_timers(now);
        // The POSIX timers on wall clocks: the core fires what is due and
        // says when the next one is.
        proc::ClockReadings clocks = clock_readings();
        uint64_t next = table().expire_timers(clocks);
        // The timerfds likewise: their due expirations counted, readers woken.
        uint64_t next_fd = timerfd::expire(timerfd::Clocks{clocks.realtime, clocks.monotonic, clocks.boottime});
        next = next_fd < next ? next_fd : next;
        uint64_t earliest = next == ~0ull ? ~0ull : now + next;
        {
            sched::detail::InterruptsOff off;
            if (ProcessExtra* e = g_armed.earliest(); e && e->real_deadline < earliest)
                earliest = e->real_deadline;
        }
        (void)sched::sleep_until([] { return g_changed; }, sched::BlockMode::Uninterruptible,
                                 earliest == ~0ull ? sched::Deadline::never() : sched::Deadline::at(earliest));
    }
}

void ensure_thread() {
    if (g_timer_thread)
        return;
    auto thread = sched::create_kernel_thread("itimer", timer_main, nullptr);
    if (thread.is_error()) {
        log_error("itimer: cannot create the timer thread: alarms will not fire");
        return;
    }
    g_timer_thread = thread.value();
    sched::start(*g_timer_thread);
}

} // namespace

void set_real_timer(ProcessExtra& extra, uint64_t deadline, uint64_t interval) {
    ensure_thread();
    sched::detail::InterruptsOff off;
    if (extra.armed)
        unlink_locked(extra);
    extra.real_deadline = deadline;
    extra.real_interval = deadline ? interval : 0;
    if (deadline) {
        g_armed.insert(extra);
        extra.armed = true;
    }
    g_changed = true;
    if (g_timer_thread)
        sched::wake(*g_timer_thread);
}

void start_timer_thread() {
    timerfd::set_host(timerfd::Host{
        [] {
            proc::ClockReadings r = clock_readings();
            return timerfd::Clocks{r.realtime, r.monotonic, r.boottime};
        },
        posix_timers_changed});
    ensure_thread();
}

void posix_timers_changed() {
    ensure_thread();
    sched::detail::InterruptsOff off;
    g_changed = true;
    if (g_timer_thread)
        sched::wake(*g_timer_thread);
}

proc::ClockReadings clock_readings() {
    proc::ClockReadings r;
    r.monotonic = r.boottime = monotonic_ns(); // no suspend: the two agree
    r.realtime = realtime_ns();
    return r;
}

void cancel_real_timer(ProcessExtra& extra) {
    sched::detail::InterruptsOff off;
    if (extra.armed)
        unlink_locked(extra);
    extra.real_deadline = 0;
    extra.real_interval = 0;
}

} // namespace charon::task
