// The x86_64 ABI's time structures and their conversions to nanoseconds,
// for the time, POSIX timer and timerfd syscalls: Linux's timespec64_valid
// and timespec64_to_ktime, which saturates at KTIME_MAX rather than wrap
// (a sleep of 2^62 seconds is a sleep for ever, not a short one).
#pragma once

#include <cstdint>

#include "lib/result.h"

namespace charon::time_abi {

inline constexpr uint64_t ns_per_s = 1000000000ull;
inline constexpr uint64_t max_ns = 0x7fffffffffffffffull; // Linux KTIME_MAX

struct TimeSpec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
struct ITimerSpec {
    TimeSpec interval;
    TimeSpec value;
};
struct TimeVal {
    int64_t tv_sec;
    int64_t tv_usec;
};

inline bool valid(const TimeSpec& ts) {
    return ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < static_cast<int64_t>(ns_per_s);
}

// A valid timespec in nanoseconds, saturating.
inline uint64_t to_ns(const TimeSpec& ts) {
    if (static_cast<uint64_t>(ts.tv_sec) >= max_ns / ns_per_s)
        return max_ns;
    return static_cast<uint64_t>(ts.tv_sec) * ns_per_s + static_cast<uint64_t>(ts.tv_nsec);
}

// EINVAL for an invalid timespec, else to_ns.
inline Result<uint64_t> timespec_ns(const TimeSpec& ts) {
    if (!valid(ts))
        return EINVAL;
    return to_ns(ts);
}

// EINVAL for an invalid timeval, else its nanoseconds, saturating (Linux's
// setitimer goes through timespec64_to_ktime).
inline Result<uint64_t> timeval_ns(const TimeVal& tv) {
    if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return EINVAL;
    return to_ns(TimeSpec{tv.tv_sec, tv.tv_usec * 1000});
}

// now + ns, but no later than KTIME_MAX (Linux's ktime_add_safe): a
// "for ever" sleep ends at KTIME_MAX on the monotonic clock, so the time
// it has left is KTIME_MAX minus the uptime, as on Linux.
inline uint64_t deadline_after(uint64_t now, uint64_t ns) { return ns > max_ns - now ? max_ns : now + ns; }

inline TimeSpec to_timespec(uint64_t ns) {
    return TimeSpec{static_cast<int64_t>(ns / ns_per_s), static_cast<int64_t>(ns % ns_per_s)};
}

inline TimeVal to_timeval(uint64_t ns) {
    return TimeVal{static_cast<int64_t>(ns / ns_per_s), static_cast<int64_t>(ns % ns_per_s / 1000)};
}

} // namespace charon::time_abi
