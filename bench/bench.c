/* bench: process-lifecycle micro-benchmarks, the same static binary on Linux
 * and on Charon (docs/performance.md).
 *
 *   bench [IGNORED... --args] [--quick] [--list] [FILTER...]
 *
 * Each metric runs `batches` batches of `per_batch` operations and prints
 *
 *   BENCH <name> <median_ns> <min_ns> <max_ns> <operations>
 *
 * where the three times are nanoseconds per operation over the batches
 * (CLOCK_MONOTONIC) and <operations> is batches * per_batch. Operations that
 * must be timed one at a time (a reap, a kill) subtract the measured cost of
 * reading the clock. The run starts with "BENCH-BEGIN <sysname> <release>"
 * and ends with "BENCH-END <metrics printed>", or "BENCH-FAIL <name> ..."
 * and exit status 1 when something did not work.
 *
 * --quick runs every metric with the fewest operations (the make test smoke
 * check); --list prints the metric names; FILTERs keep the metrics whose name
 * contains one of them. Metrics that need memory or many processes run in a
 * forked helper so that the main process stays small: the cost of a fork
 * depends on what the parent has mapped.
 *
 * Started as pid 1 (a Linux initramfs's /init) it opens /dev/console for its
 * output and powers the machine off at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024ul * 1024ul)
#define FUTEX_WAIT 0
#define PAGE 4096ul

static int quick;
static double clock_overhead_ns; /* one clock_gettime, subtracted from single-shot timings */

static void fail(const char *metric, const char *what)
{
    printf("BENCH-FAIL %s %s: %s\n", metric, what, strerror(errno));
    fflush(stdout);
    _exit(1);
}

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One sample: the time of `ops` operations, net of the clock reads that
 * single-shot timings made (counted by the metric). */
struct sample_set {
    double per_op[64];
    int count;
};

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *name, struct sample_set *s, long per_batch)
{
    qsort(s->per_op, (size_t)s->count, sizeof s->per_op[0], compare_double);
    double median = s->count % 2 ? s->per_op[s->count / 2]
                                 : (s->per_op[s->count / 2 - 1] + s->per_op[s->count / 2]) / 2;
    printf("BENCH %s %.1f %.1f %.1f %ld\n", name, median, s->per_op[0], s->per_op[s->count - 1],
           (long)s->count * per_batch);
    fflush(stdout);
}

/* A metric: `run(param, n)` performs n operations and returns the total
 * nanoseconds they took. */
struct metric {
    const char *name;
    uint64_t (*run)(long param, long n);
    long param;
    int batches;
    long per_batch;
    /* With a setup, the metric runs in a forked helper: setup (map memory,
     * make children), every batch, teardown; the main process stays small. */
    void (*setup)(long param);
    void (*teardown)(long param);
};

static int pipe_or_fail(int fds[2], const char *name)
{
    if (pipe(fds) != 0)
        fail(name, "pipe");
    return 0;
}

static pid_t fork_or_fail(const char *name)
{
    pid_t pid = fork();
    if (pid < 0)
        fail(name, "fork");
    return pid;
}

static void reap_or_fail(pid_t pid, const char *name)
{
    int status;
    pid_t got;
    do {
        got = waitpid(pid, &status, 0);
    } while (got < 0 && errno == EINTR);
    if (got != pid)
        fail(name, "waitpid");
}

static void read_byte(int fd, const char *name)
{
    char c;
    ssize_t r;
    do {
        r = read(fd, &c, 1);
    } while (r < 0 && errno == EINTR);
    if (r != 1)
        fail(name, "read");
}

static void write_byte(int fd, const char *name)
{
    char c = 'x';
    ssize_t r;
    do {
        r = write(fd, &c, 1);
    } while (r < 0 && errno == EINTR);
    if (r != 1)
        fail(name, "write");
}

/* Anonymous private memory with every page written. 4 KiB pages on both
 * kernels: Linux's transparent huge pages would make its page-table work
 * 512 times smaller, which is a different benchmark. */
static char *map_touched(size_t bytes, const char *name)
{
    if (bytes == 0)
        return NULL;
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        fail(name, "mmap");
    (void)madvise(p, bytes, MADV_NOHUGEPAGE);
    for (size_t off = 0; off < bytes; off += PAGE)
        p[off] = 1;
    return p;
}

/* ---- the metrics ------------------------------------------------------ */

static uint64_t run_clock_gettime(long param, long n)
{
    (void)param;
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++)
        (void)now_ns();
    return now_ns() - start;
}

