#include "address_space.h"

#include <new>

#include "arch/x86_64/paging.h"
#include "lib/vector.h"
#include "mm/frame_allocator.h"

namespace charon::mm {

namespace {

using arch::PageExecute;
using arch::PageUser;
using arch::PageWrite;

constexpr uint64_t page_mask = page_size - 1;
// Linux's initial stack VMA reaches this far below the arguments
// (setup_arg_pages' stack_expand), more on demand up to RLIMIT_STACK.
constexpr uint64_t min_mmap_gap = 128ull << 20;

uint64_t g_live_spaces;
uint64_t g_mapped_user_pages;
uint64_t g_demand_faults;
uint64_t g_cow_breaks;
uint64_t g_cow_reuses;
uint64_t g_shared_anonymous_pages;
// Every live address space, to find the one CR3 holds: the scheduler
// switches roots, the fault path needs the AddressSpace. A hash of the root
// frame picks a bucket (a singly linked chain), so neither the lookup nor
// the unlink at teardown walks every process: with one list, a parent
// older than its 10,000 children scanned them all on its first fault after
// each context switch. The last hit is cached, so a fault usually costs one
// comparison.
constexpr size_t registry_buckets = 1024; // ~10 spaces per chain at 10,000 processes
Spinlock g_registry_lock{"address space registry", LockRank::AddressSpace};
AddressSpace* g_registry[registry_buckets];
AddressSpace* g_registry_cache;

AddressSpace*& registry_bucket(PhysAddr root) { return g_registry[(root / page_size) % registry_buckets]; }

void count(uint64_t& counter, int64_t delta) { __atomic_add_fetch(&counter, delta, __ATOMIC_RELAXED); }

// Page-table access for a VMA protection. PROT_NONE pages stay mapped (the
// frame keeps the data for a later mprotect) but without the user bit, so
// every user access faults and is refused by the VMA check. Write and exec
// imply read on x86, as on Linux.
unsigned access_for(int prot, bool writable) {
    if (prot == VmProtNone)
        return arch::PageRead;
    unsigned access = PageUser;
    if ((prot & VmProtWrite) && writable)
        access |= PageWrite;
    if (prot & VmProtExec)
        access |= PageExecute;
    return access;
}

bool vma_permits(const Vma& vma, FaultAccess access) {
    if (vma.prot == VmProtNone)
        return false;
    if (access.write && !(vma.prot & VmProtWrite))
        return false;
    if (access.exec && !(vma.prot & VmProtExec))
        return false;
    return true;
}

// MAP_SHARED|MAP_ANONYMOUS memory: one object whose frames every mapper
// (and every fork child) maps, allocated on first touch.
class SharedAnonymousMemory final : public VmBacking {
public:
    // Sparse: a frame's worth of frame addresses (512) is allocated when
    // the first page in its range is touched, so a large reservation costs
    // one pointer per 2 MiB until used.
    static Result<RefPtr<SharedAnonymousMemory>> create(uint64_t length) {
        auto* object = new (std::nothrow) SharedAnonymousMemory;
        if (!object)
            return ENOMEM;
        auto ref = adopt_ref(object);
        // Numbered as shmem's get_next_ino: never 0, unique while live.
        static uint64_t s_next_ino = 1;
        object->m_ino = __atomic_fetch_add(&s_next_ino, 1, __ATOMIC_RELAXED);
        object->m_pages = length / page_size;
        size_t leaves = (object->m_pages + entries_per_leaf - 1) / entries_per_leaf;
        TRY(object->m_leaves.try_ensure_capacity(leaves));
        for (size_t i = 0; i < leaves; ++i)
            TRY(object->m_leaves.try_append(0));
        return ref;
    }
    ~SharedAnonymousMemory() override {
        for (PhysAddr leaf : m_leaves) {
            if (!leaf)
                continue;
            const PhysAddr* frames = phys_to_virt<PhysAddr>(leaf);
            for (size_t i = 0; i < entries_per_leaf; ++i) {
                if (frames[i]) {
                    free_frame(frames[i]);
                    count(g_shared_anonymous_pages, -1);
                }
            }
            free_frame(leaf);
        }
    }
    Result<void> read_page(uint64_t offset, void* page) override {
        PhysAddr frame = TRY(shared_frame(offset));
        __builtin_memcpy(page, phys_to_virt(frame), page_size);
        free_frame(frame);
        return {};
    }
    bool can_share() const override { return true; }
    uint64_t shmem_ino() const override { return m_ino; }
    bool page_cached(uint64_t offset) override {
        size_t index = offset / page_size;
        if (index >= m_pages)
            return false;
        PhysAddr leaf = m_leaves[index / entries_per_leaf];
        return leaf && phys_to_virt<PhysAddr>(leaf)[index % entries_per_leaf];
    }
    Result<uint64_t> shared_frame(uint64_t offset) override {
        size_t index = offset / page_size;
        if (index >= m_pages)
            return EIO; // beyond the object (after an mremap that grew the mapping): SIGBUS, as Linux
        PhysAddr& leaf = m_leaves[index / entries_per_leaf];
        if (!leaf)
            leaf = TRY(allocate_frame(FrameFill::Zero));
        PhysAddr& frame = phys_to_virt<PhysAddr>(leaf)[index % entries_per_leaf];
        if (!frame) {
            frame = TRY(allocate_frame(FrameFill::Zero));
            count(g_shared_anonymous_pages, 1);
        }
        ref_frame(frame);
        return frame;
    }

private:
    static constexpr size_t entries_per_leaf = page_size / sizeof(PhysAddr);
    SharedAnonymousMemory() = default;
    uint64_t m_ino = 0;
    size_t m_pages = 0;
    Vector<PhysAddr> m_leaves;
};

} // namespace

uint64_t mmap_base_for(uint64_t stack_limit) {
    uint64_t gap = stack_limit + stack_guard_gap;
    if (gap < min_mmap_gap)
        gap = min_mmap_gap;
    // Linux caps the gap at 5/6 of the address space.
    uint64_t max_gap = user_stack_top / 6 * 5;
    if (gap > max_gap)
        gap = max_gap;
    return align_down(user_stack_top - gap, page_size);
}

Result<AddressSpace*> AddressSpace::create() {
    // User faults can only happen once an address space exists: the hook
    // goes in with the first one (address_space_init is idempotent).
    address_space_init();
    auto* space = new (std::nothrow) AddressSpace;
    if (!space)
        return ENOMEM;
    auto root = arch::create_root();
    if (root.is_error()) {
        delete space;
        return root.error();
    }
    space->m_root = root.value();
    space->m_mmap_base = mmap_base_for(space->m_stack_limit);
    {
        SpinlockGuard guard(g_registry_lock);
        AddressSpace*& bucket = registry_bucket(space->m_root);
        space->m_registry_next = bucket;
        bucket = space;
    }
    count(g_live_spaces, 1);
    return space;
}

void AddressSpace::ref() {
    auto old = __atomic_fetch_add(&m_refs, 1, __ATOMIC_RELAXED);
    VERIFY(old > 0);
}

void AddressSpace::unref() {
    auto old = __atomic_fetch_sub(&m_refs, 1, __ATOMIC_ACQ_REL);
    VERIFY(old > 0);
    if (old == 1)
        destroy();
}

void AddressSpace::destroy() {
    // The rule that makes teardown safe: the tables being freed are not the
    // ones the CPU walks. A dying thread loads the kernel root first
    // (sched::set_current_root(0), LifecycleHost::leave_address_space).
    VERIFY(arch::current_root() != m_root);
    {
        SpinlockGuard guard(g_registry_lock);
        AddressSpace** link = &registry_bucket(m_root);
        while (*link != this)
            link = &(*link)->m_registry_next;
        *link = m_registry_next;
        if (g_registry_cache == this)
            g_registry_cache = nullptr;
    }
    {
        SpinlockGuard guard(m_lock);
        while (Vma* vma = m_vmas.first()) {
            unmap_pages_locked(vma->start, vma->end);
            m_vmas.erase(*vma);
        }
        VERIFY(m_resident_pages == 0);
    }
    arch::destroy_root(m_root);
    count(g_live_spaces, -1);
    delete this;
}

AddressSpace* current_address_space() {
    PhysAddr root = arch::current_root();
    SpinlockGuard guard(g_registry_lock);
    if (g_registry_cache && g_registry_cache->root() == root)
        return g_registry_cache;
    for (AddressSpace* space = registry_bucket(root); space; space = space->m_registry_next) {
        if (space->root() == root) {
            g_registry_cache = space;
            return space;
        }
    }
    return nullptr;
}

int segv_code_for(Error error) {
    if (error.code() == EFAULT)
        return 1; // SEGV_MAPERR
    if (error.code() == EACCES)
        return 2; // SEGV_ACCERR
    return 0;
}

MmStats mm_stats() {
    return MmStats{
        .live_address_spaces = __atomic_load_n(&g_live_spaces, __ATOMIC_RELAXED),
        .mapped_user_pages = __atomic_load_n(&g_mapped_user_pages, __ATOMIC_RELAXED),
        .page_table_pages = arch::page_table_page_count(),
        .demand_faults = __atomic_load_n(&g_demand_faults, __ATOMIC_RELAXED),
        .cow_breaks = __atomic_load_n(&g_cow_breaks, __ATOMIC_RELAXED),
        .cow_reuses = __atomic_load_n(&g_cow_reuses, __ATOMIC_RELAXED),
        .shared_anonymous_pages = __atomic_load_n(&g_shared_anonymous_pages, __ATOMIC_RELAXED),
    };
}

// ---------------------------------------------------------------------------
// Faults

Result<void> AddressSpace::handle_page_fault(VirtAddr address, FaultAccess access) {
    if (address >= user_address_end)
        return EFAULT;
    SpinlockGuard guard(m_lock);
    bool changed = TRY(fault_locked(address, access));
    // Nothing to change: from user mode that is a stale TLB entry (the
    // fault flushed it) and the retry works. From the kernel's user copy
    // it is a fault no page-table change fixes (an SMAP violation, say);
    // retrying would fault forever, so the copy fails with EFAULT.
    if (!changed && !access.user)
        return EFAULT;
    return {};
}

Result<bool> AddressSpace::fault_locked(VirtAddr address, FaultAccess access, bool force) {
    VirtAddr page = align_down(address, page_size);
    Vma* vma = m_vmas.find(address);
    if (!vma)
        vma = TRY(grow_stack_locked(address));
    if (!force && !vma_permits(*vma, access))
        return EACCES;
    bool populated = false;
    if (arch::translate(m_root, page).is_error()) {
        populated = true;
        TRY(populate_locked(*vma, page));
    }
    arch::Translation present = arch::translate(m_root, page).value();
    if (access.write && !(present.access & PageWrite) && (force || (vma->prot & VmProtWrite))) {
        TRY(break_cow_locked(*vma, page, align_down(present.phys, page_size), present.access));
        return true;
    }
    if (populated)
        return true;
    // The page already allows the access: nothing changed (see
    // handle_page_fault).
    return false;
}

int AddressSpace::classify_fault(VirtAddr address, FaultAccess access) {
    SpinlockGuard guard(m_lock);
    Vma* vma = m_vmas.find(address);
    if (!vma) {
        Vma* stack = m_vmas.first_ending_after(address);
        uint64_t page = align_down(address, page_size);
        bool growable = stack && (stack->flags & VmaGrowsDown) && page >= user_mmap_min &&
                        stack->end - page <= m_stack_limit;
        if (!growable)
            return 1;
        vma = stack;
    }
    return vma_permits(*vma, access) ? 0 : 2;
}

Result<Vma*> AddressSpace::grow_stack_locked(VirtAddr address) {
    Vma* stack = m_vmas.first_ending_after(address);
    if (!stack || !(stack->flags & VmaGrowsDown) || stack->backing)
        return EFAULT;
    uint64_t new_start = align_down(address, page_size);
    if (new_start < user_mmap_min || stack->end - new_start > m_stack_limit)
        return EFAULT;
    // Keep the guard gap to whatever lies below (Linux's stack_guard_gap).
    Vma* below = stack->prev;
    if (below && (new_start < below->end || new_start - below->end < stack_guard_gap))
        return EFAULT;
    stack->start = new_start;
    return stack;
}

Result<void> AddressSpace::populate_locked(Vma& vma, VirtAddr page) {
    PhysAddr frame;
    unsigned access = access_for(vma.prot, true);
    if (vma.is_shared()) {
        frame = TRY(vma.backing->shared_frame(vma.offset_of(page)));
    } else if (vma.backing && vma.backing->can_share() && vma.backing->page_cached(vma.offset_of(page))) {
        // Private file page the file holds in memory: map the file's own
        // frame read-only, as Linux maps the page cache; the first write
        // copies it (break_cow_locked: the file's reference keeps the count
        // above one). Every exec of a binary then shares its text, and under
        // QEMU the code translated for it stays valid from one exec to the
        // next. Until then the page shows later writes to the file, as on
        // Linux. Holes are not filled in the file for a private mapping:
        // they take the copying path below.
        frame = TRY(vma.backing->shared_frame(vma.offset_of(page)));
        access &= ~PageWrite;
    } else if (vma.backing) {
        // Private file page: a copy, so writes never reach the file.
        frame = TRY(allocate_frame(FrameFill::Uninitialized));
        auto filled = vma.backing->read_page(vma.offset_of(page), phys_to_virt(frame));
        if (filled.is_error()) {
            free_frame(frame);
            return filled.error();
        }
    } else {
        frame = TRY(allocate_frame(FrameFill::Zero));
    }
    auto mapped = arch::map_page(m_root, page, frame, access);
    if (mapped.is_error()) {
        free_frame(frame);
        return mapped.error();
    }
    ++m_resident_pages;
    count(g_mapped_user_pages, 1);
    count(g_demand_faults, 1);
    return {};
}

Result<void> AddressSpace::break_cow_locked(Vma& vma, VirtAddr page, PhysAddr frame, unsigned) {
    // What the page may allow once it is ours alone. A forced write (exec
    // filling read-only text) copies if shared but keeps the page read-only.
    unsigned access = access_for(vma.prot, true);
    if (vma.is_shared() || frame_refcount(frame) == 1) {
        // Nobody else maps it (the other side of the fork already copied
        // or went away): keep the frame.
        if (access & PageWrite) {
            TRY(arch::protect_page(m_root, page, access));
            if (!vma.is_shared())
                count(g_cow_reuses, 1);
        }
        return {};
    }
    PhysAddr copy = TRY(allocate_frame(FrameFill::Uninitialized));
    __builtin_memcpy(phys_to_virt(copy), phys_to_virt(frame), page_size);
    PhysAddr old = arch::unmap_page(m_root, page).release_value();
    VERIFY(old == frame);
    // The leaf's table exists (we just cleared its entry): cannot fail.
    VERIFY(!arch::map_page(m_root, page, copy, access).is_error());
    free_frame(old);
    count(g_cow_breaks, 1);
    return {};
}

// ---------------------------------------------------------------------------
// Fork

Result<AddressSpace*> AddressSpace::clone_for_fork() {
    AddressSpace* child = TRY(create());
    Result<void> result;
    {
        SpinlockGuard guard(m_lock);
        child->m_brk_start = m_brk_start;
        child->m_brk = m_brk;
        child->m_stack_limit = m_stack_limit;
        child->m_mmap_base = m_mmap_base;
        child->m_image.start_code = m_image.start_code;
        child->m_image.end_code = m_image.end_code;
        child->m_image.start_data = m_image.start_data;
        child->m_image.end_data = m_image.end_data;
        child->m_image.start_stack = m_image.start_stack;
        child->m_image.arg_start = m_image.arg_start;
        child->m_image.arg_end = m_image.arg_end;
        child->m_image.env_start = m_image.env_start;
        child->m_image.env_end = m_image.env_end;
        child->m_image.exe = m_image.exe;
        child->m_image.exe_denial = m_image.exe_denial;
        for (Vma* vma = m_vmas.first(); vma && !result.is_error(); vma = vma->next) {
            auto* copy = new (std::nothrow) Vma;
            if (!copy) {
                result = Error(ENOMEM);
                break;
            }
            copy->start = vma->start;
            copy->end = vma->end;
            copy->prot = vma->prot;
            copy->flags = vma->flags;
            copy->backing = vma->backing;
            copy->offset = vma->offset;
            child->m_vmas.insert(copy);
            for (VirtAddr page = arch::next_mapped_page(m_root, vma->start, vma->end); page < vma->end;
                 page = arch::next_mapped_page(m_root, page + page_size, vma->end)) {
                arch::Translation present = arch::translate(m_root, page).value();
                PhysAddr frame = align_down(present.phys, page_size);
                unsigned access = present.access;
                if (!vma->is_shared() && (access & PageWrite)) {
                    // Both sides read-only: the first write copies.
                    access &= ~PageWrite;
                    VERIFY(!arch::protect_page(m_root, page, access).is_error());
                }
                ref_frame(frame);
                auto mapped = arch::map_page(child->m_root, page, frame, access);
                if (mapped.is_error()) {
                    free_frame(frame);
                    result = mapped.error();
                    break;
                }
                ++child->m_resident_pages;
                count(g_mapped_user_pages, 1);
            }
        }
    }
    if (result.is_error()) {
        // The child was never loaded in CR3: freeing it is safe.
        child->unref();
        return result.error();
    }
    return child;
}

// ---------------------------------------------------------------------------
// Mapping changes

void AddressSpace::unmap_pages_locked(uint64_t start, uint64_t end) {
    if (m_resident_pages > m_peak_resident_pages)
        m_peak_resident_pages = m_resident_pages;
    for (VirtAddr page = arch::next_mapped_page(m_root, start, end); page < end;
         page = arch::next_mapped_page(m_root, page + page_size, end)) {
        free_frame(arch::unmap_page(m_root, page).release_value());
        --m_resident_pages;
        count(g_mapped_user_pages, -1);
    }
}

void AddressSpace::unmap_object_locked(const void* object, uint64_t offset) {
    for (Vma* vma = m_vmas.first(); vma; vma = vma->next) {
        if (!vma->backing || vma->backing->mapped_object() != object)
            continue;
        uint64_t from = vma->start;
        if (vma->offset < offset) {
            if (offset - vma->offset >= vma->length())
                continue;
            from = vma->start + (offset - vma->offset);
        }
        unmap_pages_locked(from, vma->end);
    }
}

void AddressSpace::unmap_object_everywhere(const void* object, uint64_t offset) {
    // Space by space, holding a reference so the chain link stays valid
    // while the registry lock is dropped (it ranks with the spaces' locks
    // and is never held together with one). The first space of bucket
    // `from` or later (caller holds the registry lock), with a reference.
    auto first_from = [](size_t from) -> AddressSpace* {
        for (size_t bucket = from; bucket < registry_buckets; ++bucket) {
            if (AddressSpace* space = g_registry[bucket]) {
                space->ref();
                return space;
            }
        }
        return nullptr;
    };
    AddressSpace* space;
    {
        SpinlockGuard guard(g_registry_lock);
        space = first_from(0);
    }
    while (space) {
        {
            SpinlockGuard guard(space->m_lock);
            space->unmap_object_locked(object, offset);
        }
        AddressSpace* next;
        {
            SpinlockGuard guard(g_registry_lock);
            next = space->m_registry_next;
            if (next)
                next->ref();
            else
                next = first_from((space->m_root / page_size) % registry_buckets + 1);
        }
        space->unref();
        space = next;
    }
}

Result<void> AddressSpace::remove_range_locked(uint64_t start, uint64_t end) {
    uint64_t mapped = mapped_bytes_locked();
    if (mapped > m_peak_mapped)
        m_peak_mapped = mapped;
    TRY(m_vmas.split_at(start, end));
    for (Vma* vma = m_vmas.first_ending_after(start); vma && vma->start < end;) {
        Vma* next = vma->next;
        unmap_pages_locked(vma->start, vma->end);
        m_vmas.erase(*vma);
        vma = next;
    }
    // Page-table pages that now map nothing go too (Linux's free_pgtables).
    arch::prune_empty_tables(m_root, start, end);
    return {};
}

Result<uint64_t> AddressSpace::place_locked(uint64_t hint, uint64_t length) {
    // A hint is taken when the range there is free (rounded up to a page,
    // as Linux), else the highest gap below mmap_base.
    if (hint) {
        uint64_t start = align_up(hint, page_size);
        if (start >= user_mmap_min && start <= user_address_end && length <= user_address_end - start &&
            m_vmas.is_free(start, start + length)) {
            // Not inside a stack's guard gap either (Linux's vm_start_gap).
            Vma* above = m_vmas.first_ending_after(start + length);
            if (!above || !(above->flags & VmaGrowsDown) || above->start - (start + length) >= stack_guard_gap)
                return start;
        }
    }
    auto found = m_vmas.find_free_top_down(length, user_mmap_min, m_mmap_base);
    if (!found.is_error())
        return found;
    // Linux falls back to a bottom-up search over the whole space.
    return m_vmas.find_free_top_down(length, user_mmap_min, user_address_end);
}

Result<uint64_t> AddressSpace::mmap(const MmapRequest& request) {
    unsigned type = request.flags & MAP_TYPE;
    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
        return EINVAL;
    constexpr unsigned known = MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT | MAP_GROWSDOWN | MAP_DENYWRITE |
                               MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK |
                               MAP_STACK | MAP_HUGETLB | MAP_SYNC | MAP_FIXED_NOREPLACE | MAP_UNINITIALIZED;
    if (type == MAP_SHARED_VALIDATE && (request.flags & ~known))
        return EOPNOTSUPP;
    bool shared = type != MAP_PRIVATE;
    bool anonymous = request.flags & MAP_ANONYMOUS;
    if (request.length == 0)
        return EINVAL;
    if (request.length > user_address_end)
        return ENOMEM;
    uint64_t length = align_up(request.length, page_size);
    if (request.flags & MAP_HUGETLB)
        return EINVAL; // no huge pages (Linux: EINVAL without a hugetlbfs pool)
    if (!anonymous) {
        if (request.offset & page_mask)
            return EINVAL;
        if (request.offset + length < request.offset)
            return EOVERFLOW;
        if (!request.backing)
            return EBADF;
        if (shared && (request.prot & VmProtWrite) && !request.backing_writable)
            return EACCES;
        if (shared && !request.backing->can_share())
            return ENODEV; // no page cache for this object yet
    }
    bool fixed = request.flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    if (fixed) {
        if (request.address & page_mask)
            return EINVAL;
        if (request.address > user_address_end || length > user_address_end - request.address)
            return ENOMEM;
        if (request.address < user_mmap_min)
            return EPERM;
    }

    RefPtr<VmBacking> backing = request.backing;
    uint64_t offset = request.offset;
    if (anonymous) {
        offset = 0;
        backing = nullptr;
        if (shared)
            backing = TRY(SharedAnonymousMemory::create(length));
    }
    auto* vma = new (std::nothrow) Vma;
    if (!vma)
        return ENOMEM;
    vma->prot = request.prot & (VmProtRead | VmProtWrite | VmProtExec);
    vma->flags = 0;
    if (shared)
        vma->flags |= VmaShared;
    if (anonymous)
        vma->flags |= VmaAnonymous;
    if (request.flags & MAP_GROWSDOWN)
        vma->flags |= VmaGrowsDown;
    if (shared && (anonymous || request.backing_writable))
        vma->flags |= VmaMayWrite;
    vma->backing = backing;
    vma->offset = offset;

    SpinlockGuard guard(m_lock);
    uint64_t start;
    if (fixed) {
        start = request.address;
        // MAP_FIXED_NOREPLACE wins over MAP_FIXED, as Linux.
        if ((request.flags & MAP_FIXED_NOREPLACE) && !m_vmas.is_free(start, start + length)) {
            delete vma;
            return EEXIST;
        }
        auto removed = remove_range_locked(start, start + length);
        if (removed.is_error()) {
            delete vma;
            return removed.error();
        }
    } else {
        auto placed = place_locked(request.address, length);
        if (placed.is_error()) {
            delete vma;
            return ENOMEM;
        }
        start = placed.value();
    }
    vma->start = start;
    vma->end = start + length;
    m_vmas.insert(vma);
    Vma& merged = m_vmas.merge_around(*vma);
    if (request.flags & MAP_POPULATE) {
        // Best effort, as Linux: errors surface at the first access.
        for (VirtAddr page = start; page < start + length; page += page_size) {
            if (arch::translate(m_root, page).is_error() && populate_locked(merged, page).is_error())
                break;
        }
    }
    return start;
}

Result<void> AddressSpace::munmap(uint64_t address, uint64_t length) {
    if ((address & page_mask) || length == 0)
        return EINVAL;
    if (address > user_address_end || length > user_address_end - address)
        return EINVAL;
    uint64_t end = align_up(address + length, page_size);
    SpinlockGuard guard(m_lock);
    return remove_range_locked(address, end);
}

Result<void> AddressSpace::mprotect(uint64_t address, uint64_t length, int prot) {
    constexpr int prot_sem = 0x8, prot_grows = 0x03000000;
    if (address & page_mask)
        return EINVAL;
    if (prot & ~(VmProtRead | VmProtWrite | VmProtExec | prot_sem | prot_grows))
        return EINVAL;
    if (length == 0)
        return {};
    if (length > user_address_end)
        return ENOMEM;
    uint64_t end = address + align_up(length, page_size);
    if (end > user_address_end || end <= address)
        return ENOMEM;
    prot &= VmProtRead | VmProtWrite | VmProtExec;

    SpinlockGuard guard(m_lock);
    // All or nothing: holes (ENOMEM) and forbidden writes (EACCES) are
    // found before anything changes. (Linux applies the change to the
    // areas before a hole, then fails; the errno is the same.)
    if (!m_vmas.is_fully_mapped(address, end))
        return ENOMEM;
    for (Vma* vma = m_vmas.find(address); vma && vma->start < end; vma = vma->next) {
        if ((prot & VmProtWrite) && vma->is_shared() && !(vma->flags & VmaMayWrite))
            return EACCES;
    }
    TRY(m_vmas.split_at(address, end));
    for (Vma* vma = m_vmas.find(address); vma && vma->start < end;) {
        vma->prot = prot;
        for (VirtAddr page = arch::next_mapped_page(m_root, vma->start, vma->end); page < vma->end;
             page = arch::next_mapped_page(m_root, page + page_size, vma->end)) {
            // A private page still shared with a fork relative stays
            // read-only: the write fault copies it.
            PhysAddr frame = align_down(arch::translate(m_root, page).value().phys, page_size);
            bool writable = vma->is_shared() || frame_refcount(frame) == 1;
            VERIFY(!arch::protect_page(m_root, page, access_for(prot, writable)).is_error());
        }
        Vma& merged = m_vmas.merge_around(*vma);
        vma = merged.next;
    }
    return {};
}

Result<void> AddressSpace::madvise(uint64_t address, uint64_t length, int advice) {
    if (address & page_mask)
        return EINVAL;
    bool drop = false;
    switch (advice) {
    case MADV_DONTNEED:
    case MADV_FREE: // "may be freed": freeing now is allowed
        drop = true;
        break;
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_WILLNEED:
    case MADV_HUGEPAGE:
    case MADV_NOHUGEPAGE:
    case MADV_DONTDUMP:
    case MADV_DODUMP:
        break;
    default:
        return EINVAL;
    }
    if (length > user_address_end)
        return EINVAL;
    uint64_t end = address + align_up(length, page_size);
    if (end < address)
        return EINVAL;
    if (end == address)
        return {};
    SpinlockGuard guard(m_lock);
    if (advice == MADV_FREE) {
        // Linux: only private anonymous memory.
        for (Vma* vma = m_vmas.first_ending_after(address); vma && vma->start < end; vma = vma->next) {
            if (vma->backing)
                return EINVAL;
        }
    }
    bool hole = !m_vmas.is_fully_mapped(address, end);
    if (drop) {
        for (Vma* vma = m_vmas.first_ending_after(address); vma && vma->start < end; vma = vma->next)
            unmap_pages_locked(vma->start > address ? vma->start : address, vma->end < end ? vma->end : end);
    }
    if (hole)
        return ENOMEM;
    return {};
}

Result<size_t> AddressSpace::mincore(uint64_t address, size_t pages, uint8_t* vector) {
    SpinlockGuard guard(m_lock);
    Vma* vma = m_vmas.find(address);
    if (!vma)
        return ENOMEM;
    size_t count = (vma->end - address) / page_size;
    if (count > pages)
        count = pages;
    for (size_t i = 0; i < count; ++i) {
        uint64_t page = address + i * page_size;
        bool resident = !arch::translate(m_root, page).is_error();
        if (!resident && vma->backing)
            resident = vma->backing->page_cached(vma->offset + (page - vma->start));
        vector[i] = resident ? 1 : 0;
    }
    return count;
}

Result<void> AddressSpace::msync(uint64_t address, uint64_t length, int flags) {
    if ((address & page_mask) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC)))
        return EINVAL;
    if (length > user_address_end)
        return ENOMEM;
    uint64_t end = address + align_up(length, page_size);
    if (end < address)
        return ENOMEM;
    if (end == address)
        return {};
    // Collect the write-backs under the lock, run them outside it (they
    // may block on the file system).
    struct Flush {
        RefPtr<VmBacking> backing;
        uint64_t offset, length;
    };
    Flush flushes[8];
    size_t count = 0;
    bool hole;
    {
        SpinlockGuard guard(m_lock);
        hole = !m_vmas.is_fully_mapped(address, end);
        for (Vma* vma = m_vmas.first_ending_after(address); vma && vma->start < end; vma = vma->next) {
            if (!vma->is_shared() || !vma->backing || count == sizeof flushes / sizeof flushes[0])
                continue;
            uint64_t from = vma->start > address ? vma->start : address;
            uint64_t to = vma->end < end ? vma->end : end;
            flushes[count++] = Flush{vma->backing, vma->offset_of(from), to - from};
        }
    }
    for (size_t i = 0; i < count; ++i)
        TRY(flushes[i].backing->write_back(flushes[i].offset, flushes[i].length));
    if (hole)
        return ENOMEM;
    return {};
}

