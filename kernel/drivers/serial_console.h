// The serial terminal on COM1: the fs layer's TtyDevice (fs/tty.h: line
// discipline, job control through its host) with the UART as its output,
// and the UART's receive interrupt (IRQ 4) feeding its input. It answers as
// /dev/console (5, 1), /dev/ttyS0 (4, 64) and, for a process whose
// controlling terminal it is, /dev/tty (5, 0). What a process writes
// reaches the same serial line as the kernel's log.
#pragma once

#include "fs/tty.h"
#include "lib/result.h"

namespace charon::drivers {

// Registers the device numbers and turns on receive interrupts. Once, at
// boot, before the first open, with the kernel's TtyHost.
Result<void> serial_console_init(TtyHost& host);
TtyDevice& serial_console();

} // namespace charon::drivers
