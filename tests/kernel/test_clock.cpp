// The monotonic clock and the periodic tick. Must pass under plain TCG (TSC
// at the host's rate) and under -icount shift=0 (TSC at 1 GHz); a clock that
// assumed either rate would be off by their ratio in the other mode.
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "ktest.h"
#include "lib/log.h"
#include "time/clock.h"

using namespace charon;

KERNEL_TEST(clock_monotonic) {
    uint64_t previous = monotonic_ns();
    size_t backwards = 0;
    for (int i = 0; i < 20000; ++i) {
        uint64_t now = monotonic_ns();
        backwards += now < previous;
        previous = now;
    }
    KEXPECT_EQ(backwards, 0u);
    KEXPECT_GT(monotonic_ns(), 0u);
}

namespace {
uint64_t median_of_three(uint64_t a, uint64_t b, uint64_t c) {
    if (a > b) { uint64_t t = a; a = b; b = t; }
    if (b > c) b = c;
    return a > b ? a : b;
}
} // namespace

KERNEL_TEST(clock_rate_matches_pit) {
    // 20 ms on PIT channel 2 (polled and bracketed, see pit_measure: host
    // load does not skew it), measured with the clock itself. The median of
    // three: the host can stall the guest TSC for part of one window (see
    // calibrate_tsc), which says nothing about the calibration.
    constexpr uint16_t pit_cycles = 23864; // 20.0 ms
    uint64_t expected = pit_cycles * 1000000000ull / arch::pit_frequency_hz;
    uint64_t runs[3];
    for (uint64_t& run : runs)
        run = arch::pit_measure(monotonic_ns, pit_cycles);
    uint64_t measured = median_of_three(runs[0], runs[1], runs[2]);
    log_info("clock: PIT %lu us measured as %lu us (%lu, %lu, %lu)", expected / 1000, measured / 1000,
             runs[0] / 1000, runs[1] / 1000, runs[2] / 1000);
    KEXPECT_GE(measured, expected * 98 / 100);
    KEXPECT_LE(measured, expected * 102 / 100);
}

namespace {
// Timer interrupts during window_ns of clock time, from a tick edge; 0 if
// no tick comes within a second.
uint64_t ticks_in_window(uint64_t window_ns) {
    uint64_t start_tick = timer_ticks();
    uint64_t guard = monotonic_ns();
    while (timer_ticks() == start_tick) { // start on a tick edge
        arch::spin_briefly();
        if (monotonic_ns() - guard >= 1000000000)
            return 0;
    }
    uint64_t first = timer_ticks();
    uint64_t t0 = monotonic_ns();
    while (monotonic_ns() - t0 < window_ns)
        arch::spin_briefly();
    return timer_ticks() - first;
}
} // namespace

KERNEL_TEST(clock_timer_ticks_at_expected_rate) {
    // Count timer interrupts during 50 ms of clock time. A tick is never
    // early, so more ticks than fit means the clock runs slow (the median
    // of three windows, for the reason given in clock_rate_matches_pit).
    // Ticks do get lost when the host is loaded (QEMU merges late edges:
    // two thirds were lost at a load average of 14 on two cores, and a CI
    // run's median window counted 1 of 5), so the lower bound only says
    // the tick runs at all: each window starts on a tick edge, and one of
    // them counts a tick. clock_rate_matches_pit judges the rate.
    KASSERT(arch::read_rflags() & arch::rflags_interrupt_enable);
    constexpr uint64_t window_ns = 50000000;
    uint64_t runs[3];
    for (uint64_t& run : runs)
        run = ticks_in_window(window_ns);
    uint64_t ticks = median_of_three(runs[0], runs[1], runs[2]);
    uint64_t most = runs[0] > runs[1] ? runs[0] : runs[1];
    most = most > runs[2] ? most : runs[2];
    uint64_t expected = window_ns / timer_tick_ns();
    log_info("clock: %lu ticks in %lu ms of clock time (expected %lu; windows %lu, %lu, %lu)", ticks,
             window_ns / 1000000, expected, runs[0], runs[1], runs[2]);
    KEXPECT_LE(ticks, expected + 1);
    KEXPECT_GE(most, 1u);
}

KERNEL_TEST(clock_tsc_rate_plausible) {
    // 100 MHz .. 10 GHz: anything else means the calibration went wrong.
    KEXPECT_GE(tsc_hz(), 100000000u);
    KEXPECT_LE(tsc_hz(), 10000000000u);
    // The PIT divisor rounds the tick period; within 1% of the nominal one.
    uint64_t nominal = 1000000000ull / timer_hz;
    KEXPECT_GE(timer_tick_ns(), nominal * 99 / 100);
    KEXPECT_LE(timer_tick_ns(), nominal * 101 / 100);
}