Result<uint64_t> AddressSpace::move_locked(Vma& vma, uint64_t address, uint64_t old_length, uint64_t new_length,
                                           uint64_t destination) {
    auto* moved = new (std::nothrow) Vma;
    if (!moved)
        return ENOMEM;
    // Map every present page at its new place first (a second reference),
    // so running out of page-table memory leaves everything as it was.
    uint64_t old_end = address + old_length;
    uint64_t copy_end = address + (new_length < old_length ? new_length : old_length);
    uint64_t page = arch::next_mapped_page(m_root, address, copy_end);
    for (; page < copy_end; page = arch::next_mapped_page(m_root, page + page_size, copy_end)) {
        arch::Translation present = arch::translate(m_root, page).value();
        PhysAddr frame = align_down(present.phys, page_size);
        ref_frame(frame);
        if (arch::map_page(m_root, destination + (page - address), frame, present.access).is_error()) {
            free_frame(frame);
            break;
        }
        ++m_resident_pages;
        count(g_mapped_user_pages, 1);
    }
    if (page < copy_end) {
        unmap_pages_locked(destination, destination + (page - address));
        delete moved;
        return ENOMEM;
    }
    moved->start = destination;
    moved->end = destination + new_length;
    moved->prot = vma.prot;
    moved->flags = vma.flags;
    moved->backing = vma.backing;
    moved->offset = vma.offset_of(address);
    // The old range goes (its pages drop the extra reference).
    auto removed = remove_range_locked(address, old_end);
    if (removed.is_error()) {
        unmap_pages_locked(destination, destination + new_length);
        delete moved;
        return removed.error();
    }
    m_vmas.insert(moved);
    m_vmas.merge_around(*moved);
    return destination;
}

