// chmod(2), fchmod(2), fchmodat(2), fchmodat2(2), chown(2), fchown(2),
// lchown(2), fchownat(2), utimensat(2), futimesat(2), utimes(2), utime(2):
// arguments are copied in here, the semantics live in fs/vfs_namespace.cpp.
// See docs/syscalls/<name>.md.
#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "syscall/fs_common.h"

namespace charon {

namespace {

constexpr int64_t UTIME_NOW = (1l << 30) - 1;
constexpr int64_t UTIME_OMIT = (1l << 30) - 2;

Result<long> do_fchmodat(int dirfd, uint64_t user_path, uint32_t mode, int flags) {
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    TRY(drivers::root_vfs().chmod_at(process, dirfd, path.view(), mode, flags));
    return 0;
}

Result<long> do_fchownat(int dirfd, uint64_t user_path, uint32_t uid, uint32_t gid, int flags) {
    // Linux checks the flags before it reads the path.
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return EINVAL;
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    TRY(drivers::root_vfs().chown_at(process, dirfd, path.view(), uid, gid, flags));
    return 0;
}

// do_utimes: a null path with a descriptor is futimens (flags must be 0);
// otherwise the path (a null one is EFAULT, as getname(NULL)).
Result<long> do_utimes(int dirfd, uint64_t user_path, const TimeUpdate& update, int flags) {
    FsProcess process = TRY(fsys::fs_process());
    if (user_path == 0 && dirfd != AT_FDCWD) {
        if (flags)
            return EINVAL;
        TRY(drivers::root_vfs().utimens_at(process, dirfd, "", update, AT_EMPTY_PATH));
        return 0;
    }
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return EINVAL;
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, user_path));
    TRY(drivers::root_vfs().utimens_at(process, dirfd, path.view(), update, flags));
    return 0;
}

bool nanoseconds_valid(int64_t ns) { return ns == UTIME_NOW || ns == UTIME_OMIT || (ns >= 0 && ns <= 999999999); }

// Both times "now": a plain touch (null times).
TimeUpdate touch() {
    TimeUpdate update;
    update.set_atime = update.set_mtime = true;
    update.atime_now = update.mtime_now = true;
    return update;
}

// utimes/futimesat/utime: struct timeval pairs (or utimbuf seconds).
Result<long> do_timeval_utimes(int dirfd, uint64_t user_path, uint64_t user_times) {
    TimeUpdate update = touch();
    if (user_times) {
        struct {
            int64_t seconds, microseconds;
        } times[2];
        TRY(copy_from_user(times, user_times, sizeof times));
        for (auto& time : times) {
            if (time.microseconds < 0 || time.microseconds >= 1000000)
                return EINVAL;
        }
        update.atime_now = update.mtime_now = false;
        update.atime = Timespec{times[0].seconds, times[0].microseconds * 1000};
        update.mtime = Timespec{times[1].seconds, times[1].microseconds * 1000};
    }
    return do_utimes(dirfd, user_path, update, 0);
}

} // namespace

// chmod(const char* path, mode_t mode)
CHARON_SYSCALL(90, chmod, sys_chmod);
static Result<long> sys_chmod(SyscallArgs const& args) {
    return do_fchmodat(AT_FDCWD, args.arg[0], static_cast<uint32_t>(args.arg[1]), 0);
}

// fchmod(int fd, mode_t mode)
CHARON_SYSCALL(91, fchmod, sys_fchmod);
static Result<long> sys_fchmod(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    TRY(drivers::root_vfs().fchmod(process, fsys::arg_int(args, 0), static_cast<uint32_t>(args.arg[1])));
    return 0;
}

// fchmodat(int dirfd, const char* path, mode_t mode): the syscall has no
// flags (libc emulates AT_SYMLINK_NOFOLLOW); fchmodat2 has them.
CHARON_SYSCALL(268, fchmodat, sys_fchmodat);
static Result<long> sys_fchmodat(SyscallArgs const& args) {
    return do_fchmodat(fsys::arg_int(args, 0), args.arg[1], static_cast<uint32_t>(args.arg[2]), 0);
}

// fchmodat2(int dirfd, const char* path, mode_t mode, int flags)
CHARON_SYSCALL(452, fchmodat2, sys_fchmodat2);
static Result<long> sys_fchmodat2(SyscallArgs const& args) {
    return do_fchmodat(fsys::arg_int(args, 0), args.arg[1], static_cast<uint32_t>(args.arg[2]),
                       fsys::arg_int(args, 3));
}

