// A process's address space: its own page tables (user half; the kernel
// half is shared by every root), the VMAs that say what may be mapped where,
// and the Linux memory calls on top (mmap, munmap, mprotect, brk), page
// faults (demand paging, copy-on-write, stack growth), fork and teardown.
// See docs/memory.md.
//
// Frames are reference counted (mm/frame_allocator.h): a page-table entry
// holds one reference. After fork a private page is mapped read-only in
// both spaces with two references; the first write copies it (or, when the
// other side already let go, just makes it writable again).
//
// Locking: m_lock (LockRank::AddressSpace) covers the VMAs and the page
// tables. Never touch user memory (copy_from_user ...) while holding it:
// the fault would need the same lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/x86_64/memory_layout.h"
#include "fs/inode.h"
#include "lib/result.h"
#include "lib/spinlock.h"
#include "mm/vma_set.h"

namespace charon::mm {

// Linux mmap(2) flags (x86_64 values).
inline constexpr unsigned MAP_SHARED = 0x01;
inline constexpr unsigned MAP_PRIVATE = 0x02;
inline constexpr unsigned MAP_SHARED_VALIDATE = 0x03;
inline constexpr unsigned MAP_TYPE = 0x0f;
inline constexpr unsigned MAP_FIXED = 0x10;
inline constexpr unsigned MAP_ANONYMOUS = 0x20;
inline constexpr unsigned MAP_32BIT = 0x40;
inline constexpr unsigned MAP_GROWSDOWN = 0x100;
inline constexpr unsigned MAP_DENYWRITE = 0x800;
inline constexpr unsigned MAP_EXECUTABLE = 0x1000;
inline constexpr unsigned MAP_LOCKED = 0x2000;
inline constexpr unsigned MAP_NORESERVE = 0x4000;
inline constexpr unsigned MAP_POPULATE = 0x8000;
inline constexpr unsigned MAP_NONBLOCK = 0x10000;
inline constexpr unsigned MAP_STACK = 0x20000;
inline constexpr unsigned MAP_HUGETLB = 0x40000;
inline constexpr unsigned MAP_SYNC = 0x80000;
inline constexpr unsigned MAP_FIXED_NOREPLACE = 0x100000;
inline constexpr unsigned MAP_UNINITIALIZED = 0x4000000;
inline constexpr unsigned MREMAP_MAYMOVE = 1;
inline constexpr unsigned MREMAP_FIXED = 2;
inline constexpr unsigned MREMAP_DONTUNMAP = 4;
inline constexpr int MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;
inline constexpr int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4,
                     MADV_FREE = 8, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16, MADV_DODUMP = 17;

// The user address range mappings may use: [mmap_min_addr, TASK_SIZE_MAX).
inline constexpr uint64_t user_mmap_min = 0x10000;              // vm.mmap_min_addr
inline constexpr uint64_t user_address_end = 0x00007ffffffff000; // TASK_SIZE_MAX (last page is a guard)
// The exec stack ends here (Linux's STACK_TOP without randomisation), and
// mmap allocates top-down from below the stack's reservation.
inline constexpr uint64_t user_stack_top = user_address_end;
inline constexpr uint64_t default_stack_limit = 8ull << 20; // RLIMIT_STACK default
// Linux's mmap_base: below the stack by its rlimit, at least 128 MiB.
uint64_t mmap_base_for(uint64_t stack_limit);

struct FaultAccess {
    bool write = false;
    bool exec = false;  // instruction fetch
    bool user = false;  // from user mode (else the kernel touching user memory)
};

// mmap's arguments after the syscall layer has turned the fd into a backing.
struct MmapRequest {
    uint64_t address = 0; // hint, or the place with MAP_FIXED*
    uint64_t length = 0;
    int prot = VmProtNone;
    unsigned flags = 0;              // MAP_*
    RefPtr<VmBacking> backing;       // the file's object; null with MAP_ANONYMOUS
    uint64_t offset = 0;             // in the file, page aligned
    bool backing_writable = false;   // the file was opened for writing (MAP_SHARED + PROT_WRITE)
};

// What exec recorded about the program image: Linux's mm_struct fields
// behind /proc/PID/stat, cmdline, environ and exe. Fork copies it.
struct ImageInfo {
    uint64_t start_code = 0, end_code = 0, start_data = 0, end_data = 0;
    uint64_t start_stack = 0;
    uint64_t arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
    RefPtr<PathName> exe; // the binary (the interpreter of a script)
    // Linux's mm->exe_file write denial: while this image (or a fork's
    // copy) lives, opening the binary for writing is ETXTBSY.
    ExecWriteDenial exe_denial;
};

// Sizes for /proc/PID/status and statm, in bytes.
struct MemoryUsage {
    uint64_t mapped = 0;   // VmSize
    uint64_t peak_mapped = 0;   // VmPeak: the most ever mapped
    uint64_t peak_resident = 0; // VmHWM: the most ever resident
    uint64_t exec = 0;     // executable, not writable, not stack (Linux's exec_vm)
    uint64_t page_tables = 0; // VmPTE: the user half's table pages
    uint64_t shared_resident = 0; // resident pages of shared mappings (RssShmem)
    uint64_t file_resident = 0;   // a private file mapping's pages that are the file's own (RssFile)
    uint64_t data = 0;     // VmData: private writable, not stack
    uint64_t stack = 0;    // VmStk
    uint64_t resident = 0; // VmRSS
};

class AddressSpace {
public:
    // An empty address space (no VMAs), with one reference.
    static Result<AddressSpace*> create();

    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;

