/* Shared helpers for Charon's guest tests.
 *
 * Every test is a static musl program that must pass both natively on Linux
 * (the oracle) and inside Charon. A test exits 0 on success, 77 to skip, and
 * anything else on failure after printing "file:line: message".
 *
 * Failure reporting formats into a stack buffer and uses the raw write and
 * exit_group system calls, so the macros are safe in forked children, vfork
 * children, raw clone threads (which share musl's TLS with their creator) and
 * signal handlers.
 */
#ifndef CHARON_GUEST_T_H
#define CHARON_GUEST_T_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T_SKIP 77

/* Bad user pointers: unmapped low page, kernel half, non-canonical. */
#define BAD_PTR_LOW ((void *)1)
#define BAD_PTR_KERNEL ((void *)0xffff800000000000ul)
#define BAD_PTR_NONCANON ((void *)0x0000800000000000ul)

/* Kernel ABI constants musl does not expose. */
#ifndef __WNOTHREAD
#define __WNOTHREAD 0x20000000
#endif
#ifndef __WALL
#define __WALL 0x40000000
#endif
#ifndef __WCLONE
#define __WCLONE 0x80000000
#endif
#define T_FUTEX_WAIT 0
#define T_FUTEX_WAKE 1
#define T_KSIGSET_SIZE 8 /* the kernel's sigset_t is 64 bits */

static inline const char *t_errname(int e)
{
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case ENOSYS: return "ENOSYS";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return "E?";
    }
}

static inline void t_write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        long r = syscall(SYS_write, fd, s, n);
        if (r <= 0)
            return;
        s += r;
        n -= (size_t)r;
    }
}

__attribute__((noreturn, format(printf, 3, 4))) static inline void
t_fail(const char *file, int line, const char *fmt, ...)
{
    int saved = errno;
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s:%d: [pid %ld] ", file, line, (long)syscall(SYS_getpid));
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 32)
        n = (int)sizeof buf - 32;
    n += snprintf(buf + n, sizeof buf - (size_t)n, " (errno %s)\n", t_errname(saved));
    t_write_all(2, buf, (size_t)n);
    syscall(SYS_exit_group, 1);
    __builtin_unreachable();
}

#define FAIL(...) t_fail(__FILE__, __LINE__, __VA_ARGS__)

/* CHECK(cond): cond must hold. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            FAIL("expected %s", #cond);                                                            \
    } while (0)

/* CHECK_EQ(a, b): integer equality; prints both values. */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long t_a_ = (long long)(a), t_b_ = (long long)(b);                                    \
        if (t_a_ != t_b_)                                                                          \
            FAIL("expected %s == %s, got %lld (0x%llx) vs %lld (0x%llx)", #a, #b, t_a_,            \
                 (unsigned long long)t_a_, t_b_, (unsigned long long)t_b_);                        \
    } while (0)

/* CHECK_SYS(expr): a system call or libc call that must not return -1. */
#define CHECK_SYS(expr)                                                                            \
    ({                                                                                             \
        errno = 0;                                                                                 \
        long t_r_ = (long)(expr);                                                                  \
        if (t_r_ == -1)                                                                            \
            FAIL("%s failed", #expr);                                                              \
        t_r_;                                                                                      \
    })

/* CHECK_ERR(expr, E): expr must return -1 with errno E. */
#define CHECK_ERR(expr, E)                                                                         \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long t_r_ = (long)(expr);                                                                  \
        int t_e_ = errno;                                                                          \
        if (t_r_ != -1 || t_e_ != (E))                                                             \
            FAIL("expected %s to fail with %s, got %ld errno %s", #expr, #E, t_r_,                 \
                 t_errname(t_e_));                                                                 \
    } while (0)

/* Exit status checks on a wait status word. */
#define CHECK_EXITED(status, code)                                                                 \
    do {                                                                                           \
        int t_s_ = (status);                                                                       \
        if (!WIFEXITED(t_s_) || WEXITSTATUS(t_s_) != (code))                                       \
            FAIL("expected exit %d, got status 0x%x", (int)(code), t_s_);                          \
    } while (0)

