// Physical frames (4 KiB), reference counted so that copy-on-write and
// shared mappings can share a frame: allocate_frame() hands out a frame with
// one reference, ref_frame() adds one, free_frame() drops one and returns the
// frame when the last goes. O(1) either way: freed frames form a LIFO list
// threaded through themselves (via the direct map); frames never used yet are
// taken from the boot's ranges of free RAM, so booting touches no free page.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/x86_64/memory_layout.h"
#include "lib/result.h"

namespace charon::arch {
struct BootInfo;
}

namespace charon::mm {

enum class FrameFill { Zero, Uninitialized };

// Boot: every usable frame below 1 GiB (the part the boot page tables map),
// minus the kernel image and loader modules.
void frame_allocator_init(const arch::BootInfo&);
// Once the kernel's direct map covers all memory: the frames above 1 GiB.
void frame_allocator_add_high_memory(const arch::BootInfo&);

Result<PhysAddr> allocate_frame(FrameFill fill = FrameFill::Zero);
void ref_frame(PhysAddr frame);
void free_frame(PhysAddr frame);
uint32_t frame_refcount(PhysAddr frame);

// Counters for the banner and for leak tests.
size_t free_frame_count();
size_t usable_frame_count(); // every frame the allocator manages, free or not
uint64_t highest_usable_address(const arch::BootInfo&);

// Per-frame byte the kernel heap uses to remember a slab page's size class.
uint8_t& frame_slab_class(PhysAddr frame);

} // namespace charon::mm
