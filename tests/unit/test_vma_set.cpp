// VMA range logic (kernel/mm/vma_set.h): insert, find, split, merge, the
// top-down free-range search, and the partial overlaps munmap/mprotect make.
#include <gtest/gtest.h>

#include "mm/vma_set.h"

using namespace charon;
using namespace charon::mm;

namespace {

constexpr uint64_t P = 4096;

class FakeBacking final : public VmBacking {
public:
    Result<void> read_page(uint64_t, void*) override { return {}; }
};

Vma* make(uint64_t start, uint64_t end, int prot = VmProtRead | VmProtWrite, unsigned flags = VmaAnonymous,
          VmBacking* backing = nullptr, uint64_t offset = 0) {
    auto* vma = new Vma;
    vma->start = start;
    vma->end = end;
    vma->prot = prot;
    vma->flags = flags;
    vma->backing = backing;
    vma->offset = offset;
    return vma;
}

// "start-end" of every area, in order, for compact expectations.
std::string layout(const VmaSet& set) {
    std::string out;
    for (Vma* vma = set.first(); vma; vma = vma->next) {
        if (!out.empty())
            out += ' ';
        out += std::to_string(vma->start / P) + "-" + std::to_string(vma->end / P);
    }
    return out;
}

// The list is consistent both ways and sorted without overlaps.
void check_links(const VmaSet& set) {
    size_t n = 0;
    Vma* previous = nullptr;
    for (Vma* vma = set.first(); vma; vma = vma->next) {
        EXPECT_EQ(vma->prev, previous);
        EXPECT_LT(vma->start, vma->end);
        if (previous) {
            EXPECT_LE(previous->end, vma->start);
        }
        previous = vma;
        ++n;
    }
    EXPECT_EQ(set.last(), previous);
    EXPECT_EQ(set.count(), n);
}

} // namespace

TEST(VmaSet, InsertKeepsOrderAndFindLocates) {
    VmaSet set;
    set.insert(make(10 * P, 20 * P));
    set.insert(make(40 * P, 50 * P));
    set.insert(make(25 * P, 30 * P));
    set.insert(make(1 * P, 5 * P));
    check_links(set);
    EXPECT_EQ(layout(set), "1-5 10-20 25-30 40-50");
    EXPECT_EQ(set.find(10 * P)->start, 10 * P);
    EXPECT_EQ(set.find(20 * P - 1)->start, 10 * P);
    EXPECT_EQ(set.find(20 * P), nullptr);
    EXPECT_EQ(set.find(0), nullptr);
    EXPECT_EQ(set.find(45 * P)->start, 40 * P);
    // After a hit high up, a lower lookup still works (the cache is a hint).
    EXPECT_EQ(set.find(2 * P)->start, 1 * P);
    EXPECT_EQ(set.first_ending_after(20 * P)->start, 25 * P);
    EXPECT_EQ(set.first_ending_after(50 * P), nullptr);
}

TEST(VmaSet, FreeAndFullyMapped) {
    VmaSet set;
    set.insert(make(10 * P, 20 * P));
    set.insert(make(20 * P, 30 * P, VmProtRead));
    set.insert(make(40 * P, 50 * P));
    EXPECT_TRUE(set.is_free(0, 10 * P));
    EXPECT_FALSE(set.is_free(0, 10 * P + 1));
    EXPECT_TRUE(set.is_free(30 * P, 40 * P));
    EXPECT_FALSE(set.is_free(29 * P, 31 * P));
    EXPECT_TRUE(set.is_fully_mapped(10 * P, 30 * P));
    EXPECT_TRUE(set.is_fully_mapped(15 * P, 25 * P));
    EXPECT_FALSE(set.is_fully_mapped(15 * P, 41 * P)); // hole 30..40
    EXPECT_FALSE(set.is_fully_mapped(5 * P, 15 * P));
    EXPECT_FALSE(set.is_fully_mapped(45 * P, 55 * P));
}

TEST(VmaSet, SplitKeepsBackingOffsets) {
    VmaSet set;
    auto backing = adopt_ref(new FakeBacking);
    set.insert(make(10 * P, 20 * P, VmProtRead, 0, backing.ptr(), 3 * P));
    Vma* low = set.find(10 * P);
    Vma* high = set.split(*low, 14 * P).release_value();
    check_links(set);
    EXPECT_EQ(layout(set), "10-14 14-20");
    EXPECT_EQ(high->offset, 7 * P);
    EXPECT_TRUE(high->backing == backing.ptr());
    EXPECT_EQ(backing->ref_count(), 3u); // ours and two areas
    // Splitting at both ends of a middle range.
    ASSERT_FALSE(set.split_at(15 * P, 17 * P).is_error());
    EXPECT_EQ(layout(set), "10-14 14-15 15-17 17-20");
    EXPECT_EQ(set.find(17 * P)->offset, 10 * P);
    // Boundaries that already exist, or fall outside any area, change nothing.
    ASSERT_FALSE(set.split_at(14 * P, 25 * P).is_error());
    EXPECT_EQ(layout(set), "10-14 14-15 15-17 17-20");
    check_links(set);
}