static uint64_t run_getpid(long param, long n)
{
    (void)param;
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++)
        (void)syscall(SYS_getpid);
    return now_ns() - start;
}

/* fork + _exit + waitpid with `param` MiB of touched memory in the parent
 * (setup_mapped, in the helper). */
static void setup_mapped(long param)
{
    map_touched((size_t)param * MIB, "fork_mapped"); /* 0: nothing */
}

static uint64_t run_fork(long param, long n)
{
    (void)param;
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork_or_fail("fork");
        if (pid == 0)
            _exit(0);
        reap_or_fail(pid, "fork");
    }
    return now_ns() - start;
}

/* The program's own path, for the exec metrics: /init on Linux, where /proc
 * may not be mounted; argv[0] is absolute on both kernels. */
static const char *self_path;

/* fork (or vfork) + execve of this program, which exits at once (main's
 * "--exit" check, before any other work) + waitpid: the whole lifetime of a
 * small static program, as a shell's command costs. */
static uint64_t run_exec(long use_vfork, long n)
{
    char *args[] = {(char *)self_path, "--exit", NULL};
    char *env[] = {NULL};
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = use_vfork ? vfork() : fork();
        if (pid < 0)
            fail("exec", "fork");
        if (pid == 0) {
            execve(self_path, args, env);
            _exit(127);
        }
        int status;
        pid_t got;
        do {
            got = waitpid(pid, &status, 0);
        } while (got < 0 && errno == EINTR);
        if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail("exec", "the exec'd child did not exit 0");
    }
    return now_ns() - start;
}

static uint64_t run_vfork(long param, long n)
{
    (void)param;
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = vfork();
        if (pid < 0)
            fail("vfork", "vfork");
        if (pid == 0)
            _exit(0);
        reap_or_fail(pid, "vfork");
    }
    return now_ns() - start;
}

/* Fork `param` children that exit at once, then reap them all. */
static uint64_t run_spawn_many(long param, long n)
{
    uint64_t total = 0;
    for (long round = 0; round < n / param; round++) {
        uint64_t start = now_ns();
        for (long i = 0; i < param; i++) {
            pid_t pid = fork_or_fail("spawn");
            if (pid == 0)
                _exit(0);
        }
        for (long i = 0; i < param; i++) {
            int status;
            if (wait(&status) < 0)
                fail("spawn", "wait");
        }
        total += now_ns() - start;
    }
    return total;
}

/* `param` live children blocked on a pipe (setup_live, in the helper). A
 * reap_live operation forks one more child that exits, waits until it is a
 * zombie (waitid WNOWAIT), and times only wait4(-1), the reap that has to
 * find it among the live ones; fork_live times fork + _exit + wait4(-1). */
static int live_fd = -1;

static void setup_live(long param)
{
    int fds[2];
    pipe_or_fail(fds, "live children");
    for (long i = 0; i < param; i++) {
        pid_t pid = fork_or_fail("live children");
        if (pid == 0) {
            close(fds[1]);
            char c;
            while (read(fds[0], &c, 1) < 0 && errno == EINTR) {
            }
            _exit(0);
        }
    }
    close(fds[0]);
    live_fd = fds[1];
}

/* EOF on the pipe ends them; reaped here, not left to init. */
static void teardown_live(long param)
{
    close(live_fd);
    for (long i = 0; i < param; i++) {
        int status;
        if (wait(&status) < 0)
            fail("live children", "wait");
    }
}

static uint64_t run_reap_live(long param, long n)
{
    (void)param;
    double total = 0;
    for (long i = 0; i < n; i++) {
        pid_t pid = fork_or_fail("reap_live");
        if (pid == 0)
            _exit(0);
        siginfo_t info;
        while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0)
            if (errno != EINTR)
                fail("reap_live", "waitid");
        int status;
        uint64_t start = now_ns();
        pid_t got = wait4(-1, &status, 0, NULL);
        uint64_t end = now_ns();
        if (got != pid)
            fail("reap_live", "wait4 reaped another child");
        total += (double)(end - start) - clock_overhead_ns;
    }
    return total > 0 ? (uint64_t)total : 0;
}

static uint64_t run_fork_live(long param, long n)
{
    (void)param;
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork_or_fail("fork_live");
        if (pid == 0)
            _exit(0);
        int status;
        if (wait4(-1, &status, 0, NULL) != pid)
            fail("fork_live", "wait4");
    }
    return now_ns() - start;
}

static volatile sig_atomic_t handled;
static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

static void install_usr1(const char *name)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0)
        fail(name, "sigaction");
}

