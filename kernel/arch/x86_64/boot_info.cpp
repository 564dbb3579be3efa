#include "boot_info.h"

#include "arch/x86_64/memory_layout.h"
#include "lib/string_util.h"
#include "lib/verify.h"

namespace charon::arch {

namespace {

// xen/include/public/arch-x86/hvm/start_info.h
struct HvmStartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    // Version 1 and later:
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
struct HvmModlistEntry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};
struct HvmMemmapEntry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};
constexpr uint32_t hvm_start_magic = 0x336ec578;

BootInfo g_boot_info;

} // namespace

const BootInfo& boot_info() { return g_boot_info; }

void parse_boot_info(uint64_t start_info_phys) {
    auto* info = phys_to_virt<const HvmStartInfo>(start_info_phys);
    if (info->magic != hvm_start_magic)
        panic("hvm_start_info: bad magic %#x (not booted through PVH?)", info->magic);

    BootInfo& out = g_boot_info;
    if (info->cmdline_paddr) {
        string_copy(out.cmdline_storage, phys_to_virt<const char>(info->cmdline_paddr), sizeof(out.cmdline_storage));
        out.cmdline = CommandLine(out.cmdline_storage);
    } else {
        out.cmdline = CommandLine("");
    }
    out.rsdp_phys = info->rsdp_paddr;

    auto* modules = phys_to_virt<const HvmModlistEntry>(info->modlist_paddr);
    for (uint32_t i = 0; i < info->nr_modules && out.module_count < BootInfo::max_modules; ++i)
        out.modules[out.module_count++] = {modules[i].paddr, modules[i].size};

    if (info->version >= 1 && info->memmap_entries) {
        auto* entries = phys_to_virt<const HvmMemmapEntry>(info->memmap_paddr);
        for (uint32_t i = 0; i < info->memmap_entries && out.region_count < BootInfo::max_regions; ++i)
            out.regions[out.region_count++] = {entries[i].addr, entries[i].size, static_cast<MemoryType>(entries[i].type)};
    } else {
        panic("hvm_start_info version %u has no memory map", info->version);
    }
}

} // namespace charon::arch
