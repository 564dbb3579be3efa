#include "drivers/serial_console.h"

#include "arch/x86_64/serial.h"
#include "fs/device.h"

namespace charon::drivers {

namespace {

void write_to_serial(void*, const char* chars, size_t length) { arch::serial_write(chars, length); }

ConsoleDevice g_console(write_to_serial, nullptr);

// In interrupt context: queue what the UART received and wake readers.
// Input beyond the ring's capacity is dropped, as a UART overruns.
void on_serial_input(const char* chars, size_t length) { g_console.push_input(chars, length); }

} // namespace

ConsoleDevice& serial_console() { return g_console; }

Result<void> serial_console_init() {
    TRY(register_char_device(kConsoleMajor, kConsoleMinor, g_console));
    arch::serial_set_input_handler(on_serial_input);
    return {};
}

} // namespace charon::drivers
