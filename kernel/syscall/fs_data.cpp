// The data side of regular files: truncate(2), ftruncate(2), fsync(2),
// fdatasync(2), sync(2), syncfs(2), fadvise64(2), preadv(2), pwritev(2),
// preadv2(2), pwritev2(2), sendfile(2), copy_file_range(2). The bytes live
// in fs/page_store.h; memory is the only storage, so the sync family has
// nothing to flush and only checks its arguments. docs/syscalls/NAME.md.
#include <new>

#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "fs/device.h"
#include "fs/inode.h"
#include "fs/page_store.h"
#include "lib/vector.h"
#include "proc/abi.h"
#include "syscall/fs_common.h"

namespace charon {

namespace {

// A descriptor as Linux's fdget() sees it: O_PATH descriptors are EBADF.
Result<RefPtr<OpenFile>> file_for(int fd) {
    FsProcess process = TRY(fsys::fs_process());
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    if (file->is_path_only())
        return EBADF;
    return file;
}

bool is_readable(const OpenFile& file) { return (file.status_flags() & O_ACCMODE) != O_WRONLY; }
bool is_writable(const OpenFile& file) { return (file.status_flags() & O_ACCMODE) != O_RDONLY; }

// Truncation to `length`, with RLIMIT_FSIZE: growing past it is EFBIG and
// SIGXFSZ (Linux's inode_newsize_ok).
Result<void> truncate_inode(Inode& inode, uint64_t length) {
    uint64_t limit = fsys::file_size_limit();
    auto result = inode.truncate(length, limit);
    if (result.is_error() && result.error().code() == EFBIG && length > limit && limit < kMaxFileSize)
        fsys::send_signal_to_current(proc::SIGXFSZ);
    return result;
}

// The position argument of preadv/pwritev: Linux builds it from two longs
// (pos_from_hilo); on 64-bit the high half is shifted out entirely.
int64_t position_argument(uint64_t low) { return static_cast<int64_t>(low); }

// RWF_* of preadv2/pwritev2.
constexpr int RWF_HIPRI = 0x1, RWF_DSYNC = 0x2, RWF_SYNC = 0x4, RWF_NOWAIT = 0x8, RWF_APPEND = 0x10,
              RWF_NOAPPEND = 0x20;
constexpr int kSupportedRwf = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND;

// What preadv(2)/pwritev(2) and their -2 forms check before moving a byte,
// in Linux's order: the position, the descriptor, FMODE_PREAD/PWRITE, the
// access mode, the iovec array, then the flags.
Result<RefPtr<OpenFile>> open_vectored(int fd, Vector<LinuxIoVec>& vectors, uint64_t user_vectors, uint64_t count,
                                       int64_t position, bool use_file_position, int rwf, bool for_write) {
    if (!use_file_position && position < 0)
        return EINVAL;
    RefPtr<OpenFile> file = TRY(file_for(fd));
    if (!use_file_position)
        TRY(fsys::check_positional(*file));
    if (!(for_write ? is_writable(*file) : is_readable(*file)))
        return EBADF;
    TRY(fsys::copy_iovecs(vectors, user_vectors, count));
    if (rwf & ~kSupportedRwf)
        return EOPNOTSUPP;
    return file;
}

Result<long> vectored_read(int fd, uint64_t user_vectors, uint64_t count, int64_t position, bool use_file_position,
                           int rwf) {
    Vector<LinuxIoVec> vectors;
    RefPtr<OpenFile> file =
        TRY(open_vectored(fd, vectors, user_vectors, count, position, use_file_position, rwf, false));
    UserIoVecBuffer buffer(fsys::user_memory(), vectors.data(), vectors.size());
    if (use_file_position)
        return static_cast<long>(TRY(fsys::read_file(*file, buffer, buffer.size())));
    IoContext context; // files with a position never block
    return static_cast<long>(TRY(file->read_at(buffer, buffer.size(), position, context)));
}

Result<long> vectored_write(int fd, uint64_t user_vectors, uint64_t count, int64_t position, bool use_file_position,
                            int rwf) {
    Vector<LinuxIoVec> vectors;
    RefPtr<OpenFile> file =
        TRY(open_vectored(fd, vectors, user_vectors, count, position, use_file_position, rwf, true));
    UserIoVecBuffer buffer(fsys::user_memory(), vectors.data(), vectors.size());
    // RWF_APPEND / RWF_NOAPPEND override O_APPEND for this call only.
    int8_t append = -1;
    if (rwf & RWF_APPEND)
        append = 1;
    else if (rwf & RWF_NOAPPEND)
        append = 0;
    if (use_file_position && append < 0)
        return static_cast<long>(TRY(fsys::write_file(*file, buffer, buffer.size())));
    IoContext context;
    context.file_size_limit = fsys::file_size_limit();
    context.append_override = append;
    auto written = [&]() -> Result<size_t> {
        if (use_file_position)
            return file->write(buffer, buffer.size(), context);
        return file->write_at(buffer, buffer.size(), position, context);
    }();
    if (context.raise_sigxfsz)
        fsys::send_signal_to_current(proc::SIGXFSZ);
    if (written.is_error())
        return written.error();
    return static_cast<long>(written.value());
}

// sendfile and copy_file_range: through a kernel buffer, page by page
// group. Reads at `in_position`; writes at `*out_position`, or (null) with
// the output file's own write (blocking on a pipe, SIGPIPE). Returns what
// was written; an error only if nothing was.
constexpr size_t kTransferChunk = 16384;
Result<size_t> transfer(OpenFile& in, uint64_t in_position, OpenFile& out, uint64_t* out_position, size_t count) {
    auto* chunk = new (std::nothrow) uint8_t[kTransferChunk];
    if (!chunk)
        return ENOMEM;
    size_t done = 0;
    Result<void> failure;
    while (done < count) {
        size_t want = count - done < kTransferChunk ? count - done : kTransferChunk;
        KernelIoBuffer buffer(chunk, want);
        IoContext read_context;
        auto got = in.read_at(buffer, want, static_cast<int64_t>(in_position + done), read_context);
        if (got.is_error()) {
            failure = got.error();
            break;
        }
        if (got.value() == 0)
            break;
        KernelIoBuffer source(static_cast<const void*>(chunk), got.value());
        auto put = [&]() -> Result<size_t> {
            if (!out_position)
                return fsys::write_file(out, source, got.value());
            IoContext write_context;
            write_context.file_size_limit = fsys::file_size_limit();
            auto written = out.write_at(source, got.value(), static_cast<int64_t>(*out_position + done),
                                        write_context);
            if (write_context.raise_sigxfsz && done == 0)
                fsys::send_signal_to_current(proc::SIGXFSZ);
            return written;
        }();
        if (put.is_error()) {
            failure = put.error();
            break;
        }
        done += put.value();
        if (put.value() < got.value())
            break;
    }
    delete[] chunk;
    if (done == 0 && failure.is_error())
        return failure.error();
    return done;
}

size_t clamp_count(uint64_t count) { return count > kMaxRwCount ? size_t(kMaxRwCount) : size_t(count); }

} // namespace

// truncate(const char* path, off_t length)
CHARON_SYSCALL(76, truncate, sys_truncate);
static Result<long> sys_truncate(SyscallArgs const& args) {
    auto length = static_cast<int64_t>(args.arg[1]);
    if (length < 0)
        return EINVAL;
    FsProcess process = TRY(fsys::fs_process());
    fsys::UserPath path;
    TRY(fsys::UserPath::copy_in(path, args.arg[0]));
    Vfs& vfs = drivers::root_vfs();
    RefPtr<Inode> base = TRY(vfs.base_directory(process, AT_FDCWD, path.view()));
    RefPtr<Inode> inode = TRY(vfs.resolve(process.credentials, *base, path.view(), true));
    // Linux's vfs_truncate order: type, read-only mount, permission.
    if (inode->is_directory())
        return EISDIR;
    if (!inode->is_regular())
        return EINVAL;
    if (inode->fs().is_read_only())
        return EROFS;
    TRY(check_permission(*inode, process.credentials, W_OK));
    // A file being executed cannot be truncated (ETXTBSY).
    WriteAccess access = TRY(WriteAccess::get(*inode));
    TRY(truncate_inode(*inode, static_cast<uint64_t>(length)));
    return 0;
}

// ftruncate(int fd, off_t length)
CHARON_SYSCALL(77, ftruncate, sys_ftruncate);
static Result<long> sys_ftruncate(SyscallArgs const& args) {
    auto length = static_cast<int64_t>(args.arg[1]);
    if (length < 0)
        return EINVAL;
    RefPtr<OpenFile> file = TRY(file_for(fsys::arg_int(args, 0)));
    // Linux: not a regular file, or not open for writing, is EINVAL.
    if (!file->inode().is_regular() || !is_writable(*file))
        return EINVAL;
    TRY(truncate_inode(file->inode(), static_cast<uint64_t>(length)));
    return 0;
}

// fsync(int fd), fdatasync(int fd): regular files and directories have
// nothing to flush; files without an fsync operation (pipes, character
// devices) are EINVAL, as on Linux.
static Result<long> do_fsync(int fd) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    if (!file->inode().is_regular() && !file->inode().is_directory())
        return EINVAL;
    return 0;
}

