// pipe(2), pipe2(2): Vfs::pipe2 builds both ends and installs them; the two
// descriptors are copied out as int[2]. If that copy faults, Linux closes
// both descriptors again and returns EFAULT; so do we.
#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "syscall/fs_common.h"

namespace charon {

namespace {

Result<long> do_pipe2(uint64_t user_fds, int flags) {
    FsProcess process = TRY(fsys::fs_process());
    int fds[2] = {-1, -1};
    TRY(drivers::root_vfs().pipe2(process, fds, flags));
    auto copied = copy_to_user(user_fds, fds, sizeof(fds));
    if (copied.is_error()) {
        (void)process.fds.close(fds[0]);
        (void)process.fds.close(fds[1]);
        return copied.error();
    }
    return 0;
}

} // namespace

// pipe(int fds[2])
CHARON_SYSCALL(22, pipe, sys_pipe);
static Result<long> sys_pipe(SyscallArgs const& args) { return do_pipe2(args.arg[0], 0); }

// pipe2(int fds[2], int flags): O_CLOEXEC, O_NONBLOCK, O_DIRECT.
CHARON_SYSCALL(293, pipe2, sys_pipe2);
static Result<long> sys_pipe2(SyscallArgs const& args) { return do_pipe2(args.arg[0], fsys::arg_int(args, 1)); }

} // namespace charon
