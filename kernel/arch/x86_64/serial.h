// The 16550 UART on COM1: the kernel's console. Output is polled, so it works
// before interrupts exist and inside any handler.
#pragma once

#include <cstddef>

namespace charon::arch {

void serial_init();
// The kernel's log: '\n' goes out as "\r\n".
void serial_write(const char* chars, size_t length);
// Bytes exactly as given, under the same lock: the terminal's output, which
// its line discipline has already processed (ONLCR).
void serial_write_raw(const char* chars, size_t length);
// For the fatal path: no lock, since the lock's owner may be the one that
// crashed.
void serial_write_unlocked(const char* chars, size_t length);
// printf-style straight to the console (no log level, no lock).
void console_print_unlocked(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Input: the receive interrupt (IRQ 4) drains the UART and passes what
// arrived to `handler`, in interrupt context (e.g. TtyDevice::push_input).
// A null handler turns input off.
using SerialInputHandler = void (*)(const char* chars, size_t length);
void serial_set_input_handler(SerialInputHandler handler);
// Test hook: in loopback mode the UART receives what it transmits, and
// nothing reaches the outside.
void serial_set_loopback(bool on);

} // namespace charon::arch
