/* SA_NOCLDWAIT: children are reaped automatically but SIGCHLD is still sent
 * (with its siginfo); wait ends with ECHILD. */
#include "t.h"

static volatile int count;
static volatile int last_code, last_status, last_pid;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    count++;
    last_code = si->si_code;
    last_status = si->si_status;
    last_pid = si->si_pid;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
    sigemptyset(&sa.sa_mask);
    CHECK_SYS(sigaction(SIGCHLD, &sa, NULL));
    t_block(SIGCHLD);

    pid_t pid = t_fork();
    if (pid == 0)
        _exit(17);
    int st;
    CHECK_ERR(sys_wait4(pid, &st, 0, NULL), ECHILD);
    CHECK_GONE(kill(pid, 0));
    sigset_t pend;
    CHECK_SYS(sigpending(&pend));
    CHECK(sigismember(&pend, SIGCHLD));
    t_unblock(SIGCHLD);
    CHECK_EQ(count, 1);
    CHECK_EQ(last_code, CLD_EXITED);
    CHECK_EQ(last_status, 17);
    CHECK_EQ(last_pid, pid);

    /* SIG_DFL with SA_NOCLDWAIT also auto-reaps. */
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = SA_NOCLDWAIT;
    CHECK_SYS(sigaction(SIGCHLD, &sa, NULL));
    pid = t_fork();
    if (pid == 0)
        _exit(1);
    CHECK_ERR(sys_wait4(-1, &st, 0, NULL), ECHILD);
    return 0;
}
