// The file syscalls through the real dispatcher (kernel/syscall/fs_*.cpp,
// pipe.cpp, ioctl.cpp, poll.cpp), from a kernel thread with a test process
// (fsys::set_fs_process_for_tests) and one mapped user page for the
// buffers: results and errnos as Linux gives them, EFAULT for every bad
// pointer, blocking reads and polls woken by another thread, nothing leaked.
#include "arch/x86_64/paging.h"
#include "drivers/root_fs.h"
#include "fs/abi.h"
#include "fs/fd_table.h"
#include "fs/stats.h"
#include "ktest.h"
#include "lib/string_util.h"
#include "mm/frame_allocator.h"
#include "sched/scheduler.h"
#include "sched/wait.h"
#include "syscall/fs_common.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "time/clock.h"

using namespace charon;
using namespace charon::arch;

namespace {

constexpr uint64_t user_page = 0x400000;     // mapped in the test root
constexpr uint64_t unmapped_page = 0x600000; // never mapped
constexpr uint64_t kernel_address = 0xffffffff80000000;

// Syscall numbers (Linux x86_64).
enum : uint64_t {
    NR_read = 0, NR_write = 1, NR_open = 2, NR_close = 3, NR_stat = 4, NR_fstat = 5, NR_lstat = 6, NR_poll = 7,
    NR_lseek = 8, NR_ioctl = 16, NR_pread64 = 17, NR_readv = 19, NR_writev = 20, NR_access = 21, NR_pipe = 22,
    NR_dup = 32, NR_dup2 = 33, NR_fcntl = 72, NR_getcwd = 79, NR_chdir = 80, NR_fchdir = 81, NR_readlink = 89,
    NR_getdents64 = 217, NR_openat = 257, NR_newfstatat = 262, NR_dup3 = 292, NR_pipe2 = 293,
};

long sys(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0) {
    SyscallArgs args{number, {a0, a1, a2, a3, a4, 0}, nullptr};
    return dispatch_syscall(args);
}

// A newc archive for the root when the boot has none (selftest boots run
// before the initramfs is mounted): /bin/hello (regular, "hello, file\n"),
// /link -> bin/hello, /etc (directory). The kernel powers off after the
// self-tests, so mounting it for good is harmless.
class ArchiveBuilder {
public:
    void add(const char* name, uint32_t mode, const char* data) {
        size_t name_size = string_length(name) + 1;
        size_t data_size = data ? string_length(data) : 0;
        const uint32_t fields[13] = {m_ino++, mode, 0, 0, 1, 0, uint32_t(data_size), 0, 0, 0, 0, uint32_t(name_size), 0};
        append("070701", 6);
        for (uint32_t field : fields) {
            static const char hex[] = "0123456789abcdef";
            for (int shift = 28; shift >= 0; shift -= 4)
                append(&hex[(field >> shift) & 0xf], 1);
        }
        append(name, name_size);
        pad();
        if (data_size)
            append(data, data_size);
        pad();
    }
    void finish() { add("TRAILER!!!", 0, nullptr); }
    const uint8_t* bytes() const { return m_bytes; }
    size_t size() const { return m_size; }

private:
    void append(const char* data, size_t length) {
        for (size_t i = 0; i < length && m_size < sizeof(m_bytes); ++i)
            m_bytes[m_size++] = uint8_t(data[i]);
    }
    void pad() {
        while (m_size % 4)
            m_bytes[m_size++] = 0;
    }
    uint8_t m_bytes[1024] = {};
    size_t m_size = 0;
    uint32_t m_ino = 1;
};

ArchiveBuilder g_archive;
constexpr const char* kHelloData = "hello, file\n";

bool ensure_root() {
    if (drivers::root_mounted())
        return true;
    g_archive.add("bin", S_IFDIR | 0755, nullptr);
    g_archive.add("bin/hello", S_IFREG | 0644, kHelloData);
    g_archive.add("link", S_IFLNK | 0777, "bin/hello");
    g_archive.add("etc", S_IFDIR | 0755, nullptr);
    g_archive.finish();
    if (drivers::root_vfs().mount_initramfs(g_archive.bytes(), g_archive.size()).is_error())
        return false;
    drivers::set_root_mounted();
    return true;
}

// A page-table root with one user page, a descriptor table, the root as cwd,
// installed as the process the handlers see.
class TestProcess {
public:
    bool set_up() {
        if (!ensure_root())
            return false;
        auto root = create_root();
        if (root.is_error())
            return false;
        m_root = root.value();
        auto frame = mm::allocate_frame();
        if (frame.is_error() || map_page(m_root, user_page, frame.value(), PageWrite | PageUser).is_error())
            return false;
        sched::set_current_root(m_root);
        auto table = FdTable::try_create();
        if (table.is_error())
            return false;
        m_fds = table.release_value();
        m_cwd = drivers::root_vfs().root();
        m_process = new (std::nothrow) FsProcess{m_credentials, *m_fds, m_cwd, kDefaultNofileLimit};
        if (!m_process)
            return false;
        fsys::set_fs_process_for_tests(m_process);
        return true;
    }
    ~TestProcess() {
        fsys::set_fs_process_for_tests(nullptr);
        delete m_process;
        if (m_fds)
            m_fds->close_all();
        m_fds = nullptr;
        m_cwd = nullptr;
        if (!m_root)
            return;
        sched::set_current_root(0);
        auto frame = unmap_page(m_root, user_page);
        if (!frame.is_error())
            mm::free_frame(frame.value());
        destroy_root(m_root);
    }
    FdTable& fds() { return *m_fds; }

private:
    PhysAddr m_root = 0;
    Credentials m_credentials = Credentials::root();
    RefPtr<FdTable> m_fds;
    RefPtr<Inode> m_cwd;
    FsProcess* m_process = nullptr;
};

// User memory at `offset` in the test page.
uint64_t at(uint64_t offset) { return user_page + offset; }

void put_string(uint64_t address, const char* string) {
    (void)copy_to_user(address, string, string_length(string) + 1);
}

template <typename T>
T get(uint64_t address) {
    T value{};
    (void)copy_from_user(&value, address, sizeof(T));
    return value;
}

struct Baseline {
    uint64_t open_files = fs_stats::live_open_files();
    uint64_t pipes = fs_stats::live_pipes();
};

// A writer on another kernel thread: waits until `reader_sleeping`, then
// writes through the same OpenFile (which wakes the reader).
struct DelayedWriter {
    RefPtr<OpenFile> file;
    volatile bool done = false;
    uint64_t delay_ns = 20'000'000;
};
void delayed_writer(void* argument) {
    auto* writer = static_cast<DelayedWriter*>(argument);
    (void)sched::sleep_for(writer->delay_ns);
    const char byte = 'w';
    KernelIoBuffer buffer(static_cast<const void*>(&byte), 1);
    (void)fsys::write_file(*writer->file, buffer, 1);
    writer->file = nullptr;
    writer->done = true;
}

} // namespace

