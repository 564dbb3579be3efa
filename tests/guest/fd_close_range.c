/* close_range(2) (Linux 5.9+, CLOSE_RANGE_CLOEXEC 5.11+): closes or marks
 * close-on-exec the open descriptors of a range; EINVAL for first > last or
 * unknown flags; last = ~0U (closefrom's call) is capped at the table;
 * CLOSE_RANGE_UNSHARE acts on a private copy of a table shared through
 * CLONE_FILES, so the other process keeps its descriptors. */
#include "t.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static long sys_close_range(unsigned first, unsigned last, unsigned flags)
{
    return syscall(SYS_close_range, first, last, flags);
}

static int is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

static int is_cloexec(int fd)
{
    return CHECK_SYS(fcntl(fd, F_GETFD)) & FD_CLOEXEC;
}

/* fds 10, 11, 12 and 50 onto `fd`. */
static void place(int fd)
{
    CHECK_EQ(dup2(fd, 10), 10);
    CHECK_EQ(dup2(fd, 11), 11);
    CHECK_EQ(dup2(fd, 12), 12);
    CHECK_EQ(dup2(fd, 50), 50);
}

/* In a process sharing our table (clone CLONE_FILES, no CLONE_VM): runs
 * close_range with `flags` on [10, ~0U], checks its own view, puts `src`
 * at 60 and exits 0. */
static pid_t shared_child(unsigned flags, int src)
{
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_FILES | SIGCHLD), 0, NULL, NULL, 0);
    if (pid == -1)
        FAIL("clone: %s", t_errname(errno));
    if (pid == 0) {
        CHECK_EQ(sys_close_range(10, ~0U, flags), 0);
        if (flags & CLOSE_RANGE_CLOEXEC) {
            CHECK(is_cloexec(10) && is_cloexec(50));
        } else {
            CHECK(!is_open(10) && !is_open(50));
        }
        /* A descriptor opened now is in our table only (when unshared). */
        CHECK_EQ(dup2(src, 60), 60);
        _exit(0);
    }
    return (pid_t)pid;
}

int main(void)
{
    int p[2];
    t_pipe(p);

    /* Bad arguments, checked before anything is closed. */
    place(p[0]);
    CHECK_ERR(sys_close_range(12, 11, 0), EINVAL);
    CHECK_ERR(sys_close_range(~0U, 0, 0), EINVAL);
    CHECK_ERR(sys_close_range(10, 12, 1), EINVAL);
    CHECK_ERR(sys_close_range(10, 12, 1U << 3), EINVAL);
    CHECK_ERR(sys_close_range(10, 12, 0x80000000u), EINVAL);
    CHECK(is_open(10) && is_open(11) && is_open(12) && is_open(50));

    /* A middle range; the ends stay. */
    CHECK_EQ(sys_close_range(11, 12, 0), 0);
    CHECK(is_open(10) && !is_open(11) && !is_open(12) && is_open(50));
    /* first == last: one descriptor. Nothing open in the range: 0. */
    CHECK_EQ(sys_close_range(50, 50, 0), 0);
    CHECK(!is_open(50) && is_open(10));
    CHECK_EQ(sys_close_range(200, 300, 0), 0);
    CHECK_EQ(sys_close_range(~0U, ~0U, 0), 0);
    CHECK(is_open(10));

    /* CLOSE_RANGE_CLOEXEC marks, closes nothing, leaves the rest alone. */
    place(p[0]);
    CHECK_EQ(sys_close_range(11, ~0U, CLOSE_RANGE_CLOEXEC), 0);
    CHECK(!is_cloexec(10) && is_cloexec(11) && is_cloexec(12) && is_cloexec(50));
    CHECK(!is_cloexec(p[0]) && !is_cloexec(p[1]));

    /* closefrom(10): everything from 10 up, the pipe below stays. The
     * write end's last copy goes with the range: the reader sees EOF. */
    CHECK_EQ(dup2(p[1], 40), 40);
    close(p[1]);
    CHECK_EQ(sys_close_range(10, ~0U, 0), 0);
    CHECK(!is_open(10) && !is_open(11) && !is_open(40) && !is_open(50));
    CHECK(is_open(p[0]));
    char c;
    CHECK_EQ(read(p[0], &c, 1), 0);

    /* UNSHARE on a table nobody shares: as without the flag. */
    place(p[0]);
    CHECK_EQ(sys_close_range(10, 12, CLOSE_RANGE_UNSHARE), 0);
    CHECK(!is_open(10) && !is_open(12) && is_open(50));
    CHECK_EQ(sys_close_range(50, 50, 0), 0);

    /* Shared table without UNSHARE: the other process's close is ours. */
    place(p[0]);
    CHECK_EQ(t_wait(shared_child(0, p[0])), 0);
    CHECK(!is_open(10) && !is_open(50));
    CHECK(is_open(60));
    close(60);

    /* With UNSHARE the child closes (or marks) its own copy only. */
    place(p[0]);
    CHECK_EQ(t_wait(shared_child(CLOSE_RANGE_UNSHARE, p[0])), 0);
    CHECK(is_open(10) && is_open(11) && is_open(12) && is_open(50));
    CHECK(!is_open(60));
    CHECK_EQ(t_wait(shared_child(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC, p[0])), 0);
    CHECK(!is_cloexec(10) && !is_cloexec(50));
    CHECK(!is_open(60));

    /* A descriptor near RLIMIT_NOFILE, then closefrom(3): the table's own
     * size bounds the walk, however wide the range. */
    struct rlimit rl;
    CHECK_SYS(getrlimit(RLIMIT_NOFILE, &rl));
    int high = rl.rlim_cur > 1024 ? 1023 : (int)rl.rlim_cur - 1;
    CHECK_EQ(dup2(p[0], high), high);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ(sys_close_range(high + 1, ~0U, 0), 0);
    CHECK(is_open(high));
    CHECK_EQ(sys_close_range(3, ~0U, 0), 0);
    CHECK(!is_open(high) && !is_open(10) && !is_open(p[0]));
    return 0;
}
