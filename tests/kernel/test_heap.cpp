// The kernel heap behind operator new/delete.
#include <new>

#include "arch/x86_64/paging.h"
#include "ktest.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"

using namespace charon;

KERNEL_TEST(heap_small_blocks) {
    size_t baseline = mm::heap_bytes_in_use();
    auto* a = new (std::nothrow) char[100];
    auto* b = new (std::nothrow) char[100];
    KASSERT(a && b);
    KEXPECT_NE(a, b);
    KEXPECT_EQ(mm::heap_bytes_in_use(), baseline + 2 * 128);
    for (int i = 0; i < 100; ++i) {
        a[i] = 'a';
        b[i] = 'b';
    }
    KEXPECT_EQ(a[99], 'a');
    delete[] a;
    delete[] b;
    KEXPECT_EQ(mm::heap_bytes_in_use(), baseline);
}

KERNEL_TEST(heap_many_sizes_do_not_overlap) {
    constexpr size_t count = 64;
    static uint8_t* blocks[count];
    static size_t sizes[count];
    size_t baseline = mm::heap_bytes_in_use();
    for (size_t i = 0; i < count; ++i) {
        sizes[i] = 1 + (i * 977) % 9000; // small and large blocks mixed
        blocks[i] = new (std::nothrow) uint8_t[sizes[i]];
        KASSERT(blocks[i]);
        KEXPECT_EQ(reinterpret_cast<uintptr_t>(blocks[i]) % 16, 0u);
        for (size_t j = 0; j < sizes[i]; ++j)
            blocks[i][j] = static_cast<uint8_t>(i);
    }
    size_t corrupted = 0;
    for (size_t i = 0; i < count; ++i) {
        for (size_t j = 0; j < sizes[i]; ++j)
            corrupted += blocks[i][j] != static_cast<uint8_t>(i);
    }
    KEXPECT_EQ(corrupted, 0u);
    for (size_t i = 0; i < count; ++i)
        delete[] blocks[i];
    KEXPECT_EQ(mm::heap_bytes_in_use(), baseline);
}

KERNEL_TEST(heap_large_blocks_return_frames) {
    size_t frames_before = mm::free_frame_count();
    size_t bytes_before = mm::heap_bytes_in_use();
    uint64_t tables_before = arch::page_table_page_count();
    auto* big = new (std::nothrow) uint8_t[64 * 1024];
    KASSERT(big);
    // 16 pages of data plus one for the header.
    KEXPECT_LE(mm::free_frame_count() + 17, frames_before);
    big[0] = 1;
    big[64 * 1024 - 1] = 2;
    delete[] big;
    KEXPECT_EQ(mm::heap_bytes_in_use(), bytes_before);
    // Every data frame is back; only page-table pages for the range (kept
    // for the range's reuse) may remain.
    KEXPECT_EQ(mm::free_frame_count() + (arch::page_table_page_count() - tables_before), frames_before);
}

KERNEL_TEST(heap_out_of_memory_is_null_and_clean) {
    // More than the machine has: nothrow new fails cleanly, and the partial
    // mapping it built is undone.
    size_t frames_before = mm::free_frame_count();
    size_t bytes_before = mm::heap_bytes_in_use();
    uint64_t tables_before = arch::page_table_page_count();
    size_t too_much = (mm::usable_frame_count() + 16) * page_size;
    auto* block = new (std::nothrow) uint8_t[too_much];
    KEXPECT(block == nullptr);
    KEXPECT_EQ(mm::heap_bytes_in_use(), bytes_before);
    // Page-table pages for the attempted range remain; nothing else.
    KEXPECT_EQ(mm::free_frame_count() + (arch::page_table_page_count() - tables_before), frames_before);
    // And the heap still works.
    auto* small = new (std::nothrow) int(7);
    KASSERT(small);
    KEXPECT_EQ(*small, 7);
    delete small;
}

namespace {
struct alignas(64) CacheLine {
    uint8_t bytes[64];
};
} // namespace

KERNEL_TEST(heap_aligned_new) {
    auto* line = new (std::nothrow) CacheLine;
    KASSERT(line);
    KEXPECT_EQ(reinterpret_cast<uintptr_t>(line) % 64, 0u);
    delete line;
}

KERNEL_TEST(heap_slabs_reused) {
    // Freed blocks are reused: a steady alloc/free loop takes no new frames.
    // (heap_allocate directly: the compiler may elide a new/delete pair.)
    mm::heap_free(mm::heap_allocate(48));
    size_t frames_before = mm::free_frame_count();
    size_t bytes_before = mm::heap_bytes_in_use();
    for (int i = 0; i < 10000; ++i) {
        void* block = mm::heap_allocate(48);
        KASSERT(block);
        mm::heap_free(block);
    }
    KEXPECT_EQ(mm::free_frame_count(), frames_before);
    KEXPECT_EQ(mm::heap_bytes_in_use(), bytes_before);
}
