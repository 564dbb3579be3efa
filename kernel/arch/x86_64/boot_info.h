// What the boot loader told us, copied out of hvm_start_info into kernel
// memory before the boot identity mapping goes away.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/cmdline.h"

namespace charon::arch {

enum class MemoryType : uint32_t { Usable = 1, Reserved = 2, AcpiReclaimable = 3, AcpiNvs = 4, Unusable = 5 };

struct MemoryRegion {
    uint64_t base;
    uint64_t size;
    MemoryType type;
};

// A module passed by the loader (QEMU's -initrd arrives as the one module).
// Its frames stay reserved until whoever consumes it releases them.
struct BootModule {
    uint64_t phys;
    uint64_t size;
};

struct BootInfo {
    static constexpr size_t max_regions = 64;
    static constexpr size_t max_modules = 8;
    static constexpr size_t max_cmdline = 1024;

    MemoryRegion regions[max_regions];
    size_t region_count = 0;
    BootModule modules[max_modules];
    size_t module_count = 0;
    char cmdline_storage[max_cmdline] = {};
    CommandLine cmdline;
    uint64_t rsdp_phys = 0;
};

// Copies everything out of the hvm_start_info at `start_info_phys`, reached
// through the boot direct map. Panics on a bad magic.
void parse_boot_info(uint64_t start_info_phys);
const BootInfo& boot_info();
inline const CommandLine& kernel_command_line() { return boot_info().cmdline; }

} // namespace charon::arch
