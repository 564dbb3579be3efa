// Virtual memory areas: the ranges of a user address space and what backs
// them, as pure range logic. Nothing here touches page tables, so the file
// is portable and tested on the host (tests/unit/test_vma_set.cpp); the
// address space (mm/address_space.h) pairs each change here with the
// matching page-table work.
//
// A Vma is [start, end), page aligned, with one protection, one set of
// flags and one backing. Two neighbours merge when nothing distinguishes
// them (same prot, flags, backing, and contiguous backing offsets), so a
// munmap/mprotect that splits and a later call that undoes it leave one
// area, as on Linux.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/ref_ptr.h"
#include "lib/result.h"

namespace charon {
class Inode;
struct PathName;
} // namespace charon

namespace charon::mm {

// Protection bits: the Linux PROT_* values.
enum VmProt : int {
    VmProtNone = 0,
    VmProtRead = 1,
    VmProtWrite = 2,
    VmProtExec = 4,
};

// Linux's stack_guard_gap (256 pages): mmap leaves this much free below a
// stack, and a stack does not grow to within it of the area below.
inline constexpr uint64_t stack_guard_gap = 256 * 4096;

enum VmaFlags : unsigned {
    VmaShared = 1u << 0,    // MAP_SHARED: writes reach the backing; fork shares the frames
    VmaAnonymous = 1u << 1, // MAP_ANONYMOUS: demand-zero (a shared one still has a backing object)
    VmaGrowsDown = 1u << 2, // the stack: a fault just below it extends it
    VmaHeap = 1u << 3,      // the brk area (never merges with an mmap)
    VmaMayWrite = 1u << 4,  // a shared file mapping whose file was opened for writing
    VmaStack = 1u << 5,     // the exec stack (for /proc/pid/maps "[stack]")
    VmaImage = 1u << 6,     // exec's copy of the binary's file pages (maps names the binary; offset is the file's)
};

// What a file-backed (or shared anonymous) mapping maps. The file system's
// objects implement it; the memory manager only asks for pages.
//  - Private mappings copy: read_page() fills a fresh private frame, so the
//    file is never written through a MAP_PRIVATE mapping.
//  - Shared mappings (next issue) map the object's own frames:
//    shared_frame() returns the page cache's frame with a reference for the
//    caller, so every mapper (and every fork child) sees the same bytes;
//    msync/munmap call write_back().
class VmBacking : public RefCounted {
public:
    // Fills `page` (page_size bytes of kernel memory) with the object's
    // bytes at `offset` (page aligned); bytes past its end read as zero.
    virtual Result<void> read_page(uint64_t offset, void* page) = 0;
    // The frame holding the page at `offset`, with one new reference that
    // the caller owns. Objects without a page cache: ENODEV (mmap fails
    // with ENODEV, as Linux does for files that cannot be mapped shared).
    virtual Result<uint64_t> shared_frame(uint64_t offset) {
        (void)offset;
        return ENODEV;
    }
    // Whether shared_frame() works: mmap(MAP_SHARED) of an object that
    // cannot share fails with ENODEV up front, not at the first fault.
    virtual bool can_share() const { return false; }
    // The file (or other object) whose pages this maps, for finding every
    // mapping of it (a truncated file unmaps its tail); null if none.
    virtual const void* mapped_object() const { return nullptr; }
    // Whether the object holds the page at `offset` in memory (mincore's
    // page-cache answer for a page no page table maps).
    virtual bool page_cached(uint64_t offset) {
        (void)offset;
        return false;
    }
    // Whether `frame` is the object's own page at `offset` (a private
    // mapping's page not yet written: RssFile), not a copy.
    virtual bool is_own_frame(uint64_t offset, uint64_t frame) {
        (void)offset;
        (void)frame;
        return false;
    }
    // The mapped file and the name it was opened by, for /proc/PID/maps
    // (null for what is not a file).
    virtual const Inode* file_inode() const { return nullptr; }
    virtual const PathName* file_path() const { return nullptr; }
    // MAP_SHARED anonymous memory: the object's number, which Linux's maps
    // shows as the inode of the unlinked shmem file "/dev/zero" behind it
    // (shmem_zero_setup); 0 for everything else.
    virtual uint64_t shmem_ino() const { return 0; }
    // Writes dirty shared pages in [offset, offset + length) back (msync).
    virtual Result<void> write_back(uint64_t offset, uint64_t length) {
        (void)offset;
        (void)length;
        return {};
    }
};

struct Vma {
    uint64_t start = 0;
    uint64_t end = 0;
    int prot = VmProtNone;
    unsigned flags = 0;
    RefPtr<VmBacking> backing; // null: private anonymous memory
    uint64_t offset = 0;       // backing offset of `start`
    Vma* prev = nullptr;       // the set's sorted list (owned by VmaSet)
    Vma* next = nullptr;
    Vma* tree_left = nullptr;  // the set's search tree (a treap keyed by start)
    Vma* tree_right = nullptr;
    uint32_t tree_priority = 0;

