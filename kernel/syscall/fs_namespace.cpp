// mkdir(2), mkdirat(2), mknod(2), mknodat(2), unlink(2), unlinkat(2),
// rmdir(2), symlink(2), symlinkat(2), link(2), linkat(2), rename(2),
// renameat(2), renameat2(2): paths are copied in here, the semantics live in
// fs/vfs_namespace.cpp. See docs/syscalls/<name>.md.
#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "syscall/fs_common.h"

namespace charon {

namespace {

Result<long> do_mkdirat(int dirfd, uint64_t user_path, uint32_t mode) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    TRY(drivers::root_vfs().mkdir_at(process, dirfd, path.view(), mode));
    return 0;
}

Result<long> do_mknodat(int dirfd, uint64_t user_path, uint32_t mode, uint64_t device) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    TRY(drivers::root_vfs().mknod_at(process, dirfd, path.view(), mode, device));
    return 0;
}

Result<long> do_unlinkat(int dirfd, uint64_t user_path, int flags) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    TRY(drivers::root_vfs().unlink_at(process, dirfd, path.view(), flags));
    return 0;
}

Result<long> do_symlinkat(uint64_t user_target, int dirfd, uint64_t user_path) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath target;
    TRY(fsys::UserPath::copy_in(target, user_target));
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    TRY(drivers::root_vfs().symlink_at(process, target.view(), dirfd, path.view()));
    return 0;
}

Result<long> do_linkat(int old_dirfd, uint64_t user_old, int new_dirfd, uint64_t user_new, int flags) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath old_path;
    TRY(fsys::UserPath::copy_in(old_path, user_old));
    fsys::UserPath new_path;
    TRY(fsys::UserPath::copy_in(new_path, user_new));
    TRY(drivers::root_vfs().link_at(process, old_dirfd, old_path.view(), new_dirfd, new_path.view(), flags));
    return 0;
}

Result<long> do_renameat2(int old_dirfd, uint64_t user_old, int new_dirfd, uint64_t user_new, unsigned flags) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath old_path;
    TRY(fsys::UserPath::copy_in(old_path, user_old));
    fsys::UserPath new_path;
    TRY(fsys::UserPath::copy_in(new_path, user_new));
    TRY(drivers::root_vfs().rename_at(process, old_dirfd, old_path.view(), new_dirfd, new_path.view(), flags));
    return 0;
}

} // namespace

// mkdir(const char* path, mode_t mode)
CHARON_SYSCALL(83, mkdir, sys_mkdir);
static Result<long> sys_mkdir(SyscallArgs const& args) {
    return do_mkdirat(AT_FDCWD, args.arg[0], static_cast<uint32_t>(args.arg[1]));
}

// mkdirat(int dirfd, const char* path, mode_t mode)
CHARON_SYSCALL(258, mkdirat, sys_mkdirat);
static Result<long> sys_mkdirat(SyscallArgs const& args) {
    return do_mkdirat(fsys::arg_int(args, 0), args.arg[1], static_cast<uint32_t>(args.arg[2]));
}

// mknod(const char* path, mode_t mode, unsigned dev)
CHARON_SYSCALL(133, mknod, sys_mknod);
static Result<long> sys_mknod(SyscallArgs const& args) {
    return do_mknodat(AT_FDCWD, args.arg[0], static_cast<uint32_t>(args.arg[1]), static_cast<uint32_t>(args.arg[2]));
}

// mknodat(int dirfd, const char* path, mode_t mode, unsigned dev)
CHARON_SYSCALL(259, mknodat, sys_mknodat);
static Result<long> sys_mknodat(SyscallArgs const& args) {
    return do_mknodat(fsys::arg_int(args, 0), args.arg[1], static_cast<uint32_t>(args.arg[2]),
                      static_cast<uint32_t>(args.arg[3]));
}

// unlink(const char* path)
CHARON_SYSCALL(87, unlink, sys_unlink);
static Result<long> sys_unlink(SyscallArgs const& args) { return do_unlinkat(AT_FDCWD, args.arg[0], 0); }

// unlinkat(int dirfd, const char* path, int flags): AT_REMOVEDIR
CHARON_SYSCALL(263, unlinkat, sys_unlinkat);
static Result<long> sys_unlinkat(SyscallArgs const& args) {
    return do_unlinkat(fsys::arg_int(args, 0), args.arg[1], fsys::arg_int(args, 2));
}

// rmdir(const char* path)
CHARON_SYSCALL(84, rmdir, sys_rmdir);
static Result<long> sys_rmdir(SyscallArgs const& args) { return do_unlinkat(AT_FDCWD, args.arg[0], AT_REMOVEDIR); }

// symlink(const char* target, const char* linkpath)
CHARON_SYSCALL(88, symlink, sys_symlink);
static Result<long> sys_symlink(SyscallArgs const& args) { return do_symlinkat(args.arg[0], AT_FDCWD, args.arg[1]); }

// symlinkat(const char* target, int newdirfd, const char* linkpath)
CHARON_SYSCALL(266, symlinkat, sys_symlinkat);
static Result<long> sys_symlinkat(SyscallArgs const& args) {
    return do_symlinkat(args.arg[0], fsys::arg_int(args, 1), args.arg[2]);
}

// link(const char* old, const char* new)
CHARON_SYSCALL(86, link, sys_link);
static Result<long> sys_link(SyscallArgs const& args) {
    return do_linkat(AT_FDCWD, args.arg[0], AT_FDCWD, args.arg[1], 0);
}

// linkat(int olddirfd, const char* old, int newdirfd, const char* new, int flags)
CHARON_SYSCALL(265, linkat, sys_linkat);
static Result<long> sys_linkat(SyscallArgs const& args) {
    return do_linkat(fsys::arg_int(args, 0), args.arg[1], fsys::arg_int(args, 2), args.arg[3], fsys::arg_int(args, 4));
}

// rename(const char* old, const char* new)
CHARON_SYSCALL(82, rename, sys_rename);
static Result<long> sys_rename(SyscallArgs const& args) {
    return do_renameat2(AT_FDCWD, args.arg[0], AT_FDCWD, args.arg[1], 0);
}

// renameat(int olddirfd, const char* old, int newdirfd, const char* new)
CHARON_SYSCALL(264, renameat, sys_renameat);
static Result<long> sys_renameat(SyscallArgs const& args) {
    return do_renameat2(fsys::arg_int(args, 0), args.arg[1], fsys::arg_int(args, 2), args.arg[3], 0);
}

// renameat2(int olddirfd, const char* old, int newdirfd, const char* new, unsigned flags)
CHARON_SYSCALL(316, renameat2, sys_renameat2);
static Result<long> sys_renameat2(SyscallArgs const& args) {
    return do_renameat2(fsys::arg_int(args, 0), args.arg[1], fsys::arg_int(args, 2), args.arg[3],
                        static_cast<uint32_t>(args.arg[4]));
}

} // namespace charon
