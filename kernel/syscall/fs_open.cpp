// open(2), openat(2), creat(2), close(2), umask(2): the path is copied in here, the
// semantics live in Vfs::open (fs/vfs.cpp) and FdTable::close.
// See docs/syscalls/open.md, openat.md, creat.md, close.md.
#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "sched/scheduler.h"
#include "syscall/fs_common.h"
#include "task/task.h"

namespace charon {

namespace {

Result<long> do_openat(int dirfd, uint64_t user_path, int flags, uint32_t mode) {
    FsProcess process = TRY(fsys::fs_process());
    // The mode only matters when a file is created; the Vfs masks it with
    // the process's umask (Linux's vfs_prepare_mode).
    mode &= 07777;
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    // Linux's force_o_largefile() on 64-bit: every open is O_LARGEFILE
    // (F_GETFL shows it).
    return TRY(drivers::root_vfs().open(process, dirfd, path.view(), flags | O_LARGEFILE, mode));
}

} // namespace

// open(const char* path, int flags, mode_t mode)
CHARON_SYSCALL(2, open, sys_open);
static Result<long> sys_open(SyscallArgs const& args) {
    return do_openat(AT_FDCWD, args.arg[0], fsys::arg_int(args, 1), static_cast<uint32_t>(args.arg[2]));
}

// openat(int dirfd, const char* path, int flags, mode_t mode)
CHARON_SYSCALL(257, openat, sys_openat);
static Result<long> sys_openat(SyscallArgs const& args) {
    return do_openat(fsys::arg_int(args, 0), args.arg[1], fsys::arg_int(args, 2), static_cast<uint32_t>(args.arg[3]));
}

// creat(const char* path, mode_t mode) = open(path, O_CREAT|O_WRONLY|O_TRUNC, mode)
CHARON_SYSCALL(85, creat, sys_creat);
static Result<long> sys_creat(SyscallArgs const& args) {
    return do_openat(AT_FDCWD, args.arg[0], O_CREAT | O_WRONLY | O_TRUNC, static_cast<uint32_t>(args.arg[1]));
}

// umask(mode_t mask): sets the process's file-creation mask to mask & 0777
// and returns the previous one. Never fails.
CHARON_SYSCALL(95, umask, sys_umask);
static Result<long> sys_umask(SyscallArgs const& args) {
    proc::Thread* thread = fsys::current_proc_thread();
    if (!thread)
        return ENOSYS;
    task::FsState& fs = *task::task_of(*thread).fs;
    uint32_t old = fs.umask;
    fs.umask = static_cast<uint32_t>(args.arg[0]) & 0777;
    return old;
}

// close(int fd)
CHARON_SYSCALL(3, close, sys_close);
static Result<long> sys_close(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    TRY(process.fds.close(fsys::arg_int(args, 0)));
    return 0;
}

} // namespace charon
