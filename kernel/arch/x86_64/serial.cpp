#include "serial.h"

#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "lib/format.h"
#include "lib/spinlock.h"

namespace charon::arch {

namespace {
constexpr uint16_t com1 = 0x3f8;
Spinlock g_console_lock{"console", LockRank::Console};

void put_raw(char c) {
    // Line status bit 5: transmit holding register empty.
    while (!(inb(com1 + 5) & 0x20))
        pause();
    outb(com1, static_cast<uint8_t>(c));
}

void console_sink(void*, const char* chars, size_t length) { serial_write_unlocked(chars, length); }

constexpr uint8_t irq_com1 = 4;
constexpr uint8_t ier_receive = 0x01;
constexpr uint8_t mcr_dtr_rts = 0x03;
constexpr uint8_t mcr_out2 = 0x08; // gates the UART's interrupt line on PCs
constexpr uint8_t mcr_loopback = 0x10;
constexpr uint8_t lsr_data_ready = 0x01;

SerialInputHandler g_input_handler;
uint8_t g_mcr = mcr_dtr_rts;
// Input typed before serial_init, read out before enabling the FIFO (which
// clears the receiver) and handed to the input handler when one is set.
char g_early_input[64];
size_t g_early_count;

void on_receive_interrupt(TrapFrame&) {
    char chars[16];
    size_t count = 0;
    while (inb(com1 + 5) & lsr_data_ready) {
        chars[count++] = static_cast<char>(inb(com1));
        if (count == sizeof(chars)) {
            if (g_input_handler)
                g_input_handler(chars, count);
            count = 0;
        }
    }
    if (count && g_input_handler)
        g_input_handler(chars, count);
}
} // namespace

void serial_init() {
    outb(com1 + 1, 0x00); // no UART interrupts
    outb(com1 + 3, 0x80); // DLAB on
    outb(com1 + 0, 0x01); // divisor 1: 115200 baud
    outb(com1 + 1, 0x00);
    outb(com1 + 3, 0x03); // 8N1, DLAB off
    // Without a FIFO the receiver holds one byte. QEMU's console multiplexer
    // (-serial mon:stdio) keeps what does not fit and passes the next byte
    // as each is read, so this reads all it holds.
    while ((inb(com1 + 5) & lsr_data_ready) && g_early_count < sizeof(g_early_input))
        g_early_input[g_early_count++] = static_cast<char>(inb(com1));
    outb(com1 + 2, 0x07); // FIFO on, cleared, interrupt at every byte
    // QEMU passes held input on only when the receiver is read: read the
    // empty FIFO once so that what came meanwhile is not held forever. A
    // byte that arrived in between is kept (a NUL cannot be told apart).
    if (!(inb(com1 + 5) & lsr_data_ready)) {
        char c = static_cast<char>(inb(com1));
        if (c && g_early_count < sizeof(g_early_input))
            g_early_input[g_early_count++] = c;
    }
    outb(com1 + 4, g_mcr); // DTR, RTS
}

void serial_write_unlocked(const char* chars, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        if (chars[i] == '\n')
            put_raw('\r');
        put_raw(chars[i]);
    }
}

void serial_write(const char* chars, size_t length) {
    SpinlockGuard guard(g_console_lock);
    serial_write_unlocked(chars, length);
}

void serial_write_raw(const char* chars, size_t length) {
    SpinlockGuard guard(g_console_lock);
    for (size_t i = 0; i < length; ++i)
        put_raw(chars[i]);
}

void serial_set_input_handler(SerialInputHandler handler) {
    size_t early_count = 0;
    {
        SpinlockGuard guard(g_console_lock);
        g_input_handler = handler;
        if (handler) {
            early_count = g_early_count;
            g_early_count = 0;
        }
    }
    // Outside the console lock: the handler may echo. Before the interrupt
    // is enabled, so that it comes before what the FIFO holds.
    if (early_count)
        handler(g_early_input, early_count);
    SpinlockGuard guard(g_console_lock);
    if (handler) {
        // What was typed before is kept: a byte already received raises the
        // receive interrupt as soon as it is enabled. (Draining it here
        // lost everything typed during boot: QEMU holds back input while
        // the FIFO is full and refills it as fast as it is read, so the
        // drain read all of it. Linux's 8250 startup reads at most one
        // stale byte.)
        register_irq_handler(irq_com1, on_receive_interrupt);
        g_mcr |= mcr_out2;
        outb(com1 + 4, g_mcr);
        outb(com1 + 1, ier_receive);
    } else {
        outb(com1 + 1, 0);
    }
}

void serial_set_loopback(bool on) {
    g_mcr = on ? (g_mcr | mcr_loopback) : (g_mcr & ~mcr_loopback);
    outb(com1 + 4, g_mcr);
}

void console_print_unlocked(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vformat_to(console_sink, nullptr, fmt, args);
    va_end(args);
}

} // namespace charon::arch
