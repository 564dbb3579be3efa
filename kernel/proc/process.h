// The objects of the lifecycle core: Thread, Process (a thread group),
// ProcessGroup, Session, and what they share (SigHand, SharedRef). All fields
// are guarded by the ProcessTable's lock (see lifecycle.h); the kernel reads
// them only through ProcessTable's API or while it holds that lock.
#pragma once

#include <cstdint>

#include "lib/deadline_heap.h"
#include "lib/intrusive_list.h"
#include "lib/spinlock.h"
#include "lib/wait_queue.h"
#include "proc/abi.h"
#include "proc/credentials.h"
#include "proc/sigset.h"
#include "proc/terminal.h"

namespace charon::proc {

class Process;
class ProcessGroup;
class Session;
class ProcessTable;


// Per-user accounting, keyed by real uid (Linux's ucounts): queued signals
// count against RLIMIT_SIGPENDING of the receiving user, tasks against
// RLIMIT_NPROC of the forking one.
struct UserAccount {
    ListNode node;
    uid_t uid = 0;
    int queued_signals = 0;
    // Threads not yet released (Linux UCOUNT_RLIMIT_NPROC: charged at clone,
    // released at release_task, so a zombie counts until it is reaped): the
    // sum of thread_count() over the processes of this real uid.
    int tasks = 0;
    int references = 0; // processes with this real uid + queued signals
};

// A queued siginfo. Standard signals have at most one per pending set;
// real-time signals one per instance.
struct PosixTimer;

struct QueuedSignal {
    ListNode node;
    SigInfo info;
    UserAccount* account = nullptr;
    // A POSIX timer's preallocated entry (Linux SIGQUEUE_PREALLOC): it stays
    // with its timer when dequeued or flushed. Null for an ordinary entry,
    // including one whose timer was deleted while it was queued.
    PosixTimer* timer = nullptr;
    // Queued before its timer was re-armed or deleted: dropped at delivery
    // (Linux 6.x posixtimer_deliver_signal's signal sequence check).
    bool stale = false;
};

// A POSIX per-process timer (timer_create; Linux's k_itimer). Times are ns
// on the timer's own clock; the core is handed the wall clocks' readings and
// knows the CPU clocks itself.
struct PosixTimer {
    ListNode process_node; // Process::m_posix_timers
    HeapNode armed_node;   // ProcessTable::m_armed_timers: armed, signalling, on a wall clock
    Process* process = nullptr;
    int id = 0;
    int clock = 0;       // CLOCK_* (abi.h)
    pid_t cpu_tid = 0;   // CLOCK_THREAD_CPUTIME_ID: the thread whose CPU time it counts
    int notify = 0;      // SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID (SIGEV_THREAD acts as SIGEV_SIGNAL)
    pid_t target_tid = 0; // SIGEV_THREAD_ID
    int signo = 0;
    uint64_t value = 0;   // sigev_value
    uint64_t expires = 0; // 0: disarmed
    uint64_t interval = 0;
    int overrun = 0;      // expiries while the signal was queued (si_overrun at delivery)
    int overrun_last = 0; // timer_getoverrun: the delivered signal's si_overrun
    QueuedSignal* sigq = nullptr; // preallocated at create, charged to RLIMIT_SIGPENDING
};

struct PendingSet {
    SigSet signals;
    IntrusiveList<QueuedSignal, &QueuedSignal::node> queue;
};

// Signal dispositions, shared by every thread of a process and by processes
// cloned with CLONE_SIGHAND.
struct SigHand {
    KSigaction action[NSIG];
    int users = 1;
    // Rank SignalHand: taken after ProcessTree, see docs/lifecycle.md.
    Spinlock lock{"sighand", LockRank::SignalHand};
};

// A reference-counted kernel object the core does not understand (address
// space, file table): `users` counts the processes/threads holding it.
struct SharedRef {
    uint64_t handle = 0;
    int users = 1;
};

// The resource ledger: what a process owns, counted at acquisition and at
// release. A release without a matching acquisition, or anything still held
// at reap, is a VERIFY failure; tests read the counters directly.
enum class Resource : uint8_t {
    AddressSpaceRef, // one per thread using an address space
    FileTableRef,    // one per process using a descriptor table
    SigHandRef,      // one per process using a disposition table
    KernelStack,     // one per thread
    Tls,             // one per thread with a TLS handle
    Timers,          // one per process with timers
    VforkParent,     // a vfork parent waiting for release
    Pid,             // tids of the group (leader's pid included)
    QueuedSignal,    // siginfo entries queued to this process or its threads
    PosixTimer,      // timer_create timers
    Count,
};

class Ledger {
public:
    void acquire(Resource r) { ++m_acquired[index(r)]; }
    void release(Resource r) {
        ++m_released[index(r)];
        VERIFY(m_released[index(r)] <= m_acquired[index(r)]);
    }
    uint32_t acquired(Resource r) const { return m_acquired[index(r)]; }
    uint32_t released(Resource r) const { return m_released[index(r)]; }
    uint32_t held(Resource r) const { return acquired(r) - released(r); }
    bool balanced() const {
        for (unsigned i = 0; i < static_cast<unsigned>(Resource::Count); ++i)
            if (m_acquired[i] != m_released[i])
                return false;
        return true;
    }

private:
    static unsigned index(Resource r) { return static_cast<unsigned>(r); }
    uint32_t m_acquired[static_cast<unsigned>(Resource::Count)] = {};
    uint32_t m_released[static_cast<unsigned>(Resource::Count)] = {};
};

// The state a thread is counted in (process statistics). Running, Runnable
// and Sleeping are fed by the scheduler; Stopped and Zombie are the core's.
enum class ThreadState : uint8_t { Running, Runnable, Sleeping, Stopped, Zombie, Count };

// A process's list links, in a base so that Thread (defined before Process)
// can hold lists of processes.
struct ProcessLinks {
    ListNode sibling_node; // parent thread's m_children
    ListNode event_node;   // parent process's m_events (reportable children)
    ListNode all_node;     // ProcessTable::m_processes
    ListNode group_node;   // ProcessGroup::m_members
};
using ChildList = IntrusiveList<ProcessLinks, &ProcessLinks::sibling_node>;
using EventList = IntrusiveList<ProcessLinks, &ProcessLinks::event_node>;
using ProcessList = IntrusiveList<ProcessLinks, &ProcessLinks::all_node>;
using MemberList = IntrusiveList<ProcessLinks, &ProcessLinks::group_node>;

// Thread life: Alive -> Exiting (PF_EXITING: inside exit, takes no more
// process-directed signals) -> Dead (exit_notify done). A non-leader is freed
// right after; the leader stays as the zombie's body until the process is
// reaped.
class Thread {
public:
    enum class Life : uint8_t { Alive, Exiting, Dead };

