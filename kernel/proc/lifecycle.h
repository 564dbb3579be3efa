// The lifecycle core: one process table and every decision about processes,
// threads, groups, sessions, exit, wait and signals. It knows no hardware:
// the kernel calls this API from its syscall handlers and at every return to
// user mode, and acts on the core's decisions through LifecycleHost
// (host.h). The same sources run in the kernel and in the host unit tests.
//
// Blocking: the core never blocks. Where a syscall must sleep, the core
// returns a Sleep decision naming a WaitQueue and the queue generation it
// observed under its lock. The kernel then does
//     waiter.sleeper = me; queue->add(waiter);
//     if (queue->generation() == decision.generation) schedule();
//     queue->remove(waiter);   and calls the core again.
// A wake between the decision and the sleep bumps the generation, so no
// wake-up is lost.
//
// Locking: every entry point takes the ProcessTree lock (rank 10) itself;
// signal state is additionally guarded by the SigHand lock (rank 20) of the
// process. Callers hold neither. See docs/lifecycle.md for the whole order.
#pragma once

#include <cstdint>

#include "lib/result.h"
#include "lib/spinlock.h"
#include "lib/wait_queue.h"
#include "proc/abi.h"
#include "proc/host.h"
#include "proc/process.h"
#include "proc/sigset.h"

