// getdents64(2), getcwd(2), chdir(2), fchdir(2). Semantics in fs/vfs.cpp;
// records and the cwd string are copied out through a UserIoBuffer.
#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "syscall/fs_common.h"

namespace charon {

// getdents64(int fd, struct linux_dirent64* dirp, unsigned int count)
CHARON_SYSCALL(217, getdents64, sys_getdents64);
static Result<long> sys_getdents64(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    // The count is an unsigned int; Linux clamps it to INT_MAX.
    size_t count = static_cast<uint32_t>(args.arg[2]);
    if (count > 0x7fffffff)
        count = 0x7fffffff;
    UserIoBuffer buffer(fsys::user_memory(), args.arg[1], count);
    return static_cast<long>(TRY(drivers::root_vfs().getdents64(process, fsys::arg_int(args, 0), buffer, count)));
}

// getcwd(char* buf, size_t size): the length including the NUL; ERANGE when
// it does not fit.
CHARON_SYSCALL(79, getcwd, sys_getcwd);
static Result<long> sys_getcwd(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    size_t size = args.arg[1];
    UserIoBuffer buffer(fsys::user_memory(), args.arg[0], size);
    return static_cast<long>(TRY(drivers::root_vfs().getcwd(process, buffer, size)));
}

// chdir(const char* path)
CHARON_SYSCALL(80, chdir, sys_chdir);
static Result<long> sys_chdir(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, args.arg[0]));
    TRY(drivers::root_vfs().chdir(process, path.view()));
    return 0;
}

// fchdir(int fd)
CHARON_SYSCALL(81, fchdir, sys_fchdir);
static Result<long> sys_fchdir(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    TRY(drivers::root_vfs().fchdir(process, fsys::arg_int(args, 0)));
    return 0;
}

} // namespace charon