    pid_t tid() const { return m_tid; }
    Process& process() const { return *m_process; }
    bool is_leader() const;
    Life life() const { return m_life; }
    SigSet blocked() const { return m_blocked; }
    SigSet pending() const { return m_pending.signals; }
    int pdeath_signal() const { return m_pdeath_signal; }
    // Linux's nice is per thread (-20..19): setpriority(PRIO_PROCESS, tid)
    // names one thread. Copied by clone, kept by execve.
    int nice() const { return m_nice; }
    bool is_stopped() const { return m_stopped; }
    bool kill_pending() const { return m_kill_pending; }
    ThreadState state() const;
    // The kernel's thread object (opaque here): the WaitQueue sleeper.
    void* kernel_thread() const { return m_kernel_thread; }
    void set_kernel_thread(void* kernel_thread) { m_kernel_thread = kernel_thread; }
    uint64_t user_ns() const { return m_user_ns; }
    uint64_t system_ns() const { return m_system_ns; }
    uint64_t kernel_stack() const { return m_kernel_stack; }
    uint64_t tls() const { return m_tls; }
    uint64_t address_space() const;
    const ChildList& children() const { return m_children; }
    // The command name (Linux's comm: exec's file name or PR_SET_NAME),
    // NUL-terminated. Here, not in the kernel's per-thread object, because
    // a zombie keeps showing it until it is reaped.
    const char* comm() const { return m_comm; }
    void set_comm(const char* name) {
        size_t i = 0;
        for (; i < sizeof(m_comm) - 1 && name[i]; ++i)
            m_comm[i] = name[i];
        for (; i < sizeof(m_comm); ++i)
            m_comm[i] = 0;
    }

private:
    friend class ProcessTable;
    friend class Process;

