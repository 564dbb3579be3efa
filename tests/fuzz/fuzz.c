/* /tests/fuzz: Charon's in-guest system call fuzzer (docs/robustness.md).
 *
 *   fuzz [-s SEED] [-t SECONDS] [-w WORKERS] [-e FIRST_EPOCH] [-n EPOCHS]
 *        [-l EPOCH_MS] [-c MAX_CALLS] [-x CALL,...] [-o CALL,...] [-f] [-v] [-q]
 *
 * A supervisor runs the fuzz in epochs. Each epoch starts WORKERS processes
 * that issue random system calls from Charon's implemented set with hostile
 * arguments (unmapped, kernel-half and non-canonical pointers, huge lengths,
 * bad flags, out-of-range signals, pids of zombies and of reaped children,
 * -1, INT_MIN) while they fork, clone, exec, kill each other and exit at
 * random; a worker that dies is replaced. At the end of the epoch the
 * supervisor SIGKILLs everything (kill(-1)), reaps it all as a child
 * subreaper and checks that every kernel counter (charon_stats, syscall
 * 511) is back to its value before the epoch: frames, kernel stacks and
 * threads, processes, tasks, fd tables, open files, pipes, inodes, address
 * spaces, user pages, page tables and heap bytes. The kernel must neither
 * panic nor hang (tools/suites/fuzz.sh watches for both).
 *
 * Reproducing: every worker's call sequence is a pure function of
 * (SEED, epoch, worker slot, generation, fork path), so `-s SEED -e E -n 1`
 * replays epoch E alone and `-v` prints every call before making it.
 * Scheduling still varies between runs, so a race may need a few tries.
 * When an epoch fails (a process that SIGKILL cannot end, a leak) the
 * supervisor prints the last calls of every worker slot, kept in a ring in
 * memory shared with the workers.
 *
 * Output: "fuzz: PASS calls=N processes=P epochs=E seconds=S" and exit 0, or
 * "fuzz: FAIL ..." and exit 1. Exit 77 when not on Charon: the fuzzer must
 * never run natively (hostile calls as root on the host).
 *
 * The worker side uses no libc at all (raw `syscall` instructions, its own
 * formatting): the fuzz may point FS at garbage, block every signal, unmap
 * memory or install handlers at random addresses, and musl would trip over
 * its own state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SYS_charon_stats 511

/* Fixed places in every worker's address space. The fuzz region is where
 * mmap/munmap/mprotect/mremap/madvise aim; scratch holds the (valid)
 * buffers passed to calls and ends at an unmapped page; shared is the
 * supervisor's MAP_SHARED state. None overlaps the program or its stack. */
#define FUZZ_REGION 0x100000000000ul
#define FUZZ_REGION_PAGES 4096ul
#define SCRATCH_ADDR 0x600000000000ul
#define SCRATCH_SIZE (16ul * 4096)
#define SHARED_ADDR 0x610000000000ul
#define TRACE_FD 1001 /* the console, for -v; never chosen by the fuzz */

#define MAX_WORKERS 16
#define RING 16
#define MAX_DEPTH 2

/* -------------------------------------------------------------------------
 * Shared state (supervisor <-> workers) */

struct ring_entry {
    int pid;
    int nr;
    long ret;
    unsigned long arg[6];
};

struct slot_state {
    unsigned long calls; /* progress of the slot's worker and its children */
    unsigned long ring_next;
    struct ring_entry ring[RING];
};

struct shared {
    unsigned long calls;     /* every fuzzed call, all workers */
    unsigned long processes; /* children created by fork/vfork/clone/clone3 */
    unsigned long execs;     /* successful execve of /tests/fuzz --exit */
    struct slot_state slot[MAX_WORKERS];
};

static struct shared *g_shared;

/* -------------------------------------------------------------------------
 * Raw system calls and the worker's own tiny runtime */

