#include "exec_image.h"

#include <new>

namespace charon::mm {

namespace {

// Linux's setup_arg_pages extends the initial stack VMA this far below the
// argument pages; the rest comes from stack growth on demand.
constexpr uint64_t initial_stack_expand = 128 * 1024;

Result<void> fill(AddressSpace& space, const ElfSource& file, const LoadPlan& plan, const InitialStack& stack,
                  const ExecLayout& layout) {
    if ((layout.stack_top & (page_size - 1)) || layout.stack_top > user_address_end || stack.rsp > layout.stack_top ||
        layout.stack_top - stack.rsp != stack.image.size())
        return EINVAL;
    space.set_stack_limit(layout.stack_limit);
    // The mmap area starts below the stack's reservation (Linux's
    // mmap_base, computed once at exec from RLIMIT_STACK).
    space.set_mmap_base(mmap_base_for(layout.stack_limit));

    LoadRegion regions[kMaxLoadRegions];
    size_t count = plan.regions(regions, kMaxLoadRegions);
    for (size_t i = 0; i < count; ++i)
        TRY(space.map_anonymous_fixed(regions[i].start, regions[i].end, regions[i].prot, VmaImage));

    // The file bytes; the rest of each region stays zero (the bss, and the
    // tail of the last file page).
    // Large chunks: the per-chunk cost (a lock, a page lookup) is paid per
    // 16 KiB, not per few hundred bytes, for a megabyte-sized busybox.
    constexpr size_t chunk_size = 4 * page_size;
    auto* chunk = new (std::nothrow) uint8_t[chunk_size];
    if (!chunk)
        return ENOMEM;
    Result<void> copied;
    for (size_t i = 0; i < plan.segment_count && !copied.is_error(); ++i) {
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