    pid_t m_tid = 0;
    Process* m_process = nullptr;
    ListNode m_group_node; // Process::m_threads
    // Processes this thread forked. Linux keeps children per thread: they
    // move to another live thread of the group when this one exits, and
    // __WNOTHREAD waits only for these.
    ChildList m_children;

    Life m_life = Life::Alive;
    ThreadState m_run_state = ThreadState::Runnable; // as the scheduler last reported
    ThreadState m_counted_state = ThreadState::Runnable; // the state the statistics hold
    SigSet m_blocked;
    SigSet m_real_blocked; // rt_sigtimedwait: the mask before its set was unblocked
    PendingSet m_pending;
    bool m_stop_pending = false; // JOBCTL_STOP_PENDING: must join the group stop
    bool m_stopped = false;      // parked in a group stop until SIGCONT/SIGKILL
    bool m_kill_pending = false; // told to die (group exit, exec zap)
    int m_exit_status = 0;       // status word this thread exited with
    int m_pdeath_signal = 0;
    int m_nice = 0;
    uint64_t m_clear_child_tid = 0;
    uint64_t m_kernel_stack = 0;
    uint64_t m_tls = 0;
    SharedRef* m_address_space = nullptr;
    void* m_kernel_thread = nullptr;
    Process* m_vfork_child = nullptr; // this thread waits in vfork for that child
    WaitQueue m_vfork_wait;
    uint64_t m_user_ns = 0, m_system_ns = 0;
    int64_t m_nvcsw = 0, m_nivcsw = 0, m_minflt = 0, m_majflt = 0;
    char m_comm[16] = {};

public:
    using GroupList = IntrusiveList<Thread, &Thread::m_group_node>;
};

// Process life (Zircon-style explicit states):
//   Alive    at least one thread not yet exiting
//   Zombie   every thread has exited; the parent has been told (or will
//            reap it automatically); holds its pid, status and rusage
//   (reaped) the object is gone; its pid may be reused
// Orthogonal flags: group exit in progress (m_group_exit), job-control
// stopped (m_stop_stopped), continued-not-yet-reported.
class Process : public ProcessLinks {
public:
    enum class Life : uint8_t { Alive, Zombie };

    pid_t pid() const { return m_pid; }
    Life life() const { return m_life; }
    bool is_zombie() const { return m_life == Life::Zombie; }
    Thread& leader() const { return *m_leader; }
    Thread* parent_thread() const { return m_parent; }
    Process* parent() const;
    pid_t ppid() const;
    ProcessGroup& group() const { return *m_group; }
    pid_t pgid() const;
    pid_t sid() const;
    const Credentials& credentials() const { return m_credentials; }
    int exit_signal() const { return m_exit_signal; }
    bool is_group_exiting() const { return m_group_exit; }
    int group_exit_status() const { return m_group_exit_status; }
    bool is_stopped() const { return m_stop_stopped; }
    bool is_subreaper() const { return m_is_subreaper; }
    bool did_exec() const { return m_did_exec; }
    bool is_session_leader() const { return m_session_leader; }
    int live_threads() const { return m_live_threads; }
    int thread_count() const { return m_thread_count; }
    SigSet shared_pending() const { return m_shared_pending.signals; }
    const KSigaction& action(int sig) const { return m_sighand->action[sig - 1]; }
    const Ledger& ledger() const { return m_ledger; }
    const Thread::GroupList& threads() const { return m_threads; }
    // Threads that exited in a process that is still alive (their
    // wait-status is never seen; the counter proves they were reaped).
    uint64_t file_table() const { return m_file_table ? m_file_table->handle : 0; }
    uint64_t timers() const { return m_timers; }
    int64_t max_rss_kb() const { return m_max_rss_kb; }
    // The queue wait() sleeps on: woken whenever a child changes state, is
    // reparented away or is reaped automatically.
    WaitQueue& child_wait_queue() { return m_child_wait; }
    bool is_unkillable() const { return m_unkillable; }
    // What a wait by the parent could report now (tests and /proc views).
    bool stop_reportable() const { return m_stop_stopped && m_stop_report; }
    bool continue_reportable() const { return m_continued_report; }
    bool queued_for_parent() const { return event_node.is_linked(); }
    int stop_signal() const { return m_stop_signal; }
    // Signals queued by this process's real user (SigQ of /proc/PID/status).
    int user_queued_signals() const;
    // Tasks of this process's real user (RLIMIT_NPROC's count).
    int user_tasks() const;
    int posix_timer_count() const { return m_posix_timer_count; }

private:
    friend class ProcessTable;
    friend class Thread;