static inline long rsys(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define RSYS0(n) rsys(n, 0, 0, 0, 0, 0, 0)
#define RSYS1(n, a) rsys(n, (long)(a), 0, 0, 0, 0, 0)
#define RSYS2(n, a, b) rsys(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define RSYS3(n, a, b, c) rsys(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* fz_clone_call(nr, a1..a5, child_exits): a process-creating call. A child
 * that shares our memory or got a stack of its own (child_exits != 0) must
 * not come back into C: it yields once and exits, touching no memory. Any
 * other child (a fork-like copy) returns 0 like fork. */
long fz_clone_call(long nr, long a1, long a2, long a3, long a4, long a5, long child_exits);
__asm__(".text\n"
        ".globl fz_clone_call\n"
        "fz_clone_call:\n"
        "    push %r12\n"
        "    mov 16(%rsp), %r12\n"
        "    mov %rdi, %rax\n"
        "    mov %rsi, %rdi\n"
        "    mov %rdx, %rsi\n"
        "    mov %rcx, %rdx\n"
        "    mov %r8, %r10\n"
        "    mov %r9, %r8\n"
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    test %r12, %r12\n"
        "    jz 1f\n"
        "    mov $24, %eax\n" /* sched_yield */
        "    syscall\n"
        "    mov $60, %eax\n" /* exit(0): only this thread/process */
        "    xor %edi, %edi\n"
        "    syscall\n"
        "    ud2\n"
        "1:  pop %r12\n"
        "    ret\n");

/* The restorer every valid handler installs (SA_RESTORER). */
void fz_restorer(void);
__asm__(".text\n"
        ".globl fz_restorer\n"
        "fz_restorer:\n"
        "    mov $15, %eax\n"
        "    syscall\n"
        "    ud2\n");

static void fz_handler(int sig)
{
    (void)sig;
}

/* Appends to a line buffer: %s-like strings and hex numbers. */
struct line {
    char buf[320];
    size_t len;
};
static void put_str(struct line *l, const char *s)
{
    while (*s && l->len < sizeof l->buf - 1)
        l->buf[l->len++] = *s++;
}
static void put_hex(struct line *l, unsigned long v)
{
    char tmp[19];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    put_str(l, "0x");
    while (n && l->len < sizeof l->buf - 1)
        l->buf[l->len++] = tmp[--n];
}
static void put_dec(struct line *l, long v)
{
    char tmp[21];
    int n = 0;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        put_str(l, "-");
    while (n && l->len < sizeof l->buf - 1)
        l->buf[l->len++] = tmp[--n];
}

/* -------------------------------------------------------------------------
 * The deterministic generator */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t g_rng;
static uint64_t rnd(void)
{
    g_rng = mix64(g_rng);
    return g_rng;
}
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
static int chance(unsigned percent) { return below(100) < percent; }

/* -------------------------------------------------------------------------
 * Worker state */

static int g_slot;
static int g_depth;
static long g_calls_left;
static int g_self_pid;
static int g_sup_pid;
static int g_trace;
static int g_fail; /* -f: workers arm fault injection (charon_fault) */
static int g_pids[8]; /* recent children: alive, zombie or reaped */
static int g_fds[8];  /* recent descriptors we were given */

static const char *const g_paths[] = {
    "/",
    "/tmp",
    "/tmp/",
    "/etc/passwd",
    "/etc/passwd/",
    "/etc/group",
    "/tests/fuzz",
    "/dev/null",
    "/dev",
    "/nonexistent",
    "/tmp/fz0",
    "/tmp/fz1",
    "/tmp/fz0/x",
    "",
    ".",
    "..",
    "etc",
    "../../..//./etc/passwd",
    "/proc/self/exe",
    "/sbin",
};
#define PATH_COUNT (sizeof g_paths / sizeof g_paths[0])

static char g_long_path[5000];

static unsigned long hostile_pointer(void)
{
    static const unsigned long bad[] = {
        0,
        1,
        0xfff,
        0x10000,
        0xffff800000000000ul, /* kernel half */
        0xffffffff80000000ul, /* kernel image */
        0xffffffffffffffffu,
        0x0000800000000000ul, /* first non-canonical */
        0x00007ffffffff000ul, /* last user page */
        0x00007fffffffffffful,
        0x8000000000000000ul,
        SCRATCH_ADDR + SCRATCH_SIZE - 1, /* runs into the unmapped page */
        SCRATCH_ADDR + SCRATCH_SIZE - 8,
        SCRATCH_ADDR + SCRATCH_SIZE,
        FUZZ_REGION,                     /* mapped or not, depending */
        0x400000,                        /* our (read-only) program text */
    };
    if (chance(10))
        return rnd();
    return bad[below(sizeof bad / sizeof bad[0])];
}

/* A writable buffer of at least `need` bytes in scratch, or a hostile one. */
static unsigned long buffer(size_t need)
{
    if (chance(20))
        return hostile_pointer();
    if (need >= SCRATCH_SIZE)
        need = SCRATCH_SIZE;
    unsigned long off = below(SCRATCH_SIZE - need + 1);
    if (chance(50))
        off &= ~7ul;
    return SCRATCH_ADDR + off;
}

/* Scratch filled with random bytes (arguments the kernel reads). */
static unsigned long random_struct(size_t size)
{
    unsigned long p = buffer(size);
    if (p >= SCRATCH_ADDR && p + size <= SCRATCH_ADDR + SCRATCH_SIZE) {
        unsigned char *b = (unsigned char *)p;
        for (size_t i = 0; i < size; i++)
            b[i] = chance(50) ? 0 : (unsigned char)rnd();
    }
    return p;
}

static unsigned long length(void)
{
    static const unsigned long odd[] = {
        0, 1, 4095, 4096, 4097, SCRATCH_SIZE, SCRATCH_SIZE + 1, 0x7ffff000, 0x80000000ul, 0xffffffffu,
        0x100000000ul, 1ul << 46, 0x7fffffffffffffff, 0xffffffffffffffff, 0xfffffffffffff000,
    };
    if (chance(60))
        return below(chance(50) ? 64 : 8192);
    return odd[below(sizeof odd / sizeof odd[0])];
}

static long integer(void)
{
    static const long odd[] = {0, 1, 2, -1, -2, INT_MIN, INT_MAX, UINT_MAX, LONG_MIN, LONG_MAX, 0x80000000l, 4096};
    if (chance(50))
        return (long)below(64);
    if (chance(50))
        return odd[below(sizeof odd / sizeof odd[0])];
    return (long)rnd();
}

static unsigned long flags(void)
{
    switch (below(5)) {
    case 0: return 0;
    case 1: return 1ul << below(32);
    case 2: return rnd() & 0xffff;
    case 3: return (uint32_t)rnd();
    default: return rnd();
    }
}

static long fd(void)
{
    switch (below(8)) {
    case 0: return (long)below(3);
    case 1: return (long)below(20);
    case 2:
    case 3:
    case 4: return g_fds[below(8)];
    case 5: return -100; /* AT_FDCWD */
    case 6: return -1;
    default: {
        static const long odd[] = {INT_MAX, INT_MIN, 1023, 1024, 0x100000000l, -9, 4095, 65536};
        return odd[below(sizeof odd / sizeof odd[0])];
    }
    }
}

static long signal_number(void)
{
    static const long odd[] = {0, SIGKILL, SIGSTOP, SIGCONT, SIGCHLD, SIGTSTP, SIGTTIN, SIGSEGV, SIGALRM,
                               32, 33, 34, 64, 65, 128, -1, INT_MIN, INT_MAX, 0x100000009l};
    if (chance(50))
        return 1 + (long)below(64);
    return odd[below(sizeof odd / sizeof odd[0])];
}

static long pid_arg(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return -1;
    case 2: return g_self_pid;
    case 3:
    case 4: return g_pids[below(8)];
    case 5: return -g_pids[below(8)];
    case 6: return 1 + (long)below(300);
    default: {
        static const long odd[] = {INT_MIN, INT_MAX, 1, -1, 4194304, 0x100000001l, -2};
        return odd[below(sizeof odd / sizeof odd[0])];
    }
    }
}

static unsigned long path(void)
{
    if (chance(8))
        return hostile_pointer();
    if (chance(3))
        return (unsigned long)g_long_path;
    return (unsigned long)g_paths[below(PATH_COUNT)];
}

/* A timespec, mostly short (so calls that sleep return soon), sometimes
 * invalid or null. */
static unsigned long timespec_arg(void)
{
    if (chance(5))
        return chance(10) ? 0 : hostile_pointer();
    unsigned long p = buffer(16);
    if (p >= SCRATCH_ADDR && p + 16 <= SCRATCH_ADDR + SCRATCH_SIZE) {
        long *ts = (long *)p;
        ts[0] = chance(90) ? 0 : integer();
        ts[1] = chance(90) ? (long)below(200000) : integer();
    }
    return p;
}

static unsigned long fuzz_address(void)
{
    if (chance(25))
        return hostile_pointer();
    unsigned long a = FUZZ_REGION + below(FUZZ_REGION_PAGES) * 4096;
    if (chance(5))
        a += below(4096);
    return a;
}

/* Pids the fuzz must not signal or change: the supervisor (and its group)
 * would end the run; init's limits are out of bounds too. */
static long protect_pid(long pid)
{
    int as_int = (int)pid; /* what the kernel sees: pid_t is 32 bits */
    if (as_int == g_sup_pid || as_int == -g_sup_pid || as_int == -1)
        return g_self_pid;
    return pid;
}

/* -------------------------------------------------------------------------
 * The system call table */

enum arg_kind {
    A_NONE,
    A_FD,
    A_BUF,   /* buffer the kernel writes (or reads) */
    A_LEN,
    A_FLAGS,
    A_INT,
    A_SIG,
    A_PID,
    A_PATH,
    A_TIME,
    A_ADDR,  /* fuzz-region address */
    A_STRUCT, /* random bytes the kernel reads */
    A_SIGSET, /* pointer to a random 8-byte set */
    A_PTR,   /* any pointer, mostly hostile */
};

struct call {
    short nr;
    unsigned char weight;
    const char *name;
    unsigned char arg[6];
};

