// The one wait implementation behind wait4 and waitid.
//
// Finding a reportable child does not scan the children: each process keeps
// a queue of children with something to report (zombie, unconsumed stop,
// unreported continue), appended to when that happens. Deciding ECHILD
// versus "nothing yet" uses per-parent counters of children by kind; only
// the rarer selectors (a process group, __WNOTHREAD) walk a list, and stop at
// the first eligible child.
//
// Blocking is the kernel's: the core answers Sleep with the parent's
// child-wait queue and the generation it saw; every state change of a child
// (and every reparenting away, every auto-reap) wakes that queue.
#include <limits>

#include "proc/lifecycle.h"

namespace charon::proc {

namespace {
Process& as_process(ProcessLinks& links) { return static_cast<Process&>(links); }
} // namespace

Result<WaitRequest> ProcessTable::wait4_request(pid_t pid, int options) {
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
        return EINVAL;
    // -INT_MIN does not exist.
    if (pid == std::numeric_limits<pid_t>::min())
        return ESRCH;
    WaitRequest r;
    r.options = options | WEXITED;
    if (pid == -1) {
        r.idtype = P_ALL;
    } else if (pid < -1) {
        r.idtype = P_PGID;
        r.id = -pid;
    } else if (pid == 0) {
        r.idtype = P_PGID;
        r.id = 0;
    } else {
        r.idtype = P_PID;
        r.id = pid;
    }
    return r;
}

Result<WaitRequest> ProcessTable::waitid_request(int idtype, pid_t id, int options) {
    if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
        return EINVAL;
    if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return EINVAL;
    WaitRequest r;
    r.options = options;
    switch (idtype) {
    case P_ALL:
        r.idtype = P_ALL;
        break;
    case P_PID:
        if (id <= 0)
            return EINVAL;
        r.idtype = P_PID;
        r.id = id;
        break;
    case P_PGID:
        if (id < 0)
            return EINVAL;
        r.idtype = P_PGID;
        r.id = id;
        break;
    case P_PIDFD:
        // `id` is a descriptor (0 is one); the kernel resolves it to the
        // identity it refers to (request.pid_ref).
        if (id < 0)
            return EINVAL;
        r.idtype = P_PIDFD;
        r.id = id;
        break;
    default:
        return EINVAL;
    }
    return r;
}

// Linux eligible_pid + eligible_child.
bool ProcessTable::child_matches(Thread& caller, Process& child, const WaitRequest& request, pid_t own_pgid) {
    int options = request.options;
    if ((options & __WNOTHREAD) && child.m_parent != &caller)
        return false;
    switch (request.idtype) {
    case P_PID:
        if (child.m_pid != request.id)
            return false;
        break;
    case P_PIDFD:
        // By identity: a detached PidRef (the number was freed, maybe reused)
        // matches nobody.
        if (!request.pid_ref || pid_ref_process(*request.pid_ref) != &child)
            return false;
        break;
    case P_PGID:
        if (child.pgid() != (request.id ? request.id : own_pgid))
            return false;
        break;
    case P_ALL:
        break;
    }
    // "Clone" children (exit signal other than SIGCHLD) match only __WCLONE,
    // the others only without it; __WALL matches both.
    bool clone_child = child.m_exit_signal != SIGCHLD;
    if (!(options & __WALL) && clone_child != ((options & __WCLONE) != 0))
        return false;
    return true;
}

// Is there any child this wait could ever report? A zombie counts only for
// WEXITED (Linux: a zombie seen by a WSTOPPED-only waitid leaves ECHILD).
bool ProcessTable::has_eligible_child(Thread& caller, const WaitRequest& request, pid_t own_pgid) {
    Process& me = caller.process();
    bool want_zombies = request.options & WEXITED;
    auto counts = [&](Process& c) {
        return child_matches(caller, c, request, own_pgid) && (!c.is_zombie() || want_zombies);
    };
    switch (request.idtype) {
    case P_PID: {
        PidSlot* s = slot(request.id);
        if (!s || !s->thread || !s->thread->is_leader())
            return false;
        Process& c = s->thread->process();
        return c.parent() == &me && counts(c);
    }
    case P_PIDFD: {
        // A thread's identity (PIDFD_THREAD of a non-leader) names no child.
        Process* c = request.pid_ref ? pid_ref_process(*request.pid_ref) : nullptr;
        return c && c->parent() == &me && counts(*c);
    }
    case P_PGID: {
        PidSlot* s = slot(request.id ? request.id : own_pgid);
        if (!s || !s->group)
            return false;
        for (auto& links : s->group->m_members) {
            Process& c = as_process(links);
            if (c.parent() == &me && counts(c))
                return true;
        }
        return false;
    }
    case P_ALL:
        break;
    }
    if (request.options & __WNOTHREAD) {
        for (auto& links : caller.m_children)
            if (counts(as_process(links)))
                return true;
        return false;
    }
    int total = 0;
    for (int clone_kind = 0; clone_kind < 2; ++clone_kind) {
        bool kind_ok = (request.options & __WALL) || (clone_kind == 1) == ((request.options & __WCLONE) != 0);
        if (!kind_ok)
            continue;
        total += me.m_child_counts[clone_kind][0];
        if (want_zombies)
            total += me.m_child_counts[clone_kind][1];
    }
    return total > 0;
}

// Report `child` if the request wants what it has. Consumes the event unless
// WNOWAIT; for a zombie, consuming is the reap (exactly one waiter can do it:
// the zombie leaves every queue under the lock).
bool ProcessTable::try_report(Thread& caller, Process& child, const WaitRequest& request, WaitReport& report) {
    int options = request.options;
    Process& me = caller.process();
    if (child.is_zombie()) {
        if (!(options & WEXITED))
            return false;
        int status = process_status(child);
        int code = (status & 0x80) ? CLD_DUMPED : (status & 0x7f) ? CLD_KILLED : CLD_EXITED;
        int report_status = (status & 0x7f) ? (status & 0x7f) : ((status >> 8) & 0xff);
        report.pid = child.m_pid;
        report.status = status;
        report.info = child_siginfo(child, code, report_status);
        fill_rusage_both(child, report.rusage);
        if (!(options & WNOWAIT)) {
            // Only now does the child's usage count as the parent's
            // RUSAGE_CHILDREN: its own and that of its reaped descendants.
            me.m_child_user_ns += total_user_ns(child) + child.m_child_user_ns;
            me.m_child_system_ns += total_system_ns(child) + child.m_child_system_ns;
            me.m_child_counts_ru[0] += report.rusage.ru_nvcsw;
            me.m_child_counts_ru[1] += report.rusage.ru_nivcsw;
            me.m_child_counts_ru[2] += report.rusage.ru_minflt;
            me.m_child_counts_ru[3] += report.rusage.ru_majflt;
            if (report.rusage.ru_maxrss > me.m_child_max_rss_kb)
                me.m_child_max_rss_kb = report.rusage.ru_maxrss;
            release_process(child, me.m_pid);
        }
        return true;
    }
    if ((options & WSTOPPED) && child.m_stop_stopped && child.m_stop_report) {
        report.pid = child.m_pid;
        report.status = stopped_status_word(child.m_stop_signal);
        report.info = child_siginfo(child, CLD_STOPPED, child.m_stop_signal);
        fill_rusage_both(child, report.rusage);
        if (!(options & WNOWAIT)) {
            child.m_stop_report = false;
            update_event_link(child);
        }
        return true;
    }
    if ((options & WCONTINUED) && child.m_continued_report) {
        report.pid = child.m_pid;
        report.status = continued_status_word();
        report.info = child_siginfo(child, CLD_CONTINUED, SIGCONT);
        fill_rusage_both(child, report.rusage);
        if (!(options & WNOWAIT)) {
            child.m_continued_report = false;
            update_event_link(child);
        }
        return true;
    }
    return false;
}

WaitDecision ProcessTable::wait(Thread& caller, const WaitRequest& request) {
    SpinlockGuard guard(m_lock);
    Process& me = caller.process();
    pid_t own_pgid = me.pgid();
    WaitDecision d;
    // Children of every thread of the caller share this one queue; the
    // __WNOTHREAD filter is in child_matches.
    for (auto& links : me.m_events) {
        Process& c = as_process(links);
        if (!child_matches(caller, c, request, own_pgid))
            continue;
        if (try_report(caller, c, request, d.report)) {
            d.kind = WaitDecision::Kind::Reported;
            return d;
        }
    }
    if (!has_eligible_child(caller, request, own_pgid)) {
        d.kind = WaitDecision::Kind::Failed;
        d.error = ECHILD;
        return d;
    }
    if (request.options & WNOHANG) {
        d.kind = WaitDecision::Kind::NothingYet;
        return d;
    }
    d.kind = WaitDecision::Kind::Sleep;
    d.queue = &me.m_child_wait;
    d.generation = me.m_child_wait.generation();
    return d;
}

} // namespace charon::proc
