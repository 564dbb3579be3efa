#include "drivers/root_fs.h"

namespace charon::drivers {

namespace {
bool g_mounted = false;
}

Vfs& root_vfs() {
    // A function-local static: built by the first caller, never destroyed
    // (the kernel has no static destructors).
    static Vfs* vfs = new Vfs;
    return *vfs;
}

bool root_mounted() { return g_mounted; }
void set_root_mounted() { g_mounted = true; }

} // namespace charon::drivers
