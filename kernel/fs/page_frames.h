// The pages a file's data lives in. In the kernel a page is a physical frame
// (mm/frame_allocator.h), so MAP_SHARED can map the file's own pages; in the
// host unit tests it is heap memory. Declared here (fs is portable) and
// defined twice: kernel/mm/page_frames.cpp and tests/unit/host_support.cpp.
//
// A page has a reference count: the store's index holds one, each page-table
// entry mapping it holds one, a reader copying out of it holds one for the
// copy. The last unref frees it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"

namespace charon::page_frames {

inline constexpr size_t kSize = 4096;

// Opaque, never 0 (the physical address in the kernel). 0 means "no page".
using PageId = uint64_t;

// A zero-filled page with one reference; ENOMEM.
Result<PageId> allocate();
void ref(PageId page);
void unref(PageId page);
// The page's bytes, writable by the kernel.
uint8_t* data(PageId page);

// The heap bytes a `new` of `bytes` occupies (the kernel heap rounds up to
// its block size and counts whole blocks): what file_store_bytes adds.
size_t heap_footprint(size_t bytes);

} // namespace charon::page_frames
