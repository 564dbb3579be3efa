/* Pipe EOF once every writer is gone (including by exit); files are closed
 * before the parent can reap: after wait returns, the pipe is at EOF. */
#include "t.h"

int main(void)
{
    for (int i = 0; i < 50; i++) {
        int fds[2];
        t_pipe(fds);
        pid_t pid = t_fork();
        if (pid == 0) {
            /* The child keeps the write end open and exits. */
            close(fds[0]);
            _exit(0);
        }
        close(fds[1]);
        CHECK_EQ(t_wait(pid), 0);
        /* Reaped: the child's write end is certainly closed. */
        CHECK_SYS(fcntl(fds[0], F_SETFL, O_NONBLOCK));
        char c;
        CHECK_EQ(read(fds[0], &c, 1), 0);
        close(fds[0]);
    }
    /* Two writers: EOF only after both are gone; data first. */
    int fds[2], go[2];
    t_pipe(fds);
    t_pipe(go);
    pid_t a = t_fork();
    if (a == 0) {
        close(fds[0]);
        CHECK_EQ(write(fds[1], "a", 1), 1);
        _exit(0);
    }
    pid_t b = t_fork();
    if (b == 0) {
        close(fds[0]);
        close(go[1]);
        t_recv(go[0]);
        CHECK_EQ(write(fds[1], "b", 1), 1);
        _exit(0);
    }
    close(fds[1]);
    close(go[0]);
    char c;
    CHECK_EQ(read(fds[0], &c, 1), 1);
    CHECK_EQ(c, 'a');
    CHECK_EQ(t_wait(a), 0);
    CHECK_SYS(fcntl(fds[0], F_SETFL, O_NONBLOCK));
    CHECK_ERR(read(fds[0], &c, 1), EAGAIN); /* b still holds a writer */
    t_send(go[1], 'g');
    CHECK_EQ(t_wait(b), 0);
    CHECK_EQ(read(fds[0], &c, 1), 1);
    CHECK_EQ(c, 'b');
    CHECK_EQ(read(fds[0], &c, 1), 0);
    /* A blocking reader is woken by the writer's death (SIGKILL). */
    int p2[2];
    t_pipe(p2);
    pid_t k = t_fork();
    if (k == 0) {
        close(p2[0]);
        for (;;)
            pause();
    }
    close(p2[1]);
    CHECK_SYS(kill(k, SIGKILL));
    CHECK_EQ(read(p2[0], &c, 1), 0);
    CHECK_EQ(t_wait(k), SIGKILL);
    return 0;
}
