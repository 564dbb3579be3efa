// Pidfd identities (PidRef, process.h): what pidfd_open, CLONE_PIDFD,
// pidfd_send_signal, pidfd_getfd, poll and waitid(P_PIDFD) ask the core.
//
// Linux's model, kept exactly: a pidfd pins a struct pid (one allocation of
// a number), never the number. The number is freed when its last holder
// goes (the thread at reap, or a process group or session using it), even
// with pidfds open; from then on the pidfd reaches nothing (ESRCH, POLLHUP),
// and a new process given the same number has a new identity. Here the
// identity hangs off the number's slot while the number is in use, so every
// question ("which thread has it now?") is a slot lookup: O(1), and execve's
// exchange of the leader's pid needs no special case.
#include "proc/alloc.h"
#include "proc/lifecycle.h"

namespace charon::proc {

Result<PidRef*> ProcessTable::new_pid_ref(pid_t pid) {
    PidSlot* s = slot(pid);
    VERIFY(s && s->in_use());
    if (s->ref)
        return s->ref;
    auto* ref = proc_new<PidRef>();
    if (!ref)
        return ENOMEM;
    ref->m_pid = pid;
    ref->m_attached = true;
    s->ref = ref;
    ++m_pid_refs;
    return ref;
}

Result<PidRef*> ProcessTable::open_pid_ref(pid_t pid, bool thread) {
    SpinlockGuard guard(m_lock);
    PidSlot* s = slot(pid);
    // Linux pidfd_prepare: reaped (or never used) is ESRCH; a thread that
    // is not a leader is ENOENT unless PIDFD_THREAD.
    if (!s || !s->thread)
        return ESRCH;
    if (!thread && !s->thread->is_leader())
        return ENOENT;
    PidRef* ref = TRY(new_pid_ref(pid));
    ++ref->m_references;
    return ref;
}

void ProcessTable::get_pid_ref(PidRef& ref) {
    SpinlockGuard guard(m_lock);
    VERIFY(ref.m_references > 0);
    ++ref.m_references;
}

void ProcessTable::put_pid_ref(PidRef& ref) {
    SpinlockGuard guard(m_lock);
    VERIFY(ref.m_references > 0);
    if (--ref.m_references > 0)
        return;
    if (ref.m_attached) {
        PidSlot* s = slot(ref.m_pid);
        VERIFY(s && s->ref == &ref);
        s->ref = nullptr;
    }
    VERIFY(!ref.m_wait.has_waiters());
    --m_pid_refs;
    proc_delete(&ref);
}

void ProcessTable::pid_slot_changed(pid_t pid) {
    PidSlot* s = slot(pid);
    if (!s || !s->ref)
        return;
    PidRef* ref = s->ref;
    // The thread went (a group may keep the number): pollers see POLLHUP.
    if (!s->thread)
        ref->m_wait.wake_all();
    if (s->in_use())
        return;
    ref->m_attached = false;
    s->ref = nullptr;
}

void ProcessTable::wake_pid_ref(pid_t pid) {
    PidSlot* s = slot(pid);
    if (s && s->ref)
        s->ref->m_wait.wake_all();
}

Process* ProcessTable::pid_ref_process(PidRef& ref) {
    if (!ref.m_attached)
        return nullptr;
    Thread* t = m_slots[ref.m_pid].thread;
    return t && t->is_leader() ? &t->process() : nullptr;
}

PidRefPoll ProcessTable::poll_pid_ref(PidRef& ref, Waiter* waiter) {
    SpinlockGuard guard(m_lock);
    PidRefPoll result;
    Thread* t = ref.m_attached ? m_slots[ref.m_pid].thread : nullptr;
    // Linux pidfd_poll: no task is EPOLLIN|EPOLLHUP; an exited task is
    // EPOLLIN unless it is a leader delayed by live threads, whatever the
    // pidfd's kind. A non-leader is released as it exits, so here "exited"
    // is only ever a zombie process.
    if (!t) {
        result.exited = result.released = true;
    } else if (t->is_leader() && t->process().is_zombie()) {
        result.exited = true;
    }
    if (waiter) {
        ref.m_wait.add(*waiter);
        result.queued_on = &ref.m_wait;
    }
    return result;
}

pid_t ProcessTable::pid_ref_pid(PidRef& ref) {
    SpinlockGuard guard(m_lock);
    return ref.m_attached && m_slots[ref.m_pid].thread ? ref.m_pid : 0;
}

Result<void> ProcessTable::pidfd_send_signal(Thread& sender, PidRef& ref, int sig, const SigInfo* info,
                                             PidfdScope scope) {
    SpinlockGuard guard(m_lock);
    Thread* t = ref.m_attached ? m_slots[ref.m_pid].thread : nullptr;
    SigInfo si;
    if (info) {
        if (info->si_signo != sig)
            return EINVAL;
        // Only the kernel may claim kill()/tkill() or the kernel, except
        // towards the calling thread itself (Linux compares struct pids).
        bool self = t == &sender && scope != PidfdScope::ProcessGroup;
        if ((info->si_code >= 0 || info->si_code == SI_TKILL) && !self)
            return EPERM;
        si = *info;
    } else {
        si = user_siginfo(sig, scope == PidfdScope::Thread ? SI_TKILL : SI_USER, &sender);
    }
    switch (scope) {
    case PidfdScope::Thread: {
        if (!t)
            return ESRCH;
        if (sig != 0 && !valid_signal(sig))
            return EINVAL;
        Process& p = t->process();
        TRY(check_kill_permission(sender, p, sig));
        if (sig == 0 || t->m_life != Thread::Life::Alive || p.is_zombie())
            return {};
        emit(ProcEvent::Kind::Kill, p, 0, sig, sender.process().m_pid, t->m_tid);
        return send_signal(sig, si, p, t, false);
    }
    case PidfdScope::ThreadGroup: {
        // PIDTYPE_TGID: only a leader's identity names a thread group.
        if (!t || !t->is_leader())
            return ESRCH;
        if (sig != 0 && !valid_signal(sig))
            return EINVAL;
        return group_send(&sender, sig, si, t->process());
    }
    case PidfdScope::ProcessGroup: {
        ProcessGroup* g = ref.m_attached ? m_slots[ref.m_pid].group : nullptr;
        if (!g)
            return ESRCH;
        if (sig != 0 && !valid_signal(sig))
            return EINVAL;
        // __kill_pgrp_info: success if any member got it, else the last error.
        bool success = false;
        Errno last = ESRCH;
        for (auto& links : g->m_members) {
            auto r = group_send(&sender, sig, si, static_cast<Process&>(links));
            if (r.is_error())
                last = r.error().code();
            else
                success = true;
        }
        return success ? Result<void>() : Result<void>(last);
    }
    }
    return EINVAL;
}

Result<void> ProcessTable::pidfd_file_table(Thread& caller, PidRef& ref, FileTableVisitor pin, void* context) {
    SpinlockGuard guard(m_lock);
    Thread* t = ref.m_attached ? m_slots[ref.m_pid].thread : nullptr;
    if (!t)
        return ESRCH;
    Process& target = t->process();
    // Linux __pidfd_fget: a task past exit_files has no table; PF_EXITING
    // turns the EBADF into ESRCH. Ours: a zombie, or a dying thread whose
    // process's table is already gone.
    if (target.is_zombie() || !target.m_file_table)
        return ESRCH;
    const Credentials& me = caller.process().m_credentials;
    const Credentials& them = target.m_credentials;
    // ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS) without ptrace: every
    // id of the target equals the caller's real ones, or CAP_SYS_PTRACE
    // (euid 0 here). The same process is always allowed.
    bool same = me.uid == them.uid && me.uid == them.euid && me.uid == them.suid && me.gid == them.gid &&
                me.gid == them.egid && me.gid == them.sgid;
    if (&target != &caller.process() && !same && me.euid != 0)
        return EPERM;
    pin(target.m_file_table->handle, context);
    return {};
}

} // namespace charon::proc
