// poll(2) and ppoll(2) over pipes, the console and files that are always
// ready (regular files, directories, /dev/null: Linux's DEFAULT_POLLMASK).
//
// Waiting without lost wake-ups on several queues: each round takes a
// reference on every file (so no pipe can be freed while our Waiter sits on
// its queue) and asks it for its events with one Waiter per file: the fs
// layer (Pipe::poll, TtyDevice::poll) computes them and queues the
// Waiter under the same lock, so a change after the check wakes the Waiter.
// The thread sleeps only if nothing was ready and no Waiter has been woken
// since (sched::sleep_on_any), then scans again.
#include <new>

#include "fs/tty.h"
#include "fs/abi.h"
#include "fs/device.h"
#include "fs/inode.h"
#include "fs/pipe.h"
#include "sched/wait.h"
#include "proc/lifecycle.h"
#include "proc/process.h"
#include "syscall/fs_common.h"
#include "task/task.h"
#include "time/clock.h"

namespace charon {

namespace {

// Linux's DEFAULT_POLLMASK: files without a poll method are always ready.
constexpr uint32_t kDefaultPollMask = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

struct LinuxPollFd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};
static_assert(sizeof(LinuxPollFd) == 8);

// Linux's f_op->poll for the files Charon has; queues context.waiter where
// the events can change.
uint32_t poll_file(OpenFile& file, IoContext& context) {
    Inode& inode = file.inode();
    if (inode.type() == InodeType::Fifo)
        return static_cast<PipeFile&>(file).pipe().poll(file.can_read(), file.can_write(), context);
    if (inode.type() == InodeType::CharDevice) {
        CharDevice* device = find_char_device(inode.rdev_major(), inode.rdev_minor());
        if (TtyDevice* tty = device ? device->as_tty() : nullptr)
            return tty->poll(file, context);
    }
    return kDefaultPollMask;
}

class PollState {
public:
    explicit PollState(size_t count) : m_count(count) {}
    ~PollState() {
        release();
        delete[] m_user;
        delete[] m_slots;
        delete[] m_waiter_list;
    }
    PollState(const PollState&) = delete;
    PollState& operator=(const PollState&) = delete;

    Result<void> allocate() {
        if (m_count == 0)
            return {};
        m_user = new (std::nothrow) LinuxPollFd[m_count];
        m_slots = new (std::nothrow) Slot[m_count];
        m_waiter_list = new (std::nothrow) Waiter*[m_count];
        if (!m_user || !m_slots || !m_waiter_list)
            return ENOMEM;
        return {};
    }
    LinuxPollFd* entries() { return m_user; }

    // One scan: references every file, queues a Waiter where readiness can
    // change, then fills revents. Returns how many entries have revents.
    size_t scan(FsProcess& process) {
        release();
        size_t ready = 0;
        for (size_t i = 0; i < m_count; ++i) {
            LinuxPollFd& entry = m_user[i];
            entry.revents = 0;
            if (entry.fd < 0)
                continue;
            auto file = process.fds.get(entry.fd);
            // fdget() does not see O_PATH descriptors: POLLNVAL as a closed fd.
            if (file.is_error() || file.value()->is_path_only()) {
                entry.revents = POLLNVAL;
                ++ready;
                continue;
            }
            Slot& slot = m_slots[i];
            slot.file = file.release_value();
            fsys::prepare_waiter(slot.waiter);
            slot.context = IoContext{};
            slot.context.waiter = &slot.waiter;
            uint32_t mask = poll_file(*slot.file, slot.context);
            if (slot.context.queued_on)
                m_waiter_list[m_queued++] = &slot.waiter;
            uint32_t filter = static_cast<uint16_t>(entry.events) | POLLERR | POLLHUP;
            entry.revents = static_cast<int16_t>(mask & filter);
            if (entry.revents)
                ++ready;
        }
        return ready;
    }

    // Until a queued Waiter is woken, the deadline (ETIMEDOUT) or a signal
    // (ERESTARTSYS).
    Result<void> sleep(sched::Deadline deadline) {
        if (m_queued == 0)
            return sched::sleep_until([] { return false; }, sched::BlockMode::Interruptible, deadline);
        return sched::sleep_on_any(m_waiter_list, m_queued, sched::BlockMode::Interruptible, deadline);
    }

    // Takes every Waiter off its queue, then drops the file references.
    void release() {
        if (!m_slots)
            return;
        for (size_t i = 0; i < m_count; ++i) {
            m_slots[i].context.cancel_wait();
            m_slots[i].file = nullptr;
        }
        m_queued = 0;
    }

private:
    struct Slot {
        RefPtr<OpenFile> file;
        Waiter waiter;
        IoContext context; // where the waiter is queued, if anywhere
    };

