// read(2), write(2), readv(2), writev(2), pread64(2), pwrite64(2), lseek(2).
// User memory is reached only through the fs layer's UserIoBuffer /
// UserIoVecBuffer over the checked copy path (EFAULT, never a fault);
// blocking files (pipes, the console) sleep interruptibly in
// fsys::read_file/write_file. See docs/syscalls/read.md and friends.
#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "fs/device.h"
#include "fs/inode.h"
#include "lib/vector.h"
#include "proc/abi.h"
#include "syscall/fs_common.h"

namespace charon {

namespace {

// One transfer moves at most MAX_RW_COUNT (Linux's rw_verify_area).
size_t clamp_count(uint64_t count) { return count > kMaxRwCount ? size_t(kMaxRwCount) : size_t(count); }

Result<RefPtr<OpenFile>> file_for(int fd) {
    FsProcess process = TRY(fsys::fs_process());
    return process.fds.get(fd);
}

// Linux checks FMODE_READ/WRITE before anything else about the buffer.
Result<void> check_readable(OpenFile& file) {
    if (file.is_path_only() || (file.status_flags() & O_ACCMODE) == O_WRONLY)
        return EBADF;
    return {};
}
Result<void> check_writable(OpenFile& file) {
    if (file.is_path_only() || (file.status_flags() & O_ACCMODE) == O_RDONLY)
        return EBADF;
    return {};
}

} // namespace

// read(int fd, void* buffer, size_t count)
CHARON_SYSCALL(0, read, sys_read);
static Result<long> sys_read(SyscallArgs const& args) {
    RefPtr<OpenFile> file = TRY(file_for(fsys::arg_int(args, 0)));
    TRY(check_readable(*file));
    TRY(fsys::check_user_range(args.arg[1], args.arg[2]));
    size_t count = clamp_count(args.arg[2]);
    UserIoBuffer buffer(fsys::user_memory(), args.arg[1], count);
    return static_cast<long>(TRY(fsys::read_file(*file, buffer, count)));
}

// write(int fd, const void* buffer, size_t count)
CHARON_SYSCALL(1, write, sys_write);
static Result<long> sys_write(SyscallArgs const& args) {
    RefPtr<OpenFile> file = TRY(file_for(fsys::arg_int(args, 0)));
    TRY(check_writable(*file));
    TRY(fsys::check_user_range(args.arg[1], args.arg[2]));
    size_t count = clamp_count(args.arg[2]);
    UserIoBuffer buffer(fsys::user_memory(), args.arg[1], count);
    return static_cast<long>(TRY(fsys::write_file(*file, buffer, count)));
}

// readv(int fd, const struct iovec* iov, int iovcnt)
CHARON_SYSCALL(19, readv, sys_readv);
static Result<long> sys_readv(SyscallArgs const& args) {
    RefPtr<OpenFile> file = TRY(file_for(fsys::arg_int(args, 0)));
    TRY(check_readable(*file));
    Vector<LinuxIoVec> vectors;
    TRY(fsys::copy_iovecs(vectors, args.arg[1], args.arg[2]));
    UserIoVecBuffer buffer(fsys::user_memory(), vectors.data(), vectors.size());
    return static_cast<long>(TRY(fsys::read_file(*file, buffer, buffer.size())));
}

// writev(int fd, const struct iovec* iov, int iovcnt)
CHARON_SYSCALL(20, writev, sys_writev);
static Result<long> sys_writev(SyscallArgs const& args) {
    RefPtr<OpenFile> file = TRY(file_for(fsys::arg_int(args, 0)));
    TRY(check_writable(*file));
    Vector<LinuxIoVec> vectors;
    TRY(fsys::copy_iovecs(vectors, args.arg[1], args.arg[2]));
    UserIoVecBuffer buffer(fsys::user_memory(), vectors.data(), vectors.size());
    return static_cast<long>(TRY(fsys::write_file(*file, buffer, buffer.size())));
}

// pread64(int fd, void* buffer, size_t count, off_t offset): the file offset
// is neither used nor moved; ESPIPE on pipes and ttys; EINVAL for a negative
// offset.
CHARON_SYSCALL(17, pread64, sys_pread64);
static Result<long> sys_pread64(SyscallArgs const& args) {
    int64_t offset = static_cast<int64_t>(args.arg[3]);
    if (offset < 0)
        return EINVAL; // before the descriptor, as ksys_pread64
    RefPtr<OpenFile> file = TRY(file_for(fsys::arg_int(args, 0)));
    TRY(fsys::check_positional(*file));
    TRY(check_readable(*file));
    TRY(fsys::check_user_range(args.arg[1], args.arg[2]));
    size_t count = clamp_count(args.arg[2]);
    UserIoBuffer buffer(fsys::user_memory(), args.arg[1], count);
    IoContext context; // no waiter: files with a position never block
    return static_cast<long>(TRY(file->read_at(buffer, count, offset, context)));
}

// pwrite64(int fd, const void* buffer, size_t count, off_t offset)
CHARON_SYSCALL(18, pwrite64, sys_pwrite64);
static Result<long> sys_pwrite64(SyscallArgs const& args) {
    int64_t offset = static_cast<int64_t>(args.arg[3]);
    if (offset < 0)
        return EINVAL;
    RefPtr<OpenFile> file = TRY(file_for(fsys::arg_int(args, 0)));
    TRY(fsys::check_positional(*file));
    TRY(check_writable(*file));
    TRY(fsys::check_user_range(args.arg[1], args.arg[2]));
    size_t count = clamp_count(args.arg[2]);
    UserIoBuffer buffer(fsys::user_memory(), args.arg[1], count);
    IoContext context;
    context.file_size_limit = fsys::file_size_limit();
    auto written = file->write_at(buffer, count, offset, context);
    if (context.raise_sigxfsz)
        fsys::send_signal_to_current(proc::SIGXFSZ); // RLIMIT_FSIZE, as write(2)
    if (written.is_error())
        return written.error();
    return static_cast<long>(written.value());
}

// lseek(int fd, off_t offset, int whence)
CHARON_SYSCALL(8, lseek, sys_lseek);
static Result<long> sys_lseek(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    return static_cast<long>(TRY(drivers::root_vfs().lseek(process, fsys::arg_int(args, 0),
                                                           static_cast<int64_t>(args.arg[1]), fsys::arg_int(args, 2))));
}

} // namespace charon
