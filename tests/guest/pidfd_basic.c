/* pidfd: pidfd_open, pidfd_send_signal to a live child and to a zombie
 * (succeeds), to a reaped child (ESRCH), waitid(P_PIDFD), poll readable when
 * the child exits. Skips if the kernel has no pidfd_open (ENOSYS). */
#include "t.h"
#include <poll.h>

#define T_SYS_pidfd_open 434
#define T_SYS_pidfd_send_signal 424
#define T_P_PIDFD 3

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
    long fd = syscall(T_SYS_pidfd_open, pid, 0);
    if (fd == -1 && errno == ENOSYS) {
        printf("SKIP: no pidfd_open\n");
        t_send(go[1], 'g');
        t_wait(pid);
        return T_SKIP;
    }
    CHECK(fd >= 0);
    CHECK_ERR(syscall(T_SYS_pidfd_open, pid, 0x1234), EINVAL);
    CHECK_ERR(syscall(T_SYS_pidfd_open, -1, 0), EINVAL);
    struct pollfd pfd = {.fd = (int)fd, .events = POLLIN};
    CHECK_EQ(poll(&pfd, 1, 0), 0); /* still running */
    CHECK_SYS(syscall(T_SYS_pidfd_send_signal, fd, 0, NULL, 0));
    t_send(go[1], 'g');
    CHECK_EQ(poll(&pfd, 1, 5000), 1);
    CHECK(pfd.revents & POLLIN);
    /* A zombie can still be signalled through its pidfd. */
    CHECK_SYS(syscall(T_SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(T_P_PIDFD, fd, &si, WEXITED, NULL), 0);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 8);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_ERR(syscall(T_SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0), ESRCH);
    CHECK_ERR(sys_waitid(T_P_PIDFD, fd, &si, WEXITED | WNOHANG, NULL), ECHILD);
    close((int)fd);
    CHECK_ERR(sys_waitid(T_P_PIDFD, fd, &si, WEXITED, NULL), EBADF);
    return 0;
}