namespace charon::proc {

struct ProcessTableConfig {
    pid_t pid_max = 32768;       // pids are 1 .. pid_max-1 (Linux /proc/sys/kernel/pid_max)
    pid_t pid_wrap_floor = 300;  // after wrapping, allocation restarts here (Linux RESERVED_PIDS)
    int sigpending_limit = 1024; // RLIMIT_SIGPENDING given to init (inherited)
    // Linux kernel.threads-max: no clone (thread or process, root's too)
    // once this many threads exist, zombies included; 0 = no limit. The
    // kernel sizes it from memory as Linux does (task/task.cpp).
    int max_threads = 0;
};

// What the kernel created for a new thread/process. Handles are opaque to
// the core; it records them in the ledger and hands them back at teardown.
struct CloneArgs {
    uint64_t flags = 0;         // CLONE_* | exit signal in the low byte
    uint64_t kernel_stack = 0;  // the new thread's kernel stack (required)
    uint64_t address_space = 0; // a new address space (ignored with CLONE_VM)
    uint64_t file_table = 0;    // a new descriptor table (ignored with CLONE_FILES)
    uint64_t tls = 0;           // 0 = none
    uint64_t timers = 0;        // timer set of a new process (ignored with CLONE_THREAD)
    uint64_t child_tid = 0;     // CLONE_CHILD_CLEARTID address
    // The caller's RLIMIT_NPROC (the kernel keeps the rlimits); ~0 = none.
    uint64_t nproc_limit = ~uint64_t(0);
    void* kernel_thread = nullptr;
    // CLONE_PIDFD: where to put a reference to the new thread's (or, without
    // CLONE_THREAD, process's) identity; allocated with everything else, so
    // that ENOMEM leaves no child behind.
    PidRef** pid_ref = nullptr;
};

struct InitArgs {
    Credentials credentials;
    uint64_t kernel_stack = 0;
    uint64_t address_space = 0;
    uint64_t file_table = 0;
    uint64_t tls = 0;
    uint64_t timers = 0;
    void* kernel_thread = nullptr;
};

// wait4 and waitid both become a WaitRequest (one wait implementation).
struct WaitRequest {
    IdType idtype = P_ALL;
    pid_t id = 0; // P_PGID 0 = the caller's group at the time of the call; P_PIDFD: the fd
    int options = 0;
    // P_PIDFD: the identity the descriptor refers to (the kernel resolves
    // the fd and holds a reference for the duration of the wait). A child
    // matches by identity, never by number.
    PidRef* pid_ref = nullptr;
};

struct WaitReport {
    pid_t pid = 0;
    int status = 0;  // wait4 status word
    SigInfo info;    // waitid: SIGCHLD, CLD_*, si_status raw code or signal
    RUsage rusage;   // the child's own + its reaped children's (RUSAGE_BOTH)
};

struct WaitDecision {
    enum class Kind : uint8_t {
        Reported,   // `report` is filled; wait4 returns report.pid
        NothingYet, // WNOHANG and eligible children but none ready: return 0
        Sleep,      // sleep on queue (see the blocking protocol above), then call again
        Failed,     // return -error (ECHILD)
    };
    Kind kind = Kind::Failed;
    WaitReport report;
    WaitQueue* queue = nullptr;
    uint64_t generation = 0;
    Errno error = ECHILD;
};

// What to do with a thread about to return to user mode.
struct SignalDecision {
    enum class Kind : uint8_t {
        None,    // nothing to deliver: return to user mode
        Handler, // build a frame for `action` with `info`, then signal_delivered()
        Exit,    // the thread must die: call exit_dying() (group status already set)
        Stop,    // stopped by job control: sleep on queue, then call get_signal again
    };
    Kind kind = Kind::None;
    int signo = 0;
    SigInfo info;
    KSigaction action; // the disposition as it was at dequeue (before SA_RESETHAND)
    WaitQueue* queue = nullptr;
    uint64_t generation = 0;
};

// "Done" or "sleep on this queue, then ask again" (execve's de_thread, vfork).
struct SleepDecision {
    bool done = true;
    WaitQueue* queue = nullptr;
    uint64_t generation = 0;
};

// The system-wide snapshot (the seed's get_process_stats) plus thread counts.
struct ProcessStats {
    int processes = 0; // unreaped processes (zombies included)
    int running = 0, runnable = 0, sleeping = 0, stopped = 0, zombie = 0; // processes by state
    int threads = 0;
    int threads_by_state[static_cast<unsigned>(ThreadState::Count)] = {};
    uint64_t cpu_ns = 0;        // CPU time of unreaped processes (their dead threads included)
    int64_t memory_kb = 0;      // current RSS as reported by note_rss
    uint64_t forks = 0, exits = 0, reaps = 0;
    int user_accounts = 0; // real uids with a process or a queued signal
    uint64_t posix_timers = 0; // timer_create timers alive
    int pid_refs = 0; // live PidRef objects (pidfd identities)
};

// timer_create's sigevent, as the syscall layer copied it (Linux's default
// when none is given: SIGEV_SIGNAL, SIGALRM, the timer id as the value).
struct TimerEvent {
    int notify = SIGEV_SIGNAL;
    int signo = SIGALRM;
    uint64_t value = 0;
    pid_t tid = 0; // SIGEV_THREAD_ID
};
// The wall clocks at one instant, read by the kernel (the core knows the
// CPU clocks itself).
struct ClockReadings {
    uint64_t realtime = 0, monotonic = 0, boottime = 0;
};
// An itimerspec/itimerval in ns: `value` is the time left (0: disarmed),
// or with TIMER_ABSTIME the absolute expiry.
struct TimerSetting {
    uint64_t value = 0;
    uint64_t interval = 0;
};

// What poll(2) sees on a pidfd (Linux pidfd_poll).
struct PidRefPoll {
    bool exited = false;   // POLLIN: the process (or a non-leader thread) has exited
    bool released = false; // POLLHUP too: the thread is gone (reaped)
    WaitQueue* queued_on = nullptr; // where the waiter was queued (under the table lock)
};

// pidfd_send_signal's scope (the PIDFD_SIGNAL_* flags, or the pidfd's kind).
enum class PidfdScope : uint8_t { Thread, ThreadGroup, ProcessGroup };

// signalfd's record for a dequeued siginfo: the fields its layout
// (Linux siginfo_layout) defines, the rest zero (Linux signalfd_copyinfo).
SignalfdSiginfo signalfd_siginfo(const SigInfo& info);

class ProcessTable {
public:
    ProcessTable(LifecycleHost& host, const ProcessTableConfig& config = {});
    ~ProcessTable(); // frees whatever is left, without teardown callbacks
    ProcessTable(const ProcessTable&) = delete;
    ProcessTable& operator=(const ProcessTable&) = delete;

    // Allocates the pid table and creates init (pid 1, its own session and
    // group). ENOMEM when an allocation fails.
    Result<Thread*> create_init(const InitArgs& args);

    // --- Lookup (O(1): the pid table is indexed by number) ----------------
    Thread* find_thread(pid_t tid);
    Process* find_process(pid_t pid); // a thread-group leader's pid only
    ProcessGroup* find_group(pid_t pgid);
    Session* find_session(pid_t sid);
    Process* init_process() { return m_init; }

