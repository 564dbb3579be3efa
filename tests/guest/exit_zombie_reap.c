/* A zombie keeps its pid until it is reaped: kill(pid, 0) succeeds, the
 * pid is not reused while the zombie exists, getpgid still finds it;
 * after the reap the pid is gone. A zombie's exit status survives SIGKILL
 * and SIGCONT. The zombie of a multithreaded process that did exit_group
 * reports the group's code to a non-consuming wait. */
#include "t.h"

static int blocker(void *arg)
{
    (void)arg;
    for (;;)
        syscall(SYS_pause);
    return 0;
}

int main(void)
{
    pid_t z = t_fork();
    if (z == 0)
        _exit(66);
    siginfo_t si;
    CHECK_EQ(sys_waitid(P_PID, z, &si, WEXITED | WNOWAIT, NULL), 0);
    for (int i = 0; i < 100; i++) {
        pid_t p = t_fork();
        if (p == 0)
            _exit(0);
        CHECK(p != z); /* the zombie's pid is still taken */
        t_wait(p);
    }
    CHECK_SYS(kill(z, 0));
    CHECK_EQ(getpgid(z), getpgrp());
    CHECK_SYS(kill(z, SIGKILL));
    CHECK_SYS(kill(z, SIGCONT));
    int st;
    CHECK_EQ(sys_wait4(z, &st, WCONTINUED | WUNTRACED, NULL), z);
    CHECK_EQ(st, 66 << 8);
    CHECK_ERR(kill(z, 0), ESRCH);
    CHECK_ERR(getpgid(z), ESRCH);

    /* exit_group from a thread while others block: WNOWAIT sees the code. */
    pid_t pid = t_fork();
    if (pid == 0) {
        struct t_thread a, b;
        t_thread_start(&a, blocker, NULL);
        t_thread_start(&b, blocker, NULL);
        syscall(SYS_exit_group, 71);
    }
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_status, 71);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
    CHECK_EQ(si.si_status, 71);
    CHECK_EQ(t_wait(pid), 71 << 8);
    return 0;
}
