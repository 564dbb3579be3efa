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
    uint32_t own = 0;
    if (file.poll_events(context, own))
        return own;
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

// The wait shared by poll and select: scans until `count_ready(entries with
// revents)` is non-zero, the deadline passes (then one last scan, as Linux's
// do_poll) or a signal comes (ERESTARTNOHAND: poll and select are never
// restarted after a handler). `zero_timeout`: scan once, never sleep.
template <typename CountReady>
Errno wait_loop(PollState& state, FsProcess& process, bool has_deadline, sched::Deadline deadline, bool zero_timeout,
                CountReady count_ready) {
    Errno failure = Errno(0);
    bool timed_out = zero_timeout;
    for (;;) {
        size_t ready = state.scan(process);
        if (count_ready(ready) || timed_out)
            break;
        auto slept = state.sleep(has_deadline ? deadline : sched::Deadline::never());
        state.release();
        if (slept.is_error()) {
            if (slept.error().code() == ETIMEDOUT) {
                timed_out = true;
                continue;
            }
            failure = slept.error().code() == ERESTARTSYS ? ERESTARTNOHAND : slept.error().code();
            break;
        }
    }
    state.release();
    return failure;
}

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
    Errno failure = wait_loop(state, process, has_deadline, deadline, zero_timeout,
                              [&](size_t ready) { return ready_count = static_cast<long>(ready); });
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

// ppoll/pselect6's signal mask for the duration of the call: as
// rt_sigsuspend, the original mask is restored after a handler runs for a
// signal that ended the wait, or at once when the call returns without
// being interrupted (Linux's restore_saved_sigmask_unless).
class TemporaryMask {
public:
    Result<void> apply(uint64_t user_mask, uint64_t size) {
        if (!user_mask)
            return {};
        if (size != sizeof(uint64_t))
            return EINVAL;
        m_thread = fsys::current_proc_thread();
        if (!m_thread)
            return ENOSYS;
        uint64_t raw;
        TRY(copy_from_user(&raw, user_mask, sizeof(raw)));
        task::Task& task = task::task_of(*m_thread);
        task.saved_mask = m_thread->blocked().raw();
        task.has_saved_mask = true;
        task::table().set_signal_mask(*m_thread, proc::SigSet(raw));
        m_applied = true;
        return {};
    }
    void finish(const Result<long>& result) {
        bool interrupted = result.is_error() && result.error().code() == ERESTARTNOHAND;
        if (!m_applied || interrupted)
            return;
        task::Task& task = task::task_of(*m_thread);
        task.has_saved_mask = false;
        task::table().set_signal_mask(*m_thread, proc::SigSet(task.saved_mask));
    }

private:
    proc::Thread* m_thread = nullptr;
    bool m_applied = false;
};

enum class TimeFormat { Timeval, Timespec };

// Linux's poll_select_finish: ppoll, select and pselect6 write the time
// left back (0 once expired), except for a zero timeout. If that write
// faults the call still succeeds, but an interrupted one becomes EINTR
// (it cannot be restarted without the updated timeout).
Result<long> write_back_remaining(Result<long> result, uint64_t user_timeout, bool has_deadline,
                                  sched::Deadline deadline, TimeFormat format) {
    if (!user_timeout || !has_deadline)
        return result;
    uint64_t now = monotonic_ns();
    uint64_t left = deadline.ns > now ? deadline.ns - now : 0;
    int64_t pair[2] = {static_cast<int64_t>(left / 1000000000), static_cast<int64_t>(left % 1000000000)};
    if (format == TimeFormat::Timeval)
        pair[1] /= 1000;
    if (copy_to_user(user_timeout, pair, sizeof pair).is_error() && result.is_error() &&
        result.error().code() == ERESTARTNOHAND)
        return EINTR;
    return result;
}

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
    TemporaryMask mask;
    TRY(mask.apply(args.arg[3], args.arg[4]));
    auto result = write_back_remaining(do_poll(args.arg[0], args.arg[1], has_deadline, deadline, zero_timeout),
                                       args.arg[2], has_deadline, deadline, TimeFormat::Timespec);
    mask.finish(result);
    return result;
}