Result<uint64_t> AddressSpace::mremap(uint64_t address, uint64_t old_length, uint64_t new_length, unsigned flags,
                                      uint64_t new_address) {
    if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) || (flags & MREMAP_DONTUNMAP))
        return EINVAL; // MREMAP_DONTUNMAP is not supported
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
        return EINVAL;
    if (address & page_mask)
        return EINVAL;
    if (old_length > user_address_end || new_length > user_address_end)
        return EINVAL;
    old_length = align_up(old_length, page_size);
    new_length = align_up(new_length, page_size);
    if (new_length == 0 || old_length == 0)
        return EINVAL; // old_length 0 duplicates a shared mapping on Linux: not supported
    SpinlockGuard guard(m_lock);
    Vma* vma = m_vmas.find(address);
    if (!vma || old_length > vma->end - address)
        return EFAULT;
    if (flags & MREMAP_FIXED) {
        if ((new_address & page_mask) || new_address < user_mmap_min)
            return EINVAL;
        if (new_address > user_address_end || new_length > user_address_end - new_address)
            return EINVAL;
        if (new_address < address + old_length && address < new_address + new_length)
            return EINVAL; // overlapping ranges
        TRY(remove_range_locked(new_address, new_address + new_length));
        vma = m_vmas.find(address);
        return move_locked(*vma, address, old_length, new_length, new_address);
    }
    if (new_length <= old_length) {
        TRY(remove_range_locked(address + new_length, address + old_length));
        return address;
    }
    // Grow in place when the area ends where the range does and room follows.
    uint64_t grow_end = address + new_length;
    if (vma->end == address + old_length && grow_end <= user_address_end &&
        m_vmas.is_free(vma->end, grow_end)) {
        vma->end = grow_end;
        m_vmas.merge_around(*vma);
        return address;
    }
    if (!(flags & MREMAP_MAYMOVE))
        return ENOMEM;
    uint64_t destination = TRY(place_locked(0, new_length));
    return move_locked(*vma, address, old_length, new_length, destination);
}

