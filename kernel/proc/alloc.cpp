#include "proc/alloc.h"

namespace charon::proc {

namespace {
AllocFailHook g_fail_hook = nullptr;
void* g_fail_context = nullptr;
} // namespace

void set_alloc_fail_hook(AllocFailHook hook, void* context) {
    g_fail_hook = hook;
    g_fail_context = context;
}

bool alloc_should_fail() { return g_fail_hook && g_fail_hook(g_fail_context); }

} // namespace charon::proc
