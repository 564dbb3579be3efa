/* Terminal behaviour, driven from outside by tests/tty/scenarios.py (the
 * tty suite): each mode below is one scenario's program. It prints what it
 * sees and checks what it can itself; the driver types into the terminal
 * and checks the output. The same program runs natively under a pty and in
 * Charon on the serial console.
 *
 *   ttytest MODE
 *
 * Natively the driver makes us a session leader controlling the pty; under
 * Charon, init starts us as a session leader without a controlling
 * terminal, fds 0-2 on /dev/console, and tty_init() acquires it. */
#include <sys/ioctl.h>
#include <termios.h>

#include "t.h"

static void say(const char *format, ...)
{
    char line[256];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n > (int)sizeof line - 1)
        n = sizeof line - 1;
    t_write_all(1, line, (size_t)n);
}

static void tty_init(void)
{
    pid_t sid;
    if (ioctl(0, TIOCGSID, &sid) == 0)
        return;
    CHECK_SYS(ioctl(0, TIOCSCTTY, 0));
}

static void read_exact(int fd, char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t got = read(fd, buf + done, n - done);
        CHECK(got > 0);
        done += (size_t)got;
    }
}

/* Raw mode (VMIN 1, VTIME 0): bytes arrive as typed, no echo, no CR
 * mapping. */
static int mode_raw(void)
{
    struct termios saved, raw;
    CHECK_SYS(tcgetattr(0, &saved));
    raw = saved;
    cfmakeraw(&raw);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    CHECK_SYS(tcsetattr(0, TCSANOW, &raw));
    say("ready\n");
    char got[4];
    read_exact(0, got, 4);
    say("got %02x%02x%02x%02x\n", got[0], got[1], got[2], got[3]);
    CHECK_SYS(tcsetattr(0, TCSANOW, &saved));
    return 0;
}

struct mode {
    const char *name;
    int (*run)(void);
};

static const struct mode modes[] = {
    {"raw", mode_raw},
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        say("usage: ttytest MODE\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(argv[1], modes[i].name) == 0) {
            tty_init();
            return modes[i].run();
        }
    }
    say("ttytest: unknown mode %s\n", argv[1]);
    return 2;
}
