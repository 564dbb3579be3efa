/* kill(-1, sig) signals every process the caller may signal except itself
 * (and init). Natively this would reach the whole machine, so it is done only
 * from a child that first switched to a unique unprivileged uid (t_private_uid): it can only
 * reach its own two children, which must die; it must survive. */
#include "t.h"

int main(void)
{
    T_REQUIRE_ROOT();
    uid_t uid = t_private_uid(0);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(setsid());
        CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
        CHECK_SYS(setresgid(uid, uid, uid));
        CHECK_SYS(setresuid(uid, uid, uid));
        if (getuid() != uid || geteuid() != uid)
            _exit(3); /* never run kill(-1) as anything else */
        int ready[2];
        t_pipe(ready);
        pid_t kids[2];
        for (int i = 0; i < 2; i++) {
            kids[i] = t_fork();
            if (kids[i] == 0) {
                t_send(ready[1], 'k');
                for (;;)
                    pause();
            }
            t_recv(ready[0]);
        }
        /* The caller keeps SIGUSR1's default action: if kill(-1) hit it, it
         * would die and the parent would see that. */
        CHECK_SYS(kill(-1, SIGUSR1));
        CHECK_EQ(t_wait(kids[0]), SIGUSR1);
        CHECK_EQ(t_wait(kids[1]), SIGUSR1);
        _exit(0);
    }
    T_WAIT_OK(pid);
    return 0;
}
