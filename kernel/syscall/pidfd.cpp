// Pidfds: pidfd_open, pidfd_send_signal, pidfd_getfd, and the open file
// behind a pidfd (poll readable once the process has exited, POLLHUP once
// it is reaped; read/write EINVAL, lseek ESPIPE; fstat an anonymous inode,
// mode 0700 and no type bits, as Linux 6.18's pidfs). The identity is the
// core's PidRef (docs/lifecycle.md "Pidfds"); the file holds one reference.
// clone's CLONE_PIDFD and waitid's P_PIDFD use pidfd.h from process.cpp.
#include "syscall/pidfd.h"

#include <new>

#include "fs/fd_table.h"
#include "fs/inode.h"
#include "syscall/fs_common.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"

namespace charon {

namespace pidfd {

namespace {

// The anon_inode name; also what tells a pidfd from other files.
constexpr const char* kName = "pidfd";

class PidfdFile final : public OpenFile {
public:
    PidfdFile(RefPtr<Inode> inode, int flags, proc::PidRef* ref) : OpenFile(std::move(inode), flags), m_ref(ref) {}
    ~PidfdFile() override {
        if (m_ref)
            task::table().put_pid_ref(*m_ref);
    }
    proc::PidRef* ref() const { return m_ref; }
    void attach(proc::PidRef* ref) {
        VERIFY(!m_ref);
        m_ref = ref;
    }
    const char* anonymous_name() const override { return kName; }

    // Linux's pidfd_show_fdinfo: the pid while a task has it (a zombie
    // included), -1 once reaped. Without pid namespaces NSpid is the same
    // one number.
    void show_fdinfo(TextBuffer& out) const override {
        long pid = m_ref ? task::table().pid_ref_pid(*m_ref) : 0;
        if (pid == 0)
            pid = -1;
        out.appendf("Pid:\t%ld\nNSpid:\t%ld\n", pid, pid);
    }

    bool poll_events(IoContext& context, uint32_t& events) override {
        events = 0;
        if (!m_ref) // a CLONE_PIDFD descriptor whose clone has not returned yet
            return true;
        proc::PidRefPoll poll = task::table().poll_pid_ref(*m_ref, context.waiter);
        if (poll.exited)
            events |= POLLIN | POLLRDNORM;
        if (poll.released)
            events |= POLLHUP;
        if (poll.queued_on) {
            context.queued_on = poll.queued_on;
            context.queue_lock = &task::table().lock();
        }
        return true;
    }

private:
    Result<size_t> do_read(IoBuffer&, size_t, IoContext&) override { return EINVAL; }
    Result<size_t> do_write(const IoBuffer&, size_t, IoContext&) override { return EINVAL; }
    Result<int64_t> do_seek(int64_t, int) override { return ESPIPE; }
    // Linux 6.18: pread/pwrite too are EINVAL (pidfs has no read or write).
    Result<size_t> do_read_at(IoBuffer&, size_t, uint64_t, IoContext&) override { return EINVAL; }
    Result<size_t> do_write_at(const IoBuffer&, size_t, uint64_t, IoContext&) override { return EINVAL; }

