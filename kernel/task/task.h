// The kernel-side glue around the lifecycle core (kernel/proc): the one
// ProcessTable, the LifecycleHost that acts on its decisions, and the kernel
// objects each process and thread owns, stored behind the core's opaque
// handles (docs/proc-api.md):
//
//   core handle              what it points to here
//   Thread::kernel_stack     Task (per thread: its sched::Thread, fs state,
//                            name); the sched::Thread's own stack is freed
//                            by the scheduler's reaper after the final switch
//   Thread::address_space    mm::AddressSpace (one reference held by the core)
//   Process::file_table      FdTable (one reference held by the core)
//   Process::timers          ProcessExtra (rlimits; interval timers later):
//                            the core drops it when the whole group dies,
//                            which is exactly the lifetime these need
#pragma once

#include <cstdint>

#include "exec/exec.h"
#include "fs/fd_table.h"
#include "fs/vfs.h"
#include "lib/ref_ptr.h"
#include "lib/result.h"
#include "proc/lifecycle.h"
#include "time/clock.h"

namespace charon::arch {
struct SyscallFrame;
}
namespace charon::sched {
class Thread;
}
namespace charon::mm {
class AddressSpace;
}

namespace charon::task {

// Linux's fs_struct: shared by threads/processes cloned with CLONE_FS.
struct FsState final : public RefCounted {
    RefPtr<Inode> cwd;
    uint32_t umask = 022;
};

// Resource limits (Linux RLIMIT_* numbering).
inline constexpr int RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4,
                     RLIMIT_RSS = 5, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9,
                     RLIMIT_LOCKS = 10, RLIMIT_SIGPENDING = 11, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13,
                     RLIMIT_RTPRIO = 14, RLIMIT_RTTIME = 15, RLIM_NLIMITS = 16;
inline constexpr uint64_t RLIM_INFINITY = ~0ull;
struct Rlimit {
    uint64_t cur;
    uint64_t max;
};

// Per process (Linux keeps rlimits in signal_struct): copied at fork.
struct ProcessExtra {
    Rlimit limits[RLIM_NLIMITS];
    int dumpable = 1; // PR_SET_DUMPABLE (Linux keeps it per mm; per process is enough without ptrace)
    // ITIMER_REAL (alarm, setitimer): monotonic deadline and reload, on the
    // timer thread's list while armed (itimer.cpp).
    proc::pid_t pid = 0;
    uint64_t real_deadline = 0;
    uint64_t real_interval = 0;
    bool armed = false;
    HeapNode itimer_node;
    // charon_fault(1): this process's allocations may be failed on purpose
    // (mm/fault_inject.h); inherited by fork, kept across execve.
    bool make_it_fail = false;
    static ProcessExtra* from_handle(uint64_t h) { return reinterpret_cast<ProcessExtra*>(h); }
    uint64_t handle() { return reinterpret_cast<uint64_t>(this); }
};

// Linux's restart_block: how restart_syscall(2) resumes a sleep that
// returned ERESTART_RESTARTBLOCK when no handler ran (the thread was stopped
// and continued, or the signal was ignored): the return-to-user path turns
// that code into a call of syscall 219, which runs `fn` with what the
// interrupted call kept here (an absolute deadline, so the time spent
// stopped counts). No `fn` (never set, or reset by rt_sigreturn): EINTR.
struct RestartBlock {
    Result<long> (*fn)(RestartBlock&) = nullptr;
    uint64_t deadline_ns = 0; // monotonic; ~0: none (sched::Deadline::never)
    uint64_t address = 0;     // nanosleep: rem; poll: the pollfd array; futex: the word
    uint64_t count = 0;       // poll: nfds; futex: the expected value
    uint32_t bitset = 0;      // futex
    bool shared = false;      // futex
};

// Per thread.
struct Task {
    sched::Thread* kthread = nullptr;
    RefPtr<FsState> fs;
    uint64_t start_ns = monotonic_ns(); // creation (/proc/PID/stat starttime)
    uint64_t robust_list = 0;           // set_robust_list head (not inherited, cleared by exec)
    Credentials fs_credentials; // fs/inode.h's view of the process credentials (refreshed per call)
    RefPtr<const proc::GroupList> fs_groups; // what fs_credentials.groups points into
    // sigaltstack(2): the alternate signal stack (size 0: none).
    uint64_t altstack_sp = 0;
    uint64_t altstack_size = 0;
    uint32_t altstack_flags = 0; // SS_AUTODISARM
    // What the core has been told of this thread's CPU time and switches.
    uint64_t reported_user_ns = 0, reported_system_ns = 0;
    uint64_t reported_voluntary = 0, reported_involuntary = 0;
    // Page faults resolved for this thread (counted lock-free by the fault
    // path), and how many of them the core has been told.
    uint64_t minor_faults = 0, reported_minor_faults = 0;
    // rt_sigsuspend: the mask to restore once a handler frame is built.
    uint64_t saved_mask = 0;
    bool has_saved_mask = false;
    RestartBlock restart;
    static Task* from_handle(uint64_t h) { return reinterpret_cast<Task*>(h); }
    uint64_t handle() { return reinterpret_cast<uint64_t>(this); }
};

// The one process table (created by init_processes()).
proc::ProcessTable& table();
// Hooks into the scheduler and the arch fault path, the table. Idempotent.
void init_processes();

Task& task_of(proc::Thread&);
Task& current_task();
FdTable& file_table_of(proc::Process&);
ProcessExtra& extra_of(proc::Process&);
// Linux's unshare_files: gives `process` a private copy of its descriptor
// table if another process shares it (CLONE_FILES). The process's own
// threads keep sharing it (Charon's table is per process: clone.md).
// execve before closing FD_CLOEXEC files, close_range(CLOSE_RANGE_UNSHARE).
Result<void> unshare_file_table(proc::Process&);
sched::Thread& kernel_thread_of(proc::Thread&);

void set_comm(proc::Thread&, const char* path); // the last path component, 15 bytes

// A new program image, ready to switch to (execve and init share this).
struct LoadedImage {
    mm::AddressSpace* space = nullptr; // one reference, the caller's
    uint64_t entry = 0;
    uint64_t rsp = 0;
    KString execfn;
};
// prepare_exec + build_initial_stack + build_exec_address_space. Touches
// nothing of the caller; on error nothing is left allocated.
Result<LoadedImage> load_image(Vfs& vfs, FsProcess& process, const ExecRequest& request, Vector<KString> argv,
                               const Vector<KString>& envp, const proc::Credentials& credentials,
                               uint64_t stack_limit);

// Feeds the core the CPU time and context switches the scheduler counted
// for the calling thread since the last call (rusage, times, CPU clocks).
void sync_accounting();

// Counters for charon_stats (creators call the note_ functions).
uint64_t live_tasks();
uint64_t live_file_tables();
void note_task_created();
void note_file_table_created();

// CLOCK_REALTIME in ns since the epoch (time.cpp: the CMOS clock at boot +
// the monotonic clock).
uint64_t realtime_ns();

// futex wake (futex.cpp), used by clear_child_tid.
int futex_wake(mm::AddressSpace* space, uint64_t uaddr, int count, uint32_t bitset);
// The calling thread is about to exit: mark the robust futexes it still
// holds FUTEX_OWNER_DIED and wake their waiters (futex.cpp).
void exit_robust_futexes();

// Default rlimits of init (Linux's INIT_RLIMITS, nofile as a typical host).
void default_limits(Rlimit* limits);

// ITIMER_REAL (itimer.cpp): arm (deadline 0 disarms) and disarm at group death.
void set_real_timer(ProcessExtra&, uint64_t deadline, uint64_t interval);
void cancel_real_timer(ProcessExtra&);
// The timer thread, started at boot before init (not at the first timer,
// which would show up as a new kernel thread in a leak check).
void start_timer_thread();
// A POSIX timer on a wall clock was armed: the timer thread recomputes its
// next wake-up (itimer.cpp).
void posix_timers_changed();
// The wall clocks now, for the core's timer calls.
proc::ClockReadings clock_readings();

// The return-to-user signal path (signal.cpp).
void return_to_user(arch::SyscallFrame& frame);
void user_fault(arch::SyscallFrame& frame, uint64_t address);
// Where the calling thread's life ends after the core's exit decision.
[[noreturn]] void finish_exit();

} // namespace charon::task