#define C(nr, w, name, ...) {nr, w, name, {__VA_ARGS__}}
static const struct call g_calls[] = {
    C(0, 6, "read", A_FD, A_BUF, A_LEN),
    C(1, 6, "write", A_FD, A_BUF, A_LEN),
    C(2, 5, "open", A_PATH, A_FLAGS, A_INT),
    C(3, 6, "close", A_FD),
    C(4, 3, "stat", A_PATH, A_BUF),
    C(5, 3, "fstat", A_FD, A_BUF),
    C(6, 2, "lstat", A_PATH, A_BUF),
    C(7, 3, "poll", A_STRUCT, A_LEN, A_INT),
    C(8, 3, "lseek", A_FD, A_INT, A_INT),
    C(9, 6, "mmap", A_ADDR, A_LEN, A_FLAGS, A_FLAGS, A_FD, A_INT),
    C(10, 4, "mprotect", A_ADDR, A_LEN, A_FLAGS),
    C(11, 4, "munmap", A_ADDR, A_LEN),
    C(12, 2, "brk", A_PTR),
    C(13, 4, "rt_sigaction", A_SIG, A_STRUCT, A_BUF, A_LEN),
    C(14, 4, "rt_sigprocmask", A_INT, A_SIGSET, A_BUF, A_LEN),
    C(15, 1, "rt_sigreturn"),
    C(16, 3, "ioctl", A_FD, A_FLAGS, A_BUF),
    C(17, 2, "pread64", A_FD, A_BUF, A_LEN, A_INT),
    C(18, 2, "pwrite64", A_FD, A_BUF, A_LEN, A_INT),
    C(19, 2, "readv", A_FD, A_STRUCT, A_INT),
    C(20, 2, "writev", A_FD, A_STRUCT, A_INT),
    C(21, 2, "access", A_PATH, A_INT),
    C(22, 3, "pipe", A_BUF),
    C(24, 1, "sched_yield"),
    C(25, 3, "mremap", A_ADDR, A_LEN, A_LEN, A_FLAGS, A_ADDR),
    C(26, 1, "msync", A_ADDR, A_LEN, A_FLAGS),
    C(28, 2, "madvise", A_ADDR, A_LEN, A_INT),
    C(32, 3, "dup", A_FD),
    C(33, 3, "dup2", A_FD, A_FD),
    C(34, 0, "pause"), /* blocks: only through rarely() */
    C(35, 1, "nanosleep", A_TIME, A_BUF),
    C(36, 1, "getitimer", A_INT, A_BUF),
    C(37, 1, "alarm", A_INT),
    C(38, 2, "setitimer", A_INT, A_STRUCT, A_BUF),
    C(39, 1, "getpid"),
    C(56, 3, "clone"),  /* special */
    C(57, 3, "fork"),   /* special */
    C(58, 2, "vfork"),  /* special */
    C(59, 2, "execve"), /* special */
    C(60, 0, "exit", A_INT), /* ends the worker: only through rarely() */
    C(61, 4, "wait4", A_PID, A_BUF, A_FLAGS, A_BUF),
    C(62, 5, "kill", A_PID, A_SIG),
    C(63, 1, "uname", A_BUF),
    C(72, 4, "fcntl", A_FD, A_INT, A_INT),
    C(79, 1, "getcwd", A_BUF, A_LEN),
    C(80, 2, "chdir", A_PATH),
    C(81, 1, "fchdir", A_FD),
    C(85, 1, "creat", A_PATH, A_INT),
    C(89, 1, "readlink", A_PATH, A_BUF, A_LEN),
    C(95, 1, "umask", A_INT),
    C(96, 1, "gettimeofday", A_BUF, A_BUF),
    C(97, 2, "getrlimit", A_INT, A_BUF),
    C(98, 2, "getrusage", A_INT, A_BUF),
    C(99, 1, "sysinfo", A_BUF),
    C(100, 1, "times", A_BUF),
    C(102, 1, "getuid"),
    C(104, 1, "getgid"),
    C(105, 1, "setuid", A_INT),
    C(106, 1, "setgid", A_INT),
    C(107, 1, "geteuid"),
    C(108, 1, "getegid"),
    C(109, 3, "setpgid", A_PID, A_PID),
    C(110, 1, "getppid"),
    C(111, 1, "getpgrp"),
    C(112, 2, "setsid"),
    C(117, 1, "setresuid", A_INT, A_INT, A_INT),
    C(118, 1, "getresuid", A_BUF, A_BUF, A_BUF),
    C(119, 1, "setresgid", A_INT, A_INT, A_INT),
    C(120, 1, "getresgid", A_BUF, A_BUF, A_BUF),
    C(121, 2, "getpgid", A_PID),
    C(124, 2, "getsid", A_PID),
    C(127, 1, "rt_sigpending", A_BUF, A_LEN),
    C(128, 2, "rt_sigtimedwait", A_SIGSET, A_BUF, A_TIME, A_LEN),
    C(129, 2, "rt_sigqueueinfo", A_PID, A_SIG, A_STRUCT),
    C(130, 0, "rt_sigsuspend", A_SIGSET, A_LEN), /* blocks: only through rarely() */
    C(131, 2, "sigaltstack", A_STRUCT, A_BUF),
    C(157, 3, "prctl", A_INT, A_INT, A_BUF, A_INT, A_INT),
    C(158, 2, "arch_prctl", A_INT, A_PTR),
    C(160, 2, "setrlimit", A_INT, A_STRUCT),
    C(186, 1, "gettid"),
    C(200, 2, "tkill", A_PID, A_SIG),
    C(201, 1, "time", A_BUF),
    C(202, 4, "futex", A_BUF, A_INT, A_INT, A_TIME, A_BUF, A_INT),
    C(217, 2, "getdents64", A_FD, A_BUF, A_LEN),
    C(218, 1, "set_tid_address", A_PTR),
    C(222, 1, "timer_create", A_INT, A_STRUCT, A_BUF),
    C(223, 1, "timer_settime", A_INT, A_FLAGS, A_STRUCT, A_BUF),
    C(224, 1, "timer_gettime", A_INT, A_BUF),
    C(225, 1, "timer_getoverrun", A_INT),
    C(226, 1, "timer_delete", A_INT),
    C(228, 2, "clock_gettime", A_INT, A_BUF),
    C(229, 1, "clock_getres", A_INT, A_BUF),
    C(230, 1, "clock_nanosleep", A_INT, A_FLAGS, A_TIME, A_BUF),
    C(231, 0, "exit_group", A_INT), /* the same */
    C(234, 2, "tgkill", A_PID, A_PID, A_SIG),
    C(247, 3, "waitid", A_INT, A_PID, A_BUF, A_FLAGS, A_BUF),
    C(257, 4, "openat", A_FD, A_PATH, A_FLAGS, A_INT),
    C(262, 2, "newfstatat", A_FD, A_PATH, A_BUF, A_FLAGS),
    C(267, 1, "readlinkat", A_FD, A_PATH, A_BUF, A_LEN),
    C(269, 1, "faccessat", A_FD, A_PATH, A_INT),
    C(271, 2, "ppoll", A_STRUCT, A_LEN, A_TIME, A_SIGSET, A_LEN),
    C(289, 1, "signalfd4", A_FD, A_SIGSET, A_LEN, A_FLAGS),
    C(290, 1, "eventfd2", A_INT, A_FLAGS),
    C(292, 2, "dup3", A_FD, A_FD, A_FLAGS),
    C(293, 3, "pipe2", A_BUF, A_FLAGS),
    C(297, 1, "rt_tgsigqueueinfo", A_PID, A_PID, A_SIG, A_STRUCT),
    C(302, 2, "prlimit64", A_PID, A_INT, A_STRUCT, A_BUF),
    C(322, 1, "execveat"), /* special */
    C(332, 2, "statx", A_FD, A_PATH, A_FLAGS, A_FLAGS, A_BUF),
    C(435, 2, "clone3"), /* special */
    C(439, 1, "faccessat2", A_FD, A_PATH, A_INT, A_FLAGS),
    C(511, 1, "charon_stats", A_BUF, A_LEN),
    C(-1, 1, "nosys"), /* special: numbers nothing implements */
};
#define CALL_COUNT (sizeof g_calls / sizeof g_calls[0])

