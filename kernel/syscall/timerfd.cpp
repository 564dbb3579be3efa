// Timerfds: timerfd_create, timerfd_settime, timerfd_gettime. The file and
// its timer are fs/timerfd.h's (read, poll, the deadline heaps); this layer
// checks and copies the user structures in Linux's order and wakes the
// timer thread (task/itimer.cpp) that counts the expirations.
#include "fs/fd_table.h"
#include "fs/timerfd.h"
#include "syscall/fs_common.h"
#include "syscall/syscall.h"
#include "syscall/time_abi.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"

namespace charon {

namespace {

using namespace time_abi;

// CAP_WAKE_ALARM, which Charon's capabilities (capability.cpp) give to euid 0.
bool may_wake_alarm() { return task::current_thread().process().credentials().euid == 0; }

bool is_alarm(int clock) { return clock == timerfd::kClockRealtimeAlarm || clock == timerfd::kClockBoottimeAlarm; }

// The timerfd behind `fd`: EBADF for no descriptor, EINVAL for another file
// (Linux timerfd_fget).
Result<RefPtr<OpenFile>> get_timerfd(int fd) {
    FsProcess process = TRY(fsys::fs_process());
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    if (timerfd::clock_of(*file) < 0)
        return EINVAL;
    return file;
}

} // namespace

// timerfd_create(clockid, flags)
CHARON_SYSCALL(283, timerfd_create, sys_timerfd_create);
static Result<long> sys_timerfd_create(SyscallArgs const& args) {
    int clock = static_cast<int>(args.arg[0]);
    int flags = static_cast<int>(args.arg[1]);
    if ((flags & ~(timerfd::kNonblock | timerfd::kCloexec)) || !timerfd::valid_clock(clock))
        return EINVAL;
    if (is_alarm(clock) && !may_wake_alarm())
        return EPERM;
    FsProcess process = TRY(fsys::fs_process());
    RefPtr<OpenFile> file = TRY(timerfd::create(clock, flags));
    return TRY(process.fds.allocate(std::move(file), flags & timerfd::kCloexec, process.nofile_limit));
}

// timerfd_settime(fd, flags, new, old)
CHARON_SYSCALL(286, timerfd_settime, sys_timerfd_settime);
static Result<long> sys_timerfd_settime(SyscallArgs const& args) {
    ITimerSpec fresh;
    TRY(copy_from_user(&fresh, args.arg[2], sizeof(fresh)));
    int flags = static_cast<int>(args.arg[1]);
    if ((flags & ~(timerfd::kTimerAbstime | timerfd::kTimerCancelOnSet)) || !valid(fresh.value) ||
        !valid(fresh.interval))
        return EINVAL;
    RefPtr<OpenFile> file = TRY(get_timerfd(static_cast<int>(args.arg[0])));
    // A timer on an alarm clock may be set only with the right to create one.
    if (is_alarm(timerfd::clock_of(*file)) && !may_wake_alarm())
        return EPERM;
    // TFD_TIMER_CANCEL_ON_SET is accepted and has nothing to watch: the
    // realtime clock is never set in Charon (timerfd.h).
    timerfd::Setting setting{to_ns(fresh.value), to_ns(fresh.interval)};
    timerfd::Setting old = TRY(timerfd::settime(*file, flags & timerfd::kTimerAbstime, setting));
    if (args.arg[3]) {
        ITimerSpec out{to_timespec(old.interval), to_timespec(old.value)};
        TRY(copy_to_user(args.arg[3], &out, sizeof(out))); // after the change, as Linux
    }
    return 0;
}

// timerfd_gettime(fd, curr)
CHARON_SYSCALL(287, timerfd_gettime, sys_timerfd_gettime);
static Result<long> sys_timerfd_gettime(SyscallArgs const& args) {
    RefPtr<OpenFile> file = TRY(get_timerfd(static_cast<int>(args.arg[0])));
    timerfd::Setting now = TRY(timerfd::gettime(*file));
    ITimerSpec out{to_timespec(now.interval), to_timespec(now.value)};
    TRY(copy_to_user(args.arg[1], &out, sizeof(out)));
    return 0;
}

} // namespace charon
