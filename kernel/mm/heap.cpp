#include "mm/heap.h"

#include <new>

#include "lib/spinlock.h"
#include "mm/fault_inject.h"
#include "mm/frame_allocator.h"
#include "mm/kernel_vm.h"

namespace charon::mm {

namespace {

constexpr size_t class_count = 8; // 16 .. 2048
constexpr size_t smallest_block = 16;
constexpr size_t largest_small_block = smallest_block << (class_count - 1);
constexpr size_t large_header_size = 16;

struct FreeBlock {
    FreeBlock* next;
};

struct LargeHeader {
    uint64_t pages;
    uint64_t magic;
};
constexpr uint64_t large_magic = 0x4b48454150424947; // "KHEAPBIG"

// Lock order: the heap lock is never held while calling into the frame
// allocator or kernel VM (both rank below it), see refill().
Spinlock g_lock{"kernel heap", LockRank::Heap};
FreeBlock* g_free_lists[class_count];
size_t g_bytes_in_use;
size_t g_slab_frames;

size_t class_of(size_t size) {
    size_t block = smallest_block;
    size_t index = 0;
    while (block < size) {
        block <<= 1;
        ++index;
    }
    return index;
}
size_t block_size(size_t index) { return smallest_block << index; }

// Carves a fresh frame into blocks of class `index` and links them in.
// Called without the lock.
bool refill(size_t index) {
    auto frame = allocate_frame(FrameFill::Uninitialized);
    if (frame.is_error())
        return false;
    // Class + 1, so that 0 means "not a slab frame".
    frame_slab_class(frame.value()) = static_cast<uint8_t>(index + 1);
    auto* base = phys_to_virt<char>(frame.value());
    size_t size = block_size(index);
    SpinlockGuard guard(g_lock);
    for (size_t offset = 0; offset < page_size; offset += size) {
        auto* block = reinterpret_cast<FreeBlock*>(base + offset);
        block->next = g_free_lists[index];
        g_free_lists[index] = block;
    }
    ++g_slab_frames;
    return true;
}

void* allocate_small(size_t size) {
    size_t index = class_of(size);
    for (;;) {
        {
            SpinlockGuard guard(g_lock);
            if (FreeBlock* block = g_free_lists[index]) {
                g_free_lists[index] = block->next;
                g_bytes_in_use += block_size(index);
                return block;
            }
        }
        if (!refill(index))
            return nullptr;
    }
}

void* allocate_large(size_t size) {
    size_t pages = align_up(size + large_header_size, page_size) / page_size;
    auto base = allocate_kernel_pages(pages);
    if (base.is_error())
        return nullptr;
    auto* header = reinterpret_cast<LargeHeader*>(base.value());
    header->pages = pages;
    header->magic = large_magic;
    __atomic_add_fetch(&g_bytes_in_use, pages * page_size, __ATOMIC_RELAXED);
    return reinterpret_cast<char*>(header) + large_header_size;
}

} // namespace

void* heap_allocate(size_t size) {
    if (should_inject_fault(FaultSite::Heap))
        return nullptr;
    if (size == 0)
        size = 1;
    if (size <= largest_small_block)
        return allocate_small(size);
    return allocate_large(size);
}

void heap_free(void* pointer) {
    if (!pointer)
        return;
    auto address = reinterpret_cast<VirtAddr>(pointer);
    if (is_kernel_pages_address(address)) {
        auto* header = reinterpret_cast<LargeHeader*>(address - large_header_size);
        if ((address & (page_size - 1)) != large_header_size || header->magic != large_magic)
            panic("heap_free(%p): not a heap block (corrupted or bad pointer)", pointer);
        size_t pages = header->pages;
        header->magic = 0;
        __atomic_sub_fetch(&g_bytes_in_use, pages * page_size, __ATOMIC_RELAXED);
        free_kernel_pages(address - large_header_size, pages);
        return;
    }
    if (address < direct_map_base || address >= heap_region_base)
        panic("heap_free(%p): not a heap address", pointer);
    uint8_t slab_class = frame_slab_class(align_down(virt_to_phys_direct(pointer), page_size));
    if (slab_class == 0 || slab_class > class_count)
        panic("heap_free(%p): not in a heap slab", pointer);
    size_t index = slab_class - 1u;
    if (address & (block_size(index) - 1))
        panic("heap_free(%p): not the start of a %zu-byte block", pointer, block_size(index));
    SpinlockGuard guard(g_lock);
    auto* block = static_cast<FreeBlock*>(pointer);
    block->next = g_free_lists[index];
    g_free_lists[index] = block;
    g_bytes_in_use -= block_size(index);
}

size_t heap_block_size(size_t size) {
    if (size == 0)
        size = 1;
    if (size <= largest_small_block)
        return block_size(class_of(size));
    return align_up(size + large_header_size, page_size);
}

size_t heap_bytes_in_use() { return __atomic_load_n(&g_bytes_in_use, __ATOMIC_RELAXED); }
size_t heap_slab_frame_count() { return __atomic_load_n(&g_slab_frames, __ATOMIC_RELAXED); }

} // namespace charon::mm

// The freestanding kernel has no libstdc++ to define this object.
namespace std {
const nothrow_t nothrow{};
}

using charon::mm::heap_allocate;
using charon::mm::heap_free;

namespace {
void* allocate_or_panic(size_t size) {
    void* block = heap_allocate(size);
    if (!block)
        charon::panic("out of memory allocating %zu bytes (use new (std::nothrow) where failure is possible)", size);
    return block;
}
void* allocate_aligned(size_t size, std::align_val_t alignment) {
    auto align = static_cast<size_t>(alignment);
    // Small blocks are aligned to their (power-of-two) size, so rounding the
    // size up to the alignment is enough. Large blocks are 16-aligned only.
    if (align > 16 && size <= 2048) {
        if (size < align)
            size = align;
        return heap_allocate(size);
    }
    if (align > 16)
        charon::panic("heap: %zu-byte alignment for a %zu-byte block is not supported", align, size);
    return heap_allocate(size);
}
} // namespace

void* operator new(size_t size) { return allocate_or_panic(size); }
void* operator new[](size_t size) { return allocate_or_panic(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return heap_allocate(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return heap_allocate(size); }
void* operator new(size_t size, std::align_val_t alignment) {
    void* block = allocate_aligned(size, alignment);
    if (!block)
        charon::panic("out of memory allocating %zu aligned bytes", size);
    return block;
}
void* operator new(size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return allocate_aligned(size, alignment);
}
void operator delete(void* block) noexcept { heap_free(block); }
void operator delete[](void* block) noexcept { heap_free(block); }
void operator delete(void* block, size_t) noexcept { heap_free(block); }
void operator delete[](void* block, size_t) noexcept { heap_free(block); }
void operator delete(void* block, std::align_val_t) noexcept { heap_free(block); }
void operator delete(void* block, size_t, std::align_val_t) noexcept { heap_free(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { heap_free(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { heap_free(block); }
