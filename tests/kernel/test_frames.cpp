// Physical frame allocator: allocation, reference counts, exhaustion, and
// the free-frame counter returning to its baseline.
#include "ktest.h"
#include "mm/frame_allocator.h"

using namespace charon;

KERNEL_TEST(frames_alloc_ref_free) {
    size_t baseline = mm::free_frame_count();
    PhysAddr frame = KASSERT_OK(mm::allocate_frame());
    KEXPECT_EQ(frame & (page_size - 1), 0u);
    KEXPECT_EQ(mm::free_frame_count(), baseline - 1);
    KEXPECT_EQ(mm::frame_refcount(frame), 1u);

    mm::ref_frame(frame);
    KEXPECT_EQ(mm::frame_refcount(frame), 2u);
    mm::free_frame(frame);
    // Still referenced once: not back on the free list.
    KEXPECT_EQ(mm::frame_refcount(frame), 1u);
    KEXPECT_EQ(mm::free_frame_count(), baseline - 1);
    mm::free_frame(frame);
    KEXPECT_EQ(mm::frame_refcount(frame), 0u);
    KEXPECT_EQ(mm::free_frame_count(), baseline);
}

KERNEL_TEST(frames_zero_filled) {
    PhysAddr frame = KASSERT_OK(mm::allocate_frame(mm::FrameFill::Uninitialized));
    auto* bytes = phys_to_virt<uint8_t>(frame);
    for (size_t i = 0; i < page_size; ++i)
        bytes[i] = 0xa5;
    mm::free_frame(frame);
    // The free list is LIFO: the next allocation is the same, dirty frame.
    PhysAddr again = KASSERT_OK(mm::allocate_frame());
    KEXPECT_EQ(again, frame);
    size_t nonzero = 0;
    for (size_t i = 0; i < page_size; ++i)
        nonzero += bytes[i] != 0;
    KEXPECT_EQ(nonzero, 0u);
    mm::free_frame(again);
}

KERNEL_TEST(frames_distinct_and_writable) {
    constexpr size_t count = 256;
    static PhysAddr frames[count];
    size_t baseline = mm::free_frame_count();
    for (size_t i = 0; i < count; ++i) {
        frames[i] = KASSERT_OK(mm::allocate_frame(mm::FrameFill::Uninitialized));
        *phys_to_virt<uint64_t>(frames[i]) = i * 0x9e3779b97f4a7c15ull;
    }
    // Every frame still holds its own stamp: no frame was handed out twice.
    size_t clobbered = 0;
    for (size_t i = 0; i < count; ++i)
        clobbered += *phys_to_virt<uint64_t>(frames[i]) != i * 0x9e3779b97f4a7c15ull;
    KEXPECT_EQ(clobbered, 0u);
    for (size_t i = 0; i < count; ++i)
        mm::free_frame(frames[i]);
    KEXPECT_EQ(mm::free_frame_count(), baseline);
}

KERNEL_TEST(frames_exhaustion_and_recovery) {
    size_t baseline = mm::free_frame_count();
    // Chain every allocated frame through its first word, so taking all of
    // memory needs no memory to remember it.
    PhysAddr chain = 0;
    size_t taken = 0;
    for (;;) {
        auto frame = mm::allocate_frame(mm::FrameFill::Uninitialized);
        if (frame.is_error()) {
            KEXPECT_EQ(frame.error().code(), ENOMEM);
            break;
        }
        *phys_to_virt<PhysAddr>(frame.value()) = chain;
        chain = frame.value();
        ++taken;
    }
    KEXPECT_EQ(taken, baseline);
    KEXPECT_EQ(mm::free_frame_count(), 0u);
    // Still exhausted on a second try; nothing was leaked or invented.
    KEXPECT(mm::allocate_frame().is_error());

    while (chain) {
        PhysAddr next = *phys_to_virt<PhysAddr>(chain);
        mm::free_frame(chain);
        chain = next;
    }
    KEXPECT_EQ(mm::free_frame_count(), baseline);
    PhysAddr frame = KASSERT_OK(mm::allocate_frame());
    mm::free_frame(frame);
}

KERNEL_TEST(frames_counter_matches_memory) {
    // The counter is what the banner reports: it must be plausible for the
    // machine (tools/qemu.sh gives 128 MiB unless MEM says otherwise).
    KEXPECT_GT(mm::usable_frame_count(), 1000u);
    KEXPECT_LE(mm::free_frame_count(), mm::usable_frame_count());
}
