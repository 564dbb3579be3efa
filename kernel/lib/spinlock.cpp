#include "spinlock.h"

namespace charon::lock_debug {

namespace {
// One CPU: a single record of held ranks. With SMP this becomes per-CPU.
// Several locks of the same rank (two processes' signal locks) may not be
// held at once: the order among equals is not defined, so it is forbidden.
uint64_t held_mask_low;  // ranks 0..63
uint64_t held_mask_high; // ranks 64..127

bool is_held(unsigned rank) {
    return rank < 64 ? (held_mask_low >> rank) & 1 : (held_mask_high >> (rank - 64)) & 1;
}
unsigned highest_held() {
    if (held_mask_high)
        return 127 - static_cast<unsigned>(__builtin_clzll(held_mask_high));
    if (held_mask_low)
        return 63 - static_cast<unsigned>(__builtin_clzll(held_mask_low));
    return 0;
}
} // namespace

void note_acquire(LockRank rank, const char* name) {
    auto r = static_cast<unsigned>(rank);
    VERIFY(r < 128);
    if (is_held(r) || highest_held() > r)
        panic("lock order violation: taking %s (rank %u) while holding rank %u", name, r, highest_held());
    if (r < 64)
        held_mask_low |= 1ull << r;
    else
        held_mask_high |= 1ull << (r - 64);
}

void note_release(LockRank rank) {
    auto r = static_cast<unsigned>(rank);
    if (r < 64)
        held_mask_low &= ~(1ull << r);
    else
        held_mask_high &= ~(1ull << (r - 64));
}

bool holds_only(LockRank rank) {
    auto r = static_cast<unsigned>(rank);
    uint64_t low = r < 64 ? 1ull << r : 0;
    uint64_t high = r < 64 ? 0 : 1ull << (r - 64);
    return held_mask_low == low && held_mask_high == high;
}

} // namespace charon::lock_debug
