// fs/page_frames.h in the kernel: a file's pages are physical frames, so a
// MAP_SHARED page-table entry can point at the file's own page.
#include "fs/page_frames.h"

#include "mm/frame_allocator.h"
#include "mm/heap.h"

namespace charon::page_frames {

static_assert(kSize == page_size);

Result<PageId> allocate() { return TRY(mm::allocate_frame(mm::FrameFill::Zero)); }
void ref(PageId page) { mm::ref_frame(page); }
void unref(PageId page) { mm::free_frame(page); }
uint8_t* data(PageId page) { return phys_to_virt<uint8_t>(page); }
size_t heap_footprint(size_t bytes) { return mm::heap_block_size(bytes); }

} // namespace charon::page_frames
