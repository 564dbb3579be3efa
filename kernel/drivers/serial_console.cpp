#include "drivers/serial_console.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/trap.h"
#include "fs/device.h"

namespace charon::drivers {

namespace {

constexpr uint16_t com1 = 0x3f8;
constexpr uint8_t com1_irq = 4;
// 16550 registers (offsets from the base port) and bits.
constexpr uint16_t reg_data = 0;
constexpr uint16_t reg_interrupt_enable = 1;
constexpr uint16_t reg_modem_control = 4;
constexpr uint16_t reg_line_status = 5;
constexpr uint8_t ier_received_data = 0x01;
constexpr uint8_t mcr_dtr_rts = 0x03;
constexpr uint8_t mcr_out2 = 0x08; // gates the UART's interrupt onto the ISA line
constexpr uint8_t lsr_data_ready = 0x01;

void write_to_serial(void*, const char* chars, size_t length) { arch::serial_write(chars, length); }

ConsoleDevice g_console(write_to_serial, nullptr);

void on_serial_interrupt(arch::TrapFrame&) {
    // Drain the receive FIFO (up to its 16 bytes, and whatever arrives
    // meanwhile) in one push, so readers are woken once per interrupt.
    char bytes[64];
    size_t count = 0;
    while (count < sizeof bytes && (arch::inb(com1 + reg_line_status) & lsr_data_ready))
        bytes[count++] = static_cast<char>(arch::inb(com1 + reg_data));
    if (count)
        g_console.push_input(bytes, count);
}

} // namespace

ConsoleDevice& serial_console() { return g_console; }

Result<void> serial_console_init() {
    TRY(register_char_device(kConsoleMajor, kConsoleMinor, g_console));
    // Bytes that arrived before anyone listened are stale: drop them.
    while (arch::inb(com1 + reg_line_status) & lsr_data_ready)
        (void)arch::inb(com1 + reg_data);
    arch::register_irq_handler(com1_irq, on_serial_interrupt);
    arch::outb(com1 + reg_modem_control, mcr_dtr_rts | mcr_out2);
    arch::outb(com1 + reg_interrupt_enable, ier_received_data);
    return {};
}

} // namespace charon::drivers
