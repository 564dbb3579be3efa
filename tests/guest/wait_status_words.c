/* Raw status words: exited code<<8, killed sig, stopped (sig<<8)|0x7f,
 * continued 0xffff; a stop report is consumed by the wait that returns it. */
#include "t.h"

int main(void)
{
    int st;
    pid_t pid = t_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK_SYS(kill(pid, SIGSTOP));
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED, NULL), pid);
    CHECK_EQ(st, (SIGSTOP << 8) | 0x7f);
    CHECK(WIFSTOPPED(st));
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    /* Consumed: not reported again. */
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED | WNOHANG, NULL), 0);
    CHECK_SYS(kill(pid, SIGCONT));
    CHECK_EQ(sys_wait4(pid, &st, WCONTINUED, NULL), pid);
    CHECK_EQ(st, 0xffff);
    CHECK(WIFCONTINUED(st));
    CHECK_EQ(sys_wait4(pid, &st, WCONTINUED | WNOHANG, NULL), 0);
    /* SIGTSTP stop reports its own number. */
    CHECK_SYS(kill(pid, SIGTSTP));
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED, NULL), pid);
    CHECK_EQ(st, (SIGTSTP << 8) | 0x7f);
    CHECK_SYS(kill(pid, SIGKILL));
    CHECK_EQ(sys_wait4(pid, &st, 0, NULL), pid);
    CHECK_EQ(st, SIGKILL);
    CHECK_SIGNALED(st, SIGKILL);
    CHECK(!WCOREDUMP(st));

    /* Without WUNTRACED a stop is not reported; the wait keeps waiting. */
    pid = t_fork();
    if (pid == 0) {
        raise(SIGSTOP);
        _exit(4);
    }
    siginfo_t si;
    t_wait_stopped_nowait(pid);
    CHECK_EQ(sys_wait4(pid, &st, WNOHANG, NULL), 0);
    CHECK_SYS(kill(pid, SIGCONT));
    CHECK_EQ(sys_wait4(pid, &st, 0, NULL), pid);
    CHECK_EQ(st, 4 << 8);
    (void)si;

    /* Signals 1..31 that kill by default (no core with RLIMIT_CORE 0). */
    static const int sigs[] = {SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        pid = t_fork();
        if (pid == 0) {
            for (;;)
                pause();
        }
        CHECK_SYS(kill(pid, sigs[i]));
        CHECK_EQ(t_wait(pid), sigs[i]);
    }
    return 0;
}
