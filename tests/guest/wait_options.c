/* wait4 option validation and WNOHANG semantics: 0 with live children,
 * ECHILD with none, the pid once the child is a zombie. */
#include "t.h"

int main(void)
{
    int st;
    /* Invalid option bits are EINVAL even with no children (checked first).
     * WEXITED and WNOWAIT belong to waitid only. */
    static const int bad[] = {0x10, 0x100, WEXITED, WNOWAIT, 0x08000000, 0x10000000, 0x4000};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        long r = sys_wait4(-1, &st, bad[i], NULL);
        if (r != -1 || errno != EINVAL)
            FAIL("wait4 options 0x%x: got %ld errno %s, want EINVAL", bad[i], r, t_errname(errno));
    }
    /* Valid bits with no child: ECHILD. */
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WNOTHREAD, NULL),
              ECHILD);
    CHECK_ERR(sys_wait4(-1, &st, __WCLONE, NULL), ECHILD);

    int go[2];
    t_pipe(go);
    pid_t pid = t_fork();
    if (pid == 0) {
        close(go[1]);
        t_recv(go[0]);
        _exit(5);
    }
    close(go[0]);
    st = 0x1234;
    CHECK_EQ(sys_wait4(-1, &st, WNOHANG, NULL), 0);
    CHECK_EQ(sys_wait4(pid, &st, WNOHANG, NULL), 0);
    CHECK_EQ(sys_wait4(0, &st, WNOHANG | WUNTRACED | WCONTINUED, NULL), 0);
    CHECK_ERR(sys_wait4(pid, &st, WNOHANG | 0x10, NULL), EINVAL);
    /* The status word is not written when nothing is reported. */
    CHECK_EQ(st, 0x1234);
    /* A NULL status pointer is fine. */
    CHECK_EQ(sys_wait4(pid, NULL, WNOHANG, NULL), 0);
    t_send(go[1], 'x');
    siginfo_t si;
    CHECK_SYS(sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL));
    CHECK_EQ(sys_wait4(-1, &st, WNOHANG, NULL), pid);
    CHECK_EXITED(st, 5);
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG, NULL), ECHILD);
    /* NULL status with a zombie: reaped, nothing written. */
    pid = t_fork();
    if (pid == 0)
        _exit(3);
    CHECK_EQ(sys_wait4(pid, NULL, 0, NULL), pid);
    CHECK_ERR(sys_wait4(pid, NULL, WNOHANG, NULL), ECHILD);
    return 0;
}