TEST(VmaSet, MergeJoinsCompatibleNeighboursOnly) {
    VmaSet set;
    set.insert(make(10 * P, 20 * P));
    set.insert(make(20 * P, 30 * P));
    set.insert(make(30 * P, 40 * P, VmProtRead));           // other prot
    set.insert(make(40 * P, 50 * P, VmProtRead, VmaAnonymous | VmaHeap)); // other flags
    Vma& merged = set.merge_around(*set.find(20 * P));
    EXPECT_EQ(merged.start, 10 * P);
    EXPECT_EQ(merged.end, 30 * P);
    EXPECT_EQ(layout(set), "10-30 30-40 40-50");
    set.merge_around(*set.find(35 * P));
    EXPECT_EQ(layout(set), "10-30 30-40 40-50");
    check_links(set);
}

TEST(VmaSet, MergeOfFileAreasNeedsContiguousOffsets) {
    VmaSet set;
    auto file = adopt_ref(new FakeBacking);
    auto other = adopt_ref(new FakeBacking);
    set.insert(make(10 * P, 20 * P, VmProtRead, 0, file.ptr(), 0));
    set.insert(make(20 * P, 30 * P, VmProtRead, 0, file.ptr(), 50 * P)); // offsets jump
    set.insert(make(30 * P, 40 * P, VmProtRead, 0, file.ptr(), 60 * P)); // continues the previous
    set.insert(make(40 * P, 50 * P, VmProtRead, 0, other.ptr(), 70 * P));
    set.merge_around(*set.find(20 * P));
    EXPECT_EQ(layout(set), "10-20 20-40 40-50");
    set.merge_around(*set.find(40 * P));
    EXPECT_EQ(layout(set), "10-20 20-40 40-50");
    // A split undone by a merge restores one area.
    Vma* low = set.find(25 * P);
    Vma* high = set.split(*low, 33 * P).release_value();
    EXPECT_EQ(layout(set), "10-20 20-33 33-40 40-50");
    set.merge_around(*high);
    EXPECT_EQ(layout(set), "10-20 20-40 40-50");
    check_links(set);
}

TEST(VmaSet, UnmapMiddleOfAreaLeavesTwoPieces) {
    // What munmap does: split at both ends, erase what lies between.
    VmaSet set;
    set.insert(make(10 * P, 30 * P));
    set.insert(make(40 * P, 60 * P));
    ASSERT_FALSE(set.split_at(15 * P, 45 * P).is_error());
    EXPECT_EQ(layout(set), "10-15 15-30 40-45 45-60");
    for (Vma* vma = set.first_ending_after(15 * P); vma && vma->start < 45 * P;) {
        Vma* next = vma->next;
        set.erase(*vma);
        vma = next;
    }
    EXPECT_EQ(layout(set), "10-15 45-60");
    check_links(set);
    // Unmapping exactly an area, and a range covering nothing.
    ASSERT_FALSE(set.split_at(10 * P, 15 * P).is_error());
    set.erase(*set.find(10 * P));
    ASSERT_FALSE(set.split_at(100 * P, 200 * P).is_error());
    EXPECT_EQ(layout(set), "45-60");
    check_links(set);
}

TEST(VmaSet, FindFreeTopDown) {
    VmaSet set;
    const uint64_t low = 16 * P, high = 1000 * P;
    EXPECT_EQ(set.find_free_top_down(10 * P, low, high).value(), 990 * P);
    set.insert(make(990 * P, 1000 * P));
    set.insert(make(900 * P, 985 * P));
    // The 5-page gap between them fits 5 pages, not 6.
    EXPECT_EQ(set.find_free_top_down(5 * P, low, high).value(), 985 * P);
    EXPECT_EQ(set.find_free_top_down(6 * P, low, high).value(), 894 * P);
    // An area straddling `high` limits the gap below it.
    set.insert(make(1000 * P, 1100 * P));
    EXPECT_EQ(set.find_free_top_down(6 * P, low, 1050 * P).value(), 894 * P);
    // Nothing fits: ENOMEM; exactly fitting the bottom gap works.
    EXPECT_EQ(set.find_free_top_down(885 * P, low, high).error().code(), ENOMEM);
    EXPECT_EQ(set.find_free_top_down(884 * P, low, high).value(), low);
    EXPECT_EQ(set.find_free_top_down(0, low, high).error().code(), ENOMEM);
    EXPECT_EQ(set.find_free_top_down(P, high, low).error().code(), ENOMEM);
}

