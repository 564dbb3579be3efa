// read/lseek, getdents64, stat layout, readlink, access, getcwd/chdir and
// character devices on the initramfs root.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <map>
#include <set>

#include "fixtures/fs_fixture.h"
#include "fs/tty.h"
#include "fs/device.h"

using namespace charon;
using namespace charon::test;

using FsOps = FsFixture;

// The layout must be the one the host's libc (glibc, x86_64) reads.
static_assert(sizeof(LinuxStat) == sizeof(struct stat));
static_assert(offsetof(LinuxStat, st_dev) == offsetof(struct stat, st_dev));
static_assert(offsetof(LinuxStat, st_ino) == offsetof(struct stat, st_ino));
static_assert(offsetof(LinuxStat, st_nlink) == offsetof(struct stat, st_nlink));
static_assert(offsetof(LinuxStat, st_mode) == offsetof(struct stat, st_mode));
static_assert(offsetof(LinuxStat, st_uid) == offsetof(struct stat, st_uid));
static_assert(offsetof(LinuxStat, st_gid) == offsetof(struct stat, st_gid));
static_assert(offsetof(LinuxStat, st_rdev) == offsetof(struct stat, st_rdev));
static_assert(offsetof(LinuxStat, st_size) == offsetof(struct stat, st_size));
static_assert(offsetof(LinuxStat, st_blksize) == offsetof(struct stat, st_blksize));
static_assert(offsetof(LinuxStat, st_blocks) == offsetof(struct stat, st_blocks));
static_assert(offsetof(LinuxStat, st_atime_sec) == offsetof(struct stat, st_atim));
static_assert(offsetof(LinuxStat, st_mtime_sec) == offsetof(struct stat, st_mtim));
static_assert(offsetof(LinuxStat, st_ctime_nsec) == offsetof(struct stat, st_ctim) + 8);

namespace {

struct Dirent {
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    uint8_t type;
    std::string name;
};

std::vector<Dirent> parse_dirents(const uint8_t* buffer, size_t length) {
    std::vector<Dirent> out;
    size_t position = 0;
    while (position < length) {
        Dirent d;
        std::memcpy(&d.ino, buffer + position, 8);
        std::memcpy(&d.off, buffer + position + 8, 8);
        std::memcpy(&d.reclen, buffer + position + 16, 2);
        d.type = buffer[position + 18];
        d.name = reinterpret_cast<const char*>(buffer + position + 19);
        EXPECT_EQ(d.reclen % 8, 0);
        EXPECT_GE(d.reclen, 19 + d.name.size() + 1);
        EXPECT_LT(d.reclen, 19 + d.name.size() + 1 + 8);
        position += d.reclen;
        out.push_back(d);
    }
    EXPECT_EQ(position, length);
    return out;
}

class FakeConsole final : public CharDevice {
public:
    Result<size_t> read(OpenFile& file, IoBuffer& buffer, size_t length, IoContext& context) override {
        if (input.empty()) {
            if (!file.is_nonblocking())
                context.enqueue(queue, lock);
            return EAGAIN;
        }
        size_t n = std::min(length, input.size());
        TRY(buffer.copy_to(0, input.data(), n));
        input.erase(0, n);
        return n;
    }
    Result<size_t> write(OpenFile&, const IoBuffer& buffer, size_t length, IoContext&) override {
        std::string chunk(length, '\0');
        TRY(buffer.copy_from(0, chunk.data(), length));
        output += chunk;
        return length;
    }
    std::string input, output;
    WaitQueue queue;
    Spinlock lock{"FakeConsole", LockRank::Console};
};

} // namespace

