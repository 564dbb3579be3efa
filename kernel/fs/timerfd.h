// Timerfds (Linux fs/timerfd.c): a timer whose expirations are read from a
// file. The open file keeps the timer; armed ones sit in a deadline heap per
// clock base (lib/deadline_heap.h) and the kernel's timer thread calls
// expire() to count the due ones and wake their readers. Portable: the
// kernel hands in its clocks and its timer thread's wake-up through Host.
//
// Linux's semantics kept here: expirations accumulate in one 8-byte count
// that read() returns and resets; a periodic timer counts every interval
// that passed (overruns); settime discards the count; a read or gettime sees
// expirations due at the time of the call even if the timer thread has not
// run yet. TFD_TIMER_CANCEL_ON_SET is accepted but never fires: Charon's
// realtime clock cannot be set (no settimeofday/clock_settime).
#pragma once

#include <cstdint>

#include "fs/open_file.h"
#include "lib/ref_ptr.h"
#include "lib/result.h"

namespace charon::timerfd {

// timerfd_create's TFD_NONBLOCK / TFD_CLOEXEC are O_NONBLOCK / O_CLOEXEC.
inline constexpr int kNonblock = O_NONBLOCK;
inline constexpr int kCloexec = O_CLOEXEC;
// timerfd_settime flags.
inline constexpr int kTimerAbstime = 1;
inline constexpr int kTimerCancelOnSet = 2;

// Linux clock ids a timerfd takes (the *_ALARM ones need CAP_WAKE_ALARM,
// checked by the syscall; without suspend they behave as their base clock).
inline constexpr int kClockRealtime = 0, kClockMonotonic = 1, kClockBoottime = 7, kClockRealtimeAlarm = 8,
                     kClockBoottimeAlarm = 9;

struct Clocks {
    uint64_t realtime = 0;
    uint64_t monotonic = 0;
    uint64_t boottime = 0;
};

// An itimerspec in ns: `value` is the time left (0: disarmed), or with
// kTimerAbstime the absolute expiry.
struct Setting {
    uint64_t value = 0;
    uint64_t interval = 0;
};

struct Host {
    Clocks (*now)() = nullptr; // the clocks at this instant
    void (*armed)() = nullptr; // a timerfd was armed: the timer thread recomputes its sleep
};
void set_host(const Host& host);

// Whether `clock` is one a timerfd can use (EINVAL otherwise).
bool valid_clock(int clock);
// A disarmed timerfd on `clock` (valid_clock), O_RDWR plus kNonblock.
Result<RefPtr<OpenFile>> create(int clock, int flags);
// The clock of a timerfd; -1 if `file` is not one.
int clock_of(OpenFile& file);
// timerfd_settime / timerfd_gettime: EINVAL if `file` is not a timerfd.
// Returns the previous setting.
Result<Setting> settime(OpenFile& file, bool absolute, const Setting& fresh);
Result<Setting> gettime(OpenFile& file);
// The timer thread: counts the expirations due at `now` and wakes their
// readers; returns the ns until the next one (~0: none armed).
uint64_t expire(const Clocks& now);
// Timerfds alive (leak checks) and armed.
uint64_t live_count();
uint64_t armed_count();

} // namespace charon::timerfd
