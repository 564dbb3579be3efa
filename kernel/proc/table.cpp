// The process table: pids, lookup, fork/clone, process groups and sessions,
// execve's part, prctl, accounting and statistics.
#include "proc/alloc.h"
#include "proc/lifecycle.h"

namespace charon::proc {

namespace {
Process& as_process(ProcessLinks& links) { return static_cast<Process&>(links); }
} // namespace

ProcessTable::ProcessTable(LifecycleHost& host, const ProcessTableConfig& config)
    : m_host(host), m_config(config) {
    VERIFY(m_config.pid_max >= 2);
    if (m_config.pid_wrap_floor < 1 || m_config.pid_wrap_floor >= m_config.pid_max)
        m_config.pid_wrap_floor = 1;
}

// Test teardown: free everything without callbacks (the kernel never
// destroys its process table).
ProcessTable::~ProcessTable() {
    while (ProcessLinks* links = m_processes.first()) {
        Process& p = as_process(*links);
        ProcessList::remove(p);
        if (p.event_node.is_linked())
            EventList::remove(p);
        if (p.sibling_node.is_linked())
            ChildList::remove(p);
        if (p.group_node.is_linked())
            MemberList::remove(p);
        delete_timers(p);
        flush_pending(p.m_shared_pending, ~SigSet(), p);
        while (Thread* t = p.m_threads.first()) {
            Thread::GroupList::remove(*t);
            while (ProcessLinks* c = t->m_children.first())
                ChildList::remove(*c);
            flush_pending(t->m_pending, ~SigSet(), p);
            if (t->m_address_space && --t->m_address_space->users == 0)
                proc_delete(t->m_address_space);
            proc_delete(t);
        }
        while (ProcessLinks* c = p.m_events.first())
            EventList::remove(*c);
        if (p.m_file_table && --p.m_file_table->users == 0)
            proc_delete(p.m_file_table);
        if (p.m_sighand && --p.m_sighand->users == 0)
            proc_delete(p.m_sighand);
        proc_delete(&p);
    }
    if (m_slots) {
        for (pid_t pid = 1; pid < m_config.pid_max; ++pid) {
            PidSlot& s = m_slots[pid];
            if (s.group)
                proc_delete(s.group);
            if (s.session)
                proc_delete(s.session);
        }
        ::operator delete(m_slots);
    }
    for (auto& bucket : m_accounts)
        while (UserAccount* a = bucket.take_first())
            proc_delete(a);
}

// --- pids ---------------------------------------------------------------------

ProcessTable::PidSlot* ProcessTable::slot(pid_t pid) {
    if (!m_slots || pid < 1 || pid >= m_config.pid_max)
        return nullptr;
    return &m_slots[pid];
}

// Linux's idr_alloc_cyclic: the next free number after the last one handed
// out; after wrapping, restart at the floor (pid_wrap_floor) so that the low
// pids of daemons are not reused at once. A pid is busy while a thread, a
// process group or a session holds it (the pid of a reaped group leader
// stays busy while its group lives on).
Result<pid_t> ProcessTable::alloc_pid() {
    // Once allocation has passed the floor, numbers below it are never handed
    // out again (Linux: pids below RESERVED_PIDS belong to early daemons).
    pid_t low = m_last_pid + 1 > m_config.pid_wrap_floor ? m_config.pid_wrap_floor : 1;
    pid_t start = m_last_pid + 1;
    if (start >= m_config.pid_max)
        start = low;
    for (pid_t pid = start; pid < m_config.pid_max; ++pid) {
        if (!m_slots[pid].in_use()) {
            m_slots[pid].reserved = true;
            m_last_pid = pid;
            return pid;
        }
    }
    for (pid_t pid = low; pid < start; ++pid) {
        if (!m_slots[pid].in_use()) {
            m_slots[pid].reserved = true;
            m_last_pid = pid;
            return pid;
        }
    }
    return EAGAIN;
}

void ProcessTable::release_pid_if_unused(pid_t pid) {
    PidSlot* s = slot(pid);
    VERIFY(s);
    s->reserved = false;
}

Thread* ProcessTable::find_thread(pid_t tid) {
    SpinlockGuard guard(m_lock);
    PidSlot* s = slot(tid);
    return s ? s->thread : nullptr;
}

Process* ProcessTable::find_process(pid_t pid) {
    SpinlockGuard guard(m_lock);
    PidSlot* s = slot(pid);
    if (!s || !s->thread || !s->thread->is_leader())
        return nullptr;
    return s->thread->m_process;
}

ProcessGroup* ProcessTable::find_group(pid_t pgid) {
    SpinlockGuard guard(m_lock);
    PidSlot* s = slot(pgid);
    return s ? s->group : nullptr;
}

Session* ProcessTable::find_session(pid_t sid) {
    SpinlockGuard guard(m_lock);
    PidSlot* s = slot(sid);
    return s ? s->session : nullptr;
}

UserAccount* ProcessTable::find_account(uid_t uid) {
    for (auto& a : m_accounts[uid % kAccountBuckets])
        if (a.uid == uid)
            return &a;
    return nullptr;
}

UserAccount* ProcessTable::account_for(uid_t uid) {
    if (UserAccount* a = find_account(uid)) {
        ++a->references;
        return a;
    }
    auto* a = proc_new<UserAccount>();
    if (!a)
        return nullptr;
    a->uid = uid;
    a->references = 1;
    m_accounts[uid % kAccountBuckets].push_back(*a);
    ++m_nr_accounts;
    return a;
}

void ProcessTable::put_account(UserAccount* account) {
    VERIFY(account && account->references > 0);
    if (--account->references == 0) {
        VERIFY(account->queued_signals == 0);
        VERIFY(account->tasks == 0);
        IntrusiveList<UserAccount, &UserAccount::node>::remove(*account);
        --m_nr_accounts;
        proc_delete(account);
    }
}

int ProcessTable::user_tasks(uid_t uid) {
    SpinlockGuard guard(m_lock);
    UserAccount* a = find_account(uid);
    return a ? a->tasks : 0;
}

// --- threads and processes ------------------------------------------------------

Thread* ProcessTable::new_thread(Process& p, pid_t tid, uint64_t kernel_stack, uint64_t tls, void* kernel_thread) {
    auto* t = proc_new<Thread>();
    if (!t)
        return nullptr;
    t->m_tid = tid;
    t->m_process = &p;
    t->m_kernel_stack = kernel_stack;
    t->m_tls = tls;
    t->m_kernel_thread = kernel_thread;
    return t;
}

// A new thread runs at its creator's nice (Linux sched_fork copies
// static_prio); the scheduler hears of it only when it is not the default.
void ProcessTable::inherit_nice(Thread& t, Thread& creator) {
    t.m_nice = creator.m_nice;
    if (t.m_nice != 0)
        m_host.nice_changed(t, t.m_nice);
}

// Links a fully built thread into its process: pid slot, thread list,
// ledger, statistics.
static void note_thread_resources(Ledger& ledger, Thread& t) {
    ledger.acquire(Resource::Pid);
    ledger.acquire(Resource::KernelStack);
    ledger.acquire(Resource::AddressSpaceRef);
    if (t.tls())
        ledger.acquire(Resource::Tls);
}

// A new process enters the table with its one (runnable) thread: the pid
// slot, the thread list, and every counter the statistics are built from.
void ProcessTable::install_first_thread(Process& p, Thread& t, pid_t tid) {
    m_slots[tid].thread = &t;
    release_pid_if_unused(tid);
    p.m_threads.push_back(t);
    p.m_thread_count = 1;
    p.m_live_threads = 1;
    p.m_account->tasks++;
    m_processes.push_back(p);
    ++m_nr_processes;
    ++m_nr_threads;
    p.m_state_counts[static_cast<unsigned>(ThreadState::Runnable)]++;
    m_thread_states[static_cast<unsigned>(ThreadState::Runnable)]++;
    change_process_state_count(p, +1);
}

Result<Thread*> ProcessTable::create_init(const InitArgs& args) {
    SpinlockGuard guard(m_lock);
    VERIFY(!m_init);
    if (!m_slots) {
        void* memory = alloc_should_fail() ? nullptr
                                           : ::operator new(sizeof(PidSlot) * m_config.pid_max, std::nothrow);
        if (!memory)
            return ENOMEM;
        m_slots = static_cast<PidSlot*>(memory);
        for (pid_t i = 0; i < m_config.pid_max; ++i)
            new (&m_slots[i]) PidSlot();
    }
    pid_t pid = TRY(alloc_pid());
    VERIFY(pid == 1);
    auto* p = proc_new<Process>();
    auto* sighand = proc_new<SigHand>();
    auto* mm = proc_new<SharedRef>();
    auto* files = proc_new<SharedRef>();
    auto* session = proc_new<Session>();
    auto* group = proc_new<ProcessGroup>();
    UserAccount* account = account_for(args.credentials.uid);
    Thread* t = p ? new_thread(*p, pid, args.kernel_stack, args.tls, args.kernel_thread) : nullptr;
    if (!p || !sighand || !mm || !files || !session || !group || !account || !t) {
        proc_delete(p);
        proc_delete(sighand);
        proc_delete(mm);
        proc_delete(files);
        proc_delete(session);
        proc_delete(group);
        proc_delete(t);
        if (account)
            put_account(account);
        release_pid_if_unused(pid);
        return ENOMEM;
    }
    p->m_pid = pid;
    p->m_leader = t;
    p->m_parent = nullptr;
    p->m_unkillable = true;
    p->m_credentials = args.credentials;
    p->m_account = account;
    p->m_rlimit_sigpending = m_config.sigpending_limit;
    p->m_sighand = sighand;
    mm->handle = args.address_space;
    t->m_address_space = mm;
    files->handle = args.file_table;
    p->m_file_table = files;
    p->m_timers = args.timers;
    p->m_ledger.acquire(Resource::SigHandRef);
    p->m_ledger.acquire(Resource::FileTableRef);
    if (args.timers)
        p->m_ledger.acquire(Resource::Timers);
    note_thread_resources(p->m_ledger, *t);

    session->m_sid = pid;
    group->m_pgid = pid;
    group->m_session = session;
    session->m_group_count = 1;
    m_slots[pid].session = session;
    m_slots[pid].group = group;
    p->m_session_leader = true;

    install_first_thread(*p, *t, pid);
    join_group(*p, *group);
    m_init = p;
    ++m_forks;
    emit(ProcEvent::Kind::Fork, *p, 0, 0, 0, pid);
    return t;
}

Result<Thread*> ProcessTable::clone(Thread& parent_thread, const CloneArgs& args) {
    SpinlockGuard guard(m_lock);
    uint64_t flags = args.flags;
    int exit_signal = static_cast<int>(flags & CSIGNAL);
    Process& pp = parent_thread.process();
    VERIFY(parent_thread.m_life == Thread::Life::Alive);

    // The flag rules of Linux's copy_process.
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return EINVAL;
    // Siblings of init would have no reaper; threads of init are fine in
    // Linux only inside pid namespaces.
    if ((flags & (CLONE_PARENT | CLONE_THREAD)) && pp.m_unkillable)
        return EINVAL;
    if (exit_signal > NSIG)
        return EINVAL;
    // A dying group creates nothing: the syscall restarts and the caller dies
    // on its way out.
    if (pp.m_group_exit || parent_thread.m_kill_pending)
        return ERESTARTNOINTR;
    // copy_process: nr_threads >= max_threads is EAGAIN for everyone.
    if (m_config.max_threads && m_nr_threads >= m_config.max_threads)
        return EAGAIN;
    // RLIMIT_NPROC (copy_process): Linux charges the new task first and
    // fails if the count then exceeds the limit, i.e. at count >= limit.
    const Credentials& cred = pp.m_credentials;
    if (cred.uid != 0 && cred.euid != 0 && static_cast<uint64_t>(pp.m_account->tasks) >= args.nproc_limit)
        return EAGAIN;

    // CLONE_PIDFD: the identity is allocated with everything else, so that
    // failure leaves no trace; it is attached once the child exists.
    PidRef* ref = nullptr;
    if (args.pid_ref && !(ref = proc_new<PidRef>()))
        return ENOMEM;
    auto allocated = alloc_pid();
    if (allocated.is_error()) {
        proc_delete(ref);
        return allocated.error();
    }
    pid_t tid = allocated.value();
    auto attach_ref = [&] {
        if (!ref)
            return;
        VERIFY(!m_slots[tid].ref);
        ref->m_pid = tid;
        ref->m_attached = true;
        ref->m_references = 1;
        m_slots[tid].ref = ref;
        ++m_pid_refs;
        *args.pid_ref = ref;
    };

    if (flags & CLONE_THREAD) {
        Thread* t = new_thread(pp, tid, args.kernel_stack, args.tls, args.kernel_thread);
        if (!t) {
            proc_delete(ref);
            release_pid_if_unused(tid);
            return ENOMEM;
        }
        t->set_comm(parent_thread.comm());
        inherit_nice(*t, parent_thread);
        t->m_address_space = parent_thread.m_address_space;
        t->m_address_space->users++;
        t->m_blocked = parent_thread.m_blocked;
        if (flags & CLONE_CHILD_CLEARTID)
            t->m_clear_child_tid = args.child_tid;
        // A thread born during a group stop joins it (task_join_group_stop).
        if (parent_thread.m_stop_pending) {
            t->m_stop_pending = true;
            pp.m_group_stop_count++;
        }
        note_thread_resources(pp.m_ledger, *t);
        m_slots[tid].thread = t;
        release_pid_if_unused(tid);
        pp.m_threads.push_back(*t);
        change_process_state_count(pp, -1);
        pp.m_thread_count++;
        pp.m_live_threads++;
        pp.m_account->tasks++;
        pp.m_nproc_exceeded = false;
        pp.m_state_counts[static_cast<unsigned>(ThreadState::Runnable)]++;
        change_process_state_count(pp, +1);
        m_thread_states[static_cast<unsigned>(ThreadState::Runnable)]++;
        ++m_nr_threads;
        ++m_forks; // Linux's total_forks counts threads too (/proc/stat "processes")
        attach_ref();
        emit(ProcEvent::Kind::Fork, pp, 0, 0, 0, tid);
        return t;
    }

    // A new process. Allocate everything first so that failure leaves no trace.
    auto* c = proc_new<Process>();
    Thread* t = c ? new_thread(*c, tid, args.kernel_stack, args.tls, args.kernel_thread) : nullptr;
    if (t)
        t->set_comm(parent_thread.comm());
    SigHand* sighand = (flags & CLONE_SIGHAND) ? pp.m_sighand : proc_new<SigHand>();
    SharedRef* mm = (flags & CLONE_VM) ? parent_thread.m_address_space : proc_new<SharedRef>();
    SharedRef* files = (flags & CLONE_FILES) ? pp.m_file_table : proc_new<SharedRef>();
    if (!c || !t || !sighand || !mm || !files) {
        proc_delete(t);
        proc_delete(c);
        if (!(flags & CLONE_SIGHAND))
            proc_delete(sighand);
        if (!(flags & CLONE_VM))
            proc_delete(mm);
        if (!(flags & CLONE_FILES))
            proc_delete(files);
        proc_delete(ref);
        release_pid_if_unused(tid);
        return ENOMEM;
    }

    if (flags & CLONE_SIGHAND) {
        sighand->users++;
    } else {
        for (int i = 0; i < NSIG; ++i)
            sighand->action[i] = pp.m_sighand->action[i];
    }
    if (flags & CLONE_VM)
        mm->users++;
    else
        mm->handle = args.address_space;
    if (flags & CLONE_FILES)
        files->users++;
    else
        files->handle = args.file_table;

    c->m_pid = tid;
    c->m_leader = t;
    c->m_credentials = pp.m_credentials;
    c->m_tty_epoch = pp.m_tty_epoch;
    c->m_account = pp.m_account; // the same real uid: no lookup
    c->m_account->references++;
    pp.m_nproc_exceeded = false;
    c->m_rlimit_sigpending = pp.m_rlimit_sigpending;
    c->m_rlimit_nice = pp.m_rlimit_nice;
    inherit_nice(*t, parent_thread);
    c->m_sighand = sighand;
    c->m_file_table = files;
    c->m_timers = args.timers;
    t->m_address_space = mm;
    t->m_blocked = parent_thread.m_blocked;
    if (flags & CLONE_CHILD_CLEARTID)
        t->m_clear_child_tid = args.child_tid;
    c->m_ledger.acquire(Resource::SigHandRef);
    c->m_ledger.acquire(Resource::FileTableRef);
    if (args.timers)
        c->m_ledger.acquire(Resource::Timers);
    note_thread_resources(c->m_ledger, *t);

    // CLONE_PARENT: a sibling of the caller, with the caller's exit signal.
    Thread* real_parent = &parent_thread;
    if (flags & CLONE_PARENT) {
        real_parent = pp.m_parent;
        exit_signal = pp.m_exit_signal;
    }
    c->m_exit_signal = exit_signal;

    if (flags & CLONE_VFORK) {
        c->m_vfork_parent = &parent_thread;
        parent_thread.m_vfork_child = c;
        c->m_ledger.acquire(Resource::VforkParent);
    }

    install_first_thread(*c, *t, tid);

    // The child's place in the tree and in its parent's job.
    c->m_parent = real_parent;
    link_child(*c, *real_parent);
    join_group(*c, *pp.m_group);
    update_link(*c);
    ++m_forks;
    attach_ref();
    emit(ProcEvent::Kind::Fork, *c, 0, 0, 0, tid);
    return t;
}

SleepDecision ProcessTable::vfork_wait(Thread& parent) {
    SpinlockGuard guard(m_lock);
    SleepDecision d;
    Process* child = parent.m_vfork_child;
    if (!child)
        return d;
    // Killable: a parent told to die stops waiting and forgets the child.
    if (parent.m_kill_pending || parent.process().m_group_exit) {
        child->m_vfork_parent = nullptr;
        child->m_ledger.release(Resource::VforkParent);
        parent.m_vfork_child = nullptr;
        return d;
    }
    d.done = false;
    d.queue = &parent.m_vfork_wait;
    d.generation = parent.m_vfork_wait.generation();
    return d;
}

void ProcessTable::release_vfork_parent(Process& p) {
    Thread* parent = p.m_vfork_parent;
    if (!parent)
        return;
    p.m_vfork_parent = nullptr;
    parent->m_vfork_child = nullptr;
    p.m_ledger.release(Resource::VforkParent);
    parent->m_vfork_wait.wake_all();
}

// --- children links ------------------------------------------------------------

void ProcessTable::count_child(Process& c, int delta) {
    Process* parent = c.parent();
    if (!parent)
        return;
    int clone_kind = c.m_exit_signal != SIGCHLD ? 1 : 0;
    int zombie = c.is_zombie() ? 1 : 0;
    parent->m_child_counts[clone_kind][zombie] += delta;
    VERIFY(parent->m_child_counts[clone_kind][zombie] >= 0);
}

void ProcessTable::link_child(Process& c, Thread& parent_thread) {
    c.m_parent = &parent_thread;
    parent_thread.m_children.push_back(c);
    count_child(c, +1);
    update_event_link(c);
}

void ProcessTable::unlink_child(Process& c) {
    if (!c.m_parent)
        return;
    count_child(c, -1);
    if (c.event_node.is_linked())
        EventList::remove(c);
    ChildList::remove(c);
}

// A child sits in its parent's event queue exactly while it has something a
// wait could report: it is a notified zombie, or it stopped and the stop was
// not consumed yet, or it continued and that was not reported yet.
void ProcessTable::update_event_link(Process& c) {
    Process* parent = c.parent();
    if (!parent)
        return;
    bool reportable = c.is_zombie() || (c.m_stop_stopped && c.m_stop_report) || c.m_continued_report;
    if (reportable && !c.event_node.is_linked())
        parent->m_events.push_back(c);
    else if (!reportable && c.event_node.is_linked())
        EventList::remove(c);
}

Thread* ProcessTable::find_alive_thread(Process& p) {
    for (auto& t : p.m_threads)
        if (t.m_life == Thread::Life::Alive)
            return &t;
    return nullptr;
}

// --- process groups and sessions ------------------------------------------------

Result<ProcessGroup*> ProcessTable::new_group(pid_t pgid, Session& session) {
    auto* g = proc_new<ProcessGroup>();
    if (!g)
        return ENOMEM;
    g->m_pgid = pgid;
    g->m_session = &session;
    session.m_group_count++;
    m_slots[pgid].group = g;
    return g;
}

void ProcessTable::join_group(Process& p, ProcessGroup& g) {
    VERIFY(!p.m_group);
    p.m_group = &g;
    g.m_members.push_back(p);
    g.m_member_count++;
    if (p.m_stop_stopped)
        g.m_stopped++;
    p.m_orphan_link = false;
}

void ProcessTable::leave_group(Process& p) {
    ProcessGroup* g = p.m_group;
    VERIFY(g);
    if (p.m_orphan_link) {
        g->m_links--;
        p.m_orphan_link = false;
    }
    if (p.m_stop_stopped)
        g->m_stopped--;
    MemberList::remove(p);
    g->m_member_count--;
    p.m_group = nullptr;
    if (g->m_member_count > 0)
        return;
    // The last member left: the group's pgid is free, and with the last group
    // of a session the session's sid too.
    Session* s = g->m_session;
    m_slots[g->m_pgid].group = nullptr;
    pid_slot_changed(g->m_pgid);
    proc_delete(g);
    if (--s->m_group_count == 0) {
        detach_session_tty(*s); // normally done when its leader exited
        m_slots[s->m_sid].session = nullptr;
        pid_slot_changed(s->m_sid);
        proc_delete(s);
    }
}

// Does `p` connect its group to the rest of the session (POSIX orphaned
// process group, Linux will_become_orphaned_pgrp)? Only a live process whose
// parent is not init and lives in another group of the same session.
bool ProcessTable::computes_link(Process& p) {
    if (p.is_zombie() || !p.m_group)
        return false;
    Process* parent = p.parent();
    if (!parent || parent == m_init || !parent->m_group)
        return false;
    return parent->m_group != p.m_group && &parent->m_group->session() == &p.m_group->session();
}

bool ProcessTable::update_link(Process& p) {
    bool link = computes_link(p);
    if (link == p.m_orphan_link)
        return false;
    p.m_orphan_link = link;
    if (link) {
        p.m_group->m_links++;
        return false;
    }
    return --p.m_group->m_links == 0;
}

void ProcessTable::update_children_links(Process& p) {
    for (auto& t : p.m_threads)
        for (auto& links : t.m_children)
            update_link(as_process(links));
}

// POSIX: a group that becomes orphaned while one of its members is stopped
// gets SIGHUP then SIGCONT, or those members would stay stopped forever.
void ProcessTable::check_orphaned_group(ProcessGroup& g) {
    if (!g.is_orphaned() || g.m_stopped == 0)
        return;
    send_to_group_members(g, SIGHUP);
    send_to_group_members(g, SIGCONT);
}

void ProcessTable::set_stopped_flag(Process& p, bool stopped) {
    if (p.m_stop_stopped == stopped)
        return;
    change_process_state_count(p, -1);
    p.m_stop_stopped = stopped;
    change_process_state_count(p, +1);
    if (p.m_group)
        p.m_group->m_stopped += stopped ? 1 : -1;
}

Result<void> ProcessTable::setpgid(Thread& caller, pid_t pid, pid_t pgid) {
    SpinlockGuard guard(m_lock);
    Process& me = caller.process();
    if (pid == 0)
        pid = me.m_pid;
    if (pgid == 0)
        pgid = pid;
    if (pgid < 0)
        return EINVAL;
    PidSlot* s = slot(pid);
    Thread* target_thread = s ? s->thread : nullptr;
    if (!target_thread)
        return ESRCH;
    if (!target_thread->is_leader())
        return EINVAL;
    Process& p = target_thread->process();
    if (p.parent() == &me) {
        // A child: only in our session, and only before it calls execve.
        if (&p.m_group->session() != &me.m_group->session())
            return EPERM;
        if (p.m_did_exec)
            return EACCES;
    } else if (&p != &me) {
        return ESRCH;
    }
    if (p.m_session_leader)
        return EPERM;
    ProcessGroup* target = nullptr;
    if (pgid != pid) {
        PidSlot* gs = slot(pgid);
        target = gs ? gs->group : nullptr;
        if (!target || &target->session() != &me.m_group->session())
            return EPERM;
    } else {
        target = m_slots[pid].group;
        if (target && &target->session() != &p.m_group->session())
            return EPERM;
        if (!target)
            target = TRY(new_group(pgid, p.m_group->session()));
    }
    if (target == p.m_group)
        return {};
    leave_group(p);
    join_group(p, *target);
    update_link(p);
    update_children_links(p);
    return {};
}

Result<pid_t> ProcessTable::getpgid(Thread& caller, pid_t pid) {
    SpinlockGuard guard(m_lock);
    if (pid == 0)
        return caller.process().pgid();
    PidSlot* s = slot(pid);
    if (!s || !s->thread)
        return ESRCH;
    return s->thread->process().pgid();
}

Result<pid_t> ProcessTable::getsid(Thread& caller, pid_t pid) {
    SpinlockGuard guard(m_lock);
    if (pid == 0)
        return caller.process().sid();
    PidSlot* s = slot(pid);
    if (!s || !s->thread)
        return ESRCH;
    return s->thread->process().sid();
}

Result<pid_t> ProcessTable::setsid(Thread& caller) {
    SpinlockGuard guard(m_lock);
    Process& p = caller.process();
    // A process group leader cannot start a session: its group would
    // straddle two sessions. (A session leader is always a group leader.)
    if (p.m_session_leader || m_slots[p.m_pid].group)
        return EPERM;
    auto* session = proc_new<Session>();
    if (!session)
        return ENOMEM;
    session->m_sid = p.m_pid;
    m_slots[p.m_pid].session = session;
    auto group = new_group(p.m_pid, *session);
    if (group.is_error()) {
        m_slots[p.m_pid].session = nullptr;
        proc_delete(session);
        return group.error();
    }
    leave_group(p);
    join_group(p, *group.value());
    p.m_session_leader = true;
    p.m_tty_epoch = 0; // a new session starts without a controlling terminal
    update_link(p);
    update_children_links(p);
    return p.m_pid;
}

// --- the controlling terminal ---------------------------------------------------

Terminal* ProcessTable::controlling_tty_of(Process& p) {
    Session& s = p.m_group->session();
    return s.m_tty && p.m_tty_epoch == s.m_tty_epoch ? s.m_tty : nullptr;
}

// Linux proc_set_tty: the terminal's session and foreground group become the
// leader's; the leader (and whoever it forks from now on) has it.
void ProcessTable::attach_tty(Process& leader, Terminal& tty) {
    Session& s = leader.m_group->session();
    s.m_tty = &tty;
    s.m_tty_epoch = ++m_tty_epochs;
    leader.m_tty_epoch = s.m_tty_epoch;
    tty.m_session = &s;
    tty.m_foreground = leader.pgid();
}

// Linux session_clear_tty plus clearing tty->ctrl: no member of `s` has the
// terminal any more (their epochs are stale now).
void ProcessTable::detach_session_tty(Session& s) {
    if (!s.m_tty)
        return;
    s.m_tty->m_session = nullptr;
    s.m_tty->m_foreground = 0;
    s.m_tty = nullptr;
}

void ProcessTable::signal_pgid(pid_t pgid, int sig) {
    PidSlot* gs = pgid > 0 ? slot(pgid) : nullptr;
    if (gs && gs->group)
        send_to_group_members(*gs->group, sig);
}

Result<void> ProcessTable::set_controlling_tty(Thread& caller, Terminal& tty, bool steal) {
    SpinlockGuard guard(m_lock);
    Process& p = caller.process();
    Session& s = p.m_group->session();
    if (p.m_session_leader && tty.m_session == &s)
        return {};
    if (!p.m_session_leader || controlling_tty_of(p))
        return EPERM;
    if (tty.m_session) {
        if (!steal)
            return EPERM;
        detach_session_tty(*tty.m_session);
    }
    attach_tty(p, tty);
    return {};
}

void ProcessTable::open_controlling_tty(Thread& caller, Terminal& tty) {
    SpinlockGuard guard(m_lock);
    Process& p = caller.process();
    if (p.m_session_leader && !controlling_tty_of(p) && !tty.m_session)
        attach_tty(p, tty);
}

bool ProcessTable::is_controlling_tty(Thread& caller, Terminal& tty) {
    SpinlockGuard guard(m_lock);
    return controlling_tty_of(caller.process()) == &tty;
}

bool ProcessTable::has_controlling_tty(Thread& caller) {
    SpinlockGuard guard(m_lock);
    return controlling_tty_of(caller.process()) != nullptr;
}

Result<pid_t> ProcessTable::tty_foreground_group(Thread& caller, Terminal& tty) {
    SpinlockGuard guard(m_lock);
    if (controlling_tty_of(caller.process()) != &tty)
        return ENOTTY;
    return tty.m_foreground;
}

Result<pid_t> ProcessTable::tty_session(Thread& caller, Terminal& tty) {
    SpinlockGuard guard(m_lock);
    if (controlling_tty_of(caller.process()) != &tty || !tty.m_session)
        return ENOTTY;
    return tty.m_session->m_sid;
}

Result<void> ProcessTable::set_foreground_group(Thread& caller, Terminal& tty, pid_t pgid) {
    SpinlockGuard guard(m_lock);
    Process& p = caller.process();
    if (controlling_tty_of(p) != &tty)
        return ENOTTY;
    if (pgid < 0)
        return EINVAL;
    // Linux session_of_pgrp: the group with that id, else the process.
    PidSlot* gs = pgid > 0 ? slot(pgid) : nullptr;
    Session* target = nullptr;
    if (gs && gs->group)
        target = &gs->group->session();
    else if (gs && gs->thread)
        target = &gs->thread->process().m_group->session();
    if (!target)
        return ESRCH;
    if (target != &p.m_group->session())
        return EPERM;
    tty.m_foreground = pgid;
    return {};
}

Result<void> ProcessTable::release_controlling_tty(Thread& caller, Terminal& tty) {
    SpinlockGuard guard(m_lock);
    Process& p = caller.process();
    if (controlling_tty_of(p) != &tty)
        return ENOTTY;
    if (p.m_session_leader) {
        // Linux disassociate_ctty(0): the foreground group is hung up and
        // continued, then nobody in the session has the terminal.
        pid_t foreground = tty.m_foreground;
        signal_pgid(foreground, SIGHUP);
        signal_pgid(foreground, SIGCONT);
        detach_session_tty(p.m_group->session());
    }
    p.m_tty_epoch = 0;
    return {};
}

void ProcessTable::vhangup(Thread& caller) {
    SpinlockGuard guard(m_lock);
    Process& p = caller.process();
    Terminal* tty = controlling_tty_of(p);
    if (!tty)
        return;
    Session& s = p.m_group->session();
    if (tty->m_hang_up)
        tty->m_hang_up(tty->m_device);
    // tty_signal_session_leader: only the leader is signalled (the shell
    // passes the hang-up on to its jobs).
    PidSlot* ls = slot(s.m_sid);
    Process* leader = ls && ls->thread ? &ls->thread->process() : nullptr;
    if (leader && leader->m_pid == s.m_sid && leader->m_session_leader && controlling_tty_of(*leader) == tty) {
        (void)group_send(nullptr, SIGHUP, user_siginfo(SIGHUP, SI_KERNEL, nullptr), *leader);
        (void)group_send(nullptr, SIGCONT, user_siginfo(SIGCONT, SI_KERNEL, nullptr), *leader);
    }
    detach_session_tty(s);
}

Result<void> ProcessTable::tty_check_change(Thread& caller, Terminal& tty, int sig) {
    SpinlockGuard guard(m_lock);
    Process& p = caller.process();
    if (controlling_tty_of(p) != &tty || tty.m_foreground == 0 || tty.m_foreground == p.pgid())
        return {};
    bool ignored;
    {
        SpinlockGuard sig_guard(p.m_sighand->lock);
        ignored = caller.m_blocked.contains(sig) || p.m_sighand->action[sig - 1].handler == SIG_IGN;
    }
    if (ignored)
        return sig == SIGTTIN ? Result<void>(EIO) : Result<void>();
    if (p.m_group->is_orphaned())
        return EIO;
    send_to_group_members(*p.m_group, sig);
    return ERESTARTSYS;
}

void ProcessTable::signal_terminal_foreground(Terminal& tty, int sig) {
    SpinlockGuard guard(m_lock);
    if (tty.m_session)
        signal_pgid(tty.m_foreground, sig);
}

// --- prctl ----------------------------------------------------------------------

Result<void> ProcessTable::set_pdeath_signal(Thread& thread, int sig) {
    if (sig != 0 && !valid_signal(sig))
        return EINVAL;
    SpinlockGuard guard(m_lock);
    thread.m_pdeath_signal = sig;
    return {};
}

void ProcessTable::set_child_subreaper(Thread& thread, bool enable) {
    SpinlockGuard guard(m_lock);
    thread.process().m_is_subreaper = enable;
}

bool ProcessTable::file_table_shared(Process& process) {
    SpinlockGuard guard(m_lock);
    return process.m_file_table && process.m_file_table->users > 1;
}

Result<uint64_t> ProcessTable::unshare_file_table(Process& process, uint64_t copy) {
    auto* files = proc_new<SharedRef>();
    if (!files)
        return ENOMEM;
    SpinlockGuard guard(m_lock);
    SharedRef* old = process.m_file_table;
    if (!old || old->users == 1) {
        proc_delete(files);
        return 0;
    }
    // The other users keep the old table; the ledger's FileTableRef (one
    // per process using a table) is unchanged.
    --old->users;
    files->handle = copy;
    process.m_file_table = files;
    return old->handle;
}

void ProcessTable::set_sigpending_limit(Process& process, int limit) {
    SpinlockGuard guard(m_lock);
    process.m_rlimit_sigpending = limit;
}

void ProcessTable::set_clear_child_tid(Thread& thread, uint64_t address) {
    SpinlockGuard guard(m_lock);
    thread.m_clear_child_tid = address;
}

Result<void> ProcessTable::set_credentials(Process& p, const Credentials& credentials, uint64_t nproc_limit) {
    SpinlockGuard guard(m_lock);
    if (credentials.uid != p.m_credentials.uid) {
        UserAccount* account = account_for(credentials.uid);
        if (!account)
            return ENOMEM;
        // flag_nproc_exceeded looks at the new user before this process
        // joins it; "over" is strictly more than the limit.
        p.m_nproc_exceeded = credentials.uid != 0 && static_cast<uint64_t>(account->tasks) > nproc_limit;
        // commit_creds moves the count (Linux per task; here the whole
        // process, whose threads share the credentials).
        account->tasks += p.m_thread_count;
        p.m_account->tasks -= p.m_thread_count;
        put_account(p.m_account);
        p.m_account = account;
    }
    p.m_credentials = credentials;
    return {};
}

Result<void> ProcessTable::exec_check_nproc(Process& p, uint64_t nproc_limit) {
    SpinlockGuard guard(m_lock);
    if (p.m_nproc_exceeded && static_cast<uint64_t>(p.m_account->tasks) > nproc_limit)
        return EAGAIN;
    p.m_nproc_exceeded = false;
    return {};
}

// --- execve -------------------------------------------------------------------------

Result<SleepDecision> ProcessTable::exec_prepare(Thread& thread) {
    SpinlockGuard guard(m_lock);
    Process& p = thread.process();
    if (p.m_group_exit || thread.m_kill_pending || (p.m_exec_thread && p.m_exec_thread != &thread))
        return EAGAIN;
    SleepDecision d;
    if (!p.m_exec_thread) {
        // de_thread: every other thread dies (as by SIGKILL, the group
        // survives); a group stop in progress is cancelled.
        p.m_exec_thread = &thread;
        p.m_group_stop_count = 0;
        for (auto& t : p.m_threads) {
            if (&t == &thread || t.m_life != Thread::Life::Alive)
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
    for (auto& t : p.m_threads) {
        if (&t != &thread && t.m_life != Thread::Life::Dead) {
            d.done = false;
            d.queue = &p.m_stop_wait;
            d.generation = p.m_stop_wait.generation();
            return d;
        }
    }
    return d;
}

Result<void> ProcessTable::exec_commit(Thread& thread, uint64_t new_address_space) {
    SharedRef* old_mm = nullptr;
    bool old_last = false;
    {
        SpinlockGuard guard(m_lock);
        Process& p = thread.process();
        VERIFY(p.m_exec_thread == &thread);
        for (auto& t : p.m_threads)
            VERIFY(&t == &thread || t.m_life == Thread::Life::Dead);

        // Allocate before the point of no return.
        auto* mm = proc_new<SharedRef>();
        SigHand* sighand = nullptr;
        if (p.m_sighand->users > 1) {
            sighand = proc_new<SigHand>();
            if (!sighand) {
                proc_delete(mm);
                return ENOMEM;
            }
        }
        if (!mm) {
            proc_delete(sighand);
            return ENOMEM;
        }

        if (!thread.is_leader()) {
            // The exec'ing thread takes over the leader's pid; the old leader
            // (already dead) is released with the thread's old tid.
            Thread& old = *p.m_leader;
            pid_t old_tid = thread.m_tid;
            // Linux exchange_tids: the identities follow the numbers, so a
            // pidfd of the process keeps reaching it, and one of the thread's
            // old tid now names the released old leader (POLLHUP, ESRCH).
            m_slots[old_tid].thread = nullptr;
            pid_slot_changed(old_tid);
            thread.m_tid = p.m_pid;
            m_slots[p.m_pid].thread = &thread;
            p.m_leader = &thread;
            while (ProcessLinks* c = old.m_children.first()) {
                Process& child = as_process(*c);
                count_child(child, -1);
                ChildList::remove(child);
                link_child(child, thread);
            }
            free_thread(old);
        }
        p.m_exec_thread = nullptr;

        // Handlers point into the old image: reset them. Ignored signals
        // and the mask survive (POSIX), pending signals too.
        if (sighand) {
            for (int i = 0; i < NSIG; ++i)
                sighand->action[i] = p.m_sighand->action[i];
            p.m_sighand->users--;
            p.m_sighand = sighand;
        }
        {
            SpinlockGuard sig_guard(p.m_sighand->lock);
            for (auto& a : p.m_sighand->action) {
                if (a.handler != SIG_IGN)
                    a.handler = SIG_DFL;
                a.flags = 0;
                a.mask = 0;
            }
        }
        release_vfork_parent(p);
        p.m_did_exec = true;
        delete_timers(p); // POSIX timers die with the image (Linux exit_itimers); itimers stay

        old_mm = thread.m_address_space;
        mm->handle = new_address_space;
        thread.m_address_space = mm;
        p.m_ledger.acquire(Resource::AddressSpaceRef);
        old_last = --old_mm->users == 0;
    }
    // The kernel already runs on the new tables: the old ones are not in CR3.
    m_host.leave_address_space(thread, old_mm->handle);
    if (old_last)
        m_host.free_address_space(old_mm->handle);
    SpinlockGuard guard(m_lock);
    thread.process().m_ledger.release(Resource::AddressSpaceRef);
    if (old_last)
        proc_delete(old_mm);
    return {};
}

// --- accounting and statistics ------------------------------------------------------

// Processes are counted in exactly one state: zombie, else stopped (job
// control), else running if a thread runs, runnable if one could, else
// sleeping. Kept incrementally so the snapshot costs nothing.
int ProcessTable::process_state_index(Process& p) {
    if (p.is_zombie())
        return 4;
    if (p.m_stop_stopped)
        return 3;
    if (p.m_state_counts[static_cast<unsigned>(ThreadState::Running)])
        return 0;
    if (p.m_state_counts[static_cast<unsigned>(ThreadState::Runnable)])
        return 1;
    return 2;
}

void ProcessTable::change_process_state_count(Process& p, int delta) {
    m_process_states[process_state_index(p)] += delta;
}

void ProcessTable::recount_thread(Thread& t) {
    ThreadState state = t.m_life == Thread::Life::Dead ? ThreadState::Zombie
        : t.m_stopped                                  ? ThreadState::Stopped
                                                       : t.m_run_state;
    if (state == t.m_counted_state)
        return;
    Process& p = t.process();
    change_process_state_count(p, -1);
    p.m_state_counts[static_cast<unsigned>(t.m_counted_state)]--;
    m_thread_states[static_cast<unsigned>(t.m_counted_state)]--;
    t.m_counted_state = state;
    p.m_state_counts[static_cast<unsigned>(state)]++;
    m_thread_states[static_cast<unsigned>(state)]++;
    change_process_state_count(p, +1);
}

void ProcessTable::set_thread_run_state(Thread& thread, ThreadState state) {
    VERIFY(state == ThreadState::Running || state == ThreadState::Runnable || state == ThreadState::Sleeping);
    SpinlockGuard guard(m_lock);
    thread.m_run_state = state;
    recount_thread(thread);
}

void ProcessTable::account_cpu(Thread& thread, uint64_t user_ns, uint64_t system_ns) {
    SpinlockGuard guard(m_lock);
    thread.m_user_ns += user_ns;
    thread.m_system_ns += system_ns;
    m_cpu_ns += user_ns + system_ns;
    // The CPU-time timers are checked where CPU time is charged.
    Process& p = thread.process();
    if (p.m_armed_cpu_timers || p.m_itimer_expires[0] || p.m_itimer_expires[1])
        check_cpu_timers(p);
}

void ProcessTable::account_context_switch(Thread& thread, bool voluntary) {
    SpinlockGuard guard(m_lock);
    (voluntary ? thread.m_nvcsw : thread.m_nivcsw)++;
}

void ProcessTable::account_page_fault(Thread& thread, bool major, uint64_t count) {
    SpinlockGuard guard(m_lock);
    (major ? thread.m_majflt : thread.m_minflt) += static_cast<int64_t>(count);
}

void ProcessTable::note_rss(Process& p, int64_t rss_kb) {
    SpinlockGuard guard(m_lock);
    m_memory_kb += rss_kb - p.m_rss_kb;
    p.m_rss_kb = rss_kb;
    if (rss_kb > p.m_max_rss_kb)
        p.m_max_rss_kb = rss_kb;
}

uint64_t ProcessTable::total_user_ns(Process& p) {
    uint64_t ns = p.m_dead_user_ns;
    for (auto& t : p.m_threads)
        ns += t.m_user_ns;
    return ns;
}

uint64_t ProcessTable::total_system_ns(Process& p) {
    uint64_t ns = p.m_dead_system_ns;
    for (auto& t : p.m_threads)
        ns += t.m_system_ns;
    return ns;
}

static TimeVal to_timeval(uint64_t ns) {
    TimeVal tv;
    tv.tv_sec = static_cast<int64_t>(ns / 1000000000ull);
    tv.tv_usec = static_cast<int64_t>((ns % 1000000000ull) / 1000ull);
    return tv;
}

void ProcessTable::fill_rusage_both(Process& p, RUsage& usage) {
    usage = RUsage();
    usage.ru_utime = to_timeval(total_user_ns(p) + p.m_child_user_ns);
    usage.ru_stime = to_timeval(total_system_ns(p) + p.m_child_system_ns);
    int64_t counts[4] = {p.m_dead_counts[0], p.m_dead_counts[1], p.m_dead_counts[2], p.m_dead_counts[3]};
    for (auto& t : p.m_threads) {
        counts[0] += t.m_nvcsw;
        counts[1] += t.m_nivcsw;
        counts[2] += t.m_minflt;
        counts[3] += t.m_majflt;
    }
    usage.ru_nvcsw = counts[0] + p.m_child_counts_ru[0];
    usage.ru_nivcsw = counts[1] + p.m_child_counts_ru[1];
    usage.ru_minflt = counts[2] + p.m_child_counts_ru[2];
    usage.ru_majflt = counts[3] + p.m_child_counts_ru[3];
    usage.ru_maxrss = p.m_max_rss_kb > p.m_child_max_rss_kb ? p.m_max_rss_kb : p.m_child_max_rss_kb;
}

Result<RUsage> ProcessTable::getrusage(Thread& thread, int who) {
    SpinlockGuard guard(m_lock);
    Process& p = thread.process();
    RUsage usage;
    switch (who) {
    case RUSAGE_SELF: {
        usage.ru_utime = to_timeval(total_user_ns(p));
        usage.ru_stime = to_timeval(total_system_ns(p));
        int64_t counts[4] = {p.m_dead_counts[0], p.m_dead_counts[1], p.m_dead_counts[2], p.m_dead_counts[3]};
        for (auto& t : p.m_threads) {
            counts[0] += t.m_nvcsw;
            counts[1] += t.m_nivcsw;
            counts[2] += t.m_minflt;
            counts[3] += t.m_majflt;
        }
        usage.ru_nvcsw = counts[0];
        usage.ru_nivcsw = counts[1];
        usage.ru_minflt = counts[2];
        usage.ru_majflt = counts[3];
        usage.ru_maxrss = p.m_max_rss_kb;
        return usage;
    }
    case RUSAGE_CHILDREN:
        usage.ru_utime = to_timeval(p.m_child_user_ns);
        usage.ru_stime = to_timeval(p.m_child_system_ns);
        usage.ru_nvcsw = p.m_child_counts_ru[0];
        usage.ru_nivcsw = p.m_child_counts_ru[1];
        usage.ru_minflt = p.m_child_counts_ru[2];
        usage.ru_majflt = p.m_child_counts_ru[3];
        usage.ru_maxrss = p.m_child_max_rss_kb;
        return usage;
    case RUSAGE_THREAD:
        usage.ru_utime = to_timeval(thread.m_user_ns);
        usage.ru_stime = to_timeval(thread.m_system_ns);
        usage.ru_nvcsw = thread.m_nvcsw;
        usage.ru_nivcsw = thread.m_nivcsw;
        usage.ru_minflt = thread.m_minflt;
        usage.ru_majflt = thread.m_majflt;
        usage.ru_maxrss = p.m_max_rss_kb;
        return usage;
    default:
        return EINVAL;
    }
}

void ProcessTable::for_each_process(ProcessVisitor visit, void* context) {
    SpinlockGuard guard(m_lock);
    for (auto& links : m_processes)
        visit(as_process(links), context);
}

Result<void> ProcessTable::with_thread(pid_t tid, ThreadVisitor visit, void* context) {
    SpinlockGuard guard(m_lock);
    PidSlot* s = slot(tid);
    if (!s || !s->thread)
        return ESRCH;
    visit(*s->thread, context);
    return {};
}

ProcessStats ProcessTable::stats() {
    SpinlockGuard guard(m_lock);
    ProcessStats s;
    s.processes = m_nr_processes;
    s.running = m_process_states[0];
    s.runnable = m_process_states[1];
    s.sleeping = m_process_states[2];
    s.stopped = m_process_states[3];
    s.zombie = m_process_states[4];
    s.threads = m_nr_threads;
    s.user_accounts = m_nr_accounts;
    for (unsigned i = 0; i < static_cast<unsigned>(ThreadState::Count); ++i)
        s.threads_by_state[i] = m_thread_states[i];
    s.cpu_ns = m_cpu_ns;
    s.memory_kb = m_memory_kb;
    s.forks = m_forks;
    s.exits = m_exits;
    s.reaps = m_reaps;
    s.posix_timers = m_posix_timers;
    s.pid_refs = m_pid_refs;
    return s;
}

void ProcessTable::emit(ProcEvent::Kind kind, Process& p, int code, int signo, pid_t sender, pid_t tid) {
    ProcEvent e;
    e.kind = kind;
    e.pid = p.m_pid;
    e.ppid = p.ppid();
    e.tid = tid;
    e.code = code;
    e.signo = signo;
    e.sender = sender;
    m_host.on_event(e);
}

} // namespace charon::proc