TEST_F(FsOps, ReadAndSeekRegularFile) {
    int fd = open("/etc/passwd", O_RDONLY).value();
    EXPECT_EQ(read_all(fd), "root:x:0:0:root:/root:/bin/sh\n");
    auto file = fds->get(fd).value();
    EXPECT_EQ(file->seek(0, SEEK_CUR).value(), 30);
    EXPECT_EQ(file->seek(-3, SEEK_END).value(), 27);
    EXPECT_EQ(read_all(fd), "sh\n");
    EXPECT_EQ(file->seek(5, SEEK_SET).value(), 5);
    EXPECT_EQ(file->seek(2, SEEK_CUR).value(), 7);
    EXPECT_ERRNO(file->seek(-1, SEEK_SET), EINVAL);
    EXPECT_ERRNO(file->seek(-100, SEEK_CUR), EINVAL);
    EXPECT_ERRNO(file->seek(0, 7), EINVAL);
    EXPECT_EQ(file->seek(7, SEEK_CUR).value(), 14); // the failed seeks moved nothing
    // Past the end is allowed; reads there return 0.
    EXPECT_EQ(file->seek(1000, SEEK_SET).value(), 1000);
    EXPECT_EQ(read_all(fd), "");
    EXPECT_EQ(file->seek(3, SEEK_DATA).value(), 3);
    EXPECT_EQ(file->seek(3, SEEK_HOLE).value(), 30);
    EXPECT_ERRNO(file->seek(30, SEEK_DATA), ENXIO);
    // Writing to a read-only descriptor.
    char c = 'x';
    KernelIoBuffer io(&c, 1);
    IoContext context;
    EXPECT_ERRNO(file->write(io, 1, context), EBADF);
    // A read into a bad buffer is EFAULT and leaves the offset.
    file->seek(0, SEEK_SET).value();
    KernelIoBuffer tiny(&c, 1);
    EXPECT_EQ(file->read(tiny, 1, context).value(), 1u);
    EXPECT_EQ(c, 'r');
    auto empty = open("/home/user/empty", O_RDONLY).value();
    EXPECT_EQ(read_all(empty), "");
}

TEST_F(FsOps, ReadingADirectoryIsEisdir) {
    int fd = open("/etc", O_RDONLY).value();
    char buffer[8];
    KernelIoBuffer io(buffer, sizeof buffer);
    IoContext context;
    EXPECT_ERRNO(fds->get(fd).value()->read(io, sizeof buffer, context), EISDIR);
}

TEST_F(FsOps, StatFields) {
    auto st = stat("/home/user/own").value();
    EXPECT_EQ(st.st_mode, S_IFREG | 0600);
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_gid, 1000u);
    EXPECT_EQ(st.st_nlink, 1u);
    EXPECT_EQ(st.st_size, 4);
    EXPECT_EQ(st.st_blksize, 4096);
    EXPECT_EQ(st.st_blocks, 8);
    EXPECT_EQ(st.st_dev, stat("/").value().st_dev);
    auto etc = stat("/etc").value();
    EXPECT_EQ(etc.st_nlink, 3u); // ".", its name, private/..
    // Every inode number is distinct.
    std::set<uint64_t> inos;
    for (const char* p : {"/", "/etc", "/etc/passwd", "/bin", "/bin/sh", "/dev", "/dev/null", "/lnk_abs"})
        EXPECT_TRUE(inos.insert(stat(p, AT_SYMLINK_NOFOLLOW).value().st_ino).second) << p;
}

