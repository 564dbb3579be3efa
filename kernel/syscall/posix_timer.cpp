// POSIX per-process timers: timer_create, timer_settime, timer_gettime,
// timer_getoverrun, timer_delete. The core (kernel/proc/timer.cpp) keeps the
// timers and decides; this layer checks and copies the user structures, reads
// the wall clocks, and wakes the timer thread (task/itimer.cpp) that fires
// the wall-clock timers. CPU-clock timers fire where CPU time is charged.
#include "syscall/syscall.h"
#include "syscall/time_abi.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"

namespace charon {

using task::current_thread;
using task::table;

namespace {

using namespace time_abi;

// struct sigevent (x86_64, 64 bytes); Linux copies all of it.
struct SigEvent {
    uint64_t value;
    int32_t signo;
    int32_t notify;
    int32_t tid; // sigev_notify_thread_id
    int32_t pad[11];
};
static_assert(sizeof(SigEvent) == 64);

ITimerSpec to_itimerspec(const proc::TimerSetting& s) { return ITimerSpec{to_timespec(s.interval), to_timespec(s.value)}; }

// Clocks a timer can be created on. MONOTONIC_RAW and the COARSE clocks
// have no timers in Linux either (EOPNOTSUPP); the *_ALARM clocks reach
// the core, which uses up an id before refusing them, as Linux. Negative
// ids (the CPU clocks of a given pid, clock_getcpuclockid) are not
// supported: EINVAL.
Result<void> check_timer_clock(int clock) {
    switch (clock) {
    case proc::CLOCK_REALTIME:
    case proc::CLOCK_MONOTONIC:
    case proc::CLOCK_PROCESS_CPUTIME_ID:
    case proc::CLOCK_THREAD_CPUTIME_ID:
    case proc::CLOCK_BOOTTIME:
    case proc::CLOCK_REALTIME_ALARM:
    case proc::CLOCK_BOOTTIME_ALARM:
    case proc::CLOCK_TAI:
        return {};
    case 4: // CLOCK_MONOTONIC_RAW
    case 5: // CLOCK_REALTIME_COARSE
    case 6: // CLOCK_MONOTONIC_COARSE
        return EOPNOTSUPP;
    default:
        return EINVAL;
    }
}

} // namespace

// timer_create(clock, sevp, timerid)
CHARON_SYSCALL(222, timer_create, sys_timer_create);
static Result<long> sys_timer_create(SyscallArgs const& args) {
    int clock = static_cast<int>(args.arg[0]);
    proc::TimerEvent event;
    bool given = args.arg[1] != 0;
    if (given) {
        SigEvent sev;
        TRY(copy_from_user(&sev, args.arg[1], sizeof(sev)));
        event.notify = sev.notify;
        event.signo = sev.signo;
        event.value = sev.value;
        event.tid = sev.tid;
    }
    TRY(check_timer_clock(clock));
    int id = TRY(table().timer_create(current_thread(), clock, given ? &event : nullptr));
    int32_t out = id;
    if (auto copied = copy_to_user(args.arg[2], &out, sizeof(out)); copied.is_error()) {
        (void)table().timer_delete(current_thread(), id); // the id stays used up, as in Linux
        return copied.error();
    }
    return 0;
}

// timer_settime(id, flags, new, old)
CHARON_SYSCALL(223, timer_settime, sys_timer_settime);
static Result<long> sys_timer_settime(SyscallArgs const& args) {
    if (!args.arg[2])
        return EINVAL;
    ITimerSpec fresh;
    TRY(copy_from_user(&fresh, args.arg[2], sizeof(fresh)));
    proc::TimerSetting setting;
    setting.interval = TRY(timespec_ns(fresh.interval));
    setting.value = TRY(timespec_ns(fresh.value));
    bool absolute = static_cast<int>(args.arg[1]) & proc::TIMER_ABSTIME; // other flag bits are ignored
    task::sync_accounting(); // the CPU clocks up to now
    proc::TimerSetting old = TRY(table().timer_settime(current_thread(), static_cast<int>(args.arg[0]), absolute,
                                                       setting, task::clock_readings()));
    task::posix_timers_changed();
    if (args.arg[3]) {
        ITimerSpec out = to_itimerspec(old);
        TRY(copy_to_user(args.arg[3], &out, sizeof(out))); // after the change, as Linux
    }
    return 0;
}

// timer_gettime(id, curr)
CHARON_SYSCALL(224, timer_gettime, sys_timer_gettime);
static Result<long> sys_timer_gettime(SyscallArgs const& args) {
    task::sync_accounting();
    proc::TimerSetting now =
        TRY(table().timer_gettime(current_thread(), static_cast<int>(args.arg[0]), task::clock_readings()));
    ITimerSpec out = to_itimerspec(now);
    TRY(copy_to_user(args.arg[1], &out, sizeof(out)));
    return 0;
}

// timer_getoverrun(id)
CHARON_SYSCALL(225, timer_getoverrun, sys_timer_getoverrun);
static Result<long> sys_timer_getoverrun(SyscallArgs const& args) {
    return TRY(table().timer_getoverrun(current_thread(), static_cast<int>(args.arg[0])));
}

// timer_delete(id)
CHARON_SYSCALL(226, timer_delete, sys_timer_delete);
static Result<long> sys_timer_delete(SyscallArgs const& args) {
    TRY(table().timer_delete(current_thread(), static_cast<int>(args.arg[0])));
    return 0;
}

} // namespace charon
