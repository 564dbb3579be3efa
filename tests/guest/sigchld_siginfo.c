/* The SIGCHLD siginfo for each way a child ends: CLD_EXITED with the code,
 * CLD_KILLED with the signal, si_pid, si_uid, and the si_utime/si_stime
 * fields exist; a handler may reap inside itself. */
#include "t.h"

static siginfo_t got;

static void expect(pid_t pid, int code, int status)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    struct timespec two = {2, 0};
    memset(&got, 0, sizeof got);
    CHECK_EQ(sigtimedwait(&chld, &got, &two), SIGCHLD);
    CHECK_EQ(got.si_signo, SIGCHLD);
    CHECK_EQ(got.si_code, code);
    CHECK_EQ(got.si_status, status);
    CHECK_EQ(got.si_pid, pid);
    CHECK_EQ(got.si_uid, getuid());
}

static volatile int reaped;

static void reaping_handler(int sig)
{
    (void)sig;
    int st;
    while (sys_wait4(-1, &st, WNOHANG, NULL) > 0)
        reaped++;
}

int main(void)
{
    t_block(SIGCHLD);
    pid_t pid = t_fork();
    if (pid == 0)
        _exit(77);
    expect(pid, CLD_EXITED, 77);
    CHECK_EQ(t_wait(pid), 77 << 8);

    pid = t_fork();
    if (pid == 0)
        _exit(256 + 3);
    expect(pid, CLD_EXITED, 3);
    t_wait(pid);

    pid = t_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK_SYS(kill(pid, SIGUSR2));
    expect(pid, CLD_KILLED, SIGUSR2);
    t_wait(pid);

    pid = t_fork();
    if (pid == 0) {
        t_no_core();
        t_null_deref();
    }
    expect(pid, CLD_KILLED, SIGSEGV); /* no core written: not CLD_DUMPED */
    t_wait(pid);

    /* Reaping inside the SIGCHLD handler. */
    t_signal(SIGCHLD, reaping_handler);
    sigset_t none;
    sigemptyset(&none);
    for (int i = 0; i < 5; i++) {
        pid = t_fork();
        if (pid == 0)
            _exit(0);
    }
    while (reaped < 5)
        sigsuspend(&none); /* SIGCHLD is blocked outside sigsuspend */
    int st;
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG, NULL), ECHILD);
    return 0;
}