static unsigned g_total_weight;
static unsigned char g_weight[256]; /* per g_calls entry; -x and -o change them */

static unsigned long gen_arg(int kind)
{
    switch (kind) {
    case A_FD: return (unsigned long)fd();
    case A_BUF: return buffer(below(4) ? 64 : 4096);
    case A_LEN: return length();
    case A_FLAGS: return flags();
    case A_INT: return (unsigned long)integer();
    case A_SIG: return (unsigned long)signal_number();
    case A_PID: return (unsigned long)pid_arg();
    case A_PATH: return path();
    case A_TIME: return timespec_arg();
    case A_ADDR: return fuzz_address();
    case A_STRUCT: return random_struct(below(4) ? 32 : 256);
    case A_SIGSET: {
        unsigned long p = random_struct(8);
        return p;
    }
    case A_PTR: return chance(50) ? hostile_pointer() : buffer(64);
    default: return 0;
    }
}

static void remember(int *list, long value)
{
    if (value > 0 && value < INT_MAX)
        list[below(8)] = (int)value;
}

static void trace_call(const char *name, const unsigned long *a)
{
    if (!g_trace)
        return;
    struct line l = {.len = 0};
    put_str(&l, "fz ");
    put_dec(&l, g_self_pid);
    put_str(&l, " ");
    put_str(&l, name);
    put_str(&l, "(");
    for (int i = 0; i < 6; i++) {
        if (i)
            put_str(&l, ", ");
        put_hex(&l, a[i]);
    }
    put_str(&l, ")\n");
    RSYS3(SYS_write, TRACE_FD, l.buf, l.len);
}

static void record(int nr, const unsigned long *a, long ret, int before)
{
    struct slot_state *s = &g_shared->slot[g_slot];
    unsigned long i;
    if (before) {
        i = __atomic_fetch_add(&s->ring_next, 1, __ATOMIC_RELAXED) % RING;
        s->ring[i].pid = g_self_pid;
        s->ring[i].nr = nr;
        s->ring[i].ret = -4096; /* not returned (yet) */
        for (int k = 0; k < 6; k++)
            s->ring[i].arg[k] = a[k];
    } else {
        i = (__atomic_load_n(&s->ring_next, __ATOMIC_RELAXED) + RING - 1) % RING;
        if (s->ring[i].pid == g_self_pid && s->ring[i].nr == nr)
            s->ring[i].ret = ret;
    }
}

static void become_child(void);

/* Process-creating calls. Flags come from what clone accepts plus random
 * bits; the child of a memory-sharing clone exits at once (fz_clone_call). */
static long fuzz_clone(int nr, unsigned long *a)
{
    static const unsigned long bits[] = {
        CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_PIDFD, CLONE_PTRACE, CLONE_VFORK, CLONE_PARENT,
        CLONE_THREAD, CLONE_SYSVSEM, CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID,
        CLONE_CHILD_SETTID, CLONE_NEWNS, CLONE_NEWPID, CLONE_IO, 0x100000000ul,
    };
    long child_exits = 0;
    long ret;
    if (g_depth >= MAX_DEPTH)
        return RSYS0(SYS_getpid);
    if (nr == SYS_fork) {
        trace_call("fork", a);
        ret = fz_clone_call(SYS_fork, 0, 0, 0, 0, 0, 0);
    } else if (nr == SYS_vfork) {
        trace_call("vfork", a);
        ret = fz_clone_call(SYS_vfork, 0, 0, 0, 0, 0, 1);
    } else {
        unsigned long f = chance(60) ? SIGCHLD : (unsigned long)below(70);
        int n = (int)below(5);
        for (int i = 0; i < n; i++)
            f |= bits[below(sizeof bits / sizeof bits[0])];
        if (chance(5))
            f = rnd();
        /* A CLONE_PARENT child is the supervisor's: its exit signal must
         * not be SIGKILL or SIGSTOP for the supervisor. */
        if (f & CLONE_PARENT)
            f = (f & ~0xfful) | SIGCHLD;
        unsigned long stack = 0;
        if ((f & CLONE_VM) || chance(10))
            stack = chance(70) ? buffer(256) + 128 : hostile_pointer();
        if (stack)
            child_exits = 1;
        if (f & CLONE_VM)
            child_exits = 1;
        unsigned long ptid = buffer(8), ctid = buffer(8), tls = chance(50) ? buffer(64) : hostile_pointer();
        if (nr == SYS_clone) {
            a[0] = f;
            a[1] = stack;
            a[2] = ptid;
            a[3] = ctid;
            a[4] = tls;
            trace_call("clone", a);
            ret = fz_clone_call(SYS_clone, (long)f, (long)stack, (long)ptid, (long)ctid, (long)tls, child_exits);
        } else {
            /* clone3: struct clone_args, sometimes with a bad size. */
            unsigned long *args = (unsigned long *)(SCRATCH_ADDR + SCRATCH_SIZE - 11 * 8 - 512);
            for (int i = 0; i < 11; i++)
                args[i] = 0;
            args[0] = f & ~0xfful;
            args[1] = buffer(8);          /* pidfd */
            args[2] = ctid;               /* child_tid */
            args[3] = ptid;               /* parent_tid */
            args[4] = f & 0xff;           /* exit_signal */
            args[5] = stack ? stack - 4096 : 0; /* stack (lowest byte) */
            args[6] = stack ? 4096 : 0;   /* stack_size */
            args[7] = tls;
            if (chance(10))
                args[8] = hostile_pointer(); /* set_tid */
            if (chance(10))
                args[9] = below(3);         /* set_tid_size */
            unsigned long size = chance(85) ? 88 : length();
            if (chance(5))
                args[(below(11))] = rnd();
            if (args[0] & CLONE_PARENT)
                args[4] = SIGCHLD;
            unsigned long p = chance(95) ? (unsigned long)args : hostile_pointer();
            a[0] = p;
            a[1] = size;
            if (args[0] & CLONE_VM || args[5])
                child_exits = 1;
            if (chance(5))
                child_exits = 1; /* random fields may carry CLONE_VM */
            trace_call("clone3", a);
            ret = fz_clone_call(SYS_clone3, (long)p, (long)size, 0, 0, 0, child_exits);
        }
    }
    if (ret == 0) {
        become_child();
        return 0;
    }
    if (ret > 0) {
        remember(g_pids, ret);
        __atomic_fetch_add(&g_shared->processes, 1, __ATOMIC_RELAXED);
    }
    return ret;
}

static char *g_exec_argv_ok[] = {"fuzz", "--exit", 0};
static char *g_exec_argv_bad[] = {"fuzz", (char *)0xffff800000000000ul, 0};

static long fuzz_exec(int nr, unsigned long *a)
{
    static const char *const targets[] = {"/tests/fuzz", "/tests/fuzz", "/etc/passwd", "/tmp", "/nonexistent", ""};
    unsigned long p = chance(10) ? hostile_pointer() : (unsigned long)targets[below(6)];
    unsigned long argv = chance(80) ? (unsigned long)g_exec_argv_ok
                                    : chance(50) ? (unsigned long)g_exec_argv_bad : hostile_pointer();
    unsigned long envp = chance(80) ? 0 : chance(50) ? (unsigned long)g_exec_argv_bad : hostile_pointer();
    long ret;
    if (nr == SYS_execve) {
        a[0] = p, a[1] = argv, a[2] = envp;
        trace_call("execve", a);
        ret = RSYS3(SYS_execve, p, argv, envp);
    } else {
        a[0] = (unsigned long)fd(), a[1] = p, a[2] = argv, a[3] = envp, a[4] = chance(70) ? 0 : flags();
        trace_call("execveat", a);
        ret = rsys(SYS_execveat, (long)a[0], (long)p, (long)argv, (long)envp, (long)a[4], 0);
    }
    return ret;
}

