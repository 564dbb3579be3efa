#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/qemu.h"
#include "arch/x86_64/serial.h"
#include "lib/format.h"
#include "lib/verify.h"

namespace charon {

void panic(const char* fmt, ...) {
    arch::cli();
    char message[256];
    va_list args;
    va_start(args, fmt);
    vformat(message, sizeof(message), fmt, args);
    va_end(args);
    arch::console_print_unlocked("\nKERNEL PANIC: %s\n", message);
    arch::qemu_exit(arch::QemuExit::Panic);
    arch::halt_forever();
}

} // namespace charon
