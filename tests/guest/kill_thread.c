/* Thread-directed signals: tgkill/tkill reach exactly the named thread;
 * tgkill with the wrong tgid is ESRCH; bad ids are EINVAL. kill() given a
 * non-leader thread id acts on the whole process (Linux). A process-directed
 * signal is taken by a thread that does not block it. */
#include "t.h"

static volatile long handled_by;
static int go_fd;

static void handler(int sig)
{
    (void)sig;
    handled_by = sys_gettid();
}

static int waiter(void *arg)
{
    (void)arg;
    /* Unblock SIGUSR1 in this thread only; wait for the go byte. */
    unsigned long set = 1ul << (SIGUSR1 - 1);
    sys_rt_sigprocmask(SIG_UNBLOCK, &set, NULL, 8);
    char c;
    while (syscall(SYS_read, go_fd, &c, 1) == -1) {
    }
    return 0;
}

static volatile long pending_seen;

static int checker(void *arg)
{
    (void)arg;
    unsigned long p = 0;
    syscall(SYS_rt_sigpending, &p, 8);
    pending_seen = (long)p;
    return 0;
}

int main(void)
{
    t_signal(SIGUSR1, handler);
    t_block(SIGUSR1);
    int go[2];
    t_pipe(go);
    go_fd = go[0];
    struct t_thread t;
    t_thread_start(&t, waiter, NULL);
    /* tgkill to the thread. */
    handled_by = 0;
    CHECK_SYS(sys_tgkill(getpid(), t.tid, SIGUSR1));
    while (handled_by == 0) {
    }
    CHECK_EQ(handled_by, t.tid);
    /* tkill to the thread. */
    handled_by = 0;
    CHECK_SYS(sys_tkill(t.tid, SIGUSR1));
    while (handled_by == 0) {
    }
    CHECK_EQ(handled_by, t.tid);
    /* kill() to the process: only the thread leaves it unblocked. */
    handled_by = 0;
    CHECK_SYS(kill(getpid(), SIGUSR1));
    while (handled_by == 0) {
    }
    CHECK_EQ(handled_by, t.tid);
    /* kill() with the thread's id: delivered to the process. */
    handled_by = 0;
    CHECK_SYS(kill(t.tid, SIGUSR1));
    while (handled_by == 0) {
    }
    CHECK_EQ(handled_by, t.tid);

    CHECK_ERR(sys_tgkill(INT_MAX, t.tid, 0), ESRCH);
    CHECK_ERR(sys_tgkill(getppid(), t.tid, 0), ESRCH);
    CHECK_ERR(sys_tgkill(0, t.tid, 0), EINVAL);
    CHECK_ERR(sys_tgkill(getpid(), 0, 0), EINVAL);
    CHECK_ERR(sys_tgkill(getpid(), -5, 0), EINVAL);
    CHECK_ERR(sys_tkill(0, 0), EINVAL);
    CHECK_ERR(sys_tkill(-1, 0), EINVAL);
    CHECK_ERR(sys_tgkill(getpid(), t.tid, 65), EINVAL);
    CHECK_SYS(sys_tgkill(getpid(), t.tid, 0));
    t_send(go[1], 'g');
    t_thread_join(&t);
    CHECK_GONE(sys_tkill(t.tid_ret, 0)); /* the thread is gone */

    /* A thread-directed pending signal is visible only to its thread. */
    t_block(SIGUSR2);
    CHECK_SYS(raise(SIGUSR2)); /* pending on the leader thread */
    struct t_thread c;
    t_thread_start(&c, checker, NULL);
    t_thread_join(&c);
    CHECK_EQ(pending_seen & (1l << (SIGUSR2 - 1)), 0);
    sigset_t p;
    sigpending(&p);
    CHECK(sigismember(&p, SIGUSR2));
    signal(SIGUSR2, SIG_IGN);
    return 0;
}
