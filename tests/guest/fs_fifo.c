/* Named pipes (mkfifo/mknod S_IFIFO): a blocking open waits for the other
 * side (reader and writer in two processes meet), O_NONBLOCK opens (reader:
 * at once; writer without a reader: ENXIO), O_RDWR never waits, data flows
 * and EOF follows the last writer, data left when every end closed is gone,
 * a signal interrupts a waiting open (EINTR without SA_RESTART). mknod of
 * a device node needs privilege (EPERM). */
#include "t.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

static char dir[] = "/tmp/fs_fifo_XXXXXX";
static char fifo[64];
static volatile int alarmed;
static void on_alarm(int sig)
{
    (void)sig;
    alarmed = 1;
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    snprintf(fifo, sizeof fifo, "%s/f", dir);
    CHECK_SYS(mkfifo(fifo, 0600));
    struct stat st;
    CHECK_SYS(stat(fifo, &st));
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_EQ(st.st_mode & 0777, 0600);
    CHECK_ERR(mkfifo(fifo, 0600), EEXIST);

    CHECK_ERR(open(fifo, O_WRONLY | O_NONBLOCK), ENXIO);
    int r = CHECK_SYS(open(fifo, O_RDONLY | O_NONBLOCK));
    char buf[16];
    CHECK_EQ(read(r, buf, sizeof buf), 0); /* no writer: EOF */
    int w = CHECK_SYS(open(fifo, O_WRONLY | O_NONBLOCK));
    CHECK_ERR(read(r, buf, sizeof buf), EAGAIN);
    CHECK_EQ(write(w, "xy", 2), 2);
    CHECK_EQ(read(r, buf, sizeof buf), 2);
    /* Left in the pipe when both ends close: gone. */
    CHECK_EQ(write(w, "zz", 2), 2);
    CHECK_SYS(close(w));
    CHECK_SYS(close(r));
    int rw = CHECK_SYS(open(fifo, O_RDWR | O_NONBLOCK));
    CHECK_ERR(read(rw, buf, sizeof buf), EAGAIN);
    CHECK_SYS(close(rw));
    rw = CHECK_SYS(open(fifo, O_RDWR)); /* never waits */
    CHECK_SYS(close(rw));

    /* Two processes meet: each blocking open waits for the other. */
    for (int round = 0; round < 2; round++) {
        pid_t pid = t_fork();
        if (pid == 0) {
            int fd = CHECK_SYS(open(fifo, round ? O_RDONLY : O_WRONLY));
            if (round) {
                char in[8] = {0};
                t_read_all(fd, in, 5);
                CHECK(memcmp(in, "hello", 5) == 0);
                CHECK_EQ(read(fd, in, sizeof in), 0);
            } else {
                CHECK_EQ(write(fd, "hello", 5), 5);
            }
            _exit(0);
        }
        int fd = CHECK_SYS(open(fifo, round ? O_WRONLY : O_RDONLY));
        if (round) {
            CHECK_EQ(write(fd, "hello", 5), 5);
        } else {
            char in[8] = {0};
            t_read_all(fd, in, 5);
            CHECK(memcmp(in, "hello", 5) == 0);
            CHECK_EQ(read(fd, in, sizeof in), 0); /* the writer exited */
        }
        CHECK_SYS(close(fd));
        T_WAIT_OK(pid);
    }

    /* A signal interrupts a waiting open. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    CHECK_SYS(sigaction(SIGALRM, &sa, NULL));
    struct itimerval it = {{0, 0}, {0, 50000}};
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
    CHECK_ERR(open(fifo, O_RDONLY), EINTR);
    CHECK(alarmed);

    /* Device nodes need privilege; FIFOs and regular files do not. */
    char node[80];
    snprintf(node, sizeof node, "%s/null", dir);
    if (t_is_root()) {
        uid_t uid = t_private_uid(0);
        pid_t pid = t_fork();
        if (pid == 0) {
            CHECK_SYS(setresuid(uid, uid, uid));
            CHECK_ERR(mknod(node, S_IFCHR | 0600, makedev(1, 3)), EACCES); /* dir is 0700 root's */
            _exit(0);
        }
        T_WAIT_OK(pid);
        CHECK_SYS(chmod(dir, 0777));
        pid = t_fork();
        if (pid == 0) {
            CHECK_SYS(setresuid(uid, uid, uid));
            CHECK_ERR(mknod(node, S_IFCHR | 0600, makedev(1, 3)), EPERM);
            char other[80];
            snprintf(other, sizeof other, "%s/plain", dir);
            CHECK_SYS(mknod(other, S_IFREG | 0600, 0));
            CHECK_SYS(unlink(other));
            _exit(0);
        }
        T_WAIT_OK(pid);
        CHECK_SYS(mknod(node, S_IFCHR | 0666, makedev(1, 3)));
        CHECK_SYS(stat(node, &st));
        CHECK(S_ISCHR(st.st_mode));
        CHECK_EQ(st.st_rdev, makedev(1, 3));
        CHECK_SYS(unlink(node));
    }
    CHECK_ERR(mknod(node, S_IFDIR | 0755, 0), EPERM);
    CHECK_ERR(mknod(node, 0170000 | 0755, 0), EINVAL);

    CHECK_SYS(unlink(fifo));
    CHECK_SYS(rmdir(dir));
    return 0;
}
