/* Two threads blocked in wait4 for the same child: exactly one reaps it,
 * the other then returns ECHILD. A thread blocked in wait4(-1) is woken by
 * a child forked (and exiting) after it started waiting. */
#include "t.h"

static volatile long results[2];
static volatile int errnos[2];
static pid_t target;
static volatile int waiting;

static int waiter(void *arg)
{
    long idx = (long)arg;
    int st;
    __atomic_add_fetch(&waiting, 1, __ATOMIC_SEQ_CST);
    long r = syscall(SYS_wait4, target, &st, 0, NULL);
    results[idx] = r;
    errnos[idx] = r == -1 ? errno : 0;
    return 0;
}

int main(void)
{
    for (int round = 0; round < 20; round++) {
        int go[2];
        t_pipe(go);
        target = t_fork();
        if (target == 0) {
            t_recv(go[0]);
            _exit(5);
        }
        waiting = 0;
        struct t_thread a, b;
        t_thread_start(&a, waiter, (void *)0L);
        t_thread_start(&b, waiter, (void *)1L);
        while (waiting < 2) {
        }
        t_send(go[1], 'g');
        t_thread_join(&a);
        t_thread_join(&b);
        int won = (results[0] == target) + (results[1] == target);
        CHECK_EQ(won, 1);
        int loser = results[0] == target ? 1 : 0;
        CHECK_EQ(results[loser], -1);
        CHECK_EQ(errnos[loser], ECHILD);
        close(go[0]);
        close(go[1]);
    }
    /* wait4(-1) blocks; a child created afterwards wakes it. */
    int keep[2];
    t_pipe(keep);
    pid_t holder = t_fork(); /* gives the waiter something to wait for */
    if (holder == 0) {
        char c;
        close(keep[1]);
        (void)!read(keep[0], &c, 1);
        _exit(0);
    }
    close(keep[0]);
    target = -1;
    waiting = 0;
    struct t_thread w;
    t_thread_start(&w, waiter, (void *)0L);
    while (waiting < 1) {
    }
    pid_t late = t_fork();
    if (late == 0)
        _exit(3);
    t_thread_join(&w);
    CHECK_EQ(results[0], late);
    close(keep[1]);
    CHECK_EQ(t_wait(holder), 0);
    return 0;
}
