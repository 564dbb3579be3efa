/* /proc/PID/stat and status show a child's real state: S while it sleeps,
 * T while it is stopped, Z from its exit until it is reaped, and nothing
 * (ENOENT) once reaped. Stops and exits are awaited with waitid(WNOWAIT). */
#include "t.h"

/* The state letter of pid from /proc/PID/stat, 0 if it cannot be opened. */
static char stat_state(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = CHECK_SYS(read(fd, buf, sizeof buf - 1));
    close(fd);
    buf[n] = 0;
    char *paren = strrchr(buf, ')');
    CHECK(paren != NULL);
    return paren[2];
}

static void expect_status_state(pid_t pid, const char *want)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    int fd = CHECK_SYS(open(path, O_RDONLY));
    ssize_t n = CHECK_SYS(read(fd, buf, sizeof buf - 1));
    close(fd);
    buf[n] = 0;
    char *state = strstr(buf, "\nState:\t");
    CHECK(state != NULL);
    if (strncmp(state + 8, want, strlen(want)) != 0)
        FAIL("State of %d: want %s, status is\n%s", (int)pid, want, buf);
}

/* A child sleeping in pause() reads S once it got there; it signals its
 * readiness first, so poll briefly for the sleep itself. */
static void wait_for_sleep(pid_t pid)
{
    for (int i = 0; i < 2000; i++) {
        if (stat_state(pid) == 'S')
            return;
        sched_yield();
        if (i > 100)
            t_msleep(1);
    }
    FAIL("child %d never showed S", (int)pid);
}

int main(void)
{
    t_require_own_proc();
    int ready[2];
    t_pipe(ready);
    pid_t child = t_fork();
    if (child == 0) {
        t_send(ready[1], 'r');
        for (;;)
            pause();
    }
    CHECK_EQ(t_recv(ready[0]), 'r');
    wait_for_sleep(child);
    expect_status_state(child, "S (sleeping)");

    CHECK_SYS(kill(child, SIGSTOP));
    t_wait_stopped_nowait(child);
    CHECK_EQ(stat_state(child), 'T');
    expect_status_state(child, "T (stopped)");

    CHECK_SYS(kill(child, SIGCONT));
    wait_for_sleep(child);

    CHECK_SYS(kill(child, SIGKILL));
    siginfo_t info;
    memset(&info, 0, sizeof info);
    CHECK_SYS(sys_waitid(P_PID, child, &info, WEXITED | WNOWAIT, NULL));
    CHECK_EQ(stat_state(child), 'Z');
    expect_status_state(child, "Z (zombie)");
    /* A zombie has no memory: cmdline reads empty. */
    char path[64], buf[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)child);
    int fd = CHECK_SYS(open(path, O_RDONLY));
    CHECK_EQ(read(fd, buf, sizeof buf), 0);
    close(fd);

    CHECK_SIGNALED(t_wait(child), SIGKILL);
    CHECK_EQ(stat_state(child), 0);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)child);
    CHECK_ERR(open(path, O_RDONLY), ENOENT);
    return 0;
}