    pid_t m_pid = 0;
    Life m_life = Life::Alive;
    Thread* m_leader = nullptr;
    Thread::GroupList m_threads;
    int m_thread_count = 0; // threads not yet released
    int m_live_threads = 0; // threads not yet exiting
    Thread* m_parent = nullptr; // real parent thread (null only for init)
    int m_exit_signal = SIGCHLD;

    // Children of this process (of all its threads) with something to
    // report: a zombie, an unreported stop, an unreported continue. wait()
    // looks here instead of scanning children (Haiku's job-control queue).
    EventList m_events;
    WaitQueue m_child_wait;
    // Children counted by kind, so that ECHILD-versus-0 needs no scan:
    // [clone child?][zombie?]. Clone children have an exit signal other
    // than SIGCHLD.
    int m_child_counts[2][2] = {};

    ProcessGroup* m_group = nullptr;
    bool m_session_leader = false;
    // Whether the session's controlling terminal is ours too (Linux's
    // signal->tty): equal to the session's m_tty_epoch while it is. Copied
    // by fork; cleared by setsid and by TIOCNOTTY. A new acquisition starts
    // a new epoch, so processes that had let go do not get it back, and a
    // session losing its terminal needs no walk over its members.
    uint64_t m_tty_epoch = 0;
    bool m_orphan_link = false; // counts in m_group->m_links (see ProcessGroup)

    Credentials m_credentials;
    UserAccount* m_account = nullptr;
    int m_rlimit_sigpending = 0;
    // RLIMIT_NICE's soft limit (the kernel keeps the rlimits and mirrors this
    // one here, as RLIMIT_SIGPENDING): how low setpriority may take the nice
    // of this process's threads without CAP_SYS_NICE (20 - nice <= limit).
    uint64_t m_rlimit_nice = 0;
    // Linux PF_NPROC_EXCEEDED: a setuid moved us to a user already over
    // RLIMIT_NPROC; the next execve fails with EAGAIN if it still is.
    bool m_nproc_exceeded = false;

    // Signals (Linux signal_struct).
    SigHand* m_sighand = nullptr;
    PendingSet m_shared_pending;
    Thread* m_curr_target = nullptr; // round-robin start for process signals
    bool m_group_exit = false;       // SIGNAL_GROUP_EXIT: first group exit won
    int m_group_exit_status = 0;     // its status word
    Thread* m_exec_thread = nullptr; // de_thread in progress
    int m_group_stop_count = 0;      // threads still to stop
    int m_stop_signal = 0;           // signal of the current/last group stop
    bool m_stop_stopped = false;     // SIGNAL_STOP_STOPPED
    bool m_stop_report = false;      // stop not yet consumed by wait (group_exit_code != 0)
    bool m_continued_report = false; // SIGNAL_STOP_CONTINUED
    WaitQueue m_stop_wait;           // stopped threads and de_thread wait here
    // signalfd readers and pollers of this process's threads (Linux's
    // sighand->signalfd_wqh): woken, under the table lock, by every signal
    // queued to the process or one of its threads.
    WaitQueue m_signalfd_wait;

    bool m_is_subreaper = false;
    bool m_did_exec = false;

    // POSIX timers (timer_create): per process, deleted by exec and at
    // group death, not inherited. Ids count up from 0 and survive exec
    // (Linux's signal_struct next_posix_timer_id).
    IntrusiveList<PosixTimer, &PosixTimer::process_node> m_posix_timers;
    int m_posix_timer_count = 0;
    int m_next_timer_id = 0;
    int m_armed_cpu_timers = 0; // armed signalling timers on a CPU clock (checked in account_cpu)
    // setitimer ITIMER_VIRTUAL (user CPU) and ITIMER_PROF (user + system
    // CPU): absolute expiry on the process's clock, 0 disarmed; not
    // inherited by fork, kept across exec (Linux signal_struct it[]).
    uint64_t m_itimer_expires[2] = {};
    uint64_t m_itimer_interval[2] = {};

