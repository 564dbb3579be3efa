#include "frame_allocator.h"

#include "arch/x86_64/boot_info.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "mm/fault_inject.h"

extern "C" char __kernel_start[];
extern "C" char __kernel_end[];

namespace charon::mm {

namespace {

struct FrameInfo {
    uint32_t refcount;
    uint8_t slab_class;
    uint8_t flags;
    uint16_t reserved;
};
constexpr uint8_t frame_flag_usable = 1;

constexpr uint64_t boot_mapped_limit = 1ull << 30;
constexpr uint64_t low_memory_limit = 1ull << 20; // BIOS, loader data: never used

struct FreeFrame {
    FreeFrame* next;
};

// Physical ranges never handed out yet. Boot records them instead of
// threading every free frame onto the list, which would touch (and make
// QEMU back) every page of RAM: seconds of boot time with gigabytes.
struct Range {
    uint64_t next;
    uint64_t end;
};
constexpr size_t max_ranges = 128;

struct Reserved {
    uint64_t begin, end;
};

Spinlock g_lock{"frame allocator", LockRank::FrameAllocator};
FrameInfo* g_frames;      // indexed by frame number
uint64_t g_frame_limit;   // frames [0, g_frame_limit) have a FrameInfo
FreeFrame* g_free_list;   // frames freed at least once (LIFO)
Range g_fresh[max_ranges];
size_t g_fresh_count;
size_t g_free_count;      // free list + the rest of every fresh range
size_t g_usable_count;

// Ranges no frame may come from, besides what the memory map excludes.
size_t reserved_ranges(const arch::BootInfo& info, Reserved* out, size_t max) {
    size_t n = 0;
    out[n++] = {0, low_memory_limit};
    out[n++] = {kernel_image_virt_to_phys(__kernel_start), align_up(kernel_image_virt_to_phys(__kernel_end), page_size)};
    for (size_t i = 0; i < info.module_count && n < max; ++i)
        out[n++] = {align_down(info.modules[i].phys, page_size),
                    align_up(info.modules[i].phys + info.modules[i].size, page_size)};
    if (g_frames && n < max) {
        uint64_t begin = virt_to_phys_direct(g_frames);
        out[n++] = {begin, align_up(begin + g_frame_limit * sizeof(FrameInfo), page_size)};
    }
    return n;
}

// Calls visit(begin, end) for each page-aligned piece of [begin, end) that
// overlaps no reserved range.
template <typename Visit>
void visit_unreserved(uint64_t begin, uint64_t end, const Reserved* reserved, size_t count, Visit& visit) {
    if (begin >= end)
        return;
    for (size_t i = 0; i < count; ++i) {
        if (reserved[i].begin < end && begin < reserved[i].end) {
            visit_unreserved(begin, reserved[i].begin, reserved + i + 1, count - i - 1, visit);
            visit_unreserved(reserved[i].end, end, reserved + i + 1, count - i - 1, visit);
            return;
        }
    }
    visit(begin, end);
}

// Calls visit(begin, end) for each usable, unreserved piece of RAM within
// [low, high), page-aligned.
template <typename Visit>
void for_each_usable_range(const arch::BootInfo& info, uint64_t low, uint64_t high, Visit visit) {
    Reserved reserved[4 + arch::BootInfo::max_modules];
    size_t reserved_count = reserved_ranges(info, reserved, sizeof(reserved) / sizeof(reserved[0]));
    for (size_t r = 0; r < info.region_count; ++r) {
        const arch::MemoryRegion& region = info.regions[r];
        if (region.type != arch::MemoryType::Usable)
            continue;
        uint64_t begin = align_up(region.base, page_size);
        uint64_t end = align_down(region.base + region.size, page_size);
        if (begin < low)
            begin = low;
        if (end > high)
            end = high;
        visit_unreserved(begin, end, reserved, reserved_count, visit);
    }
}

FrameInfo& info_of(PhysAddr frame) {
    uint64_t number = frame >> page_shift;
    VERIFY((frame & (page_size - 1)) == 0);
    VERIFY(number < g_frame_limit);
    return g_frames[number];
}

void push_free(PhysAddr frame) {
    auto* node = phys_to_virt<FreeFrame>(frame);
    node->next = g_free_list;
    g_free_list = node;
    ++g_free_count;
}

void add_ranges(const arch::BootInfo& info, uint64_t low, uint64_t high) {
    for_each_usable_range(info, low, high, [&](uint64_t begin, uint64_t end) {
        if (g_fresh_count == max_ranges) {
            log_warn("frames: more than %zu memory ranges; ignoring %#lx-%#lx", max_ranges, begin, end);
            return;
        }
        g_fresh[g_fresh_count++] = {begin, end};
        for (uint64_t frame = begin; frame < end; frame += page_size)
            info_of(frame).flags |= frame_flag_usable;
        size_t frames = (end - begin) / page_size;
        g_usable_count += frames;
        g_free_count += frames;
    });
}

// Takes a frame, preferring recycled ones (their cache lines and QEMU's
// backing pages are warm). Called with the lock held.
bool take_frame(PhysAddr& frame) {
    if (FreeFrame* node = g_free_list) {
        g_free_list = node->next;
        frame = virt_to_phys_direct(node);
    } else {
        while (g_fresh_count && g_fresh[0].next == g_fresh[0].end)
            g_fresh[0] = g_fresh[--g_fresh_count];
        if (!g_fresh_count)
            return false;
        frame = g_fresh[0].next;
        g_fresh[0].next += page_size;
    }
    --g_free_count;
    return true;
}

} // namespace

uint64_t highest_usable_address(const arch::BootInfo& info) {
    uint64_t highest = 0;
    for (size_t r = 0; r < info.region_count; ++r) {
        const arch::MemoryRegion& region = info.regions[r];
        if (region.type == arch::MemoryType::Usable && region.base + region.size > highest)
            highest = region.base + region.size;
    }
    return highest;
}

void frame_allocator_init(const arch::BootInfo& info) {
    g_frame_limit = align_down(highest_usable_address(info), page_size) >> page_shift;
    size_t table_bytes = align_up(g_frame_limit * sizeof(FrameInfo), page_size);

    // The FrameInfo table goes in the first usable stretch that fits, below
    // the boot mapping's limit so that it can be written right away.
    uint64_t found = 0;
    for_each_usable_range(info, 0, boot_mapped_limit, [&](uint64_t begin, uint64_t end) {
        if (!found && end - begin >= table_bytes)
            found = begin;
    });
    if (!found)
        panic("frame allocator: no room for %zu bytes of frame table", table_bytes);

    g_frames = phys_to_virt<FrameInfo>(found);
    __builtin_memset(g_frames, 0, table_bytes);
    // reserved_ranges() now covers the table itself.
    add_ranges(info, 0, boot_mapped_limit);
    log_debug("frames: table of %lu entries at %#lx, %zu frames below 1 GiB", g_frame_limit, found, g_free_count);
}

void frame_allocator_add_high_memory(const arch::BootInfo& info) {
    SpinlockGuard guard(g_lock);
    add_ranges(info, boot_mapped_limit, ~0ull);
}

Result<PhysAddr> allocate_frame(FrameFill fill) {
    if (should_inject_fault(FaultSite::Frame))
        return ENOMEM;
    PhysAddr frame;
    {
        SpinlockGuard guard(g_lock);
        if (!take_frame(frame))
            return ENOMEM;
        FrameInfo& frame_info = info_of(frame);
        VERIFY(frame_info.refcount == 0);
        frame_info.refcount = 1;
        frame_info.slab_class = 0;
    }
    if (fill == FrameFill::Zero)
        __builtin_memset(phys_to_virt(frame), 0, page_size);
    return frame;
}

void ref_frame(PhysAddr frame) {
    SpinlockGuard guard(g_lock);
    FrameInfo& frame_info = info_of(frame);
    VERIFY(frame_info.refcount > 0);
    ++frame_info.refcount;
}

void free_frame(PhysAddr frame) {
    SpinlockGuard guard(g_lock);
    FrameInfo& frame_info = info_of(frame);
    if (!(frame_info.flags & frame_flag_usable))
        panic("free_frame(%#lx): not a frame the allocator manages", frame);
    if (frame_info.refcount == 0)
        panic("free_frame(%#lx): already free (double free)", frame);
    if (--frame_info.refcount == 0)
        push_free(frame);
}

uint32_t frame_refcount(PhysAddr frame) {
    SpinlockGuard guard(g_lock);
    return info_of(frame).refcount;
}

size_t free_frame_count() { return __atomic_load_n(&g_free_count, __ATOMIC_RELAXED); }
size_t usable_frame_count() { return g_usable_count; }

uint8_t& frame_slab_class(PhysAddr frame) { return info_of(frame).slab_class; }

} // namespace charon::mm
