// The kernel's virtual address layout. The upper half (PML4 slots 256..511)
// is the same in every address space: its top-level entries are created once
// at boot and shared, so no PML4 entry of the kernel half ever changes later.
//
//   0xffff800000000000  direct map of all physical memory (slot 256)
//   0xffffc00000000000  kernel heap, large allocations (slot 384)
//   0xffffc08000000000  kernel stacks, each under an unmapped guard (slot 385)
//   0xffffffff80000000  kernel image, loaded at 1 MiB physical (slot 511)
#pragma once

#include <cstdint>

namespace charon {

using PhysAddr = uint64_t;
using VirtAddr = uint64_t;

constexpr uint64_t page_size = 4096;
constexpr uint64_t page_shift = 12;

constexpr VirtAddr direct_map_base = 0xffff800000000000;
constexpr VirtAddr heap_region_base = 0xffffc00000000000;
constexpr VirtAddr heap_region_size = 1ull << 39;
constexpr VirtAddr stack_region_base = 0xffffc08000000000;
constexpr VirtAddr stack_region_size = 1ull << 39;
constexpr VirtAddr kernel_image_base = 0xffffffff80000000;
constexpr VirtAddr user_space_end = 0x0000800000000000; // first non-canonical

template <typename T = void>
inline T* phys_to_virt(PhysAddr phys) {
    return reinterpret_cast<T*>(direct_map_base + phys);
}
inline PhysAddr virt_to_phys_direct(const void* virt) { return reinterpret_cast<VirtAddr>(virt) - direct_map_base; }
// For symbols of the kernel image (linked at kernel_image_base + physical).
inline PhysAddr kernel_image_virt_to_phys(const void* virt) {
    return reinterpret_cast<VirtAddr>(virt) - kernel_image_base;
}

constexpr uint64_t align_down(uint64_t value, uint64_t alignment) { return value & ~(alignment - 1); }
constexpr uint64_t align_up(uint64_t value, uint64_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }

} // namespace charon