CHARON_SYSCALL(74, fsync, sys_fsync);
static Result<long> sys_fsync(SyscallArgs const& args) { return do_fsync(fsys::arg_int(args, 0)); }

CHARON_SYSCALL(75, fdatasync, sys_fdatasync);
static Result<long> sys_fdatasync(SyscallArgs const& args) { return do_fsync(fsys::arg_int(args, 0)); }

// sync(void): nothing is ever dirty.
CHARON_SYSCALL(162, sync, sys_sync);
static Result<long> sys_sync(SyscallArgs const&) { return 0; }

// syncfs(int fd): any descriptor but O_PATH (its file system is synced).
CHARON_SYSCALL(306, syncfs, sys_syncfs);
static Result<long> sys_syncfs(SyscallArgs const& args) {
    TRY(file_for(fsys::arg_int(args, 0)));
    return 0;
}

// fadvise64(int fd, off_t offset, off_t len, int advice): checked, then
// ignored (memory-backed, as tmpfs: Linux ignores advice there too).
CHARON_SYSCALL(221, fadvise64, sys_fadvise64);
static Result<long> sys_fadvise64(SyscallArgs const& args) {
    RefPtr<OpenFile> file = TRY(file_for(fsys::arg_int(args, 0)));
    if (file->inode().type() == InodeType::Fifo)
        return ESPIPE;
    auto length = static_cast<int64_t>(args.arg[2]);
    int advice = fsys::arg_int(args, 3);
    if (length < 0 || advice < 0 || advice > 5) // POSIX_FADV_NORMAL .. POSIX_FADV_NOREUSE
        return EINVAL;
    return 0;
}