    uint64_t length() const { return end - start; }
    bool contains(uint64_t address) const { return address >= start && address < end; }
    uint64_t offset_of(uint64_t address) const { return offset + (address - start); }
    bool is_shared() const { return flags & VmaShared; }
};

class VmaSet {
public:
    VmaSet() = default;
    VmaSet(const VmaSet&) = delete;
    VmaSet& operator=(const VmaSet&) = delete;
    ~VmaSet(); // deletes every area

    // The area containing `address`, or null.
    Vma* find(uint64_t address) const;
    // The first area that ends above `address` (it may start above it too).
    Vma* first_ending_after(uint64_t address) const;
    Vma* first() const { return m_first; }
    Vma* last() const { return m_last; }
    size_t count() const { return m_count; }
    bool is_free(uint64_t start, uint64_t end) const;
    // True when [start, end) is covered by areas without a hole.
    bool is_fully_mapped(uint64_t start, uint64_t end) const;

    // Links an area (allocated with new) that overlaps none; the set owns it.
    void insert(Vma* vma);
    // Unlinks and deletes.
    void erase(Vma& vma);
    // Splits `vma` at `at` (strictly inside it): `vma` keeps [start, at),
    // the returned new area gets [at, end). ENOMEM if it cannot be allocated.
    Result<Vma*> split(Vma& vma, uint64_t at);
    // Splits the areas straddling `start` and `end` so that both are area
    // boundaries. On ENOMEM some splits may have happened; that changes
    // nothing observable.
    Result<void> split_at(uint64_t start, uint64_t end);
    // Merges `vma` with its neighbours where they are compatible and
    // adjacent; returns the surviving area (which may be a neighbour).
    Vma& merge_around(Vma& vma);
    static bool can_merge(const Vma& low, const Vma& high);

    // Highest free, page-aligned range of `length` bytes inside
    // [low, high) (top-down, as Linux's mmap_base allocator). ENOMEM if no
    // gap is large enough.
    Result<uint64_t> find_free_top_down(uint64_t length, uint64_t low, uint64_t high) const;

private:
    // Greatest start <= address, or null: O(log n) expected.
    Vma* floor(uint64_t address) const;
    void tree_insert(Vma* vma);
    void tree_erase(Vma* vma);

    // The areas twice: a sorted doubly linked list for walking neighbours,
    // and a treap (random priorities, so expected O(log n) depth whatever
    // the insertion order) for lookups, so a fault's cost does not grow
    // with the number of areas (thread stacks, guard pages, many mmaps).
    Vma* m_first = nullptr;
    Vma* m_last = nullptr;
    Vma* m_root = nullptr;
    size_t m_count = 0;
    uint32_t m_seed = 0x9e3779b9;
    mutable Vma* m_cache = nullptr; // last find() hit: faults cluster
};

} // namespace charon::mm
