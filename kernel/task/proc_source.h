// /proc: the kernel's ProcSource (proc_source.cpp) and where it is attached.
#pragma once

#include "fs/vfs.h"
#include "lib/result.h"

namespace charon::task {

// Attaches procfs at /proc of `vfs`'s root.
Result<void> mount_proc(Vfs& vfs);

} // namespace charon::task