KERNEL_TEST(fs_syscalls_pipe_round_trip) {
    Baseline baseline;
    {
        TestProcess process;
        KASSERT(process.set_up());
        KASSERT_EQ(sys(NR_pipe, at(0)), 0);
        int read_fd = get<int>(at(0)), write_fd = get<int>(at(4));
        KEXPECT_EQ(read_fd, 0);
        KEXPECT_EQ(write_fd, 1);
        put_string(at(100), "hello, pipe");
        KEXPECT_EQ(sys(NR_write, write_fd, at(100), 11), 11);
        KEXPECT_EQ(sys(NR_read, read_fd, at(200), 5), 5);
        char got[8] = {};
        KASSERT_OK(copy_from_user(got, at(200), 5));
        KEXPECT(string_equal(got, "hello"));
        KEXPECT_EQ(sys(NR_read, read_fd, at(200), 100), 6);
        // Wrong ends, seeking and positional reads.
        KEXPECT_EQ(sys(NR_write, read_fd, at(100), 1), -EBADF);
        KEXPECT_EQ(sys(NR_read, write_fd, at(100), 1), -EBADF);
        KEXPECT_EQ(sys(NR_lseek, read_fd, 0, SEEK_SET), -ESPIPE);
        KEXPECT_EQ(sys(NR_pread64, read_fd, at(100), 1, 0), -ESPIPE);
        KEXPECT_EQ(sys(NR_pread64, read_fd, at(100), 1, uint64_t(-1)), -EINVAL);
        // fstat: a FIFO.
        KEXPECT_EQ(sys(NR_fstat, read_fd, at(512)), 0);
        KEXPECT_EQ(get<LinuxStat>(at(512)).st_mode & S_IFMT, S_IFIFO);
        // F_GETFL: the access mode plus O_LARGEFILE... as Linux shows a pipe (no O_LARGEFILE).
        KEXPECT_EQ(sys(NR_fcntl, read_fd, F_GETFL) & O_ACCMODE, O_RDONLY);
        KEXPECT_EQ(sys(NR_fcntl, write_fd, F_GETFL) & O_ACCMODE, O_WRONLY);
        // No reader left: EPIPE.
        KEXPECT_EQ(sys(NR_close, read_fd), 0);
        KEXPECT_EQ(sys(NR_write, write_fd, at(100), 1), -EPIPE);
        KEXPECT_EQ(sys(NR_close, write_fd), 0);
        KEXPECT_EQ(sys(NR_close, write_fd), -EBADF);
        KEXPECT_EQ(process.fds().open_count(), 0u);
    }
    KEXPECT_EQ(fs_stats::live_open_files(), baseline.open_files);
    KEXPECT_EQ(fs_stats::live_pipes(), baseline.pipes);
}

