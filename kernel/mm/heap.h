// The kernel heap behind operator new/delete.
//
// Small blocks (up to 2 KiB) come from per-size-class slabs: whole frames,
// reached through the direct map, carved into equal power-of-two blocks (so a
// block is aligned to its size). A frame's size class is kept in its frame
// metadata, so delete needs no header. Larger blocks are whole pages in the
// heap region (kernel_vm.h) behind a 16-byte header.
//
// Plain `new` panics when memory runs out; code that can fail gracefully uses
// `new (std::nothrow)` and turns null into ENOMEM.
#pragma once

#include <cstddef>
#include <cstdint>

namespace charon::mm {

void* heap_allocate(size_t size);  // null when out of memory
void heap_free(void* block);
// Bytes handed out and not yet freed (rounded to the block actually used).
size_t heap_bytes_in_use();
// What an allocation of `size` adds to heap_bytes_in_use.
size_t heap_block_size(size_t size);
// Slab frames kept by the heap for reuse (they are not given back).
size_t heap_slab_frame_count();

} // namespace charon::mm