void AddressSpace::set_initial_brk(uint64_t address) {
    SpinlockGuard guard(m_lock);
    m_brk_start = m_brk = address;
}

uint64_t AddressSpace::brk(uint64_t requested) {
    SpinlockGuard guard(m_lock);
    // Linux: below the initial break, or any failure, returns the current
    // break unchanged (musl and glibc detect failure that way).
    if (requested < m_brk_start || requested > user_address_end)
        return m_brk;
    uint64_t old_end = align_up(m_brk, page_size);
    uint64_t new_end = align_up(requested, page_size);
    if (new_end < old_end) {
        if (remove_range_locked(new_end, old_end).is_error())
            return m_brk;
    } else if (new_end > old_end) {
        // The new pages and one page above them must be free (Linux's
        // check keeps the heap from touching the next mapping).
        if (new_end + page_size > user_address_end || !m_vmas.is_free(old_end, new_end + page_size))
            return m_brk;
        auto* vma = new (std::nothrow) Vma;
        if (!vma)
            return m_brk;
        vma->start = old_end;
        vma->end = new_end;
        vma->prot = VmProtRead | VmProtWrite;
        vma->flags = VmaAnonymous | VmaHeap;
        m_vmas.insert(vma);
        m_vmas.merge_around(*vma);
    }
    m_brk = requested;
    return m_brk;
}

