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
