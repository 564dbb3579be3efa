/* Writing to a pipe with no reader: SIGPIPE kills by default; with SIGPIPE
 * ignored or blocked the write fails with EPIPE. pipe2 flags. */
#include "t.h"

int main(void)
{
    int fds[2];
    t_pipe(fds);
    close(fds[0]);
    pid_t pid = t_fork();
    if (pid == 0) {
        (void)!write(fds[1], "x", 1);
        _exit(0);
    }
    CHECK_EQ(t_wait(pid), SIGPIPE);
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(write(fds[1], "x", 1), EPIPE);
    signal(SIGPIPE, SIG_DFL);
    t_block(SIGPIPE);
    CHECK_ERR(write(fds[1], "x", 1), EPIPE);
    sigset_t pend;
    CHECK_SYS(sigpending(&pend));
    CHECK(sigismember(&pend, SIGPIPE)); /* still generated, left pending */
    signal(SIGPIPE, SIG_IGN);
    close(fds[1]);

    CHECK_SYS(pipe2(fds, O_NONBLOCK | O_CLOEXEC));
    char c;
    CHECK_ERR(read(fds[0], &c, 1), EAGAIN);
    CHECK(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(fds[1], F_GETFD) & FD_CLOEXEC);
    CHECK_ERR(pipe2(fds, 0x1234), EINVAL);
    return 0;
}
