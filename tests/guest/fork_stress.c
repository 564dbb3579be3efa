/* Many lifetimes: 300 fork/exit/wait rounds, 64 children alive at once
 * reaped in any order, a fork chain 40 deep, and forkfork (children forking
 * concurrently). Every pid is reaped exactly once; nothing is left over. */
#include "t.h"

int main(void)
{
    for (int i = 0; i < 300; i++) {
        pid_t pid = t_fork();
        if (pid == 0)
            _exit(i & 0xff);
        CHECK_EQ(t_wait(pid), (i & 0xff) << 8);
    }

    enum { N = 64 };
    pid_t kids[N];
    int go[2];
    t_pipe(go);
    for (int i = 0; i < N; i++) {
        kids[i] = t_fork();
        if (kids[i] == 0) {
            close(go[1]);
            char c;
            (void)!read(go[0], &c, 1);
            _exit(i);
        }
    }
    close(go[0]);
    close(go[1]);
    int seen[N] = {0};
    for (int i = 0; i < N; i++) {
        int st;
        pid_t r = (pid_t)sys_wait4(-1, &st, 0, NULL);
        CHECK(r > 0);
        int idx = -1;
        for (int j = 0; j < N; j++)
            if (kids[j] == r)
                idx = j;
        CHECK(idx >= 0);
        CHECK_EQ(seen[idx], 0);
        seen[idx] = 1;
        CHECK_EXITED(st, idx);
    }
    int st;
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG, NULL), ECHILD);

    /* A chain: each process forks the next and waits for it. */
    pid_t top = t_fork();
    if (top == 0) {
        int depth = 0;
        for (; depth < 40; depth++) {
            pid_t c = t_fork();
            if (c != 0) {
                int s = t_wait(c);
                if (!WIFEXITED(s))
                    _exit(200);
                _exit(WEXITSTATUS(s) + 1 > 255 ? 255 : WEXITSTATUS(s) + 1);
            }
        }
        _exit(0);
    }
    CHECK_EQ(t_wait(top), 40 << 8);

    /* forkfork: several children each fork and reap a few grandchildren. */
    pid_t ff[8];
    for (int i = 0; i < 8; i++) {
        ff[i] = t_fork();
        if (ff[i] == 0) {
            for (int j = 0; j < 20; j++) {
                pid_t g = t_fork();
                if (g == 0)
                    _exit(j);
                if (t_wait(g) != j << 8)
                    _exit(1);
            }
            _exit(0);
        }
    }
    for (int i = 0; i < 8; i++)
        T_WAIT_OK(ff[i]);
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG, NULL), ECHILD);
    return 0;
}