/* kill(self) with a handler: generation, delivery, the frame, sigreturn. */
static uint64_t run_signal_self(long param, long n)
{
    (void)param;
    install_usr1("signal_self");
    pid_t self = (pid_t)syscall(SYS_getpid);
    handled = 0;
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++)
        syscall(SYS_kill, self, SIGUSR1);
    uint64_t elapsed = now_ns() - start;
    if (handled != n)
        fail("signal_self", "lost signals");
    return elapsed;
}

/* One round trip: parent -> child -> parent, SIGUSR1 to a handler each way,
 * each side waiting in sigsuspend with SIGUSR1 otherwise blocked. */
static uint64_t run_signal_pingpong(long param, long n)
{
    (void)param;
    install_usr1("signal_pingpong");
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    sigset_t wait_mask = old;
    sigdelset(&wait_mask, SIGUSR1);
    pid_t parent = (pid_t)syscall(SYS_getpid);
    pid_t child = fork_or_fail("signal_pingpong");
    if (child == 0) {
        for (long i = 0; i < n; i++) {
            sigsuspend(&wait_mask);
            syscall(SYS_kill, parent, SIGUSR1);
        }
        _exit(0);
    }
    handled = 0;
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++) {
        syscall(SYS_kill, child, SIGUSR1);
        sigsuspend(&wait_mask);
    }
    uint64_t elapsed = now_ns() - start;
    reap_or_fail(child, "signal_pingpong");
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (handled != n)
        fail("signal_pingpong", "lost signals");
    return elapsed;
}

/* One round trip of one byte over two pipes. */
static uint64_t run_pipe_pingpong(long param, long n)
{
    (void)param;
    int to_child[2], to_parent[2];
    pipe_or_fail(to_child, "pipe_pingpong");
    pipe_or_fail(to_parent, "pipe_pingpong");
    pid_t child = fork_or_fail("pipe_pingpong");
    if (child == 0) {
        for (long i = 0; i < n; i++) {
            read_byte(to_child[0], "pipe_pingpong");
            write_byte(to_parent[1], "pipe_pingpong");
        }
        _exit(0);
    }
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++) {
        write_byte(to_child[1], "pipe_pingpong");
        read_byte(to_parent[0], "pipe_pingpong");
    }
    uint64_t elapsed = now_ns() - start;
    reap_or_fail(child, "pipe_pingpong");
    close(to_child[0]);
    close(to_child[1]);
    close(to_parent[0]);
    close(to_parent[1]);
    return elapsed;
}

/* kill(SIGKILL) + waitpid of a child that is busy-looping (runnable). */
static uint64_t run_sigkill_running(long param, long n)
{
    (void)param;
    double total = 0;
    for (long i = 0; i < n; i++) {
        int fds[2];
        pipe_or_fail(fds, "sigkill_running");
        pid_t pid = fork_or_fail("sigkill_running");
        if (pid == 0) {
            write_byte(fds[1], "sigkill_running");
            for (;;)
                __asm__ volatile("" ::: "memory");
        }
        read_byte(fds[0], "sigkill_running");
        close(fds[0]);
        close(fds[1]);
        uint64_t start = now_ns();
        kill(pid, SIGKILL);
        reap_or_fail(pid, "sigkill_running");
        total += (double)(now_ns() - start) - clock_overhead_ns;
    }
    return total > 0 ? (uint64_t)total : 0;
}

/* kill(SIGKILL) + waitpid of a sleeping child that has `param` MiB touched:
 * the exit's address-space teardown dominates as the size grows. */
static uint64_t run_exit_teardown(long param, long n)
{
    double total = 0;
    for (long i = 0; i < n; i++) {
        int fds[2];
        pipe_or_fail(fds, "exit_teardown");
        pid_t pid = fork_or_fail("exit_teardown");
        if (pid == 0) {
            map_touched((size_t)param * MIB, "exit_teardown");
            write_byte(fds[1], "exit_teardown");
            for (;;)
                pause();
        }
        read_byte(fds[0], "exit_teardown");
        close(fds[0]);
        close(fds[1]);
        uint64_t start = now_ns();
        kill(pid, SIGKILL);
        reap_or_fail(pid, "exit_teardown");
        total += (double)(now_ns() - start) - clock_overhead_ns;
    }
    return total > 0 ? (uint64_t)total : 0;
}

/* clone(CLONE_VM|CLONE_THREAD|...) of a thread that returns at once (musl's
 * clone() makes it call exit), joined through CLONE_CHILD_CLEARTID + futex. */
#define THREAD_FLAGS                                                                               \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |            \
     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

static int thread_body(void *arg)
{
    (void)arg;
    return 0;
}

