/* A three-stage pipeline in its own process group (a shell's foreground job:
 * a writer | cat | cat, the cats being BusyBox's) is killed through the group
 * with SIGINT, as ^C kills it: every member must be reported killed by
 * SIGINT, never exited, however the signal meets them. Two writers:
 * - quiet: writes one line and pauses, so the signal finds the cats blocked
 *   in read or waking on EOF (40 rounds);
 * - busy: never stops writing (`yes | cat | cat`), so the signal finds the
 *   members mid-read, mid-write, or (when the test stopped reading first)
 *   each asleep writing to a full pipe (12 rounds). No member may see EPIPE,
 *   EOF or an I/O error from a neighbour's death and exit on its own first,
 *   since the signal reaches the whole group at once. */
#include "t.h"

#define QUIET_ROUNDS 40
#define BUSY_ROUNDS 12

enum writer { QUIET, BUSY };

static const char *busybox(void)
{
    return access("/bin/busybox", X_OK) == 0 ? "/bin/busybox" : NULL;
}

/* A member of the group `pgid` (0: a new group led by it): `cat` execs
 * BusyBox cat, otherwise it is the `writer`. */
static pid_t stage(pid_t pgid, int in, int out, int close_a, int close_b, int cat, enum writer writer)
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
        if (writer == QUIET) {
            if (write(1, "R\n", 2) != 2)
                _exit(94);
            for (;;)
                pause();
        }
        static char line[4096];
        memset(line, 'y', sizeof line);
        for (;;) {
            if (write(1, line, sizeof line) < 0)
                _exit(94); /* the pipe broke before SIGINT killed us */
        }
    }
    if (setpgid(pid, pgid ? pgid : pid) != 0 && errno != EACCES)
        FAIL("setpgid(%d): %s", (int)pid, t_errname(errno));
    return pid;
}

/* Reads `count` bytes (count 0: to EOF); returns what was read. */
static size_t drain(int fd, size_t count)
{
    static char buffer[8192];
    size_t total = 0;
    while (count == 0 || total < count) {
        size_t want = sizeof buffer;
        if (count && count - total < want)
            want = count - total;
        ssize_t n = read(fd, buffer, want);
        if (n < 0)
            FAIL("read: %s", t_errname(errno));
        if (n == 0)
            break;
        total += (size_t)n;
    }
    return total;
}

static void kill_round(enum writer writer, int round)
{
    int a[2], b[2], c[2];
    t_pipe(a);
    t_pipe(b);
    t_pipe(c);
    pid_t p[3];
    p[0] = stage(0, -1, a[1], a[0], b[0], 0, writer);
    p[1] = stage(p[0], a[0], b[1], a[1], c[0], 1, writer);
    p[2] = stage(p[0], b[0], c[1], b[1], a[1], 1, writer);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    close(c[1]);
    if (writer == QUIET) {
        CHECK_EQ(drain(c[0], 2), 2);
    } else {
        // A different amount each round, so the signal meets the members
        // at different points of their copy loops.
        size_t before = 1 + (size_t)round * 7919 % 65536;
        CHECK_EQ(drain(c[0], before), before);
        if (round % 2) {
            // Stop reading: every pipe fills and every member sleeps in
            // write (or, for a cat, in read of a pipe it just emptied).
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    CHECK_SYS(kill(-p[0], SIGINT));
    drain(c[0], 0); // what was in the last pipe, then EOF
    for (int i = 0; i < 3; i++) {
        int st = t_wait(p[i]);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGINT)
            FAIL("%s round %d: stage %d (pid %d) status 0x%x, not killed by SIGINT", writer == QUIET ? "quiet" : "busy",
                 round, i, (int)p[i], st);
    }
    close(c[0]);
}

int main(void)
{
    if (!busybox()) {
        printf("SKIP: no /bin/busybox\n");
        return T_SKIP;
    }
    for (int round = 0; round < QUIET_ROUNDS; round++)
        kill_round(QUIET, round);
    for (int round = 0; round < BUSY_ROUNDS; round++)
        kill_round(BUSY, round);
    return 0;
}