KERNEL_TEST(fs_syscalls_pipe2_flags_and_eof) {
    Baseline baseline;
    {
        TestProcess process;
        KASSERT(process.set_up());
        KEXPECT_EQ(sys(NR_pipe2, at(0), O_CLOEXEC | O_NONBLOCK), 0);
        int read_fd = get<int>(at(0)), write_fd = get<int>(at(4));
        KEXPECT_EQ(sys(NR_fcntl, read_fd, F_GETFD), FD_CLOEXEC);
        KEXPECT(sys(NR_fcntl, write_fd, F_GETFL) & O_NONBLOCK);
        KEXPECT_EQ(sys(NR_read, read_fd, at(100), 10), -EAGAIN); // empty, writer open, O_NONBLOCK
        KEXPECT_EQ(sys(NR_close, write_fd), 0);
        KEXPECT_EQ(sys(NR_read, read_fd, at(100), 10), 0); // EOF
        KEXPECT_EQ(sys(NR_close, read_fd), 0);
        KEXPECT_EQ(sys(NR_pipe2, at(0), 0x1), -EINVAL); // O_WRONLY is not a pipe2 flag
        KEXPECT_EQ(process.fds().open_count(), 0u);
    }
    KEXPECT_EQ(fs_stats::live_open_files(), baseline.open_files);
    KEXPECT_EQ(fs_stats::live_pipes(), baseline.pipes);
}

KERNEL_TEST(fs_syscalls_bad_pointers_are_efault) {
    Baseline baseline;
    {
        TestProcess process;
        KASSERT(process.set_up());
        // pipe() into memory that is not there: EFAULT, and both descriptors
        // closed again (Linux does the same).
        KEXPECT_EQ(sys(NR_pipe, unmapped_page), -EFAULT);
        KEXPECT_EQ(sys(NR_pipe, kernel_address), -EFAULT);
        KEXPECT_EQ(sys(NR_pipe2, 0, 0), -EFAULT);
        KEXPECT_EQ(process.fds().open_count(), 0u);
        KASSERT_EQ(sys(NR_pipe, at(0)), 0);
        int read_fd = get<int>(at(0)), write_fd = get<int>(at(4));
        KEXPECT_EQ(sys(NR_write, write_fd, unmapped_page, 4), -EFAULT);
        KEXPECT_EQ(sys(NR_write, write_fd, kernel_address, 4), -EFAULT);
        KEXPECT_EQ(sys(NR_write, write_fd, at(4000), 200), -EFAULT); // runs off the page
        KEXPECT_EQ(sys(NR_write, write_fd, at(0), 4), 4);
        KEXPECT_EQ(sys(NR_read, read_fd, unmapped_page, 4), -EFAULT);
        KEXPECT_EQ(sys(NR_read, read_fd, at(0), ~0ull), -EFAULT); // access_ok fails first
        KEXPECT_EQ(sys(NR_read, read_fd, at(0), 4), 4);           // nothing was lost
        // iovec arrays and their buffers.
        KEXPECT_EQ(sys(NR_writev, write_fd, unmapped_page, 1), -EFAULT);
        LinuxIoVec bad[2] = {{at(0), 2}, {unmapped_page, 2}};
        KASSERT_OK(copy_to_user(at(1024), bad, sizeof(bad)));
        KEXPECT_EQ(sys(NR_writev, write_fd, at(1024), 2), -EFAULT);
        KEXPECT_EQ(sys(NR_writev, write_fd, at(1024), 1025), -EINVAL); // > UIO_MAXIOV
        KEXPECT_EQ(sys(NR_writev, write_fd, at(1024), uint64_t(-1)), -EINVAL);
        KEXPECT_EQ(sys(NR_writev, write_fd, unmapped_page, 0), 0);
        // Every segment must be a user range, even an empty one (Linux's access_ok).
        LinuxIoVec empty_kernel[2] = {{kernel_address, 0}, {at(0), 1}};
        KASSERT_OK(copy_to_user(at(1024), empty_kernel, sizeof(empty_kernel)));
        KEXPECT_EQ(sys(NR_writev, write_fd, at(1024), 2), -EFAULT);
        KEXPECT_EQ(sys(NR_read, read_fd, kernel_address, 0), -EFAULT);
        KEXPECT_EQ(sys(NR_read, read_fd, at(0), 0), 0);
        // Paths.
        KEXPECT_EQ(sys(NR_open, unmapped_page, O_RDONLY), -EFAULT);
        KEXPECT_EQ(sys(NR_stat, kernel_address, at(0)), -EFAULT);
        KEXPECT_EQ(sys(NR_chdir, 0), -EFAULT);
        KEXPECT_EQ(sys(NR_stat, at(0), unmapped_page), -ENOENT); // path walked before the copy-out
        put_string(at(0), "/");
        KEXPECT_EQ(sys(NR_stat, at(0), unmapped_page), -EFAULT);
        KEXPECT_EQ(sys(NR_fstat, read_fd, kernel_address), -EFAULT);
        KEXPECT_EQ(sys(NR_getcwd, unmapped_page, 100), -EFAULT);
        KEXPECT_EQ(sys(NR_getdents64, read_fd, unmapped_page, 100), -ENOTDIR);
        KEXPECT_EQ(sys(NR_poll, unmapped_page, 1, 0), -EFAULT);
        KEXPECT_EQ(sys(NR_ioctl, read_fd, 0x541b /* FIONREAD */, unmapped_page), -EFAULT);
        KEXPECT_EQ(sys(NR_close, read_fd), 0);
        KEXPECT_EQ(sys(NR_close, write_fd), 0);
    }
    KEXPECT_EQ(fs_stats::live_open_files(), baseline.open_files);
    KEXPECT_EQ(fs_stats::live_pipes(), baseline.pipes);
}