#define CHECK_SIGNALED(status, sig)                                                                \
    do {                                                                                           \
        int t_s_ = (status);                                                                       \
        if (!WIFSIGNALED(t_s_) || WTERMSIG(t_s_) != (sig))                                         \
            FAIL("expected death by signal %d, got status 0x%x", (int)(sig), t_s_);                \
    } while (0)

/* ---- raw system call wrappers (no musl wrapper, or musl would interfere) ---- */

static inline long sys_wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
    return syscall(SYS_wait4, pid, status, options, ru);
}

static inline long sys_waitid(int idtype, long id, siginfo_t *info, int options, struct rusage *ru)
{
    return syscall(SYS_waitid, idtype, id, info, options, ru);
}

static inline long sys_tgkill(pid_t tgid, pid_t tid, int sig)
{
    return syscall(SYS_tgkill, tgid, tid, sig);
}

static inline long sys_tkill(pid_t tid, int sig)
{
    return syscall(SYS_tkill, tid, sig);
}

static inline long sys_rt_sigqueueinfo(pid_t pid, int sig, siginfo_t *info)
{
    return syscall(SYS_rt_sigqueueinfo, pid, sig, info);
}

static inline long sys_gettid(void)
{
    return syscall(SYS_gettid);
}

static inline long sys_futex(int *uaddr, int op, int val, const struct timespec *ts)
{
    return syscall(SYS_futex, uaddr, op, val, ts, 0, 0);
}

/* The kernel's struct sigaction for raw rt_sigaction. */
struct t_ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

static inline long sys_rt_sigaction(int sig, const struct t_ksigaction *act,
                                    struct t_ksigaction *old, size_t setsize)
{
    return syscall(SYS_rt_sigaction, sig, act, old, setsize);
}

static inline long sys_rt_sigprocmask(int how, const unsigned long *set, unsigned long *old,
                                      size_t setsize)
{
    return syscall(SYS_rt_sigprocmask, how, set, old, setsize);
}

/* ---- threads without pthread: raw clone on a private stack ---- */

#define T_THREAD_FLAGS                                                                             \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |            \
     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

struct t_thread {
    int tid;     /* set by CLONE_PARENT_SETTID, cleared by CLONE_CHILD_CLEARTID */
    int tid_ret; /* clone's return value: the tid, stable after the thread exits */
    void *stack;
    size_t stack_size;
};

/* Starts fn(arg) in a new thread of this process. The thread must not use
 * stdio or malloc (it shares musl's thread pointer with its creator); the
 * CHECK macros are fine. When fn returns the thread calls SYS_exit. */
static inline void t_thread_start(struct t_thread *t, int (*fn)(void *), void *arg)
{
    t->stack_size = 256 * 1024;
    t->stack =
        mmap(NULL, t->stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t->stack == MAP_FAILED)
        FAIL("mmap thread stack");
    t->tid = -1;
    int r =
        clone(fn, (char *)t->stack + t->stack_size, T_THREAD_FLAGS, arg, &t->tid, NULL, &t->tid);
    if (r == -1)
        FAIL("clone thread");
    t->tid_ret = r;
}

/* Waits on the CLONE_CHILD_CLEARTID word until the kernel zeroes it. */
static inline void t_thread_join(struct t_thread *t)
{
    for (;;) {
        int v = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE);
        if (v == 0)
            break;
        sys_futex(&t->tid, T_FUTEX_WAIT, v, NULL);
    }
    munmap(t->stack, t->stack_size);
}

/* ---- small helpers ---- */

/* fork that fails the test on error. */
static inline pid_t t_fork(void)
{
    pid_t p = fork();
    if (p < 0)
        FAIL("fork");
    return p;
}

/* Reaps pid and returns its status word; fails on error. */
static inline int t_wait(pid_t pid)
{
    int st = 0;
    long r;
    do {
        r = sys_wait4(pid, &st, __WALL, NULL);
    } while (r == -1 && errno == EINTR);
    if (r != pid)
        FAIL("wait4(%d) returned %ld", (int)pid, r);
    return st;
}

