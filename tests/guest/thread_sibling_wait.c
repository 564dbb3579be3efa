/* While the forking thread is alive, the leader can wait for its child with
 * plain wait4 but not with __WNOTHREAD; getppid in the child is the tgid. */
#include "t.h"

static int go_fd, hold_fd, pid_fd;

static int forker(void *arg)
{
    (void)arg;
    long r = syscall(SYS_fork);
    if (r == 0) {
        char c;
        long ppid = syscall(SYS_getppid);
        syscall(SYS_write, pid_fd, &ppid, sizeof ppid);
        syscall(SYS_read, go_fd, &c, 1);
        syscall(SYS_exit_group, 23);
    }
    syscall(SYS_write, pid_fd, &r, sizeof r);
    char c;
    syscall(SYS_read, hold_fd, &c, 1); /* stay alive until told */
    return 0;
}

int main(void)
{
    int go[2], hold[2], pids[2];
    t_pipe(go);
    t_pipe(hold);
    t_pipe(pids);
    go_fd = go[0];
    hold_fd = hold[0];
    pid_fd = pids[1];
    struct t_thread t;
    t_thread_start(&t, forker, NULL);
    long a, b, child, ppid;
    CHECK_EQ(read(pids[0], &a, sizeof a), sizeof a);
    CHECK_EQ(read(pids[0], &b, sizeof b), sizeof b);
    /* Order of the two writes is not fixed: the child's getppid equals our
     * pid, the fork return value does not. */
    if (a == getpid()) {
        ppid = a;
        child = b;
    } else {
        ppid = b;
        child = a;
    }
    CHECK_EQ(ppid, getpid());
    CHECK(child > 0 && child != getpid());
    int st;
    CHECK_EQ(sys_wait4((pid_t)child, &st, WNOHANG, NULL), 0);
    CHECK_ERR(sys_wait4((pid_t)child, &st, WNOHANG | __WNOTHREAD, NULL), ECHILD);
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG | __WNOTHREAD, NULL), ECHILD);
    siginfo_t si;
    CHECK_ERR(sys_waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WNOTHREAD, NULL), ECHILD);
    t_send(go[1], 'g');
    CHECK_EQ(sys_wait4(-1, &st, 0, NULL), child);
    CHECK_EXITED(st, 23);
    t_send(hold[1], 'h');
    t_thread_join(&t);
    return 0;
}
