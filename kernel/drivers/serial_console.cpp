#include "drivers/serial_console.h"

#include "arch/x86_64/serial.h"
#include "fs/device.h"

namespace charon::drivers {

namespace {

// Raw: the line discipline did the output processing (OPOST, ONLCR).
void write_to_serial(void*, const char* chars, size_t length) { arch::serial_write_raw(chars, length); }

TtyDevice g_console(write_to_serial, nullptr);

// In interrupt context: the line discipline takes the bytes (echo, editing,
// ^C ...) and wakes readers. Input beyond its buffer is dropped.
void on_serial_input(const char* chars, size_t length) { g_console.push_input(chars, length); }

} // namespace

TtyDevice& serial_console() { return g_console; }

Result<void> serial_console_init(TtyHost& host) {
    g_console.set_host(&host);
    TRY(register_char_device(kConsoleMajor, kConsoleMinor, g_console));
    TRY(register_char_device(kTtyMajor, kTtyMinor, g_console));
    TRY(register_char_device(kSerialMajor, kSerialMinor, g_console));
    arch::serial_set_input_handler(on_serial_input);
    return {};
}

} // namespace charon::drivers
