/* Charon only: with fault injection on the kernel command line
 * (fault_every=N [fault_seed=S], docs/robustness.md), a process armed with
 * charon_fault (syscall 512) sees frame and heap allocations fail. Its
 * fork, clone, execve, mmap, pipe and open then fail with ENOMEM or EAGAIN
 * (or the process dies of SIGBUS/SIGSEGV/SIGKILL when a page cannot be
 * filled, where Linux would OOM-kill), never anything else; the kernel
 * does not panic; and once every armed process is gone all the kernel's
 * counters are back to their baseline. Skips on Linux (ENOSYS) and when
 * Charon was booted without fault injection (EOPNOTSUPP); tools/suites/
 * fuzz.sh boots it with injection on. */
#include "t.h"

#define SYS_charon_fault 512

static long charon_fault(int op)
{
    return syscall(SYS_charon_fault, op);
}

static int tolerated(int e)
{
    return e == ENOMEM || e == EAGAIN;
}

struct counts {
    int ok, failed;
};

static void note(struct counts *c, int ok, int err, const char *what)
{
    if (ok) {
        c->ok++;
        return;
    }
    if (!tolerated(err))
        FAIL("%s failed with %s, not ENOMEM/EAGAIN", what, t_errname(err));
    c->failed++;
}

/* A child's end: exit 0/5 (worked), 42 (a tolerated failure inside it), or
 * a signal for a page that could not be filled. */
static void note_child(struct counts *c, int status)
{
    if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 5))
        c->ok++;
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 42)
        c->failed++;
    else if (WIFSIGNALED(status) &&
             (WTERMSIG(status) == SIGBUS || WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGKILL))
        c->failed++;
    else
        FAIL("child ended with status %#x", status);
}

static int thread_fn(void *arg)
{
    (void)arg;
    return 0;
}

static void wait_child(struct counts *c, pid_t pid)
{
    int status;
    while (waitpid(pid, &status, __WALL) == -1) {
        if (errno != EINTR)
            FAIL("waitpid: %s", t_errname(errno));
    }
    note_child(c, status);
}

static void workload(const char *self, struct counts *c)
{
    for (int i = 0; i < 8; i++) {
        pid_t pid = fork();
        note(c, pid >= 0, errno, "fork");
        if (pid == 0)
            _exit(0);
        if (pid > 0)
            wait_child(c, pid);

        pid = fork();
        note(c, pid >= 0, errno, "fork");
        if (pid == 0) {
            char *a[] = {(char *)self, "child", NULL};
            execv(self, a);
            _exit(tolerated(errno) ? 42 : 1);
        }
        if (pid > 0)
            wait_child(c, pid);

        static char stack[16 * 1024] __attribute__((aligned(16)));
        int tid = -1;
        int r = clone(thread_fn, stack + sizeof stack, T_THREAD_FLAGS, NULL, &tid, NULL, &tid);
        note(c, r > 0, errno, "clone");
        if (r > 0)
            while (__atomic_load_n(&tid, __ATOMIC_ACQUIRE) != 0)
                sys_futex(&tid, T_FUTEX_WAIT, tid, NULL);

        char *m = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        note(c, m != MAP_FAILED, errno, "mmap");
        if (m != MAP_FAILED)
            CHECK_SYS(munmap(m, 8 * 4096));

        int p[2];
        int piped = pipe(p) == 0;
        note(c, piped, errno, "pipe");
        if (piped) {
            ssize_t n = write(p[1], "abc", 3);
            note(c, n == 3, errno, "write");
            close(p[0]);
            close(p[1]);
        }

        int fd = open("/etc/passwd", O_RDONLY);
        note(c, fd >= 0, errno, "open");
        if (fd >= 0) {
            char buf[64];
            ssize_t n = read(fd, buf, sizeof buf);
            note(c, n > 0, errno, "read");
            close(fd);
        }
    }
}

/* Runs the workload in a child (armed when `armed`); returns its counts
 * through a pipe, or zeros when it died. */
static void round_in_child(const char *self, int armed, struct counts *total)
{
    int p[2];
    t_pipe(p);
    pid_t pid = t_fork();
    if (pid == 0) {
        close(p[0]);
        struct counts c = {0, 0};
        if (armed)
            CHECK_EQ(charon_fault(1) >= 0, 1);
        workload(self, &c);
        if (armed)
            charon_fault(0);
        (void)!write(p[1], &c, sizeof c);
        _exit(0);
    }
    close(p[1]);
    struct counts c = {0, 0};
    ssize_t n = read(p[0], &c, sizeof c);
    close(p[0]);
    int status = t_wait(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
        FAIL("the armed child failed a check");
    note_child(total, status);
    if (n == (ssize_t)sizeof c) {
        total->ok += c.ok;
        total->failed += c.failed;
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0)
        return 5;
    long injected = charon_fault(2);
    if (injected == -1 && errno == ENOSYS) {
        printf("SKIP: no charon_fault (not Charon)\n");
        return 77;
    }
    if (injected == -1 && errno == EOPNOTSUPP) {
        printf("SKIP: Charon booted without fault injection (fault_every=N)\n");
        return 77;
    }
    CHECK(injected >= 0);
    const char *self = t_self_path(argv[0]);
    struct t_charon_stats base;
    struct counts total = {0, 0};
    /* Warm-up without failures: the heap grows to its working size. */
    round_in_child(self, 0, &total);
    t_charon_stable_snapshot(&base);
    total.ok = total.failed = 0;
    for (int round = 0; round < 20; round++)
        round_in_child(self, 1, &total);
    long after = charon_fault(2);
    printf("charon_fault: %d operations worked, %d failed cleanly, %ld allocations failed on purpose\n", total.ok,
           total.failed, after - injected);
    CHECK(after > injected);
    CHECK(total.ok > 0);
    CHECK(total.failed > 0);
    t_charon_expect_baseline_after_peak(&base);
    /* Unarmed, everything works again. */
    struct counts clean = {0, 0};
    round_in_child(self, 0, &clean);
    CHECK_EQ(clean.failed, 0);
    return 0;
}