    size_t m_count;
    LinuxPollFd* m_user = nullptr;
    Slot* m_slots = nullptr;
    Waiter** m_waiter_list = nullptr;
    size_t m_queued = 0;
};

// The body of poll and ppoll. `zero_timeout`: scan once, never sleep.
Result<long> do_poll(uint64_t user_fds, uint64_t count, bool has_deadline, sched::Deadline deadline,
                     bool zero_timeout) {
    FsProcess process = TRY(fsys::fs_process());
    // Linux: more entries than RLIMIT_NOFILE is EINVAL.
    if (count > process.nofile_limit)
        return EINVAL;
    PollState state(count);
    TRY(state.allocate());
    if (count)
        TRY(copy_from_user(state.entries(), user_fds, count * sizeof(LinuxPollFd)));

    long ready_count = 0;
    Errno failure = Errno(0);
    bool timed_out = zero_timeout;
    for (;;) {
        size_t ready = state.scan(process);
        if (ready || timed_out) {
            ready_count = static_cast<long>(ready);
            break;
        }
        auto slept = state.sleep(has_deadline ? deadline : sched::Deadline::never());
        state.release();
        if (slept.is_error()) {
            if (slept.error().code() == ETIMEDOUT) {
                timed_out = true; // one last scan, as Linux's do_poll
                continue;
            }
            // poll is never restarted after a handler (Linux: ERESTARTNOHAND,
            // or ERESTART_RESTARTBLOCK with the remaining time for poll).
            failure = slept.error().code() == ERESTARTSYS ? ERESTARTNOHAND : slept.error().code();
            break;
        }
    }
    state.release();
    // Linux writes every revents back, also when returning an error.
    for (size_t i = 0; i < count; ++i) {
        uint64_t address = user_fds + i * sizeof(LinuxPollFd) + offsetof(LinuxPollFd, revents);
        TRY(copy_to_user(address, &state.entries()[i].revents, sizeof(int16_t)));
    }
    if (failure)
        return failure;
    return ready_count;
}

} // namespace

namespace {

Result<long> poll_restart(task::RestartBlock& block);

// poll interrupted by a signal: EINTR under a handler; without one it goes
// on through restart_syscall with the same deadline (Linux's
// do_restart_poll), not with its original timeout.
Result<long> poll_until(uint64_t user_fds, uint64_t count, sched::Deadline deadline, bool zero_timeout) {
    auto result = do_poll(user_fds, count, !deadline.is_never(), deadline, zero_timeout);
    if (result.is_error() && result.error().code() == ERESTARTNOHAND) {
        task::RestartBlock& block = task::current_task().restart;
        block.fn = poll_restart;
        block.address = user_fds;
        block.count = count;
        block.deadline_ns = deadline.ns;
        return ERESTART_RESTARTBLOCK;
    }
    return result;
}

Result<long> poll_restart(task::RestartBlock& block) {
    return poll_until(block.address, block.count, sched::Deadline::at(block.deadline_ns), false);
}

} // namespace

// poll(struct pollfd* fds, nfds_t nfds, int timeout_ms): a negative timeout
// waits for ever, 0 scans once.
CHARON_SYSCALL(7, poll, sys_poll);
static Result<long> sys_poll(SyscallArgs const& args) {
    int timeout_ms = fsys::arg_int(args, 2);
    sched::Deadline deadline = sched::Deadline::never();
    if (timeout_ms > 0)
        deadline = sched::Deadline::after(uint64_t(timeout_ms) * 1000000);
    return poll_until(args.arg[0], args.arg[1], deadline, timeout_ms == 0);
}

// ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout,
//       const sigset_t* sigmask, size_t sigsetsize)
// poll with a timespec (NULL: no limit) and, if `sigmask` is given, that
// signal mask for the duration of the call: as rt_sigsuspend, the original
// mask is restored after a handler runs for a signal that ended the wait,
// or at once when the call returns without being interrupted.
CHARON_SYSCALL(271, ppoll, sys_ppoll);
static Result<long> sys_ppoll(SyscallArgs const& args) {
    bool has_deadline = false, zero_timeout = false;
    sched::Deadline deadline = sched::Deadline::never();
    if (args.arg[2]) {
        struct {
            int64_t seconds;
            int64_t nanoseconds;
        } timeout;
        TRY(copy_from_user(&timeout, args.arg[2], sizeof(timeout)));
        if (timeout.seconds < 0 || timeout.nanoseconds < 0 || timeout.nanoseconds >= 1000000000)
            return EINVAL;
        uint64_t ns = timeout.seconds > int64_t(~0ull / 2000000000)
                          ? ~0ull
                          : uint64_t(timeout.seconds) * 1000000000 + uint64_t(timeout.nanoseconds);
        zero_timeout = ns == 0;
        has_deadline = !zero_timeout;
        deadline = sched::Deadline::after(ns);
    }
    proc::Thread* thread = fsys::current_proc_thread();
    bool masked = false;
    if (args.arg[3]) {
        if (args.arg[4] != sizeof(uint64_t))
            return EINVAL;
        if (!thread)
            return ENOSYS;
        uint64_t raw;
        TRY(copy_from_user(&raw, args.arg[3], sizeof(raw)));
        task::Task& task = task::task_of(*thread);
        task.saved_mask = thread->blocked().raw();
        task.has_saved_mask = true;
        task::table().set_signal_mask(*thread, proc::SigSet(raw));
        masked = true;
    }
    auto result = do_poll(args.arg[0], args.arg[1], has_deadline, deadline, zero_timeout);
    bool interrupted = result.is_error() && result.error().code() == ERESTARTNOHAND;
    if (masked && !interrupted) {
        // Linux's restore_saved_sigmask_unless(): no signal to deliver with
        // the temporary mask, so the original one comes back now.
        task::Task& task = task::task_of(*thread);
        task.has_saved_mask = false;
        task::table().set_signal_mask(*thread, proc::SigSet(task.saved_mask));
    }
    if (has_deadline && !deadline.is_never()) {
        // Linux's poll_select_finish: the time left is written back, on every
        // return; so a restart (ERESTARTNOHAND, no handler) waits only for the
        // rest. If it cannot be written, an interrupted call is EINTR.
        uint64_t now = monotonic_ns();
        uint64_t left = deadline.ns > now ? deadline.ns - now : 0;
        struct {
            int64_t seconds;
            int64_t nanoseconds;
        } rest{int64_t(left / 1000000000), int64_t(left % 1000000000)};
        if (copy_to_user(args.arg[2], &rest, sizeof(rest)).is_error() && interrupted)
            return EINTR;
    }
    return result;
}

} // namespace charon
