// Shared plumbing of the file syscalls; see fs_common.h.
#include "syscall/fs_common.h"

#include <new>

#include "fs/device.h"
#include "fs/inode.h"
#include "proc/abi.h"
#include "proc/lifecycle.h"
#include "sched/wait.h"
#include "sched/scheduler.h"
#include "task/current.h"
#include "task/task.h"

namespace charon::fsys {

UserMemory& user_memory() {
    static CurrentUserMemory memory;
    return memory;
}

namespace {
FsProcess* g_test_process;
}

void set_fs_process_for_tests(FsProcess* process) { g_test_process = process; }

Result<FsProcess> fs_process() {
    if (g_test_process)
        return FsProcess{g_test_process->credentials, g_test_process->fds, g_test_process->cwd,
                         g_test_process->nofile_limit};
    // A kernel thread has no process (and makes no system calls but tests').
    if (!sched::current().proc_thread())
        return ENOSYS;
    return task::current_fs_process();
}

Result<void> unshare_fd_table() {
    // The in-kernel tests' process owns its table alone.
    if (g_test_process)
        return {};
    if (!sched::current().proc_thread())
        return ENOSYS;
    return task::unshare_file_table(task::current_process());
}

// A thread with a process implies the table exists (it made the process).
proc::ProcessTable* lifecycle() { return current_proc_thread() ? &task::table() : nullptr; }

proc::Thread* current_proc_thread() { return sched::current().proc_thread(); }

UserPath::~UserPath() { delete[] m_chars; }

Result<void> UserPath::copy_in(UserPath& path, uint64_t user_address) {
    delete[] path.m_chars;
    path.m_length = 0;
    path.m_chars = new (std::nothrow) char[PATH_MAX];
    if (!path.m_chars)
        return ENOMEM;
    auto length = copy_string_from_user(path.m_chars, user_address, PATH_MAX);
    if (length.is_error())
        return length.error().code() == ERANGE ? Result<void>(ENAMETOOLONG) : Result<void>(length.error());
    path.m_length = length.value();
    return {};
}

void prepare_waiter(Waiter& waiter) {
    waiter.sleeper = &sched::current();
    waiter.woken = false;
}

Result<void> sleep_on_waiter(Waiter& waiter) { return sched::sleep_on(waiter, sched::BlockMode::Interruptible); }

namespace {
// fs/blocking.h's sleep, with the deadline form a device timeout uses
// (VTIME): reaching the deadline is no error, the device then decides.
struct ReadSleep {
    Result<void> operator()(Waiter& waiter) const { return sleep_on_waiter(waiter); }
    Result<void> operator()(Waiter& waiter, uint64_t deadline_ns) const {
        auto slept = sched::sleep_on(waiter, sched::BlockMode::Interruptible, sched::Deadline::at(deadline_ns));
        if (slept.is_error() && slept.error().code() == ETIMEDOUT)
            return {};
        return slept;
    }
};
} // namespace

Result<size_t> read_file(OpenFile& file, IoBuffer& buffer, size_t length) {
    Waiter waiter;
    prepare_waiter(waiter);
    return read_blocking(file, buffer, length, waiter, ReadSleep{});
}

Result<size_t> write_file(OpenFile& file, const IoBuffer& buffer, size_t length) {
    Waiter waiter;
    prepare_waiter(waiter);
    bool raise_sigpipe = false;
    bool raise_sigxfsz = false;
    auto result = write_blocking(file, buffer, length, waiter, sleep_on_waiter, raise_sigpipe, file_size_limit(),
                                 &raise_sigxfsz);
    if (raise_sigpipe)
        send_sigpipe_to_current();
    if (raise_sigxfsz)
        send_signal_to_current(proc::SIGXFSZ);
    return result;
}

uint64_t file_size_limit() {
    if (!current_proc_thread())
        return UINT64_MAX; // kernel threads (tests) have no rlimits
    return task::extra_of(task::current_process()).limits[task::RLIMIT_FSIZE].cur;
}

void send_signal_to_current(int signal) {
    proc::Thread* thread = current_proc_thread();
    if (!thread)
        return; // a kernel thread (tests) has no one to signal
    // Linux's send_sig(sig, current, 0) (pipe_write's SIGPIPE, the
    // RLIMIT_FSIZE SIGXFSZ): directed at this thread. tkill to oneself
    // passes every permission check; the si_code it records is SI_TKILL
    // where Linux's is SI_USER.
    (void)task::table().tkill(*thread, thread->tid(), signal);
}

void send_sigpipe_to_current() { send_signal_to_current(proc::SIGPIPE); }

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

} // namespace charon::fsys