// ---------------------------------------------------------------------------
// Image building and kernel access

Result<void> AddressSpace::map_anonymous_fixed(uint64_t start, uint64_t end, int prot, unsigned flags,
                                               uint64_t offset) {
    if ((start & page_mask) || (end & page_mask) || start >= end || start < user_mmap_min || end > user_address_end)
        return EINVAL;
    SpinlockGuard guard(m_lock);
    if (!m_vmas.is_free(start, end))
        return EEXIST;
    auto* vma = new (std::nothrow) Vma;
    if (!vma)
        return ENOMEM;
    vma->start = start;
    vma->end = end;
    vma->prot = prot;
    vma->flags = flags | VmaAnonymous;
    vma->offset = offset;
    m_vmas.insert(vma);
    m_vmas.merge_around(*vma);
    return {};
}

void AddressSpace::set_stack_limit(uint64_t limit) {
    SpinlockGuard guard(m_lock);
    m_stack_limit = limit;
}

void AddressSpace::set_mmap_base(uint64_t base) {
    SpinlockGuard guard(m_lock);
    m_mmap_base = align_down(base, page_size);
}

Result<void> AddressSpace::write(uint64_t address, const void* source, size_t length, bool force) {
    if (address > user_address_end || length > user_address_end - address)
        return EFAULT;
    SpinlockGuard guard(m_lock);
    auto* from = static_cast<const uint8_t*>(source);
    while (length) {
        size_t chunk = page_size - (address & page_mask);
        if (chunk > length)
            chunk = length;
        // A write fault resolves demand-zero, file fill and CoW alike; the
        // bytes then go through the direct map.
        auto resolved = fault_locked(address, FaultAccess{.write = true}, force);
        if (resolved.is_error())
            return EFAULT;
        PhysAddr phys = arch::translate(m_root, address).value().phys;
        __builtin_memcpy(phys_to_virt(phys), from, chunk);
        address += chunk;
        from += chunk;
        length -= chunk;
    }
    return {};
}

