// The root file system: the one Vfs every process resolves paths in. Filled
// at boot from the initramfs (init/initramfs.h), read-only, never unmounted.
// Syscall handlers reach it here (kernel/init is not theirs to include).
#pragma once

#include "fs/vfs.h"

namespace charon::drivers {

// Constructed on first use (after the heap exists: global constructors run
// before it, and a Vfs allocates its root inode).
Vfs& root_vfs();
// Whether an initramfs was mounted on it.
bool root_mounted();
void set_root_mounted();

} // namespace charon::drivers
