/* execve resets handled signals to SIG_DFL, keeps SIG_IGN, keeps the signal
 * mask and pending signals; the alternate stack is cleared. */
#include "t.h"

static void handler(int sig)
{
    (void)sig;
}

static int check_after_exec(void)
{
    struct sigaction sa;
    CHECK_SYS(sigaction(SIGUSR1, NULL, &sa));
    CHECK(sa.sa_handler == SIG_DFL);
    CHECK_SYS(sigaction(SIGUSR2, NULL, &sa));
    CHECK(sa.sa_handler == SIG_IGN);
    CHECK_SYS(sigaction(SIGINT, NULL, &sa));
    CHECK(sa.sa_handler == SIG_DFL);
    sigset_t cur, pend;
    CHECK_SYS(sigprocmask(SIG_SETMASK, NULL, &cur));
    CHECK(sigismember(&cur, SIGTERM));
    CHECK(sigismember(&cur, SIGHUP));
    CHECK(!sigismember(&cur, SIGUSR1));
    CHECK_SYS(sigpending(&pend));
    CHECK(sigismember(&pend, SIGHUP)); /* pending survives exec */
    CHECK(!sigismember(&pend, SIGTERM));
    stack_t ss;
    CHECK_SYS(sigaltstack(NULL, &ss));
    CHECK(ss.ss_flags & SS_DISABLE);
    /* Drop the pending SIGHUP before unblocking anything. */
    signal(SIGHUP, SIG_IGN);
    CHECK_SYS(sigpending(&pend));
    CHECK(!sigismember(&pend, SIGHUP));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "after") == 0)
        return check_after_exec();
    const char *self = t_self_path(argv[0]);
    pid_t pid = t_fork();
    if (pid == 0) {
        t_signal(SIGUSR1, handler);
        signal(SIGUSR2, SIG_IGN);
        t_signal(SIGINT, handler);
        signal(SIGINT, SIG_DFL);
        t_block(SIGTERM);
        t_block(SIGHUP);
        raise(SIGHUP);
        static char altstack[65536];
        stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
        CHECK_SYS(sigaltstack(&ss, NULL));
        char *a[] = {(char *)self, "after", NULL};
        execv(self, a);
        _exit(127);
    }
    CHECK_EQ(t_wait(pid), 0);
    return 0;
}
