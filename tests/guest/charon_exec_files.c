/* execve in a process sharing its descriptor table (CLONE_FILES) closes its
 * FD_CLOEXEC descriptors in a private copy: the other process keeps them
 * (Linux unshare_files). Passes on Linux too; named charon_ because it
 * tests a Charon fix, not because it needs Charon. */
#include "t.h"

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0) {
        /* The cloexec descriptor is gone here. */
        int fd = atoi(argv[2]);
        return fcntl(fd, F_GETFD) == -1 && errno == EBADF ? 0 : 1;
    }
    const char *self = t_self_path(argv[0]);
    int p[2];
    t_pipe(p);
    CHECK_SYS(fcntl(p[0], F_SETFD, FD_CLOEXEC));
    char fdbuf[16];
    snprintf(fdbuf, sizeof fdbuf, "%d", p[0]);
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_FILES | SIGCHLD), 0, NULL, NULL, 0);
    if (pid == -1)
        FAIL("clone");
    if (pid == 0) {
        char *a[] = {(char *)self, "child", fdbuf, NULL};
        execv(self, a);
        _exit(127);
    }
    CHECK_EQ(t_wait((pid_t)pid), 0);
    /* Still open in the parent. */
    CHECK(fcntl(p[0], F_GETFD) != -1);
    CHECK_EQ(write(p[1], "x", 1), 1);
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    return 0;
}
