#include "paging.h"

#include "arch/x86_64/cpu.h"
#include "lib/log.h"
#include "mm/frame_allocator.h"

extern "C" char __text_start[], __text_end[], __rodata_start[], __data_start[], __bss_end[], __ksyms_start[],
    __kernel_end[];

namespace charon::arch {

namespace {

constexpr uint64_t pte_present = 1ull << 0;
constexpr uint64_t pte_writable = 1ull << 1;
constexpr uint64_t pte_user = 1ull << 2;
constexpr uint64_t pte_huge = 1ull << 7;
constexpr uint64_t pte_global = 1ull << 8;
constexpr uint64_t pte_no_execute = 1ull << 63;
constexpr uint64_t pte_address_mask = 0x000ffffffffff000ull;

constexpr size_t kernel_half_first_slot = 256;

PhysAddr g_kernel_root;
uint64_t g_table_pages;
// Of those, the kernel half's: never freed (they grow to the peak of kernel
// stacks and large heap blocks), so leak checks set them apart.
uint64_t g_kernel_table_pages;

uint64_t* table_at(PhysAddr phys) { return phys_to_virt<uint64_t>(phys); }

unsigned index_at(VirtAddr virt, int level) { return (virt >> (12 + 9 * (level - 1))) & 511; }

bool is_canonical(VirtAddr virt) {
    uint64_t top = virt >> 47;
    return top == 0 || top == 0x1ffff;
}
bool is_kernel_half(VirtAddr virt) { return virt >= 0xffff800000000000ull; }

uint64_t leaf_bits(unsigned access, bool kernel) {
    uint64_t bits = pte_present;
    if (access & PageWrite)
        bits |= pte_writable;
    if (access & PageUser)
        bits |= pte_user;
    if (!(access & PageExecute))
        bits |= pte_no_execute;
    if (kernel)
        bits |= pte_global; // the same in every address space
    return bits;
}

unsigned access_of(uint64_t entry) {
    unsigned access = PageRead;
    if (entry & pte_writable)
        access |= PageWrite;
    if (entry & pte_user)
        access |= PageUser;
    if (!(entry & pte_no_execute))
        access |= PageExecute;
    return access;
}

Result<PhysAddr> allocate_table() {
    PhysAddr table = TRY(mm::allocate_frame(mm::FrameFill::Zero));
    ++g_table_pages;
    return table;
}

Result<PhysAddr> allocate_kernel_table() {
    PhysAddr table = TRY(allocate_table());
    ++g_kernel_table_pages;
    return table;
}

void free_table(PhysAddr table) {
    mm::free_frame(table);
    --g_table_pages;
}

// Returns the level-1 entry for `virt`, creating intermediate tables if
// `create`. Null (with no error) if absent and not creating.
Result<uint64_t*> walk(PhysAddr root, VirtAddr virt, bool create) {
    uint64_t* table = table_at(root);
    for (int level = 4; level > 1; --level) {
        uint64_t& entry = table[index_at(virt, level)];
        if (!(entry & pte_present)) {
            if (!create)
                return static_cast<uint64_t*>(nullptr);
            // The kernel half's top-level entries exist from boot on and are
            // shared by every root; creating one later would not propagate.
            VERIFY(!(level == 4 && is_kernel_half(virt) && g_kernel_root));
            PhysAddr child = TRY(is_kernel_half(virt) ? allocate_kernel_table() : allocate_table());
            // Permissions are decided at the leaf; intermediate entries allow
            // everything (user only in the user half).
            entry = child | pte_present | pte_writable | (is_kernel_half(virt) ? 0 : pte_user);
        }
        if (entry & pte_huge)
            return Error(EINVAL); // inside a 2 MiB/1 GiB mapping (direct map)
        table = table_at(entry & pte_address_mask);
    }
    return &table[index_at(virt, 1)];
}

void invalidate(PhysAddr root, VirtAddr virt) {
    if (is_kernel_half(virt) || root == current_root())
        invlpg(virt);
}

Result<void> check_address(VirtAddr virt) {
    if ((virt & (page_size - 1)) || !is_canonical(virt))
        return EINVAL;
    return {};
}

void map_early(PhysAddr root, VirtAddr virt, PhysAddr frame, uint64_t bits) {
    auto result = walk(root, virt, true);
    VERIFY(!result.is_error());
    uint64_t* entry = result.value();
    VERIFY(!(*entry & pte_present));
    *entry = frame | bits;
}

} // namespace

Result<void> map_page(PhysAddr root, VirtAddr virt, PhysAddr frame, unsigned access) {
    TRY(check_address(virt));
    if ((frame & (page_size - 1)) || ((access & PageUser) && is_kernel_half(virt)))
        return EINVAL;
    uint64_t* entry = TRY(walk(root, virt, true));
    if (*entry & pte_present)
        return EEXIST;
    *entry = frame | leaf_bits(access, is_kernel_half(virt));
    return {};
}

Result<PhysAddr> unmap_page(PhysAddr root, VirtAddr virt) {
    TRY(check_address(virt));
    uint64_t* entry = TRY(walk(root, virt, false));
    if (!entry || !(*entry & pte_present))
        return EFAULT;
    PhysAddr frame = *entry & pte_address_mask;
    *entry = 0;
    invalidate(root, virt);
    return frame;
}

Result<void> protect_page(PhysAddr root, VirtAddr virt, unsigned access) {
    TRY(check_address(virt));
    uint64_t* entry = TRY(walk(root, virt, false));
    if (!entry || !(*entry & pte_present))
        return EFAULT;
    *entry = (*entry & pte_address_mask) | leaf_bits(access, is_kernel_half(virt));
    invalidate(root, virt);
    return {};
}

Result<Translation> translate(PhysAddr root, VirtAddr virt) {
    if (!is_canonical(virt))
        return EFAULT;
    uint64_t* table = table_at(root);
    for (int level = 4; level >= 1; --level) {
        uint64_t entry = table[index_at(virt, level)];
        if (!(entry & pte_present))
            return EFAULT;
        if (level == 1 || (entry & pte_huge)) {
            uint64_t span = 1ull << (12 + 9 * (level - 1));
            PhysAddr base = entry & pte_address_mask & ~(span - 1);
            return Translation{base + (virt & (span - 1)), access_of(entry)};
        }
        table = table_at(entry & pte_address_mask);
    }
    VERIFY_NOT_REACHED();
}

VirtAddr next_mapped_page(PhysAddr root, VirtAddr from, VirtAddr end) {
    VirtAddr virt = align_down(from, page_size);
    while (virt < end) {
        const uint64_t* table = table_at(root);
        for (int level = 4;; --level) {
            uint64_t entry = table[index_at(virt, level)];
            if (!(entry & pte_present)) {
                // Nothing below this entry: jump past the span it covers.
                uint64_t span = 1ull << (12 + 9 * (level - 1));
                VirtAddr next = align_down(virt, span) + span;
                if (next <= virt)
                    return end;
                virt = next;
                break;
            }
            if (level == 1 || (entry & pte_huge))
                return virt;
            table = table_at(entry & pte_address_mask);
        }
    }
    return end;
}

namespace {
// Prunes the tables below `table` (a level `level` table covering the
// addresses from `table_base`) that lie under [start, end); returns whether
// `table` is empty afterwards.
bool prune_below(PhysAddr table, int level, VirtAddr table_base, VirtAddr start, VirtAddr end) {
    uint64_t* entries = table_at(table);
    uint64_t span = 1ull << (12 + 9 * (level - 1)); // what one entry covers
    for (size_t i = 0; i < 512; ++i) {
        VirtAddr entry_base = table_base + i * span;
        if (entry_base >= end || entry_base + span <= start)
            continue;
        uint64_t entry = entries[i];
        if (level == 1 || !(entry & pte_present) || (entry & pte_huge))
            continue;
        PhysAddr child = entry & pte_address_mask;
        if (prune_below(child, level - 1, entry_base, start, end)) {
            entries[i] = 0;
            free_table(child);
        }
    }
    for (size_t i = 0; i < 512; ++i) {
        if (entries[i])
            return false;
    }
    return true;
}
} // namespace

void prune_empty_tables(PhysAddr root, VirtAddr start, VirtAddr end) {
    VERIFY(start <= end && end <= user_space_end);
    uint64_t* entries = table_at(root);
    constexpr uint64_t span = 1ull << 39;
    bool freed = false;
    for (size_t i = 0; i < kernel_half_first_slot; ++i) {
        VirtAddr entry_base = i * span;
        if (entry_base >= end || entry_base + span <= start || !(entries[i] & pte_present))
            continue;
        PhysAddr child = entries[i] & pte_address_mask;
        uint64_t pdpt_count = g_table_pages;
        if (prune_below(child, 3, entry_base, start, end)) {
            entries[i] = 0;
            free_table(child);
        }
        freed = freed || g_table_pages != pdpt_count;
    }
    // The CPU may cache upper-level entries (paging-structure caches): a
    // freed table must not be walked again, so reload CR3 if it is live.
    if (freed && root == current_root())
        write_cr3(root);
}

PhysAddr kernel_root() { return g_kernel_root; }
PhysAddr current_root() { return read_cr3() & pte_address_mask; }
void switch_root(PhysAddr root) { write_cr3(root); }
uint64_t page_table_page_count() { return g_table_pages; }

namespace {
uint64_t count_tables_below(PhysAddr table, int level) {
    const uint64_t* entries = table_at(table);
    uint64_t count = 1;
    if (level == 1)
        return count;
    for (size_t i = 0; i < 512; ++i) {
        if ((entries[i] & pte_present) && !(entries[i] & pte_huge))
            count += count_tables_below(entries[i] & pte_address_mask, level - 1);
    }
    return count;
}
} // namespace

uint64_t user_table_page_count(PhysAddr root) {
    const uint64_t* entries = table_at(root);
    uint64_t count = 0;
    for (size_t i = 0; i < kernel_half_first_slot; ++i) {
        if (entries[i] & pte_present)
            count += count_tables_below(entries[i] & pte_address_mask, 3);
    }
    return count;
}
uint64_t kernel_page_table_page_count() { return g_kernel_table_pages; }

void paging_init(uint64_t highest_phys) {
    // CR4.PGE: kernel-half entries are global and survive CR3 switches.
    write_cr4(read_cr4() | (1u << 7));

    PhysAddr root = allocate_kernel_table().release_value();

    // Direct map of RAM with 2 MiB pages, not executable.
    uint64_t direct_end = align_up(highest_phys, 2ull << 20);
    for (uint64_t phys = 0; phys < direct_end; phys += 2ull << 20) {
        VirtAddr virt = direct_map_base + phys;
        uint64_t* table = table_at(root);
        for (int level = 4; level > 2; --level) {
            uint64_t& entry = table[index_at(virt, level)];
            if (!(entry & pte_present))
                entry = allocate_kernel_table().release_value() | pte_present | pte_writable;
            table = table_at(entry & pte_address_mask);
        }
        table[index_at(virt, 2)] = phys | pte_present | pte_writable | pte_huge | pte_global | pte_no_execute;
    }

    // The kernel image, 4 KiB pages, each section with its own rights.
    struct Section {
        const char* begin;
        const char* end;
        unsigned access;
    };
    const Section sections[] = {
        {__text_start, __rodata_start, PageExecute},
        {__rodata_start, __data_start, PageRead},
        {__data_start, __bss_end, PageWrite},
        {__ksyms_start, __kernel_end, PageRead},
    };
    for (const Section& section : sections) {
        for (auto virt = align_down(reinterpret_cast<VirtAddr>(section.begin), page_size);
             virt < align_up(reinterpret_cast<VirtAddr>(section.end), page_size); virt += page_size)
            map_early(root, virt, virt - kernel_image_base, leaf_bits(section.access, true));
    }

    // The kernel-half slots that later mappings go into: created now, so
    // every root made from this one shares them.
    for (VirtAddr base : {heap_region_base, stack_region_base}) {
        uint64_t& entry = table_at(root)[index_at(base, 4)];
        if (!(entry & pte_present))
            entry = allocate_kernel_table().release_value() | pte_present | pte_writable;
    }

    g_kernel_root = root;
    switch_root(root);
    log_debug("paging: kernel root %#lx, direct map up to %#lx, %lu table pages", root, direct_end, g_table_pages);
}

Result<PhysAddr> create_root() {
    PhysAddr root = TRY(allocate_table());
    uint64_t* table = table_at(root);
    const uint64_t* kernel = table_at(g_kernel_root);
    for (size_t i = kernel_half_first_slot; i < 512; ++i)
        table[i] = kernel[i];
    return root;
}

namespace {
void free_subtree(PhysAddr table, int level) {
    if (level > 1) {
        uint64_t* entries = table_at(table);
        for (size_t i = 0; i < 512; ++i) {
            if ((entries[i] & pte_present) && !(entries[i] & pte_huge))
                free_subtree(entries[i] & pte_address_mask, level - 1);
        }
    }
    free_table(table);
}
} // namespace

void destroy_root(PhysAddr root) {
    VERIFY(root != g_kernel_root);
    VERIFY(root != current_root());
    uint64_t* table = table_at(root);
    for (size_t i = 0; i < kernel_half_first_slot; ++i) {
        if (table[i] & pte_present)
            free_subtree(table[i] & pte_address_mask, 3);
    }
    free_table(root);
}

} // namespace charon::arch