// chown(const char* path, uid_t owner, gid_t group)
CHARON_SYSCALL(92, chown, sys_chown);
static Result<long> sys_chown(SyscallArgs const& args) {
    return do_fchownat(AT_FDCWD, args.arg[0], static_cast<uint32_t>(args.arg[1]), static_cast<uint32_t>(args.arg[2]),
                       0);
}

// lchown(const char* path, uid_t owner, gid_t group): the link itself.
CHARON_SYSCALL(94, lchown, sys_lchown);
static Result<long> sys_lchown(SyscallArgs const& args) {
    return do_fchownat(AT_FDCWD, args.arg[0], static_cast<uint32_t>(args.arg[1]), static_cast<uint32_t>(args.arg[2]),
                       AT_SYMLINK_NOFOLLOW);
}

// fchown(int fd, uid_t owner, gid_t group)
CHARON_SYSCALL(93, fchown, sys_fchown);
static Result<long> sys_fchown(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    TRY(drivers::root_vfs().fchown(process, fsys::arg_int(args, 0), static_cast<uint32_t>(args.arg[1]),
                                   static_cast<uint32_t>(args.arg[2])));
    return 0;
}

// fchownat(int dirfd, const char* path, uid_t owner, gid_t group, int flags)
CHARON_SYSCALL(260, fchownat, sys_fchownat);
static Result<long> sys_fchownat(SyscallArgs const& args) {
    return do_fchownat(fsys::arg_int(args, 0), args.arg[1], static_cast<uint32_t>(args.arg[2]),
                       static_cast<uint32_t>(args.arg[3]), fsys::arg_int(args, 4));
}

// utimensat(int dirfd, const char* path, const struct timespec times[2], int flags)
CHARON_SYSCALL(280, utimensat, sys_utimensat);
static Result<long> sys_utimensat(SyscallArgs const& args) {
    TimeUpdate update = touch();
    if (args.arg[2]) {
        struct {
            int64_t seconds, nanoseconds;
        } times[2];
        TRY(copy_from_user(times, args.arg[2], sizeof times));
        // Nothing to do: not even the path is looked at.
        if (times[0].nanoseconds == UTIME_OMIT && times[1].nanoseconds == UTIME_OMIT)
            return 0;
        update.set_atime = times[0].nanoseconds != UTIME_OMIT;
        update.set_mtime = times[1].nanoseconds != UTIME_OMIT;
        update.atime_now = times[0].nanoseconds == UTIME_NOW;
        update.mtime_now = times[1].nanoseconds == UTIME_NOW;
        update.atime = Timespec{times[0].seconds, times[0].nanoseconds};
        update.mtime = Timespec{times[1].seconds, times[1].nanoseconds};
        // Linux checks these after resolving the path (vfs_utimes).
        update.invalid = !nanoseconds_valid(times[0].nanoseconds) || !nanoseconds_valid(times[1].nanoseconds);
    }
    return do_utimes(fsys::arg_int(args, 0), args.arg[1], update, fsys::arg_int(args, 3));
}

// futimesat(int dirfd, const char* path, const struct timeval times[2])
CHARON_SYSCALL(261, futimesat, sys_futimesat);
static Result<long> sys_futimesat(SyscallArgs const& args) {
    return do_timeval_utimes(fsys::arg_int(args, 0), args.arg[1], args.arg[2]);
}

// utimes(const char* path, const struct timeval times[2])
CHARON_SYSCALL(235, utimes, sys_utimes);
static Result<long> sys_utimes(SyscallArgs const& args) { return do_timeval_utimes(AT_FDCWD, args.arg[0], args.arg[1]); }

// utime(const char* path, const struct utimbuf* times): seconds only.
CHARON_SYSCALL(132, utime, sys_utime);
static Result<long> sys_utime(SyscallArgs const& args) {
    TimeUpdate update = touch();
    if (args.arg[1]) {
        int64_t times[2];
        TRY(copy_from_user(times, args.arg[1], sizeof times));
        update.atime_now = update.mtime_now = false;
        update.atime = Timespec{times[0], 0};
        update.mtime = Timespec{times[1], 0};
    }
    return do_utimes(AT_FDCWD, args.arg[0], update, 0);
}

} // namespace charon
