// stat(2), lstat(2), fstat(2), newfstatat(2), access(2), faccessat(2),
// faccessat2(2), readlink(2), readlinkat(2), statx(2). Paths are copied in here; the
// semantics live in fs/vfs.cpp. struct stat is copied out with one checked
// copy (the x86_64 layout, 144 bytes).
#include <cstddef>

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

// struct statx (include/uapi/linux/stat.h), 256 bytes.
struct StatxTimestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct LinuxStatx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    StatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major;
    uint32_t stx_rdev_minor;
    uint32_t stx_dev_major;
    uint32_t stx_dev_minor;
    uint64_t stx_mnt_id;
    uint64_t spare[13];
};
static_assert(sizeof(LinuxStatx) == 256);
static_assert(offsetof(LinuxStatx, stx_atime) == 64);
static_assert(offsetof(LinuxStatx, stx_rdev_major) == 128);
static_assert(offsetof(LinuxStatx, stx_mnt_id) == 144);

constexpr uint32_t STATX_BASIC_STATS = 0x7ff; // type, mode, nlink, uid, gid, times (not btime), ino, size, blocks
constexpr uint32_t STATX_BTIME = 0x800;
constexpr uint32_t STATX_MNT_ID = 0x1000;
constexpr uint64_t STATX_ATTR_MOUNT_ROOT = 0x2000;
constexpr uint32_t STATX__RESERVED = 0x80000000u;
constexpr int AT_STATX_SYNC_TYPE = 0x6000;

// new_decode_dev, the inverse of fs/abi.h's encode_device.
uint32_t device_major(uint64_t dev) { return uint32_t((dev & 0xfff00) >> 8); }
uint32_t device_minor(uint64_t dev) { return uint32_t((dev & 0xff) | ((dev >> 12) & 0xfff00)); }

StatxTimestamp statx_time(uint64_t seconds, uint64_t nanoseconds) {
    return StatxTimestamp{int64_t(seconds), uint32_t(nanoseconds), 0};
}

} // namespace

// statx(int dirfd, const char* path, int flags, unsigned int mask, struct statx* buf)
// The basic fields from the same inode data stat shows, plus the birth time
// and the mount id (as tmpfs on Linux: stx_mask 0x1fff); the mask asked for
// does not change what is filled (Linux may fill more than asked, too).
// Attributes: only STATX_ATTR_MOUNT_ROOT (no chattr flags).
CHARON_SYSCALL(332, statx, sys_statx);
static Result<long> sys_statx(SyscallArgs const& args) {
    int dirfd = fsys::arg_int(args, 0);
    int flags = fsys::arg_int(args, 2);
    uint32_t mask = static_cast<uint32_t>(args.arg[3]);
    // Linux's statx checks: unknown flags, both sync types at once, the
    // reserved mask bit.
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
        return EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
        return EINVAL;
    if (mask & STATX__RESERVED)
        return EINVAL;
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, args.arg[1]));
    LinuxStat stat{};
    Vfs::StatExtra extra;
    // The sync type only matters for network file systems.
    TRY(drivers::root_vfs().stat_at(process, dirfd, path.view(), flags & ~AT_STATX_SYNC_TYPE, stat, &extra));
    LinuxStatx out{};
    out.stx_mask = STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID;
    out.stx_btime = statx_time(uint64_t(extra.btime.seconds), uint64_t(extra.btime.nanoseconds));
    out.stx_mnt_id = extra.mount_id;
    out.stx_attributes_mask = STATX_ATTR_MOUNT_ROOT;
    if (extra.mount_root)
        out.stx_attributes = STATX_ATTR_MOUNT_ROOT;
    out.stx_blksize = uint32_t(stat.st_blksize);
    out.stx_nlink = uint32_t(stat.st_nlink);
    out.stx_uid = stat.st_uid;
    out.stx_gid = stat.st_gid;
    out.stx_mode = uint16_t(stat.st_mode);
    out.stx_ino = stat.st_ino;
    out.stx_size = uint64_t(stat.st_size);
    out.stx_blocks = uint64_t(stat.st_blocks);
    out.stx_atime = statx_time(stat.st_atime_sec, stat.st_atime_nsec);
    out.stx_mtime = statx_time(stat.st_mtime_sec, stat.st_mtime_nsec);
    out.stx_ctime = statx_time(stat.st_ctime_sec, stat.st_ctime_nsec);
    out.stx_rdev_major = device_major(stat.st_rdev);
    out.stx_rdev_minor = device_minor(stat.st_rdev);
    out.stx_dev_major = device_major(stat.st_dev);
    out.stx_dev_minor = device_minor(stat.st_dev);
    TRY(copy_to_user(args.arg[4], &out, sizeof(out)));
    return 0;
}

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
