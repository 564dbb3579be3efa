// 4-level page tables. Every function takes the root (the PML4's physical
// address), so the same code serves the kernel's tables and, later, every
// process's. The kernel half (PML4 slots 256..511) is created once at boot and
// copied by reference into each new root, so kernel mappings are shared.
//
// Locking: callers serialize changes per root (a process's address-space
// lock; kernel/mm's KernelVm lock for the kernel half). Page-table pages come
// from the frame allocator.
#pragma once

#include <cstdint>

#include "arch/x86_64/memory_layout.h"
#include "lib/result.h"

namespace charon::arch {

// What a mapping allows. Read is implied by being mapped.
enum PageAccess : unsigned {
    PageRead = 0,
    PageWrite = 1u << 0,
    PageExecute = 1u << 1,
    PageUser = 1u << 2,
};

struct Translation {
    PhysAddr phys;    // of the byte at the translated address
    unsigned access;  // PageAccess bits of the leaf entry
};

// Maps one 4 KiB page. EEXIST if something is mapped there already, ENOMEM
// if a page-table page cannot be allocated, EINVAL for a misaligned or
// non-canonical address (or a user mapping in the kernel half).
Result<void> map_page(PhysAddr root, VirtAddr virt, PhysAddr frame, unsigned access);
// Removes a 4 KiB mapping and returns the frame it pointed to (the caller
// owns that reference). EFAULT if nothing was mapped.
Result<PhysAddr> unmap_page(PhysAddr root, VirtAddr virt);
// Changes the access of an existing mapping (copy-on-write needs this).
Result<void> protect_page(PhysAddr root, VirtAddr virt, unsigned access);
// EFAULT if not mapped.
Result<Translation> translate(PhysAddr root, VirtAddr virt);
// The first mapped 4 KiB page at or above `from` and below `end` (user
// half), or `end`: absent tables are skipped whole, so walking a sparse
// range costs its mapped pages, not its length (fork, munmap, teardown).
VirtAddr next_mapped_page(PhysAddr root, VirtAddr from, VirtAddr end);
// Frees the user-half page-table pages under [start, end) that no longer
// map anything (munmap), so a process's tables track what it maps now, not
// everything it ever mapped. The root itself stays.
void prune_empty_tables(PhysAddr root, VirtAddr start, VirtAddr end);

// Builds the kernel's tables (direct map of all RAM, the image with per-
// section permissions, the shared kernel-half slots) and switches to them;
// the boot identity map is gone afterwards.
void paging_init(uint64_t highest_phys);
PhysAddr kernel_root();

// A root for a new address space: empty user half, shared kernel half.
Result<PhysAddr> create_root();
// Frees the user half's page-table pages and the root. Leaf frames are not
// touched: the caller must have unmapped (and released) them.
void destroy_root(PhysAddr root);
void switch_root(PhysAddr root);
PhysAddr current_root();

// Page-table pages currently allocated (for leak tests).
uint64_t page_table_page_count();
// The table pages below the user half of `root` (Linux's mm_pgtables_bytes
// counts these: the PDPT, PD and PT pages, not the root itself).
uint64_t user_table_page_count(PhysAddr root);
// The kernel half's share of them: kept once made, bounded by the peak.
uint64_t kernel_page_table_page_count();

} // namespace charon::arch
