// exit, exit_group, reparenting, parent notification and the reap.
//
// The whole protocol (xv6's "one screen"):
//   exit(t)        -> do_exit(t)
//   exit_group(t)  -> start_group_exit (first wins) -> do_exit(t)
//   fatal signal   -> get_signal starts the group exit, returns Exit
//                     -> kernel calls exit_dying(t) -> do_exit(t)
//   do_exit: A (locked) mark exiting, decide; B (unlocked) release
//            resources in the fixed order; C (locked) exit_notify.
//   exit_notify: reparent this thread's children; if the group is dead,
//            become a zombie and tell the parent (maybe auto-reap);
//            a non-leader thread releases itself.
//   wait (wait.cpp) -> release_process: the reap, the pid is freed.
#include "proc/alloc.h"
#include "proc/lifecycle.h"

namespace charon::proc {

namespace {
Process& as_process(ProcessLinks& links) { return static_cast<Process&>(links); }
} // namespace

void LifecycleHost::init_exited(int status_word) { panic("attempted to kill init (status %#x)", status_word); }

void ProcessTable::exit(Thread& thread, int code) { do_exit(thread, exit_status_word(code)); }

void ProcessTable::exit_group(Thread& thread, int code) {
    int status;
    {
        SpinlockGuard guard(m_lock);
        Process& p = thread.process();
        start_group_exit(p, exit_status_word(code), &thread);
        status = p.m_group_exit_status; // an earlier group exit wins
    }
    do_exit(thread, status);
}

void ProcessTable::exit_dying(Thread& thread) {
    int status;
    {
        SpinlockGuard guard(m_lock);
        Process& p = thread.process();
        // Killed by a group exit, or by an execve in another thread.
        status = p.m_group_exit ? p.m_group_exit_status : signal_status_word(SIGKILL, false);
    }
    do_exit(thread, status);
}

// The first group exit wins: it fixes the status and tells every other
// thread to die. They do so at their next return to user mode (xv6: the
// victim acts on itself at a safe point), waking from any sleep.
void ProcessTable::start_group_exit(Process& p, int status, Thread* except) {
    if (p.m_group_exit)
        return;
    p.m_group_exit = true;
    p.m_group_exit_status = status;
    p.m_group_stop_count = 0;
    set_stopped_flag(p, false);
    p.m_stop_report = false;
    p.m_continued_report = false;
    update_event_link(p);
    for (auto& t : p.m_threads) {
        if (&t == except || t.m_life != Thread::Life::Alive)
            continue;
        t.m_kill_pending = true;
        t.m_stop_pending = false;
        if (t.m_stopped) {
            t.m_stopped = false;
            recount_thread(t);
        }
        m_host.signal_wake(t, true);
    }
    p.m_stop_wait.wake_all();
}

int ProcessTable::process_status(Process& p) {
    return p.m_group_exit || p.m_live_threads == 0 ? p.m_group_exit_status : p.m_leader->m_exit_status;
}

SigInfo ProcessTable::child_siginfo(Process& p, int code, int status) {
    SigInfo info;
    info.si_signo = SIGCHLD;
    info.si_code = code;
    info.f.chld.pid = p.m_pid;
    info.f.chld.uid = p.m_credentials.uid;
    info.f.chld.status = status;
    // clock ticks (USER_HZ = 100)
    info.f.chld.utime = static_cast<int64_t>((total_user_ns(p) + p.m_child_user_ns) / 10000000ull);
    info.f.chld.stime = static_cast<int64_t>((total_system_ns(p) + p.m_child_system_ns) / 10000000ull);
    return info;
}

// Teardown order (docs/lifecycle.md has the why of each step):
//   1. exit_signals: the thread is exiting, takes no process signals; its
//      part in a pending group stop is done; shared signals go to others.
//   2. timers (group dead): nothing may generate signals into the corpse.
//   3. clear_child_tid: write 0 + futex wake, while the memory still exists
//      and only if someone else can see it (other users of the mm).
//   4. vfork parent released: it may run again once we no longer use its mm.
//   5. address space: leave it (kernel CR3), free it if we were the last.
//   6. TLS.
//   7. file table: closed before the parent is told, so a parent that saw
//      EOF on a pipe finds the child reapable.
//   8. kernel stack handed to the scheduler's finalizer (freed after the
//      final switch, never by the thread running on it).
//   9. controlling tty: a dying session leader hangs up its terminal and
//      its foreground group.
//  10. exit_notify: reparent, zombie, notify the parent, self-reap.
void ProcessTable::do_exit(Thread& t, int status) {
    Process& p = t.process();
    bool group_dead;
    uint64_t timers = 0, clear_tid = 0, tls = 0, kernel_stack = 0;
    SharedRef* mm = nullptr;
    SharedRef* files = nullptr;
    bool mm_last = false, files_last = false;

    // --- A: decide, under the lock ---------------------------------------------
    {
        SpinlockGuard guard(m_lock);
        VERIFY(t.m_life == Thread::Life::Alive);
        t.m_life = Thread::Life::Exiting;
        t.m_exit_status = status;
        t.m_kill_pending = false;
        // A thread that still had to join a group stop counts as stopped now;
        // if it was the last one, the stop completes (Linux exit_signals).
        if (t.m_stop_pending) {
            t.m_stop_pending = false;
            if (--p.m_group_stop_count == 0 && !p.m_group_exit) {
                set_stopped_flag(p, true);
                p.m_stop_report = true;
                update_event_link(p);
                emit(ProcEvent::Kind::Stop, p, 0, p.m_stop_signal, 0);
                notify_parent_cldstop(p, CLD_STOPPED);
            }
        }
        // An execve waiting for the other threads gives up: its thread dies.
        if (p.m_exec_thread == &t)
            p.m_exec_thread = nullptr;
        --p.m_live_threads;
        group_dead = p.m_live_threads == 0;
        // Linux 6.x synchronize_group_exit: without a group exit, the last
        // thread to exit decides the process's status (not the leader).
        if (group_dead && !p.m_group_exit)
            p.m_group_exit_status = status;
        if (group_dead && &p == m_init)
            m_host.init_exited(status);
        // Process-wide signals this thread might have been chosen for.
        if (!group_dead)
            retarget_shared(t, ~SigSet());
        // A vfork parent we are waiting for forgets us (vfork_wait is killable).
        if (t.m_vfork_child) {
            t.m_vfork_child->m_vfork_parent = nullptr;
            t.m_vfork_child->m_ledger.release(Resource::VforkParent);
            t.m_vfork_child = nullptr;
        }

        if (group_dead) {
            timers = p.m_timers;
            p.m_timers = 0;
            delete_timers(p); // POSIX timers: nothing more is generated into a dead group
        }
        mm = t.m_address_space;
        if (t.m_clear_child_tid && mm->users > 1)
            clear_tid = t.m_clear_child_tid;
        t.m_clear_child_tid = 0;
        mm_last = --mm->users == 0;
        tls = t.m_tls;
        kernel_stack = t.m_kernel_stack;
        if (group_dead) {
            files = p.m_file_table;
            p.m_file_table = nullptr;
            files_last = --files->users == 0;
        }
    }

    // --- B: release resources, no core lock held ---------------------------------
    if (timers)
        m_host.stop_timers(p, timers);
    if (clear_tid)
        m_host.clear_child_tid(t, clear_tid);
    {
        SpinlockGuard guard(m_lock);
        release_vfork_parent(p);
    }
    m_host.leave_address_space(t, mm->handle);
    if (mm_last)
        m_host.free_address_space(mm->handle);
    if (tls)
        m_host.release_tls(t, tls);
    if (files_last)
        m_host.free_file_table(files->handle);
    m_host.release_kernel_stack(t, kernel_stack);

    // --- C: record, notify, under the lock -------------------------------------------
    SpinlockGuard guard(m_lock);
    if (timers)
        p.m_ledger.release(Resource::Timers);
    t.m_address_space = nullptr;
    p.m_ledger.release(Resource::AddressSpaceRef);
    if (mm_last)
        proc_delete(mm);
    if (tls) {
        p.m_ledger.release(Resource::Tls);
        t.m_tls = 0;
    }
    if (files) {
        p.m_ledger.release(Resource::FileTableRef);
        if (files_last)
            proc_delete(files);
    }
    p.m_ledger.release(Resource::KernelStack);
    t.m_kernel_stack = 0;

    // Step 9: the session leader was the controlling process of its terminal.
    if (group_dead && p.m_session_leader) {
        // Linux disassociate_ctty(1): the foreground group gets SIGHUP (a
        // pty's and a serial line's alike; SIGCONT only for TIOCNOTTY), and
        // the terminal no longer belongs to the session. A line that is not
        // a pty (every terminal Charon has) is also hung up
        // (tty_vhangup_session): the files open on it read EOF and fail
        // writes with EIO from now on.
        Session& s = p.m_group->session();
        if (Terminal* tty = s.m_tty) {
            if (tty->m_hang_up)
                tty->m_hang_up(tty->m_device);
            signal_pgid(tty->m_foreground, SIGHUP);
            detach_session_tty(s);
        }
    }
    exit_notify(t, group_dead);
}

// Where the children of a dying thread go (Linux find_new_reaper):
//  1. another live thread of the same process: nothing changes for the
//     child except the thread it hangs off (PDEATHSIG still fires: it is
//     about the parent *thread*);
//  2. else the nearest ancestor process marked child subreaper that still
//     has a live thread;
//  3. else init.
// Linux caches "has a subreaper above me" at fork; walking the ancestors
// gives the same answer and costs O(depth) only here.
Thread& ProcessTable::find_new_reaper(Thread& father) {
    Process& fp = father.process();
    if (Thread* t = find_alive_thread(fp))
        return *t;
    for (Process* r = fp.parent(); r && r != m_init; r = r->parent()) {
        if (!r->m_is_subreaper)
            continue;
        if (Thread* t = find_alive_thread(*r))
            return *t;
    }
    Thread* t = find_alive_thread(*m_init);
    VERIFY(t);
    return *t;
}

// forget_original_parent + reparent_leader.
void ProcessTable::reparent_children(Thread& father) {
    if (father.m_children.is_empty())
        return;
    Process& fp = father.process();
    Thread& reaper = find_new_reaper(father);
    bool same_process = &reaper.process() == &fp;
    while (ProcessLinks* links = father.m_children.first()) {
        Process& c = as_process(*links);
        unlink_child(c);
        if (!same_process)
            c.m_exit_signal = SIGCHLD; // nobody but the original parent asked for another
        link_child(c, reaper);
        // PR_SET_PDEATHSIG: the parent thread died.
        for (auto& t : c.m_threads) {
            if (t.m_pdeath_signal && !c.is_zombie()) {
                SigInfo info = user_siginfo(t.m_pdeath_signal, SI_USER, &father);
                (void)send_signal(t.m_pdeath_signal, info, c, nullptr, false);
            }
        }
        // A stop or continue not yet reported is the new parent's to see.
        if (c.event_node.is_linked() && !c.is_zombie())
            reaper.process().m_child_wait.wake_all();
        if (same_process)
            continue;
        // Moving away from `father` may orphan the child's group: father's
        // process was its link to the session (Linux kill_orphaned_pgrp(c, father)).
        if (update_link(c))
            check_orphaned_group(*c.m_group);
        // A zombie is reported to its new parent at once, which may reap it
        // automatically (init always ends up reaping).
        if (c.is_zombie() && c.event_node.is_linked()) {
            EventList::remove(c);
            if (notify_parent_of_death(c))
                release_process(c, 0);
        }
    }
    // Waiters of the old parent may now have no child left: ECHILD is due.
    if (!same_process)
        fp.m_child_wait.wake_all();
}

// Linux do_notify_parent: SIGCHLD (or the clone exit signal) with siginfo,
// and wake every waiter. Auto-reap when the exit signal is SIGCHLD and the
// parent ignores SIGCHLD or set SA_NOCLDWAIT; SIG_IGN also sends nothing.
// Returns true when the caller must release the zombie now.
bool ProcessTable::notify_parent_of_death(Process& p) {
    Process* parent = p.parent();
    VERIFY(parent);
    int status = process_status(p);
    int code = (status & 0x80) ? CLD_DUMPED : (status & 0x7f) ? CLD_KILLED : CLD_EXITED;
    int report_status = (status & 0x7f) ? (status & 0x7f) : ((status >> 8) & 0xff);
    int sig = p.m_exit_signal;
    bool autoreap = false;
    const KSigaction& act = parent->m_sighand->action[SIGCHLD - 1];
    if (sig == SIGCHLD && (act.handler == SIG_IGN || (act.flags & SA_NOCLDWAIT))) {
        autoreap = true;
        if (act.handler == SIG_IGN)
            sig = 0;
    }
    if (sig) {
        SigInfo info = child_siginfo(p, code, report_status);
        info.si_signo = sig;
        (void)send_signal(sig, info, *parent, nullptr, false);
    }
    parent->m_child_wait.wake_all();
    if (!autoreap)
        update_event_link(p);
    return autoreap;
}

// Linux do_notify_parent_cldstop. SA_NOCLDSTOP (or SIG_IGN) suppresses the
// signal, never the wake-up of waiters.
void ProcessTable::notify_parent_cldstop(Process& p, int why) {
    Process* parent = p.parent();
    if (!parent)
        return;
    int report_status = why == CLD_CONTINUED ? SIGCONT : (p.m_stop_signal & 0x7f);
    const KSigaction& act = parent->m_sighand->action[SIGCHLD - 1];
    if (act.handler != SIG_IGN && !(act.flags & SA_NOCLDSTOP)) {
        SigInfo info = child_siginfo(p, why, report_status);
        (void)send_signal(SIGCHLD, info, *parent, nullptr, false);
    }
    parent->m_child_wait.wake_all();
}

// The end of a thread. Cases (gVisor-style walk-through):
//  - non-leader, others alive: children to a sibling thread; the thread
//    releases itself (its tid is free now); nobody is notified.
//  - leader, others alive: children to a sibling thread; the leader stays,
//    dead, as the future zombie's body; the process is not reported (Linux
//    delay_group_leader) until the last thread is gone.
//  - last thread (leader or not): the group is dead. Children go to a
//    subreaper or init; the process becomes a zombie, leaves the orphan
//    bookkeeping of its group (maybe orphaning it), and the parent is told,
//    with the group's status if a group exit happened, else the leader's.
//    A non-leader last thread still releases itself; the leader's body is
//    the zombie.
void ProcessTable::exit_notify(Thread& t, bool group_dead) {
    Process& p = t.process();
    reparent_children(t);
    t.m_life = Thread::Life::Dead;
    recount_thread(t);
    flush_pending(t.m_pending, ~SigSet(), p);
    emit(ProcEvent::Kind::ThreadExit, p, t.m_exit_status, 0, 0, t.m_tid);

    bool autoreap = false;
    if (group_dead) {
        count_child(p, -1);
        change_process_state_count(p, -1);
        p.m_life = Process::Life::Zombie;
        change_process_state_count(p, +1);
        count_child(p, +1);
        if (p.m_stop_stopped)
            set_stopped_flag(p, false);
        p.m_stop_report = false;
        p.m_continued_report = false;
        if (p.event_node.is_linked())
            EventList::remove(p);
        flush_pending(p.m_shared_pending, ~SigSet(), p);
        ++m_exits;
        int status = process_status(p);
        if (status & 0x7f)
            emit(ProcEvent::Kind::SignalDeath, p, status, status & 0x7f, 0);
        emit(ProcEvent::Kind::Exit, p, status, 0, 0);
        // We leave our group's orphan bookkeeping: if we were its last link to
        // the session and it has stopped members, they get SIGHUP + SIGCONT.
        if (update_link(p))
            check_orphaned_group(*p.m_group);
        autoreap = notify_parent_of_death(p);
        wake_pid_ref(p.m_pid); // pidfds of the process are readable now
    }
    if (p.m_exec_thread)
        p.m_stop_wait.wake_all(); // de_thread waits for us
    if (!t.is_leader())
        free_thread(t);
    if (autoreap)
        release_process(p, 0);
}

// Release a thread that is not (or no longer) its process's leader.
void ProcessTable::free_thread(Thread& t) {
    Process& p = t.process();
    VERIFY(t.m_life == Thread::Life::Dead);
    VERIFY(t.m_children.is_empty());
    flush_pending(t.m_pending, ~SigSet(), p);
    p.m_dead_user_ns += t.m_user_ns;
    p.m_dead_system_ns += t.m_system_ns;
    p.m_dead_counts[0] += t.m_nvcsw;
    p.m_dead_counts[1] += t.m_nivcsw;
    p.m_dead_counts[2] += t.m_minflt;
    p.m_dead_counts[3] += t.m_majflt;
    change_process_state_count(p, -1);
    p.m_state_counts[static_cast<unsigned>(t.m_counted_state)]--;
    change_process_state_count(p, +1);
    m_thread_states[static_cast<unsigned>(t.m_counted_state)]--;
    --m_nr_threads;
    if (p.m_curr_target == &t)
        p.m_curr_target = nullptr;
    Thread::GroupList::remove(t);
    p.m_thread_count--;
    p.m_account->tasks--; // release_task's dec_rlimit_ucounts
    if (m_slots[t.m_tid].thread == &t) {
        m_slots[t.m_tid].thread = nullptr;
        pid_slot_changed(t.m_tid); // pidfds of the thread: POLLHUP, ESRCH
    }
    p.m_ledger.release(Resource::Pid);
    proc_delete(&t);
}

// The reap: the zombie disappears, its pid becomes free (unless its group
// or session still uses the number). Called by wait, or at once for
// auto-reaped children.
void ProcessTable::release_process(Process& p, pid_t reaper) {
    VERIFY(p.is_zombie());
    VERIFY(p.m_live_threads == 0);
    int status = process_status(p);
    pid_t ppid = p.ppid();
    unlink_child(p);
    p.m_parent = nullptr;
    VERIFY(p.m_events.is_empty());
    leave_group(p);
    flush_pending(p.m_shared_pending, ~SigSet(), p);
    Thread& leader = *p.m_leader;
    VERIFY(p.m_thread_count == 1);
    VERIFY(leader.m_children.is_empty());
    m_cpu_ns -= total_user_ns(p) + total_system_ns(p);
    m_memory_kb -= p.m_rss_kb;
    free_thread(leader);
    if (--p.m_sighand->users == 0)
        proc_delete(p.m_sighand);
    p.m_sighand = nullptr;
    p.m_ledger.release(Resource::SigHandRef);
    // Every resource the process ever owned has been given back exactly once.
    VERIFY(p.m_ledger.balanced());
    change_process_state_count(p, -1);
    ProcessList::remove(p);
    --m_nr_processes;
    ++m_reaps;
    put_account(p.m_account);
    ProcEvent e;
    e.kind = ProcEvent::Kind::Reap;
    e.pid = p.m_pid;
    e.ppid = ppid;
    e.code = status;
    e.sender = reaper;
    m_host.on_event(e);
    proc_delete(&p);
}

} // namespace charon::proc
