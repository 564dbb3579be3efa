// getpriority / setpriority (Linux kernel/sys.c): the core decides which
// threads a request names, who may change them and to what; the kernel's
// scheduler hears of every change through LifecycleHost::nice_changed.
#include "proc/lifecycle.h"

namespace charon::proc {

namespace {

constexpr int kMinNice = -20, kMaxNice = 19;

Process& as_process(ProcessLinks& links) { return static_cast<Process&>(links); }

// Linux set_one_prio_perm: the target's real or effective uid is the
// caller's effective uid, or the caller has CAP_SYS_NICE (euid 0 here).
bool may_renice(const Credentials& caller, const Credentials& target) {
    return target.uid == caller.euid || target.euid == caller.euid || caller.euid == 0;
}

} // namespace

// Calls `visit(thread)` for every thread `which`/`who` names, under the lock.
// Linux walks threads for all three: PRIO_PROCESS finds one task by id,
// PRIO_PGRP every thread of every member, PRIO_USER every thread whose real
// uid matches. Returns EINVAL for a bad `which`.
template <typename Visit>
Result<void> ProcessTable::for_each_prio_target(Thread& caller, int which, int who, Visit visit) {
    switch (which) {
    case kPrioProcess: {
        if (who == 0) {
            visit(caller);
            return {};
        }
        PidSlot* s = slot(who);
        if (s && s->thread)
            visit(*s->thread);
        return {};
    }
    case kPrioPgrp: {
        ProcessGroup* group = &caller.process().group();
        if (who != 0) {
            PidSlot* s = slot(who);
            group = s ? s->group : nullptr;
        }
        if (group)
            for (auto& links : group->m_members)
                for (Thread& thread : as_process(links).m_threads)
                    visit(thread);
        return {};
    }
    case kPrioUser: {
        uid_t uid = who == 0 ? caller.process().m_credentials.uid : static_cast<uid_t>(who);
        for (auto& links : m_processes) {
            Process& p = as_process(links);
            if (p.m_credentials.uid == uid)
                for (Thread& thread : p.m_threads)
                    visit(thread);
        }
        return {};
    }
    default:
        return EINVAL;
    }
}

Result<int> ProcessTable::getpriority(Thread& caller, int which, int who) {
    SpinlockGuard guard(m_lock);
    // The highest priority (lowest nice) among the named threads, as
    // 20 - nice so that the raw syscall never returns a negative value.
    int best = 0;
    TRY(for_each_prio_target(caller, which, who, [&](Thread& t) {
        if (20 - t.m_nice > best)
            best = 20 - t.m_nice;
    }));
    if (best == 0)
        return ESRCH;
    return best;
}

Result<void> ProcessTable::setpriority(Thread& caller, int which, int who, int nice) {
    SpinlockGuard guard(m_lock);
    if (nice < kMinNice)
        nice = kMinNice;
    if (nice > kMaxNice)
        nice = kMaxNice;
    const Credentials& me = caller.process().m_credentials;
    // Linux's error bookkeeping: ESRCH until a thread matches; a failure
    // (EPERM, EACCES) replaces the result, a success clears only ESRCH. The
    // threads that may be changed are changed even when another one fails.
    int error = ESRCH;
    TRY(for_each_prio_target(caller, which, who, [&](Thread& t) {
        Process& p = t.process();
        if (!may_renice(me, p.m_credentials)) {
            error = EPERM;
            return;
        }
        // Linux can_nice: lowering the nice needs the target's RLIMIT_NICE
        // (as 20 - nice) or the caller's CAP_SYS_NICE.
        if (nice < t.m_nice && static_cast<uint64_t>(20 - nice) > p.m_rlimit_nice && me.euid != 0) {
            error = EACCES;
            return;
        }
        if (error == ESRCH)
            error = 0;
        if (t.m_nice != nice) {
            t.m_nice = nice;
            m_host.nice_changed(t, nice);
        }
    }));
    if (error != 0)
        return static_cast<Errno>(error);
    return {};
}

void ProcessTable::set_nice_limit(Process& process, uint64_t limit) {
    SpinlockGuard guard(m_lock);
    process.m_rlimit_nice = limit;
}

} // namespace charon::proc
