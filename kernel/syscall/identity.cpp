// Identity and process attributes: credentials, process groups and
// sessions, prctl, resource limits, usage, uname.
#include "fs/stats.h"
#include "lib/kstring.h"
#include "mm/address_space.h"
#include "mm/frame_allocator.h"
#include "sched/scheduler.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"
#include "time/clock.h"

namespace charon {

using task::current_process;
using task::current_thread;
using task::table;

namespace {

constexpr uint64_t kNrOpen = 1048576; // fs.nr_open: RLIMIT_NOFILE's ceiling

// CAP_SETUID, CAP_SETGID, CAP_SYS_RESOURCE...: an effective uid of 0.
bool privileged() { return current_process().credentials().euid == 0; }

uint64_t nproc_limit() { return task::extra_of(current_process()).limits[task::RLIMIT_NPROC].cur; }

Result<long> commit(const proc::Credentials& fresh) {
    TRY(table().set_credentials(current_process(), fresh, nproc_limit()));
    return 0;
}

uint32_t id_arg(SyscallArgs const& args, int i) { return static_cast<uint32_t>(args.arg[i]); }

Result<proc::Process*> target_process(proc::pid_t pid) {
    if (pid == 0)
        return &current_process();
    if (pid < 0)
        return EINVAL;
    proc::Process* p = table().find_process(pid);
    if (!p || !p->timers())
        return ESRCH; // gone, or a zombie (its limits went with it)
    return p;
}

Result<long> do_prlimit(proc::pid_t pid, int resource, uint64_t new_address, uint64_t old_address) {
    if (resource < 0 || resource >= task::RLIM_NLIMITS)
        return EINVAL;
    task::Rlimit fresh;
    if (new_address) {
        TRY(copy_from_user(&fresh, new_address, sizeof(fresh)));
        if (fresh.cur > fresh.max)
            return EINVAL;
    }
    proc::Process* p = TRY(target_process(pid));
    if (p != &current_process()) {
        // Linux: the caller's real uid must match the target's r/e/s uids (or CAP_SYS_RESOURCE).
        const proc::Credentials& me = current_process().credentials();
        const proc::Credentials& them = p->credentials();
        if (me.euid != 0 && (me.uid != them.uid || me.uid != them.euid || me.uid != them.suid))
            return EPERM;
    }
    task::Rlimit& limit = task::extra_of(*p).limits[resource];
    task::Rlimit old = limit;
    if (new_address) {
        if (fresh.max > limit.max && current_process().credentials().euid != 0)
            return EPERM;
        if (resource == task::RLIMIT_NOFILE && fresh.max > kNrOpen)
            return EPERM;
        limit = fresh;
        if (resource == task::RLIMIT_NICE)
            table().set_nice_limit(*p, fresh.cur);
        if (resource == task::RLIMIT_SIGPENDING)
            table().set_sigpending_limit(*p, fresh.cur > 0x7fffffff ? 0x7fffffff : static_cast<int>(fresh.cur));
    }
    if (old_address)
        TRY(copy_to_user(old_address, &old, sizeof(old)));
    return 0;
}

} // namespace

CHARON_SYSCALL(102, getuid, sys_getuid);
static Result<long> sys_getuid(SyscallArgs const&) { return current_process().credentials().uid; }
CHARON_SYSCALL(107, geteuid, sys_geteuid);
static Result<long> sys_geteuid(SyscallArgs const&) { return current_process().credentials().euid; }
CHARON_SYSCALL(104, getgid, sys_getgid);
static Result<long> sys_getgid(SyscallArgs const&) { return current_process().credentials().gid; }
CHARON_SYSCALL(108, getegid, sys_getegid);
static Result<long> sys_getegid(SyscallArgs const&) { return current_process().credentials().egid; }

// getgroups(size, list): the supplementary groups, in the sorted order
// setgroups left them (Linux groups_sort). size 0 only counts; a nonzero
// size smaller than the list is EINVAL, a negative one too.
CHARON_SYSCALL(115, getgroups, sys_getgroups);
static Result<long> sys_getgroups(SyscallArgs const& args) {
    int size = static_cast<int>(args.arg[0]);
    if (size < 0)
        return EINVAL;
    // A reference: the copy may fault and sleep while another thread of
    // the process replaces the list.
    RefPtr<const proc::GroupList> groups = current_process().credentials().groups;
    size_t count = groups ? groups->size() : 0;
    if (size != 0) {
        if (count > static_cast<size_t>(size))
            return EINVAL;
        if (count)
            TRY(copy_to_user(args.arg[1], groups->ids(), count * sizeof(proc::gid_t)));
    }
    return static_cast<long>(count);
}

// setgroups(size, list): CAP_SETGID (EPERM first), then EINVAL for a size
// above NGROUPS_MAX (65536) or negative, EFAULT, EINVAL for a gid of -1.
// The list is sorted and shared by every process forked from now on.
CHARON_SYSCALL(116, setgroups, sys_setgroups);
static Result<long> sys_setgroups(SyscallArgs const& args) {
    if (!privileged())
        return EPERM;
    uint32_t size = static_cast<uint32_t>(args.arg[0]);
    if (size > static_cast<uint32_t>(proc::kNgroupsMax))
        return EINVAL;
    proc::Credentials fresh = current_process().credentials();
    fresh.groups = nullptr;
    if (size > 0) {
        RefPtr<proc::GroupList> list = TRY(proc::GroupList::create(size));
        TRY(copy_from_user(list->mutable_ids(), args.arg[1], size * sizeof(proc::gid_t)));
        for (size_t i = 0; i < size; ++i)
            if (list->ids()[i] == proc::kNoId)
                return EINVAL;
        list->sort();
        fresh.groups = list;
    }
    return commit(fresh);
}

CHARON_SYSCALL(105, setuid, sys_setuid);
static Result<long> sys_setuid(SyscallArgs const& args) {
    return commit(TRY(proc::cred::set_id(current_process().credentials(), true, id_arg(args, 0), privileged())));
}
CHARON_SYSCALL(106, setgid, sys_setgid);
static Result<long> sys_setgid(SyscallArgs const& args) {
    return commit(TRY(proc::cred::set_id(current_process().credentials(), false, id_arg(args, 0), privileged())));
}

CHARON_SYSCALL(113, setreuid, sys_setreuid);
static Result<long> sys_setreuid(SyscallArgs const& args) {
    return commit(TRY(proc::cred::set_re_ids(current_process().credentials(), true, id_arg(args, 0),
                                             id_arg(args, 1), privileged())));
}
CHARON_SYSCALL(114, setregid, sys_setregid);
static Result<long> sys_setregid(SyscallArgs const& args) {
    return commit(TRY(proc::cred::set_re_ids(current_process().credentials(), false, id_arg(args, 0),
                                             id_arg(args, 1), privileged())));
}

CHARON_SYSCALL(117, setresuid, sys_setresuid);
static Result<long> sys_setresuid(SyscallArgs const& args) {
    return commit(TRY(proc::cred::set_res_ids(current_process().credentials(), true, id_arg(args, 0),
                                              id_arg(args, 1), id_arg(args, 2), privileged())));
}
CHARON_SYSCALL(119, setresgid, sys_setresgid);
static Result<long> sys_setresgid(SyscallArgs const& args) {
    return commit(TRY(proc::cred::set_res_ids(current_process().credentials(), false, id_arg(args, 0),
                                              id_arg(args, 1), id_arg(args, 2), privileged())));
}

// setfsuid/setfsgid: return the previous fs id whether or not it changed;
// never an errno (Linux).
static Result<long> set_fs_id(bool user, uint32_t id) {
    const proc::Credentials& old = current_process().credentials();
    long previous = user ? old.fsuid : old.fsgid;
    bool changed = false;
    proc::Credentials fresh = proc::cred::set_fs_id(old, user, id, privileged(), changed);
    if (changed)
        (void)table().set_credentials(current_process(), fresh, nproc_limit()); // the real uid is unchanged: cannot fail
    return previous;
}
CHARON_SYSCALL(122, setfsuid, sys_setfsuid);
static Result<long> sys_setfsuid(SyscallArgs const& args) { return set_fs_id(true, id_arg(args, 0)); }
CHARON_SYSCALL(123, setfsgid, sys_setfsgid);
static Result<long> sys_setfsgid(SyscallArgs const& args) { return set_fs_id(false, id_arg(args, 0)); }

CHARON_SYSCALL(118, getresuid, sys_getresuid);
static Result<long> sys_getresuid(SyscallArgs const& args) {
    const proc::Credentials& c = current_process().credentials();
    TRY(copy_to_user(args.arg[0], &c.uid, 4));
    TRY(copy_to_user(args.arg[1], &c.euid, 4));
    TRY(copy_to_user(args.arg[2], &c.suid, 4));
    return 0;
}
CHARON_SYSCALL(120, getresgid, sys_getresgid);
static Result<long> sys_getresgid(SyscallArgs const& args) {
    const proc::Credentials& c = current_process().credentials();
    TRY(copy_to_user(args.arg[0], &c.gid, 4));
    TRY(copy_to_user(args.arg[1], &c.egid, 4));
    TRY(copy_to_user(args.arg[2], &c.sgid, 4));
    return 0;
}

CHARON_SYSCALL(109, setpgid, sys_setpgid);
static Result<long> sys_setpgid(SyscallArgs const& args) {
    TRY(table().setpgid(current_thread(), static_cast<proc::pid_t>(args.arg[0]), static_cast<proc::pid_t>(args.arg[1])));
    return 0;
}
CHARON_SYSCALL(121, getpgid, sys_getpgid);
static Result<long> sys_getpgid(SyscallArgs const& args) {
    return TRY(table().getpgid(current_thread(), static_cast<proc::pid_t>(args.arg[0])));
}
CHARON_SYSCALL(111, getpgrp, sys_getpgrp);
static Result<long> sys_getpgrp(SyscallArgs const&) { return TRY(table().getpgid(current_thread(), 0)); }
CHARON_SYSCALL(112, setsid, sys_setsid);
static Result<long> sys_setsid(SyscallArgs const&) { return TRY(table().setsid(current_thread())); }
CHARON_SYSCALL(124, getsid, sys_getsid);
static Result<long> sys_getsid(SyscallArgs const& args) {
    return TRY(table().getsid(current_thread(), static_cast<proc::pid_t>(args.arg[0])));
}

// prctl(option, arg2, ...)
CHARON_SYSCALL(157, prctl, sys_prctl);
static Result<long> sys_prctl(SyscallArgs const& args) {
    constexpr int PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4, PR_SET_NAME = 15, PR_GET_NAME = 16;
    int option = static_cast<int>(args.arg[0]);
    proc::Thread& thread = current_thread();
    switch (option) {
    case proc::PR_SET_PDEATHSIG:
        TRY(table().set_pdeath_signal(thread, static_cast<int>(args.arg[1])));
        return 0;
    case proc::PR_GET_PDEATHSIG: {
        int sig = thread.pdeath_signal();
        TRY(copy_to_user(args.arg[1], &sig, sizeof(sig)));
        return 0;
    }
    case proc::PR_SET_CHILD_SUBREAPER:
        table().set_child_subreaper(thread, args.arg[1] != 0);
        return 0;
    case proc::PR_GET_CHILD_SUBREAPER: {
        int value = thread.process().is_subreaper() ? 1 : 0;
        TRY(copy_to_user(args.arg[1], &value, sizeof(value)));
        return 0;
    }
    case PR_SET_NAME: {
        char name[16] = {};
        // Up to 15 bytes; a longer name is truncated, not an error.
        for (size_t i = 0; i < 15; ++i) {
            TRY(copy_from_user(&name[i], args.arg[1] + i, 1));
            if (!name[i])
                break;
        }
        name[15] = 0;
        thread.set_comm(name);
        return 0;
    }
    case PR_GET_NAME:
        TRY(copy_to_user(args.arg[1], thread.comm(), 16));
        return 0;
    case PR_GET_DUMPABLE:
        return task::extra_of(thread.process()).dumpable;
    case PR_SET_DUMPABLE:
        if (args.arg[1] > 1)
            return EINVAL;
        task::extra_of(thread.process()).dumpable = static_cast<int>(args.arg[1]);
        return 0;
    default:
        return EINVAL;
    }
}

// prlimit64(pid, resource, new, old)
CHARON_SYSCALL(302, prlimit64, sys_prlimit64);
static Result<long> sys_prlimit64(SyscallArgs const& args) {
    return do_prlimit(static_cast<proc::pid_t>(args.arg[0]), static_cast<int>(args.arg[1]), args.arg[2], args.arg[3]);
}
CHARON_SYSCALL(97, getrlimit, sys_getrlimit);
static Result<long> sys_getrlimit(SyscallArgs const& args) {
    return do_prlimit(0, static_cast<int>(args.arg[0]), 0, args.arg[1]);
}
CHARON_SYSCALL(160, setrlimit, sys_setrlimit);
static Result<long> sys_setrlimit(SyscallArgs const& args) {
    return do_prlimit(0, static_cast<int>(args.arg[0]), args.arg[1], 0);
}

CHARON_SYSCALL(98, getrusage, sys_getrusage);
static Result<long> sys_getrusage(SyscallArgs const& args) {
    task::sync_accounting();
    proc::RUsage usage = TRY(table().getrusage(current_thread(), static_cast<int>(args.arg[0])));
    TRY(copy_to_user(args.arg[1], &usage, sizeof(usage)));
    return 0;
}

// times(buf): clock ticks (USER_HZ 100); returns ticks since boot.
CHARON_SYSCALL(100, times, sys_times);
static Result<long> sys_times(SyscallArgs const& args) {
    auto ticks = [](const proc::TimeVal& tv) { return tv.tv_sec * 100 + tv.tv_usec / 10000; };
    task::sync_accounting();
    if (args.arg[0]) {
        proc::RUsage self = TRY(table().getrusage(current_thread(), proc::RUSAGE_SELF));
        proc::RUsage children = TRY(table().getrusage(current_thread(), proc::RUSAGE_CHILDREN));
        int64_t tms[4] = {ticks(self.ru_utime), ticks(self.ru_stime), ticks(children.ru_utime),
                          ticks(children.ru_stime)};
        TRY(copy_to_user(args.arg[0], tms, sizeof(tms)));
    }
    return static_cast<long>(monotonic_ns() / 10000000ull);
}

// sysinfo(info): uptime, memory from the frame allocator, process count.
CHARON_SYSCALL(99, sysinfo, sys_sysinfo);
static Result<long> sys_sysinfo(SyscallArgs const& args) {
    struct SysInfo {
        int64_t uptime;
        uint64_t loads[3];
        uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        uint16_t procs, pad;
        uint32_t pad2;
        uint64_t totalhigh, freehigh;
        uint32_t mem_unit;
        char reserved[4];
    } info{};
    static_assert(sizeof(SysInfo) == 112);
    info.uptime = static_cast<int64_t>(monotonic_ns() / 1000000000ull);
    info.totalram = mm::usable_frame_count();
    info.freeram = mm::free_frame_count();
    // Linux's sharedram is shmem: tmpfs file pages and shared anonymous
    // memory, which is what Charon's file stores and shared objects are.
    info.sharedram = fs_stats::file_pages() + mm::mm_stats().shared_anonymous_pages;
    // The scheduler keeps FSHIFT (11) fractional bits; sysinfo wants
    // SI_LOAD_SHIFT (16).
    sched::load_averages(info.loads);
    for (auto& load : info.loads)
        load <<= 16 - 11;
    info.procs = static_cast<uint16_t>(table().stats().threads);
    info.mem_unit = 4096;
    TRY(copy_to_user(args.arg[0], &info, sizeof(info)));
    return 0;
}

CHARON_SYSCALL(63, uname, sys_uname);
static Result<long> sys_uname(SyscallArgs const& args) {
    // sysname "Linux": programs gate features on it, and the ABI is Linux's.
    char uts[6][65] = {};
    const char* fields[6] = {"Linux", "charon", "6.1.0-charon", "#1 Charon", "x86_64", "(none)"};
    for (int i = 0; i < 6; ++i)
        for (int j = 0; fields[i][j] && j < 64; ++j)
            uts[i][j] = fields[i][j];
    TRY(copy_to_user(args.arg[0], uts, sizeof(uts)));
    return 0;
}

} // namespace charon