    // --- references (CLONE_VM sharers) and the lifecycle core's handle ----
    void ref();
    // Drops a reference; the last one destroys the address space, which
    // must not be loaded in CR3 then (see leave()).
    void unref();
    uint32_t ref_count() const { return __atomic_load_n(&m_refs, __ATOMIC_RELAXED); }
    uint64_t handle() const { return reinterpret_cast<uint64_t>(this); }
    static AddressSpace* from_handle(uint64_t handle) { return reinterpret_cast<AddressSpace*>(handle); }

    // --- the CPU --------------------------------------------------------
    // A thread runs in an address space by its root: sched::set_current_root
    // (space->root()) loads it and keeps it across context switches, and
    // sched::set_current_root(0) leaves it (LifecycleHost::
    // leave_address_space) before the last unref() may free it.
    PhysAddr root() const { return m_root; }

    // --- faults, fork -----------------------------------------------------
    // Resolves a fault at `address`: EFAULT when no VMA covers it (SEGV_MAPERR),
    // EACCES when the VMA forbids the access (SEGV_ACCERR), ENOMEM, or the
    // backing's error (EIO: SIGBUS).
    Result<void> handle_page_fault(VirtAddr address, FaultAccess access);
    // The child's address space for fork: the same VMAs; private pages are
    // shared read-only with both sides holding a frame reference (the first
    // write copies); shared mappings stay shared and writable.
    Result<AddressSpace*> clone_for_fork();
    // Why a fault cannot be resolved, without changing anything:
    // SEGV_MAPERR (1) no VMA (and no stack to grow), SEGV_ACCERR (2) the VMA
    // forbids the access, 0 if the access would be allowed.
    int classify_fault(VirtAddr address, FaultAccess access);

    // --- the memory syscalls, Linux semantics ---------------------------
    Result<uint64_t> mmap(const MmapRequest& request);
    Result<void> munmap(uint64_t address, uint64_t length);
    Result<void> mprotect(uint64_t address, uint64_t length, int prot);
    // madvise(2): MADV_DONTNEED/MADV_FREE drop the pages (private memory
    // reads back zero or the file's bytes; shared memory keeps its data in
    // the backing); the other common advice is accepted and ignored.
    // EINVAL for bad arguments or advice, ENOMEM when part of the range is
    // unmapped (after acting on the mapped parts, as Linux).
    Result<void> madvise(uint64_t address, uint64_t length, int advice);
    // mremap(2) without MREMAP_DONTUNMAP: shrink, grow in place, or move
    // (MREMAP_MAYMOVE, MREMAP_FIXED) carrying the pages over (no copy).
    Result<uint64_t> mremap(uint64_t address, uint64_t old_length, uint64_t new_length, unsigned flags,
                            uint64_t new_address);
    // mincore(2)'s work for one area: fills `vector` with 1 (resident) or 0
    // for up to `pages` pages from `address` (page aligned), stopping at
    // the end of the area covering it; returns how many. ENOMEM when no
    // area covers `address`. Resident: mapped by our page tables, or (not
    // mapped) held in memory by the area's object (Linux's page cache).
    Result<size_t> mincore(uint64_t address, size_t pages, uint8_t* vector);
    // msync(2): checks, then asks shared file backings to write back.
    Result<void> msync(uint64_t address, uint64_t length, int flags);
    // brk(2): returns the new break, or the current one when the request
    // cannot be met (below the initial break, no room, no memory).
    uint64_t brk(uint64_t requested);
    void set_initial_brk(uint64_t address); // exec: the page-aligned end of the image
    uint64_t initial_brk() const { return m_brk_start; }

    // --- building an image (exec) and kernel access -----------------------
    // Adds a private anonymous VMA at a fixed, free range (exec's image and
    // stack); `flags` are VmaFlags; `offset`: the file offset of `start` for
    // a VmaImage area (what /proc/PID/maps shows).
    Result<void> map_anonymous_fixed(uint64_t start, uint64_t end, int prot, unsigned flags, uint64_t offset = 0);
    // Copies into / out of this address space through its page tables,
    // faulting pages in as needed; works whether or not it is current.
    // `force` writes even where the VMA is read-only (exec filling its text,
    // as ptrace's FOLL_FORCE); otherwise the VMA's protection applies
    // (EFAULT).
    Result<void> write(uint64_t address, const void* source, size_t length, bool force = false);
    Result<void> read(uint64_t address, void* destination, size_t length);
    // RLIMIT_STACK's soft limit: how far the stack may grow. setrlimit
    // calls this (Linux checks the limit at each growth); fork copies it.
    void set_stack_limit(uint64_t limit);
    // Where top-down mmap allocation starts (exec: mmap_base_for(limit)).
    void set_mmap_base(uint64_t base);
    uint64_t mmap_base() const { return m_mmap_base; }

