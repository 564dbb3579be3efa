// The calling thread and process, as the syscall handlers see them. kernel/task
// is the kernel-side glue around the lifecycle core: it implements the core's
// LifecycleHost, stores each process's kernel resources (address space, file
// table, fs state) behind the core's opaque handles, and answers these.
#pragma once

#include "fs/vfs.h"

namespace charon::proc {
class Thread;
class Process;
} // namespace charon::proc

namespace charon::mm {
class AddressSpace;
}

namespace charon::task {

proc::Thread& current_thread();
proc::Process& current_process();
mm::AddressSpace& current_address_space();

// What the file syscalls need from the calling process: credentials, the
// descriptor table (shared under CLONE_FILES), the cwd (shared under
// CLONE_FS) and RLIMIT_NOFILE. Valid for the duration of one syscall.
FsProcess current_fs_process();

} // namespace charon::task
