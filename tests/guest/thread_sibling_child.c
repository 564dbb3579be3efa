/* A child forked by one thread is a child of the whole process: the leader
 * can wait for it, unless it passes __WNOTHREAD. */
#include "t.h"

static volatile long forked_pid;
static int go_fd;

static int forker(void *arg)
{
    (void)arg;
    long r = syscall(SYS_fork);
    if (r == 0) {
        char c;
        syscall(SYS_read, go_fd, &c, 1);
        syscall(SYS_exit_group, 21);
    }
    forked_pid = r;
    return 0;
}

int main(void)
{
    int go[2];
    t_pipe(go);
    go_fd = go[0];
    struct t_thread t;
    t_thread_start(&t, forker, NULL);
    t_thread_join(&t);
    pid_t child = (pid_t)forked_pid;
    CHECK(child > 0);
    int st;
    /* The forking thread is gone: the child now belongs to the leader (a live
     * thread of the same process), so even __WNOTHREAD sees it. The join
     * returns when the thread's tid is cleared, which Linux does before it
     * hands its children over (exit_mm before exit_notify): until then
     * ECHILD, for a moment. */
    long r = -1;
    for (int tries = 0; tries < 1000; tries++) {
        r = sys_wait4(child, &st, WNOHANG | __WNOTHREAD, NULL);
        if (r != -1 || errno != ECHILD)
            break;
        t_msleep(1);
    }
    CHECK_EQ(r, 0);
    t_send(go[1], 'g');
    CHECK_EQ(sys_wait4(child, &st, 0, NULL), child);
    CHECK_EXITED(st, 21);
    return 0;
}
