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
    // 10 ms per sample; the best of three discards a sample stretched by
    // the host descheduling us between the PIT reads.
    constexpr uint16_t sample_pit_cycles = 11932; // 10.0 ms
    uint64_t best = ~0ull;
    for (int i = 0; i < 3; ++i) {
        uint64_t cycles = arch::pit_measure_tsc(sample_pit_cycles);
        if (cycles < best)
            best = cycles;
    }
    return best * arch::pit_frequency_hz / sample_pit_cycles;
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
