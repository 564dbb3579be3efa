// eventfd(2), eventfd2(2): a counter file (fs/eventfd.h).
#include "fs/eventfd.h"
#include "fs/fd_table.h"
#include "syscall/fs_common.h"
#include "syscall/syscall.h"

namespace charon {

namespace {

Result<long> do_eventfd2(uint32_t initial, int flags) {
    // EFD_CLOEXEC and EFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK.
    if (flags & ~(EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK))
        return EINVAL;
    FsProcess process = TRY(fsys::fs_process());
    RefPtr<OpenFile> file = TRY(EventfdFile::try_create(process.credentials, initial, flags & ~O_CLOEXEC));
    return TRY(process.fds.allocate(std::move(file), flags & O_CLOEXEC, process.nofile_limit));
}

} // namespace

// eventfd(initval)
CHARON_SYSCALL(284, eventfd, sys_eventfd);
static Result<long> sys_eventfd(SyscallArgs const& args) { return do_eventfd2(static_cast<uint32_t>(args.arg[0]), 0); }

// eventfd2(initval, flags): EFD_SEMAPHORE, EFD_CLOEXEC, EFD_NONBLOCK.
CHARON_SYSCALL(290, eventfd2, sys_eventfd2);
static Result<long> sys_eventfd2(SyscallArgs const& args) {
    return do_eventfd2(static_cast<uint32_t>(args.arg[0]), fsys::arg_int(args, 1));
}

} // namespace charon
