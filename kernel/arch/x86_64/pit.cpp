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

namespace {

struct Sample {
    uint16_t count;       // channel 2's counter
    uint64_t clock;       // read_clock() at the middle of the counter read
    uint64_t uncertainty; // read_clock() ticks the counter read spanned
};

uint16_t read_channel2() {
    outb(command, 0x80); // latch channel 2
    uint8_t low = inb(channel2_data);
    uint8_t high = inb(channel2_data);
    return static_cast<uint16_t>(low | (high << 8));
}

Sample sample(uint64_t (*read_clock)()) {
    Sample best{0, 0, ~0ull};
    for (int attempt = 0; attempt < 5; ++attempt) {
        uint64_t before = read_clock();
        uint16_t count = read_channel2();
        uint64_t after = read_clock();
        if (after - before < best.uncertainty)
            best = {count, before + (after - before) / 2, after - before};
    }
    return best;
}

} // namespace

uint64_t pit_measure(uint64_t (*read_clock)(), uint16_t pit_cycles) {
    VERIFY(pit_cycles > 0 && pit_cycles < 60000);
    // Gate high, speaker off; mode 0 counts down from 0xffff, 55 ms before
    // it wraps, which is longer than any measurement here.
    outb(gate_port, static_cast<uint8_t>((inb(gate_port) & ~0x02) | 0x01));
    outb(command, 0xb0); // channel 2, lobyte/hibyte, mode 0, binary
    outb(channel2_data, 0xff);
    outb(channel2_data, 0xff);
    // The count is loaded on the next PIT cycle: wait until it moves.
    while (read_channel2() == 0xffff)
        spin_briefly();

    Sample start = sample(read_clock);
    // Poll the counter every few hundred instructions: under -icount each
    // I/O instruction is expensive for QEMU.
    while (static_cast<uint16_t>(start.count - read_channel2()) < pit_cycles)
        spin_briefly(256);
    Sample end = sample(read_clock);

    uint64_t counted = static_cast<uint16_t>(start.count - end.count);
    // Scale to exactly pit_cycles.
    return static_cast<uint64_t>(static_cast<unsigned __int128>(end.clock - start.clock) * pit_cycles / counted);
}

uint64_t pit_measure_tsc(uint16_t pit_cycles) { return pit_measure(rdtsc, pit_cycles); }

} // namespace charon::arch
