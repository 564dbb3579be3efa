/* fork returns the child's pid in the parent and 0 in the child; getppid in
 * the child is the parent; the parent reaps exactly that pid. */
#include "t.h"

int main(void)
{
    pid_t parent = getpid();
    int fds[2];
    t_pipe(fds);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_EQ(getppid(), parent);
        CHECK(getpid() != parent);
        pid_t me = getpid();
        CHECK_EQ(write(fds[1], &me, sizeof me), sizeof me);
        _exit(0);
    }
    CHECK(pid > 0);
    pid_t reported;
    CHECK_EQ(read(fds[0], &reported, sizeof reported), sizeof reported);
    CHECK_EQ(reported, pid);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EXITED(st, 0);
    CHECK_ERR(waitpid(-1, &st, 0), ECHILD);
    return 0;
}
