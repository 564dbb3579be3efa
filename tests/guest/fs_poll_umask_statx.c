/* File syscalls beyond open/read/write: umask, ppoll with a
 * signal mask, poll on pipes, statx, readlink, getdents64, ioctl on a pipe,
 * dup3, EFAULT on getcwd. Must pass natively and in Charon. */
#include "t.h"
#include <poll.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <termios.h>
struct sx_ts { int64_t tv_sec; uint32_t tv_nsec; int32_t r; };
struct statx { uint32_t stx_mask, stx_blksize; uint64_t stx_attributes; uint32_t stx_nlink, stx_uid, stx_gid;
  uint16_t stx_mode, sp0; uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
  struct sx_ts a, b, c, m; uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor; uint64_t sp[14]; };
#define STATX_BASIC_STATS 0x7ff
#include <sys/sysmacros.h>
#define my_statx(d, p, f, m, b) syscall(332, d, p, f, m, b)

static volatile int got;
static void on_usr1(int s) { (void)s; got = 1; }

int main(void)
{
    /* umask: returns the previous mask, keeps 0777 bits, inherited by fork. */
    mode_t old = umask(027);
    CHECK_EQ(umask(01777), 027);
    CHECK_EQ(umask(old), 0777);
    umask(077);
    pid_t pid = t_fork();
    if (pid == 0)
        _exit(umask(0) == 077 ? 0 : 1);
    CHECK_EQ(t_wait(pid), 0);
    umask(old);

    /* poll on a pipe, timeout then readiness. */
    int p[2];
    t_pipe(p);
    struct pollfd f[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    CHECK_EQ(poll(f, 1, 10), 0);
    CHECK_EQ(poll(f, 2, 0), 1);
    CHECK_EQ(f[1].revents, POLLOUT);
    t_send(p[1], 'a');
    CHECK_EQ(poll(f, 2, -1), 2);
    CHECK_EQ(f[0].revents, POLLIN);
    int n = -1;
    CHECK_SYS(ioctl(p[0], FIONREAD, &n));
    CHECK_EQ(n, 1);
    struct winsize ws;
    CHECK_ERR(ioctl(p[0], TIOCGWINSZ, &ws), ENOTTY);
    struct termios tio;
    CHECK_ERR(tcgetattr(p[0], &tio), ENOTTY);
    CHECK(!isatty(p[0]));

    /* ppoll: SIGUSR1 blocked outside, unblocked inside; it interrupts the
     * wait, its handler runs, and the old mask is back afterwards. */
    signal(SIGUSR1, on_usr1);
    t_block(SIGUSR1);
    struct pollfd g = {p[1] , 0, 0};
    (void)g;
    struct pollfd e = {p[0], POLLPRI, 0};
    raise(SIGUSR1); /* pending, blocked */
    sigset_t none;
    sigemptyset(&none);
    struct timespec ts = {5, 0};
    CHECK_ERR(ppoll(&e, 1, &ts, &none), EINTR);
    CHECK_EQ(got, 1);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(sigismember(&now, SIGUSR1));
    /* Not interrupted: the mask comes back at once. */
    sigset_t all_but;
    sigfillset(&all_but);
    struct timespec zero = {0, 0};
    CHECK_EQ(ppoll(&e, 1, &zero, &all_but), 0);
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(!sigismember(&now, SIGUSR2));
    struct timespec bad = {0, 1000000000};
    CHECK_ERR(ppoll(&e, 1, &bad, NULL), EINVAL);

    /* EPIPE + SIGPIPE ignored. */
    signal(SIGPIPE, SIG_IGN);
    close(p[0]);
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
    close(p[1]);

    /* statx and stat agree. */
    struct stat st;
    CHECK_SYS(stat("/", &st));
    struct statx sx;
    CHECK_SYS(my_statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, &sx));
    CHECK_EQ(sx.stx_ino, st.st_ino);
    CHECK_EQ(sx.stx_mode, st.st_mode);
    CHECK_EQ(sx.stx_nlink, st.st_nlink);
    CHECK_EQ(makedev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
    CHECK_ERR(my_statx(AT_FDCWD, "/", 0x6000, STATX_BASIC_STATS, &sx), EINVAL);
    CHECK_SYS(stat("/dev/null", &st));
    CHECK_SYS(my_statx(AT_FDCWD, "/dev/null", 0, STATX_BASIC_STATS, &sx));
    CHECK_EQ(makedev(sx.stx_rdev_major, sx.stx_rdev_minor), st.st_rdev);
    CHECK_EQ(sx.stx_rdev_major, 1);
    CHECK_EQ(sx.stx_rdev_minor, 3);

    /* getcwd, dup3, readdir of /. */
    CHECK_ERR(syscall(SYS_getcwd, BAD_PTR_KERNEL, 100), EFAULT);
    int d = CHECK_SYS(dup3(0, 50, O_CLOEXEC));
    CHECK_EQ(fcntl(d, F_GETFD), FD_CLOEXEC);
    close(d);
    DIR* dir = opendir("/");
    CHECK(dir);
    int dots = 0, dev = 0;
    struct dirent* ent;
    while ((ent = readdir(dir))) {
        if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
            dots++;
        if (!strcmp(ent->d_name, "dev"))
            dev = ent->d_type == DT_DIR;
    }
    closedir(dir);
    CHECK_EQ(dots, 2);
    CHECK_EQ(dev, 1);
    return 0;
}
