#include "mm/kernel_vm.h"

#include "arch/x86_64/paging.h"
#include "lib/spinlock.h"
#include "mm/frame_allocator.h"

namespace charon::mm {

namespace {

// Kernel stacks: fixed slots, each a stack under a guard gap of the same
// size (so even a large frame that skips a page still lands unmapped).
// Every thread has a stack and a pid, so the table's default pid_max
// (32768) bounds them; the slots take 1 GiB of the 512 GiB region and the
// bitmap 4 KiB. (8192 slots made the 8189th live process fail with ENOMEM
// with most of memory free.)
constexpr size_t stack_slot_size = 2 * kernel_stack_size;
constexpr size_t max_kernel_stacks = 32768;
static_assert(max_kernel_stacks * stack_slot_size <= stack_region_size);
static_assert(max_kernel_stacks % 64 == 0);

Spinlock g_stack_lock{"kernel stacks", LockRank::KernelVm};
uint64_t g_stack_slot_used[max_kernel_stacks / 64];
size_t g_stack_search_hint;
size_t g_live_stacks;

// Large-block virtual ranges: a page bitmap over a bounded arena at the start
// of the heap region, first fit from the lowest free page. Lowest-first keeps
// the footprint (and so the kernel page tables that map it, which are never
// freed) bounded by the peak of live large blocks, not by their history: a
// bump pointer would leak page-table pages slowly over many process lives.
constexpr size_t large_arena_pages = (4ull << 30) / page_size; // 4 GiB of address space
constexpr size_t bits_per_word = 64;
Spinlock g_pages_lock{"kernel pages", LockRank::KernelVm};
uint64_t g_page_used[large_arena_pages / bits_per_word];
size_t g_lowest_free_hint; // no free page below it

bool page_used(size_t page) { return (g_page_used[page / bits_per_word] >> (page % bits_per_word)) & 1; }
void set_pages(size_t first, size_t count, bool used) {
    for (size_t page = first; page < first + count; ++page) {
        uint64_t bit = 1ull << (page % bits_per_word);
        if (used)
            g_page_used[page / bits_per_word] |= bit;
        else
            g_page_used[page / bits_per_word] &= ~bit;
    }
}

void unmap_and_free(VirtAddr base, size_t pages) {
    for (size_t i = 0; i < pages; ++i) {
        auto frame = arch::unmap_page(arch::kernel_root(), base + i * page_size);
        VERIFY(!frame.is_error());
        free_frame(frame.value());
    }
}

// Maps fresh zeroed frames at [base, base + pages); undoes itself on failure.
Result<void> map_fresh(VirtAddr base, size_t pages) {
    for (size_t i = 0; i < pages; ++i) {
        auto frame = allocate_frame(FrameFill::Zero);
        Result<void> mapped = frame.is_error() ? Result<void>(frame.error())
                                               : arch::map_page(arch::kernel_root(), base + i * page_size,
                                                                frame.value(), arch::PageWrite);
        if (mapped.is_error()) {
            if (!frame.is_error())
                free_frame(frame.value());
            unmap_and_free(base, i);
            return mapped.error();
        }
    }
    return {};
}

VirtAddr take_range(size_t pages) {
    size_t run_start = g_lowest_free_hint;
    size_t run_length = 0;
    for (size_t page = g_lowest_free_hint; page < large_arena_pages; ++page) {
        if (run_length == 0 && page % bits_per_word == 0 && g_page_used[page / bits_per_word] == ~0ull) {
            page += bits_per_word - 1; // a full word: skip it whole
            continue;
        }
        if (page_used(page)) {
            run_length = 0;
            continue;
        }
        if (run_length++ == 0)
            run_start = page;
        if (run_length == pages) {
            set_pages(run_start, pages, true);
            if (run_start == g_lowest_free_hint)
                g_lowest_free_hint = run_start + pages;
            return heap_region_base + run_start * page_size;
        }
    }
    return 0;
}

void give_back_range(VirtAddr base, size_t pages) {
    size_t first = (base - heap_region_base) / page_size;
    set_pages(first, pages, false);
    if (first < g_lowest_free_hint)
        g_lowest_free_hint = first;
}

} // namespace

Result<KernelStack> allocate_kernel_stack() {
    SpinlockGuard guard(g_stack_lock);
    for (size_t n = 0; n < max_kernel_stacks; ++n) {
        size_t slot = (g_stack_search_hint + n) % max_kernel_stacks;
        uint64_t& word = g_stack_slot_used[slot / 64];
        if (word == ~0ull && slot % 64 == 0) {
            n += 63; // a full word: skip its 64 slots at once
            continue;
        }
        uint64_t bit = 1ull << (slot % 64);
        if (word & bit)
            continue;
        VirtAddr slot_base = stack_region_base + slot * stack_slot_size;
        KernelStack stack{slot_base + stack_slot_size - kernel_stack_size, slot_base + stack_slot_size};
        TRY(map_fresh(stack.base, kernel_stack_size / page_size));
        word |= bit;
        g_stack_search_hint = slot + 1;
        ++g_live_stacks;
        return stack;
    }
    return ENOMEM;
}

void free_kernel_stack(KernelStack stack) {
    SpinlockGuard guard(g_stack_lock);
    VERIFY(stack.base >= stack_region_base && stack.top - stack.base == kernel_stack_size);
    size_t slot = (stack.base - stack_region_base) / stack_slot_size;
    VERIFY(slot < max_kernel_stacks);
    uint64_t bit = 1ull << (slot % 64);
    VERIFY(g_stack_slot_used[slot / 64] & bit);
    unmap_and_free(stack.base, kernel_stack_size / page_size);
    g_stack_slot_used[slot / 64] &= ~bit;
    // Reuse the lowest free slot first: the slots stay packed and keep
    // reusing the same page-table pages.
    if (slot < g_stack_search_hint)
        g_stack_search_hint = slot;
    --g_live_stacks;
}

size_t live_kernel_stack_count() { return __atomic_load_n(&g_live_stacks, __ATOMIC_RELAXED); }

Result<VirtAddr> allocate_kernel_pages(size_t pages) {
    SpinlockGuard guard(g_pages_lock);
    VirtAddr base = take_range(pages);
    if (!base)
        return ENOMEM;
    auto mapped = map_fresh(base, pages);
    if (mapped.is_error()) {
        give_back_range(base, pages);
        return mapped.error();
    }
    return base;
}

void free_kernel_pages(VirtAddr base, size_t pages) {
    SpinlockGuard guard(g_pages_lock);
    VERIFY(is_kernel_pages_address(base));
    unmap_and_free(base, pages);
    give_back_range(base, pages);
}

bool is_kernel_pages_address(VirtAddr address) {
    return address >= heap_region_base && address < heap_region_base + heap_region_size;
}

} // namespace charon::mm
