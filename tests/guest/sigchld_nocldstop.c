/* SA_NOCLDSTOP: no SIGCHLD for stop or continue, but waiters still see the
 * stop; SIGCHLD still comes at exit. Without it, CLD_STOPPED/CONTINUED. */
#include "t.h"

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    CHECK_SYS(sigaction(SIGCHLD, &sa, NULL));
    t_block(SIGCHLD);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    struct timespec zero = {0, 0};
    siginfo_t si;

    pid_t pid = t_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK_SYS(kill(pid, SIGSTOP));
    int st;
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED, NULL), pid);
    CHECK(WIFSTOPPED(st));
    CHECK_SYS(kill(pid, SIGCONT));
    CHECK_EQ(sys_wait4(pid, &st, WCONTINUED, NULL), pid);
    CHECK(WIFCONTINUED(st));
    CHECK_ERR(sigtimedwait(&chld, &si, &zero), EAGAIN);
    CHECK_SYS(kill(pid, SIGKILL));
    CHECK_EQ(t_wait(pid), SIGKILL);
    CHECK_EQ(sigtimedwait(&chld, &si, &zero), SIGCHLD);
    CHECK_EQ(si.si_code, CLD_KILLED);

    /* Without SA_NOCLDSTOP: stop and continue signal the parent. */
    sa.sa_flags = 0;
    CHECK_SYS(sigaction(SIGCHLD, &sa, NULL));
    pid = t_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK_SYS(kill(pid, SIGSTOP));
    struct timespec two = {2, 0};
    memset(&si, 0, sizeof si);
    CHECK_EQ(sigtimedwait(&chld, &si, &two), SIGCHLD);
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_EQ(si.si_status, SIGSTOP);
    CHECK_EQ(si.si_pid, pid);
    CHECK_SYS(kill(pid, SIGCONT));
    memset(&si, 0, sizeof si);
    CHECK_EQ(sigtimedwait(&chld, &si, &two), SIGCHLD);
    CHECK_EQ(si.si_code, CLD_CONTINUED);
    CHECK_EQ(si.si_status, SIGCONT);
    CHECK_SYS(kill(pid, SIGKILL));
    CHECK_EQ(t_wait(pid), SIGKILL);
    return 0;
}
