/* PR_SET_PDEATHSIG: get/set, validation, cleared in a fork child, fires
 * when the parent process exits, and fires when the parent THREAD exits
 * even though the process lives on (then getppid is unchanged). */
#include "t.h"

static int sync_wr, sync_rd, report_fd;

static int forking_thread(void *arg)
{
    (void)arg;
    long r = syscall(SYS_fork);
    if (r == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR2);
        /* The mask is inherited from the (blocked) creator. */
        CHECK_SYS(prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0));
        t_send(sync_wr, 'r');
        siginfo_t si;
        struct timespec ts = {5, 0};
        long got = syscall(SYS_rt_sigtimedwait, &s, &si, &ts, 8);
        long pp = syscall(SYS_getppid);
        long out[2] = {got, pp};
        syscall(SYS_write, report_fd, out, sizeof out);
        syscall(SYS_exit_group, 0);
    }
    char c;
    if (syscall(SYS_read, sync_rd, &c, 1) != 1) /* the child has set PDEATHSIG */
        syscall(SYS_exit_group, 3);
    return 0; /* the thread exits: the child's parent thread is gone */
}

int main(void)
{
    int v = -1;
    CHECK_SYS(prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0));
    CHECK_EQ(v, 0);
    CHECK_ERR(prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0), EINVAL);
    CHECK_ERR(prctl(PR_SET_PDEATHSIG, -1, 0, 0, 0), EINVAL);
    CHECK_SYS(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
    CHECK_SYS(prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0));
    CHECK_EQ(v, SIGUSR1);
    pid_t pid = t_fork();
    if (pid == 0) {
        int w = -1;
        CHECK_SYS(prctl(PR_GET_PDEATHSIG, &w, 0, 0, 0));
        CHECK_EQ(w, 0);
        _exit(0);
    }
    T_WAIT_OK(pid);
    CHECK_SYS(prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0));

    /* Parent process exits: the child gets the signal (default action
     * SIGKILL kills it; we are its subreaper and see that). */
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    int ready[2], rep[2];
    t_pipe(ready);
    t_pipe(rep);
    pid_t mid = t_fork();
    if (mid == 0) {
        pid_t g = t_fork();
        if (g == 0) {
            CHECK_SYS(prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0));
            t_send(ready[1], 'r');
            for (;;)
                pause();
        }
        CHECK_EQ(write(rep[1], &g, sizeof g), sizeof g);
        t_recv(ready[0]);
        _exit(0);
    }
    pid_t g;
    CHECK_EQ(read(rep[0], &g, sizeof g), sizeof g);
    T_WAIT_OK(mid);
    CHECK_EQ(t_wait(g), SIGKILL);

    /* Parent thread exits, process lives: the signal still fires. */
    t_block(SIGUSR2);
    sync_wr = ready[1];
    sync_rd = ready[0];
    report_fd = rep[1];
    struct t_thread t;
    t_thread_start(&t, forking_thread, NULL);
    t_thread_join(&t);
    long out[2];
    CHECK_EQ(read(rep[0], out, sizeof out), sizeof out);
    CHECK_EQ(out[0], SIGUSR2);
    CHECK_EQ(out[1], getpid()); /* reparented to another thread of ours */
    int st;
    pid_t r = (pid_t)sys_wait4(-1, &st, 0, NULL);
    CHECK(r > 0);
    CHECK_EXITED(st, 0);
    return 0;
}