    // Every address space drops the pages of its mappings of `object`
    // (VmBacking::mapped_object) at object offsets >= `offset`, private
    // copies included, as Linux's truncate_pagecache: a later access
    // refaults and finds the end of the file (SIGBUS).
    static void unmap_object_everywhere(const void* object, uint64_t offset);

    // --- introspection (tests, /proc) -------------------------------------
    // Set by exec before the space is shared; read-only afterwards.
    void set_image_info(ImageInfo info) { m_image = std::move(info); }
    const ImageInfo& image_info() const { return m_image; }
    uint64_t current_brk() const { return m_brk; }
    MemoryUsage usage();
    // Calls `visit` for each VMA in address order under the lock: it may
    // allocate but must not touch user memory or sleep.
    using VmaVisitor = void (*)(const Vma& vma, void* context);
    void for_each_vma(VmaVisitor visit, void* context);
    size_t vma_count() const { return m_vmas.count(); }
    uint64_t resident_pages() const { return m_resident_pages; }
    // The VMA covering `address` as a copy (start == end == 0 if none).
    Vma vma_at(uint64_t address);

private:
    AddressSpace() = default;
    ~AddressSpace() = default;
    void destroy();

    // True when it changed the page tables (filled, copied, made writable).
    Result<bool> fault_locked(VirtAddr address, FaultAccess access, bool force = false);
    Result<Vma*> grow_stack_locked(VirtAddr address);
    Result<void> populate_locked(Vma& vma, VirtAddr page);
    Result<void> break_cow_locked(Vma& vma, VirtAddr page, PhysAddr frame, unsigned access);
    Result<void> remove_range_locked(uint64_t start, uint64_t end);
    void unmap_pages_locked(uint64_t start, uint64_t end);
    void unmap_object_locked(const void* object, uint64_t offset);
    Result<uint64_t> place_locked(uint64_t hint, uint64_t length);
    Result<uint64_t> move_locked(Vma& vma, uint64_t address, uint64_t old_length, uint64_t new_length,
                                 uint64_t destination);

    Spinlock m_lock{"address space", LockRank::AddressSpace};
    uint32_t m_refs = 1;
    PhysAddr m_root = 0;
    VmaSet m_vmas;
    uint64_t m_resident_pages = 0;
    // The high-water marks of the resident pages and the mapped bytes,
    // brought up to date before either shrinks (Linux's update_hiwater_rss
    // and update_hiwater_vm): the peak is max(mark, current).
    uint64_t m_peak_resident_pages = 0;
    uint64_t m_peak_mapped = 0;
    uint64_t mapped_bytes_locked() const;
    uint64_t m_brk_start = 0; // the initial break: brk never goes below it
    uint64_t m_brk = 0;
    uint64_t m_stack_limit = default_stack_limit;
    uint64_t m_mmap_base = 0;
    ImageInfo m_image;
    AddressSpace* m_registry_next = nullptr; // the registry chain of our root's bucket
    friend AddressSpace* current_address_space();
};

// The free function the fault path calls.
inline Result<void> handle_page_fault(AddressSpace& space, VirtAddr address, FaultAccess access) {
    return space.handle_page_fault(address, access);
}
// SEGV_MAPERR (1) or SEGV_ACCERR (2) for a fault error; 0 when the error
// is not a SIGSEGV (ENOMEM, EIO: SIGBUS).
int segv_code_for(Error error);

// The address space whose tables CR3 holds (null: the kernel's tables).
// The scheduler switches CR3 by root; this maps the root back.
AddressSpace* current_address_space();
// Installs the user page-fault handler in the arch trap path
// (mm/page_fault.cpp; AddressSpace::create() calls it too). Idempotent.
void address_space_init();
// Told of every user page fault resolved (Linux's mm_account_fault counts
// it as the faulting thread's min_flt). Every fault Charon resolves is
// minor: no page needs I/O. The task layer installs it.
using FaultCounter = void (*)();
void set_fault_counter(FaultCounter counter);
// For the fault signal of an unresolved user fault in the current address
// space (`access`: arch::FaultAccess bits): SEGV_MAPERR (1) when no VMA
// covers the address, SEGV_ACCERR (2) when one forbids the access.
int user_fault_signal_code(uint64_t address, unsigned access);

struct MmStats {
    uint64_t live_address_spaces;
    uint64_t mapped_user_pages;  // user page-table leaves, all address spaces
    uint64_t page_table_pages;   // arch::page_table_page_count()
    uint64_t demand_faults;      // pages filled on first touch
    uint64_t cow_breaks;         // private pages copied on write
    uint64_t cow_reuses;         // write faults that found the last reference and just made it writable
    uint64_t shared_anonymous_pages; // frames held by MAP_SHARED|MAP_ANONYMOUS objects
};
MmStats mm_stats();

} // namespace charon::mm
