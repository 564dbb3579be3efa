#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/qemu.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/symbols.h"
#include "lib/format.h"
#include "lib/verify.h"

namespace charon {

namespace {
bool g_panicking;
}

void panic(const char* fmt, ...) {
    arch::cli();
    if (g_panicking) {
        arch::console_print_unlocked("\nKERNEL PANIC while panicking: %s\n", fmt);
        arch::qemu_exit(arch::QemuExit::Panic);
        arch::halt_forever();
    }
    g_panicking = true;
    char message[256];
    va_list args;
    va_start(args, fmt);
    vformat(message, sizeof(message), fmt, args);
    va_end(args);
    arch::console_print_unlocked("\n==== KERNEL PANIC: %s ====\n", message);
    // Start at panic's caller: its return address, and the frame pointer
    // panic's own frame saved for it.
    auto* own_frame = static_cast<uint64_t*>(__builtin_frame_address(0));
    arch::print_backtrace(reinterpret_cast<uint64_t>(__builtin_return_address(0)), own_frame[0], true);
    arch::console_print_unlocked("==== kernel stopped ====\n");
    arch::qemu_exit(arch::QemuExit::Panic);
    arch::halt_forever();
}

} // namespace charon
