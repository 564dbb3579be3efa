/* exit_group from a non-leader thread ends every thread; the parent sees the
 * code passed to exit_group. A later exit_group cannot change the code. */
#include "t.h"

static int blocker_fd;

static int blocked(void *arg)
{
    (void)arg;
    char c;
    syscall(SYS_read, blocker_fd, &c, 1); /* never returns */
    syscall(SYS_exit_group, 99);
    return 0;
}

static int ender(void *arg)
{
    syscall(SYS_exit_group, (long)arg);
    return 0;
}

int main(void)
{
    for (int round = 0; round < 5; round++) {
        int never[2];
        t_pipe(never);
        pid_t pid = t_fork();
        if (pid == 0) {
            blocker_fd = never[0];
            struct t_thread a, b, c;
            t_thread_start(&a, blocked, NULL);
            t_thread_start(&b, blocked, NULL);
            t_thread_start(&c, ender, (void *)(long)(40 + round));
            char ch;
            syscall(SYS_read, never[0], &ch, 1); /* the leader blocks too */
            _exit(98);
        }
        close(never[0]);
        int st = t_wait(pid);
        CHECK_EQ(st, (40 + round) << 8);
        close(never[1]);
    }
    /* A fatal signal to the process kills all threads. */
    int never[2];
    t_pipe(never);
    int ready[2];
    t_pipe(ready);
    pid_t pid = t_fork();
    if (pid == 0) {
        blocker_fd = never[0];
        struct t_thread a;
        t_thread_start(&a, blocked, NULL);
        t_send(ready[1], 'r');
        char ch;
        syscall(SYS_read, never[0], &ch, 1);
        _exit(98);
    }
    t_recv(ready[0]);
    CHECK_SYS(kill(pid, SIGTERM));
    CHECK_EQ(t_wait(pid), SIGTERM);
    return 0;
}
