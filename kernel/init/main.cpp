// kernel_main: the boot sequence, in order. Each step may rely on every step
// above it and on nothing below it.
#include "arch/x86_64/boot_info.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_tables.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/user_entry.h"
#include "init/crash.h"
#include "init/initramfs.h"
#include "lib/log.h"
#include "mm/fault_inject.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/kernel_vm.h"
#include "sched/scheduler.h"
#include "time/clock.h"

namespace charon::arch {
void run_global_constructors();
}

// In tests/kernel: runs the KERNEL_TEST self-tests and ends QEMU.
namespace charon::ktest {
[[noreturn]] void run_all(StringView filter);
}

using namespace charon;

namespace {

void apply_log_level(const CommandLine& cmdline) {
    StringView level;
    if (cmdline.has_flag("debug"))
        set_log_level(LogLevel::Debug);
    if (cmdline.find_value("loglevel", level)) {
        LogLevel parsed;
        if (parse_log_level(level.chars(), level.length(), parsed))
            set_log_level(parsed);
        else
            log_warn("loglevel=%.*s: unknown level (debug, info, warn, error)", static_cast<int>(level.length()),
                     level.chars());
    }
}

uint64_t usable_memory_bytes(const arch::BootInfo& info) {
    uint64_t total = 0;
    for (size_t i = 0; i < info.region_count; ++i) {
        if (info.regions[i].type == arch::MemoryType::Usable)
            total += info.regions[i].size;
    }
    return total;
}

mm::KernelStack g_boot_stack;

[[noreturn]] void kernel_main_on_kernel_stack() {
    const arch::BootInfo& info = arch::boot_info();
    const CommandLine& cmdline = info.cmdline;

    clock_init();
    // This context becomes the scheduler's first thread ("boot").
    sched::init(g_boot_stack);
    arch::sti();

    uint64_t free_frames = mm::free_frame_count();
    // The TSC starts at 0 at reset, so this includes the firmware's share.
    uint64_t since_reset_us = arch::rdtsc() / (tsc_hz() / 1000000);
    log_info("Charon: %lu MiB RAM, %zu of %zu frames free (%lu MiB), TSC %lu MHz, %lu ms since reset",
             usable_memory_bytes(info) >> 20, free_frames, mm::usable_frame_count(), (free_frames * page_size) >> 20,
             tsc_hz() / 1000000, since_reset_us / 1000);

    mm::fault_injection_init(cmdline);

    StringView word;
    if (cmdline.find_value("crash", word))
        crash_on_request(word);
    if (cmdline.find_value("selftest", word))
        ktest::run_all(word);

    // The initramfs as /, /dev/console, then /sbin/init as pid 1. Returns
    // only when booted without an initramfs.
    start_userland();

    log_info("idle");
    sched::exit_current();
}

} // namespace

extern "C" [[noreturn]] void kernel_main(uint64_t start_info_phys) {
    arch::serial_init();
    arch::run_global_constructors();
    set_log_sink(arch::serial_write);
    arch::gdt_init();
    arch::idt_init();
    arch::pic_init();
    arch::fpu_init();
    arch::syscall_init();

    arch::parse_boot_info(start_info_phys);
    const arch::BootInfo& info = arch::boot_info();
    apply_log_level(info.cmdline);
    log_debug("cmdline: \"%s\"", info.cmdline.line());
    for (size_t i = 0; i < info.region_count; ++i)
        log_debug("memory: %#014lx-%#014lx type %u", info.regions[i].base, info.regions[i].base + info.regions[i].size,
                  static_cast<unsigned>(info.regions[i].type));

    mm::frame_allocator_init(info);
    arch::paging_init(mm::highest_usable_address(info));
    mm::frame_allocator_add_high_memory(info);

    // Leave the boot stack for one with a guard page under it.
    auto stack = mm::allocate_kernel_stack();
    if (stack.is_error())
        panic("no memory for the boot CPU's kernel stack");
    g_boot_stack = stack.value();
    arch::set_kernel_stack_top(stack.value().top);
    asm volatile("mov %0, %%rsp\n"
                 "xor %%ebp, %%ebp\n"
                 "call *%1\n"
                 :
                 : "r"(stack.value().top), "r"(kernel_main_on_kernel_stack)
                 : "memory");
    __builtin_unreachable();
}