    // --- fork / vfork / clone ---------------------------------------------
    // Errors: EINVAL (flag combinations, exit signal > 64, CLONE_PARENT or
    // CLONE_THREAD from init), EAGAIN (no free pid, threads-max, or the
    // caller's real uid has args.nproc_limit tasks: Linux copy_process, a
    // real uid of 0 or an effective uid of 0 (CAP_SYS_RESOURCE) exempt;
    // O(1), the count is kept per user), ENOMEM (allocation),
    // ERESTARTNOINTR (the caller's group is exiting). On error nothing of
    // `args` has been taken: the kernel frees what it created.
    Result<Thread*> clone(Thread& parent, const CloneArgs& args);
    // After a CLONE_VFORK clone the parent thread loops on this until done:
    // the child exec'd or exited, or the parent itself was told to die.
    SleepDecision vfork_wait(Thread& parent);

    // --- execve -----------------------------------------------------------
    // Linux do_execveat_common's first check: EAGAIN if a setuid moved the
    // process to a user over RLIMIT_NPROC (`nproc_limit`) and the user is
    // still over it; otherwise the mark is cleared.
    Result<void> exec_check_nproc(Process& process, uint64_t nproc_limit);
    // Kills the other threads of the process and waits for them (de_thread).
    // EAGAIN when the group is already exiting (then take the exit path).
    // done = every other thread is gone: call exec_commit().
    Result<SleepDecision> exec_prepare(Thread& thread);
    // The point of no return: the calling thread becomes the leader (taking
    // the group's pid), handled signals reset to SIG_DFL (ignored stay
    // ignored, the mask stays), SIGHAND unshared, the vfork parent released,
    // the old address space dropped in favour of `new_address_space`.
    Result<void> exec_commit(Thread& thread, uint64_t new_address_space);
    // execve's unshare_files: whether the process's descriptor table is
    // shared with another process (CLONE_FILES); if so the kernel makes a
    // copy and installs it with unshare_file_table(), which returns the old
    // handle (still used by the others) or 0 when the table stopped being
    // shared meanwhile (the caller then frees its copy).
    bool file_table_shared(Process& process);
    Result<uint64_t> unshare_file_table(Process& process, uint64_t copy);

    // --- exit ---------------------------------------------------------------
    // None of these returns to user mode: afterwards the kernel switches away
    // for good and must not touch `thread` again (it may be freed).
    void exit(Thread& thread, int code);       // exit(2): this thread only
    void exit_group(Thread& thread, int code); // exit_group(2): first group exit wins
    void exit_dying(Thread& thread);           // after SignalDecision::Exit

    // --- wait ---------------------------------------------------------------
    // Syscall argument checks: EINVAL for bad options/idtype, ESRCH for
    // wait4(INT_MIN). waitid P_PIDFD: the kernel resolves the fd to a pid.
    static Result<WaitRequest> wait4_request(pid_t pid, int options);
    static Result<WaitRequest> waitid_request(int idtype, pid_t id, int options);
    WaitDecision wait(Thread& caller, const WaitRequest& request);

    // --- signals --------------------------------------------------------------
    Result<void> kill(Thread& sender, pid_t pid, int sig);
    Result<void> tgkill(Thread& sender, pid_t tgid, pid_t tid, int sig);
    Result<void> tkill(Thread& sender, pid_t tid, int sig);
    // rt_sigqueueinfo: si_code >= 0 is EPERM unless sent to oneself; over the
    // receiver's RLIMIT_SIGPENDING a real-time signal is EAGAIN.
    Result<void> sigqueue(Thread& sender, pid_t pid, int sig, const SigInfo& info);
    // rt_tgsigqueueinfo: the same rules, directed at thread `tid` of `tgid`.
    Result<void> tgsigqueue(Thread& sender, pid_t tgid, pid_t tid, int sig, const SigInfo& info);
    // Kernel-generated (tty, timers): no permission check, si_code SI_KERNEL.
    Result<void> send_kernel_signal(Process& target, int sig);
    Result<void> kill_group_from_kernel(pid_t pgid, int sig);
    // A fault in user mode: the signal cannot be blocked or ignored (it is
    // reset to SIG_DFL if it was), and is delivered before anything else.
    void force_fault_signal(Thread& thread, int sig, int si_code, uint64_t address);