    proc::PidRef* m_ref;
};

} // namespace

Result<RefPtr<OpenFile>> create_file(proc::PidRef* ref, int flags) {
    auto inode = Inode::try_create(anonymous_file_system(), InodeType::Anonymous, 0700, 0, 0);
    auto* file = inode.is_error() ? nullptr : new (std::nothrow) PidfdFile(inode.value(), O_RDWR | flags, ref);
    if (!file) {
        if (ref)
            task::table().put_pid_ref(*ref);
        return ENOMEM;
    }
    return adopt_ref<OpenFile>(file);
}

void attach(OpenFile& file, proc::PidRef* ref) {
    VERIFY(file.anonymous_name() == kName);
    static_cast<PidfdFile&>(file).attach(ref);
}

proc::PidRef* ref_of(OpenFile& file) {
    if (file.anonymous_name() != kName)
        return nullptr;
    return static_cast<PidfdFile&>(file).ref();
}

} // namespace pidfd

namespace {

constexpr unsigned kSignalThread = 1;       // PIDFD_SIGNAL_THREAD
constexpr unsigned kSignalThreadGroup = 2;  // PIDFD_SIGNAL_THREAD_GROUP
constexpr unsigned kSignalProcessGroup = 4; // PIDFD_SIGNAL_PROCESS_GROUP

// The pidfd behind `fd` with its file (kept referenced for the call): EBADF
// for a bad descriptor or one that is not a pidfd.
struct Pidfd {
    RefPtr<OpenFile> file;
    proc::PidRef* ref = nullptr;
};

Result<Pidfd> get_pidfd(int fd) {
    FsProcess process = TRY(fsys::fs_process());
    Pidfd p;
    p.file = TRY(process.fds.get(fd));
    p.ref = pidfd::ref_of(*p.file);
    if (!p.ref)
        return EBADF;
    return p;
}

} // namespace

// pidfd_open(pid, flags)
CHARON_SYSCALL(434, pidfd_open, sys_pidfd_open);
static Result<long> sys_pidfd_open(SyscallArgs const& args) {
    int flags = static_cast<int>(args.arg[1]);
    auto pid = static_cast<proc::pid_t>(args.arg[0]);
    if (flags & ~(pidfd::kNonblock | pidfd::kThread))
        return EINVAL;
    if (pid <= 0)
        return EINVAL;
    FsProcess process = TRY(fsys::fs_process());
    // Linux reserves the descriptor first: a full table is EMFILE.
    if (!process.fds.has_free_slot(process.nofile_limit))
        return EMFILE;
    proc::PidRef* ref = TRY(task::table().open_pid_ref(pid, flags & pidfd::kThread));
    RefPtr<OpenFile> file = TRY(pidfd::create_file(ref, flags));
    // Always close-on-exec (Linux pidfd_create's O_CLOEXEC).
    return TRY(process.fds.allocate(std::move(file), true, process.nofile_limit));
}

// pidfd_send_signal(pidfd, sig, info, flags)
CHARON_SYSCALL(424, pidfd_send_signal, sys_pidfd_send_signal);
static Result<long> sys_pidfd_send_signal(SyscallArgs const& args) {
    uint64_t flags = args.arg[3];
    // At most one scope flag.
    if (flags != 0 && flags != kSignalThread && flags != kSignalThreadGroup && flags != kSignalProcessGroup)
        return EINVAL;
    Pidfd p = TRY(get_pidfd(static_cast<int>(args.arg[0])));
    proc::PidfdScope scope = (p.file->status_flags() & pidfd::kThread) ? proc::PidfdScope::Thread
                                                                       : proc::PidfdScope::ThreadGroup;
    if (flags == kSignalThread)
        scope = proc::PidfdScope::Thread;
    else if (flags == kSignalThreadGroup)
        scope = proc::PidfdScope::ThreadGroup;
    else if (flags == kSignalProcessGroup)
        scope = proc::PidfdScope::ProcessGroup;
    proc::SigInfo info;
    bool has_info = args.arg[2] != 0;
    if (has_info)
        TRY(copy_from_user(&info, args.arg[2], sizeof(info)));
    TRY(task::table().pidfd_send_signal(task::current_thread(), *p.ref, static_cast<int>(args.arg[1]),
                                        has_info ? &info : nullptr, scope));
    return 0;
}

// pidfd_getfd(pidfd, targetfd, flags): a copy of another process's
// descriptor, close-on-exec. Linux asks for ptrace-attach rights; Charon
// has no ptrace and checks the credentials that right rests on (the core's
// pidfd_file_table).
CHARON_SYSCALL(438, pidfd_getfd, sys_pidfd_getfd);
static Result<long> sys_pidfd_getfd(SyscallArgs const& args) {
    if (args.arg[2] != 0)
        return EINVAL;
    Pidfd p = TRY(get_pidfd(static_cast<int>(args.arg[0])));
    FdTable* target = nullptr;
    TRY(task::table().pidfd_file_table(
        task::current_thread(), *p.ref,
        [](uint64_t handle, void* context) {
            auto* table = reinterpret_cast<FdTable*>(handle);
            table->ref(); // pinned while the core's lock keeps the process
            *static_cast<FdTable**>(context) = table;
        },
        &target));
    RefPtr<FdTable> pinned = adopt_ref(target);
    RefPtr<OpenFile> file = TRY(pinned->get(static_cast<int>(args.arg[1])));
    FsProcess process = TRY(fsys::fs_process());
    return TRY(process.fds.allocate(std::move(file), true, process.nofile_limit));
}

} // namespace charon
