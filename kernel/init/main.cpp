#include "arch/x86_64/boot_info.h"
#include "arch/x86_64/serial.h"
#include "lib/log.h"

namespace charon::arch {
void run_global_constructors();
}

using namespace charon;

extern "C" [[noreturn]] void kernel_main(uint64_t start_info_phys) {
    arch::serial_init();
    arch::run_global_constructors();
    set_log_sink(arch::serial_write);
    arch::parse_boot_info(start_info_phys);
    log_info("Charon booting: cmdline \"%s\"", arch::kernel_command_line().line());
    for (;;)
        asm volatile("cli; hlt");
}