static long nosys(unsigned long *a)
{
    static const long numbers[] = {-1, 335, 400, 513, 600, 1000, 0x40000000 | 39, 0x40000000, INT_MAX, LONG_MIN,
                                   0x100000000l + 39};
    long nr = numbers[below(sizeof numbers / sizeof numbers[0])];
    a[0] = (unsigned long)nr;
    trace_call("nosys", a);
    return rsys(nr, 0, 0, 0, 0, 0, 0);
}

/* Calls that end the worker, or block it until a signal: rare, so that a
 * worker does not spend its epoch asleep or being replaced. */
static long rarely(unsigned long *a)
{
    if (chance(30)) {
        a[0] = rnd() & 0xff;
        return RSYS1(chance(50) ? SYS_exit : SYS_exit_group, a[0]);
    }
    if (chance(50)) {
        RSYS1(SYS_alarm, 1);
        return RSYS0(SYS_pause);
    }
    a[0] = random_struct(8);
    RSYS1(SYS_alarm, 1);
    return RSYS2(SYS_rt_sigsuspend, a[0], 8);
}

static void fix_args(const struct call *c, unsigned long *a)
{
    switch (c->nr) {
    case SYS_kill:
    case SYS_tkill:
    case SYS_rt_sigqueueinfo:
        a[0] = (unsigned long)protect_pid((long)a[0]);
        break;
    case SYS_tgkill:
    case SYS_rt_tgsigqueueinfo:
        a[0] = (unsigned long)protect_pid((long)a[0]);
        a[1] = (unsigned long)protect_pid((long)a[1]);
        break;
    case SYS_prlimit64:
        a[0] = (unsigned long)protect_pid((long)a[0]);
        if ((int)a[0] == 1)
            a[0] = 0;
        break;
    case SYS_rt_sigaction:
        /* A handler that works, most of the time. */
        if (a[1] >= SCRATCH_ADDR && a[1] + 32 <= SCRATCH_ADDR + SCRATCH_SIZE && chance(70)) {
            unsigned long *sa = (unsigned long *)a[1];
            static const unsigned long handlers[] = {0, 1, 0x1234};
            sa[0] = chance(60) ? (unsigned long)fz_handler : handlers[below(3)];
            sa[1] = (chance(80) ? 0x04000000ul /* SA_RESTORER */ : 0) | (rnd() & 0xde000004ul);
            sa[2] = chance(90) ? (unsigned long)fz_restorer : hostile_pointer();
        }
        if (chance(80))
            a[3] = 8;
        break;
    case SYS_rt_sigprocmask:
    case SYS_rt_sigpending:
    case SYS_rt_sigtimedwait:
        if (chance(80))
            a[c->nr == SYS_rt_sigpending ? 1 : 3] = 8;
        if (c->nr == SYS_rt_sigprocmask && chance(80))
            a[0] = below(3);
        break;
    case SYS_ppoll:
        if (chance(80))
            a[4] = 8;
        /* fall through */
    case SYS_poll:
        if (chance(80))
            a[1] = below(8);
        if (c->nr == SYS_poll && chance(90))
            a[2] = below(3);
        if (a[0] >= SCRATCH_ADDR && a[0] + 64 <= SCRATCH_ADDR + SCRATCH_SIZE) {
            int *p = (int *)a[0];
            for (int i = 0; i < 8; i++)
                p[2 * i] = (int)fd();
        }
        break;
    case SYS_readv:
    case SYS_writev:
        if (a[1] >= SCRATCH_ADDR && a[1] + 128 <= SCRATCH_ADDR + SCRATCH_SIZE) {
            unsigned long *iov = (unsigned long *)a[1];
            for (int i = 0; i < 8; i++) {
                iov[2 * i] = buffer(64);
                iov[2 * i + 1] = chance(80) ? below(64) : length();
            }
        }
        if (chance(70))
            a[2] = below(9);
        break;
    case SYS_wait4:
    case SYS_waitid:
        /* Mostly WNOHANG: a wait with live children would idle the worker. */
        if (chance(70))
            a[c->nr == SYS_wait4 ? 2 : 3] = (c->nr == SYS_wait4 ? WNOHANG : WNOHANG | WEXITED) |
                                            (chance(20) ? (rnd() & 0xe100000e) : 0);
        if (c->nr == SYS_waitid && chance(70))
            a[0] = below(4);
        break;
    case SYS_futex:
        if (chance(80))
            a[1] = below(14) | (chance(50) ? 128 : 0);
        break;
    case SYS_mmap:
        if (chance(70))
            a[2] = below(8); /* prot */
        if (chance(70)) {
            static const unsigned long types[] = {MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS,
                                                  MAP_PRIVATE, MAP_SHARED, 0x03 | MAP_ANONYMOUS};
            a[3] = types[below(5)] | (chance(30) ? MAP_FIXED : 0) | (chance(10) ? MAP_FIXED_NOREPLACE : 0) |
                   (chance(5) ? MAP_GROWSDOWN : 0) | (chance(10) ? MAP_POPULATE : 0);
        }
        /* Populating a huge range would only measure the OOM path. */
        if ((a[3] & MAP_POPULATE) && a[1] > (1ul << 22))
            a[1] &= (1ul << 22) - 1;
        if (chance(70))
            a[5] = chance(80) ? 0 : 4096 * below(4);
        if (chance(40))
            a[0] = 0;
        break;
    case SYS_setitimer:
    case SYS_alarm:
        /* Timers run out soon, or are cancelled. */
        if (c->nr == SYS_alarm && chance(90))
            a[0] = below(3);
        if (c->nr == SYS_setitimer && a[1] >= SCRATCH_ADDR && a[1] + 32 <= SCRATCH_ADDR + SCRATCH_SIZE &&
            chance(80)) {
            long *it = (long *)a[1];
            it[0] = 0;
            it[1] = (long)below(100000);
            it[2] = 0;
            it[3] = (long)below(100000);
        }
        break;
    case SYS_exit:
    case SYS_exit_group:
        a[0] &= 0xff;
        break;
    case SYS_open:
    case SYS_openat:
    case SYS_creat:
        /* Only /tmp/fz0 and /tmp/fz1 may be created (the supervisor
         * removes them); the rest of the pool exists or cannot be made. */
        break;
    case SYS_ioctl: {
        static const unsigned long cmds[] = {0x5401, 0x5402, 0x5413, 0x540f, 0x5410, 0x541b, 0x5421,
                                             0x540e, 0x5422, 0x5429, 0x5414, 0x5480};
        if (chance(80))
            a[1] = cmds[below(sizeof cmds / sizeof cmds[0])];
        break;
    }
    case SYS_fcntl:
        if (chance(80))
            a[1] = below(12) | (chance(10) ? 1024 : 0);
        break;
    case SYS_setrlimit:
    case SYS_getrlimit:
        if (chance(80))
            a[0] = below(17);
        break;
    case SYS_arch_prctl:
        if (chance(80))
            a[0] = 0x1001 + below(4);
        break;
    case SYS_prctl:
        if (chance(80))
            a[0] = 1 + below(40);
        break;
    default: break;
    }
    /* The stdio descriptors are /dev/null; leave the tracing one alone. */
    for (int i = 0; i < 6; i++)
        if (c->arg[i] == A_FD && (a[i] == 1000 || a[i] == TRACE_FD))
            a[i] = 3;
}