// ---------------------------------------------------------------------------
// select(2), pselect6(2): fd_sets turned into poll entries.

namespace {

// Linux's POLLIN_SET, POLLOUT_SET, POLLEX_SET (fs/select.c).
constexpr uint32_t POLLRDBAND = 0x080, POLLWRBAND = 0x200;
constexpr uint32_t kReadSet = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
constexpr uint32_t kWriteSet = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
constexpr uint32_t kExceptSet = POLLPRI;

// The three sets as longs, like the kernel's fd_set_bits.
class SelectSets {
public:
    ~SelectSets() { delete[] m_words; }

    Result<void> copy_in(int nfds, const uint64_t user[3]) {
        m_words_per_set = (static_cast<size_t>(nfds) + 63) / 64;
        for (int i = 0; i < 3; ++i)
            m_user[i] = user[i];
        if (m_words_per_set == 0)
            return {};
        m_words = new (std::nothrow) uint64_t[6 * m_words_per_set]();
        if (!m_words)
            return ENOMEM;
        for (int i = 0; i < 3; ++i) {
            if (m_user[i])
                TRY(copy_from_user(in(i), m_user[i], m_words_per_set * sizeof(uint64_t)));
        }
        return {};
    }
    uint64_t* in(int set) { return m_words + set * m_words_per_set; }
    uint64_t* out(int set) { return m_words + (3 + set) * m_words_per_set; }
    bool requested(int set, int fd) { return (in(set)[fd / 64] >> (fd % 64)) & 1; }
    Result<void> copy_out() {
        for (int i = 0; i < 3; ++i) {
            if (m_user[i] && m_words_per_set)
                TRY(copy_to_user(m_user[i], out(i), m_words_per_set * sizeof(uint64_t)));
        }
        return {};
    }

private:
    uint64_t* m_words = nullptr; // in[3] then out[3]
    size_t m_words_per_set = 0;
    uint64_t m_user[3] = {};
};

Result<long> do_select(int nfds, const uint64_t user_sets[3], bool has_deadline, sched::Deadline deadline,
                       bool zero_timeout) {
    if (nfds < 0)
        return EINVAL;
    FsProcess process = TRY(fsys::fs_process());
    // Linux clamps to the descriptor table's size; ours is RLIMIT_NOFILE.
    if (static_cast<uint64_t>(nfds) > process.nofile_limit)
        nfds = static_cast<int>(process.nofile_limit);
    SelectSets sets;
    TRY(sets.copy_in(nfds, user_sets));
    // One poll entry per descriptor named in any set; a closed one is EBADF.
    size_t count = 0;
    for (int fd = 0; fd < nfds; ++fd) {
        if (sets.requested(0, fd) || sets.requested(1, fd) || sets.requested(2, fd)) {
            if (process.fds.get(fd).is_error())
                return EBADF;
            ++count;
        }
    }
    PollState state(count);
    TRY(state.allocate());
    size_t index = 0;
    for (int fd = 0; fd < nfds; ++fd) {
        uint32_t events = (sets.requested(0, fd) ? kReadSet : 0) | (sets.requested(1, fd) ? kWriteSet : 0) |
                          (sets.requested(2, fd) ? kExceptSet : 0);
        if (events)
            state.entries()[index++] = LinuxPollFd{fd, static_cast<int16_t>(events), 0};
    }
    long ready_bits = 0;
    auto count_ready = [&](size_t) {
        ready_bits = 0;
        for (int i = 0; i < 3; ++i) {
            for (size_t word = 0; word < (static_cast<size_t>(nfds) + 63) / 64; ++word)
                sets.out(i)[word] = 0;
        }
        for (size_t i = 0; i < count; ++i) {
            const LinuxPollFd& entry = state.entries()[i];
            auto revents = static_cast<uint16_t>(entry.revents);
            const uint32_t masks[3] = {kReadSet, kWriteSet, kExceptSet};
            for (int set = 0; set < 3; ++set) {
                if (sets.requested(set, entry.fd) && (revents & masks[set])) {
                    sets.out(set)[entry.fd / 64] |= uint64_t(1) << (entry.fd % 64);
                    ++ready_bits;
                }
            }
        }
        return ready_bits;
    };
    Errno failure = wait_loop(state, process, has_deadline, deadline, zero_timeout, count_ready);
    if (failure)
        return failure; // the sets are left alone, as Linux
    TRY(sets.copy_out());
    return ready_bits;
}

// A timeout in nanoseconds, saturating.
uint64_t to_ns(int64_t seconds, int64_t nanoseconds) {
    if (seconds > int64_t(~0ull / 2000000000))
        return ~0ull;
    return uint64_t(seconds) * 1000000000 + uint64_t(nanoseconds);
}

} // namespace