KERNEL_TEST(fs_syscalls_paths) {
    TestProcess process;
    KASSERT(process.set_up());
    // A path of 4096 bytes without its NUL inside PATH_MAX: ENAMETOOLONG.
    {
        char slashes[256];
        for (char& c : slashes)
            c = '/';
        for (uint64_t offset = 0; offset < page_size; offset += sizeof(slashes))
            KASSERT_OK(copy_to_user(at(offset), slashes, sizeof(slashes)));
        KEXPECT_EQ(sys(NR_open, at(0), O_RDONLY), -ENAMETOOLONG);
        KEXPECT_EQ(sys(NR_access, at(0), 0), -ENAMETOOLONG);
        // 4095 slashes and a NUL: a valid (long) name for "/".
        char nul = 0;
        KASSERT_OK(copy_to_user(at(page_size - 1), &nul, 1));
        KEXPECT_EQ(sys(NR_access, at(0), 0), 0);
    }
    put_string(at(0), "/");
    KEXPECT_EQ(sys(NR_stat, at(0), at(512)), 0);
    KEXPECT_EQ(get<LinuxStat>(at(512)).st_mode & S_IFMT, S_IFDIR);
    put_string(at(0), "");
    KEXPECT_EQ(sys(NR_stat, at(0), at(512)), -ENOENT);
    KEXPECT_EQ(sys(NR_newfstatat, uint64_t(AT_FDCWD), at(0), at(512), AT_EMPTY_PATH), 0);
    KEXPECT_EQ(sys(NR_newfstatat, uint64_t(AT_FDCWD), at(0), at(512), 0x4), -EINVAL);
    put_string(at(0), "/no/such/file");
    KEXPECT_EQ(sys(NR_open, at(0), O_RDONLY), -ENOENT);
    KEXPECT_EQ(sys(NR_lstat, at(0), at(512)), -ENOENT);
    put_string(at(0), "/");
    KEXPECT_EQ(sys(NR_readlink, at(0), at(100), 10), -EINVAL); // not a symlink
    KEXPECT_EQ(sys(NR_readlink, at(0), at(100), 0), -EINVAL);
    // Directories: open, getdents64 ("." and ".." first), fchdir, getcwd.
    long dir = sys(NR_open, at(0), O_RDONLY | O_DIRECTORY);
    KASSERT(dir >= 0);
    KEXPECT_EQ(sys(NR_read, dir, at(100), 10), -EISDIR);
    KEXPECT_EQ(sys(NR_getdents64, dir, at(1024), 10), -EINVAL); // no room for one record
    long filled = sys(NR_getdents64, dir, at(1024), 1024);
    KEXPECT_GE(filled, 48); // "." and ".." at 24 bytes each
    KEXPECT_EQ(get<char>(at(1024 + kDirent64NameOffset)), '.');
    KEXPECT_EQ(sys(NR_fchdir, dir), 0);
    KEXPECT_EQ(sys(NR_getcwd, at(100), 1), -ERANGE);
    KEXPECT_EQ(sys(NR_getcwd, at(100), 100), 2);
    KEXPECT_EQ(get<char>(at(100)), '/');
    KEXPECT_EQ(sys(NR_chdir, at(0)), 0);
    long again = sys(NR_openat, uint64_t(dir), at(0), O_RDONLY);
    KEXPECT_EQ(again, dir + 1);
    KEXPECT_EQ(sys(NR_close, again), 0);
    KEXPECT_EQ(sys(NR_close, dir), 0);
}