static const struct call *pick(void)
{
    unsigned w = (unsigned)below(g_total_weight);
    for (size_t i = 0; i < CALL_COUNT; i++) {
        if (w < g_weight[i])
            return &g_calls[i];
        w -= g_weight[i];
    }
    return &g_calls[0];
}

static void one_call(void)
{
    unsigned long a[6] = {0};
    const struct call *c = pick();
    int special = c->nr == SYS_clone || c->nr == SYS_fork || c->nr == SYS_vfork || c->nr == SYS_clone3 ||
                  c->nr == SYS_execve || c->nr == SYS_execveat || c->nr == -1;
    long ret;
    if (!special) {
        for (int i = 0; i < 6; i++)
            a[i] = gen_arg(c->arg[i]);
        fix_args(c, a);
    }
    if (below(2000) == 0) {
        /* Once in a while: exit, or a call that blocks until a signal. */
        unsigned long b[6] = {0};
        record(SYS_pause, b, 0, 1);
        rarely(b);
        return;
    }
    if (!special)
        trace_call(c->name, a);
    record(c->nr, a, 0, 1);
    __atomic_fetch_add(&g_shared->calls, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&g_shared->slot[g_slot].calls, 1, __ATOMIC_RELAXED);
    switch (c->nr) {
    case SYS_clone:
    case SYS_fork:
    case SYS_vfork:
    case SYS_clone3: ret = fuzz_clone(c->nr, a); break;
    case SYS_execve:
    case SYS_execveat: ret = fuzz_exec(c->nr, a); break;
    case -1: ret = nosys(a); break;
    default: ret = rsys(c->nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4], (long)a[5]); break;
    }
    if (ret == 0 && special)
        return; /* a new child: its own state is set */
    record(c->nr, a, ret, 0);
    if (ret >= 0) {
        switch (c->nr) {
        case SYS_open:
        case SYS_openat:
        case SYS_creat:
        case SYS_dup:
        case SYS_dup2:
        case SYS_dup3:
        case SYS_fcntl: remember(g_fds, ret); break;
        case SYS_pipe:
        case SYS_pipe2:
            if (a[0] >= SCRATCH_ADDR && a[0] + 8 <= SCRATCH_ADDR + SCRATCH_SIZE) {
                remember(g_fds, ((int *)a[0])[0]);
                remember(g_fds, ((int *)a[0])[1]);
            }
            break;
        default: break;
        }
    }
}

static void become_child(void)
{
    /* Children draw from a stream of their own; still deterministic. */
    g_rng = mix64(g_rng ^ 0x5bd1e995ul);
    g_depth++;
    g_self_pid = (int)RSYS0(SYS_getpid);
    g_calls_left = 200 + (long)below(2000);
}

static void worker_loop(void)
{
    for (;;) {
        if (g_calls_left-- <= 0)
            rsys(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        one_call();
    }
}

/* The first steps of a worker: its own session (so its groups are not the
 * supervisor's), /dev/null as stdio, every other descriptor closed, scratch
 * memory mapped. Plain libc is still fine here. */
static void worker_main(uint64_t seed, int slot, int sup_pid, int trace, long max_calls)
{
    g_rng = seed;
    g_slot = slot;
    g_sup_pid = sup_pid;
    g_trace = trace;
    g_depth = 0;
    g_calls_left = max_calls;
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null < 0)
        _exit(111);
    for (int i = 0; i < 3; i++)
        dup2(null, i);
    for (int i = 3; i < 1000; i++)
        if (i != null)
            close(i);
    close(null);
    if (mmap((void *)SCRATCH_ADDR, SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
             0) == MAP_FAILED)
        _exit(112);
    memset(g_long_path, 'a', sizeof g_long_path - 1);
    for (size_t i = 0; i < sizeof g_long_path - 1; i += 200)
        g_long_path[i] = '/';
    for (size_t i = 0; i < CALL_COUNT; i++)
        g_total_weight += g_weight[i];
    for (int i = 0; i < 8; i++) {
        g_fds[i] = (int)below(8);
        g_pids[i] = 0;
    }
    g_self_pid = (int)RSYS0(SYS_getpid);
    /* Armed, every allocation the kernel makes for us may fail (the
     * command line's fault_every=N); the supervisor stays unarmed. */
    if (g_fail && RSYS1(512, 1) < 0)
        rsys(SYS_exit_group, 113, 0, 0, 0, 0, 0);
    worker_loop();
}

/* -------------------------------------------------------------------------
 * The supervisor */

struct stats {
    unsigned long long version, free_frames, usable_frames, live_kernel_stacks, live_kernel_threads, processes,
        zombies, threads, tasks, file_tables, open_files, pipes, inodes, address_spaces, mapped_user_pages,
        page_table_pages, heap_bytes, heap_slab_frames, kernel_page_table_pages, file_pages, shared_anonymous_pages,
        file_store_bytes, user_accounts, user_tasks, posix_timers;
};

/* 1 when *s was filled, 0 without charon_stats, -1 when the kernel's
 * structure is older than ours (no kernel_page_table_pages). */
static int read_stats(struct stats *s)
{
    memset(s, 0, sizeof *s);
    long r = syscall(SYS_charon_stats, s, sizeof *s);
    if (r <= 0)
        return 0;
    return r >= (long)sizeof *s ? 1 : -1;
}

static const char *call_name(int nr)
{
    for (size_t i = 0; i < CALL_COUNT; i++)
        if (g_calls[i].nr == nr)
            return g_calls[i].name;
    return nr == SYS_pause ? "pause" : "?";
}

static void dump_rings(int workers)
{
    for (int w = 0; w < workers; w++) {
        struct slot_state *s = &g_shared->slot[w];
        unsigned long next = s->ring_next;
        printf("fuzz: slot %d, last calls (oldest first):\n", w);
        for (unsigned long k = next > RING ? next - RING : 0; k < next; k++) {
            struct ring_entry *e = &s->ring[k % RING];
            printf("fuzz:   pid %d %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)", e->pid, call_name(e->nr), e->arg[0],
                   e->arg[1], e->arg[2], e->arg[3], e->arg[4], e->arg[5]);
            if (e->ret == -4096)
                printf(" did not return\n");
            else
                printf(" = %ld\n", e->ret);
        }
    }
    fflush(stdout);
}

/* The counters that must match exactly; frames are compared after
 * accounting for the heap's slabs and the kernel's page tables, which grow
 * to their peak and are kept (not leaks). */
