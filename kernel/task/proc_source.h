// /proc: the kernel's ProcSource (proc_source.cpp) and where it is attached.
#pragma once

#include "fs/vfs.h"
#include "lib/result.h"

namespace charon::task {

// Registers the "proc" file-system type with `vfs` and mounts it on /proc.
Result<void> mount_proc(Vfs& vfs);

} // namespace charon::task
