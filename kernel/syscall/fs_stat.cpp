// stat(2), lstat(2), fstat(2), newfstatat(2), access(2), faccessat(2),
// faccessat2(2), readlink(2), readlinkat(2). Paths are copied in here; the
// semantics live in fs/vfs.cpp. struct stat is copied out with one checked
// copy (the x86_64 layout, 144 bytes).
#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "syscall/fs_common.h"

namespace charon {

namespace {

Result<long> do_stat_at(int dirfd, uint64_t user_path, uint64_t user_stat, int flags) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    LinuxStat stat{};
    TRY(drivers::root_vfs().stat_at(process, dirfd, path.view(), flags, stat));
    TRY(copy_to_user(user_stat, &stat, sizeof(stat)));
    return 0;
}

Result<long> do_access_at(int dirfd, uint64_t user_path, int mode, int flags) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    TRY(drivers::root_vfs().access_at(process, dirfd, path.view(), mode, flags));
    return 0;
}

Result<long> do_readlink_at(int dirfd, uint64_t user_path, uint64_t user_buffer, int64_t size) {
    // Linux's do_readlinkat: size <= 0 is EINVAL before the path is read.
    if (size <= 0)
        return EINVAL;
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    UserIoBuffer buffer(fsys::user_memory(), user_buffer, static_cast<size_t>(size));
    return static_cast<long>(TRY(drivers::root_vfs().readlink_at(process, dirfd, path.view(), buffer, size)));
}

} // namespace

// stat(const char* path, struct stat* buf)
CHARON_SYSCALL(4, stat, sys_stat);
static Result<long> sys_stat(SyscallArgs const& args) { return do_stat_at(AT_FDCWD, args.arg[0], args.arg[1], 0); }

// lstat(const char* path, struct stat* buf): the last symlink is not followed.
CHARON_SYSCALL(6, lstat, sys_lstat);
static Result<long> sys_lstat(SyscallArgs const& args) {
    return do_stat_at(AT_FDCWD, args.arg[0], args.arg[1], AT_SYMLINK_NOFOLLOW);
}

// fstat(int fd, struct stat* buf)
CHARON_SYSCALL(5, fstat, sys_fstat);
static Result<long> sys_fstat(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    LinuxStat stat{};
    TRY(drivers::root_vfs().fstat(process, fsys::arg_int(args, 0), stat));
    TRY(copy_to_user(args.arg[1], &stat, sizeof(stat)));
    return 0;
}

// newfstatat(int dirfd, const char* path, struct stat* buf, int flags):
// AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_NO_AUTOMOUNT (EINVAL otherwise).
CHARON_SYSCALL(262, newfstatat, sys_newfstatat);
static Result<long> sys_newfstatat(SyscallArgs const& args) {
    return do_stat_at(fsys::arg_int(args, 0), args.arg[1], args.arg[2], fsys::arg_int(args, 3));
}

// access(const char* path, int mode): real ids.
CHARON_SYSCALL(21, access, sys_access);
static Result<long> sys_access(SyscallArgs const& args) {
    return do_access_at(AT_FDCWD, args.arg[0], fsys::arg_int(args, 1), 0);
}

// faccessat(int dirfd, const char* path, int mode): the syscall has no flags
// argument (glibc/musl emulate them); Linux passes 0.
CHARON_SYSCALL(269, faccessat, sys_faccessat);
static Result<long> sys_faccessat(SyscallArgs const& args) {
    return do_access_at(fsys::arg_int(args, 0), args.arg[1], fsys::arg_int(args, 2), 0);
}

// faccessat2(int dirfd, const char* path, int mode, int flags): AT_EACCESS,
// AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH.
CHARON_SYSCALL(439, faccessat2, sys_faccessat2);
static Result<long> sys_faccessat2(SyscallArgs const& args) {
    return do_access_at(fsys::arg_int(args, 0), args.arg[1], fsys::arg_int(args, 2), fsys::arg_int(args, 3));
}

// readlink(const char* path, char* buf, int size)
CHARON_SYSCALL(89, readlink, sys_readlink);
static Result<long> sys_readlink(SyscallArgs const& args) {
    return do_readlink_at(AT_FDCWD, args.arg[0], args.arg[1], fsys::arg_int(args, 2));
}

// readlinkat(int dirfd, const char* path, char* buf, int size)
CHARON_SYSCALL(267, readlinkat, sys_readlinkat);
static Result<long> sys_readlinkat(SyscallArgs const& args) {
    return do_readlink_at(fsys::arg_int(args, 0), args.arg[1], args.arg[2], fsys::arg_int(args, 3));
}

} // namespace charon