static int compare(const struct stats *a, const struct stats *b, char *why, size_t size)
{
#define SAME(field)                                                                                                    \
    if (a->field != b->field) {                                                                                        \
        snprintf(why, size, #field " %llu -> %llu", a->field, b->field);                                               \
        return 0;                                                                                                      \
    }
    SAME(live_kernel_stacks);
    SAME(live_kernel_threads);
    SAME(processes);
    SAME(zombies);
    SAME(threads);
    SAME(tasks);
    SAME(file_tables);
    SAME(open_files);
    SAME(pipes);
    SAME(inodes);
    SAME(address_spaces);
    SAME(mapped_user_pages);
    SAME(shared_anonymous_pages);
    SAME(posix_timers);
#undef SAME
    /* What a worker wrote into a file that outlives the epoch (an archive
     * file such as /etc/passwd, turned into a page store, grown, its index
     * deepened) is the file's contents, not a leak: the heap is compared
     * net of file stores, the frames with the files' pages. */
    unsigned long long heap_a = a->heap_bytes - a->file_store_bytes;
    unsigned long long heap_b = b->heap_bytes - b->file_store_bytes;
    if (heap_a != heap_b) {
        snprintf(why, size, "heap bytes besides file stores %llu -> %llu (heap %llu -> %llu, file stores %llu -> %llu)",
                 heap_a, heap_b, a->heap_bytes, b->heap_bytes, a->file_store_bytes, b->file_store_bytes);
        return 0;
    }
    unsigned long long user_tables_a = a->page_table_pages - a->kernel_page_table_pages;
    unsigned long long user_tables_b = b->page_table_pages - b->kernel_page_table_pages;
    if (user_tables_a != user_tables_b) {
        snprintf(why, size, "user page-table pages %llu -> %llu", user_tables_a, user_tables_b);
        return 0;
    }
    unsigned long long frames_a = a->free_frames + a->heap_slab_frames + a->kernel_page_table_pages + a->file_pages;
    unsigned long long frames_b = b->free_frames + b->heap_slab_frames + b->kernel_page_table_pages + b->file_pages;
    if (frames_a != frames_b) {
        snprintf(why, size,
                 "frames (free %llu -> %llu, heap slabs %llu -> %llu, kernel page tables %llu -> %llu, file pages %llu -> "
                 "%llu): %lld lost",
                 a->free_frames, b->free_frames, a->heap_slab_frames, b->heap_slab_frames,
                 a->kernel_page_table_pages, b->kernel_page_table_pages, a->file_pages, b->file_pages,
                 (long long)(frames_a - frames_b));
        return 0;
    }
    return 1;
}

/* The counters once the kernel's reaper has freed the dead threads: the
 * same stacks, threads and free frames over 100 ms. */
/* A pending SIGCHLD holds a queued siginfo (kernel heap): none may be
 * pending when the counters are compared. */
static void drain_sigchld(void)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&chld, 0, &zero) > 0) {
    }
}

static void stable_stats(struct stats *s)
{
    struct stats next;
    drain_sigchld();
    read_stats(s);
    int same = 0;
    for (int tries = 0; tries < 100; tries++) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, 0);
        read_stats(&next);
        if (next.live_kernel_stacks == s->live_kernel_stacks && next.live_kernel_threads == s->live_kernel_threads &&
            next.free_frames == s->free_frames) {
            if (++same == 5)
                return;
        } else {
            same = 0;
        }
        *s = next;
    }
}

static volatile sig_atomic_t g_alarm;
static void on_alarm(int sig)
{
    (void)sig;
    g_alarm = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Files the workers create on the writable root: open/creat with O_CREAT
 * of the absent names in g_paths, of the relative "etc", and of whatever
 * name a hostile pointer happens to spell (our ELF header, random scratch
 * bytes), in any directory chdir/fchdir reaches. Left behind they would
 * show as live inodes in the leak check, so each epoch ends by removing
 * every name those directories did not hold at the start. */
static const char *const g_watched[] = {"/", "/tmp", "/dev", "/sbin", "/etc"};
#define WATCHED (sizeof g_watched / sizeof g_watched[0])
#define KNOWN_MAX 64
static char g_known[WATCHED][KNOWN_MAX][64];
static int g_known_count[WATCHED];

static int known(size_t w, const char *name)
{
    for (int i = 0; i < g_known_count[w]; i++)
        if (strcmp(g_known[w][i], name) == 0)
            return 1;
    return 0;
}

/* remember != 0: record the names; else unlink every unknown one. */
static void scan_watched(int remember)
{
    for (size_t w = 0; w < WATCHED; w++) {
        int dfd = open(g_watched[w], O_RDONLY | O_DIRECTORY);
        if (dfd < 0)
            continue;
        char buf[4096];
        long n;
        int again = 1;
        while (again) {
            again = 0;
            lseek(dfd, 0, SEEK_SET);
            while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0) {
                for (long off = 0; off < n;) {
                    unsigned short reclen;
                    memcpy(&reclen, buf + off + 16, 2);
                    const char *name = buf + off + 19;
                    off += reclen;
                    if (!strcmp(name, ".") || !strcmp(name, ".."))
                        continue;
                    if (remember) {
                        if (g_known_count[w] < KNOWN_MAX && strlen(name) < 64)
                            strcpy(g_known[w][g_known_count[w]++], name);
                    } else if (!known(w, name) && unlinkat(dfd, name, 0) == 0) {
                        again = 1; /* the listing changed under us: rescan */
                    }
                }
            }
        }
        close(dfd);
    }
}

static void remove_fuzz_files(void)
{
    scan_watched(0);
}

/* Before the baseline: the names as they are, then 32 scratch files in each
 * watched directory at once, so that the directories' entry arrays (which
 * keep their capacity) are already as large as an epoch can make them. */
static void warm_up_fuzz_files(void)
{
    scan_watched(1);
    for (size_t w = 0; w < WATCHED; w++)
        for (int i = 0; i < 32; i++) {
            char name[96];
            snprintf(name, sizeof name, "%s/fz_warm%d", g_watched[w], i);
            int fd = open(name, O_CREAT | O_WRONLY, 0600);
            if (fd >= 0)
                close(fd);
        }
    remove_fuzz_files();
}

/* SIGKILLs every process but init and us, and reaps them all (we are the
 * child subreaper, so orphans come to us). 0 if they did not all go within
 * `limit` seconds. */
static int kill_and_reap_all(unsigned limit)
{
    g_alarm = 0;
    alarm(limit);
    for (;;) {
        kill(-1, SIGKILL);
        int status;
        pid_t pid = waitpid(-1, &status, __WALL);
        if (pid > 0)
            continue;
        if (errno == ECHILD)
            break;
        if (g_alarm) {
            alarm(0);
            return 0;
        }
    }
    alarm(0);
    return 1;
}

/* One epoch: workers fuzz for epoch_ms (dead ones are replaced), then
 * everything is killed and reaped. 0 if something survived SIGKILL. */
