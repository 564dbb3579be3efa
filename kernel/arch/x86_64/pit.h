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

// How far `read_clock` advances while PIT channel 2 counts `pit_cycles`
// (< 60000). Both ends are taken by reading the PIT's counter between two
// clock reads and keeping the tightest of several tries, so the host
// descheduling QEMU in between (which stretches both clocks alike) costs
// nothing, and the error is the width of one bracketed counter read.
uint64_t pit_measure(uint64_t (*read_clock)(), uint16_t pit_cycles);
// pit_measure with the TSC.
uint64_t pit_measure_tsc(uint16_t pit_cycles);

} // namespace charon::arch
