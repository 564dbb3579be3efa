/* setsid / getsid: a group leader cannot setsid (EPERM); a new session
 * leader has sid == pgid == pid, no controlling terminal, and cannot setsid
 * again or change its group; getsid of other processes (Linux allows any),
 * ESRCH for none; the session is inherited by fork. */
#include "t.h"
#include <sys/ioctl.h>
#include <termios.h>

int main(void)
{
    pid_t c = t_fork();
    if (c == 0) {
        CHECK_SYS(setpgid(0, 0));
        CHECK_ERR(setsid(), EPERM); /* a process group leader */
        _exit(0);
    }
    T_WAIT_OK(c);

    int ready[2], go[2];
    t_pipe(ready);
    t_pipe(go);
    /* Linux reports 0 when our session leader lives outside our pid
     * namespace (CI runs the native suites in such a container). */
    pid_t mysid = getsid(0);
    CHECK(mysid >= 0);
    CHECK_EQ(getsid(getpid()), mysid);
    CHECK_ERR(getsid(INT_MAX), ESRCH);
    c = t_fork();
    if (c == 0) {
        CHECK_EQ(getsid(0), mysid); /* inherited */
        pid_t s = setsid();
        CHECK_EQ(s, getpid());
        CHECK_EQ(getsid(0), getpid());
        CHECK_EQ(getpgrp(), getpid());
        CHECK_ERR(setsid(), EPERM);
        CHECK_ERR(setpgid(0, 0), EPERM); /* a session leader can't move */
        CHECK_ERR(setpgid(0, getppid()), EPERM);
        /* No controlling terminal in a new session (if there is a /dev/tty
         * at all: an initramfs may have none). */
        if (access("/dev/tty", F_OK) == 0) {
            int fd = open("/dev/tty", O_RDWR);
            CHECK(fd == -1);
            CHECK_EQ(errno, ENXIO);
        }
        /* Children inherit the new session. */
        pid_t g = t_fork();
        if (g == 0) {
            CHECK_EQ(getsid(0), getppid());
            CHECK_EQ(getpgrp(), getppid());
            CHECK_SYS(setpgid(0, 0)); /* may form a group in this session */
            CHECK_ERR(setpgid(0, INT_MAX), EPERM);
            _exit(0);
        }
        T_WAIT_OK(g);
        t_send(ready[1], 'r');
        t_recv(go[0]);
        _exit(0);
    }
    t_recv(ready[0]);
    CHECK_EQ(getsid(c), c); /* another session's sid is visible */
    CHECK_EQ(getpgid(c), c);
    t_send(go[1], 'g');
    T_WAIT_OK(c);
    return 0;
}
