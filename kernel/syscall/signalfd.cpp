// signalfd(2), signalfd4(2): a file from which the caller reads its pending
// signals of a mask as signalfd_siginfo records (128 bytes each), instead of
// having them delivered. The core decides what is dequeued and fills the
// record (ProcessTable::signalfd_dequeue, proc::signalfd_siginfo); the file
// holds only the mask. As in Linux, the file is not bound to a process:
// every read and poll looks at the *calling* thread's signals (its own
// queue, then its process's), so after fork the child reads the child's.
#include <new>

#include "fs/fd_table.h"
#include "fs/inode.h"
#include "proc/lifecycle.h"
#include "syscall/fs_common.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"

namespace charon {

namespace {

constexpr const char* kName = "signalfd"; // the anon_inode name; also tells a signalfd from other files
constexpr size_t kRecord = sizeof(proc::SignalfdSiginfo);

class SignalfdFile final : public OpenFile {
public:
    SignalfdFile(RefPtr<Inode> inode, int flags, proc::SigSet mask) : OpenFile(std::move(inode), flags), m_mask(mask) {}
    const char* anonymous_name() const override { return kName; }
    void set_mask(proc::SigSet mask) { m_mask = mask; }

    bool poll_events(IoContext& context, uint32_t& events) override {
        WaitQueue* queued_on = nullptr;
        bool pending = task::table().signalfd_poll(task::current_thread(), m_mask, context.waiter, &queued_on);
        events = pending ? POLLIN : 0; // Linux: EPOLLIN alone
        set_queued(context, queued_on);
        return true;
    }

private:
    static void set_queued(IoContext& context, WaitQueue* queued_on) {
        if (!queued_on)
            return;
        context.queued_on = queued_on;
        context.queue_lock = &task::table().lock();
    }

    // Linux signalfd_read_iter: as many records as fit (EINVAL if not one);
    // only the first may wait, the rest are taken if already pending. A
    // fault after some records returns those (the faulting signal is lost,
    // as in Linux).
    Result<size_t> do_read(IoBuffer& buffer, size_t length, IoContext& context) override {
        size_t count = length / kRecord;
        if (count == 0)
            return EINVAL;
        proc::ProcessTable& table = task::table();
        proc::Thread& thread = task::current_thread();
        size_t done = 0;
        while (done < count) {
            proc::SigInfo info;
            Waiter* waiter = done == 0 && !is_nonblocking() ? context.waiter : nullptr;
            WaitQueue* queued_on = nullptr;
            if (!table.signalfd_dequeue(thread, m_mask, info, waiter, &queued_on)) {
                set_queued(context, queued_on);
                break;
            }
            proc::SignalfdSiginfo record = proc::signalfd_siginfo(info);
            auto copied = buffer.copy_to(done * kRecord, &record, kRecord);
            if (copied.is_error()) {
                if (done == 0)
                    return copied.error();
                break;
            }
            ++done;
        }
        if (done == 0)
            return EAGAIN;
        return done * kRecord;
    }
    Result<size_t> do_write(const IoBuffer&, size_t, IoContext&) override { return EINVAL; }
    // Linux noop_llseek: any lseek "succeeds" and the position stays 0.
    Result<int64_t> do_seek(int64_t, int) override { return 0; }

    proc::SigSet m_mask;
};

Result<long> do_signalfd4(int fd, uint64_t user_mask, uint64_t mask_size, int flags) {
    // Linux's order: the size, the copy, then the flags.
    if (mask_size != sizeof(uint64_t))
        return EINVAL;
    uint64_t raw;
    TRY(copy_from_user(&raw, user_mask, sizeof raw));
    if (flags & ~(O_CLOEXEC | O_NONBLOCK))
        return EINVAL;
    // SIGKILL and SIGSTOP are dropped silently: they are never read.
    proc::SigSet mask = proc::SigSet(raw).without(proc::kUncatchable);
    FsProcess process = TRY(fsys::fs_process());
    if (fd != -1) {
        // An existing signalfd gets the new mask; its sleepers look again.
        RefPtr<OpenFile> file = TRY(process.fds.get(fd));
        if (file->anonymous_name() != kName)
            return EINVAL;
        static_cast<SignalfdFile&>(*file).set_mask(mask);
        task::table().signalfd_wake(task::current_thread());
        return fd;
    }
    // Linux: an anon_inode, mode 0600 without type bits, the creator's ids.
    RefPtr<Inode> inode = TRY(Inode::try_create(anonymous_file_system(), InodeType::Anonymous, 0600,
                                                process.credentials.euid, process.credentials.egid));
    auto* file = new (std::nothrow) SignalfdFile(std::move(inode), O_RDWR | (flags & O_NONBLOCK), mask);
    if (!file)
        return ENOMEM;
    return TRY(process.fds.allocate(adopt_ref<OpenFile>(file), flags & O_CLOEXEC, process.nofile_limit));
}

} // namespace

// signalfd(fd, mask, sizemask)
CHARON_SYSCALL(282, signalfd, sys_signalfd);
static Result<long> sys_signalfd(SyscallArgs const& args) {
    return do_signalfd4(fsys::arg_int(args, 0), args.arg[1], args.arg[2], 0);
}

// signalfd4(fd, mask, sizemask, flags): SFD_CLOEXEC, SFD_NONBLOCK.
CHARON_SYSCALL(289, signalfd4, sys_signalfd4);
static Result<long> sys_signalfd4(SyscallArgs const& args) {
    return do_signalfd4(fsys::arg_int(args, 0), args.arg[1], args.arg[2], fsys::arg_int(args, 3));
}

} // namespace charon
