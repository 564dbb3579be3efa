/* SA_RESETHAND: the disposition is back to SIG_DFL on handler entry (the
 * next instance takes the default action). On the host the signal is still
 * blocked inside such a handler: Linux does not imply SA_NODEFER (POSIX
 * allows either). SA_NODEFER leaves it unblocked. The old action is reported
 * by sigaction, flags included. Ignoring discards pending instances. */
#include "t.h"

static volatile int ran;
static volatile int blocked_inside;
static volatile void *disp_inside;

static void handler(int sig)
{
    ran++;
    sigset_t m;
    sigprocmask(SIG_SETMASK, NULL, &m);
    blocked_inside = sigismember(&m, sig);
    struct sigaction cur;
    sigaction(sig, NULL, &cur);
    disp_inside = (void *)cur.sa_handler;
}

int main(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
    CHECK_SYS(sigaction(SIGUSR1, NULL, &old));
    CHECK(old.sa_handler == handler);
    CHECK(old.sa_flags & SA_RESETHAND);
    raise(SIGUSR1);
    CHECK_EQ(ran, 1);
    CHECK(disp_inside == (void *)SIG_DFL);
    CHECK_EQ(blocked_inside, 1);
    CHECK_SYS(sigaction(SIGUSR1, NULL, &old));
    CHECK(old.sa_handler == SIG_DFL);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
        raise(SIGUSR1);
        raise(SIGUSR1); /* default action now: dies */
        _exit(0);
    }
    CHECK_EQ(t_wait(pid), SIGUSR1);

    /* Without SA_RESETHAND / SA_NODEFER: blocked inside, handler kept. */
    sa.sa_flags = 0;
    CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    CHECK_EQ(ran, 2);
    CHECK_EQ(blocked_inside, 1);
    CHECK(disp_inside == (void *)handler);
    sa.sa_flags = SA_NODEFER;
    CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    CHECK_EQ(blocked_inside, 0);

    /* Setting SIG_IGN discards a pending instance; SIG_DFL of an ignore-by-
     * default signal discards too. */
    t_block(SIGUSR2);
    raise(SIGUSR2);
    sigset_t p;
    sigpending(&p);
    CHECK(sigismember(&p, SIGUSR2));
    signal(SIGUSR2, SIG_IGN);
    sigpending(&p);
    CHECK(!sigismember(&p, SIGUSR2));
    /* Blocked and ignored: Linux still queues it (ignored-ness is judged at
     * delivery for blocked signals). */
    raise(SIGUSR2);
    sigpending(&p);
    CHECK(sigismember(&p, SIGUSR2));
    signal(SIGUSR2, SIG_IGN); /* discard again */
    t_block(SIGWINCH);
    raise(SIGWINCH);
    sigpending(&p);
    CHECK(sigismember(&p, SIGWINCH));
    signal(SIGWINCH, SIG_DFL); /* default action ignore: discarded */
    sigpending(&p);
    CHECK(!sigismember(&p, SIGWINCH));
    /* Unblocked and ignored: dropped at generation. */
    t_unblock(SIGUSR2);
    raise(SIGUSR2);
    t_block(SIGUSR2);
    sigpending(&p);
    CHECK(!sigismember(&p, SIGUSR2));
    return 0;
}