    // rt_sigaction: EINVAL for a number outside 1..64 or a new action for
    // SIGKILL/SIGSTOP. Returns the old action.
    Result<KSigaction> sigaction(Thread& thread, int sig, const KSigaction* new_action);
    // rt_sigprocmask: returns the old mask; EINVAL for a bad `how`.
    Result<SigSet> sigprocmask(Thread& thread, int how, const SigSet* set);
    SigSet sigpending(Thread& thread);
    // rt_sigtimedwait: takes the first pending signal of `set` (the thread's
    // queue first, then the process's); 0 if none.
    int dequeue_signal(Thread& thread, SigSet set, SigInfo& info);
    // signalfd read (Linux signalfd_dequeue): dequeue_signal's choice for
    // the reading thread; when there is none and `waiter` is given, the
    // waiter is queued (under the table lock, so no signal is missed) where
    // every signal queued to the thread's process is announced, and
    // `*queued_on` names that queue.
    int signalfd_dequeue(Thread& thread, SigSet set, SigInfo& info, Waiter* waiter, WaitQueue** queued_on);
    // poll(2) on a signalfd: whether a signal of `set` is pending for the
    // *polling* thread (Linux's signalfd_poll looks at current, not at the
    // file's creator), with the waiter queued as above.
    bool signalfd_poll(Thread& thread, SigSet set, Waiter* waiter, WaitQueue** queued_on);
    // A signalfd's mask changed: its sleepers in `thread`'s process look again.
    void signalfd_wake(Thread& thread);
    // rt_sigtimedwait's sleep: `set` is unblocked so its signals wake the
    // thread, yet none of them counts as ignored (Linux real_blocked);
    // end_signal_wait restores the mask.
    void begin_signal_wait(Thread& thread, SigSet set);
    void end_signal_wait(Thread& thread);
    // sigreturn / sigsuspend: SIGKILL and SIGSTOP are silently removed.
    void set_signal_mask(Thread& thread, SigSet mask);
    // Whether get_signal() has something to do (TIF_SIGPENDING).
    bool signal_pending(Thread& thread);
    // Called at every return to user mode when signal_pending().
    SignalDecision get_signal(Thread& thread);
    // The frame for a Handler decision is built: block sa_mask (and the
    // signal itself unless SA_NODEFER).
    void signal_delivered(Thread& thread, int sig, const KSigaction& action);

