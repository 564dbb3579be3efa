// Shared plumbing of the file syscalls; see fs_common.h.
#include "syscall/fs_common.h"

#include <new>

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

} // namespace charon::fsys
