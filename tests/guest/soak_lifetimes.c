/* Soak: 10,000 sequential and 1,000 concurrent process lifetimes (fork,
 * execve, exit, reap). The workload runs anywhere; on Charon the kernel's
 * counters (charon_stats, syscall 511) must then be back to their baseline
 * exactly: free frames, kernel stacks, threads, processes, zombies, descriptor
 * tables, open files, pipes, address spaces, page-table pages. On Linux the
 * counters do not exist (ENOSYS) and only the workload is checked.
 * The runner gives soak_* tests a longer timeout. */
#include "t.h"

#define SEQUENTIAL 10000
#define CONCURRENT 1000

static int have_stats;

/* Exec'ed children: "exit" leaves at once; "hold" waits for the parent to
 * close the pipe (fd 3) so that CONCURRENT of them are alive together. */
static int child_mode(const char *mode)
{
    if (strcmp(mode, "exit") == 0)
        return 7;
    char c;
    while (read(3, &c, 1) > 0)
        ;
    return 9;
}

static void spawn(const char *self, const char *mode, int hold_fd, int write_fd)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        if (hold_fd >= 0 && dup2(hold_fd, 3) != 3)
            _exit(126);
        if (write_fd >= 0)
            close(write_fd); /* else no holder would ever read EOF */
        char *args[] = {(char *)self, (char *)mode, NULL};
        execv(self, args);
        _exit(127);
    }
}

static void sequential(const char *self)
{
    for (int i = 0; i < SEQUENTIAL; i++) {
        spawn(self, "exit", -1, -1);
        int status;
        pid_t pid = wait4(-1, &status, 0, NULL);
        CHECK(pid > 0);
        CHECK_EQ(status, 7 << 8);
    }
}

static void concurrent(const char *self)
{
    int p[2];
    t_pipe(p);
    for (int i = 0; i < CONCURRENT; i++)
        spawn(self, "hold", p[0], p[1]);
    close(p[0]);
    close(p[1]); /* every holder now reads EOF and exits */
    for (int i = 0; i < CONCURRENT; i++) {
        int status;
        CHECK(wait4(-1, &status, 0, NULL) > 0);
        CHECK_EQ(status, 9 << 8);
    }
    CHECK_ERR(wait4(-1, NULL, WNOHANG, NULL), ECHILD);
}

int main(int argc, char **argv)
{
    if (argc == 2)
        return child_mode(argv[1]);
    const char *self = t_self_path(argv[0]);
    struct t_charon_stats probe;
    have_stats = t_charon_stats(&probe);

    /* Warm-up at full width, so the kernel heap and tables reach their
     * working size before the baseline: what must come back is every
     * object, not the allocator's slack. */
    for (int i = 0; i < 50; i++) {
        spawn(self, "exit", -1, -1);
        CHECK_EQ(wait4(-1, NULL, 0, NULL) > 0, 1);
    }
    concurrent(self);
    struct t_charon_stats base;
    if (have_stats)
        t_charon_stable_snapshot(&base);

    sequential(self);
    concurrent(self);

    if (have_stats)
        t_charon_expect_baseline(&base);
    return 0;
}