// preadv(int fd, const struct iovec* iov, int iovcnt, long pos_l, long pos_h)
CHARON_SYSCALL(295, preadv, sys_preadv);
static Result<long> sys_preadv(SyscallArgs const& args) {
    return vectored_read(fsys::arg_int(args, 0), args.arg[1], args.arg[2], position_argument(args.arg[3]), false, 0);
}

// pwritev(int fd, const struct iovec* iov, int iovcnt, long pos_l, long pos_h)
CHARON_SYSCALL(296, pwritev, sys_pwritev);
static Result<long> sys_pwritev(SyscallArgs const& args) {
    return vectored_write(fsys::arg_int(args, 0), args.arg[1], args.arg[2], position_argument(args.arg[3]), false,
                          0);
}

// preadv2(fd, iov, iovcnt, pos_l, pos_h, flags): position -1 is readv's
// (the file position, moved).
CHARON_SYSCALL(327, preadv2, sys_preadv2);
static Result<long> sys_preadv2(SyscallArgs const& args) {
    int64_t position = position_argument(args.arg[3]);
    return vectored_read(fsys::arg_int(args, 0), args.arg[1], args.arg[2], position, position == -1,
                         fsys::arg_int(args, 5));
}

// pwritev2(fd, iov, iovcnt, pos_l, pos_h, flags)
CHARON_SYSCALL(328, pwritev2, sys_pwritev2);
static Result<long> sys_pwritev2(SyscallArgs const& args) {
    int64_t position = position_argument(args.arg[3]);
    return vectored_write(fsys::arg_int(args, 0), args.arg[1], args.arg[2], position, position == -1,
                          fsys::arg_int(args, 5));
}

