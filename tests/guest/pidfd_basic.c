/* pidfd: pidfd_open's flags and errors, the file (close-on-exec, O_RDWR
 * status flags, read/write EINVAL, lseek ESPIPE, an anonymous inode shown as
 * anon_inode:[pidfd]), pidfd_send_signal to a live child and to a zombie
 * (succeeds), to a reaped child (ESRCH), waitid(P_PIDFD), poll: nothing while
 * the child runs, POLLIN once it exited, POLLIN|POLLHUP once it is reaped. */
#include "t.h"
#include <sys/stat.h>

int main(void)
{
    int ready[2], go[2];
    t_pipe(ready);
    t_pipe(go);
    pid_t pid = t_fork();
    if (pid == 0) {
        t_send(ready[1], 'r');
        t_recv(go[0]);
        _exit(8);
    }
    t_recv(ready[0]);
    long fd = t_pidfd_open(pid, 0);
    CHECK(fd >= 0);
    CHECK_ERR(t_pidfd_open(pid, 0x1234), EINVAL);
    CHECK_ERR(t_pidfd_open(pid, O_CLOEXEC), EINVAL);
    CHECK_ERR(t_pidfd_open(pid, O_RDWR | O_NONBLOCK), EINVAL);
    CHECK_ERR(t_pidfd_open(-1, 0), EINVAL);
    CHECK_ERR(t_pidfd_open(0, 0), EINVAL);
    CHECK_ERR(t_pidfd_open(INT_MAX, 0), ESRCH);

    /* The file: close-on-exec, O_RDWR, PIDFD_NONBLOCK/PIDFD_THREAD kept. */
    CHECK_EQ(fcntl((int)fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl((int)fd, F_GETFL), O_RDWR);
    long nb = t_pidfd_open(pid, T_PIDFD_NONBLOCK | T_PIDFD_THREAD);
    CHECK(nb >= 0);
    CHECK_EQ(fcntl((int)nb, F_GETFL), O_RDWR | O_NONBLOCK | O_EXCL);
    close((int)nb);
    char buf[8];
    CHECK_ERR(read((int)fd, buf, sizeof buf), EINVAL);
    CHECK_ERR(write((int)fd, buf, sizeof buf), EINVAL);
    CHECK_ERR(lseek((int)fd, 0, SEEK_SET), ESPIPE);
    CHECK_ERR(pread((int)fd, buf, sizeof buf, 0), EINVAL);
    struct stat st;
    CHECK_SYS(fstat((int)fd, &st));
    CHECK_EQ(st.st_mode & S_IFMT, 0); /* an anonymous inode has no type */
    CHECK(st.st_mode & S_IRUSR);
    char path[64], link[64] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%d", (int)fd);
    CHECK_EQ(readlink(path, link, sizeof link - 1), 18);
    CHECK_EQ(strcmp(link, "anon_inode:[pidfd]"), 0);
    /* dup shares the file; pidfds on one process are independent files. */
    int dup_fd = dup((int)fd);
    CHECK(dup_fd >= 0);
    CHECK_EQ(fcntl(dup_fd, F_GETFD), 0);

    CHECK_EQ(t_poll_in(fd, 0), 0); /* still running */
    CHECK_SYS(t_pidfd_send_signal(fd, 0, NULL, 0));
    t_send(go[1], 'g');
    CHECK_EQ(t_poll_in(fd, 5000), POLLIN);
    struct pollfd both[2] = {{.fd = (int)fd, .events = POLLIN | POLLRDNORM}, {.fd = dup_fd, .events = POLLIN}};
    CHECK_EQ(poll(both, 2, 0), 2);
    CHECK_EQ(both[0].revents, POLLIN | POLLRDNORM);
    /* A zombie: pidfd_open works, signals succeed (and change nothing). */
    long zfd = t_pidfd_open(pid, 0);
    CHECK(zfd >= 0);
    CHECK_SYS(t_pidfd_send_signal(fd, SIGKILL, NULL, 0));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(T_P_PIDFD, fd, &si, WEXITED, NULL), 0);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 8);
    CHECK_EQ(si.si_code, CLD_EXITED);
    /* Reaped: every pidfd of it reaches nothing. */
    CHECK_EQ(t_poll_in(zfd, 0), POLLIN | POLLHUP);
    both[0].events = POLLIN | POLLRDNORM;
    CHECK_EQ(poll(both, 1, 0), 1);
    CHECK_EQ(both[0].revents, POLLIN | POLLRDNORM | POLLHUP);
    CHECK_ERR(t_pidfd_send_signal(fd, SIGKILL, NULL, 0), ESRCH);
    CHECK_ERR(t_pidfd_send_signal(dup_fd, 0, NULL, 0), ESRCH);
    CHECK_ERR(t_pidfd_open(pid, 0), ESRCH);
    CHECK_ERR(sys_waitid(T_P_PIDFD, fd, &si, WEXITED | WNOHANG, NULL), ECHILD);
    close((int)fd);
    close((int)zfd);
    close(dup_fd);
    CHECK_ERR(sys_waitid(T_P_PIDFD, fd, &si, WEXITED, NULL), EBADF);

    /* Our own pidfd and our parent's: signal 0 works, waitid is ECHILD. */
    long self = t_pidfd_open(getpid(), 0);
    CHECK(self >= 0);
    CHECK_SYS(t_pidfd_send_signal(self, 0, NULL, 0));
    CHECK_ERR(sys_waitid(T_P_PIDFD, self, &si, WEXITED | WNOHANG, NULL), ECHILD);
    long parent = t_pidfd_open(getppid(), 0);
    CHECK(parent >= 0);
    CHECK_ERR(sys_waitid(T_P_PIDFD, parent, &si, WEXITED | WNOHANG, NULL), ECHILD);
    CHECK_EQ(t_poll_in(parent, 0), 0);
    /* Not a pidfd: EBADF everywhere. */
    CHECK_ERR(sys_waitid(T_P_PIDFD, ready[0], &si, WEXITED | WNOHANG, NULL), EBADF);
    CHECK_ERR(sys_waitid(T_P_PIDFD, -1, &si, WEXITED | WNOHANG, NULL), EINVAL);
    CHECK_ERR(t_pidfd_send_signal(ready[0], 0, NULL, 0), EBADF);
    CHECK_ERR(t_pidfd_getfd(ready[0], 0, 0), EBADF);
    printf("ok\n");
    return 0;
}