TEST_F(FsOps, Getdents64ListsResumesAndRewinds) {
    int fd = open("/etc", O_RDONLY | O_DIRECTORY).value();
    auto p = process();
    uint8_t buffer[4096];
    KernelIoBuffer io(buffer, sizeof buffer);
    size_t n = vfs.getdents64(p, fd, io, sizeof buffer).value();
    auto entries = parse_dirents(buffer, n);
    std::map<std::string, Dirent> by_name;
    for (auto& e : entries)
        by_name[e.name] = e;
    ASSERT_EQ(entries.size(), 6u);
    EXPECT_EQ(entries[0].name, ".");
    EXPECT_EQ(entries[1].name, "..");
    EXPECT_EQ(by_name["."].ino, stat("/etc").value().st_ino);
    EXPECT_EQ(by_name[".."].ino, stat("/").value().st_ino);
    EXPECT_EQ(by_name["passwd"].type, charon::DT_REG);
    EXPECT_EQ(by_name["rel"].type, charon::DT_LNK);
    EXPECT_EQ(by_name["private"].type, charon::DT_DIR);
    EXPECT_EQ(by_name["passwd"].ino, stat("/etc/passwd").value().st_ino);
    // At the end: 0.
    EXPECT_EQ(vfs.getdents64(p, fd, io, sizeof buffer).value(), 0u);

    // One record at a time gives the same sequence, each d_off resuming.
    ASSERT_EQ(vfs.lseek(p, fd, 0, SEEK_SET).value(), 0);
    std::vector<std::string> names;
    for (;;) {
        size_t got = vfs.getdents64(p, fd, io, 32).value();
        if (!got)
            break;
        auto one = parse_dirents(buffer, got);
        ASSERT_EQ(one.size(), 1u);
        names.push_back(one[0].name);
    }
    ASSERT_EQ(names.size(), entries.size());
    for (size_t i = 0; i < names.size(); ++i)
        EXPECT_EQ(names[i], entries[i].name);

    // Seeking to an entry's d_off resumes after it.
    ASSERT_FALSE(vfs.lseek(p, fd, entries[2].off, SEEK_SET).is_error());
    n = vfs.getdents64(p, fd, io, sizeof buffer).value();
    auto rest = parse_dirents(buffer, n);
    ASSERT_EQ(rest.size(), 3u);
    EXPECT_EQ(rest[0].name, entries[3].name);

    // Too small for one record: EINVAL, and the position is kept.
    ASSERT_FALSE(vfs.lseek(p, fd, 0, SEEK_SET).is_error());
    EXPECT_ERRNO(vfs.getdents64(p, fd, io, 23), EINVAL);
    EXPECT_EQ(vfs.getdents64(p, fd, io, 24).value(), 24u); // "." fits exactly
    EXPECT_ERRNO(vfs.lseek(p, fd, 0, SEEK_END), EINVAL);

    int file = open("/etc/passwd", O_RDONLY).value();
    EXPECT_ERRNO(vfs.getdents64(p, file, io, sizeof buffer), ENOTDIR);
    EXPECT_ERRNO(vfs.getdents64(p, 77, io, sizeof buffer), EBADF);
}

TEST_F(FsOps, GetdentsFaultsOnBadBuffer) {
    struct Faulty final : IoBuffer {
        size_t size() const override { return 4096; }
        Result<void> copy_to(size_t, const void*, size_t) override { return EFAULT; }
        Result<void> copy_from(size_t, void*, size_t) const override { return EFAULT; }
    } faulty;
    int fd = open("/etc", O_RDONLY).value();
    auto p = process();
    EXPECT_ERRNO(vfs.getdents64(p, fd, faulty, 4096), EFAULT);
}

TEST_F(FsOps, Readlink) {
    auto p = process();
    char buffer[64];
    std::memset(buffer, '#', sizeof buffer);
    KernelIoBuffer io(buffer, sizeof buffer);
    EXPECT_EQ(vfs.readlink_at(p, AT_FDCWD, "/lnk_abs", io, sizeof buffer).value(), 11u);
    EXPECT_EQ(std::string(buffer, 12), "/etc/passwd#"); // no NUL written
    std::memset(buffer, '#', sizeof buffer);
    EXPECT_EQ(vfs.readlink_at(p, AT_FDCWD, "/lnk_abs", io, 4).value(), 4u); // truncated
    EXPECT_EQ(std::string(buffer, 5), "/etc#");
    EXPECT_ERRNO(vfs.readlink_at(p, AT_FDCWD, "/etc/passwd", io, sizeof buffer), EINVAL);
    EXPECT_ERRNO(vfs.readlink_at(p, AT_FDCWD, "/lnk_abs", io, 0), EINVAL);
    EXPECT_ERRNO(vfs.readlink_at(p, AT_FDCWD, "/nope", io, sizeof buffer), ENOENT);
    // The last component is not followed, earlier ones are.
    EXPECT_EQ(vfs.readlink_at(p, AT_FDCWD, "/lnk_dir/rel", io, sizeof buffer).value(), 6u);
    EXPECT_ERRNO(vfs.readlink_at(p, AT_FDCWD, "", io, sizeof buffer), ENOENT);
}

