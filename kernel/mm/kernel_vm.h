// Kernel-half virtual memory beyond the direct map: page-granular blocks for
// large heap allocations, and kernel stacks with guard pages. Both are backed
// by frames mapped into the kernel root, which every address space shares.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/x86_64/memory_layout.h"
#include "lib/result.h"

namespace charon::mm {

// A kernel stack: [base, top) is mapped and writable; the page below base is
// never mapped, so an overflow faults (and becomes a reported double fault)
// instead of silently overwriting whatever lies below.
struct KernelStack {
    VirtAddr base = 0;
    VirtAddr top = 0;

    VirtAddr guard_page() const { return base - page_size; }
    bool is_null() const { return base == 0; }
};

constexpr size_t kernel_stack_size = 16 * 1024;

// The one way to get a kernel stack (threads, the boot CPU's idle stack).
Result<KernelStack> allocate_kernel_stack();
void free_kernel_stack(KernelStack);
size_t live_kernel_stack_count();

// Page-granular kernel memory in the heap region (for the heap's large
// blocks). `pages` zero-filled pages, virtually contiguous.
Result<VirtAddr> allocate_kernel_pages(size_t pages);
void free_kernel_pages(VirtAddr base, size_t pages);
bool is_kernel_pages_address(VirtAddr);

} // namespace charon::mm