// select(int nfds, fd_set* read, fd_set* write, fd_set* except, struct timeval* timeout)
CHARON_SYSCALL(23, select, sys_select);
static Result<long> sys_select(SyscallArgs const& args) {
    bool has_deadline = false, zero_timeout = false;
    sched::Deadline deadline = sched::Deadline::never();
    if (args.arg[4]) {
        int64_t timeval[2];
        TRY(copy_from_user(timeval, args.arg[4], sizeof timeval));
        // Linux folds whole seconds of tv_usec into tv_sec first.
        int64_t seconds = timeval[0] + timeval[1] / 1000000;
        int64_t nanoseconds = (timeval[1] % 1000000) * 1000;
        if (seconds < 0 || nanoseconds < 0)
            return EINVAL;
        uint64_t ns = to_ns(seconds, nanoseconds);
        zero_timeout = ns == 0;
        has_deadline = !zero_timeout;
        deadline = sched::Deadline::after(ns);
    }
    const uint64_t sets[3] = {args.arg[1], args.arg[2], args.arg[3]};
    auto result = do_select(fsys::arg_int(args, 0), sets, has_deadline, deadline, zero_timeout);
    return write_back_remaining(std::move(result), args.arg[4], has_deadline, deadline, TimeFormat::Timeval);
}

// pselect6(int nfds, fd_set* read, fd_set* write, fd_set* except,
//          struct timespec* timeout, struct { const sigset_t* set; size_t size; }* mask)
CHARON_SYSCALL(270, pselect6, sys_pselect6);
static Result<long> sys_pselect6(SyscallArgs const& args) {
    bool has_deadline = false, zero_timeout = false;
    sched::Deadline deadline = sched::Deadline::never();
    if (args.arg[4]) {
        int64_t timespec[2];
        TRY(copy_from_user(timespec, args.arg[4], sizeof timespec));
        if (timespec[0] < 0 || timespec[1] < 0 || timespec[1] >= 1000000000)
            return EINVAL;
        uint64_t ns = to_ns(timespec[0], timespec[1]);
        zero_timeout = ns == 0;
        has_deadline = !zero_timeout;
        deadline = sched::Deadline::after(ns);
    }
    uint64_t mask_argument[2] = {0, 0};
    if (args.arg[5])
        TRY(copy_from_user(mask_argument, args.arg[5], sizeof mask_argument));
    TemporaryMask mask;
    TRY(mask.apply(mask_argument[0], mask_argument[1]));
    const uint64_t sets[3] = {args.arg[1], args.arg[2], args.arg[3]};
    auto result = write_back_remaining(do_select(fsys::arg_int(args, 0), sets, has_deadline, deadline, zero_timeout),
                                       args.arg[4], has_deadline, deadline, TimeFormat::Timespec);
    mask.finish(result);
    return result;
}

} // namespace charon