TEST_F(FsOps, Access) {
    auto p = process();
    EXPECT_FALSE(vfs.access_at(p, AT_FDCWD, "/etc/passwd", F_OK, 0).is_error());
    EXPECT_FALSE(vfs.access_at(p, AT_FDCWD, "/etc/passwd", R_OK, 0).is_error());
    EXPECT_FALSE(vfs.access_at(p, AT_FDCWD, "/etc/passwd", W_OK, 0).is_error());
    EXPECT_FALSE(vfs.access_at(p, AT_FDCWD, "/etc", W_OK, 0).is_error());
    EXPECT_FALSE(vfs.access_at(p, AT_FDCWD, "/dev/null", W_OK, 0).is_error());
    // Root may execute only what has an execute bit.
    EXPECT_ERRNO(vfs.access_at(p, AT_FDCWD, "/etc/passwd", X_OK, 0), EACCES);
    EXPECT_FALSE(vfs.access_at(p, AT_FDCWD, "/bin/sh", X_OK, 0).is_error());
    EXPECT_FALSE(vfs.access_at(p, AT_FDCWD, "/noexec", X_OK, 0).is_error());
    EXPECT_ERRNO(vfs.access_at(p, AT_FDCWD, "/nope", F_OK, 0), ENOENT);
    EXPECT_ERRNO(vfs.access_at(p, AT_FDCWD, "/etc/passwd", 8, 0), EINVAL);
    EXPECT_ERRNO(vfs.access_at(p, AT_FDCWD, "/etc/passwd", F_OK, 0x1), EINVAL);
    EXPECT_FALSE(vfs.access_at(p, AT_FDCWD, "/dangling", F_OK, AT_SYMLINK_NOFOLLOW).is_error());
    EXPECT_ERRNO(vfs.access_at(p, AT_FDCWD, "/dangling", F_OK, 0), ENOENT);

    // Real ids by default, effective ids with AT_EACCESS.
    credentials = Credentials::user(1000, 1000);
    credentials.euid = 0;
    auto q = process();
    EXPECT_ERRNO(vfs.access_at(q, AT_FDCWD, "/etc/secret", R_OK, 0), EACCES);
    EXPECT_FALSE(vfs.access_at(q, AT_FDCWD, "/etc/secret", R_OK, AT_EACCESS).is_error());
    EXPECT_ERRNO(vfs.access_at(q, AT_FDCWD, "/etc/private/key", F_OK, 0), EACCES); // the walk too
    EXPECT_FALSE(vfs.access_at(q, AT_FDCWD, "/home/user/own", R_OK, 0).is_error());
}

TEST_F(FsOps, GetcwdAndChdir) {
    auto p = process();
    char buffer[64];
    KernelIoBuffer io(buffer, sizeof buffer);
    EXPECT_EQ(vfs.getcwd(p, io, sizeof buffer).value(), 2u);
    EXPECT_STREQ(buffer, "/");
    ASSERT_FALSE(vfs.chdir(p, "/lnk_dir/private").is_error());
    EXPECT_EQ(vfs.getcwd(p, io, sizeof buffer).value(), 13u);
    EXPECT_STREQ(buffer, "/etc/private");
    EXPECT_ERRNO(vfs.getcwd(p, io, 12), ERANGE);
    EXPECT_EQ(vfs.getcwd(p, io, 13).value(), 13u);
    EXPECT_ERRNO(vfs.getcwd(p, io, 0), ERANGE);
    // Relative paths now start here.
    EXPECT_FALSE(stat("key").is_error());
    EXPECT_FALSE(stat("../passwd").is_error());
    ASSERT_FALSE(vfs.chdir(p, "..").is_error());
    EXPECT_EQ(vfs.getcwd(p, io, sizeof buffer).value(), 5u);
    EXPECT_ERRNO(vfs.chdir(p, "/etc/passwd"), ENOTDIR);
    EXPECT_ERRNO(vfs.chdir(p, "/nope"), ENOENT);
    credentials = Credentials::user(1000, 1000);
    EXPECT_ERRNO(vfs.chdir(p, "/noexec"), EACCES);
    EXPECT_ERRNO(vfs.chdir(p, "private"), EACCES);
    credentials = Credentials::root();
    int bin = open("/bin", O_RDONLY).value();
    int sh = open("/bin/sh", O_RDONLY).value();
    ASSERT_FALSE(vfs.fchdir(p, bin).is_error());
    EXPECT_STREQ((vfs.getcwd(p, io, sizeof buffer).value(), buffer), "/bin");
    EXPECT_ERRNO(vfs.fchdir(p, sh), ENOTDIR);
    EXPECT_ERRNO(vfs.fchdir(p, 99), EBADF);
}

