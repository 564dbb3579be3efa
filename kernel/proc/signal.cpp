// Signals: generation (kill, tgkill, sigqueue, kernel, faults), the
// generation-time side effects of job control, the choice of a thread for a
// process-directed signal, dispositions and masks, and get_signal(), the
// decision taken at every return to user mode (including group stop).
#include "proc/alloc.h"
#include "proc/lifecycle.h"

namespace charon::proc {

namespace {
Process& as_process(ProcessLinks& links) { return static_cast<Process&>(links); }

bool handler_ignores(uint64_t handler, int sig) {
    return handler == SIG_IGN || (handler == SIG_DFL && default_action(sig) == DefaultAction::Ignore);
}
} // namespace

SigInfo ProcessTable::user_siginfo(int sig, int code, Thread* sender) {
    SigInfo info;
    info.si_signo = sig;
    info.si_code = code;
    if (sender) {
        info.f.kill.pid = sender->process().m_pid;
        info.f.kill.uid = sender->process().m_credentials.uid;
    }
    return info;
}

// Linux check_kill_permission / kill_ok_by_cred.
Result<void> ProcessTable::check_kill_permission(Thread& sender, Process& target, int sig) {
    Process& me = sender.process();
    if (&me == &target)
        return {};
    const Credentials& s = me.m_credentials;
    const Credentials& t = target.m_credentials;
    if (s.euid == t.suid || s.euid == t.uid || s.uid == t.suid || s.uid == t.uid)
        return {};
    if (s.euid == 0) // CAP_KILL
        return {};
    if (sig == SIGCONT && &me.m_group->session() == &target.m_group->session())
        return {};
    return EPERM;
}

// --- generation -------------------------------------------------------------------

// Generation-time effects that happen even for blocked signals (Linux
// prepare_signal). Returns whether the signal should be queued.
bool ProcessTable::prepare_signal(int sig, Process& p, Thread* thread, bool force) {
    if (p.is_zombie() || p.m_group_exit)
        return false; // a dying group takes nothing more (SIGKILL is already in effect)
    if (kStopSignals.contains(sig)) {
        // A stop cancels a pending continue.
        flush_signal(p, SigSet::of(SIGCONT));
    } else if (sig == SIGCONT) {
        // SIGCONT cancels pending stops and resumes a stopped (or stopping)
        // group right away, whatever its disposition or mask.
        flush_signal(p, kStopSignals);
        for (auto& t : p.m_threads) {
            t.m_stop_pending = false;
            if (t.m_stopped) {
                t.m_stopped = false;
                recount_thread(t);
            }
        }
        p.m_stop_wait.wake_all();
        int why = 0;
        if (p.m_stop_stopped)
            why = CLD_CONTINUED;
        else if (p.m_group_stop_count)
            why = CLD_STOPPED; // Linux: the stop was never reported; report it now
        p.m_group_stop_count = 0;
        if (why) {
            set_stopped_flag(p, false);
            p.m_stop_report = false;
            p.m_continued_report = true;
            update_event_link(p);
            emit(ProcEvent::Kind::Continue, p, 0, SIGCONT, 0);
            notify_parent_cldstop(p, why);
        }
    }
    return !signal_ignored(sig, p, thread, force);
}

// Linux sig_ignored: a blocked signal is never ignored at generation (the
// disposition may change before it is unblocked); init drops every signal
// it has no handler for, except SIGKILL/SIGSTOP forced by the kernel.
bool ProcessTable::signal_ignored(int sig, Process& p, Thread* thread, bool force) {
    Thread* t = thread ? thread : p.m_leader;
    // A signal blocked, or waited for by rt_sigtimedwait, is never ignored.
    if (t->m_blocked.contains(sig) || t->m_real_blocked.contains(sig))
        return false;
    uint64_t handler = p.m_sighand->action[sig - 1].handler;
    if (p.m_unkillable && handler == SIG_DFL && !(force && kUncatchable.contains(sig)))
        return true;
    return handler_ignores(handler, sig);
}

bool ProcessTable::wants_signal(int sig, Thread& t) {
    if (t.m_blocked.contains(sig))
        return false;
    if (t.m_life != Thread::Life::Alive)
        return false;
    if (sig == SIGKILL)
        return true;
    return !t.m_stopped;
}

// Linux complete_signal: pick the thread that will take a process-directed
// signal (round-robin from the last choice, any thread not blocking it), and
// start the group exit right now for an unhandled fatal signal, so that no
// thread returns to user mode in between.
void ProcessTable::complete_signal(int sig, Process& p, Thread* thread) {
    Thread* t = nullptr;
    if (thread) {
        if (!wants_signal(sig, *thread))
            return; // it will find it when it unblocks
        t = thread;
    } else {
        Thread* start = p.m_curr_target ? p.m_curr_target : p.m_threads.first();
        Thread* candidate = start;
        do {
            if (wants_signal(sig, *candidate)) {
                t = candidate;
                break;
            }
            candidate = p.m_threads.next_of(*candidate);
            if (!candidate)
                candidate = p.m_threads.first();
        } while (candidate != start);
        if (!t)
            return; // every thread blocks it: it stays in the shared queue
        p.m_curr_target = t;
    }
    const KSigaction& action = p.m_sighand->action[sig - 1];
    DefaultAction da = default_action(sig);
    bool fatal = action.handler == SIG_DFL && (da == DefaultAction::Terminate || da == DefaultAction::CoreDump);
    // Linux complete_signal: not fatal at once for a thread that waits for
    // it in rt_sigtimedwait (real_blocked): it is taken there instead.
    if (fatal && t->m_real_blocked.contains(sig))
        fatal = false;
    if (fatal && !p.m_group_exit && da != DefaultAction::CoreDump) {
        // The core-dumping kind dies in get_signal (it needs the dumping thread).
        start_group_exit(p, signal_status_word(sig, false), nullptr);
        return;
    }
    m_host.signal_wake(*t, sig == SIGKILL);
}

// Queue `sig` for a process (thread == null) or one of its threads.
Result<void> ProcessTable::send_signal(int sig, SigInfo info, Process& p, Thread* thread, bool force) {
    if (!prepare_signal(sig, p, thread, force))
        return {};
    PendingSet& pending = thread ? thread->m_pending : p.m_shared_pending;
    {
        SpinlockGuard sig_guard(p.m_sighand->lock);
        // A standard signal already pending merges with the new one.
        if (!is_realtime(sig) && pending.signals.contains(sig))
            return {};
        // Queue the siginfo, counted against the receiving user's
        // RLIMIT_SIGPENDING unless the kernel or kill() sent it (si_code >= 0,
        // Linux's override_rlimit).
        UserAccount* account = p.m_account;
        bool override_limit = info.si_code >= 0;
        QueuedSignal* q = nullptr;
        if (override_limit || account->queued_signals < p.m_rlimit_sigpending)
            q = proc_new<QueuedSignal>();
        if (q) {
            info.si_signo = sig;
            q->info = info;
            q->account = account;
            account->queued_signals++;
            account->references++;
            pending.queue.push_back(*q);
            p.m_ledger.acquire(Resource::QueuedSignal);
        } else if (is_realtime(sig) && info.si_code != SI_USER) {
            return EAGAIN; // sigqueue past the limit; kill() never fails here
        }
        // else: a standard signal loses its siginfo but stays pending
        pending.signals.add(sig);
    }
    // Linux signalfd_notify: a reader of a signalfd may want it even blocked.
    if (p.m_signalfd_wait.has_waiters())
        p.m_signalfd_wait.wake_all();
    complete_signal(sig, p, thread);
    return {};
}

void ProcessTable::flush_pending(PendingSet& pending, SigSet set, Process& owner) {
    if ((pending.signals & set).is_empty() && pending.queue.is_empty())
        return;
    pending.signals = pending.signals.without(set);
    for (auto& q : pending.queue) {
        if (!set.contains(q.info.si_signo))
            continue;
        decltype(pending.queue)::remove(q);
        release_queued(q, owner);
    }
}

// An entry left its pending queue: a timer's own stays with the timer (and
// stays charged to RLIMIT_SIGPENDING), any other is freed.
void ProcessTable::release_queued(QueuedSignal& q, Process& owner) {
    if (q.timer) {
        q.stale = false;
        return;
    }
    q.account->queued_signals--;
    put_account(q.account);
    owner.m_ledger.release(Resource::QueuedSignal);
    proc_delete(&q);
}

void ProcessTable::flush_signal(Process& p, SigSet set) {
    SpinlockGuard sig_guard(p.m_sighand->lock);
    flush_pending(p.m_shared_pending, set, p);
    for (auto& t : p.m_threads)
        flush_pending(t.m_pending, set, p);
}

// kill(2) delivers to a whole process: group_send_sig_info.
Result<void> ProcessTable::group_send(Thread* sender, int sig, const SigInfo& info, Process& target) {
    if (sender)
        TRY(check_kill_permission(*sender, target, sig));
    if (sig == 0 || target.is_zombie())
        return {}; // the signal-0 check; killing a zombie succeeds and changes nothing
    emit(ProcEvent::Kind::Kill, target, 0, sig, sender ? sender->process().m_pid : 0);
    return send_signal(sig, info, target, nullptr, sender == nullptr);
}

Result<void> ProcessTable::kill(Thread& sender, pid_t pid, int sig) {
    if (sig != 0 && !valid_signal(sig))
        return EINVAL;
    SpinlockGuard guard(m_lock);
    SigInfo info = user_siginfo(sig, SI_USER, &sender);
    Process& me = sender.process();
    if (pid > 0) {
        // Any thread id reaches its whole process (Linux looks the pid up as
        // PIDTYPE_PID and sends to the thread group).
        PidSlot* s = slot(pid);
        if (!s || !s->thread)
            return ESRCH;
        return group_send(&sender, sig, info, s->thread->process());
    }
    if (pid == -1) {
        // Everybody we may signal, except init and ourselves. Linux returns
        // the last error other than EPERM (so 0 even when every target
        // refused), ESRCH only when there was no target at all.
        int count = 0;
        Result<void> result;
        for (auto& links : m_processes) {
            Process& p = as_process(links);
            if (p.m_pid <= 1 || &p == &me)
                continue;
            auto r = group_send(&sender, sig, info, p);
            ++count;
            if (!r.is_error())
                result = Result<void>();
            else if (r.error().code() != EPERM)
                result = Result<void>(r.error());
        }
        if (count == 0)
            return ESRCH;
        return result.is_error() ? Result<void>(result.error()) : Result<void>();
    }
    pid_t pgid = pid == 0 ? me.pgid() : -pid;
    PidSlot* s = slot(pgid);
    if (!s || !s->group)
        return ESRCH;
    // __kill_pgrp_info: success if any member got it, else the last error.
    bool success = false;
    Errno last = ESRCH;
    for (auto& links : s->group->m_members) {
        auto r = group_send(&sender, sig, info, as_process(links));
        if (r.is_error())
            last = r.error().code();
        else
            success = true;
    }
    return success ? Result<void>() : Result<void>(last);
}

Result<void> ProcessTable::tgkill(Thread& sender, pid_t tgid, pid_t tid, int sig) {
    if (tgid <= 0)
        return EINVAL;
    return do_tkill(sender, tgid, tid, sig);
}

Result<void> ProcessTable::tkill(Thread& sender, pid_t tid, int sig) { return do_tkill(sender, 0, tid, sig); }

// Thread-directed: the signal goes to that thread's own queue.
Result<void> ProcessTable::do_tkill(Thread& sender, pid_t tgid, pid_t tid, int sig) {
    if (tid <= 0)
        return EINVAL;
    if (sig != 0 && !valid_signal(sig))
        return EINVAL;
    SpinlockGuard guard(m_lock);
    PidSlot* s = slot(tid);
    Thread* t = s ? s->thread : nullptr;
    if (!t || (tgid > 0 && t->process().m_pid != tgid))
        return ESRCH;
    Process& p = t->process();
    TRY(check_kill_permission(sender, p, sig));
    if (sig == 0 || t->m_life != Thread::Life::Alive)
        return {};
    emit(ProcEvent::Kind::Kill, p, 0, sig, sender.process().m_pid, tid);
    SigInfo info = user_siginfo(sig, SI_TKILL, &sender);
    return send_signal(sig, info, p, t, false);
}

Result<void> ProcessTable::sigqueue(Thread& sender, pid_t pid, int sig, const SigInfo& info) {
    if (sig != 0 && !valid_signal(sig))
        return EINVAL;
    SpinlockGuard guard(m_lock);
    // Only the kernel may claim to be kill() or the kernel (si_code >= 0),
    // except towards oneself.
    if ((info.si_code >= 0 || info.si_code == SI_TKILL) && pid != sender.process().m_pid)
        return EPERM;
    PidSlot* s = pid > 0 ? slot(pid) : nullptr;
    if (!s || !s->thread)
        return ESRCH;
    SigInfo copy = info;
    copy.si_signo = sig;
    return group_send(&sender, sig, copy, s->thread->process());
}

Result<void> ProcessTable::tgsigqueue(Thread& sender, pid_t tgid, pid_t tid, int sig, const SigInfo& info) {
    if (tgid <= 0 || tid <= 0)
        return EINVAL;
    if (sig != 0 && !valid_signal(sig))
        return EINVAL;
    SpinlockGuard guard(m_lock);
    // As sigqueue: si_code >= 0 (or SI_TKILL) only towards one's own group.
    if ((info.si_code >= 0 || info.si_code == SI_TKILL) && tgid != sender.process().m_pid)
        return EPERM;
    PidSlot* s = slot(tid);
    Thread* t = s ? s->thread : nullptr;
    if (!t || t->process().m_pid != tgid)
        return ESRCH;
    Process& p = t->process();
    TRY(check_kill_permission(sender, p, sig));
    if (sig == 0 || t->m_life != Thread::Life::Alive)
        return {};
    emit(ProcEvent::Kind::Kill, p, 0, sig, sender.process().m_pid, tid);
    SigInfo copy = info;
    copy.si_signo = sig;
    return send_signal(sig, copy, p, t, false);
}

Result<void> ProcessTable::send_kernel_signal(Process& target, int sig) {
    if (!valid_signal(sig))
        return EINVAL;
    SpinlockGuard guard(m_lock);
    return group_send(nullptr, sig, user_siginfo(sig, SI_KERNEL, nullptr), target);
}

void ProcessTable::send_to_group_members(ProcessGroup& g, int sig) {
    SigInfo info = user_siginfo(sig, SI_KERNEL, nullptr);
    for (auto& links : g.m_members)
        (void)group_send(nullptr, sig, info, as_process(links));
}

Result<void> ProcessTable::kill_group_from_kernel(pid_t pgid, int sig) {
    if (!valid_signal(sig))
        return EINVAL;
    SpinlockGuard guard(m_lock);
    PidSlot* s = slot(pgid);
    if (!s || !s->group)
        return ESRCH;
    send_to_group_members(*s->group, sig);
    return {};
}

// A fault cannot be blocked or ignored: it would loop on the faulting
// instruction. Reset such a disposition to SIG_DFL and unblock (Linux
// force_sig_info_to_task); a default fatal fault kills even init.
void ProcessTable::force_fault_signal(Thread& thread, int sig, int si_code, uint64_t address) {
    VERIFY(valid_signal(sig));
    SpinlockGuard guard(m_lock);
    Process& p = thread.process();
    {
        SpinlockGuard sig_guard(p.m_sighand->lock);
        KSigaction& action = p.m_sighand->action[sig - 1];
        bool blocked = thread.m_blocked.contains(sig);
        if (blocked || action.handler == SIG_IGN) {
            action.handler = SIG_DFL;
            if (blocked)
                thread.m_blocked.remove(sig);
        }
        if (action.handler == SIG_DFL)
            p.m_unkillable = false;
    }
    SigInfo info;
    info.si_signo = sig;
    info.si_code = si_code;
    info.f.fault.addr = address;
    (void)send_signal(sig, info, p, &thread, true);
}

// --- dispositions and masks ------------------------------------------------------------

Result<KSigaction> ProcessTable::sigaction(Thread& thread, int sig, const KSigaction* new_action) {
    if (!valid_signal(sig))
        return EINVAL;
    if (new_action && kUncatchable.contains(sig))
        return EINVAL;
    SpinlockGuard guard(m_lock);
    Process& p = thread.process();
    KSigaction old;
    {
        SpinlockGuard sig_guard(p.m_sighand->lock);
        KSigaction& action = p.m_sighand->action[sig - 1];
        old = action;
        if (new_action) {
            action = *new_action;
            action.mask &= ~kUncatchable.raw();
        }
    }
    // POSIX: setting a disposition to ignore discards the pending instance
    // (in this process; Linux does not touch other CLONE_SIGHAND sharers).
    if (new_action && handler_ignores(new_action->handler, sig))
        flush_signal(p, SigSet::of(sig));
    return old;
}

// Blocking a signal another thread could take hands the shared instance to
// that thread (Linux retarget_shared_pending).
void ProcessTable::retarget_shared(Thread& thread, SigSet newly_blocked) {
    Process& p = thread.process();
    SigSet retarget = p.m_shared_pending.signals & newly_blocked;
    if (retarget.is_empty())
        return;
    for (auto& t : p.m_threads) {
        if (&t == &thread || t.m_life != Thread::Life::Alive || t.m_stopped)
            continue;
        SigSet take = retarget.without(t.m_blocked);
        if (take.is_empty())
            continue;
        m_host.signal_wake(t, false);
        retarget = retarget.without(take);
        if (retarget.is_empty())
            break;
    }
}

void ProcessTable::set_blocked(Thread& thread, SigSet mask) {
    mask = mask.without(kUncatchable);
    SigSet newly_blocked = mask.without(thread.m_blocked);
    thread.m_blocked = mask;
    retarget_shared(thread, newly_blocked);
}

Result<SigSet> ProcessTable::sigprocmask(Thread& thread, int how, const SigSet* set) {
    SpinlockGuard guard(m_lock);
    SigSet old = thread.m_blocked;
    if (!set)
        return old;
    switch (how) {
    case SIG_BLOCK:
        set_blocked(thread, old | *set);
        break;
    case SIG_UNBLOCK:
        set_blocked(thread, old.without(*set));
        break;
    case SIG_SETMASK:
        set_blocked(thread, *set);
        break;
    default:
        return EINVAL;
    }
    return old;
}

void ProcessTable::set_signal_mask(Thread& thread, SigSet mask) {
    SpinlockGuard guard(m_lock);
    set_blocked(thread, mask);
}

SigSet ProcessTable::sigpending(Thread& thread) {
    SpinlockGuard guard(m_lock);
    return (thread.m_pending.signals | thread.process().m_shared_pending.signals) & thread.m_blocked;
}

void ProcessTable::begin_signal_wait(Thread& thread, SigSet set) {
    SpinlockGuard guard(m_lock);
    thread.m_real_blocked = thread.m_blocked;
    set_blocked(thread, thread.m_blocked.without(set));
}

void ProcessTable::end_signal_wait(Thread& thread) {
    SpinlockGuard guard(m_lock);
    set_blocked(thread, thread.m_real_blocked);
    thread.m_real_blocked = SigSet();
}

int ProcessTable::dequeue_signal(Thread& thread, SigSet set, SigInfo& info) {
    SpinlockGuard guard(m_lock);
    return dequeue(thread, set.without(kUncatchable), info);
}

int ProcessTable::signalfd_dequeue(Thread& thread, SigSet set, SigInfo& info, Waiter* waiter, WaitQueue** queued_on) {
    SpinlockGuard guard(m_lock);
    if (int sig = dequeue(thread, set.without(kUncatchable), info))
        return sig;
    if (waiter) {
        thread.process().m_signalfd_wait.add(*waiter);
        *queued_on = &thread.process().m_signalfd_wait;
    }
    return 0;
}

bool ProcessTable::signalfd_poll(Thread& thread, SigSet set, Waiter* waiter, WaitQueue** queued_on) {
    SpinlockGuard guard(m_lock);
    Process& p = thread.process();
    if (waiter) {
        p.m_signalfd_wait.add(*waiter);
        *queued_on = &p.m_signalfd_wait;
    }
    SigSet pending = thread.m_pending.signals | p.m_shared_pending.signals;
    return !(pending & set.without(kUncatchable)).is_empty();
}

void ProcessTable::signalfd_wake(Thread& thread) {
    SpinlockGuard guard(m_lock);
    thread.process().m_signalfd_wait.wake_all();
}

namespace {
// Linux siginfo_layout: which union member a (signal, si_code) pair uses.
enum class SigLayout { Kill, Timer, Poll, Fault, Chld, Rt, Sys };

SigLayout siginfo_layout(int sig, int code) {
    if (code > SI_USER && code < SI_KERNEL) {
        // The signal-specific codes (ILL_*, FPE_*, SEGV_*, BUS_*, TRAP_*,
        // CLD_*, SYS_*) up to each signal's highest; other positive codes
        // below NSIGPOLL are SIGPOLL's (POLL_*) whatever the signal.
        struct Specific {
            int sig, limit;
            SigLayout layout;
        };
        static constexpr Specific kSpecific[] = {
            {SIGILL, 11, SigLayout::Fault},  {SIGFPE, 15, SigLayout::Fault}, {SIGSEGV, 10, SigLayout::Fault},
            {SIGBUS, 5, SigLayout::Fault},   {SIGTRAP, 6, SigLayout::Fault}, {SIGCHLD, 6, SigLayout::Chld},
            {SIGSYS, 2, SigLayout::Sys},
        };
        for (const Specific& s : kSpecific)
            if (s.sig == sig && code <= s.limit)
                return s.layout;
        return code <= 6 ? SigLayout::Poll : SigLayout::Kill;
    }
    if (code == SI_TIMER)
        return SigLayout::Timer;
    if (code == SI_SIGIO)
        return SigLayout::Poll;
    return code < 0 ? SigLayout::Rt : SigLayout::Kill;
}
} // namespace

SignalfdSiginfo signalfd_siginfo(const SigInfo& info) {
    SignalfdSiginfo out;
    out.ssi_signo = static_cast<uint32_t>(info.si_signo);
    out.ssi_errno = info.si_errno;
    out.ssi_code = info.si_code;
    const uint8_t* raw = info.f.raw;
    switch (siginfo_layout(info.si_signo, info.si_code)) {
    case SigLayout::Kill:
        out.ssi_pid = static_cast<uint32_t>(info.f.kill.pid);
        out.ssi_uid = info.f.kill.uid;
        break;
    case SigLayout::Timer:
        out.ssi_tid = static_cast<uint32_t>(info.f.timer.tid);
        out.ssi_overrun = static_cast<uint32_t>(info.f.timer.overrun);
        out.ssi_ptr = info.f.timer.value;
        out.ssi_int = static_cast<int32_t>(info.f.timer.value);
        break;
    case SigLayout::Poll: { // si_band (long) then si_fd
        int64_t band;
        int32_t fd;
        __builtin_memcpy(&band, raw, sizeof band);
        __builtin_memcpy(&fd, raw + 8, sizeof fd);
        out.ssi_band = static_cast<uint32_t>(band);
        out.ssi_fd = fd;
        break;
    }
    case SigLayout::Fault:
        out.ssi_addr = info.f.fault.addr;
        if (info.si_signo == SIGBUS && info.si_code >= 4) // BUS_MCEERR_AR/AO carry si_addr_lsb
            out.ssi_addr_lsb = static_cast<uint16_t>(info.f.fault.addr_lsb);
        break;
    case SigLayout::Chld:
        out.ssi_pid = static_cast<uint32_t>(info.f.chld.pid);
        out.ssi_uid = info.f.chld.uid;
        out.ssi_status = info.f.chld.status;
        out.ssi_utime = static_cast<uint64_t>(info.f.chld.utime);
        out.ssi_stime = static_cast<uint64_t>(info.f.chld.stime);
        break;
    case SigLayout::Rt: // sigqueue, tkill, and every other negative code
        out.ssi_pid = static_cast<uint32_t>(info.f.rt.pid);
        out.ssi_uid = info.f.rt.uid;
        out.ssi_ptr = info.f.rt.value;
        out.ssi_int = static_cast<int32_t>(info.f.rt.value);
        break;
    case SigLayout::Sys: { // si_call_addr, si_syscall, si_arch
        uint64_t call_addr;
        __builtin_memcpy(&call_addr, raw, sizeof call_addr);
        __builtin_memcpy(&out.ssi_syscall, raw + 8, sizeof out.ssi_syscall);
        __builtin_memcpy(&out.ssi_arch, raw + 12, sizeof out.ssi_arch);
        out.ssi_call_addr = call_addr;
        break;
    }
    }
    return out;
}

bool ProcessTable::signal_pending(Thread& thread) {
    SpinlockGuard guard(m_lock);
    Process& p = thread.process();
    if (thread.m_kill_pending || p.m_group_exit || thread.m_stop_pending || thread.m_stopped)
        return true;
    return !((thread.m_pending.signals | p.m_shared_pending.signals).without(thread.m_blocked)).is_empty();
}

void ProcessTable::signal_delivered(Thread& thread, int sig, const KSigaction& action) {
    SpinlockGuard guard(m_lock);
    SigSet mask = thread.m_blocked | SigSet(action.mask);
    if (!(action.flags & SA_NODEFER))
        mask.add(sig);
    set_blocked(thread, mask);
}

// --- delivery -----------------------------------------------------------------------------

// Take the next signal of `pending` allowed by `mask`: synchronous faults
// first, then the lowest number; real-time instances in FIFO order.
int ProcessTable::dequeue_from(PendingSet& pending, SigSet mask, SigInfo& info, Process& owner) {
    SigSet available = pending.signals & mask;
    if (available.is_empty())
        return 0;
    int sig = (available & kSynchronous).first();
    if (!sig)
        sig = available.first();
    QueuedSignal* first = nullptr;
    bool more = false;
    for (auto& q : pending.queue) {
        if (q.info.si_signo != sig)
            continue;
        if (first) {
            more = true;
            break;
        }
        first = &q;
    }
    if (!more)
        pending.signals.remove(sig);
    if (first) {
        info = first->info;
        decltype(pending.queue)::remove(*first);
        bool stale = first->stale;
        if (PosixTimer* tm = first->timer; tm && !stale) {
            // Linux posixtimer_deliver_signal: the overruns counted while
            // queued go out now and become timer_getoverrun's answer.
            info.f.timer.overrun = tm->overrun;
            tm->overrun_last = tm->overrun;
            tm->overrun = 0;
        }
        release_queued(*first, owner);
        if (stale) // a re-armed or deleted timer's signal is dropped (Linux 6.x)
            return dequeue_from(pending, mask, info, owner);
    } else {
        // The siginfo was lost to the queue limit (or allocation).
        info = SigInfo();
        info.si_signo = sig;
        info.si_code = SI_USER;
    }
    return sig;
}

int ProcessTable::dequeue(Thread& thread, SigSet mask, SigInfo& info) {
    Process& p = thread.process();
    SpinlockGuard sig_guard(p.m_sighand->lock);
    // The thread's own queue first (tgkill, faults), then the shared one.
    if (int sig = dequeue_from(thread.m_pending, mask, info, p))
        return sig;
    return dequeue_from(p.m_shared_pending, mask, info, p);
}

// Group stop (Linux do_signal_stop + task_participate_group_stop). The first
// thread to dequeue a stop signal makes every other live thread owe a stop;
// each thread stops itself at its next return to user mode; the last one to
// stop marks the process stopped and notifies the parent (CLD_STOPPED).
// SIGCONT (prepare_signal) or SIGKILL (start_group_exit) undoes it all.
bool ProcessTable::do_signal_stop(Thread& t, int sig) {
    Process& p = t.process();
    if (!t.m_stop_pending) {
        p.m_stop_signal = sig;
        p.m_group_stop_count = 0;
        for (auto& other : p.m_threads) {
            if (&other == &t || other.m_life != Thread::Life::Alive || other.m_stopped || other.m_stop_pending)
                continue;
            other.m_stop_pending = true;
            p.m_group_stop_count++;
            m_host.signal_wake(other, false);
        }
        t.m_stop_pending = true;
        p.m_group_stop_count++;
    }
    t.m_stop_pending = false;
    t.m_stopped = true;
    recount_thread(t);
    if (--p.m_group_stop_count == 0) {
        set_stopped_flag(p, true);
        p.m_stop_report = true;
        p.m_continued_report = false;
        update_event_link(p);
        emit(ProcEvent::Kind::Stop, p, 0, p.m_stop_signal, 0);
        notify_parent_cldstop(p, CLD_STOPPED);
    }
    return true;
}

SignalDecision ProcessTable::get_signal(Thread& t) {
    SpinlockGuard guard(m_lock);
    Process& p = t.process();
    SignalDecision d;
    for (;;) {
        if (t.m_kill_pending || p.m_group_exit) {
            d.kind = SignalDecision::Kind::Exit;
            d.signo = SIGKILL;
            return d;
        }
        if (t.m_stop_pending)
            do_signal_stop(t, 0);
        if (t.m_stopped) {
            d.kind = SignalDecision::Kind::Stop;
            d.signo = p.m_stop_signal;
            d.queue = &p.m_stop_wait;
            d.generation = p.m_stop_wait.generation();
            return d;
        }
        SigInfo info;
        int sig = dequeue(t, ~t.m_blocked, info);
        if (!sig) {
            d.kind = SignalDecision::Kind::None;
            return d;
        }
        KSigaction action = p.m_sighand->action[sig - 1];
        if (action.handler == SIG_IGN)
            continue;
        if (action.handler != SIG_DFL) {
            if (action.flags & SA_RESETHAND) {
                SpinlockGuard sig_guard(p.m_sighand->lock);
                p.m_sighand->action[sig - 1].handler = SIG_DFL;
            }
            d.kind = SignalDecision::Kind::Handler;
            d.signo = sig;
            d.info = info;
            d.action = action;
            return d;
        }
        DefaultAction da = default_action(sig);
        if (da == DefaultAction::Ignore)
            continue;
        // init: only SIGKILL/SIGSTOP could get here with SIG_DFL (forced).
        if (p.m_unkillable && !kUncatchable.contains(sig))
            continue;
        if (da == DefaultAction::Stop) {
            // POSIX: terminal stops are discarded in an orphaned group (who
            // would continue it?); SIGSTOP is not.
            if (sig != SIGSTOP && p.m_group->is_orphaned())
                continue;
            do_signal_stop(t, sig);
            continue; // now m_stopped (or the stop completed): report Stop
        }
        start_group_exit(p, signal_status_word(sig, da == DefaultAction::CoreDump && m_host.dump_core(t, sig)), &t);
        d.kind = SignalDecision::Kind::Exit;
        d.signo = sig;
        d.info = info;
        return d;
    }
}

} // namespace charon::proc
