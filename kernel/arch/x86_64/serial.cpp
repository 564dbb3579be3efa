#include "serial.h"

#include <stdarg.h>

#include "arch/x86_64/cpu.h"
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
} // namespace

void serial_init() {
    outb(com1 + 1, 0x00); // no UART interrupts
    outb(com1 + 3, 0x80); // DLAB on
    outb(com1 + 0, 0x01); // divisor 1: 115200 baud
    outb(com1 + 1, 0x00);
    outb(com1 + 3, 0x03); // 8N1, DLAB off
    outb(com1 + 2, 0xc7); // FIFO on, cleared, 14-byte threshold
    outb(com1 + 4, 0x03); // DTR, RTS
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

void console_print_unlocked(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vformat_to(console_sink, nullptr, fmt, args);
    va_end(args);
}

} // namespace charon::arch
