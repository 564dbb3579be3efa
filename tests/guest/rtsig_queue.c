/* Real-time signals queue (one entry per send, FIFO within a number, with
 * their values) and are delivered lowest number first, after the standard
 * signals; standard signals merge. Checked both through handlers (with all
 * signals blocked inside, so the order is the delivery order) and through
 * sigwaitinfo. */
#include "t.h"

static int order_sig[32];
static int order_val[32];
static volatile int n;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    order_sig[n] = sig;
    order_val[n] = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
    n++;
}

static void queue(int sig, int val)
{
    union sigval v = {.sival_int = val};
    CHECK_SYS(sigqueue(getpid(), sig, v));
}

static void send_all(void)
{
    queue(SIGRTMIN + 2, 1);
    queue(SIGRTMIN, 2);
    queue(SIGRTMIN + 2, 3);
    queue(SIGRTMIN, 4);
    queue(SIGRTMAX, 5);
    CHECK_SYS(kill(getpid(), SIGUSR2));
    CHECK_SYS(kill(getpid(), SIGUSR2));
    CHECK_SYS(kill(getpid(), SIGUSR1));
    queue(SIGUSR1, 6);                   /* merges with the pending SIGUSR1 */
    CHECK_SYS(kill(getpid(), SIGRTMIN)); /* kill queues an rt signal too */
}

static const int want_sig_off[] = {-1, -2, 0, 0, 0, 2, 2, 99};
static const int want_val[] = {-1, -1, 2, 4, -1, 1, 3, 5};

static void check_order(void)
{
    CHECK_EQ(n, 8);
    for (int i = 0; i < 8; i++) {
        int want;
        if (want_sig_off[i] == -1)
            want = SIGUSR1;
        else if (want_sig_off[i] == -2)
            want = SIGUSR2;
        else if (want_sig_off[i] == 99)
            want = SIGRTMAX;
        else
            want = SIGRTMIN + want_sig_off[i];
        if (order_sig[i] != want)
            FAIL("delivery %d: signal %d, want %d", i, order_sig[i], want);
        if (i != 0 && order_val[i] != want_val[i])
            FAIL("delivery %d: value %d, want %d", i, order_val[i], want_val[i]);
    }
}

int main(void)
{
    sigset_t all, set;
    sigfillset(&all);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sa.sa_mask = all;
    int sigs[] = {SIGUSR1, SIGUSR2, SIGRTMIN, SIGRTMIN + 2, SIGRTMAX};
    sigemptyset(&set);
    for (unsigned i = 0; i < 5; i++) {
        CHECK_SYS(sigaction(sigs[i], &sa, NULL));
        sigaddset(&set, sigs[i]);
    }
    sigset_t old;
    sigprocmask(SIG_BLOCK, &set, &old);
    send_all();
    sigset_t p;
    sigpending(&p);
    for (unsigned i = 0; i < 5; i++)
        CHECK(sigismember(&p, sigs[i]));
    n = 0;
    sigprocmask(SIG_SETMASK, &old, NULL); /* everything is delivered now */
    check_order();

    /* Same through sigwaitinfo. */
    sigprocmask(SIG_BLOCK, &set, NULL);
    send_all();
    n = 0;
    struct timespec zero = {0, 0};
    siginfo_t si;
    int s;
    while ((s = sigtimedwait(&set, &si, &zero)) > 0) {
        CHECK(n < 32);
        order_sig[n] = s;
        order_val[n] = si.si_code == SI_QUEUE ? si.si_value.sival_int : -1;
        n++;
    }
    CHECK_EQ(errno, EAGAIN);
    check_order();
    return 0;
}
