// Linux x86_64 ABI of the process lifecycle: signal numbers, sigaction
// flags, wait options, siginfo_t, struct rusage. Values and layouts are
// exactly Linux's, so the syscall layer copies these structures to and from
// user space byte for byte.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(CHARON_HOSTED)
// Hosted builds: libc defines many of these names as macros (see errno.h for
// the same trick). Pull its headers in now so their include guards keep them
// out later, then drop the macros so our constants are what the names mean.
// (Some also exist as global enumerators in glibc; code that uses both
// worlds refers to ours from inside namespace charon::proc.)
#include <climits>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#undef CLD_CONTINUED
#undef CLD_DUMPED
#undef CLD_EXITED
#undef CLD_KILLED
#undef CLD_STOPPED
#undef CLD_TRAPPED
#undef CLONE_CHILD_CLEARTID
#undef CLONE_CHILD_SETTID
#undef CLONE_DETACHED
#undef CLONE_FILES
#undef CLONE_FS
#undef CLONE_NEWNS
#undef CLONE_PARENT
#undef CLONE_PARENT_SETTID
#undef CLONE_PIDFD
#undef CLONE_PTRACE
#undef CLONE_SETTLS
#undef CLONE_SIGHAND
#undef CLONE_SYSVSEM
#undef CLONE_THREAD
#undef CLONE_UNTRACED
#undef CLONE_VFORK
#undef CLONE_VM
#undef CSIGNAL
#undef NSIG
#undef PR_GET_CHILD_SUBREAPER
#undef PR_GET_PDEATHSIG
#undef PR_SET_CHILD_SUBREAPER
#undef PR_SET_PDEATHSIG
#undef RUSAGE_CHILDREN
#undef RUSAGE_SELF
#undef RUSAGE_THREAD
#undef SA_INTERRUPT
#undef SA_NOCLDSTOP
#undef SA_NOCLDWAIT
#undef SA_NODEFER
#undef SA_NOMASK
#undef SA_ONESHOT
#undef SA_ONSTACK
#undef SA_RESETHAND
#undef SA_RESTART
#undef SA_SIGINFO
#undef SA_STACK
#undef SIGABRT
#undef SIGALRM
#undef SIGBUS
#undef SIGCHLD
#undef SIGCLD
#undef SIGCONT
#undef SIGFPE
#undef SIGHUP
#undef SIGILL
#undef SIGINT
#undef SIGIO
#undef SIGIOT
#undef SIGKILL
#undef SIGPIPE
#undef SIGPOLL
#undef SIGPROF
#undef SIGPWR
#undef SIGQUIT
#undef SIGRTMAX
#undef SIGRTMIN
#undef SIGSEGV
#undef SIGSTKFLT
#undef SIGSTOP
#undef SIGSYS
#undef SIGTERM
#undef SIGTRAP
#undef SIGTSTP
#undef SIGTTIN
#undef SIGTTOU
#undef SIGURG
#undef SIGUSR1
#undef SIGUSR2
#undef SIGVTALRM
#undef SIGWINCH
#undef SIGXCPU
#undef SIGXFSZ
#undef SIG_BLOCK
#undef SIG_DFL
#undef SIG_ERR
#undef SIG_HOLD
#undef SIG_IGN
#undef SIG_SETMASK
#undef SIG_UNBLOCK
#undef SI_KERNEL
#undef SI_QUEUE
#undef SI_TKILL
#undef SI_TIMER
#undef SI_SIGIO
#undef CLOCK_REALTIME
#undef CLOCK_MONOTONIC
#undef CLOCK_PROCESS_CPUTIME_ID
#undef CLOCK_THREAD_CPUTIME_ID
#undef CLOCK_BOOTTIME
#undef CLOCK_REALTIME_ALARM
#undef CLOCK_BOOTTIME_ALARM
#undef CLOCK_TAI
#undef SIGEV_SIGNAL
#undef SIGEV_NONE
#undef SIGEV_THREAD
#undef SIGEV_THREAD_ID
#undef TIMER_ABSTIME
#undef DELAYTIMER_MAX
#undef SI_USER
#undef WCONTINUED
#undef WEXITED
#undef WNOHANG
#undef WNOWAIT
#undef WSTOPPED
#undef WUNTRACED
#undef _NSIG
#undef __WALL
#undef __WCLONE
#undef __WNOTHREAD
#endif

