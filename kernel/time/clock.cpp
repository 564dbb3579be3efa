#include "time/clock.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/trap.h"
#include "lib/log.h"
#include "lib/verify.h"

namespace charon {

namespace {

uint64_t g_tsc_hz;
uint64_t g_tsc_origin;
// ns = (tsc delta * g_multiplier) >> 32, computed in 128 bits.
uint64_t g_multiplier;
uint64_t g_tick_ns;
volatile uint64_t g_ticks;

void (*g_tick_hook)(bool from_user);

void on_timer_tick(arch::TrapFrame& frame) {
    g_ticks = g_ticks + 1;
    if (g_tick_hook)
        g_tick_hook(frame.from_user());
}

uint64_t calibrate_tsc() {
    // Samples of 5 ms until three agree within 0.5%; their median wins.
    // Not the smallest sample: a sample can see too few TSC cycles (QEMU
    // keeps the guest TSC monotonic, so a host TSC stepping back loses time
    // within that sample). One such sample made a CI run's clock 10x fast
    // when the smallest of three was taken.
    constexpr uint16_t sample_pit_cycles = 5966; // 5.0 ms
    constexpr size_t max_samples = 15;
    uint64_t samples[max_samples];
    size_t count = 0;
    uint64_t chosen = 0;
    while (count < max_samples && chosen == 0) {
        uint64_t cycles = arch::pit_measure_tsc(sample_pit_cycles);
        size_t at = count++;
        for (; at > 0 && samples[at - 1] > cycles; --at) // keep them sorted
            samples[at] = samples[at - 1];
        samples[at] = cycles;
        for (size_t i = 0; i + 2 < count && chosen == 0; ++i)
            if (samples[i + 2] - samples[i] <= samples[i] / 200)
                chosen = samples[i + 1];
    }
    if (chosen == 0) { // never agreed: the median of all is the best guess
        chosen = samples[count / 2];
        log_warn("clock: TSC calibration samples disagree; using their median");
    }
    return chosen * arch::pit_frequency_hz / sample_pit_cycles;
}

} // namespace

void clock_init() {
    g_tsc_hz = calibrate_tsc();
    VERIFY(g_tsc_hz > 1000000);
    g_multiplier = static_cast<uint64_t>((static_cast<unsigned __int128>(1000000000) << 32) / g_tsc_hz);
    g_tsc_origin = arch::rdtsc();

    uint16_t divisor = arch::pit_start_periodic(timer_hz);
    g_tick_ns = divisor * 1000000000ull / arch::pit_frequency_hz;
    arch::register_irq_handler(0, on_timer_tick);
    log_debug("clock: TSC %lu.%03lu MHz, tick %lu ns", g_tsc_hz / 1000000, g_tsc_hz / 1000 % 1000, g_tick_ns);
}

uint64_t monotonic_ns() {
    uint64_t delta = arch::rdtsc() - g_tsc_origin;
    return static_cast<uint64_t>((static_cast<unsigned __int128>(delta) * g_multiplier) >> 32);
}

uint64_t tsc_hz() { return g_tsc_hz; }
uint64_t timer_ticks() { return g_ticks; }
uint64_t timer_tick_ns() { return g_tick_ns; }
void set_timer_tick_hook(void (*hook)(bool from_user)) { g_tick_hook = hook; }

} // namespace charon