TEST_F(FsOps, DevNull) {
    int fd = open("/dev/null", O_RDWR).value();
    auto file = fds->get(fd).value();
    char buffer[16] = "unchanged";
    KernelIoBuffer io(buffer, sizeof buffer);
    IoContext context;
    EXPECT_EQ(file->read(io, sizeof buffer, context).value(), 0u);
    EXPECT_STREQ(buffer, "unchanged");
    EXPECT_EQ(file->write(io, 10, context).value(), 10u);
    EXPECT_EQ(file->seek(100, SEEK_SET).value(), 0);
}

TEST_F(FsOps, ConsoleNeedsADriver) {
    EXPECT_ERRNO(open("/dev/console", O_RDWR), ENXIO);
    FakeConsole console;
    ASSERT_FALSE(register_char_device(kConsoleMajor, kConsoleMinor, console).is_error());
    EXPECT_ERRNO(register_char_device(kConsoleMajor, kConsoleMinor, console), EBUSY);
    {
        int fd = open("/dev/console", O_RDWR).value();
        auto file = fds->get(fd).value();
        const char hello[] = "hello";
        KernelIoBuffer out(hello, 5);
        IoContext context;
        EXPECT_EQ(file->write(out, 5, context).value(), 5u);
        EXPECT_EQ(console.output, "hello");
        EXPECT_ERRNO(file->seek(0, SEEK_SET), ESPIPE);
        // A read with no input enqueues the waiter; input plus a wake lets
        // the retry succeed.
        char buffer[8];
        KernelIoBuffer in(buffer, sizeof buffer);
        Waiter waiter;
        IoContext wait_context;
        wait_context.waiter = &waiter;
        EXPECT_ERRNO(file->read(in, sizeof buffer, wait_context), EAGAIN);
        EXPECT_EQ(wait_context.queued_on, &console.queue);
        EXPECT_TRUE(console.queue.has_waiters());
        console.input = "ls\n";
        console.queue.wake_all();
        EXPECT_TRUE(waiter.woken);
        wait_context.cancel_wait();
        IoContext retry;
        EXPECT_EQ(file->read(in, sizeof buffer, retry).value(), 3u);
        ASSERT_FALSE(fds->close(fd).is_error());
    }
    unregister_char_device(kConsoleMajor, kConsoleMinor);
    EXPECT_ERRNO(open("/dev/console", O_RDWR), ENXIO);
}

namespace {
std::string g_console_output;
void capture(void*, const char* chars, size_t length) { g_console_output.append(chars, length); }
} // namespace