// sendfile(int out_fd, int in_fd, off_t* offset, size_t count): in_fd must
// be a file with a position (a regular file, /dev/zero); with `offset` the
// input position is *offset (written back), else in_fd's own, moved.
CHARON_SYSCALL(40, sendfile, sys_sendfile);
static Result<long> sys_sendfile(SyscallArgs const& args) {
    RefPtr<OpenFile> in = TRY(file_for(fsys::arg_int(args, 1)));
    if (!is_readable(*in))
        return EBADF;
    RefPtr<OpenFile> out = TRY(file_for(fsys::arg_int(args, 0)));
    if (!is_writable(*out))
        return EBADF;
    int64_t position;
    if (args.arg[2]) {
        TRY(copy_from_user(&position, args.arg[2], sizeof position));
        TRY(fsys::check_positional(*in));
        if (position < 0)
            return EINVAL;
    } else {
        position = static_cast<int64_t>(in->offset());
    }
    // Linux reads through splice: only files that can (regular files and
    // memory devices here); a pipe or the console as input is EINVAL.
    if (!in->inode().is_regular() && fsys::check_positional(*in).is_error())
        return EINVAL;
    // Into anything but a pipe, O_APPEND is EINVAL (splice's rule).
    if ((out->status_flags() & O_APPEND) && out->inode().type() != InodeType::Fifo)
        return EINVAL;
    size_t count = clamp_count(args.arg[3]);
    size_t moved = TRY(transfer(*in, static_cast<uint64_t>(position), *out, nullptr, count));
    position += static_cast<int64_t>(moved);
    if (args.arg[2])
        TRY(copy_to_user(args.arg[2], &position, sizeof position));
    else
        TRY(in->seek(position, SEEK_SET));
    return static_cast<long>(moved);
}

// copy_file_range(int fd_in, off_t* off_in, int fd_out, off_t* off_out,
// size_t len, unsigned flags): between regular files.
CHARON_SYSCALL(326, copy_file_range, sys_copy_file_range);
static Result<long> sys_copy_file_range(SyscallArgs const& args) {
    if (args.arg[5] != 0)
        return EINVAL;
    RefPtr<OpenFile> in = TRY(file_for(fsys::arg_int(args, 0)));
    RefPtr<OpenFile> out = TRY(file_for(fsys::arg_int(args, 2)));
    int64_t in_position = static_cast<int64_t>(in->offset());
    int64_t out_position = static_cast<int64_t>(out->offset());
    if (args.arg[1])
        TRY(copy_from_user(&in_position, args.arg[1], sizeof in_position));
    if (args.arg[3])
        TRY(copy_from_user(&out_position, args.arg[3], sizeof out_position));
    // Linux's generic_copy_file_checks order: access modes, O_APPEND, types,
    // positions, overlap within one file.
    if (!is_readable(*in) || !is_writable(*out) || (out->status_flags() & O_APPEND))
        return EBADF;
    if (in->inode().is_directory() || out->inode().is_directory())
        return EISDIR;
    if (!in->inode().is_regular() || !out->inode().is_regular())
        return EINVAL;
    if (in_position < 0 || out_position < 0)
        return EINVAL;
    size_t count = clamp_count(args.arg[4]);
    uint64_t in_size = in->inode().size();
    // Nothing past the end of the input: 0 (Linux shortens to the size).
    if (static_cast<uint64_t>(in_position) >= in_size)
        count = 0;
    else if (count > in_size - static_cast<uint64_t>(in_position))
        count = static_cast<size_t>(in_size - static_cast<uint64_t>(in_position));
    if (&in->inode() == &out->inode() && count > 0) {
        uint64_t a = static_cast<uint64_t>(in_position), b = static_cast<uint64_t>(out_position);
        if (a < b + count && b < a + count)
            return EINVAL;
    }
    uint64_t out_at = static_cast<uint64_t>(out_position);
    size_t moved = 0;
    if (count)
        moved = TRY(transfer(*in, static_cast<uint64_t>(in_position), *out, &out_at, count));
    in_position += static_cast<int64_t>(moved);
    out_position += static_cast<int64_t>(moved);
    if (args.arg[1])
        TRY(copy_to_user(args.arg[1], &in_position, sizeof in_position));
    else
        TRY(in->seek(in_position, SEEK_SET));
    if (args.arg[3])
        TRY(copy_to_user(args.arg[3], &out_position, sizeof out_position));
    else
        TRY(out->seek(out_position, SEEK_SET));
    return static_cast<long>(moved);
}

} // namespace charon
