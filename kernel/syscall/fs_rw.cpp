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

// Linux's access_ok(): the whole range must lie below TASK_SIZE_MAX, or the
// call is EFAULT before anything is transferred (read(fd, buf, SIZE_MAX) is
// EFAULT even on an empty file).
constexpr uint64_t kTaskSizeMax = 0x00007ffffffff000;
Result<void> check_user_range(uint64_t address, uint64_t count) {
    if (address > kTaskSizeMax || count > kTaskSizeMax - address)
        return EFAULT;
    return {};
}

// The iovec array, copied in and validated like import_iovec (EINVAL past
// UIO_MAXIOV or for a length that does not fit in ssize_t, EFAULT for the
// array itself, and for a segment not below TASK_SIZE_MAX).
Result<void> copy_iovecs(Vector<LinuxIoVec>& vectors, uint64_t user_vectors, uint64_t count) {
    if (count > UIO_MAXIOV)
        return EINVAL;
    if (count == 0)
        return {};
    TRY(vectors.try_resize(count));
    TRY(copy_from_user(vectors.data(), user_vectors, count * sizeof(LinuxIoVec)));
    TRY(UserIoVecBuffer::validate(vectors.data(), count));
    // Linux also refuses a total that overflows ssize_t.
    uint64_t total = 0;
    for (size_t i = 0; i < count; ++i) {
        total += vectors[i].length;
        if (total > uint64_t(INT64_MAX))
            return EINVAL;
    }
    // Then access_ok() on every segment, empty ones included: a kernel
    // address with length 0 is EFAULT (checked on the host).
    for (size_t i = 0; i < count; ++i)
        TRY(check_user_range(vectors[i].base, vectors[i].length));
    return {};
}

// FMODE_PREAD/PWRITE: pipes and ttys have no position (ESPIPE, checked
// before the access mode); O_PATH descriptors are EBADF.
Result<void> check_positional(OpenFile& file) {
    if (file.is_path_only())
        return EBADF;
    Inode& inode = file.inode();
    if (inode.type() == InodeType::Fifo || inode.type() == InodeType::Socket)
        return ESPIPE;
    if (inode.type() == InodeType::CharDevice) {
        CharDevice* device = find_char_device(inode.rdev_major(), inode.rdev_minor());
        bool positional = device ? device->is_positional() : false;
        if (!positional)
            return ESPIPE;
    }
    return {};
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
    TRY(check_user_range(args.arg[1], args.arg[2]));
    size_t count = clamp_count(args.arg[2]);
    UserIoBuffer buffer(fsys::user_memory(), args.arg[1], count);
    return static_cast<long>(TRY(fsys::read_file(*file, buffer, count)));
}

// write(int fd, const void* buffer, size_t count)
CHARON_SYSCALL(1, write, sys_write);
static Result<long> sys_write(SyscallArgs const& args) {
    RefPtr<OpenFile> file = TRY(file_for(fsys::arg_int(args, 0)));
    TRY(check_writable(*file));
    TRY(check_user_range(args.arg[1], args.arg[2]));
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
    TRY(copy_iovecs(vectors, args.arg[1], args.arg[2]));
    UserIoVecBuffer buffer(fsys::user_memory(), vectors.data(), vectors.size());
    return static_cast<long>(TRY(fsys::read_file(*file, buffer, buffer.size())));
}

// writev(int fd, const struct iovec* iov, int iovcnt)
CHARON_SYSCALL(20, writev, sys_writev);
static Result<long> sys_writev(SyscallArgs const& args) {
    RefPtr<OpenFile> file = TRY(file_for(fsys::arg_int(args, 0)));
    TRY(check_writable(*file));
    Vector<LinuxIoVec> vectors;
    TRY(copy_iovecs(vectors, args.arg[1], args.arg[2]));
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
    TRY(check_positional(*file));
    TRY(check_readable(*file));
    TRY(check_user_range(args.arg[1], args.arg[2]));
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
    TRY(check_positional(*file));
    TRY(check_writable(*file));
    TRY(check_user_range(args.arg[1], args.arg[2]));
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