namespace charon::proc {

using pid_t = int32_t;
using uid_t = uint32_t;
using gid_t = uint32_t;

// getpriority/setpriority `which` (Linux PRIO_*).
inline constexpr int kPrioProcess = 0, kPrioPgrp = 1, kPrioUser = 2;

// Signals 1..31 are standard (merge when pending twice), 32..64 real-time
// (queued). musl reserves 32..34 for itself; the kernel does not care.
inline constexpr int SIGHUP = 1;
inline constexpr int SIGINT = 2;
inline constexpr int SIGQUIT = 3;
inline constexpr int SIGILL = 4;
inline constexpr int SIGTRAP = 5;
inline constexpr int SIGABRT = 6;
inline constexpr int SIGBUS = 7;
inline constexpr int SIGFPE = 8;
inline constexpr int SIGKILL = 9;
inline constexpr int SIGUSR1 = 10;
inline constexpr int SIGSEGV = 11;
inline constexpr int SIGUSR2 = 12;
inline constexpr int SIGPIPE = 13;
inline constexpr int SIGALRM = 14;
inline constexpr int SIGTERM = 15;
inline constexpr int SIGSTKFLT = 16;
inline constexpr int SIGCHLD = 17;
inline constexpr int SIGCONT = 18;
inline constexpr int SIGSTOP = 19;
inline constexpr int SIGTSTP = 20;
inline constexpr int SIGTTIN = 21;
inline constexpr int SIGTTOU = 22;
inline constexpr int SIGURG = 23;
inline constexpr int SIGXCPU = 24;
inline constexpr int SIGXFSZ = 25;
inline constexpr int SIGVTALRM = 26;
inline constexpr int SIGPROF = 27;
inline constexpr int SIGWINCH = 28;
inline constexpr int SIGIO = 29;
inline constexpr int SIGPWR = 30;
inline constexpr int SIGSYS = 31;
inline constexpr int SIGRTMIN = 32;
inline constexpr int SIGRTMAX = 64;
inline constexpr int NSIG = 64;  // highest signal number (Linux _NSIG)

// Handler values of struct sigaction.
constexpr uint64_t SIG_DFL = 0;
constexpr uint64_t SIG_IGN = 1;

// rt_sigprocmask `how`.
inline constexpr int SIG_BLOCK = 0;
inline constexpr int SIG_UNBLOCK = 1;
inline constexpr int SIG_SETMASK = 2;

// sa_flags.
inline constexpr uint64_t SA_NOCLDSTOP = 0x00000001;
inline constexpr uint64_t SA_NOCLDWAIT = 0x00000002;
inline constexpr uint64_t SA_SIGINFO = 0x00000004;
inline constexpr uint64_t SA_RESTORER = 0x04000000;
inline constexpr uint64_t SA_ONSTACK = 0x08000000;
inline constexpr uint64_t SA_RESTART = 0x10000000;
inline constexpr uint64_t SA_NODEFER = 0x40000000;
inline constexpr uint64_t SA_RESETHAND = 0x80000000;

// wait4 / waitid options.
inline constexpr int WNOHANG = 0x00000001;
inline constexpr int WUNTRACED = 0x00000002;
inline constexpr int WSTOPPED = 0x00000002;
inline constexpr int WEXITED = 0x00000004;
inline constexpr int WCONTINUED = 0x00000008;
inline constexpr int WNOWAIT = 0x01000000;
inline constexpr int __WNOTHREAD = 0x20000000;
inline constexpr int __WALL = 0x40000000;
inline constexpr int __WCLONE = static_cast<int>(0x80000000u);

// waitid idtype. Refer to them as IdType::P_PID in code that also sees
// glibc's global idtype_t enumerators.
enum IdType : int { P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3 };

// si_code values.
inline constexpr int SI_USER = 0;  // kill()
inline constexpr int SI_KERNEL = 0x80;  // sent by the kernel
inline constexpr int SI_QUEUE = -1;  // sigqueue()
inline constexpr int SI_TKILL = -6;  // tkill()/tgkill()
inline constexpr int SI_TIMER = -2;  // a POSIX timer expired
inline constexpr int SI_SIGIO = -5;  // queued SIGIO (F_SETSIG)
inline constexpr int CLD_EXITED = 1;
inline constexpr int CLD_KILLED = 2;
inline constexpr int CLD_DUMPED = 3;
inline constexpr int CLD_TRAPPED = 4;
inline constexpr int CLD_STOPPED = 5;
inline constexpr int CLD_CONTINUED = 6;

// clone flags the lifecycle core cares about (linux/sched.h).
inline constexpr uint64_t CSIGNAL = 0x000000ff;  // low byte: exit signal
inline constexpr uint64_t CLONE_VM = 0x00000100;
inline constexpr uint64_t CLONE_FS = 0x00000200;
inline constexpr uint64_t CLONE_FILES = 0x00000400;
inline constexpr uint64_t CLONE_SIGHAND = 0x00000800;
inline constexpr uint64_t CLONE_PIDFD = 0x00001000;
inline constexpr uint64_t CLONE_PTRACE = 0x00002000;
inline constexpr uint64_t CLONE_VFORK = 0x00004000;
inline constexpr uint64_t CLONE_PARENT = 0x00008000;
inline constexpr uint64_t CLONE_THREAD = 0x00010000;
inline constexpr uint64_t CLONE_NEWNS = 0x00020000;
inline constexpr uint64_t CLONE_SYSVSEM = 0x00040000;
inline constexpr uint64_t CLONE_SETTLS = 0x00080000;
inline constexpr uint64_t CLONE_PARENT_SETTID = 0x00100000;
inline constexpr uint64_t CLONE_CHILD_CLEARTID = 0x00200000;
inline constexpr uint64_t CLONE_DETACHED = 0x00400000;
inline constexpr uint64_t CLONE_UNTRACED = 0x00800000;
inline constexpr uint64_t CLONE_CHILD_SETTID = 0x01000000;

// prctl options handled by the core.
inline constexpr int PR_SET_PDEATHSIG = 1;
inline constexpr int PR_GET_PDEATHSIG = 2;
inline constexpr int PR_SET_CHILD_SUBREAPER = 36;
inline constexpr int PR_GET_CHILD_SUBREAPER = 37;

// getrusage `who`.
inline constexpr int RUSAGE_SELF = 0;
inline constexpr int RUSAGE_CHILDREN = -1;
inline constexpr int RUSAGE_BOTH = -2;
inline constexpr int RUSAGE_THREAD = 1;

// Kernel-side struct sigaction of rt_sigaction (not glibc's): 32 bytes.
struct KSigaction {
    uint64_t handler = SIG_DFL;
    uint64_t flags = 0;
    uint64_t restorer = 0;
    uint64_t mask = 0; // bit (sig - 1)
};
static_assert(sizeof(KSigaction) == 32);

// siginfo_t: 128 bytes, the union at offset 16.
struct SigInfo {
    int32_t si_signo = 0;
    int32_t si_errno = 0;
    int32_t si_code = 0;
    int32_t pad0 = 0;
    union Fields {
        struct {
            int32_t pid;
            uint32_t uid;
        } kill;
        struct {
            int32_t pid;
            uint32_t uid;
            uint64_t value; // sigval
        } rt;
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t status;
            int32_t pad;
            int64_t utime; // clock ticks
            int64_t stime;
        } chld;
        struct {
            uint64_t addr;
            int16_t addr_lsb;
        } fault;
        struct {
            int32_t tid; // the timer id (si_timerid)
            int32_t overrun;
            uint64_t value; // sigev_value
        } timer;
        uint8_t raw[112];
    } f{};
};
static_assert(sizeof(SigInfo) == 128);
static_assert(offsetof(SigInfo, f) == 16);

