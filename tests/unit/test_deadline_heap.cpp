// kernel/lib/deadline_heap.h: the timers' deadline queue. Checked against a
// sorted reference under random inserts, removals (of any armed node) and
// re-arms, with many equal deadlines.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "lib/deadline_heap.h"

using namespace charon;

namespace {

struct Timer {
    HeapNode node;
    uint64_t expires = 0;
    int id = 0;
};
using Heap = DeadlineHeap<Timer, &Timer::node, &Timer::expires>;

// Everything due at `now`, in the order the heap gives it.
std::vector<uint64_t> drain(Heap& heap, uint64_t now) {
    std::vector<uint64_t> out;
    while (Timer* t = heap.take_due(now))
        out.push_back(t->expires);
    return out;
}

} // namespace

TEST(DeadlineHeap, EmptyAndOrder) {
    Heap heap;
    EXPECT_TRUE(heap.is_empty());
    EXPECT_EQ(heap.earliest(), nullptr);
    EXPECT_EQ(heap.take_due(~0ull), nullptr);
    Timer t[5];
    uint64_t keys[5] = {50, 10, 40, 20, 30};
    for (int i = 0; i < 5; ++i) {
        t[i].expires = keys[i];
        heap.insert(t[i]);
    }
    EXPECT_EQ(heap.earliest(), &t[1]);
    EXPECT_EQ(heap.take_due(9), nullptr); // nothing due yet, nothing taken
    EXPECT_EQ(drain(heap, 35), (std::vector<uint64_t>{10, 20, 30}));
    EXPECT_FALSE(Heap::contains(t[1]));
    EXPECT_TRUE(Heap::contains(t[0]));
    EXPECT_EQ(drain(heap, ~0ull), (std::vector<uint64_t>{40, 50}));
    EXPECT_TRUE(heap.is_empty());
}

TEST(DeadlineHeap, EqualDeadlinesAllFire) {
    Heap heap;
    Timer t[100];
    for (int i = 0; i < 100; ++i) {
        t[i].expires = 7;
        t[i].id = i;
        heap.insert(t[i]);
    }
    std::vector<int> seen;
    while (Timer* x = heap.take_due(7))
        seen.push_back(x->id);
    std::sort(seen.begin(), seen.end());
    ASSERT_EQ(seen.size(), 100u);
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(seen[static_cast<size_t>(i)], i);
}

TEST(DeadlineHeap, RemoveRootLeafAndInner) {
    Heap heap;
    Timer t[9];
    for (int i = 0; i < 9; ++i) {
        t[i].expires = static_cast<uint64_t>(i + 1) * 10;
        heap.insert(t[i]);
    }
    (void)heap.take_due(10); // forces a merge: the rest form a tree
    heap.remove(t[1]);        // the root now
    heap.remove(t[8]);
    heap.remove(t[4]);
    EXPECT_FALSE(Heap::contains(t[4]));
    EXPECT_EQ(drain(heap, ~0ull), (std::vector<uint64_t>{30, 40, 60, 70, 80}));
}

// Many timers, a random mix of arm, disarm (of any armed timer), re-arm
// (remove, new deadline, insert) and expiry, against a sorted multiset.
TEST(DeadlineHeap, RandomAgainstReference) {
    std::mt19937_64 rng(12345);
    constexpr int N = 2000;
    std::vector<Timer> timers(N);
    Heap heap;
    uint64_t now = 0;
    size_t armed = 0;
    for (int step = 0; step < 60000; ++step) {
        Timer& t = timers[rng() % N];
        switch (rng() % 4) {
        case 0:
        case 1: // arm or re-arm, often on an equal deadline
            if (Heap::contains(t))
                heap.remove(t);
            else
                armed++;
            t.expires = now + 1 + rng() % (rng() % 2 ? 8 : 100000);
            heap.insert(t);
            break;
        case 2: // disarm
            if (Heap::contains(t)) {
                heap.remove(t);
                armed--;
            }
            break;
        default: { // time passes: exactly the due timers come out, in order
            now += rng() % 5000;
            std::vector<uint64_t> expect;
            for (auto& x : timers)
                if (Heap::contains(x) && x.expires <= now)
                    expect.push_back(x.expires);
            std::sort(expect.begin(), expect.end());
            ASSERT_EQ(drain(heap, now), expect);
            armed -= expect.size();
            if (Timer* e = heap.earliest()) {
                uint64_t min = ~0ull;
                for (auto& x : timers)
                    if (Heap::contains(x))
                        min = std::min(min, x.expires);
                ASSERT_EQ(e->expires, min);
            }
        }
        }
    }
    size_t left = 0;
    for (auto& x : timers)
        left += Heap::contains(x);
    EXPECT_EQ(left, armed);
    EXPECT_EQ(drain(heap, ~0ull).size(), armed);
    EXPECT_TRUE(heap.is_empty());
}