static int run_epoch(uint64_t seed, long epoch, int workers, long epoch_ms, int trace, long max_calls)
{
    uint64_t epoch_seed = mix64(seed ^ mix64((uint64_t)epoch));
    pid_t pids[MAX_WORKERS];
    int generation[MAX_WORKERS];
    memset(g_shared->slot, 0, sizeof g_shared->slot);
    fflush(stdout);
    for (int w = 0; w < workers; w++) {
        generation[w] = 0;
        pids[w] = -1;
    }
    unsigned long seen[MAX_WORKERS] = {0};
    double progress[MAX_WORKERS];
    double epoch_end = now_seconds() + (double)epoch_ms / 1000;
    while (now_seconds() < epoch_end) {
        /* A worker stopped, asleep or blocked for 50 ms is replaced (its
         * children go on, as orphans). */
        double t = now_seconds();
        for (int w = 0; w < workers; w++) {
            if (pids[w] <= 0)
                continue;
            unsigned long calls = g_shared->slot[w].calls;
            if (calls != seen[w]) {
                seen[w] = calls;
                progress[w] = t;
            } else if (t - progress[w] > 0.05) {
                kill(pids[w], SIGKILL);
                progress[w] = t;
            }
        }
        for (int w = 0; w < workers; w++) {
            if (pids[w] > 0)
                continue;
            uint64_t worker_seed = mix64(epoch_seed ^ mix64(((uint64_t)w << 32) | (uint64_t)generation[w]));
            generation[w]++;
            pid_t pid = fork();
            if (pid == 0)
                worker_main(worker_seed, w, getppid(), trace, max_calls);
            if (pid > 0) {
                pids[w] = pid;
                progress[w] = now_seconds();
            }
        }
        /* Reap whatever ended (orphans included); respawn dead workers. */
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        struct timespec tick = {0, 10 * 1000 * 1000};
        sigtimedwait(&chld, 0, &tick);
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
            for (int w = 0; w < workers; w++)
                if (pids[w] == pid)
                    pids[w] = -1;
        }
    }
    int ok = kill_and_reap_all(10);
    remove_fuzz_files();
    return ok;
}

/* -x NAME,NAME: never call these; -o NAME,NAME: only these (to narrow a
 * failure down). 0 if a name is unknown. */
static int select_calls(const char *list, int only)
{
    if (only)
        for (size_t i = 0; i < CALL_COUNT; i++)
            g_weight[i] = 0;
    char copy[512];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *name = strtok(copy, ","); name; name = strtok(0, ",")) {
        size_t i = 0;
        while (i < CALL_COUNT && strcmp(g_calls[i].name, name) != 0)
            i++;
        if (i == CALL_COUNT) {
            fprintf(stderr, "fuzz: unknown call %s\n", name);
            return 0;
        }
        g_weight[i] = only ? (g_calls[i].weight ? g_calls[i].weight : 1) : 0;
    }
    return 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: fuzz [-s SEED] [-t SECONDS] [-w WORKERS] [-e FIRST_EPOCH] [-n EPOCHS] [-l EPOCH_MS] "
                    "[-c MAX_CALLS] [-x CALL,...] [-o CALL,...] [-f] [-v] [-q]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    /* What the workers exec: "--exit", or whatever argv the fuzz made (NULL
     * gives argc 1 and argv[0] "" on Linux 5.18+). Only a program named
     * .../fuzz is the supervisor: a second one would SIGKILL everything. */
    const char *name = argc >= 1 && argv[0] ? strrchr(argv[0], '/') : 0;
    name = name ? name + 1 : argc >= 1 && argv[0] ? argv[0] : "";
    if (strcmp(name, "fuzz") != 0 || (argc == 2 && strcmp(argv[1], "--exit") == 0))
        return 0;

    uint64_t seed = 1;
    double seconds = 10;
    int workers = 4;
    long first_epoch = 0, epochs = -1, epoch_ms = 2000, max_calls = 20000;
    int trace = 0, quiet = 0;
    int opt;
    for (size_t i = 0; i < CALL_COUNT; i++)
        g_weight[i] = g_calls[i].weight;
    while ((opt = getopt(argc, argv, "s:t:w:e:n:l:c:x:o:fvq")) != -1) {
        switch (opt) {
        case 's': seed = strtoull(optarg, 0, 0); break;
        case 't': seconds = atof(optarg); break;
        case 'w': workers = atoi(optarg); break;
        case 'e': first_epoch = atol(optarg); break;
        case 'n': epochs = atol(optarg); break;
        case 'l': epoch_ms = atol(optarg); break;
        case 'c': max_calls = atol(optarg); break;
        case 'x':
        case 'o':
            if (!select_calls(optarg, opt == 'o'))
                usage();
            break;
        case 'f': g_fail = 1; break;
        case 'v': trace = 1; break;
        case 'q': quiet = 1; break;
        default: usage();
        }
    }
    if (workers < 1 || workers > MAX_WORKERS || epoch_ms < 10)
        usage();
    setvbuf(stdout, 0, _IOLBF, 0);

    struct stats base, now;
    int have = read_stats(&base);
    if (have == 0) {
        printf("fuzz: SKIP: no charon_stats; the fuzzer runs inside Charon only\n");
        return 77;
    }
    if (have < 0) {
        printf("fuzz: FAIL: charon_stats lacks the kernel page-table counter\n");
        return 1;
    }
    setsid();
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        printf("fuzz: FAIL: cannot become a child subreaper\n");
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, 0);
    /* Taken with sigtimedwait: a dead worker is replaced at once. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, 0);
    signal(SIGPIPE, SIG_IGN);
    g_shared = mmap((void *)SHARED_ADDR, sizeof *g_shared, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (g_shared == MAP_FAILED) {
        printf("fuzz: FAIL: no shared memory\n");
        return 1;
    }
    if (trace && dup2(STDOUT_FILENO, TRACE_FD) < 0)
        return 1;

    printf("fuzz: seed %#llx, %d workers, %.0f s, epochs of %ld ms from epoch %ld\n", (unsigned long long)seed,
           workers, seconds, epoch_ms, first_epoch);
    warm_up_fuzz_files();
    if (!kill_and_reap_all(10))
        return 1;
    /* The baseline: nothing of ours alive, the kernel's reaper idle, and
     * our own memory (stack, stdio, the shared page) touched by a short
     * warm-up epoch, so that it does not grow later. */
    memset(g_shared, 0, sizeof *g_shared);
    run_epoch(seed, -1, workers, 200, trace, max_calls);
    g_shared->calls = g_shared->processes = 0;
    stable_stats(&base);

    double start = now_seconds();
    long epoch = first_epoch;
    long done = 0;
    unsigned long last_calls = 0;
    for (; epochs < 0 || done < epochs; epoch++, done++) {
        if (epochs < 0 && now_seconds() - start >= seconds)
            break;
        if (!run_epoch(seed, epoch, workers, epoch_ms, trace, max_calls)) {
            printf("fuzz: FAIL: epoch %ld (seed %#llx): processes survive SIGKILL for 10 s (a hang)\n", epoch,
                   (unsigned long long)seed);
            dump_rings(workers);
            return 1;
        }
        /* The kernel's reaper frees dead threads' stacks a little later. */
        char why[256] = "";
        int same = 0;
        for (int tries = 0; tries < 200 && !same; tries++) {
            drain_sigchld();
            read_stats(&now);
            same = compare(&base, &now, why, sizeof why);
            if (!same) {
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, 0);
            }
        }
        unsigned long calls = g_shared->calls;
        if (!quiet)
            printf("fuzz: epoch %ld: %lu calls, %lu processes\n", epoch, calls - last_calls, g_shared->processes);
        last_calls = calls;
        if (!same) {
            printf("fuzz: FAIL: epoch %ld (seed %#llx): not back to baseline: %s\n", epoch, (unsigned long long)seed,
                   why);
            dump_rings(workers);
            return 1;
        }
    }
    double elapsed = now_seconds() - start;
    printf("fuzz: PASS calls=%lu processes=%lu epochs=%ld seconds=%.0f rate=%.0f/s\n", g_shared->calls,
           g_shared->processes, done, elapsed, (double)g_shared->calls / (elapsed > 0 ? elapsed : 1));
    return 0;
}