    // --- POSIX timers and CPU interval timers (timer.cpp) ----------------------
    // timer_create: `clock` is one the kernel can time (REALTIME, MONOTONIC,
    // BOOTTIME, TAI, the two CPU clocks; the *_ALARM ones fail here with
    // EOPNOTSUPP, as Linux without a wake-capable RTC). `event` null: the
    // default sigevent. In Linux's order: EAGAIN past RLIMIT_SIGPENDING (the
    // timer's siginfo is preallocated and counts for its whole life); then
    // an id is used up, even if EINVAL follows for a bad sigevent (a
    // SIGEV_THREAD_ID tid outside the caller's thread group, a bad signal).
    Result<int> timer_create(Thread& caller, int clock, const TimerEvent* event);
    // timer_settime: returns the old setting. A disarm or re-arm makes a
    // signal of this timer still queued be dropped at delivery (Linux 6.x).
    Result<TimerSetting> timer_settime(Thread& caller, int id, bool absolute, const TimerSetting& fresh,
                                       const ClockReadings& now);
    Result<TimerSetting> timer_gettime(Thread& caller, int id, const ClockReadings& now);
    Result<int> timer_getoverrun(Thread& caller, int id);
    Result<void> timer_delete(Thread& caller, int id);
    // The kernel's timer thread: fire every wall-clock timer due at `now`;
    // returns the ns until the next one is due (~0: none armed).
    uint64_t expire_timers(const ClockReadings& now);
    // The CPU clock a negative clock id names (clock_getcpuclockid,
    // pthread_getcpuclockid: Linux's CPUCLOCK_PID/PERTHREAD/WHICH): the ns
    // of user + system time (CPUCLOCK_PROF, CPUCLOCK_SCHED) or user time
    // (CPUCLOCK_VIRT) of the thread or process. pid 0 is the caller's. A
    // thread clock only names a thread of the caller's group; a process
    // clock a thread-group leader (a zombie too) or, for `gettime`, the
    // caller's own tid. Anything else, a bad `which` included: EINVAL
    // (Linux's pid_for_clock; the C library turns that into ESRCH).
    Result<uint64_t> cpu_clock(Thread& caller, int clock, bool gettime);
    // setitimer/getitimer ITIMER_VIRTUAL (1) and ITIMER_PROF (2): returns
    // the old setting; `fresh` null only reads. They fire in account_cpu.
    // `tick_ns`: the accounting tick, which Linux adds to a new value.
    TimerSetting cpu_itimer(Thread& caller, int which, const TimerSetting* fresh, uint64_t tick_ns);
    // --- pidfds (docs/lifecycle.md "Pidfds") -----------------------------------
    // pidfd_open: a new reference to the identity of `pid`: a process (its
    // leader's pid) or, with `thread` (PIDFD_THREAD), any thread. ESRCH when
    // no thread has the number (never used, or reaped), ENOENT when it is a
    // thread but not a leader and `thread` is false, ENOMEM. A zombie is
    // fine (Linux 6.x pidfd_prepare).
    Result<PidRef*> open_pid_ref(pid_t pid, bool thread);
    void get_pid_ref(PidRef& ref); // one more reference (dup of the holder)
    void put_pid_ref(PidRef& ref); // the last one frees it
    // poll(2): queues `waiter` (if any) on the identity's queue under the
    // table lock; the caller removes it with that lock held.
    PidRefPoll poll_pid_ref(PidRef& ref, Waiter* waiter);
    // The pid the identity still has (its thread exists), else 0
    // (fdinfo's "Pid:" shows -1 then).
    pid_t pid_ref_pid(PidRef& ref);
    // pidfd_send_signal: `info` null = kill()'s siginfo (SI_USER, or
    // SI_TKILL for the Thread scope); else rt_sigqueueinfo's rules: EINVAL
    // if si_signo != sig, EPERM for si_code >= 0 or SI_TKILL unless the
    // identity is the calling thread's own and the scope is not a process
    // group. ESRCH when nothing has the identity any more in that scope
    // (the thread is released; a non-leader's identity with ThreadGroup; a
    // number that names no process group). A zombie accepts and ignores the
    // signal. Permission as kill(2).
    Result<void> pidfd_send_signal(Thread& sender, PidRef& ref, int sig, const SigInfo* info, PidfdScope scope);
    // pidfd_getfd's target: the descriptor table handle of the process the
    // identity names. ESRCH when it is released or exiting (its files are
    // gone or going: Linux's PF_EXITING case), EPERM unless the caller may
    // "ptrace-attach" to it, here: same real, effective and saved ids as the
    // caller (both uid and gid), or the caller's euid is 0. (Charon has no
    // ptrace, dumpability or capabilities beyond euid 0.) `pin` gets the
    // table's handle under the table lock, to take a reference to it.
    using FileTableVisitor = void (*)(uint64_t file_table, void* context);
    Result<void> pidfd_file_table(Thread& caller, PidRef& ref, FileTableVisitor pin, void* context);

