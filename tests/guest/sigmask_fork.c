/* fork copies the signal mask and dispositions but not pending signals; a
 * pending blocked signal is delivered when unblocked; sigpending reports
 * the union of thread and process pending sets. */
#include "t.h"

static volatile int ran;

static void handler(int sig)
{
    (void)sig;
    ran++;
}

int main(void)
{
    t_signal(SIGUSR1, handler);
    t_block(SIGUSR1);
    t_block(SIGUSR2);
    raise(SIGUSR1);
    CHECK_SYS(kill(getpid(), SIGUSR2));
    sigset_t p;
    sigpending(&p);
    CHECK(sigismember(&p, SIGUSR1)); /* thread-directed (tkill) */
    CHECK(sigismember(&p, SIGUSR2)); /* process-directed (kill) */
    pid_t pid = t_fork();
    if (pid == 0) {
        sigset_t cp, cm;
        sigpending(&cp);
        CHECK(!sigismember(&cp, SIGUSR1));
        CHECK(!sigismember(&cp, SIGUSR2));
        sigprocmask(SIG_SETMASK, NULL, &cm);
        CHECK(sigismember(&cm, SIGUSR1));
        CHECK(sigismember(&cm, SIGUSR2));
        struct sigaction sa;
        sigaction(SIGUSR1, NULL, &sa);
        CHECK(sa.sa_handler == handler);
        _exit(0);
    }
    T_WAIT_OK(pid);
    CHECK_EQ(ran, 0);
    t_unblock(SIGUSR1);
    CHECK_EQ(ran, 1);
    signal(SIGUSR2, SIG_IGN);
    sigpending(&p);
    CHECK(!sigismember(&p, SIGUSR2));
    return 0;
}
