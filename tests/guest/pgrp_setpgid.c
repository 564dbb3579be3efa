/* setpgid / getpgid / getpgrp: moving self and children, inheritance by
 * fork, and the errors: EINVAL (negative pgid), ESRCH (not self or a child),
 * EACCES (child has exec'ed), EPERM (child in another session, target group
 * in another session or nonexistent, session leader). */
#include "t.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "idle") == 0) {
        char c = 'e';
        (void)!write(1, &c, 1); /* tell the parent the exec is done */
        (void)!read(0, &c, 1);  /* until the parent closes our stdin */
        return 0;
    }
    const char *self = t_self_path(argv[0]);
    /* Work in a child that is not a session or group leader. */
    pid_t top = t_fork();
    if (top != 0) {
        T_WAIT_OK(top);
        return 0;
    }
    CHECK_EQ(getpgid(0), getpgrp());
    CHECK_EQ(getpgid(getpid()), getpgrp());
    CHECK(getpgrp() != getpid());
    CHECK_ERR(setpgid(0, -1), EINVAL);
    CHECK_ERR(setpgid(-1, 0), EINVAL);       /* negative pid: EINVAL on Linux */
    CHECK_ERR(setpgid(getppid(), 0), ESRCH); /* our parent: not a child */
    CHECK_ERR(setpgid(0, INT_MAX), EPERM);   /* no such group */
    CHECK_ERR(getpgid(INT_MAX), ESRCH);
    CHECK_ERR(getpgid(-1), ESRCH);
    pid_t oldpg = getpgrp();
    CHECK_SYS(setpgid(0, 0));
    CHECK_EQ(getpgrp(), getpid());
    CHECK_SYS(setpgid(0, oldpg)); /* back into an existing group of our session */
    CHECK_EQ(getpgrp(), oldpg);
    CHECK_SYS(setpgid(getpid(), getpid()));
    CHECK_EQ(getpgrp(), getpid());

    /* Children inherit the group; we can move them while they have not
     * exec'ed. */
    int ready[2], go[2];
    t_pipe(ready);
    t_pipe(go);
    pid_t c = t_fork();
    if (c == 0) {
        CHECK_EQ(getpgrp(), getppid());
        t_send(ready[1], 'r');
        t_recv(go[0]);
        _exit(0);
    }
    t_recv(ready[0]);
    CHECK_EQ(getpgid(c), getpid());
    CHECK_SYS(setpgid(c, 0));
    CHECK_EQ(getpgid(c), c);
    CHECK_SYS(setpgid(c, getpid()));
    CHECK_EQ(getpgid(c), getpid());
    /* Grandchild is not ours. */
    t_send(go[1], 'g');
    T_WAIT_OK(c);
    CHECK_ERR(setpgid(c, 0), ESRCH); /* reaped */

    /* A child in another session. */
    c = t_fork();
    if (c == 0) {
        CHECK_SYS(setsid());
        t_send(ready[1], 'r');
        t_recv(go[0]);
        _exit(0);
    }
    t_recv(ready[0]);
    CHECK_ERR(setpgid(c, c), EPERM);
    CHECK_ERR(setpgid(c, getpid()), EPERM);
    CHECK_ERR(setpgid(0, c), EPERM); /* its group is in another session */
    CHECK_EQ(getsid(c), c);
    CHECK_EQ(getpgid(c), c);
    t_send(go[1], 'g');
    T_WAIT_OK(c);

    /* A child that has exec'ed. */
    int in[2], out[2];
    t_pipe(in);
    t_pipe(out);
    c = t_fork();
    if (c == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        char *a[] = {(char *)self, "idle", NULL};
        execv(self, a);
        _exit(127);
    }
    close(in[0]);
    CHECK_EQ(t_recv(out[0]), 'e');
    CHECK_ERR(setpgid(c, c), EACCES);
    CHECK_ERR(setpgid(c, getpgrp()), EACCES);
    CHECK_EQ(getpgid(c), getpgrp()); /* reading it is still fine */
    close(in[1]);
    T_WAIT_OK(c);
    _exit(0);
}
