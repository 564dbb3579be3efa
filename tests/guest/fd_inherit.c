/* File descriptors across fork: the child gets copies at the same numbers
 * sharing the open file (offset and status flags); closing in one process
 * does not close in the other; a child's descriptor table is its own. */
#include "t.h"

int main(void)
{
    int fds[2];
    t_pipe(fds);
    int d = dup(fds[1]);
    CHECK(d > fds[1]);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK(fcntl(fds[0], F_GETFD) >= 0);
        CHECK(fcntl(d, F_GETFD) >= 0);
        /* Status flags are shared through the open file. */
        CHECK_SYS(fcntl(fds[0], F_SETFL, O_NONBLOCK));
        close(fds[1]);
        CHECK_EQ(write(d, "c", 1), 1);
        close(d);
        int n = dup(0); /* lowest free slot: reuse is ours alone */
        CHECK_EQ(n, fds[1]);
        _exit(0);
    }
    T_WAIT_OK(pid);
    CHECK(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(fds[1], F_GETFD) >= 0); /* still open here */
    CHECK(fcntl(d, F_GETFD) >= 0);
    char c;
    CHECK_EQ(read(fds[0], &c, 1), 1);
    CHECK_EQ(c, 'c');
    CHECK_ERR(read(fds[0], &c, 1), EAGAIN);
    /* dup2 onto an open descriptor closes it first; FD_CLOEXEC is per fd. */
    CHECK_SYS(fcntl(d, F_SETFD, FD_CLOEXEC));
    CHECK_EQ(dup2(fds[1], d), d);
    CHECK_EQ(fcntl(d, F_GETFD), 0);
    CHECK_EQ(dup2(d, d), d);
    CHECK_ERR(dup2(d, -1), EBADF);
    CHECK_ERR(dup(1000000), EBADF);
    CHECK_ERR(close(1000000), EBADF);
    return 0;
}
