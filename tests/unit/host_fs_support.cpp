// What the kernel gives the portable fs layer, given instead by the host for
// the unit tests: file pages (fs/page_frames.h) and the truncate hook.
// Separate from host_support.cpp, which proc_sim and the libFuzzer build
// link without the fs sources.
#include <cstring>
#include <new>

#include "fs/inode.h"
#include "fs/page_frames.h"

namespace charon::page_frames {

// Host pages: heap blocks with their reference count in front.
namespace {
struct HostPage {
    uint32_t refs;
    alignas(16) uint8_t bytes[kSize];
};
size_t g_host_pages_live;
} // namespace

size_t host_pages_live() { return g_host_pages_live; }

Result<PageId> allocate() {
    auto* page = new (std::nothrow) HostPage;
    if (!page)
        return ENOMEM;
    page->refs = 1;
    std::memset(page->bytes, 0, kSize);
    ++g_host_pages_live;
    return reinterpret_cast<PageId>(page);
}
void ref(PageId page) { ++reinterpret_cast<HostPage*>(page)->refs; }
void unref(PageId page) {
    auto* host = reinterpret_cast<HostPage*>(page);
    VERIFY(host->refs > 0);
    if (--host->refs == 0) {
        delete host;
        --g_host_pages_live;
    }
}
uint8_t* data(PageId page) { return reinterpret_cast<HostPage*>(page)->bytes; }
size_t heap_footprint(size_t bytes) { return bytes; }

} // namespace charon::page_frames

namespace charon {

// No address spaces on the host; the tests count the calls.
size_t g_host_unmap_calls;
void unmap_file_pages_from(const Inode&, uint64_t) { ++g_host_unmap_calls; }

} // namespace charon