    // --- process groups, sessions, terminal hook -----------------------------
    Result<void> setpgid(Thread& caller, pid_t pid, pid_t pgid);
    Result<pid_t> getpgid(Thread& caller, pid_t pid);
    Result<pid_t> setsid(Thread& caller);
    Result<pid_t> getsid(Thread& caller, pid_t pid);
    // --- the controlling terminal (the tty layer's questions; docs/tty.md) ---
    // TIOCSCTTY (Linux tiocsctty): nothing to do if `tty` already controls
    // the caller's session; EPERM unless the caller is a session leader
    // without a controlling terminal; EPERM if `tty` controls another
    // session, unless `steal` (argument 1 from a privileged caller), which
    // takes it from that session first.
    Result<void> set_controlling_tty(Thread& caller, Terminal& tty, bool steal);
    // open() of a terminal without O_NOCTTY (tty_open_proc_set_tty): a
    // session leader without a controlling terminal acquires `tty` if it
    // controls no session. Otherwise nothing happens (never an error).
    void open_controlling_tty(Thread& caller, Terminal& tty);
    // Whether `tty` is the caller's controlling terminal (/dev/tty: ENXIO
    // when the caller has none).
    bool is_controlling_tty(Thread& caller, Terminal& tty);
    bool has_controlling_tty(Thread& caller);
    // TIOCGPGRP, TIOCGSID: ENOTTY unless `tty` is the caller's controlling
    // terminal (TIOCGSID also when it controls no session any more).
    Result<pid_t> tty_foreground_group(Thread& caller, Terminal& tty);
    Result<pid_t> tty_session(Thread& caller, Terminal& tty);
    // TIOCSPGRP after the caller passed tty_check_change(SIGTTOU): ENOTTY
    // unless `tty` is the caller's controlling terminal, EINVAL for a
    // negative id, ESRCH if no process or group has it, EPERM if that one
    // is in another session (Linux accepts a pid that is not a group leader
    // of the session, and so do we).
    Result<void> set_foreground_group(Thread& caller, Terminal& tty, pid_t pgid);
    // TIOCNOTTY: ENOTTY unless `tty` is the caller's controlling terminal;
    // the caller lets go of it; a session leader takes it from its whole
    // session, its foreground group getting SIGHUP and SIGCONT.
    Result<void> release_controlling_tty(Thread& caller, Terminal& tty);
    // vhangup(2) (Linux tty_vhangup_self, __tty_hangup(tty, 0)), after the
    // caller's CAP_SYS_ADMIN check: the caller's controlling terminal, if
    // it has one, is hung up (Terminal::set_hang_up), the session leader
    // gets SIGHUP and SIGCONT if it still has the terminal, and the
    // terminal controls no session any more.
    void vhangup(Thread& caller);
    // Linux's __tty_check_change: may the caller read (SIGTTIN) or write and
    // change settings (SIGTTOU) on `tty` now? Yes (ok) unless `tty` is its
    // controlling terminal and its group is not the foreground group. Then:
    // `sig` ignored or blocked: ok for SIGTTOU, EIO for SIGTTIN; the group
    // orphaned: EIO; else `sig` goes to the caller's whole group and the
    // answer is ERESTARTSYS (the syscall restarts once the group continues,
    // or ends in EINTR under a handler without SA_RESTART).
    Result<void> tty_check_change(Thread& caller, Terminal& tty, int sig);
    // ISIG (^C, ^\, ^Z typed on `tty`), TIOCSWINSZ's SIGWINCH: `sig` to
    // the terminal's foreground group, as the kernel sends it (SI_KERNEL).
    // Safe from an interrupt handler.
    void signal_terminal_foreground(Terminal& tty, int sig);

    // --- prctl --------------------------------------------------------------
    Result<void> set_pdeath_signal(Thread& thread, int sig); // 0 clears
    void set_child_subreaper(Thread& thread, bool enable);
    // setrlimit(RLIMIT_SIGPENDING): the process's limit on queued signals.
    void set_sigpending_limit(Process& process, int limit);

    // --- nice (priority.cpp) ---------------------------------------------------
    // getpriority: the highest 20 - nice (1..40) among the threads `which`
    // (kPrioProcess: a thread id, kPrioPgrp: a group, kPrioUser: a real
    // uid; who 0 = the caller's own) names; ESRCH if none, EINVAL for a bad
    // `which`. No permission check (Linux has none).
    Result<int> getpriority(Thread& caller, int which, int who);
    // setpriority: `nice` clamped to -20..19 and given to every named thread
    // the caller may change; EPERM (the target's real or effective uid is
    // not the caller's euid, and the caller is not root), EACCES (lowering
    // the nice past the target's RLIMIT_NICE without CAP_SYS_NICE), ESRCH,
    // EINVAL, with Linux's rule when several threads disagree (the last
    // failure wins). Each change reaches LifecycleHost::nice_changed.
    Result<void> setpriority(Thread& caller, int which, int who, int nice);
    // setrlimit(RLIMIT_NICE): the soft limit setpriority checks.
    void set_nice_limit(Process& process, uint64_t limit);
    // set_tid_address(2): the CLONE_CHILD_CLEARTID address of the thread (0 clears).
    void set_clear_child_tid(Thread& thread, uint64_t address);

    // --- accounting (fed by the kernel) ------------------------------------------
    void set_thread_run_state(Thread& thread, ThreadState state); // Running/Runnable/Sleeping
    void account_cpu(Thread& thread, uint64_t user_ns, uint64_t system_ns);
    void account_context_switch(Thread& thread, bool voluntary);
    void account_page_fault(Thread& thread, bool major, uint64_t count = 1);
    void note_rss(Process& process, int64_t rss_kb);
    // setuid and friends (the credential syscalls live elsewhere). A new real
    // uid moves the process's tasks to that user's count; if that user is
    // already over `nproc_limit` (and not root) the next execve fails
    // (Linux flag_nproc_exceeded: setuid itself never fails for it).
    Result<void> set_credentials(Process& process, const Credentials& credentials,
                                 uint64_t nproc_limit = ~uint64_t(0));
    // RLIMIT_NPROC's count for real uid `uid` (tests, charon_stats).
    int user_tasks(uid_t uid);
    Result<RUsage> getrusage(Thread& thread, int who);
    ProcessStats stats();