static uint64_t run_thread(long param, long n)
{
    (void)param;
    size_t stack_size = 64 * 1024;
    char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack == MAP_FAILED)
        fail("thread_create_join", "mmap");
    volatile int tid_word;
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++) {
        tid_word = -1;
        int r = clone(thread_body, stack + stack_size, THREAD_FLAGS, NULL, &tid_word, NULL,
                      &tid_word);
        if (r < 0)
            fail("thread_create_join", "clone");
        for (;;) {
            int v = __atomic_load_n(&tid_word, __ATOMIC_ACQUIRE);
            if (v == 0)
                break;
            syscall(SYS_futex, &tid_word, FUTEX_WAIT, v, NULL, NULL, 0);
        }
    }
    uint64_t elapsed = now_ns() - start;
    munmap(stack, stack_size);
    return elapsed;
}

/* Batches and operations per batch are for a run under QEMU TCG (a few
 * minutes for the whole program); --quick overrides them (run_metric). */
static const struct metric metrics[] = {
    {"clock_gettime", run_clock_gettime, 0, 9, 2000, NULL, NULL},
    {"getpid", run_getpid, 0, 9, 2000, NULL, NULL},
    {"fork_exit_wait", run_fork, 0, 9, 20, setup_mapped, NULL},
    {"vfork_exit_wait", run_vfork, 0, 9, 20, NULL, NULL},
    {"fork_exit_wait_64m", run_fork, 64, 5, 4, setup_mapped, NULL},
    {"fork_exec_wait", run_exec, 0, 7, 10, NULL, NULL},
    {"vfork_exec_wait", run_exec, 1, 7, 10, NULL, NULL},
    {"spawn_reap_1000", run_spawn_many, 1000, 3, 1000, NULL, NULL},
    {"signal_self", run_signal_self, 0, 9, 500, NULL, NULL},
    {"signal_pingpong", run_signal_pingpong, 0, 9, 200, NULL, NULL},
    {"sigkill_running", run_sigkill_running, 0, 9, 4, NULL, NULL},
    {"pipe_pingpong", run_pipe_pingpong, 0, 9, 200, NULL, NULL},
    {"thread_create_join", run_thread, 0, 9, 20, NULL, NULL},
    {"reap_live_10", run_reap_live, 10, 7, 4, setup_live, teardown_live},
    {"fork_live_10", run_fork_live, 10, 7, 4, setup_live, teardown_live},
    {"reap_live_100", run_reap_live, 100, 7, 4, setup_live, teardown_live},
    {"fork_live_100", run_fork_live, 100, 7, 4, setup_live, teardown_live},
    {"reap_live_1000", run_reap_live, 1000, 7, 4, setup_live, teardown_live},
    {"fork_live_1000", run_fork_live, 1000, 7, 4, setup_live, teardown_live},
    {"reap_live_10000", run_reap_live, 10000, 7, 4, setup_live, teardown_live},
    {"fork_live_10000", run_fork_live, 10000, 7, 4, setup_live, teardown_live},
    {"fork_mapped_1m", run_fork, 1, 7, 4, setup_mapped, NULL},
    {"fork_mapped_16m", run_fork, 16, 5, 4, setup_mapped, NULL},
    {"fork_mapped_256m", run_fork, 256, 3, 2, setup_mapped, NULL},
    {"exit_teardown_1m", run_exit_teardown, 1, 7, 2, NULL, NULL},
    {"exit_teardown_16m", run_exit_teardown, 16, 5, 1, NULL, NULL},
    {"exit_teardown_256m", run_exit_teardown, 256, 3, 1, NULL, NULL},
};
#define METRIC_COUNT ((int)(sizeof metrics / sizeof metrics[0]))

static void plan(const struct metric *m, int *batches, long *per_batch)
{
    *batches = m->batches;
    *per_batch = m->per_batch;
    if (quick) {
        /* One batch of one operation (of one round of children for
         * spawn_reap_*): every code path runs, and quickly. */
        *batches = 1;
        *per_batch = m->run == run_spawn_many ? m->param : 1;
    }
}

static void report_metric(const struct metric *m, const uint64_t *ns)
{
    int batches;
    long per_batch;
    plan(m, &batches, &per_batch);
    struct sample_set samples = {.count = 0};
    for (int b = 0; b < batches; b++)
        samples.per_op[samples.count++] = (double)ns[b] / (double)per_batch;
    report(m->name, &samples, per_batch);
}

/* Runs `count` metrics that share one setup (the same function and
 * parameter: reap_live_N and fork_live_N use the same N children) in one
 * forked helper; the samples come back through a pipe. */