/* Reaps pid and checks it exited 0 (a failing child has printed why). */
#define T_WAIT_OK(pid)                                                                             \
    do {                                                                                           \
        int t_st_ = t_wait(pid);                                                                   \
        if (!WIFEXITED(t_st_) || WEXITSTATUS(t_st_) != 0)                                          \
            FAIL("child %d failed: status 0x%x", (int)(pid), t_st_);                               \
    } while (0)

/* Pipe-based one-byte synchronisation. */
static inline void t_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        FAIL("pipe");
}

static inline void t_send(int fd, char c)
{
    long r;
    do {
        r = write(fd, &c, 1);
    } while (r == -1 && errno == EINTR);
    if (r != 1)
        FAIL("sync write");
}

static inline char t_recv(int fd)
{
    char c;
    long r;
    do {
        r = read(fd, &c, 1);
    } while (r == -1 && errno == EINTR);
    if (r != 1)
        FAIL("sync read returned %ld", r);
    return c;
}

/* Reads exactly n bytes (pipes may return fewer per read when the writer
 * wrote in pieces); fails on EOF or error. */
static inline void t_read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        long r = read(fd, p, n);
        if (r == -1 && errno == EINTR)
            continue;
        if (r <= 0)
            FAIL("read_all: read returned %ld with %zu bytes missing", r, n);
        p += r;
        n -= (size_t)r;
    }
}

/* Reaps every child until ECHILD, each of which must have been killed by
 * `sig`; returns how many there were. */
static inline int t_reap_all_killed(int sig)
{
    int reaped = 0;
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid == -1) {
            CHECK_EQ(errno, ECHILD);
            return reaped;
        }
        CHECK_SIGNALED(status, sig);
        reaped++;
    }
}

/* Reads a whole file (e.g. a /proc file) into buf as a NUL-terminated
 * string; fails if it does not fit in size - 1 bytes. Returns its length. */
static inline size_t t_read_file(const char *path, char *buf, size_t size)
{
    int fd = CHECK_SYS(open(path, O_RDONLY));
    size_t total = 0;
    for (;;) {
        ssize_t n = CHECK_SYS(read(fd, buf + total, size - 1 - total));
        if (n == 0)
            break;
        total += (size_t)n;
        CHECK(total < size - 1);
    }
    close(fd);
    buf[total] = 0;
    return total;
}

/* CHECK_GONE(expr): expr (a kill/tgkill probe with signal 0) must come to
 * fail with ESRCH. Linux releases an auto-reaped or self-reaped task just
 * after it stops being waitable (and after a CLONE_CHILD_CLEARTID wake-up),
 * so the probe is retried for up to 2 s before failing. */
#define CHECK_GONE(expr)                                                                           \
    do {                                                                                           \
        for (int t_i_ = 0; t_i_ < 2000; t_i_++) {                                                  \
            errno = 0;                                                                             \
            if ((expr) == -1 && errno == ESRCH)                                                    \
                break;                                                                             \
            t_msleep(1);                                                                           \
        }                                                                                          \
        CHECK_ERR(expr, ESRCH);                                                                    \
    } while (0)

/* Polls until /proc-free condition: a child has stopped, via waitid WNOWAIT. */
static inline void t_wait_stopped_nowait(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long r;
    do {
        r = sys_waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT, NULL);
    } while (r == -1 && errno == EINTR);
    if (r != 0 || si.si_code != CLD_STOPPED)
        FAIL("waitid WSTOPPED|WNOWAIT on %d: r=%ld code=%d", (int)pid, r, si.si_code);
}

/* Sleeps a little without depending on it for correctness (used only to make
 * a race window likely, never as the only synchronisation). */
static inline void t_msleep(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static inline void t_sigaction(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0)
        FAIL("sigaction(%d)", sig);
}

static inline void t_signal(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0)
        FAIL("sigaction(%d)", sig);
}

static inline void t_block(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    if (sigprocmask(SIG_BLOCK, &s, NULL) != 0)
        FAIL("sigprocmask");
}

static inline void t_unblock(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    if (sigprocmask(SIG_UNBLOCK, &s, NULL) != 0)
        FAIL("sigprocmask");
}

