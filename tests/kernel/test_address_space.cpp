// Address spaces (kernel/mm/address_space.h): demand paging, fault errors,
// copy-on-write fork, teardown back to the exact frame and page-table
// baseline, mmap/munmap/mprotect splitting, brk, stack growth, shared
// anonymous memory across fork.
#include "arch/x86_64/paging.h"
#include "ktest.h"
#include "mm/address_space.h"
#include "mm/frame_allocator.h"

using namespace charon;
using namespace charon::mm;

namespace {

constexpr uint64_t P = page_size;
constexpr uint64_t base = 0x10000000;
constexpr int RW = VmProtRead | VmProtWrite;

// Owns an address space for the length of a test (tests never load it).
struct Space {
    AddressSpace* space = nullptr;
    ~Space() {
        if (space)
            space->unref();
    }
    AddressSpace* operator->() { return space; }
    AddressSpace& operator*() { return *space; }
};

MmapRequest anonymous(uint64_t address, uint64_t length, int prot, unsigned flags = MAP_FIXED) {
    MmapRequest request;
    request.address = address;
    request.length = length;
    request.prot = prot;
    request.flags = MAP_PRIVATE | MAP_ANONYMOUS | flags;
    return request;
}

int error_of(const Result<void>& result) { return result.is_error() ? result.error().code() : 0; }
template <typename T>
int error_of(const Result<T>& result) {
    return result.is_error() ? result.error().code() : 0;
}

PhysAddr frame_at(AddressSpace& space, uint64_t address) {
    auto t = arch::translate(space.root(), address);
    return t.is_error() ? 0 : align_down(t.value().phys, page_size);
}

uint64_t read_u64(AddressSpace& space, uint64_t address) {
    uint64_t value = 0;
    VERIFY(!space.read(address, &value, sizeof value).is_error());
    return value;
}

} // namespace

