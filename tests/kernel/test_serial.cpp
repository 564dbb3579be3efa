// The serial console's input path: bytes the UART receives reach the input
// handler through the receive interrupt. The UART's loopback mode feeds it
// our own output (which then goes nowhere, so nothing may log meanwhile).
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "ktest.h"
#include "lib/spinlock.h"
#include "lib/string_util.h"
#include "time/clock.h"

using namespace charon;

namespace {
char g_received[64];
size_t g_received_count;

void capture_input(const char* chars, size_t length) {
    for (size_t i = 0; i < length && g_received_count < sizeof(g_received); ++i)
        g_received[g_received_count++] = chars[i];
}
} // namespace

KERNEL_TEST(serial_input_reaches_handler_by_interrupt) {
    g_received_count = 0;
    arch::serial_set_input_handler(capture_input);

    const char message[] = "charon!";
    uint64_t saved = interrupts_save_and_disable();
    arch::serial_set_loopback(true);
    arch::serial_write_unlocked(message, sizeof(message) - 1);
    arch::serial_set_loopback(false);
    interrupts_restore(saved); // the pending receive interrupt runs now

    uint64_t deadline = monotonic_ns() + 500000000;
    while (g_received_count < sizeof(message) - 1 && monotonic_ns() < deadline)
        arch::spin_briefly();
    arch::serial_set_input_handler(nullptr);

    KEXPECT_EQ(g_received_count, sizeof(message) - 1);
    KEXPECT(memory_equal(g_received, message, sizeof(message) - 1));
}