TEST(VmaSet, FindFreeLeavesTheStackGuardGap) {
    VmaSet set;
    const uint64_t low = 16 * P, high = 4096 * P;
    set.insert(make(4000 * P, 4096 * P, VmProtRead | VmProtWrite, VmaAnonymous | VmaGrowsDown));
    uint64_t where = set.find_free_top_down(P, low, high).value();
    EXPECT_EQ(where, 4000 * P - stack_guard_gap - P);
}

TEST(VmaSet, RandomizedAgainstAPageMap) {
    // Random inserts of free ranges, random splits/erases of page ranges,
    // random merges: the set always agrees with a page-by-page model.
    constexpr int pages = 256;
    int model[pages] = {}; // 0 free, else the prot + 1
    VmaSet set;
    uint32_t seed = 12345;
    auto next = [&] {
        seed = seed * 1103515245 + 12345;
        return (seed >> 16) & 0x7fff;
    };
    for (int step = 0; step < 3000; ++step) {
        uint64_t a = next() % pages, b = next() % pages;
        if (a > b)
            std::swap(a, b);
        ++b;
        int op = next() % 3;
        if (op == 0 && set.is_free(a * P, b * P)) {
            int prot = next() % 2 ? VmProtRead : VmProtRead | VmProtWrite;
            Vma* vma = make(a * P, b * P, prot);
            set.insert(vma);
            set.merge_around(*vma);
            for (uint64_t p = a; p < b; ++p)
                model[p] = prot + 1;
        } else if (op == 1) {
            ASSERT_FALSE(set.split_at(a * P, b * P).is_error());
            for (Vma* vma = set.first_ending_after(a * P); vma && vma->start < b * P;) {
                Vma* following = vma->next;
                set.erase(*vma);
                vma = following;
            }
            for (uint64_t p = a; p < b; ++p)
                model[p] = 0;
        } else if (set.is_fully_mapped(a * P, b * P)) {
            // mprotect: split, change, merge.
            ASSERT_FALSE(set.split_at(a * P, b * P).is_error());
            for (Vma* vma = set.find(a * P); vma && vma->start < b * P; vma = vma->next)
                vma->prot = VmProtRead;
            for (Vma* vma = set.find(a * P); vma && vma->start < b * P;) {
                Vma& merged = set.merge_around(*vma);
                vma = merged.next;
            }
            for (uint64_t p = a; p < b; ++p)
                model[p] = VmProtRead + 1;
        }
        check_links(set);
        for (int p = 0; p < pages; ++p) {
            Vma* vma = set.find(p * P);
            ASSERT_EQ(vma ? vma->prot + 1 : 0, model[p]) << "page " << p << " step " << step;
        }
        // Maximal merging: no two neighbours could merge.
        for (Vma* vma = set.first(); vma && vma->next; vma = vma->next)
            ASSERT_FALSE(VmaSet::can_merge(*vma, *vma->next)) << "step " << step;
    }
}

TEST(VmaSet, ManyAreasInAnyOrder) {
    // Thousands of areas (thread stacks and their guard pages, say),
    // inserted in a scrambled order: every lookup still lands, and erasing
    // every other one keeps the rest reachable.
    VmaSet set;
    constexpr uint64_t n = 5000;
    for (uint64_t i = 0; i < n; ++i) {
        uint64_t slot = (i * 2654435761u) % n; // a permutation of 0..n-1 (n and the factor are coprime)
        set.insert(make((2 * slot + 1) * P, (2 * slot + 2) * P));
    }
    check_links(set);
    for (uint64_t slot = 0; slot < n; ++slot) {
        ASSERT_NE(set.find((2 * slot + 1) * P + 5), nullptr);
        ASSERT_EQ(set.find((2 * slot + 1) * P)->start, (2 * slot + 1) * P);
        ASSERT_EQ(set.find(2 * slot * P), nullptr);
        ASSERT_EQ(set.first_ending_after(2 * slot * P)->start, (2 * slot + 1) * P);
    }
    for (uint64_t slot = 0; slot < n; slot += 2)
        set.erase(*set.find((2 * slot + 1) * P));
    check_links(set);
    EXPECT_EQ(set.count(), n / 2);
    for (uint64_t slot = 0; slot < n; ++slot)
        ASSERT_EQ(set.find((2 * slot + 1) * P) != nullptr, slot % 2 == 1) << slot;
}
