// Time syscalls. CLOCK_REALTIME is the CMOS clock read once at first use
// plus the monotonic clock (no settimeofday, no NTP); MONOTONIC and
// BOOTTIME are the calibrated TSC (time/clock.h, no suspend so they agree);
// the CPU-time clocks come from the core's accounting.
#include "arch/x86_64/cpu.h"
#include "sched/scheduler.h"
#include "sched/wait.h"
#include "syscall/syscall.h"
#include "syscall/time_abi.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"
#include "time/clock.h"

namespace charon {

namespace {

constexpr int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3,
              CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7,
              CLOCK_TAI = 11;
constexpr int TIMER_ABSTIME = 1;
using namespace time_abi;

uint8_t cmos(uint8_t reg) {
    arch::outb(0x70, reg);
    return arch::inb(0x71);
}

// Seconds since the epoch from the MC146818 (BCD or binary, 24/12 h).
uint64_t read_cmos_epoch() {
    while (cmos(0x0a) & 0x80) {
    } // update in progress
    uint8_t sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04), day = cmos(0x07), mon = cmos(0x08),
            year = cmos(0x09), status_b = cmos(0x0b);
    auto bcd = [](uint8_t v) { return static_cast<uint8_t>((v & 0x0f) + (v >> 4) * 10); };
    bool pm = hour & 0x80;
    hour &= 0x7f;
    if (!(status_b & 0x04)) {
        sec = bcd(sec), min = bcd(min), hour = bcd(hour), day = bcd(day), mon = bcd(mon), year = bcd(year);
    }
    if (!(status_b & 0x02) && pm)
        hour = static_cast<uint8_t>((hour % 12) + 12);
    int64_t y = 2000 + year, m = mon, d = day;
    // Days from civil (Howard Hinnant's algorithm).
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return static_cast<uint64_t>(days * 86400 + hour * 3600 + min * 60 + sec);
}

uint64_t g_boot_epoch_ns;
bool g_boot_epoch_known;

uint64_t cpu_ns(int who) {
    task::sync_accounting();
    auto usage = task::table().getrusage(task::current_thread(), who);
    if (usage.is_error())
        return 0;
    const proc::RUsage& u = usage.value();
    return static_cast<uint64_t>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * ns_per_s +
           static_cast<uint64_t>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000;
}

Result<uint64_t> clock_ns(int clock) {
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI: // no leap-second offset is ever set here (Linux's tai_offset 0)
        return task::realtime_ns();
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
        return monotonic_ns();
    case CLOCK_PROCESS_CPUTIME_ID:
        return cpu_ns(proc::RUSAGE_SELF);
    case CLOCK_THREAD_CPUTIME_ID:
        return cpu_ns(proc::RUSAGE_THREAD);
    default:
        if (clock < 0) { // another thread's or process's CPU clock (clock_getcpuclockid)
            task::sync_accounting();
            return task::table().cpu_clock(task::current_thread(), clock, true);
        }
        return EINVAL;
    }
}

Result<uint64_t> read_timespec(uint64_t address) {
    TimeSpec ts;
    TRY(copy_from_user(&ts, address, sizeof(ts)));
    return timespec_ns(ts);
}

Result<long> sleep_until_deadline(uint64_t deadline, uint64_t remaining_address);

// restart_syscall after a relative sleep was stopped and continued: on to
// the same deadline, so the time spent stopped counts.
Result<long> nanosleep_restart(task::RestartBlock& block) {
    return sleep_until_deadline(block.deadline_ns, block.address);
}

// A relative sleep until monotonic `deadline` (Linux do_nanosleep). On a
// signal the time left goes to `remaining_address`, and
// ERESTART_RESTARTBLOCK has a handler see EINTR, while without one the
// sleep resumes through restart_syscall. Never restarted with its original
// arguments, which would sleep the full time again.
Result<long> sleep_until_deadline(uint64_t deadline, uint64_t remaining_address) {
    auto slept =
        sched::sleep_until([] { return false; }, sched::BlockMode::Interruptible, sched::Deadline::at(deadline));
    if (!slept.is_error() || slept.error().code() == ETIMEDOUT)
        return 0;
    uint64_t now = monotonic_ns();
    if (deadline <= now)
        return 0; // expired meanwhile: Linux reports the completed sleep
    if (remaining_address) {
        TimeSpec rem = to_timespec(deadline - now);
        TRY(copy_to_user(remaining_address, &rem, sizeof(rem)));
    }
    task::RestartBlock& block = task::current_task().restart;
    block.fn = nanosleep_restart;
    block.deadline_ns = deadline;
    block.address = remaining_address;
    return ERESTART_RESTARTBLOCK;
}

