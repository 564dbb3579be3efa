/* fork fails with EAGAIN at RLIMIT_NPROC (counted per real uid) and works
 * again once children are reaped; descriptors and children do not leak
 * across many lifetimes (the lowest free fd is back to its baseline). */
#include "t.h"

int main(void)
{
    int base = dup(0);
    CHECK(base >= 0);
    close(base);
    for (int i = 0; i < 100; i++) {
        int fds[2];
        t_pipe(fds);
        pid_t pid = t_fork();
        if (pid == 0) {
            close(fds[0]);
            _exit(0);
        }
        close(fds[1]);
        char c;
        CHECK_EQ(read(fds[0], &c, 1), 0);
        close(fds[0]);
        CHECK_EQ(t_wait(pid), 0);
    }
    int again = dup(0);
    CHECK_EQ(again, base);
    close(again);

    if (!t_is_root()) {
        printf("SKIP: RLIMIT_NPROC part needs a private uid\n");
        return 0;
    }
    uid_t uid = t_private_uid(0);
    pid_t pid = t_fork();
    if (pid == 0) {
        struct rlimit rl = {10, 10};
        CHECK_SYS(setrlimit(RLIMIT_NPROC, &rl));
        CHECK_SYS(setresuid(uid, uid, uid));
        int go[2];
        t_pipe(go);
        pid_t kids[20];
        int n = 0;
        for (; n < 20; n++) {
            pid_t k = fork();
            if (k == -1) {
                CHECK_EQ(errno, EAGAIN);
                break;
            }
            if (k == 0) {
                close(go[1]);
                char c;
                (void)!read(go[0], &c, 1);
                _exit(0);
            }
            kids[n] = k;
        }
        /* We count too (same real uid): 9 children fit under a limit of 10. */
        CHECK_EQ(n, 9);
        close(go[1]);
        for (int i = 0; i < n; i++)
            CHECK_EQ(t_wait(kids[i]), 0);
        pid_t k = fork();
        CHECK(k >= 0);
        if (k == 0)
            _exit(0);
        CHECK_EQ(t_wait(k), 0);
        _exit(0);
    }
    T_WAIT_OK(pid);
    return 0;
}