/* A uid no other process uses, for tests that drop privilege: derived from
 * the caller's pid so that concurrent runs of the suite do not share it
 * (kill(-1), RLIMIT_SIGPENDING and RLIMIT_NPROC all act per uid). Call it
 * before forking so parent and child agree. */
static inline uid_t t_private_uid(int k)
{
    return (uid_t)(3000000 + (unsigned)getpid() * 8u + (unsigned)k);
}

static inline int t_is_root(void)
{
    return geteuid() == 0;
}

#define T_REQUIRE_ROOT()                                                                           \
    do {                                                                                           \
        if (!t_is_root()) {                                                                        \
            printf("SKIP: needs root to change uid\n");                                            \
            return T_SKIP;                                                                         \
        }                                                                                          \
    } while (0)

/* Path of this test binary, for tests that exec themselves: argv[0] if it has
 * a slash (the runner passes the full path), else $TEST_DIR/<argv[0]>. */
static inline const char *t_self_path(const char *argv0)
{
    static char buf[4096];
    if (strchr(argv0, '/'))
        return argv0;
    const char *dir = getenv("TEST_DIR");
    if (!dir)
        FAIL("no path to self: argv[0] has no slash and TEST_DIR is unset");
    snprintf(buf, sizeof buf, "%s/%s", dir, argv0);
    return buf;
}

/* For tests that mount: natively, a mount namespace of our own whose mounts
 * never propagate to the host's; Charon has one namespace and no unshare
 * (ENOSYS), and nothing to protect. Returns 0 (having printed SKIP) where
 * that cannot be had: no CAP_SYS_ADMIN, or a chroot whose "/" is not a mount
 * point and so cannot be made private (EINVAL). */
static inline int t_private_mount_namespace(void)
{
    if (unshare(CLONE_NEWNS) != 0) {
        if (errno == EPERM) {
            printf("SKIP: no CAP_SYS_ADMIN for a private mount namespace\n");
            return 0;
        }
        CHECK_EQ(errno, ENOSYS);
        return 1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        CHECK_EQ(errno, EINVAL);
        printf("SKIP: / is not a mount point (a chroot?): the namespace cannot be made private\n");
        return 0;
    }
    return 1;
}

/* Burns roughly ms milliseconds of user CPU time. */
static inline void t_burn_cpu_ms(long ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    volatile unsigned long x = 0;
    for (;;) {
        for (int i = 0; i < 100000; i++)
            x += (unsigned long)i;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
        long el = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
        if (el >= ms)
            break;
    }
}

/* Makes sure this process can never dump core (so the core bit stays clear on
 * Linux whatever core_pattern says: with a "|helper" pattern RLIMIT_CORE 0 alone
 * does not stop the dump, a non-dumpable process never dumps). */
