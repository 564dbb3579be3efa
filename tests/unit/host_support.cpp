// What the kernel provides to portable code, provided instead by the host
// for the unit tests.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "lib/verify.h"

namespace charon {

void panic(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::fputs("charon panic: ", stderr);
    std::vfprintf(stderr, fmt, args);
    std::fputc('\n', stderr);
    va_end(args);
    std::abort();
}

} // namespace charon

#include "lib/wait_queue.h"

namespace charon {

// Hosted builds have no scheduler: a wake only marks the Waiter (done by
// WaitQueue itself), which tests inspect.
void WaitQueue::wake_sleeper(void*) {}

} // namespace charon

#include "lib/spinlock.h"

namespace charon {

uint64_t interrupts_save_and_disable() { return 0; }
void interrupts_restore(uint64_t) {}

} // namespace charon

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

} // namespace charon::page_frames

namespace charon {

// No address spaces on the host; the tests count the calls.
size_t g_host_unmap_calls;
void unmap_file_pages_from(const Inode&, uint64_t) { ++g_host_unmap_calls; }

} // namespace charon
