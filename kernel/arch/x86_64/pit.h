// The 8254 programmable interval timer: channel 0 drives the periodic tick
// (IRQ 0), channel 2 (gated through port 0x61, no interrupt) serves as the
// reference for calibrating the TSC.
#pragma once

#include <cstdint>

namespace charon::arch {

constexpr uint64_t pit_frequency_hz = 1193182;

// Programs channel 0 as a rate generator; returns the exact period in PIT
// cycles (divisor) used for `hz`.
uint16_t pit_start_periodic(uint32_t hz);
// Busy-waits `pit_cycles` (< 65536) on channel 2 and returns the TSC cycles
// that elapsed meanwhile.
uint64_t pit_measure_tsc(uint16_t pit_cycles);

} // namespace charon::arch