    // Resources.
    SharedRef* m_file_table = nullptr;
    uint64_t m_timers = 0;
    Thread* m_vfork_parent = nullptr; // CLONE_VFORK: the thread waiting for our exec/exit
    Ledger m_ledger;
    bool m_unkillable = false; // init: only signals it handles (SIGNAL_UNKILLABLE)

    // Accounting (Linux signal_struct's utime/cutime...).
    uint64_t m_dead_user_ns = 0, m_dead_system_ns = 0; // exited threads
    uint64_t m_child_user_ns = 0, m_child_system_ns = 0; // reaped children
    int64_t m_dead_counts[4] = {};  // nvcsw nivcsw minflt majflt of exited threads
    int64_t m_child_counts_ru[4] = {};
    int64_t m_max_rss_kb = 0, m_child_max_rss_kb = 0, m_rss_kb = 0;
    int m_state_counts[static_cast<unsigned>(ThreadState::Count)] = {}; // threads per state
};

// What a pidfd refers to (Linux's struct pid as pidfds see it): one
// allocation of a pid number, not the number itself. It is attached to its
// number's slot while the number is in use (a thread, or a group or session
// id), so the thread, process or group it reaches is whatever holds that
// slot now; once the number is released it is detached for good, and a
// later reuse of the number gets a new PidRef. So a pidfd never reaches a
// process that merely reuses the number. References are counted (the
// kernel's pidfd files, a clone's CLONE_PIDFD); the slot's pointer is not
// one. Guarded by the ProcessTable lock.
class PidRef {
public:
    pid_t pid() const { return m_pid; }
    bool attached() const { return m_attached; }
    int references() const { return m_references; }

private:
    friend class ProcessTable;
    pid_t m_pid = 0;
    bool m_attached = false;
    int m_references = 0;
    // Pollers: woken when the thread or process exits, and when the thread
    // is released (reap).
    WaitQueue m_wait;
};

// A process group. Orphaned-group detection by bookkeeping (gVisor,
// BSD's jobc): m_links counts members that connect the group to the rest of
// its session, i.e. live members whose parent is not init and sits in a
// different group of the same session. The group is orphaned iff m_links == 0.
class ProcessGroup {
public:
    pid_t pgid() const { return m_pgid; }
    Session& session() const { return *m_session; }
    bool is_orphaned() const { return m_links == 0; }
    int links() const { return m_links; }
    int stopped_members() const { return m_stopped; }
    const MemberList& members() const { return m_members; }

private:
    friend class ProcessTable;
    pid_t m_pgid = 0;
    Session* m_session = nullptr;
    MemberList m_members;
    int m_member_count = 0;
    int m_links = 0;
    int m_stopped = 0; // members with SIGNAL_STOP_STOPPED
};

class Session {
public:
    pid_t sid() const { return m_sid; }
    // The controlling terminal (proc/terminal.h), set by the tty layer
    // through ProcessTable's terminal calls; 0 = none.
    pid_t foreground_pgid() const;
    bool has_controlling_tty() const { return m_tty != nullptr; }

private:
    friend class ProcessTable;
    pid_t m_sid = 0;
    int m_group_count = 0;
    Terminal* m_tty = nullptr;
    uint64_t m_tty_epoch = 0; // see Process::m_tty_epoch
};

inline pid_t Session::foreground_pgid() const { return m_tty ? m_tty->foreground_pgid() : 0; }

inline bool Thread::is_leader() const { return m_process->m_leader == this; }
inline uint64_t Thread::address_space() const { return m_address_space ? m_address_space->handle : 0; }
inline Process* Process::parent() const { return m_parent ? m_parent->m_process : nullptr; }
inline pid_t Process::ppid() const { return m_parent ? m_parent->m_process->m_pid : 0; }
inline pid_t Process::pgid() const { return m_group->pgid(); }
inline int Process::user_queued_signals() const { return m_account ? m_account->queued_signals : 0; }
inline int Process::user_tasks() const { return m_account ? m_account->tasks : 0; }
inline pid_t Process::sid() const { return m_group->session().sid(); }
inline ThreadState Thread::state() const { return m_counted_state; }

} // namespace charon::proc