    // --- introspection (tests, /proc-like views) -----------------------------
    // Every unreaped process, in creation order. (The caller holds no core
    // lock; the visitor must not call into the core.)
    using ProcessVisitor = void (*)(Process& process, void* context);
    void for_each_process(ProcessVisitor visit, void* context);
    // /proc: calls `visit` with thread `tid` (a zombie's leader included)
    // under the table lock, so the kernel can copy what it shows and take
    // references to the objects behind the handles. The visitor must not
    // call into the core. ESRCH if there is no such thread.
    using ThreadVisitor = void (*)(Thread& thread, void* context);
    Result<void> with_thread(pid_t tid, ThreadVisitor visit, void* context);
    int process_count() const { return m_nr_processes; }
    pid_t last_pid() const { return m_last_pid; }
    Spinlock& lock() { return m_lock; }
    const ProcessTableConfig& config() const { return m_config; }

private:
    struct PidSlot {
        Thread* thread = nullptr;
        ProcessGroup* group = nullptr;
        Session* session = nullptr;
        PidRef* ref = nullptr; // the number's pidfd identity, once someone asked for one
        bool reserved = false;
        bool in_use() const { return thread || group || session || reserved; }
    };

    // pids
    Result<pid_t> alloc_pid();
    void release_pid_if_unused(pid_t pid);
    PidSlot* slot(pid_t pid);
    // The slot of `pid` lost a holder: once nothing uses the number, its
    // PidRef (if any) is detached and its pollers woken.
    void pid_slot_changed(pid_t pid);
    // Pollers of `pid`'s identity: its thread or process changed state.
    void wake_pid_ref(pid_t pid);
    Result<PidRef*> new_pid_ref(pid_t pid);
    Process* pid_ref_process(PidRef& ref); // the process whose leader has the identity

    // tree
    Thread* new_thread(Process& process, pid_t tid, uint64_t kernel_stack, uint64_t tls, void* kernel_thread);
    void install_first_thread(Process& process, Thread& thread, pid_t tid);
    void inherit_nice(Thread& thread, Thread& creator);
    void link_child(Process& child, Thread& parent_thread);
    void unlink_child(Process& child);
    void count_child(Process& child, int delta);
    void update_event_link(Process& child);
    Thread* find_alive_thread(Process& process);
    Thread& find_new_reaper(Thread& father);
    void reparent_children(Thread& father);
    void release_process(Process& process, pid_t reaper); // the reap (reaper 0 = automatic)
    void free_thread(Thread& thread);
    UserAccount* account_for(uid_t uid);
    UserAccount* find_account(uid_t uid);
    void put_account(UserAccount* account);

    // groups
    Result<ProcessGroup*> new_group(pid_t pgid, Session& session);
    void join_group(Process& process, ProcessGroup& group);
    void leave_group(Process& process);
    bool computes_link(Process& process);
    bool update_link(Process& process); // true if the group just became orphaned
    void update_children_links(Process& process);
    void check_orphaned_group(ProcessGroup& group);
    // terminals
    Terminal* controlling_tty_of(Process& process);
    void attach_tty(Process& leader, Terminal& tty);
    void detach_session_tty(Session& session);
    void signal_pgid(pid_t pgid, int sig);
    void set_stopped_flag(Process& process, bool stopped);

    // exit
    void do_exit(Thread& thread, int status);
    void start_group_exit(Process& process, int status, Thread* except);
    void exit_notify(Thread& thread, bool group_dead);
    bool notify_parent_of_death(Process& process);
    void notify_parent_cldstop(Process& process, int why);
    void release_vfork_parent(Process& process);
    int process_status(Process& process);
    SigInfo child_siginfo(Process& process, int code, int status);
    uint64_t total_user_ns(Process& process);
    uint64_t total_system_ns(Process& process);
    void set_blocked(Thread& thread, SigSet mask);
    void drop_address_space(Thread& thread);