// signalfd(2)'s record (linux/signalfd.h): what a read of a signalfd gives
// per signal, filled from the siginfo by signalfd_siginfo() as Linux's
// signalfd_copyinfo, by the siginfo's layout.
struct SignalfdSiginfo {
    uint32_t ssi_signo = 0;
    int32_t ssi_errno = 0;
    int32_t ssi_code = 0;
    uint32_t ssi_pid = 0;
    uint32_t ssi_uid = 0;
    int32_t ssi_fd = 0;
    uint32_t ssi_tid = 0;
    uint32_t ssi_band = 0;
    uint32_t ssi_overrun = 0;
    uint32_t ssi_trapno = 0;
    int32_t ssi_status = 0;
    int32_t ssi_int = 0;
    uint64_t ssi_ptr = 0;
    uint64_t ssi_utime = 0;
    uint64_t ssi_stime = 0;
    uint64_t ssi_addr = 0;
    uint16_t ssi_addr_lsb = 0;
    uint16_t pad2 = 0;
    int32_t ssi_syscall = 0;
    uint64_t ssi_call_addr = 0;
    uint32_t ssi_arch = 0;
    uint8_t pad[28] = {};
};
static_assert(sizeof(SignalfdSiginfo) == 128);
static_assert(offsetof(SignalfdSiginfo, ssi_ptr) == 48 && offsetof(SignalfdSiginfo, ssi_arch) == 96);

// POSIX timers (timer_create): clock ids (linux/time.h), sigev_notify.
inline constexpr int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2,
                     CLOCK_THREAD_CPUTIME_ID = 3, CLOCK_BOOTTIME = 7, CLOCK_REALTIME_ALARM = 8,
                     CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;
inline constexpr int SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;
inline constexpr int TIMER_ABSTIME = 1;
inline constexpr int DELAYTIMER_MAX = 0x7fffffff; // overrun counts saturate here

struct TimeVal {
    int64_t tv_sec = 0;
    int64_t tv_usec = 0;
};

struct RUsage {
    TimeVal ru_utime;
    TimeVal ru_stime;
    int64_t ru_maxrss = 0; // kilobytes
    int64_t ru_ixrss = 0;
    int64_t ru_idrss = 0;
    int64_t ru_isrss = 0;
    int64_t ru_minflt = 0;
    int64_t ru_majflt = 0;
    int64_t ru_nswap = 0;
    int64_t ru_inblock = 0;
    int64_t ru_oublock = 0;
    int64_t ru_msgsnd = 0;
    int64_t ru_msgrcv = 0;
    int64_t ru_nsignals = 0;
    int64_t ru_nvcsw = 0;
    int64_t ru_nivcsw = 0;
};
static_assert(sizeof(RUsage) == 144);

// Wait status words as wait4 returns them (the W* macros decode these).
constexpr int exit_status_word(int code) { return (code & 0xff) << 8; }
constexpr int signal_status_word(int sig, bool core) { return (sig & 0x7f) | (core ? 0x80 : 0); }
constexpr int stopped_status_word(int sig) { return ((sig & 0xff) << 8) | 0x7f; }
constexpr int continued_status_word() { return 0xffff; }

} // namespace charon::proc