Result<void> AddressSpace::read(uint64_t address, void* destination, size_t length) {
    if (address > user_address_end || length > user_address_end - address)
        return EFAULT;
    SpinlockGuard guard(m_lock);
    auto* to = static_cast<uint8_t*>(destination);
    while (length) {
        size_t chunk = page_size - (address & page_mask);
        if (chunk > length)
            chunk = length;
        if (fault_locked(address, FaultAccess{}).is_error())
            return EFAULT;
        PhysAddr phys = arch::translate(m_root, address).value().phys;
        __builtin_memcpy(to, phys_to_virt(phys), chunk);
        address += chunk;
        to += chunk;
        length -= chunk;
    }
    return {};
}

Vma AddressSpace::vma_at(uint64_t address) {
    SpinlockGuard guard(m_lock);
    Vma copy;
    if (Vma* vma = m_vmas.find(address)) {
        copy.start = vma->start;
        copy.end = vma->end;
        copy.prot = vma->prot;
        copy.flags = vma->flags;
        copy.backing = vma->backing;
        copy.offset = vma->offset;
    }
    return copy;
}

// ---------------------------------------------------------------------------
// Introspection (/proc)

uint64_t AddressSpace::mapped_bytes_locked() const {
    uint64_t mapped = 0;
    for (Vma* vma = m_vmas.first(); vma; vma = vma->next)
        mapped += vma->length();
    return mapped;
}

