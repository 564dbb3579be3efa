/* CLONE_PIDFD (clone and clone3) and pidfd_getfd, and poll on a process
 * whose leader exited while a thread runs:
 * - clone writes the pidfd where the parent tid would go; it is close-on-exec
 *   and the child does not inherit it; with CLONE_PARENT_SETTID or
 *   CLONE_DETACHED it is EINVAL; a bad pidfd pointer is EFAULT and no child
 *   is created; with CLONE_THREAD it is a PIDFD_THREAD pidfd (Linux 6.9+).
 * - clone3 writes it to cl_args.pidfd; the same slot as parent_tid is EINVAL.
 * - pidfd_getfd duplicates the target's descriptor (same open file,
 *   close-on-exec; an O_PATH one too); EINVAL for flags, EBADF for a bad target descriptor,
 *   ESRCH for a zombie, EPERM for another user's process.
 * - a zombie leader with a live thread is not readable until the thread
 *   exits (Linux pidfd_poll). */
#include "t.h"
#include <sys/syscall.h>

struct t_clone_args {
    unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static long raw_clone(unsigned long flags, void *parent_tid)
{
    return syscall(SYS_clone, flags, NULL, parent_tid, NULL, NULL);
}

static int thread_exit(void *arg)
{
    (void)arg;
    syscall(SYS_exit, 0);
    return 0;
}

static volatile int stop_thread;
static int spin(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop_thread, __ATOMIC_ACQUIRE))
        usleep(1000);
    syscall(SYS_exit, 7);
    return 0;
}