// The terminal device as a file (no host: no job control), in raw mode;
// the line discipline itself is tested in test_tty.cpp.
TEST_F(FsOps, TtyDeviceOverASink) {
    TtyDevice console(capture, nullptr);
    KernelTermios raw = console.termios();
    raw.c_lflag = 0;
    raw.c_iflag = 0;
    console.set_termios(raw, false);
    ASSERT_FALSE(register_char_device(kConsoleMajor, kConsoleMinor, console).is_error());
    {
        int fd = open("/dev/console", O_RDWR).value();
        auto file = fds->get(fd).value();
        g_console_output.clear();
        std::string big(1000, 'q');
        KernelIoBuffer out(big.data(), big.size());
        IoContext context;
        EXPECT_EQ(file->write(out, big.size(), context).value(), 1000u); // several sink chunks
        EXPECT_EQ(g_console_output, big);

        // Input: a blocking read waits, push_input wakes it.
        char buffer[8];
        KernelIoBuffer in(buffer, sizeof buffer);
        Waiter waiter;
        IoContext wait;
        wait.waiter = &waiter;
        EXPECT_ERRNO(file->read(in, sizeof buffer, wait), EAGAIN);
        EXPECT_EQ(wait.queued_on, &console.input_queue());
        console.push_input("echo hi\n", 8);
        EXPECT_TRUE(waiter.woken);
        wait.cancel_wait();
        IoContext retry;
        EXPECT_EQ(file->read(in, 5, retry).value(), 5u);
        EXPECT_EQ(std::string(buffer, 5), "echo ");
        EXPECT_EQ(file->read(in, 8, retry).value(), 3u);
        EXPECT_EQ(std::string(buffer, 3), "hi\n");
        IoContext none;
        EXPECT_EQ(console.poll(*file, none), POLLOUT | POLLWRNORM);
        Waiter poller;
        IoContext poll_context;
        poll_context.waiter = &poller;
        EXPECT_EQ(console.poll(*file, poll_context), POLLOUT | POLLWRNORM);
        console.push_input("k", 1);
        EXPECT_TRUE(poller.woken);
        poll_context.cancel_wait();
        EXPECT_EQ(console.poll(*file, none), POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
        EXPECT_EQ(file->read(in, 8, retry).value(), 1u);
        // Overrun: what does not fit is dropped.
        std::string flood(LineDiscipline::kBufferSize + 10, 'f');
        console.push_input(flood.data(), flood.size());
        EXPECT_EQ(console.input_count(), LineDiscipline::kBufferSize);
        // O_NONBLOCK with no input: EAGAIN without enqueueing.
        std::string drain(LineDiscipline::kBufferSize, '\0');
        KernelIoBuffer all(drain.data(), drain.size());
        size_t drained = 0;
        while (drained < LineDiscipline::kBufferSize)
            drained += file->read(all, drain.size(), retry).value();
        file->set_status_flags(O_NONBLOCK);
        Waiter unused;
        IoContext nonblocking;
        nonblocking.waiter = &unused;
        EXPECT_ERRNO(file->read(in, 1, nonblocking), EAGAIN);
        EXPECT_EQ(nonblocking.queued_on, nullptr);
        ASSERT_FALSE(fds->close(fd).is_error());
    }
    unregister_char_device(kConsoleMajor, kConsoleMinor);
}

TEST_F(FsOps, PositionalReadsLeaveTheOffset) {
    int fd = open("/etc/passwd", O_RDONLY).value();
    auto file = fds->get(fd).value();
    char buffer[8];
    KernelIoBuffer io(buffer, sizeof buffer);
    IoContext context;
    EXPECT_EQ(file->read_at(io, 4, 5, context).value(), 4u);
    EXPECT_EQ(std::string(buffer, 4), "x:0:");
    EXPECT_EQ(file->offset(), 0u);
    EXPECT_EQ(file->read_at(io, 8, 28, context).value(), 2u); // short at the end
    EXPECT_EQ(file->read_at(io, 8, 1000, context).value(), 0u);
    EXPECT_ERRNO(file->read_at(io, 8, -1, context), EINVAL);
    EXPECT_ERRNO(file->write_at(io, 1, 0, context), EBADF);
    int dir = open("/etc", O_RDONLY).value();
    EXPECT_ERRNO(fds->get(dir).value()->read_at(io, 8, 0, context), EISDIR);
    int null = open("/dev/null", O_RDWR).value();
    EXPECT_EQ(fds->get(null).value()->read_at(io, 8, 100, context).value(), 0u);
    EXPECT_EQ(fds->get(null).value()->write_at(io, 8, 100, context).value(), 8u);
    auto p = process();
    int pipe_fds[2];
    ASSERT_FALSE(vfs.pipe2(p, pipe_fds, 0).is_error());
    EXPECT_ERRNO(fds->get(pipe_fds[0]).value()->read_at(io, 8, 0, context), ESPIPE);
    EXPECT_ERRNO(fds->get(pipe_fds[1]).value()->write_at(io, 8, 0, context), ESPIPE);
    FakeConsole console;
    ASSERT_FALSE(register_char_device(kConsoleMajor, kConsoleMinor, console).is_error());
    int tty = open("/dev/console", O_RDWR).value();
    EXPECT_ERRNO(fds->get(tty).value()->read_at(io, 8, 0, context), ESPIPE);
    ASSERT_FALSE(fds->close(tty).is_error());
    unregister_char_device(kConsoleMajor, kConsoleMinor);
}

TEST_F(FsOps, EmptyPathForms) {
    auto p = process();
    ASSERT_FALSE(vfs.chdir(p, "/etc").is_error());
    // newfstatat(AT_FDCWD, "", AT_EMPTY_PATH) is the cwd.
    EXPECT_EQ(stat("", AT_EMPTY_PATH).value().st_ino, stat("/etc").value().st_ino);
    int fd = open("/etc/passwd", O_PATH).value();
    EXPECT_FALSE(vfs.access_at(p, fd, "", R_OK, AT_EMPTY_PATH).is_error());
    EXPECT_ERRNO(vfs.access_at(p, fd, "", R_OK, 0), ENOENT);
    EXPECT_FALSE(vfs.access_at(p, fd, "", W_OK, AT_EMPTY_PATH).is_error());
    EXPECT_FALSE(vfs.access_at(p, AT_FDCWD, "", X_OK, AT_EMPTY_PATH).is_error());
    EXPECT_ERRNO(vfs.access_at(p, 99, "", F_OK, AT_EMPTY_PATH), EBADF);
}

TEST_F(FsOps, GetcwdOfARemovedDirectory) {
    auto p = process();
    ASSERT_FALSE(vfs.chdir(p, "/home/user").is_error());
    // What rmdir of the cwd will do (the writable root): detach it.
    auto home = vfs.resolve(credentials, *vfs.root(), "/home", true).value();
    ASSERT_FALSE(home->remove_entry("user").is_error());
    EXPECT_EQ(cwd->nlink(), 1u);
    char buffer[64];
    KernelIoBuffer io(buffer, sizeof buffer);
    EXPECT_ERRNO(vfs.getcwd(p, io, sizeof buffer), ENOENT);
    // The files inside still work, and ".." still leads to the old parent
    // (Linux: `cd ..` works from a removed directory).
    EXPECT_FALSE(stat("own").is_error());
    EXPECT_EQ(stat("..").value().st_ino, home->ino());
    home = nullptr;
    ASSERT_FALSE(vfs.chdir(p, "..").is_error());
    EXPECT_EQ(vfs.getcwd(p, io, sizeof buffer).value(), 6u);
    EXPECT_STREQ(buffer, "/home");
}

TEST_F(FsOps, DirentTypesOfEveryKind) {
    int fd = open("/", O_RDONLY).value();
    auto p = process();
    uint8_t buffer[8192];
    KernelIoBuffer io(buffer, sizeof buffer);
    size_t n = vfs.getdents64(p, fd, io, sizeof buffer).value();
    std::map<std::string, uint8_t> types;
    for (auto& d : parse_dirents(buffer, n))
        types[d.name] = d.type;
    EXPECT_EQ(types["fifo"], charon::DT_FIFO);
    EXPECT_EQ(types["blockdev"], charon::DT_BLK);
    EXPECT_EQ(types["lnk_abs"], charon::DT_LNK);
    EXPECT_EQ(types["dev"], charon::DT_DIR);
    int dev = open("/dev", O_RDONLY).value();
    n = vfs.getdents64(p, dev, io, sizeof buffer).value();
    for (auto& d : parse_dirents(buffer, n)) {
        if (d.name == "null" || d.name == "console") {
            EXPECT_EQ(d.type, charon::DT_CHR) << d.name;
        }
    }
    EXPECT_EQ(stat("/fifo").value().st_mode, S_IFIFO | 0644);
    EXPECT_EQ(stat("/blockdev").value().st_rdev, 0x800u);
}