KERNEL_TEST(fs_syscalls_descriptors) {
    Baseline baseline;
    {
        TestProcess process;
        KASSERT(process.set_up());
        KASSERT_EQ(sys(NR_pipe, at(0)), 0); // 0, 1
        KEXPECT_EQ(sys(NR_dup, 0), 2);
        KEXPECT_EQ(sys(NR_dup2, 1, 10), 10);
        KEXPECT_EQ(sys(NR_dup2, 10, 10), 10);
        KEXPECT_EQ(sys(NR_dup2, 11, 11), -EBADF);
        KEXPECT_EQ(sys(NR_dup3, 10, 10, 0), -EINVAL);
        KEXPECT_EQ(sys(NR_dup3, 1, 12, O_CLOEXEC), 12);
        KEXPECT_EQ(sys(NR_fcntl, 12, F_GETFD), FD_CLOEXEC);
        KEXPECT_EQ(sys(NR_dup3, 1, 12, 0x1), -EINVAL);
        KEXPECT_EQ(sys(NR_dup2, 1, kDefaultNofileLimit), -EBADF);
        KEXPECT_EQ(sys(NR_fcntl, 0, F_DUPFD, 5), 5);
        KEXPECT_EQ(sys(NR_fcntl, 0, F_DUPFD_CLOEXEC, 5), 6);
        KEXPECT_EQ(sys(NR_fcntl, 6, F_GETFD), FD_CLOEXEC);
        KEXPECT_EQ(sys(NR_fcntl, 0, F_DUPFD, kDefaultNofileLimit), -EINVAL);
        KEXPECT_EQ(sys(NR_fcntl, 0, F_SETFL, O_NONBLOCK), 0);
        KEXPECT(sys(NR_fcntl, 2, F_GETFL) & O_NONBLOCK); // dup shares the open file
        KEXPECT_EQ(sys(NR_read, 2, at(100), 1), -EAGAIN);
        KEXPECT_EQ(sys(NR_fcntl, 99, F_GETFD), -EBADF);
        // ioctl: a pipe is no terminal; the generic requests work on it.
        KEXPECT_EQ(sys(NR_ioctl, 0, 0x5413 /* TIOCGWINSZ */, at(100)), -ENOTTY);
        KEXPECT_EQ(sys(NR_ioctl, 0, 0x5401 /* TCGETS */, at(100)), -ENOTTY);
        KEXPECT_EQ(sys(NR_ioctl, 99, 0x5401, at(100)), -EBADF);
        KEXPECT_EQ(sys(NR_ioctl, 0, 0x5451 /* FIOCLEX */, 0), 0);
        KEXPECT_EQ(sys(NR_fcntl, 0, F_GETFD), FD_CLOEXEC);
        KEXPECT_EQ(sys(NR_ioctl, 0, 0x5450 /* FIONCLEX */, 0), 0);
        KEXPECT_EQ(sys(NR_fcntl, 0, F_GETFD), 0);
        put_string(at(200), "abc");
        KEXPECT_EQ(sys(NR_write, 1, at(200), 3), 3);
        KEXPECT_EQ(sys(NR_ioctl, 0, 0x541b /* FIONREAD */, at(300)), 0);
        KEXPECT_EQ(get<int>(at(300)), 3);
        int off = 0;
        KASSERT_OK(copy_to_user(at(300), &off, sizeof(off)));
        KEXPECT_EQ(sys(NR_ioctl, 0, 0x5421 /* FIONBIO */, at(300)), 0);
        KEXPECT_EQ(sys(NR_fcntl, 0, F_GETFL) & O_NONBLOCK, 0);
        for (int fd : {0, 1, 2, 5, 6, 10, 12})
            KEXPECT_EQ(sys(NR_close, fd), 0);
        KEXPECT_EQ(process.fds().open_count(), 0u);
    }
    KEXPECT_EQ(fs_stats::live_open_files(), baseline.open_files);
    KEXPECT_EQ(fs_stats::live_pipes(), baseline.pipes);
}

