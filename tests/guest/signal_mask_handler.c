/* Inside a handler the signal itself and sa_mask are blocked, on top of the
 * interrupted mask; uc_sigmask holds the interrupted mask; after the
 * handler returns the old mask is back; a handler that edits uc_sigmask
 * changes the mask restored by sigreturn. */
#include "t.h"

static sigset_t in_handler, frame_mask;
static volatile int ran;
static volatile int edit_mask;

static void handler(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ucv;
    sigprocmask(SIG_SETMASK, NULL, &in_handler);
    frame_mask = uc->uc_sigmask;
    if (edit_mask)
        sigaddset(&uc->uc_sigmask, SIGWINCH);
    ran++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaddset(&sa.sa_mask, SIGRTMIN + 3);
    CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
    t_block(SIGHUP);

    raise(SIGUSR1);
    CHECK_EQ(ran, 1);
    CHECK(sigismember(&in_handler, SIGUSR1));
    CHECK(sigismember(&in_handler, SIGUSR2));
    CHECK(sigismember(&in_handler, SIGRTMIN + 3));
    CHECK(sigismember(&in_handler, SIGHUP));
    CHECK(!sigismember(&in_handler, SIGTERM));
    CHECK(sigismember(&frame_mask, SIGHUP));
    CHECK(!sigismember(&frame_mask, SIGUSR1));
    CHECK(!sigismember(&frame_mask, SIGUSR2));
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    CHECK(sigismember(&now, SIGHUP));
    CHECK(!sigismember(&now, SIGUSR1));
    CHECK(!sigismember(&now, SIGUSR2));

    /* sigreturn installs the (edited) uc_sigmask. */
    edit_mask = 1;
    raise(SIGUSR1);
    CHECK_EQ(ran, 2);
    sigprocmask(SIG_SETMASK, NULL, &now);
    CHECK(sigismember(&now, SIGWINCH));
    CHECK(sigismember(&now, SIGHUP));

    /* A blocked signal raised inside stays pending until the mask allows. */
    t_unblock(SIGWINCH);
    return 0;
}
