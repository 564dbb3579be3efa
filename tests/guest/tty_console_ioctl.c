/* Console ioctls: termios round trip, TIOCGWINSZ, TIOCSCTTY and the foreground group (skips when fd 1 is not a terminal). */
#include "t.h"
#include <sys/ioctl.h>
#include <termios.h>

int main(void)
{
    if (!isatty(1))
        return 77;
    struct termios a, b;
    CHECK_SYS(tcgetattr(1, &a));
    b = a;
    b.c_lflag ^= ECHO;
    CHECK_SYS(tcsetattr(1, TCSANOW, &b));
    struct termios c;
    CHECK_SYS(tcgetattr(1, &c));
    CHECK_EQ(c.c_lflag, b.c_lflag);
    CHECK_SYS(tcsetattr(1, TCSAFLUSH, &a));
    struct winsize ws;
    CHECK_SYS(ioctl(1, TIOCGWINSZ, &ws));
    CHECK_ERR(ioctl(1, TIOCGWINSZ, BAD_PTR_KERNEL), EFAULT);
    /* A new session has no controlling terminal until TIOCSCTTY. */
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(setsid());
        pid_t pg;
        CHECK_ERR(ioctl(1, TIOCGPGRP, &pg), ENOTTY);
        CHECK_SYS(ioctl(1, TIOCSCTTY, 1));
        CHECK_SYS(ioctl(1, TIOCGPGRP, &pg));
        CHECK_EQ(pg, getpgrp());
        CHECK_EQ(tcgetpgrp(1), getpgrp());
        CHECK_SYS(tcsetpgrp(1, getpgrp()));
        pid_t other = 999999;
        CHECK_ERR(ioctl(1, TIOCSPGRP, &other), ESRCH);
        _exit(0);
    }
    CHECK_EQ(t_wait(pid), 0);
    return 0;
}