KERNEL_TEST(fs_syscalls_blocking_read_woken_by_writer) {
    Baseline baseline;
    {
        TestProcess process;
        KASSERT(process.set_up());
        KASSERT_EQ(sys(NR_pipe, at(0)), 0);
        DelayedWriter writer;
        writer.file = KASSERT_OK(process.fds().get(1));
        sched::Thread* thread = KASSERT_OK(sched::create_kernel_thread("fs-writer", delayed_writer, &writer));
        sched::start(*thread);
        uint64_t start = monotonic_ns();
        // Sleeps until the other thread writes (about 20 ms later).
        KEXPECT_EQ(sys(NR_read, 0, at(100), 10), 1);
        KEXPECT_GE(monotonic_ns() - start, 10'000'000u);
        KEXPECT_EQ(get<char>(at(100)), 'w');
        while (!writer.done)
            sched::yield();
        KEXPECT_EQ(sys(NR_close, 0), 0);
        KEXPECT_EQ(sys(NR_close, 1), 0);
    }
    KEXPECT_EQ(fs_stats::live_open_files(), baseline.open_files);
    KEXPECT_EQ(fs_stats::live_pipes(), baseline.pipes);
}

KERNEL_TEST(fs_syscalls_poll) {
    Baseline baseline;
    {
        TestProcess process;
        KASSERT(process.set_up());
        KASSERT_EQ(sys(NR_pipe, at(0)), 0); // 0 read, 1 write
        struct PollFd {
            int fd;
            short events, revents;
        };
        constexpr short in = 0x1, out = 0x4, err = 0x8, hup = 0x10, nval = 0x20;
        PollFd fds[3] = {{0, in, -1}, {1, out, -1}, {-1, in, -1}};
        KASSERT_OK(copy_to_user(at(0), fds, sizeof(fds)));
        // Empty pipe: only the write end is ready; a negative fd is skipped.
        KEXPECT_EQ(sys(NR_poll, at(0), 3, 0), 1);
        KASSERT_OK(copy_from_user(fds, at(0), sizeof(fds)));
        KEXPECT_EQ(fds[0].revents, 0);
        KEXPECT_EQ(fds[1].revents, out);
        KEXPECT_EQ(fds[2].revents, 0);
        // A timeout with nothing ready: 0 after at least the timeout.
        uint64_t start = monotonic_ns();
        KEXPECT_EQ(sys(NR_poll, at(0), 1, 30), 0);
        KEXPECT_GE(monotonic_ns() - start, 30'000'000u);
        // Woken by a writer on another thread.
        DelayedWriter writer;
        writer.file = KASSERT_OK(process.fds().get(1));
        sched::Thread* thread = KASSERT_OK(sched::create_kernel_thread("fs-poll-writer", delayed_writer, &writer));
        sched::start(*thread);
        KEXPECT_EQ(sys(NR_poll, at(0), 1, uint64_t(-1)), 1);
        KEXPECT_EQ(get<PollFd>(at(0)).revents, in);
        while (!writer.done)
            sched::yield();
        // A closed descriptor is POLLNVAL; the write end without a reader
        // POLLERR; the read end without a writer POLLHUP (with the data).
        PollFd closed = {42, in, 0};
        KASSERT_OK(copy_to_user(at(100), &closed, sizeof(closed)));
        KEXPECT_EQ(sys(NR_poll, at(100), 1, 0), 1);
        KEXPECT_EQ(get<PollFd>(at(100)).revents, nval);
        KEXPECT_EQ(sys(NR_dup, 0), 2);
        KEXPECT_EQ(sys(NR_close, 0), 0);
        KEXPECT_EQ(sys(NR_poll, at(0) + sizeof(PollFd), 1, 0), 1);
        KEXPECT_EQ(get<PollFd>(at(0) + sizeof(PollFd)).revents, out);
        KEXPECT_EQ(sys(NR_close, 2), 0);
        KEXPECT_EQ(sys(NR_poll, at(0) + sizeof(PollFd), 1, 0), 1);
        KEXPECT_EQ(get<PollFd>(at(0) + sizeof(PollFd)).revents, out | err);
        KEXPECT_EQ(sys(NR_close, 1), 0);
        KEXPECT_EQ(sys(NR_poll, at(0), 0, 0), 0);
        KEXPECT_EQ(sys(NR_poll, at(0), kDefaultNofileLimit + 1, 0), -EINVAL);
        // A read end whose writers are gone: POLLHUP even without asking.
        KASSERT_EQ(sys(NR_pipe, at(200)), 0);
        int read_fd = get<int>(at(200)), write_fd = get<int>(at(204));
        KEXPECT_EQ(sys(NR_close, write_fd), 0);
        PollFd hung = {read_fd, out, 0};
        KASSERT_OK(copy_to_user(at(300), &hung, sizeof(hung)));
        KEXPECT_EQ(sys(NR_poll, at(300), 1, 0), 1);
        KEXPECT_EQ(get<PollFd>(at(300)).revents, hup);
        KEXPECT_EQ(sys(NR_close, read_fd), 0);
    }
    KEXPECT_EQ(fs_stats::live_open_files(), baseline.open_files);
    KEXPECT_EQ(fs_stats::live_pipes(), baseline.pipes);
}

