/* Signals and threads: an unhandled fatal signal sent to one thread
 * (tgkill) kills the whole process; a process-directed signal blocked by
 * every thread stays pending for the process and is taken by the first
 * thread that unblocks it. Two threads racing to exit_group: the process
 * reports exactly one of the two codes. */
#include "t.h"

static int idle(void *arg)
{
    (void)arg;
    for (;;)
        syscall(SYS_pause);
    return 0;
}

static volatile long taker;
static int go_fd;

static void handler(int sig)
{
    (void)sig;
    taker = sys_gettid();
}

static int unblocker(void *arg)
{
    (void)arg;
    char c;
    syscall(SYS_read, go_fd, &c, 1);
    unsigned long set = 1ul << (SIGUSR1 - 1);
    sys_rt_sigprocmask(SIG_UNBLOCK, &set, NULL, 8);
    return 0;
}

static volatile int start;

static int racer(void *arg)
{
    while (!start) {
    }
    syscall(SYS_exit_group, (long)arg);
    return 0;
}

int main(void)
{
    int rep[2];
    t_pipe(rep);
    pid_t pid = t_fork();
    if (pid == 0) {
        struct t_thread t;
        t_thread_start(&t, idle, NULL);
        CHECK_EQ(write(rep[1], &t.tid, sizeof t.tid), sizeof t.tid);
        for (;;)
            pause();
    }
    int tid;
    CHECK_EQ(read(rep[0], &tid, sizeof tid), sizeof tid);
    CHECK_SYS(sys_tgkill(pid, tid, SIGTERM));
    CHECK_EQ(t_wait(pid), SIGTERM);

    /* All threads block SIGUSR1: it stays pending on the process. */
    t_signal(SIGUSR1, handler);
    t_block(SIGUSR1);
    int go[2];
    t_pipe(go);
    go_fd = go[0];
    struct t_thread u;
    t_thread_start(&u, unblocker, NULL);
    CHECK_SYS(kill(getpid(), SIGUSR1));
    sigset_t p;
    sigpending(&p);
    CHECK(sigismember(&p, SIGUSR1));
    CHECK_EQ(taker, 0);
    t_send(go[1], 'g');
    t_thread_join(&u);
    CHECK_EQ(taker, u.tid_ret);
    sigpending(&p);
    CHECK(!sigismember(&p, SIGUSR1));

    /* exit_group race. */
    for (int round = 0; round < 20; round++) {
        pid = t_fork();
        if (pid == 0) {
            struct t_thread a, b;
            t_thread_start(&a, racer, (void *)11L);
            t_thread_start(&b, racer, (void *)22L);
            start = 1;
            for (;;)
                pause();
        }
        int st = t_wait(pid);
        CHECK(st == (11 << 8) || st == (22 << 8));
    }
    return 0;
}
