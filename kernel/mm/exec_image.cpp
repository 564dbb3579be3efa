#include "exec_image.h"

#include <new>

namespace charon::mm {

namespace {

// Linux's setup_arg_pages extends the initial stack VMA this far below the
// argument pages; the rest comes from stack growth on demand.
constexpr uint64_t initial_stack_expand = 128 * 1024;

// Maps one region as Linux's load_elf_binary would show it in
// /proc/PID/maps: the pages holding file bytes (up to the end of each
// segment's last file page) as the binary at its file offset (VmaImage),
// the bss pages past them as plain anonymous memory. A page two segments
// share belongs to the later one, which Linux maps over the earlier.
// With `binary`, the file pages are a private mapping of the file itself
// (mmap MAP_PRIVATE), demand-paged and shared with every other process
// that runs it until written, as Linux's elf_map; without, they are
// anonymous memory that fill() copies the file bytes into.
Result<void> map_region(AddressSpace& space, const LoadPlan& plan, const LoadRegion& region,
                        const RefPtr<VmBacking>& binary) {
    for (uint64_t at = region.start; at < region.end;) {
        const LoadSegment* owner = nullptr;
        uint64_t limit = region.end;
        for (size_t k = 0; k < plan.segment_count; ++k) {
            const LoadSegment& segment = plan.segments[k];
            if (segment.map_start <= at && at < segment.map_end)
                owner = &segment;
            else if (segment.map_start > at && segment.map_start < limit)
                limit = segment.map_start;
        }
        if (!owner)
            return EINVAL; // regions() only covers segments' pages
        uint64_t file_end = owner->file_size ? align_up(owner->zero_start, page_size) : owner->map_start;
        bool from_file = at < file_end;
        uint64_t end = from_file ? file_end : owner->map_end;
        if (end > limit)
            end = limit;
        uint64_t offset = from_file ? owner->file_page_offset + (at - owner->map_start) : 0;
        if (from_file && binary) {
            MmapRequest request;
            request.address = at;
            request.length = end - at;
            request.prot = region.prot;
            request.flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE;
            request.backing = binary;
            request.offset = offset;
            TRY(space.mmap(request));
        } else {
            TRY(space.map_anonymous_fixed(at, end, region.prot, from_file ? unsigned{VmaImage} : 0u, offset));
        }
        at = end;
    }
    return {};
}

// Whether the segments can map the file directly: each one's file offset
// and address agree modulo the page size (else a page could not show both),
// and no page holds two segments (their bytes would come from two file
// pages). Linux refuses the first case; Charon copies instead.
bool can_map_file(const LoadPlan& plan) {
    for (size_t i = 0; i < plan.segment_count; ++i) {
        const LoadSegment& segment = plan.segments[i];
        if (segment.file_size && ((segment.vaddr - segment.file_offset) & (page_size - 1)))
            return false;
        for (size_t k = 0; k < i; ++k) {
            const LoadSegment& other = plan.segments[k];
            if (segment.map_start < other.map_end && other.map_start < segment.map_end)
                return false;
        }
    }
    return true;
}

// Zeroes [from, to) in the new space, through read-only mappings too (the
// first write to a file page copies it).
Result<void> zero_range(AddressSpace& space, uint64_t from, uint64_t to) {
    static const uint8_t zeros[256] = {};
    while (from < to) {
        size_t length = to - from < sizeof zeros ? static_cast<size_t>(to - from) : sizeof zeros;
        TRY(space.write(from, zeros, length, /*force=*/true));
        from += length;
    }
    return {};
}

Result<void> fill(AddressSpace& space, const ElfSource& file, const LoadPlan& plan, const InitialStack& stack,
                  const ExecLayout& layout) {
    if ((layout.stack_top & (page_size - 1)) || layout.stack_top > user_address_end || stack.rsp > layout.stack_top ||
        layout.stack_top - stack.rsp != stack.image.size())
        return EINVAL;
    space.set_stack_limit(layout.stack_limit);
    // The mmap area starts below the stack's reservation (Linux's
    // mmap_base, computed once at exec from RLIMIT_STACK).
    space.set_mmap_base(mmap_base_for(layout.stack_limit));

    RefPtr<VmBacking> binary = can_map_file(plan) ? layout.binary : RefPtr<VmBacking>();
    LoadRegion regions[kMaxLoadRegions];
    size_t count = plan.regions(regions, kMaxLoadRegions);
    for (size_t i = 0; i < count; ++i)
        TRY(map_region(space, plan, regions[i], binary));

    if (binary) {
        // Mapped from the file: only a segment with a bss needs the rest of
        // its last file page zeroed (Linux's padzero; without a bss the
        // page shows the file's next bytes, as on Linux).
        for (size_t i = 0; i < plan.segment_count; ++i) {
            const LoadSegment& segment = plan.segments[i];
            if (segment.file_size && segment.memory_size > segment.file_size && (segment.zero_start & (page_size - 1)))
                TRY(zero_range(space, segment.zero_start, align_up(segment.zero_start, page_size)));
        }
    }
    // Or copied: the rest of each region stays zero (the bss, and the tail
    // of the last file page).
    // Large chunks: the per-chunk cost (a lock, a page lookup) is paid per
    // 16 KiB, not per few hundred bytes, for a megabyte-sized busybox.
    constexpr size_t chunk_size = 4 * page_size;
    auto* chunk = new (std::nothrow) uint8_t[chunk_size];
    if (!chunk)
        return ENOMEM;
    Result<void> copied;
    for (size_t i = 0; i < plan.segment_count && !copied.is_error() && !binary; ++i) {
        const LoadSegment& segment = plan.segments[i];
        for (uint64_t done = 0; done < segment.file_size;) {
            uint64_t left = segment.file_size - done;
            size_t length = left < chunk_size ? static_cast<size_t>(left) : chunk_size;
            copied = file.read(segment.file_offset + done, chunk, length);
            if (!copied.is_error())
                copied = space.write(segment.vaddr + done, chunk, length, /*force=*/true);
            if (copied.is_error())
                break;
            done += length;
        }
    }
    delete[] chunk;
    TRY(copied);

    uint64_t stack_low = align_down(stack.rsp, page_size);
    uint64_t stack_start = stack_low > initial_stack_expand ? stack_low - initial_stack_expand : 0;
    if (layout.stack_top - stack_start > layout.stack_limit)
        stack_start = layout.stack_top - align_down(layout.stack_limit, page_size);
    if (stack_start > stack_low)
        return E2BIG; // the arguments alone exceed the stack limit
    int stack_prot = VmProtRead | VmProtWrite | (plan.executable_stack ? VmProtExec : 0);
    TRY(space.map_anonymous_fixed(stack_start, layout.stack_top, stack_prot, VmaGrowsDown | VmaStack));
    TRY(space.write(stack.rsp, stack.image.data(), stack.image.size()));

    space.set_initial_brk(plan.brk_start);
    return {};
}

} // namespace

Result<AddressSpace*> build_exec_address_space(const ElfSource& file, const LoadPlan& plan, const InitialStack& stack,
                                               const ExecLayout& layout) {
    AddressSpace* space = TRY(AddressSpace::create());
    auto filled = fill(*space, file, plan, stack, layout);
    if (filled.is_error()) {
        // Never loaded into CR3: freeing is safe.
        space->unref();
        return filled.error();
    }
    return space;
}

} // namespace charon::mm