KERNEL_TEST(fs_syscalls_regular_files_and_read_only_root) {
    Baseline baseline;
    {
        TestProcess process;
        KASSERT(process.set_up());
        if (g_archive.size() > 0) { // our archive is the root (not a real initramfs)
            put_string(at(0), "/bin/hello");
            long fd = sys(NR_open, at(0), O_RDONLY);
            KASSERT(fd >= 0);
            KEXPECT_EQ(sys(NR_fcntl, fd, F_GETFL), O_RDONLY | O_LARGEFILE);
            KEXPECT_EQ(sys(NR_read, fd, at(100), 5), 5);
            KEXPECT_EQ(sys(NR_lseek, fd, 0, SEEK_CUR), 5);
            KEXPECT_EQ(sys(NR_pread64, fd, at(200), 100, 7), 5); // "file\n", offset unmoved
            KEXPECT_EQ(get<char>(at(200)), 'f');
            KEXPECT_EQ(sys(NR_lseek, fd, 0, SEEK_CUR), 5);
            LinuxIoVec vectors[2] = {{at(300), 2}, {at(310), 100}};
            KASSERT_OK(copy_to_user(at(400), vectors, sizeof(vectors)));
            KEXPECT_EQ(sys(NR_readv, fd, at(400), 2), 7); // ", file\n"
            KEXPECT_EQ(get<char>(at(301)), ' ');
            KEXPECT_EQ(get<char>(at(310)), 'f');
            KEXPECT_EQ(sys(NR_read, fd, at(100), 5), 0); // EOF
            KEXPECT_EQ(sys(NR_lseek, fd, uint64_t(-1), SEEK_SET), -EINVAL);
            KEXPECT_EQ(sys(NR_write, fd, at(100), 1), -EBADF);
            KEXPECT_EQ(sys(NR_fstat, fd, at(512)), 0);
            LinuxStat st = get<LinuxStat>(at(512));
            KEXPECT_EQ(st.st_mode, S_IFREG | 0644);
            KEXPECT_EQ(st.st_size, 12);
            KEXPECT_EQ(sys(NR_getdents64, fd, at(1024), 1024), -ENOTDIR);
            // statx: the same inode data in struct statx.
            KEXPECT_EQ(sys(332 /* statx */, uint64_t(AT_FDCWD), at(0), 0, 0x7ff, at(1024)), 0);
            KEXPECT_EQ(get<uint32_t>(at(1024)), 0x1fffu); // stx_mask: basic, btime, mount id
            KEXPECT_EQ(get<uint16_t>(at(1024 + 28)), S_IFREG | 0644);    // stx_mode
            KEXPECT_EQ(get<uint64_t>(at(1024 + 32)), st.st_ino);         // stx_ino
            KEXPECT_EQ(get<uint64_t>(at(1024 + 40)), 12u);               // stx_size
            KEXPECT_EQ(sys(332, uint64_t(AT_FDCWD), at(0), 0x6000, 0x7ff, at(1024)), -EINVAL);
            KEXPECT_EQ(sys(332, uint64_t(AT_FDCWD), at(0), 0, 0x80000000u, at(1024)), -EINVAL);
            KEXPECT_EQ(sys(332, uint64_t(AT_FDCWD), at(0), 0, 0x7ff, unmapped_page), -EFAULT);
            KEXPECT_EQ(sys(NR_close, fd), 0);
            // The writable root: names come and go.
            long writer = sys(NR_open, at(0), O_WRONLY);
            KEXPECT_GE(writer, 0);
            KEXPECT_EQ(sys(NR_close, uint64_t(writer)), 0);
            KEXPECT_EQ(sys(NR_access, at(0), W_OK), 0);
            KEXPECT_EQ(sys(NR_access, at(0), R_OK), 0);
            put_string(at(0), "/bin/new");
            long created = sys(85 /* creat */, at(0), 0644);
            KEXPECT_GE(created, 0);
            KEXPECT_EQ(sys(NR_close, uint64_t(created)), 0);
            KEXPECT_EQ(sys(NR_stat, at(0), at(512)), 0);
            KEXPECT_EQ(get<LinuxStat>(at(512)).st_mode, S_IFREG | 0644);
            KEXPECT_EQ(sys(87 /* unlink */, at(0)), 0);
            KEXPECT_EQ(sys(NR_open, at(0), O_RDONLY), -ENOENT);
            KEXPECT_EQ(sys(83 /* mkdir */, at(0), 0755), 0);
            KEXPECT_EQ(sys(84 /* rmdir */, at(0)), 0);
            KEXPECT_EQ(sys(84 /* rmdir */, at(0)), -ENOENT);
            put_string(at(0), "/bin/hello/x");
            KEXPECT_EQ(sys(NR_stat, at(0), at(512)), -ENOTDIR);
            // Symlinks: stat follows, lstat and readlink do not.
            put_string(at(0), "/link");
            KEXPECT_EQ(sys(NR_stat, at(0), at(512)), 0);
            KEXPECT_EQ(get<LinuxStat>(at(512)).st_mode & S_IFMT, S_IFREG);
            KEXPECT_EQ(sys(NR_lstat, at(0), at(512)), 0);
            KEXPECT_EQ(get<LinuxStat>(at(512)).st_mode & S_IFMT, S_IFLNK);
            KEXPECT_EQ(sys(NR_readlink, at(0), at(100), 100), 9);
            char target[10] = {};
            KASSERT_OK(copy_from_user(target, at(100), 9));
            KEXPECT(string_equal(target, "bin/hello"));
            KEXPECT_EQ(sys(NR_readlink, at(0), at(100), 3), 3); // truncated, no NUL
            KEXPECT_EQ(sys(NR_readlink, at(0), unmapped_page, 100), -EFAULT);
            KEXPECT_EQ(sys(NR_newfstatat, uint64_t(AT_FDCWD), at(0), at(512), AT_SYMLINK_NOFOLLOW), 0);
            KEXPECT_EQ(get<LinuxStat>(at(512)).st_mode & S_IFMT, S_IFLNK);
            KEXPECT_EQ(sys(NR_open, at(0), O_RDONLY | O_NOFOLLOW), -ELOOP);
        }
        // /dev/null: reads EOF, swallows writes, has a position of sorts.
        put_string(at(0), "/dev/null");
        long null_fd = sys(NR_open, at(0), O_RDWR);
        KASSERT(null_fd >= 0);
        KEXPECT_EQ(sys(NR_write, null_fd, at(100), 50), 50);
        KEXPECT_EQ(sys(NR_read, null_fd, at(100), 50), 0);
        KEXPECT_EQ(sys(NR_pread64, null_fd, at(100), 50, 10), 0);
        KEXPECT_EQ(sys(NR_ioctl, null_fd, 0x5401 /* TCGETS */, at(100)), -ENOTTY);
        KEXPECT_EQ(sys(NR_close, null_fd), 0);
        // chdir into a directory and relative lookups from there.
        put_string(at(0), "/bin");
        KEXPECT_EQ(sys(NR_chdir, at(0)), 0);
        KEXPECT_EQ(sys(NR_getcwd, at(100), 100), 5);
        put_string(at(0), "hello");
        KEXPECT_EQ(sys(NR_access, at(0), F_OK), 0);
        put_string(at(0), "/bin/hello");
        KEXPECT_EQ(sys(NR_chdir, at(0)), -ENOTDIR);
        put_string(at(0), "..");
        KEXPECT_EQ(sys(NR_chdir, at(0)), 0);
        KEXPECT_EQ(sys(NR_getcwd, at(100), 100), 2);
        KEXPECT_EQ(process.fds().open_count(), 0u);
    }
    KEXPECT_EQ(fs_stats::live_open_files(), baseline.open_files);
}
