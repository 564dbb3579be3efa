/* A three-stage pipeline in its own process group (a shell's foreground job:
 * a writer | cat | cat, the cats being BusyBox's) is killed through the group
 * with SIGINT once data has flowed end to end: every member must be reported
 * killed by SIGINT, never exited, however the signal meets them. Repeated, so
 * that the signal lands in many states (blocked in read, waking on EOF). */
#include "t.h"

#define ROUNDS 40

static const char *busybox(void)
{
    return access("/bin/busybox", X_OK) == 0 ? "/bin/busybox" : NULL;
}

static pid_t stage(pid_t pgid, int in, int out, int close_a, int close_b, int cat)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        if (setpgid(0, pgid) != 0)
            _exit(90);
        if (in >= 0 && dup2(in, 0) < 0)
            _exit(91);
        if (dup2(out, 1) < 0)
            _exit(92);
        close(close_a);
        close(close_b);
        if (cat) {
            execl(busybox(), "cat", (char *)NULL);
            _exit(93);
        }
        if (write(1, "R\n", 2) != 2)
            _exit(94);
        for (;;)
            pause();
    }
    if (setpgid(pid, pgid ? pgid : pid) != 0 && errno != EACCES)
        FAIL("setpgid(%d): %s", (int)pid, t_errname(errno));
    return pid;
}

int main(void)
{
    if (!busybox()) {
        printf("SKIP: no /bin/busybox\n");
        return T_SKIP;
    }
    for (int round = 0; round < ROUNDS; round++) {
        int a[2], b[2], c[2];
        t_pipe(a);
        t_pipe(b);
        t_pipe(c);
        pid_t p[3];
        p[0] = stage(0, -1, a[1], a[0], b[0], 0);
        p[1] = stage(p[0], a[0], b[1], a[1], c[0], 1);
        p[2] = stage(p[0], b[0], c[1], b[1], a[1], 1);
        close(a[0]);
        close(a[1]);
        close(b[0]);
        close(b[1]);
        close(c[1]);
        char got[2];
        CHECK_EQ(read(c[0], got, 2), 2);
        CHECK_SYS(kill(-p[0], SIGINT));
        for (int i = 0; i < 3; i++) {
            int st = t_wait(p[i]);
            if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGINT)
                FAIL("round %d: stage %d (pid %d) status 0x%x, not killed by SIGINT", round, i, (int)p[i], st);
        }
        close(c[0]);
    }
    return 0;
}
