/* vfork + execve: the parent resumes as soon as the child has exec'ed, not
 * when it exits; the exec'ed child's later exit does not stop the parent. */
#include "t.h"

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0) {
        /* Block until the parent (which must be running) writes to us. */
        int fd = atoi(argv[2]);
        char c;
        if (read(fd, &c, 1) != 1)
            return 10;
        return c == 'p' ? 42 : 11;
    }
    const char *self = t_self_path(argv[0]);
    int fds[2];
    t_pipe(fds);
    char fdarg[16];
    snprintf(fdarg, sizeof fdarg, "%d", fds[0]);
    volatile int exec_failed = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        char *args[] = {(char *)self, "child", fdarg, NULL};
        execv(self, args);
        exec_failed = 1;
        _exit(127);
    }
    CHECK(pid > 0);
    CHECK_EQ(exec_failed, 0);
    /* We run while the child still waits for us: write, then reap. */
    int st;
    CHECK_EQ(sys_wait4(pid, &st, WNOHANG, NULL), 0);
    t_send(fds[1], 'p');
    CHECK_EQ(t_wait(pid), 42 << 8);

    /* A failed exec in the vfork child: the parent resumes at its exit. */
    pid = vfork();
    if (pid == 0) {
        char *args[] = {"/nonexistent/x", NULL};
        execv("/nonexistent/x", args);
        exec_failed = errno;
        _exit(127);
    }
    CHECK_EQ(exec_failed, ENOENT);
    CHECK_EQ(t_wait(pid), 127 << 8);
    return 0;
}
