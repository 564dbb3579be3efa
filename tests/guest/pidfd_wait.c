/* waitid(P_PIDFD): exact siginfo for an exit and a kill, WNOWAIT leaves the
 * zombie, WNOHANG on a running child gives 0 and a zeroed siginfo, a
 * PIDFD_NONBLOCK pidfd gives EAGAIN without WNOHANG (Linux 5.10+), a blocked
 * waitid wakes when that child exits (and not for another), a thread's pidfd
 * (PIDFD_THREAD) names no child (ECHILD), a grandchild is ECHILD. */
#include "t.h"

static volatile int stop_thread;
static int spin(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop_thread, __ATOMIC_ACQUIRE))
        usleep(1000);
    return 0;
}

int main(void)
{
    siginfo_t si;
    int go[2];
    t_pipe(go);
    pid_t a = t_fork();
    if (a == 0) {
        t_recv(go[0]);
        _exit(42);
    }
    pid_t b = t_fork();
    if (b == 0) {
        pause();
        _exit(1);
    }
    long fa = t_pidfd_open(a, 0), fb = t_pidfd_open(b, T_PIDFD_NONBLOCK);
    CHECK(fa >= 0 && fb >= 0);

    /* Running: WNOHANG says 0 and zeroes the siginfo. */
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(sys_waitid(T_P_PIDFD, fa, &si, WEXITED | WNOHANG, NULL), 0);
    CHECK_EQ(si.si_pid, 0);
    CHECK_EQ(si.si_signo, 0);
    /* PIDFD_NONBLOCK: EAGAIN without WNOHANG, 0 with it. */
    CHECK_ERR(sys_waitid(T_P_PIDFD, fb, &si, WEXITED, NULL), EAGAIN);
    CHECK_EQ(sys_waitid(T_P_PIDFD, fb, &si, WEXITED | WNOHANG, NULL), 0);
    /* Bad options are EINVAL before the descriptor is looked at. */
    CHECK_ERR(sys_waitid(T_P_PIDFD, fa, &si, 0, NULL), EINVAL);
    CHECK_ERR(sys_waitid(T_P_PIDFD, 1000, &si, 0, NULL), EINVAL);

    /* A blocked waitid on b's pidfd is not ended by a's exit. */
    CHECK_SYS(kill(b, SIGTERM));
    t_send(go[1], 'g');
    memset(&si, 0, sizeof si);
    long fb_blocking = t_pidfd_open(b, 0);
    CHECK_EQ(sys_waitid(T_P_PIDFD, fb_blocking, &si, WEXITED, NULL), 0);
    CHECK_EQ(si.si_pid, b);
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGTERM);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_uid, getuid());
    CHECK_ERR(sys_waitid(T_P_PIDFD, fb, &si, WEXITED | WNOHANG, NULL), ECHILD);

    /* WNOWAIT leaves a's zombie for the real wait. */
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(T_P_PIDFD, fa, &si, WEXITED | WNOWAIT, NULL), 0);
    CHECK_EQ(si.si_pid, a);
    CHECK_EQ(si.si_status, 42);
    CHECK_EQ(si.si_code, CLD_EXITED);
    struct rusage ru;
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(T_P_PIDFD, fa, &si, WEXITED, &ru), 0);
    CHECK_EQ(si.si_pid, a);
    CHECK_EQ(si.si_status, 42);
    CHECK_ERR(sys_wait4(a, NULL, WNOHANG, NULL), ECHILD);
    close((int)fa);
    close((int)fb);
    close((int)fb_blocking);

    /* A grandchild is not ours to wait for, through its pidfd either. */
    int p[2];
    t_pipe(p);
    pid_t mid = t_fork();
    if (mid == 0) {
        pid_t g = t_fork();
        if (g == 0) {
            pause();
            _exit(0);
        }
        CHECK_EQ(write(p[1], &g, sizeof g), (long)sizeof g);
        CHECK_EQ(t_wait(g), SIGKILL);
        _exit(0);
    }
    pid_t grandchild;
    t_read_all(p[0], &grandchild, sizeof grandchild);
    long fg = t_pidfd_open(grandchild, 0);
    CHECK(fg >= 0);
    CHECK_ERR(sys_waitid(T_P_PIDFD, fg, &si, WEXITED | WNOHANG, NULL), ECHILD);
    CHECK_SYS(t_pidfd_send_signal(fg, SIGKILL, NULL, 0));
    T_WAIT_OK(mid);
    CHECK_ERR(t_pidfd_send_signal(fg, 0, NULL, 0), ESRCH);
    close((int)fg);

    /* A thread's pidfd: ENOENT without PIDFD_THREAD; with it, no child. */
    struct t_thread t;
    t_thread_start(&t, spin, NULL);
    long ft = t_pidfd_open(t.tid_ret, T_PIDFD_THREAD);
    CHECK(ft >= 0);
    CHECK_ERR(t_pidfd_open(t.tid_ret, 0), ENOENT);
    CHECK_ERR(sys_waitid(T_P_PIDFD, ft, &si, WEXITED | WNOHANG, NULL), ECHILD);
    __atomic_store_n(&stop_thread, 1, __ATOMIC_RELEASE);
    t_thread_join(&t);
    /* The thread is gone: readable and hung up. */
    CHECK_EQ(t_poll_in(ft, 5000), POLLIN | POLLHUP);
    CHECK_ERR(t_pidfd_send_signal(ft, 0, NULL, 0), ESRCH);
    close((int)ft);
    printf("ok\n");
    return 0;
}