static void run_in_helper(const struct metric *group, int count)
{
    uint64_t ns[8][64];
    int fds[2];
    pipe_or_fail(fds, group->name);
    pid_t pid = fork_or_fail(group->name);
    if (pid == 0) {
        close(fds[0]);
        group->setup(group->param);
        for (int i = 0; i < count; i++) {
            int batches;
            long per_batch;
            plan(&group[i], &batches, &per_batch);
            for (int b = 0; b < batches; b++)
                ns[i][b] = group[i].run(group[i].param, per_batch);
        }
        if (group->teardown)
            group->teardown(group->param);
        _exit(write(fds[1], ns, sizeof ns) == (ssize_t)sizeof ns ? 0 : 1);
    }
    close(fds[1]);
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fds[0], (char *)ns + got, sizeof ns - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            fail(group->name, "waitpid helper");
    if (got != sizeof ns || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("BENCH-FAIL %s helper status %#x\n", group->name, status);
        fflush(stdout);
        _exit(1);
    }
    for (int i = 0; i < count; i++)
        report_metric(&group[i], ns[i]);
}

static void run_here(const struct metric *m)
{
    uint64_t ns[64];
    int batches;
    long per_batch;
    plan(m, &batches, &per_batch);
    for (int b = 0; b < batches; b++)
        ns[b] = m->run(m->param, per_batch);
    report_metric(m, ns);
}

static int selected(const char *name, int argc, char **argv, int first)
{
    if (first >= argc)
        return 1;
    for (int i = first; i < argc; i++)
        if (strstr(name, argv[i]))
            return 1;
    return 0;
}

/* As a Linux initramfs's /init there may be no fds yet. */
static void open_console(void)
{
    if (fcntl(STDOUT_FILENO, F_GETFD) >= 0)
        return;
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0)
        return;
    for (int i = 0; i < 3; i++)
        if (fd != i)
            dup2(fd, i);
    if (fd > 2)
        close(fd);
}

static void measure_clock_overhead(void)
{
    double best[9];
    for (int b = 0; b < 9; b++) {
        uint64_t start = now_ns();
        for (int i = 0; i < 200; i++)
            (void)now_ns();
        best[b] = (double)(now_ns() - start) / 200.0;
    }
    qsort(best, 9, sizeof best[0], compare_double);
    clock_overhead_ns = best[4];
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--exit") == 0)
        return 0; /* a child of the exec metrics */
    self_path = argv[0];
    /* Linux hands boot parameters it does not know ("nokaslr") to init
     * before the words after the command line's "--" (and a second "--"
     * ends them): with an "--args" among the arguments, only what follows
     * it counts. */
    int first = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--args") == 0) {
            first = i + 1;
            break;
        }
    }
    int list = 0;
    for (; first < argc; first++) {
        if (strcmp(argv[first], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[first], "--list") == 0)
            list = 1;
        else
            break;
    }
    int pid1 = getpid() == 1;
    if (pid1)
        open_console();
    if (list) {
        for (int i = 0; i < METRIC_COUNT; i++)
            if (selected(metrics[i].name, argc, argv, first))
                printf("%s\n", metrics[i].name);
        return 0;
    }
    /* 10,000 live children: more than a default RLIMIT_NPROC may allow
     * (root is exempt on Linux, not necessarily elsewhere). */
    struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
    (void)setrlimit(RLIMIT_NPROC, &unlimited);

    struct utsname u;
    if (uname(&u) != 0)
        strcpy(u.sysname, "unknown"), strcpy(u.release, "unknown");
    printf("BENCH-BEGIN %s %s%s\n", u.sysname, u.release, quick ? " quick" : "");
    fflush(stdout);
    measure_clock_overhead();
    int printed = 0;
    for (int i = 0; i < METRIC_COUNT;) {
        const struct metric *m = &metrics[i];
        if (!m->setup) {
            if (selected(m->name, argc, argv, first)) {
                run_here(m);
                printed++;
            }
            i++;
            continue;
        }
        /* The selected metrics of a run of neighbours with the same setup. */
        struct metric group[8];
        int count = 0;
        for (; i < METRIC_COUNT && metrics[i].setup == m->setup && metrics[i].param == m->param; i++)
            if (count < 8 && selected(metrics[i].name, argc, argv, first))
                group[count++] = metrics[i];
        if (count > 0)
            run_in_helper(group, count);
        printed += count;
    }
    printf("BENCH-END %d\n", printed);
    fflush(stdout);
    if (pid1) {
        sync();
        reboot(RB_POWER_OFF);
    }
    return 0;
}
