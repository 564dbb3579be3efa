/* wait4 and waitid with bad user pointers: EFAULT, for an unmapped low
 * address, a kernel address and a non-canonical one. Linux copies the
 * results out after reaping, so the child is gone afterwards (ECHILD). */
#include "t.h"

static void *const bad[] = {BAD_PTR_LOW, BAD_PTR_KERNEL, BAD_PTR_NONCANON};

static pid_t zombie(void)
{
    pid_t pid = t_fork();
    if (pid == 0)
        _exit(1);
    siginfo_t si;
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
    return pid;
}

int main(void)
{
    int st;
    for (int i = 0; i < 3; i++) {
        pid_t pid = zombie();
        CHECK_ERR(sys_wait4(pid, bad[i], 0, NULL), EFAULT);
        CHECK_ERR(sys_wait4(pid, &st, WNOHANG, NULL), ECHILD);

        pid = zombie();
        CHECK_ERR(sys_wait4(pid, &st, 0, bad[i]), EFAULT);
        CHECK_ERR(sys_wait4(pid, &st, WNOHANG, NULL), ECHILD);

        pid = zombie();
        CHECK_ERR(sys_waitid(P_PID, pid, bad[i], WEXITED, NULL), EFAULT);
        CHECK_ERR(sys_wait4(pid, &st, WNOHANG, NULL), ECHILD);

        pid = zombie();
        siginfo_t si;
        CHECK_ERR(sys_waitid(P_PID, pid, &si, WEXITED, bad[i]), EFAULT);
        CHECK_ERR(sys_wait4(pid, &st, WNOHANG, NULL), ECHILD);

        /* Nothing to report (WNOHANG, live child): waitid still writes the
         * zeroed siginfo, so a bad infop faults; wait4 writes nothing. */
        int go[2];
        t_pipe(go);
        pid = t_fork();
        if (pid == 0) {
            t_recv(go[0]);
            _exit(0);
        }
        CHECK_ERR(sys_waitid(P_PID, pid, bad[i], WEXITED | WNOHANG, NULL), EFAULT);
        CHECK_EQ(sys_wait4(pid, bad[i], WNOHANG, bad[i]), 0);
        t_send(go[1], 'g');
        CHECK_EQ(t_wait(pid), 0);
        close(go[0]);
        close(go[1]);
    }
    return 0;
}
