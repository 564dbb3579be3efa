// mount(2), umount2(2), statfs(2), fstatfs(2): strings are copied in here,
// the semantics live in fs/mount.cpp. See docs/syscalls/<name>.md.
#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "fs/mount.h"
#include "syscall/fs_common.h"

namespace charon {

namespace {

// A short string argument (type, source): copied as Linux's
// copy_mount_string (strndup_user with PAGE_SIZE: EFAULT, or EINVAL when
// longer). Null gives the empty string.
Result<void> copy_short_string(fsys::UserPath& out, uint64_t user_address) {
    if (!user_address)
        return {};
    auto copied = fsys::UserPath::copy_in(out, user_address);
    if (copied.is_error() && copied.error().code() == ENAMETOOLONG)
        return EINVAL;
    return copied;
}

} // namespace

// mount(const char* source, const char* target, const char* type,
//       unsigned long flags, const void* data)
CHARON_SYSCALL(165, mount, sys_mount);
static Result<long> sys_mount(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath type, source, target, options;
    TRY(copy_short_string(type, args.arg[2]));
    TRY(copy_short_string(source, args.arg[0]));
    // The data page: tmpfs and proc take a string of options.
    TRY(copy_short_string(options, args.arg[4]));
    TRY(fsys::UserPath::copy_in(target, args.arg[1]));
    TRY(drivers::root_vfs().mount(process, source.view(), target.view(), type.view(), args.arg[3], options.view()));
    return 0;
}

// umount2(const char* target, int flags)
CHARON_SYSCALL(166, umount2, sys_umount2);
static Result<long> sys_umount2(SyscallArgs const& args) {
    int flags = fsys::arg_int(args, 1);
    if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
        return EINVAL;
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath target;
    TRY(fsys::UserPath::copy_in(target, args.arg[0]));
    TRY(drivers::root_vfs().umount(process, target.view(), flags));
    return 0;
}

// statfs(const char* path, struct statfs* buf)
CHARON_SYSCALL(137, statfs, sys_statfs);
static Result<long> sys_statfs(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, args.arg[0]));
    LinuxStatfs out{};
    TRY(drivers::root_vfs().statfs(process, path.view(), out));
    TRY(copy_to_user(args.arg[1], &out, sizeof out));
    return 0;
}

// fstatfs(int fd, struct statfs* buf)
CHARON_SYSCALL(138, fstatfs, sys_fstatfs);
static Result<long> sys_fstatfs(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    LinuxStatfs out{};
    TRY(drivers::root_vfs().fstatfs(process, fsys::arg_int(args, 0), out));
    TRY(copy_to_user(args.arg[1], &out, sizeof out));
    return 0;
}

} // namespace charon
