#include "arch/x86_64/pit.h"

#include "arch/x86_64/cpu.h"
#include "lib/verify.h"

namespace charon::arch {

namespace {
constexpr uint16_t channel0_data = 0x40;
constexpr uint16_t channel2_data = 0x42;
constexpr uint16_t command = 0x43;
constexpr uint16_t gate_port = 0x61; // bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output
} // namespace

uint16_t pit_start_periodic(uint32_t hz) {
    uint64_t divisor = (pit_frequency_hz + hz / 2) / hz;
    VERIFY(divisor > 1 && divisor < 65536);
    outb(command, 0x34); // channel 0, lobyte/hibyte, mode 2 (rate generator), binary
    outb(channel0_data, divisor & 0xff);
    outb(channel0_data, static_cast<uint8_t>(divisor >> 8));
    return static_cast<uint16_t>(divisor);
}

uint64_t pit_measure_tsc(uint16_t pit_cycles) {
    // Gate high, speaker off; mode 0 raises the output when the count ends.
    outb(gate_port, static_cast<uint8_t>((inb(gate_port) & ~0x02) | 0x01));
    outb(command, 0xb0); // channel 2, lobyte/hibyte, mode 0, binary
    outb(channel2_data, pit_cycles & 0xff);
    outb(channel2_data, static_cast<uint8_t>(pit_cycles >> 8));
    uint64_t start = rdtsc();
    // Poll the port only every few hundred instructions: under -icount each
    // I/O instruction is expensive for QEMU. The resolution lost is well
    // under a microsecond in 10 ms.
    while (!(inb(gate_port) & 0x20))
        spin_briefly(256);
    uint64_t end = rdtsc();
    return end - start;
}

} // namespace charon::arch