// An absolute sleep: interrupted, it is restarted as it was called (same
// deadline) unless a handler runs (Linux: ERESTARTNOHAND, no remaining time).
Result<long> sleep_until_absolute(uint64_t deadline) {
    auto slept =
        sched::sleep_until([] { return false; }, sched::BlockMode::Interruptible, sched::Deadline::at(deadline));
    if (!slept.is_error() || slept.error().code() == ETIMEDOUT)
        return 0;
    return ERESTARTNOHAND;
}

} // namespace

uint64_t task::realtime_ns() {
    if (!g_boot_epoch_known) {
        uint64_t epoch = read_cmos_epoch();
        g_boot_epoch_ns = epoch * ns_per_s - monotonic_ns();
        g_boot_epoch_known = true;
    }
    return g_boot_epoch_ns + monotonic_ns();
}

CHARON_SYSCALL(228, clock_gettime, sys_clock_gettime);
static Result<long> sys_clock_gettime(SyscallArgs const& args) {
    uint64_t ns = TRY(clock_ns(static_cast<int>(args.arg[0])));
    TimeSpec ts = to_timespec(ns);
    TRY(copy_to_user(args.arg[1], &ts, sizeof(ts)));
    return 0;
}

CHARON_SYSCALL(229, clock_getres, sys_clock_getres);
static Result<long> sys_clock_getres(SyscallArgs const& args) {
    int clock = static_cast<int>(args.arg[0]);
    // Coarse clocks tick with the timer, the others are TSC based. A CPU
    // clock by id must name someone (Linux validate_clock_permissions); its
    // resolution is Linux's: 1 ns for CPUCLOCK_SCHED (what
    // clock_getcpuclockid makes), a tick for PROF and VIRT.
    bool coarse = clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE;
    if (clock < 0) {
        TRY(task::table().cpu_clock(task::current_thread(), clock, false));
        coarse = (clock & 3) != 2;
    } else {
        TRY(clock_ns(clock));
    }
    uint64_t tick = timer_tick_ns();
    if (clock < 0 && coarse) {
        // Linux's TICK_NSEC rounded up, (1e9 + HZ - 1) / HZ: the nominal
        // tick, where the PIT's is a little short (999847 ns for 1000 Hz).
        uint64_t hz = (ns_per_s + tick / 2) / tick;
        tick = (ns_per_s + hz - 1) / hz;
    }
    TimeSpec ts{0, coarse ? static_cast<int64_t>(tick) : 1};
    if (args.arg[1])
        TRY(copy_to_user(args.arg[1], &ts, sizeof(ts)));
    return 0;
}

// nanosleep(req, rem)
CHARON_SYSCALL(35, nanosleep, sys_nanosleep);
static Result<long> sys_nanosleep(SyscallArgs const& args) {
    uint64_t ns = TRY(read_timespec(args.arg[0]));
    return sleep_until_deadline(deadline_after(monotonic_ns(), ns), args.arg[1]);
}

// clock_nanosleep(clock, flags, req, rem)
CHARON_SYSCALL(230, clock_nanosleep, sys_clock_nanosleep);
static Result<long> sys_clock_nanosleep(SyscallArgs const& args) {
    int clock = static_cast<int>(args.arg[0]);
    int flags = static_cast<int>(args.arg[1]);
    if (clock == CLOCK_THREAD_CPUTIME_ID || (clock < 0 && (clock & 4)))
        return EINVAL; // a thread CPU clock (Linux: EINVAL for the caller's own)
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
        clock != CLOCK_PROCESS_CPUTIME_ID)
        return clock_ns(clock).is_error() ? EINVAL : ENOTSUP;
    if (clock == CLOCK_PROCESS_CPUTIME_ID)
        return ENOTSUP; // sleeping on CPU time: not yet
    uint64_t ns = TRY(read_timespec(args.arg[2]));
    uint64_t deadline;
    if (flags & TIMER_ABSTIME) {
        if (clock == CLOCK_REALTIME) {
            uint64_t now = task::realtime_ns();
            deadline = deadline_after(monotonic_ns(), ns > now ? ns - now : 0);
        } else {
            deadline = ns;
        }
        return sleep_until_absolute(deadline);
    }
    deadline = deadline_after(monotonic_ns(), ns);
    return sleep_until_deadline(deadline, args.arg[3]);
}

