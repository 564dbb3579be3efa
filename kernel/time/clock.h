// Time: a monotonic clock from the TSC, calibrated against the PIT at boot,
// and the periodic timer tick.
//
// Under QEMU the TSC rate is not architectural: plain TCG passes the host's
// TSC rate through, and `-icount shift=0` makes it 1 GHz of virtual time.
// Measuring it against the PIT (which QEMU always runs on its virtual clock)
// gives the right rate in both modes.
#pragma once

#include <cstdint>

namespace charon {

constexpr uint32_t timer_hz = 1000;

// Calibrates the TSC and starts the periodic tick (interrupts still off).
void clock_init();

// Nanoseconds since clock_init(). Never goes backwards.
uint64_t monotonic_ns();
uint64_t tsc_hz();
// Ticks of the periodic timer since clock_init().
uint64_t timer_ticks();
// The exact tick period in nanoseconds (the PIT divisor rounds the rate).
uint64_t timer_tick_ns();
// Called on every tick, in the interrupt, after the count advanced (the
// scheduler's timeouts, time slices and CPU-time sampling); `from_user`
// says whether the tick interrupted user mode.
void set_timer_tick_hook(void (*hook)(bool from_user));

} // namespace charon