int main(void)
{
    siginfo_t si;
    /* clone(CLONE_PIDFD). */
    int pidfd = -1;
    long pid = raw_clone(T_CLONE_PIDFD | SIGCHLD, &pidfd);
    if (pid == 0) {
        /* Not inherited: the descriptor was installed after the copy. */
        _exit(fcntl(pidfd, F_GETFD) == -1 && errno == EBADF ? 5 : 6);
    }
    CHECK(pid > 0);
    CHECK(pidfd >= 0);
    CHECK_EQ(fcntl(pidfd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(pidfd, F_GETFL), O_RDWR);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(T_P_PIDFD, pidfd, &si, WEXITED, NULL), 0);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 5);
    close(pidfd);
    int tid = -1;
    CHECK_ERR(raw_clone(T_CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, &tid), EINVAL);
    CHECK_ERR(raw_clone(T_CLONE_PIDFD | T_CLONE_DETACHED | SIGCHLD, &tid), EINVAL);
    int before = dup(0);
    close(before);
    CHECK_ERR(raw_clone(T_CLONE_PIDFD | SIGCHLD, BAD_PTR_LOW), EFAULT);
    CHECK_ERR(sys_wait4(-1, NULL, WNOHANG, NULL), ECHILD); /* no child was made */
    CHECK_EQ(dup(0), before);                              /* nor a descriptor left */
    close(before);

    /* clone(CLONE_THREAD | CLONE_PIDFD): a thread pidfd. */
    static char stack[64 * 1024] __attribute__((aligned(16)));
    int tpidfd = -1;
    long t = clone(thread_exit, stack + sizeof stack,
                   (T_THREAD_FLAGS & ~(CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)) | T_CLONE_PIDFD, NULL, &tpidfd);
    CHECK(t > 0);
    CHECK(tpidfd >= 0);
    CHECK_EQ(t_poll_in(tpidfd, 5000), POLLIN | POLLHUP);
    CHECK_EQ(fcntl(tpidfd, F_GETFL), O_RDWR | O_EXCL);
    close(tpidfd);

    /* clone3 with cl_args.pidfd. */
    struct t_clone_args ca;
    memset(&ca, 0, sizeof ca);
    int c3fd = -1, ptid = 0;
    ca.flags = T_CLONE_PIDFD | CLONE_PARENT_SETTID;
    ca.pidfd = (unsigned long)&c3fd;
    ca.parent_tid = (unsigned long)&ptid;
    ca.exit_signal = SIGCHLD;
    pid = syscall(T_SYS_clone3, &ca, sizeof ca);
    if (pid == 0)
        _exit(3);
    CHECK(pid > 0);
    CHECK_EQ(ptid, pid);
    CHECK_EQ(fcntl(c3fd, F_GETFD), FD_CLOEXEC);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(T_P_PIDFD, c3fd, &si, WEXITED, NULL), 0);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 3);
    close(c3fd);
    ca.pidfd = 1;
    CHECK_ERR(syscall(T_SYS_clone3, &ca, sizeof ca), EFAULT);
    ca.pidfd = ca.parent_tid;
    CHECK_ERR(syscall(T_SYS_clone3, &ca, sizeof ca), EINVAL);
    ca.flags = T_CLONE_PIDFD | T_CLONE_DETACHED;
    ca.pidfd = (unsigned long)&c3fd;
    CHECK_ERR(syscall(T_SYS_clone3, &ca, sizeof ca), EINVAL);
    CHECK_ERR(sys_wait4(-1, NULL, WNOHANG, NULL), ECHILD);

    /* pidfd_getfd: the child's pipe end, the same open file. */
    int p[2], sync[2];
    t_pipe(p);
    t_pipe(sync);
    pid_t c = t_fork();
    if (c == 0) {
        close(p[0]);
        int spare = open("/", O_PATH);
        CHECK_EQ(spare, p[0]); /* the parent names it by that number */
        t_send(sync[1], 'r');
        pause();
        _exit(1);
    }
    close(p[1]);
    t_recv(sync[0]);
    long cfd = t_pidfd_open(c, 0);
    CHECK_ERR(t_pidfd_getfd(cfd, p[1], 1), EINVAL);
    CHECK_ERR(t_pidfd_getfd(cfd, 1000, 0), EBADF);
    long path_fd = t_pidfd_getfd(cfd, p[0], 0); /* O_PATH files too (Linux 6.18) */
    CHECK(path_fd >= 0);
    CHECK(fcntl((int)path_fd, F_GETFL) & O_PATH);
    close((int)path_fd);
    long got = t_pidfd_getfd(cfd, p[1], 0);
    CHECK(got >= 0);
    CHECK_EQ(fcntl((int)got, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl((int)got, F_GETFL), O_WRONLY);
    CHECK_EQ(write((int)got, "hi", 2), 2);
    char buf[2];
    t_read_all(p[0], buf, 2);
    CHECK_EQ(memcmp(buf, "hi", 2), 0);
    /* Another user may not take it. */
    pid_t other = t_fork();
    if (other == 0) {
        CHECK_SYS(setresuid(1000, 1000, 1000));
        CHECK_ERR(t_pidfd_getfd(cfd, p[1], 0), EPERM);
        _exit(0);
    }
    T_WAIT_OK(other);
    close((int)got);
    CHECK_SYS(kill(c, SIGKILL));
    CHECK_EQ(t_poll_in(cfd, 5000), POLLIN);
    CHECK_ERR(t_pidfd_getfd(cfd, p[1], 0), ESRCH); /* a zombie has no descriptors */
    CHECK_EQ(t_wait(c), SIGKILL);
    CHECK_ERR(t_pidfd_getfd(cfd, p[1], 0), ESRCH);
    close((int)cfd);
    /* Our own descriptors: always allowed. */
    long self = t_pidfd_open(getpid(), 0);
    got = t_pidfd_getfd(self, p[0], 0);
    CHECK(got >= 0);
    close((int)got);
    close((int)self);

    /* A leader that exited while its thread runs: not readable yet. */
    pid_t z = t_fork();
    if (z == 0) {
        struct t_thread th;
        t_thread_start(&th, spin, NULL);
        t_send(sync[1], 'r');
        syscall(SYS_exit, 0); /* the leader alone */
    }
    t_recv(sync[0]);
    long zfd = t_pidfd_open(z, 0);
    usleep(50000);
    CHECK_EQ(t_poll_in(zfd, 0), 0);
    CHECK_EQ(sys_waitid(T_P_PIDFD, zfd, &si, WEXITED | WNOHANG, NULL), 0);
    CHECK_SYS(t_pidfd_send_signal(zfd, SIGKILL, NULL, 0)); /* the group, through the zombie leader */
    CHECK_EQ(t_poll_in(zfd, 5000), POLLIN);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(T_P_PIDFD, zfd, &si, WEXITED, NULL), 0);
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGKILL);
    CHECK_EQ(t_poll_in(zfd, 0), POLLIN | POLLHUP);
    close((int)zfd);
    printf("ok\n");
    return 0;
}
