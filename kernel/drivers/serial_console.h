// /dev/console on COM1: the fs layer's raw ConsoleDevice (fs/console.h) with
// the UART as its output, and the UART's receive interrupt (IRQ 4) feeding
// its input ring. What a process writes to fds 0-2 reaches the same serial
// line as the kernel's log; what the user types arrives raw (no echo, no line
// editing, '\r' as sent by the terminal: the tty layer will add those).
#pragma once

#include "fs/console.h"
#include "lib/result.h"

namespace charon::drivers {

// Registers the console as character device (5, 1) and turns on receive
// interrupts. Once, at boot, before the first open of /dev/console.
Result<void> serial_console_init();
ConsoleDevice& serial_console();

} // namespace charon::drivers
