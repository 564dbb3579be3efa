#include "vma_set.h"

#include <new>

namespace charon::mm {

namespace {
constexpr uint64_t vma_page_size = 4096;
} // namespace

VmaSet::~VmaSet() {
    Vma* vma = m_first;
    while (vma) {
        Vma* next = vma->next;
        delete vma;
        vma = next;
    }
}

namespace {

// Treap primitives on subtrees: split by key, merge two key-ordered trees.
// Recursion depth is the tree's depth (expected O(log n)).
void split_tree(Vma* node, uint64_t key, Vma*& below, Vma*& at_or_above) {
    if (!node) {
        below = at_or_above = nullptr;
        return;
    }
    if (node->start < key) {
        split_tree(node->tree_right, key, node->tree_right, at_or_above);
        below = node;
    } else {
        split_tree(node->tree_left, key, below, node->tree_left);
        at_or_above = node;
    }
}

Vma* merge_trees(Vma* low, Vma* high) {
    if (!low)
        return high;
    if (!high)
        return low;
    if (low->tree_priority > high->tree_priority) {
        low->tree_right = merge_trees(low->tree_right, high);
        return low;
    }
    high->tree_left = merge_trees(low, high->tree_left);
    return high;
}

} // namespace

Vma* VmaSet::floor(uint64_t address) const {
    Vma* best = nullptr;
    for (Vma* node = m_root; node;) {
        if (node->start <= address) {
            best = node;
            node = node->tree_right;
        } else {
            node = node->tree_left;
        }
    }
    return best;
}

void VmaSet::tree_insert(Vma* vma) {
    // xorshift32: priorities only need to be unpredictable to the
    // insertion order, not to an adversary.
    m_seed ^= m_seed << 13;
    m_seed ^= m_seed >> 17;
    m_seed ^= m_seed << 5;
    vma->tree_priority = m_seed;
    vma->tree_left = vma->tree_right = nullptr;
    Vma *below, *above;
    split_tree(m_root, vma->start, below, above);
    m_root = merge_trees(merge_trees(below, vma), above);
}

void VmaSet::tree_erase(Vma* vma) {
    Vma** link = &m_root;
    while (*link != vma) {
        VERIFY(*link);
        link = vma->start < (*link)->start ? &(*link)->tree_left : &(*link)->tree_right;
    }
    *link = merge_trees(vma->tree_left, vma->tree_right);
    vma->tree_left = vma->tree_right = nullptr;
}

Vma* VmaSet::find(uint64_t address) const {
    // The last hit first: faults and syscalls tend to hit the same area.
    if (m_cache && m_cache->contains(address))
        return m_cache;
    Vma* vma = floor(address);
    if (vma && address < vma->end) {
        m_cache = vma;
        return vma;
    }
    return nullptr;
}

Vma* VmaSet::first_ending_after(uint64_t address) const {
    // Areas do not overlap: it is the one containing the address, or the
    // first one starting above it.
    Vma* vma = floor(address);
    if (vma && vma->end > address)
        return vma;
    return vma ? vma->next : m_first;
}

bool VmaSet::is_free(uint64_t start, uint64_t end) const {
    Vma* vma = first_ending_after(start);
    return !vma || vma->start >= end;
}

bool VmaSet::is_fully_mapped(uint64_t start, uint64_t end) const {
    uint64_t position = start;
    for (Vma* vma = first_ending_after(start); position < end; vma = vma->next) {
        if (!vma || vma->start > position)
            return false;
        position = vma->end;
    }
    return true;
}

void VmaSet::insert(Vma* vma) {
    VERIFY(vma && vma->start < vma->end && !vma->prev && !vma->next);
    Vma* before = floor(vma->start);
    Vma* after = before ? before->next : m_first;
    VERIFY(!before || before->end <= vma->start);
    VERIFY(!after || vma->end <= after->start);
    vma->prev = before;
    vma->next = after;
    (before ? before->next : m_first) = vma;
    (after ? after->prev : m_last) = vma;
    tree_insert(vma);
    ++m_count;
}

void VmaSet::erase(Vma& vma) {
    tree_erase(&vma);
    (vma.prev ? vma.prev->next : m_first) = vma.next;
    (vma.next ? vma.next->prev : m_last) = vma.prev;
    if (m_cache == &vma)
        m_cache = nullptr;
    --m_count;
    delete &vma;
}

Result<Vma*> VmaSet::split(Vma& vma, uint64_t at) {
    VERIFY(at > vma.start && at < vma.end && at % vma_page_size == 0);
    auto* upper = new (std::nothrow) Vma;
    if (!upper)
        return ENOMEM;
    upper->start = at;
    upper->end = vma.end;
    upper->prot = vma.prot;
    upper->flags = vma.flags;
    upper->backing = vma.backing;
    upper->offset = vma.offset_of(at);
    vma.end = at;
    upper->prev = &vma;
    upper->next = vma.next;
    (vma.next ? vma.next->prev : m_last) = upper;
    vma.next = upper;
    tree_insert(upper);
    ++m_count;
    return upper;
}

Result<void> VmaSet::split_at(uint64_t start, uint64_t end) {
    if (Vma* vma = find(start); vma && vma->start < start)
        TRY(split(*vma, start));
    if (Vma* vma = find(end); vma && vma->start < end)
        TRY(split(*vma, end));
    return {};
}

bool VmaSet::can_merge(const Vma& low, const Vma& high) {
    if (low.end != high.start || low.prot != high.prot || low.flags != high.flags)
        return false;
    if (!(low.backing == high.backing))
        return false;
    // The same object, or exec's copy of the same binary (whose offsets
    // /proc/PID/maps shows): only if the offsets continue.
    if (!low.backing && !(low.flags & VmaImage))
        return true;
    return low.offset + low.length() == high.offset;
}

Vma& VmaSet::merge_around(Vma& vma) {
    // Loops: after mprotect over several areas, a whole run of neighbours
    // may have become compatible.
    Vma* survivor = &vma;
    while (Vma* prev = survivor->prev) {
        if (!can_merge(*prev, *survivor))
            break;
        prev->end = survivor->end;
        erase(*survivor);
        survivor = prev;
    }
    while (Vma* next = survivor->next) {
        if (!can_merge(*survivor, *next))
            break;
        survivor->end = next->end;
        erase(*next);
    }
    return *survivor;
}

Result<uint64_t> VmaSet::find_free_top_down(uint64_t length, uint64_t low, uint64_t high) const {
    if (length == 0 || low >= high || high - low < length)
        return ENOMEM;
    // Walk the gaps from the top. A stack (grows down) keeps a guard gap
    // below it free, as Linux's stack_guard_gap, so it can still grow.
    uint64_t top = high;
    for (Vma* vma = m_last; vma; vma = vma->prev) {
        if (vma->end <= top) {
            uint64_t bottom = vma->end > low ? vma->end : low;
            if (top >= bottom && top - bottom >= length)
                return top - length;
        }
        uint64_t below = vma->start;
        if (vma->flags & VmaGrowsDown)
            below = below > stack_guard_gap ? below - stack_guard_gap : 0;
        if (below < top)
            top = below;
        if (top <= low)
            return ENOMEM;
    }
    if (top - low >= length)
        return top - length;
    return ENOMEM;
}

} // namespace charon::mm
