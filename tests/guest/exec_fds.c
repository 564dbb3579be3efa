/* execve closes O_CLOEXEC / FD_CLOEXEC descriptors and keeps the others,
 * at the same numbers. */
#include "t.h"

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "after") == 0) {
        int keep = atoi(argv[2]), gone = atoi(argv[3]);
        CHECK(fcntl(keep, F_GETFD) == 0);
        CHECK_ERR(fcntl(gone, F_GETFD), EBADF);
        CHECK_EQ(write(keep, "k", 1), 1);
        return 0;
    }
    const char *self = t_self_path(argv[0]);
    int keep[2], gone[2], viaf[2];
    t_pipe(keep);
    CHECK_SYS(pipe2(gone, O_CLOEXEC));
    t_pipe(viaf);
    CHECK_EQ(fcntl(gone[1], F_GETFD), FD_CLOEXEC);
    CHECK_SYS(fcntl(viaf[1], F_SETFD, FD_CLOEXEC));
    pid_t pid = t_fork();
    if (pid == 0) {
        char a1[16], a2[16];
        snprintf(a1, sizeof a1, "%d", keep[1]);
        snprintf(a2, sizeof a2, "%d", gone[1]);
        char *a[] = {(char *)self, "after", a1, a2, NULL};
        execv(self, a);
        _exit(127);
    }
    close(keep[1]);
    close(gone[1]);
    close(viaf[1]);
    CHECK_EQ(t_wait(pid), 0);
    char c;
    CHECK_EQ(read(keep[0], &c, 1), 1);
    CHECK_EQ(c, 'k');
    /* The exec closed the child's cloexec write ends: EOF now. */
    CHECK_EQ(read(gone[0], &c, 1), 0);
    CHECK_EQ(read(viaf[0], &c, 1), 0);
    return 0;
}
