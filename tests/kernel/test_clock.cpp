// The monotonic clock and the periodic tick. Must pass under plain TCG (TSC
// at the host's rate) and under -icount shift=0 (TSC at 1 GHz).
#include "arch/x86_64/cpu.h"
#include "ktest.h"
#include "lib/log.h"
#include "time/clock.h"

using namespace charon;

KERNEL_TEST(clock_monotonic) {
    uint64_t previous = monotonic_ns();
    size_t backwards = 0;
    for (int i = 0; i < 100000; ++i) {
        uint64_t now = monotonic_ns();
        backwards += now < previous;
        previous = now;
    }
    KEXPECT_EQ(backwards, 0u);
    KEXPECT_GT(monotonic_ns(), 0u);
}

KERNEL_TEST(clock_rate_matches_timer_ticks) {
    // Measure 50 timer periods with the clock. The tick comes from the PIT,
    // which QEMU runs on its virtual clock in every mode; a wrongly
    // calibrated TSC would be off by the host/1 GHz ratio. A tick can be
    // delivered late (host load), never early, so the upper bound is loose.
    KASSERT(arch::read_rflags() & arch::rflags_interrupt_enable);
    constexpr uint64_t periods = 50;
    uint64_t start_tick = timer_ticks();
    uint64_t guard = monotonic_ns();
    while (timer_ticks() == start_tick) {
        arch::pause();
        KASSERT(monotonic_ns() - guard < 1000000000); // the tick must come
    }
    uint64_t t0 = monotonic_ns();
    uint64_t first = timer_ticks();
    while (timer_ticks() < first + periods)
        arch::pause();
    uint64_t elapsed = monotonic_ns() - t0;
    uint64_t expected = periods * timer_tick_ns();
    log_info("clock: %lu ticks measured as %lu us (expected %lu us)", periods, elapsed / 1000, expected / 1000);
    KEXPECT_GE(elapsed, expected * 8 / 10);
    KEXPECT_LE(elapsed, expected * 3 / 2);
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