static inline void t_no_core(void)
{
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Faults on a null-page write; the compiler cannot see the address. */
static inline void t_null_deref(void)
{
    static volatile uintptr_t addr = 8;
    *(volatile int *)addr = 0;
}

static inline long t_tv_us(struct timeval tv)
{
    return tv.tv_sec * 1000000L + tv.tv_usec;
}


/* Tests that read /proc/PID need a /proc of their own PID namespace: under
 * `unshare -fp` without --mount-proc, /proc is the parent namespace's and
 * /proc/self names another number. Such a run skips (exit 77). */
static inline void t_require_own_proc(void)
{
    char link[32];
    ssize_t n = readlink("/proc/self", link, sizeof link - 1);
    if (n <= 0) {
        printf("SKIP: no /proc\n");
        exit(T_SKIP);
    }
    link[n] = 0;
    if (atoi(link) != getpid()) {
        printf("SKIP: /proc belongs to another PID namespace\n");
        exit(T_SKIP);
    }
}

/* Pidfds (Linux 5.3+; PIDFD_THREAD and the signal scopes 6.9+). musl has
 * neither the numbers nor P_PIDFD. */
#define T_SYS_pidfd_send_signal 424
#define T_SYS_pidfd_open 434
#define T_SYS_clone3 435
#define T_SYS_pidfd_getfd 438
#define T_P_PIDFD 3
#define T_PIDFD_NONBLOCK O_NONBLOCK
#define T_PIDFD_THREAD O_EXCL
#define T_PIDFD_SIGNAL_THREAD 1
#define T_PIDFD_SIGNAL_THREAD_GROUP 2
#define T_PIDFD_SIGNAL_PROCESS_GROUP 4
#define T_CLONE_PIDFD 0x1000
#define T_CLONE_DETACHED 0x400000
static inline long t_pidfd_open(pid_t pid, unsigned flags) { return syscall(T_SYS_pidfd_open, pid, flags); }
static inline long t_pidfd_send_signal(long fd, int sig, siginfo_t *info, unsigned flags)
{
    return syscall(T_SYS_pidfd_send_signal, fd, sig, info, flags);
}
static inline long t_pidfd_getfd(long fd, int target, unsigned flags)
{
    return syscall(T_SYS_pidfd_getfd, fd, target, flags);
}
/* poll(2) of one descriptor for POLLIN, waiting up to timeout_ms: revents. */
static inline int t_poll_in(long fd, int timeout_ms)
{
    struct pollfd p = {.fd = (int)fd, .events = POLLIN};
    long r;
    do {
        r = poll(&p, 1, timeout_ms);
    } while (r == -1 && errno == EINTR);
    if (r < 0)
        FAIL("poll: %s", t_errname(errno));
    return r == 0 ? 0 : p.revents;
}

/* Charon's live-object counters (syscall 511, docs/syscalls/charon_stats.md)
 * for the Charon-only leak checks. Returns 0 where the call does not exist
 * (Linux: ENOSYS), 1 when *s was filled. */
#define SYS_charon_stats 511
struct t_charon_stats {
    unsigned long long version, free_frames, usable_frames, live_kernel_stacks, live_kernel_threads, processes,
        zombies, threads, tasks, file_tables, open_files, pipes, inodes, address_spaces, mapped_user_pages,
        page_table_pages, heap_bytes, heap_slab_frames, kernel_page_table_pages, file_pages,
        shared_anonymous_pages, file_store_bytes, user_accounts, user_tasks, posix_timers, pid_refs,
        timerfds;
};
/* The program's image is demand-paged from its file (as on Linux): code
 * first run after a baseline would map a page and look like a leak. Reading
 * one byte of every page from the start of the image to the end of the bss
 * maps them all now. */
extern const char __executable_start[], _end[];
static inline void t_fault_in_image(void)
{
    for (const volatile char *p = __executable_start; p < _end; p += 4096)
        (void)*p;
}

static inline int t_charon_stats(struct t_charon_stats *s)
{
    t_fault_in_image();
    memset(s, 0, sizeof *s);
    errno = 0;
    long r = syscall(SYS_charon_stats, s, sizeof *s);
    if (r == -1 && errno == ENOSYS)
        return 0;
    CHECK_EQ(r, (long)sizeof *s);
    CHECK_EQ(s->version, 1);
    return 1;
}


/* A baseline once the system is quiet: readings 10 ms apart until two agree
 * (the reaper frees dead threads a little after they are reaped). */
static inline void t_charon_stable_snapshot(struct t_charon_stats *s)
{
    struct t_charon_stats next;
    t_charon_stats(s);
    for (int tries = 0; tries < 200; tries++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        t_charon_stats(&next);
        if (next.free_frames == s->free_frames && next.live_kernel_stacks == s->live_kernel_stacks &&
            next.live_kernel_threads == s->live_kernel_threads)
            return;
        *s = next;
    }
}

/* After a workload: waits (up to 2 s) for the kernel's reaper to free dead
 * threads, then checks that every counter is back to `base` exactly. */
static inline void t_charon_expect_baseline(const struct t_charon_stats *base)
{
    struct t_charon_stats now;
    int settled = 0;
    for (int tries = 0; tries < 200 && !settled; tries++) {
        t_charon_stats(&now);
        settled = now.live_kernel_stacks == base->live_kernel_stacks &&
                  now.live_kernel_threads == base->live_kernel_threads && now.free_frames == base->free_frames;
        if (!settled) {
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
        }
    }
    if (!settled)
        FAIL("not back to baseline: free frames %llu -> %llu, kernel stacks %llu -> %llu, kernel threads %llu -> %llu, "
             "heap bytes %llu -> %llu, heap slab frames %llu -> %llu, mapped user pages %llu -> %llu, "
             "page-table pages %llu -> %llu",
             base->free_frames, now.free_frames, base->live_kernel_stacks, now.live_kernel_stacks,
             base->live_kernel_threads, now.live_kernel_threads, base->heap_bytes, now.heap_bytes,
             base->heap_slab_frames, now.heap_slab_frames, base->mapped_user_pages, now.mapped_user_pages,
             base->page_table_pages, now.page_table_pages);
    CHECK_EQ(now.processes, base->processes);
    CHECK_EQ(now.zombies, base->zombies);
    CHECK_EQ(now.threads, base->threads);
    CHECK_EQ(now.tasks, base->tasks);
    CHECK_EQ(now.file_tables, base->file_tables);
    CHECK_EQ(now.open_files, base->open_files);
    CHECK_EQ(now.pipes, base->pipes);
    CHECK_EQ(now.address_spaces, base->address_spaces);
    CHECK_EQ(now.mapped_user_pages, base->mapped_user_pages);
    CHECK_EQ(now.page_table_pages, base->page_table_pages);
    CHECK_EQ(now.file_pages, base->file_pages);
    CHECK_EQ(now.shared_anonymous_pages, base->shared_anonymous_pages);
    CHECK_EQ(now.file_store_bytes, base->file_store_bytes);
    CHECK_EQ(now.user_accounts, base->user_accounts);
    CHECK_EQ(now.user_tasks, base->user_tasks);
    CHECK_EQ(now.posix_timers, base->posix_timers);
    CHECK_EQ(now.pid_refs, base->pid_refs);
    CHECK_EQ(now.timerfds, base->timerfds);
}

/* After a workload bigger than anything before the snapshot (a fork bomb,
 * fault injection): the kernel heap's slab frames and the kernel half's
 * page tables may have grown to the workload's peak and stay (not a leak),
 * so frames are compared as free + slab + kernel page tables, and page
 * tables without the kernel's share; everything else exactly. */
static inline void t_charon_expect_baseline_after_peak(const struct t_charon_stats *base)
{
    struct t_charon_stats now;
    unsigned long long base_frames = base->free_frames + base->heap_slab_frames + base->kernel_page_table_pages;
    unsigned long long frames = 0;
    for (int tries = 0; tries < 200; tries++) {
        t_charon_stats(&now);
        frames = now.free_frames + now.heap_slab_frames + now.kernel_page_table_pages;
        if (now.live_kernel_stacks == base->live_kernel_stacks &&
            now.live_kernel_threads == base->live_kernel_threads && frames == base_frames)
            break;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    CHECK_EQ(now.live_kernel_stacks, base->live_kernel_stacks);
    CHECK_EQ(now.live_kernel_threads, base->live_kernel_threads);
    CHECK_EQ(now.processes, base->processes);
    CHECK_EQ(now.zombies, base->zombies);
    CHECK_EQ(now.threads, base->threads);
    CHECK_EQ(now.tasks, base->tasks);
    CHECK_EQ(now.file_tables, base->file_tables);
    CHECK_EQ(now.open_files, base->open_files);
    CHECK_EQ(now.pipes, base->pipes);
    CHECK_EQ(now.inodes, base->inodes);
    CHECK_EQ(now.pid_refs, base->pid_refs);
    CHECK_EQ(now.timerfds, base->timerfds);
    CHECK_EQ(now.address_spaces, base->address_spaces);
    CHECK_EQ(now.mapped_user_pages, base->mapped_user_pages);
    CHECK_EQ(now.page_table_pages - now.kernel_page_table_pages,
             base->page_table_pages - base->kernel_page_table_pages);
    CHECK_EQ(now.heap_bytes, base->heap_bytes);
    CHECK_EQ(now.posix_timers, base->posix_timers);
    CHECK_EQ(frames, base_frames);
    CHECK_EQ(now.user_accounts, base->user_accounts);
    CHECK_EQ(now.user_tasks, base->user_tasks);
}

#endif