// Linux's total_vm, data_vm, stack_vm, exec_vm and hiwater marks.
MemoryUsage AddressSpace::usage() {
    SpinlockGuard guard(m_lock);
    MemoryUsage usage;
    for (Vma* vma = m_vmas.first(); vma; vma = vma->next) {
        usage.mapped += vma->length();
        if (vma->flags & (VmaGrowsDown | VmaStack))
            usage.stack += vma->length();
        else if ((vma->prot & VmProtWrite) && !vma->is_shared())
            usage.data += vma->length();
        else if ((vma->prot & (VmProtExec | VmProtWrite)) == VmProtExec)
            usage.exec += vma->length();
        // A shared mapping maps the object's own frames, which live in
        // memory only (tmpfs-like files, shared anonymous memory): Linux
        // counts such pages as shmem.
        if (vma->is_shared()) {
            for (VirtAddr page = arch::next_mapped_page(m_root, vma->start, vma->end); page < vma->end;
                 page = arch::next_mapped_page(m_root, page + page_size, vma->end))
                usage.shared_resident += page_size;
        } else if (vma->backing) {
            // The file's pages this private mapping has not copied yet
            // (populate_locked maps them read-only).
            for (VirtAddr page = arch::next_mapped_page(m_root, vma->start, vma->end); page < vma->end;
                 page = arch::next_mapped_page(m_root, page + page_size, vma->end)) {
                PhysAddr frame = align_down(arch::translate(m_root, page).value().phys, page_size);
                if (vma->backing->is_own_frame(vma->offset_of(page), frame))
                    usage.file_resident += page_size;
            }
        }
    }
    usage.resident = m_resident_pages * page_size;
    usage.page_tables = arch::user_table_page_count(m_root) * page_size;
    usage.peak_resident = (m_peak_resident_pages > m_resident_pages ? m_peak_resident_pages : m_resident_pages) * page_size;
    usage.peak_mapped = m_peak_mapped > usage.mapped ? m_peak_mapped : usage.mapped;
    return usage;
}

void AddressSpace::for_each_vma(VmaVisitor visit, void* context) {
    SpinlockGuard guard(m_lock);
    for (Vma* vma = m_vmas.first(); vma; vma = vma->next)
        visit(*vma, context);
}

} // namespace charon::mm
