// The narrow interfaces between the lifecycle core and the rest of the
// kernel. The core decides; the kernel (or a test fake) acts through these.
//
// Calling rules (see docs/lifecycle.md):
//  - Scheduler callbacks (signal_wake) and on_event run with the core's
//    ProcessTree lock held: they may take only locks of higher rank
//    (Scheduler, Console) and must never call back into the core.
//  - Resource callbacks (stop_timers .. release_kernel_stack) run during the
//    exit teardown with no core lock held, so they may block or take
//    FileTable / AddressSpace / FrameAllocator locks. They must not call
//    back into the core either.
#pragma once

#include <cstdint>

#include "proc/abi.h"

namespace charon::proc {

class Thread;
class Process;

// One structured record per lifecycle event: the kernel logs it at debug
// level, tests inspect it.
struct ProcEvent {
    enum class Kind : uint8_t {
        Fork,         // pid = child, ppid = parent, tid = new thread
        ThreadExit,   // a thread finished exit (tid), code = its status word
        Exit,         // the process is dead (zombie or auto-reaped), code = status word
        SignalDeath,  // the process dies of signal `signo` (group exit by signal)
        Kill,         // signal `signo` generated for pid (tid if thread-directed) by `sender`
        Reap,         // pid released by a wait (sender = reaping process) or auto-reaped (sender = 0)
        Stop,         // group stop complete, signo = stop signal
        Continue,     // stopped process continued by SIGCONT
    };
    Kind kind;
    pid_t pid = 0;
    pid_t ppid = 0;
    pid_t tid = 0;
    int code = 0;
    int signo = 0;
    pid_t sender = 0;
};

// Implemented by the kernel (kernel/sched + kernel/mm + kernel/fs glue) and by
// the fakes in tests/unit/proc_fake_host.h.
class LifecycleHost {
public:
    virtual ~LifecycleHost() = default;

    // --- Scheduler -------------------------------------------------------
    // A signal arrived for `thread`: if it sleeps interruptibly, wake it so it
    // reaches the return-to-user path and calls get_signal(). `fatal` (SIGKILL,
    // group exit) also ends killable sleeps. Threads stopped by job control
    // sleep on the core's own queues and are woken by the core.
    virtual void signal_wake(Thread& thread, bool fatal) = 0;

    // The nice of `thread` changed (setpriority), or a new thread starts
    // with a nice other than 0 (clone copies the creator's): the scheduler
    // weighs its share of the CPU by it. Same rules as signal_wake.
    virtual void nice_changed(Thread&, int /*nice*/) {}

    // --- Resources, in teardown order (docs/lifecycle.md) ----------------
    // The whole process is dying: cancel its interval/POSIX timers so no
    // signal is generated into a dead group.
    virtual void stop_timers(Process& process, uint64_t timers) = 0;
    // CLONE_CHILD_CLEARTID: write 0 (u32) at `uaddr` in the dying thread's
    // address space and futex-wake one waiter there. Called only while the
    // address space has other users (nobody else could observe it otherwise)
    // and always before the address space is left.
    virtual void clear_child_tid(Thread& thread, uint64_t uaddr) = 0;
    // The thread stops using its address space: switch it to the kernel's
    // page tables now (load the kernel CR3). Called for every dying thread
    // before free_address_space may run.
    virtual void leave_address_space(Thread& thread, uint64_t address_space) = 0;
    // The last user left: free the page tables and frames. The core calls
    // this only after leave_address_space() for the dying thread, so CR3 never
    // holds the tables being freed.
    virtual void free_address_space(uint64_t address_space) = 0;
    // Free the thread's TLS area / descriptor, if any (handle != 0).
    virtual void release_tls(Thread& thread, uint64_t tls) = 0;
    // The last user of a descriptor table left: close every file in it.
    virtual void free_file_table(uint64_t file_table) = 0;
    // The thread is dead. Its kernel stack is the one it is running on, so
    // the kernel must free it only after switching away (the scheduler's
    // finalizer); this call hands over that duty exactly once per thread.
    virtual void release_kernel_stack(Thread& thread, uint64_t kernel_stack) = 0;

    // --- Core dumps --------------------------------------------------------
    // A core-dumping default action kills the process: write the dump (Linux
    // do_coredump). The status word reports WCOREDUMP only if it did. The
    // default (tests) pretends it did.
    virtual bool dump_core(Thread&, int /*sig*/) { return true; }

    // --- Init ------------------------------------------------------------
    // The last thread of init (pid 1) is exiting with `status_word` (as
    // wait4 would report it). Called under the ProcessTree lock, before any
    // teardown. The kernel powers off here (Linux panics); the default
    // (tests) panics with "attempted to kill init".
    virtual void init_exited(int status_word);

    // --- Events ----------------------------------------------------------
    virtual void on_event(const ProcEvent&) {}
};

} // namespace charon::proc
