// dup(2), dup2(2), dup3(2), fcntl(2) (descriptor and status-flag commands),
// close_range(2).
// Semantics in FdTable (fs/fd_table.cpp); RLIMIT_NOFILE comes with the
// calling process's FsProcess.
#include "fs/abi.h"
#include "syscall/fs_common.h"

namespace charon {

// dup(int fd)
CHARON_SYSCALL(32, dup, sys_dup);
static Result<long> sys_dup(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    return TRY(process.fds.dup(fsys::arg_int(args, 0), process.nofile_limit));
}

// dup2(int old_fd, int new_fd)
CHARON_SYSCALL(33, dup2, sys_dup2);
static Result<long> sys_dup2(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    return TRY(process.fds.dup2(fsys::arg_int(args, 0), fsys::arg_int(args, 1), process.nofile_limit));
}

// dup3(int old_fd, int new_fd, int flags): flags O_CLOEXEC only.
CHARON_SYSCALL(292, dup3, sys_dup3);
static Result<long> sys_dup3(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    return TRY(process.fds.dup3(fsys::arg_int(args, 0), fsys::arg_int(args, 1), fsys::arg_int(args, 2),
                                process.nofile_limit));
}

// fcntl(int fd, int cmd, unsigned long arg): F_DUPFD, F_DUPFD_CLOEXEC,
// F_GETFD, F_SETFD, F_GETFL, F_SETFL. Other commands (locks, owners, leases,
// pipe sizes) are EINVAL on a valid descriptor for now.
CHARON_SYSCALL(72, fcntl, sys_fcntl);
static Result<long> sys_fcntl(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    return TRY(process.fds.fcntl(fsys::arg_int(args, 0), fsys::arg_int(args, 1), args.arg[2], process.nofile_limit));
}

// close_range(unsigned int first, unsigned int last, unsigned int flags)
// (Linux 5.9+; CLOSE_RANGE_CLOEXEC 5.11+). glibc's closefrom and
// posix_spawn's close-all path call it with last = ~0U.
CHARON_SYSCALL(436, close_range, sys_close_range);
static Result<long> sys_close_range(SyscallArgs const& args) {
    auto first = static_cast<uint32_t>(args.arg[0]);
    auto last = static_cast<uint32_t>(args.arg[1]);
    auto flags = static_cast<uint32_t>(args.arg[2]);
    if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
        return EINVAL;
    if (first > last)
        return EINVAL;
    // Unshare first, so that the closing acts on our copy only and the
    // processes sharing the table (CLONE_FILES) keep their descriptors.
    if (flags & CLOSE_RANGE_UNSHARE)
        TRY(fsys::unshare_fd_table());
    FsProcess process = TRY(fsys::fs_process());
    process.fds.close_range(first, last, flags & CLOSE_RANGE_CLOEXEC);
    return 0;
}

} // namespace charon
