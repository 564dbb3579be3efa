// open(2), openat(2), creat(2), close(2): the path is copied in here, the
// semantics live in Vfs::open (fs/vfs.cpp) and FdTable::close.
// See docs/syscalls/open.md, openat.md, creat.md, close.md.
#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "syscall/fs_common.h"

namespace charon {

namespace {

Result<long> do_openat(int dirfd, uint64_t user_path, int flags, uint32_t mode) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    // Linux's force_o_largefile() on 64-bit: every open is O_LARGEFILE
    // (F_GETFL shows it).
    return TRY(drivers::root_vfs().open(process, dirfd, path.view(), flags | O_LARGEFILE, mode & 07777));
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

// close(int fd)
CHARON_SYSCALL(3, close, sys_close);
static Result<long> sys_close(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    TRY(process.fds.close(fsys::arg_int(args, 0)));
    return 0;
}

} // namespace charon