    // wait
    bool child_matches(Thread& caller, Process& child, const WaitRequest& request, pid_t own_pgid);
    bool has_eligible_child(Thread& caller, const WaitRequest& request, pid_t own_pgid);
    bool try_report(Thread& caller, Process& child, const WaitRequest& request, WaitReport& report);
    void fill_rusage_both(Process& process, RUsage& usage);

    // signals
    Result<void> do_tkill(Thread& sender, pid_t tgid, pid_t tid, int sig);
    Result<void> check_kill_permission(Thread& sender, Process& target, int sig);
    Result<void> send_signal(int sig, SigInfo info, Process& process, Thread* thread, bool force);
    bool prepare_signal(int sig, Process& process, Thread* thread, bool force);
    bool signal_ignored(int sig, Process& process, Thread* thread, bool force);
    void complete_signal(int sig, Process& process, Thread* thread);
    bool wants_signal(int sig, Thread& thread);
    void flush_signal(Process& process, SigSet set);
    void flush_pending(PendingSet& pending, SigSet set, Process& owner);
    int dequeue(Thread& thread, SigSet mask, SigInfo& info);
    int dequeue_from(PendingSet& pending, SigSet mask, SigInfo& info, Process& owner);
    bool do_signal_stop(Thread& thread, int sig);
    void retarget_shared(Thread& thread, SigSet newly_blocked);
    void send_to_group_members(ProcessGroup& group, int sig);
    Result<void> group_send(Thread* sender, int sig, const SigInfo& info, Process& target);
    SigInfo user_siginfo(int sig, int code, Thread* sender);
    void release_queued(QueuedSignal& queued, Process& owner);

    // POSIX timers, CPU itimers (timer.cpp)
    PosixTimer* find_timer(Process& process, int id);
    uint64_t timer_now(PosixTimer& timer, const ClockReadings* now);
    TimerSetting timer_setting(PosixTimer& timer, uint64_t now);
    void arm_timer(PosixTimer& timer, uint64_t expires);
    void move_timer(PosixTimer& timer, uint64_t expires);
    void disarm_timer(PosixTimer& timer);
    void fire_timer(PosixTimer& timer, uint64_t now);
    void queue_timer_signal(PosixTimer& timer);
    void free_timer(PosixTimer& timer);
    void delete_timers(Process& process);
    void check_cpu_timers(Process& process);

    // nice
    template <typename Visit>
    Result<void> for_each_prio_target(Thread& caller, int which, int who, Visit visit);

    // stats
    void recount_thread(Thread& thread);
    int process_state_index(Process& process);
    void change_process_state_count(Process& process, int delta);

    void emit(ProcEvent::Kind kind, Process& process, int code, int signo, pid_t sender, pid_t tid = 0);

    LifecycleHost& m_host;
    ProcessTableConfig m_config;
    Spinlock m_lock{"process-tree", LockRank::ProcessTree};

    PidSlot* m_slots = nullptr;
    pid_t m_last_pid = 0;
    uint64_t m_tty_epochs = 0; // the last terminal epoch handed out (Process::m_tty_epoch)
    Process* m_init = nullptr;
    ProcessList m_processes;
    // Hashed by uid (Linux uidhash_table) so that setuid costs the same
    // however many users have processes.
    static constexpr unsigned kAccountBuckets = 64;
    IntrusiveList<UserAccount, &UserAccount::node> m_accounts[kAccountBuckets];
    int m_nr_accounts = 0;

    int m_nr_processes = 0;
    int m_nr_threads = 0;
    int m_process_states[6] = {}; // running runnable sleeping stopped zombie (index 5 unused)
    int m_thread_states[static_cast<unsigned>(ThreadState::Count)] = {};
    uint64_t m_cpu_ns = 0;
    int64_t m_memory_kb = 0;
    uint64_t m_forks = 0, m_exits = 0, m_reaps = 0;
    // The armed signalling timers on wall clocks, one deadline heap per
    // clock base (their readings differ): [0] REALTIME and TAI, [1]
    // MONOTONIC, [2] BOOTTIME.
    DeadlineHeap<PosixTimer, &PosixTimer::armed_node, &PosixTimer::expires> m_armed_timers[3];
    uint64_t m_posix_timers = 0;
    int m_pid_refs = 0;
};

} // namespace charon::proc