CHARON_SYSCALL(96, gettimeofday, sys_gettimeofday);
static Result<long> sys_gettimeofday(SyscallArgs const& args) {
    if (args.arg[0]) {
        uint64_t ns = task::realtime_ns();
        TimeVal tv = to_timeval(ns);
        TRY(copy_to_user(args.arg[0], &tv, sizeof(tv)));
    }
    if (args.arg[1]) {
        int32_t tz[2] = {0, 0};
        TRY(copy_to_user(args.arg[1], tz, sizeof(tz)));
    }
    return 0;
}

namespace {

constexpr int ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;

struct ITimerVal {
    TimeVal interval;
    TimeVal value;
};

// The current ITIMER_REAL as getitimer reports it (a just-expired timer
// reports 1 us, never 0, as Linux).
ITimerVal current_real(task::ProcessExtra& extra) {
    ITimerVal v{};
    if (extra.armed) {
        uint64_t now = monotonic_ns();
        uint64_t left = extra.real_deadline > now ? extra.real_deadline - now : 1000;
        v.value = to_timeval(left);
        if (v.value.tv_sec == 0 && v.value.tv_usec == 0)
            v.value.tv_usec = 1;
        v.interval = to_timeval(extra.real_interval);
    }
    return v;
}

// ITIMER_VIRTUAL / ITIMER_PROF: the core keeps them on the process's CPU
// clocks and fires them where CPU time is charged (account_cpu).
ITimerVal cpu_itimer(int which, const proc::TimerSetting* fresh) {
    task::sync_accounting(); // the CPU time up to now
    proc::TimerSetting old = task::table().cpu_itimer(task::current_thread(), which, fresh, timer_tick_ns());
    return ITimerVal{to_timeval(old.interval), to_timeval(old.value)};
}

} // namespace

// getitimer(which, value)
CHARON_SYSCALL(36, getitimer, sys_getitimer);
static Result<long> sys_getitimer(SyscallArgs const& args) {
    int which = static_cast<int>(args.arg[0]);
    ITimerVal v;
    if (which == ITIMER_REAL)
        v = current_real(task::extra_of(task::current_process()));
    else if (which == ITIMER_VIRTUAL || which == ITIMER_PROF)
        v = cpu_itimer(which, nullptr);
    else
        return EINVAL;
    TRY(copy_to_user(args.arg[1], &v, sizeof(v)));
    return 0;
}

// setitimer(which, new, old)
CHARON_SYSCALL(38, setitimer, sys_setitimer);
static Result<long> sys_setitimer(SyscallArgs const& args) {
    int which = static_cast<int>(args.arg[0]);
    if (which != ITIMER_REAL && which != ITIMER_VIRTUAL && which != ITIMER_PROF)
        return EINVAL;
    ITimerVal fresh{};
    if (args.arg[1])
        TRY(copy_from_user(&fresh, args.arg[1], sizeof(fresh)));
    uint64_t value = TRY(timeval_ns(fresh.value));
    uint64_t interval = TRY(timeval_ns(fresh.interval));
    ITimerVal old;
    if (which == ITIMER_REAL) {
        task::ProcessExtra& extra = task::extra_of(task::current_process());
        old = current_real(extra);
        task::set_real_timer(extra, value ? deadline_after(monotonic_ns(), value) : 0, interval);
    } else {
        proc::TimerSetting setting{value, interval};
        old = cpu_itimer(which, &setting);
    }
    if (args.arg[2])
        TRY(copy_to_user(args.arg[2], &old, sizeof(old)));
    return 0;
}

// alarm(seconds): returns the seconds left on the previous alarm, rounded
// to nearest, at least 1 if one was pending (Linux alarm_setitimer).
CHARON_SYSCALL(37, alarm, sys_alarm);
static Result<long> sys_alarm(SyscallArgs const& args) {
    task::ProcessExtra& extra = task::extra_of(task::current_process());
    ITimerVal old = current_real(extra);
    uint64_t seconds = static_cast<uint32_t>(args.arg[0]);
    task::set_real_timer(extra, seconds ? monotonic_ns() + seconds * ns_per_s : 0, 0);
    long left = old.value.tv_sec;
    if ((!left && old.value.tv_usec) || old.value.tv_usec >= 500000)
        left++;
    return left;
}

CHARON_SYSCALL(201, time, sys_time);
static Result<long> sys_time(SyscallArgs const& args) {
    int64_t seconds = static_cast<int64_t>(task::realtime_ns() / ns_per_s);
    if (args.arg[0])
        TRY(copy_to_user(args.arg[0], &seconds, sizeof(seconds)));
    return seconds;
}

} // namespace charon