KERNEL_TEST(as_demand_zero_paging) {
    Space s{KASSERT_OK(AddressSpace::create())};
    MmStats before = mm_stats();
    KASSERT_EQ(KASSERT_OK(s->mmap(anonymous(base, 4 * P, RW))), base);
    // Nothing is mapped until touched.
    KEXPECT_EQ(s->resident_pages(), 0u);
    KEXPECT_EQ(frame_at(*s, base), 0u);
    KASSERT_OK(s->handle_page_fault(base + 5, FaultAccess{.user = true}));
    KEXPECT_EQ(s->resident_pages(), 1u);
    KEXPECT_NE(frame_at(*s, base), 0u);
    KEXPECT_EQ(read_u64(*s, base), 0u);
    uint64_t pattern = 0x1122334455667788;
    KASSERT_OK(s->write(base + 3 * P + 8, &pattern, sizeof pattern));
    KEXPECT_EQ(read_u64(*s, base + 3 * P + 8), pattern);
    KEXPECT_EQ(s->resident_pages(), 2u);
    MmStats after = mm_stats();
    KEXPECT_EQ(after.demand_faults - before.demand_faults, 2u);
    KEXPECT_EQ(after.mapped_user_pages - before.mapped_user_pages, 2u);
    // A write spanning two pages faults in the second one too.
    uint8_t bytes[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    KASSERT_OK(s->write(base + 2 * P - 8, bytes, sizeof bytes));
    uint8_t back[16] = {};
    KASSERT_OK(s->read(base + 2 * P - 8, back, sizeof back));
    for (int i = 0; i < 16; ++i)
        KEXPECT_EQ(back[i], bytes[i]);
    KEXPECT_EQ(s->resident_pages(), 4u);
}

KERNEL_TEST(as_fault_errors_maperr_accerr) {
    Space s{KASSERT_OK(AddressSpace::create())};
    KASSERT_OK(s->mmap(anonymous(base, P, VmProtNone)));
    KASSERT_OK(s->mmap(anonymous(base + 2 * P, P, VmProtRead)));
    KASSERT_OK(s->mmap(anonymous(base + 4 * P, P, RW)));
    auto unmapped = s->handle_page_fault(base + P, FaultAccess{.user = true});
    KEXPECT_EQ(error_of(unmapped), EFAULT);
    KEXPECT_EQ(segv_code_for(unmapped.error()), 1); // SEGV_MAPERR
    auto none = s->handle_page_fault(base, FaultAccess{.user = true});
    KEXPECT_EQ(error_of(none), EACCES);
    KEXPECT_EQ(segv_code_for(none.error()), 2); // SEGV_ACCERR
    KEXPECT_EQ(error_of(s->handle_page_fault(base + 2 * P, FaultAccess{.write = true, .user = true})), EACCES);
    KEXPECT_EQ(error_of(s->handle_page_fault(base + 4 * P, FaultAccess{.exec = true, .user = true})), EACCES);
    KEXPECT_EQ(error_of(s->handle_page_fault(user_address_end + 5, FaultAccess{.user = true})), EFAULT);
    KEXPECT_EQ(s->classify_fault(base + P, FaultAccess{.user = true}), 1);
    KEXPECT_EQ(s->classify_fault(base, FaultAccess{.user = true}), 2);
    KEXPECT_EQ(s->classify_fault(base + 4 * P, FaultAccess{.write = true, .user = true}), 0);
    // The kernel's copies follow the protections too (EFAULT, as Linux).
    uint64_t value = 7;
    KEXPECT_EQ(error_of(s->write(base + 2 * P, &value, sizeof value)), EFAULT);
    KEXPECT_EQ(error_of(s->read(base, &value, sizeof value)), EFAULT);
    KEXPECT_EQ(s->resident_pages(), 0u);
}

KERNEL_TEST(as_cow_fork_isolation) {
    Space parent{KASSERT_OK(AddressSpace::create())};
    KASSERT_OK(parent->mmap(anonymous(base, 2 * P, RW)));
    uint64_t original = 0xabcdef, changed = 0x5555;
    KASSERT_OK(parent->write(base, &original, sizeof original));
    KASSERT_OK(parent->write(base + P, &original, sizeof original));
    PhysAddr shared = frame_at(*parent, base);

    Space child{KASSERT_OK(parent->clone_for_fork())};
    // Shared until written: the same frame, two references, read-only in both.
    KEXPECT_EQ(frame_at(*child, base), shared);
    KEXPECT_EQ(frame_refcount(shared), 2u);
    KEXPECT_EQ(KASSERT_OK(arch::translate(parent->root(), base)).access & arch::PageWrite, 0u);
    KEXPECT_EQ(KASSERT_OK(arch::translate(child->root(), base)).access & arch::PageWrite, 0u);
    KEXPECT_EQ(child->resident_pages(), 2u);

    MmStats before = mm_stats();
    KASSERT_OK(child->handle_page_fault(base, FaultAccess{.write = true, .user = true}));
    KEXPECT_EQ(mm_stats().cow_breaks - before.cow_breaks, 1u);
    KASSERT_OK(child->write(base, &changed, sizeof changed));
    KEXPECT_NE(frame_at(*child, base), shared);
    KEXPECT_EQ(read_u64(*child, base), changed);
    KEXPECT_EQ(read_u64(*parent, base), original);
    KEXPECT_EQ(frame_refcount(shared), 1u);
    // The parent's write finds the last reference: no copy, just writable.
    KASSERT_OK(parent->handle_page_fault(base, FaultAccess{.write = true, .user = true}));
    KEXPECT_EQ(frame_at(*parent, base), shared);
    KEXPECT_EQ(mm_stats().cow_breaks - before.cow_breaks, 1u);
    KEXPECT_EQ(mm_stats().cow_reuses - before.cow_reuses, 1u);
    // The other page: the parent writes first this time.
    KASSERT_OK(parent->write(base + P, &changed, sizeof changed));
    KEXPECT_EQ(read_u64(*child, base + P), original);
    KEXPECT_EQ(read_u64(*parent, base + P), changed);
}

KERNEL_TEST(as_shared_anonymous_stays_shared_across_fork) {
    Space parent{KASSERT_OK(AddressSpace::create())};
    MmapRequest request = anonymous(base, P, RW);
    request.flags = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;
    KASSERT_OK(parent->mmap(request));
    uint64_t one = 1, two = 2;
    KASSERT_OK(parent->write(base, &one, sizeof one));
    Space child{KASSERT_OK(parent->clone_for_fork())};
    KASSERT_OK(child->write(base, &two, sizeof two));
    KEXPECT_EQ(read_u64(*parent, base), two);
    KEXPECT_EQ(frame_at(*parent, base), frame_at(*child, base));
}

KERNEL_TEST(as_teardown_returns_to_baseline) {
    auto cycle = [](int round) -> bool {
        auto created = AddressSpace::create();
        if (created.is_error())
            return false;
        AddressSpace* a = created.value();
        bool ok = !a->mmap(anonymous(base, 64 * P, RW)).is_error();
        ok = ok && !a->mmap(anonymous(0x7f0000000000, 8 * P, RW)).is_error();
        MmapRequest shared = anonymous(base + 100 * P, 4 * P, RW);
        shared.flags = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;
        ok = ok && !a->mmap(shared).is_error();
        for (int i = 0; ok && i < 64; i += 3) {
            uint64_t v = i + round;
            ok = !a->write(base + i * P, &v, sizeof v).is_error();
        }
        ok = ok && !a->write(0x7f0000000000 + 7 * P, &round, sizeof round).is_error();
        ok = ok && !a->write(base + 101 * P, &round, sizeof round).is_error();
        auto forked = a->clone_for_fork();
        if (forked.is_error()) {
            a->unref();
            return false;
        }
        AddressSpace* b = forked.value();
        for (int i = 0; ok && i < 64; i += 5)
            ok = !b->write(base + i * P, &round, sizeof round).is_error();
        auto grandchild = b->clone_for_fork();
        ok = ok && !grandchild.is_error();
        ok = ok && !a->munmap(base + 10 * P, 20 * P).is_error();
        ok = ok && !a->mprotect(base + 40 * P, 4 * P, VmProtRead).is_error();
        // Different release orders: parent first, or child first.
        if (round % 2) {
            a->unref();
            b->unref();
        } else {
            b->unref();
            a->unref();
        }
        if (!grandchild.is_error())
            grandchild.value()->unref();
        return ok;
    };
    // One warm-up round: the heap keeps slab frames for reuse.
    KASSERT(cycle(0));
    size_t frames = free_frame_count();
    uint64_t tables = arch::page_table_page_count();
    MmStats before = mm_stats();
    for (int round = 1; round <= 40; ++round)
        KASSERT(cycle(round));
    MmStats after = mm_stats();
    KEXPECT_EQ(free_frame_count(), frames);
    KEXPECT_EQ(arch::page_table_page_count(), tables);
    KEXPECT_EQ(after.live_address_spaces, before.live_address_spaces);
    KEXPECT_EQ(after.mapped_user_pages, before.mapped_user_pages);
    KEXPECT_GT(after.cow_breaks, before.cow_breaks);
}

KERNEL_TEST(as_mprotect_splits_and_merges) {
    Space s{KASSERT_OK(AddressSpace::create())};
    KASSERT_OK(s->mmap(anonymous(base, 8 * P, RW)));
    for (int i = 0; i < 8; ++i)
        KASSERT_OK(s->write(base + i * P, &i, sizeof i));
    KEXPECT_EQ(s->vma_count(), 1u);
    KASSERT_OK(s->mprotect(base + 3 * P, 2 * P, VmProtRead));
    KEXPECT_EQ(s->vma_count(), 3u);
    KEXPECT_EQ(s->vma_at(base + 3 * P).start, base + 3 * P);
    KEXPECT_EQ(s->vma_at(base + 3 * P).end, base + 5 * P);
    KEXPECT_EQ(KASSERT_OK(arch::translate(s->root(), base + 4 * P)).access & arch::PageWrite, 0u);
    KEXPECT_EQ(error_of(s->handle_page_fault(base + 4 * P, FaultAccess{.write = true, .user = true})), EACCES);
    KEXPECT_EQ(error_of(s->handle_page_fault(base + 5 * P, FaultAccess{.write = true, .user = true})), 0);
    // PROT_NONE keeps the data for later.
    KASSERT_OK(s->mprotect(base, 8 * P, VmProtNone));
    KEXPECT_EQ(s->vma_count(), 1u);
    KEXPECT_EQ(error_of(s->handle_page_fault(base, FaultAccess{.user = true})), EACCES);
    KASSERT_OK(s->mprotect(base, 8 * P, RW));
    KEXPECT_EQ(s->vma_count(), 1u);
    for (int i = 0; i < 8; ++i)
        KEXPECT_EQ(read_u64(*s, base + i * P) & 0xffffffff, static_cast<uint64_t>(i));
    // Errors: unaligned, holes, unknown bits; a zero length is fine.
    KEXPECT_EQ(error_of(s->mprotect(base + 1, P, VmProtRead)), EINVAL);
    KEXPECT_EQ(error_of(s->mprotect(base, 9 * P, VmProtRead)), ENOMEM);
    KEXPECT_EQ(error_of(s->mprotect(base - P, 2 * P, VmProtRead)), ENOMEM);
    KEXPECT_EQ(error_of(s->mprotect(base, P, 0x40)), EINVAL);
    KEXPECT_EQ(error_of(s->mprotect(base + 20 * P, 0, VmProtRead)), 0);
    // The failed calls changed nothing.
    KEXPECT_EQ(s->vma_count(), 1u);
    KEXPECT_EQ(s->vma_at(base).prot, RW);
}

KERNEL_TEST(as_munmap_partial_overlaps_free_frames) {
    Space s{KASSERT_OK(AddressSpace::create())};
    KASSERT_OK(s->mmap(anonymous(base, 8 * P, RW)));
    for (int i = 0; i < 8; ++i)
        KASSERT_OK(s->write(base + i * P, &i, sizeof i));
    size_t frames = free_frame_count();
    KASSERT_OK(s->munmap(base + 2 * P, 3 * P));
    KEXPECT_EQ(free_frame_count(), frames + 3);
    KEXPECT_EQ(s->vma_count(), 2u);
    KEXPECT_EQ(s->resident_pages(), 5u);
    KEXPECT_EQ(error_of(s->handle_page_fault(base + 3 * P, FaultAccess{.user = true})), EFAULT);
    KEXPECT_EQ(read_u64(*s, base + 5 * P) & 0xff, 5u);
    // Across the hole and past the end, unaligned length: fine.
    KASSERT_OK(s->munmap(base + P, 5 * P + 1));
    KEXPECT_EQ(s->vma_count(), 2u);
    KEXPECT_EQ(s->vma_at(base + 7 * P).start, base + 7 * P);
    KEXPECT_EQ(s->resident_pages(), 2u);
    KASSERT_OK(s->munmap(base + 100 * P, P)); // nothing there
    KEXPECT_EQ(error_of(s->munmap(base + 1, P)), EINVAL);
    KEXPECT_EQ(error_of(s->munmap(base, 0)), EINVAL);
    KEXPECT_EQ(error_of(s->munmap(user_address_end - P, 2 * P)), EINVAL);
}

KERNEL_TEST(as_mmap_placement_and_errors) {
    Space s{KASSERT_OK(AddressSpace::create())};
    // No hint: top-down below mmap_base, each below the previous.
    uint64_t first = KASSERT_OK(s->mmap(anonymous(0, 3 * P, RW, 0)));
    uint64_t second = KASSERT_OK(s->mmap(anonymous(0, P, VmProtRead, 0)));
    KEXPECT_EQ(first, s->mmap_base() - 3 * P);
    KEXPECT_EQ(second, first - P);
    // A free hint is taken (rounded up to a page); a taken one is not.
    KEXPECT_EQ(KASSERT_OK(s->mmap(anonymous(base + 1, P, RW, 0))), base + P);
    uint64_t moved = KASSERT_OK(s->mmap(anonymous(base + P, P, VmProtRead, 0)));
    KEXPECT_NE(moved, base + P);
    // MAP_FIXED replaces: the old data is gone.
    uint64_t v = 42;
    KASSERT_OK(s->write(base + P, &v, sizeof v));
    KEXPECT_EQ(KASSERT_OK(s->mmap(anonymous(base + P, P, RW, MAP_FIXED))), base + P);
    KEXPECT_EQ(read_u64(*s, base + P), 0u);
    // MAP_FIXED_NOREPLACE refuses to, even together with MAP_FIXED.
    KEXPECT_EQ(error_of(s->mmap(anonymous(base + P, P, RW, MAP_FIXED_NOREPLACE))), EEXIST);
    KEXPECT_EQ(error_of(s->mmap(anonymous(base, 2 * P, RW, MAP_FIXED_NOREPLACE | MAP_FIXED))), EEXIST);
    KEXPECT_EQ(KASSERT_OK(s->mmap(anonymous(base + 2 * P, P, RW, MAP_FIXED_NOREPLACE))), base + 2 * P);
    // Argument errors.
    KEXPECT_EQ(error_of(s->mmap(anonymous(base, 0, RW))), EINVAL);
    KEXPECT_EQ(error_of(s->mmap(anonymous(base + 1, P, RW))), EINVAL);
    KEXPECT_EQ(error_of(s->mmap(anonymous(user_address_end - P, 2 * P, RW))), ENOMEM);
    KEXPECT_EQ(error_of(s->mmap(anonymous(0x1000, P, RW))), EPERM); // below mmap_min_addr
    MmapRequest neither = anonymous(0, P, RW, 0);
    neither.flags = MAP_ANONYMOUS;
    KEXPECT_EQ(error_of(s->mmap(neither)), EINVAL);
    MmapRequest validate = anonymous(0, P, RW, 0);
    validate.flags = MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x80000000u;
    KEXPECT_EQ(error_of(s->mmap(validate)), EOPNOTSUPP);
    // No room: ENOMEM.
    KEXPECT_EQ(error_of(s->mmap(anonymous(0, user_address_end, RW, 0))), ENOMEM);
    KEXPECT_EQ(error_of(s->mmap(anonymous(0, ~0ull - 10, RW, 0))), ENOMEM);
    // Adjacent compatible mappings merge.
    size_t areas = s->vma_count();
    KASSERT_OK(s->mmap(anonymous(base + 3 * P, P, RW)));
    KEXPECT_EQ(s->vma_count(), areas);
}

KERNEL_TEST(as_brk_grow_shrink) {
    Space s{KASSERT_OK(AddressSpace::create())};
    constexpr uint64_t start = 0x600000;
    s->set_initial_brk(start);
    KEXPECT_EQ(s->brk(0), start);
    KEXPECT_EQ(s->brk(start - P), start); // never below the initial break
    KEXPECT_EQ(s->brk(start + 3 * P + 100), start + 3 * P + 100);
    uint64_t v = 9;
    KASSERT_OK(s->write(start + 3 * P + 8, &v, sizeof v));
    KASSERT_OK(s->write(start, &v, sizeof v));
    KEXPECT_EQ(s->resident_pages(), 2u);
    KEXPECT_EQ(error_of(s->handle_page_fault(start + 4 * P, FaultAccess{.user = true})), EFAULT);
    // Shrinking frees the pages above the new break.
    size_t frames = free_frame_count();
    KEXPECT_EQ(s->brk(start + 10), start + 10);
    KEXPECT_EQ(free_frame_count(), frames + 1);
    KEXPECT_EQ(s->resident_pages(), 1u);
    KEXPECT_EQ(error_of(s->handle_page_fault(start + 3 * P, FaultAccess{.user = true})), EFAULT);
    KEXPECT_EQ(read_u64(*s, start), 9u);
    // Growing into another mapping fails and returns the current break.
    KASSERT_OK(s->mmap(anonymous(start + 8 * P, P, RW)));
    KEXPECT_EQ(s->brk(start + 8 * P), start + 10);
    KEXPECT_EQ(s->brk(start + 7 * P), start + 7 * P); // leaves the guard page
    KEXPECT_EQ(s->brk(start), start);
    KEXPECT_EQ(s->resident_pages(), 0u);
}

KERNEL_TEST(as_stack_grows_down_to_its_limit) {
    Space s{KASSERT_OK(AddressSpace::create())};
    s->set_stack_limit(64 * P);
    uint64_t top = user_stack_top;
    KASSERT_OK(s->map_anonymous_fixed(top - 4 * P, top, RW, VmaGrowsDown | VmaStack));
    // Just below the stack: it grows.
    KASSERT_OK(s->handle_page_fault(top - 10 * P + 8, FaultAccess{.write = true, .user = true}));
    KEXPECT_EQ(s->vma_at(top - P).start, top - 10 * P);
    // Past RLIMIT_STACK: SEGV_MAPERR.
    KEXPECT_EQ(error_of(s->handle_page_fault(top - 65 * P, FaultAccess{.write = true, .user = true})), EFAULT);
    KASSERT_OK(s->handle_page_fault(top - 64 * P, FaultAccess{.write = true, .user = true}));
    // mmap keeps the guard gap below the stack free.
    uint64_t low = s->vma_at(top - P).start;
    uint64_t placed = KASSERT_OK(s->mmap(anonymous(low - P, P, RW, 0)));
    KEXPECT_NE(placed, low - P); // the hint lies in the guard gap: not taken
    KEXPECT_EQ(placed, s->mmap_base() - P);
}

KERNEL_TEST(as_next_mapped_page_skips_empty_tables) {
    Space s{KASSERT_OK(AddressSpace::create())};
    // Pages in different page tables, directories and PML4 slots.
    const uint64_t where[] = {0x400000, 0x401000, 0x40200000, 0x7f0000000000, 0x7f0000003000};
    for (uint64_t address : where) {
        KASSERT_OK(s->mmap(anonymous(address, P, RW)));
        KASSERT_OK(s->handle_page_fault(address, FaultAccess{.write = true, .user = true}));
    }
    uint64_t found[8];
    size_t n = 0;
    for (uint64_t page = arch::next_mapped_page(s->root(), 0, user_address_end); page < user_address_end && n < 8;
         page = arch::next_mapped_page(s->root(), page + P, user_address_end))
        found[n++] = page;
    KASSERT_EQ(n, 5u);
    for (size_t i = 0; i < n; ++i)
        KEXPECT_EQ(found[i], where[i]);
    KEXPECT_EQ(arch::next_mapped_page(s->root(), 0x402000, 0x40200000), 0x40200000u);
    KEXPECT_EQ(arch::next_mapped_page(s->root(), 0x401001, 0x402000), 0x401000u);
}

KERNEL_TEST(as_huge_sparse_mapping_fork_and_unmap) {
    // A 64 GiB reservation with three touched pages: fork, CoW and teardown
    // cost the touched pages, not the reservation's length.
    Space s{KASSERT_OK(AddressSpace::create())};
    constexpr uint64_t length = 64ull << 30;
    uint64_t start = KASSERT_OK(s->mmap(anonymous(0, length, RW, MAP_NORESERVE)));
    const uint64_t offsets[] = {0, length / 2 + 5 * P, length - P};
    for (uint64_t offset : offsets)
        KASSERT_OK(s->write(start + offset, &offset, sizeof offset));
    uint64_t frames_before_fork = free_frame_count();
    Space child{KASSERT_OK(s->clone_for_fork())};
    KEXPECT_EQ(child->resident_pages(), 3u);
    uint64_t marker = 99;
    KASSERT_OK(child->write(start + length - P, &marker, sizeof marker));
    KEXPECT_EQ(read_u64(*s, start + length - P), length - P);
    KEXPECT_EQ(read_u64(*child, start + length / 2 + 5 * P), length / 2 + 5 * P);
    KASSERT_OK(child->munmap(start, length));
    KEXPECT_EQ(child->resident_pages(), 0u);
    KEXPECT_EQ(child->vma_count(), 0u);
    child->unref();
    child.space = nullptr;
    KEXPECT_EQ(free_frame_count(), frames_before_fork);
}

KERNEL_TEST(as_madvise_dontneed_drops_pages) {
    Space s{KASSERT_OK(AddressSpace::create())};
    KASSERT_OK(s->mmap(anonymous(base, 4 * P, RW)));
    for (int i = 0; i < 4; ++i)
        KASSERT_OK(s->write(base + i * P, &i, sizeof i));
    size_t frames = free_frame_count();
    KASSERT_OK(s->madvise(base + P, 2 * P, MADV_DONTNEED));
    KEXPECT_EQ(free_frame_count(), frames + 2);
    KEXPECT_EQ(s->resident_pages(), 2u);
    KEXPECT_EQ(read_u64(*s, base + P), 0u); // zero-filled again
    KEXPECT_EQ(read_u64(*s, base + 3 * P) & 0xffffffff, 3u);
    KEXPECT_EQ(s->vma_count(), 1u); // the mapping itself stays
    // A hole: ENOMEM, but the mapped part was still dropped (Linux).
    KEXPECT_EQ(error_of(s->madvise(base + 3 * P, 2 * P, MADV_DONTNEED)), ENOMEM);
    KEXPECT_EQ(read_u64(*s, base + 3 * P), 0u);
    KEXPECT_EQ(error_of(s->madvise(base + 1, P, MADV_DONTNEED)), EINVAL);
    KEXPECT_EQ(error_of(s->madvise(base, P, 12345)), EINVAL);
    KEXPECT_EQ(error_of(s->madvise(base, P, MADV_WILLNEED)), 0);
    KEXPECT_EQ(error_of(s->madvise(base, 0, MADV_DONTNEED)), 0);
    // Shared anonymous memory keeps its data: only this mapping's PTE goes.
    MmapRequest shared = anonymous(base + 10 * P, P, RW);
    shared.flags = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;
    KASSERT_OK(s->mmap(shared));
    uint64_t v = 0x5151;
    KASSERT_OK(s->write(base + 10 * P, &v, sizeof v));
    KASSERT_OK(s->madvise(base + 10 * P, P, MADV_DONTNEED));
    KEXPECT_EQ(read_u64(*s, base + 10 * P), v);
    KEXPECT_EQ(error_of(s->madvise(base + 10 * P, P, MADV_FREE)), EINVAL);
}

KERNEL_TEST(as_mremap_shrink_grow_move) {
    Space s{KASSERT_OK(AddressSpace::create())};
    KASSERT_OK(s->mmap(anonymous(base, 4 * P, RW)));
    for (int i = 0; i < 4; ++i)
        KASSERT_OK(s->write(base + i * P, &i, sizeof i));
    // Shrink: the tail is unmapped.
    KEXPECT_EQ(KASSERT_OK(s->mremap(base, 4 * P, 3 * P, 0, 0)), base);
    KEXPECT_EQ(s->vma_at(base).end, base + 3 * P);
    KEXPECT_EQ(s->resident_pages(), 3u);
    // Grow in place into free space.
    KEXPECT_EQ(KASSERT_OK(s->mremap(base, 3 * P, 6 * P, 0, 0)), base);
    KEXPECT_EQ(s->vma_at(base).end, base + 6 * P);
    // Blocked: ENOMEM without MREMAP_MAYMOVE, a move with it, the frames
    // carried over (no copy) and the data intact.
    KASSERT_OK(s->mmap(anonymous(base + 6 * P, P, VmProtRead)));
    KEXPECT_EQ(error_of(s->mremap(base, 6 * P, 8 * P, 0, 0)), ENOMEM);
    PhysAddr frame = frame_at(*s, base + 2 * P);
    size_t frames = free_frame_count();
    uint64_t tables = arch::page_table_page_count();
    uint64_t moved = KASSERT_OK(s->mremap(base, 6 * P, 8 * P, MREMAP_MAYMOVE, 0));
    KEXPECT_NE(moved, base);
    // No page was copied: only page-table pages at the new place were allocated.
    KEXPECT_EQ(free_frame_count() + (arch::page_table_page_count() - tables), frames);
    KEXPECT_EQ(frame_at(*s, moved + 2 * P), frame);
    KEXPECT_EQ(frame_refcount(frame), 1u);
    KEXPECT_EQ(read_u64(*s, moved + 2 * P) & 0xffffffff, 2u);
    KEXPECT_EQ(s->vma_at(base).end, 0u);
    KEXPECT_EQ(s->vma_at(moved).end, moved + 8 * P);
    // MREMAP_FIXED moves to a chosen place, replacing what was there.
    uint64_t target = base + 100 * P;
    KASSERT_OK(s->mmap(anonymous(target, P, VmProtRead)));
    KEXPECT_EQ(KASSERT_OK(s->mremap(moved, 8 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, target)), target);
    KEXPECT_EQ(read_u64(*s, target + P) & 0xffffffff, 1u);
    KEXPECT_EQ(s->vma_at(target).prot, RW);
    KEXPECT_EQ(s->vma_at(moved).end, 0u);
    // Errors.
    KEXPECT_EQ(error_of(s->mremap(base + 50 * P, P, 2 * P, MREMAP_MAYMOVE, 0)), EFAULT);
    KEXPECT_EQ(error_of(s->mremap(target, 4 * P, 5 * P, MREMAP_MAYMOVE, 0)), EFAULT); // past the area
    KEXPECT_EQ(error_of(s->mremap(target, P, 2 * P, MREMAP_FIXED, base)), EINVAL);
    KEXPECT_EQ(error_of(s->mremap(target, P, 0, 0, 0)), EINVAL);
    KEXPECT_EQ(error_of(s->mremap(target + 1, P, P, 0, 0)), EINVAL);
    KEXPECT_EQ(error_of(s->mremap(target, P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, target - P)), EINVAL); // overlap
}

KERNEL_TEST(as_msync_checks) {
    Space s{KASSERT_OK(AddressSpace::create())};
    KASSERT_OK(s->mmap(anonymous(base, 2 * P, RW)));
    KEXPECT_EQ(error_of(s->msync(base, 2 * P, MS_SYNC)), 0);
    KEXPECT_EQ(error_of(s->msync(base, 3 * P, MS_ASYNC)), ENOMEM);
    KEXPECT_EQ(error_of(s->msync(base, P, MS_SYNC | MS_ASYNC)), EINVAL);
    KEXPECT_EQ(error_of(s->msync(base + 1, P, MS_SYNC)), EINVAL);
    KEXPECT_EQ(error_of(s->msync(base, P, 0x100)), EINVAL);
}

namespace {
// Takes frames until only `keep` are free; the hoard is a list threaded
// through the frames themselves. Returns its head.
PhysAddr hoard_frames_until(size_t keep) {
    PhysAddr head = 0;
    while (free_frame_count() > keep) {
        PhysAddr frame = allocate_frame(FrameFill::Uninitialized).value();
        *phys_to_virt<PhysAddr>(frame) = head;
        head = frame;
    }
    return head;
}
void release_hoard(PhysAddr head) {
    while (head) {
        PhysAddr next = *phys_to_virt<PhysAddr>(head);
        free_frame(head);
        head = next;
    }
}
} // namespace

KERNEL_TEST(as_out_of_memory_fork_and_fault_leave_no_trace) {
    // Warm the heap up first (slab frames are kept, not returned).
    {
        Space warm{KASSERT_OK(AddressSpace::create())};
        KASSERT_OK(warm->mmap(anonymous(base, P, RW)));
        Space child{KASSERT_OK(warm->clone_for_fork())};
    }
    size_t frames = free_frame_count();
    uint64_t tables = arch::page_table_page_count();
    uint64_t live = mm_stats().live_address_spaces;
    int fork_failures = 0, fault_failures = 0;
    for (size_t keep = 0; keep <= 12; ++keep) {
        Space s{KASSERT_OK(AddressSpace::create())};
        KASSERT_OK(s->mmap(anonymous(base, 64 * P, RW)));
        KASSERT_OK(s->mmap(anonymous(0x7f0000000000, 4 * P, RW)));
        for (uint64_t i = 0; i < 64; i += 8)
            KASSERT_OK(s->write(base + i * P, &i, sizeof i));
        KASSERT_OK(s->write(0x7f0000000000, &keep, sizeof keep));
        PhysAddr hoard = hoard_frames_until(keep);
        auto child = s->clone_for_fork();
        auto fault = s->handle_page_fault(base + 3 * P, FaultAccess{.write = true, .user = true});
        release_hoard(hoard);
        if (child.is_error()) {
            KEXPECT_EQ(child.error().code(), ENOMEM);
            ++fork_failures;
        } else {
            child.value()->unref();
        }
        if (fault.is_error()) {
            KEXPECT_EQ(fault.error().code(), ENOMEM);
            ++fault_failures;
        }
        // The parent is intact either way.
        for (uint64_t i = 0; i < 64; i += 8)
            KEXPECT_EQ(read_u64(*s, base + i * P), i);
        KEXPECT_EQ(read_u64(*s, 0x7f0000000000), keep);
    }
    KEXPECT_GT(fork_failures, 0);
    KEXPECT_GT(fault_failures, 0);
    KEXPECT_EQ(free_frame_count(), frames);
    KEXPECT_EQ(arch::page_table_page_count(), tables);
    KEXPECT_EQ(mm_stats().live_address_spaces, live);
}

namespace {
void large_shared_anonymous(ktest::Context& ktest_context) {
    Space s{KASSERT_OK(AddressSpace::create())};
    MmapRequest request = anonymous(0, 16ull << 30, RW, 0);
    request.flags = MAP_SHARED | MAP_ANONYMOUS;
    uint64_t start = KASSERT_OK(s->mmap(request));
    Space child{KASSERT_OK(s->clone_for_fork())};
    uint64_t far = start + (15ull << 30) + 5 * P, value = 0xfeed;
    KASSERT_OK(child->write(far, &value, sizeof value));
    KEXPECT_EQ(read_u64(*s, far), value);
    KASSERT_OK(s->write(start, &value, sizeof value));
    KEXPECT_EQ(read_u64(*child, start), value);
    // An mremap that grows the mapping past the object: SIGBUS there.
    uint64_t grown = KASSERT_OK(s->mremap(start, 16ull << 30, (16ull << 30) + P, MREMAP_MAYMOVE, 0));
    auto beyond = s->handle_page_fault(grown + (16ull << 30), FaultAccess{.user = true});
    KEXPECT(beyond.is_error() && beyond.error().code() == EIO);
    KEXPECT_EQ(read_u64(*s, grown + (15ull << 30) + 5 * P), value);
}
} // namespace

KERNEL_TEST(as_large_shared_anonymous_is_sparse) {
    // 16 GiB of MAP_SHARED|MAP_ANONYMOUS: cheap until touched (its index is
    // one pointer per 2 MiB), shared with a fork child page by page, and
    // fully returned at the end. Once to warm the kernel heap up (its large
    // blocks keep their kernel page tables), then against the baseline.
    large_shared_anonymous(ktest_context);
    size_t frames = free_frame_count();
    uint64_t tables = arch::page_table_page_count();
    large_shared_anonymous(ktest_context);
    KEXPECT_EQ(free_frame_count(), frames);
    KEXPECT_EQ(arch::page_table_page_count(), tables);
}

KERNEL_TEST(as_munmap_frees_empty_page_tables) {
    Space s{KASSERT_OK(AddressSpace::create())};
    KASSERT_OK(s->mmap(anonymous(base, P, RW)));
    KASSERT_OK(s->write(base, &base, sizeof base));
    uint64_t tables = arch::page_table_page_count();
    // Far away (another PML4 slot): three new table pages, gone with munmap.
    constexpr uint64_t far = 0x600000000000;
    KASSERT_OK(s->mmap(anonymous(far, 2 * P, RW)));
    KASSERT_OK(s->write(far + P, &far, sizeof far));
    KEXPECT_EQ(arch::page_table_page_count(), tables + 3);
    KASSERT_OK(s->munmap(far, 2 * P));
    KEXPECT_EQ(arch::page_table_page_count(), tables);
    // A table still mapping something stays: unmapping a neighbour keeps
    // the page at `base` and the tables leading to it.
    KASSERT_OK(s->mmap(anonymous(base + P, P, RW)));
    KASSERT_OK(s->write(base + P, &base, sizeof base));
    KASSERT_OK(s->munmap(base + P, P));
    KEXPECT_EQ(arch::page_table_page_count(), tables);
    KEXPECT_EQ(read_u64(*s, base), base);
    // And the same place can be mapped and used again.
    KASSERT_OK(s->mmap(anonymous(far, P, RW)));
    KASSERT_OK(s->write(far, &far, sizeof far));
    KEXPECT_EQ(read_u64(*s, far), far);
}
