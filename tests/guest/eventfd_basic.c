/* eventfd(2)/eventfd2(2): flags, the initial value, counter and semaphore
 * reads, 8-byte reads and writes (a shorter read or any other write size is
 * EINVAL; a longer read fills 8), the 2^64-1 limits, EAGAIN, blocking reads
 * and writes woken from another process, poll (POLLIN, POLLOUT), and what
 * fstat and /proc/self/fd say. */
#include "t.h"

#include <sys/eventfd.h>
#include <sys/stat.h>

static uint64_t get(int fd)
{
    uint64_t v = 0;
    CHECK_EQ(read(fd, &v, sizeof v), 8);
    return v;
}

static void put(int fd, uint64_t v) { CHECK_EQ(write(fd, &v, sizeof v), 8); }

static int poll_events(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
    CHECK_EQ(poll(&p, 1, 0), p.revents ? 1 : 0);
    return p.revents;
}

int main(void)
{
    CHECK_ERR(syscall(SYS_eventfd2, 0, O_APPEND), EINVAL);
    CHECK_ERR(syscall(SYS_eventfd2, 0, 8), EINVAL);

    /* Plain eventfd(2): no flags, blocking, inherited by exec. */
    int fd = (int)CHECK_SYS(syscall(SYS_eventfd, 5));
    CHECK_EQ(fcntl(fd, F_GETFD), 0);
    CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_mode, 0600); /* anon_inode: no type bits */
    char path[64], link[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n >= 0) {
        link[n] = 0;
        if (strcmp(link, "anon_inode:[eventfd]") != 0)
            FAIL("fd link %s", link);
    }
    CHECK_EQ(poll_events(fd), POLLIN | POLLOUT);
    CHECK_EQ(get(fd), 5);
    CHECK_EQ(poll_events(fd), POLLOUT);
    close(fd);

    fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    uint64_t v = 0;
    char buf[16];
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    CHECK_ERR(read(fd, buf, 7), EINVAL);
    CHECK_ERR(write(fd, buf, 7), EINVAL);
    CHECK_EQ(lseek(fd, 100, SEEK_SET), 0); /* noop_llseek */
    v = UINT64_MAX;
    CHECK_ERR(write(fd, &v, 8), EINVAL);
    CHECK_ERR(write(fd, BAD_PTR_LOW, 8), EFAULT);
    put(fd, 3);
    put(fd, 4);
    /* A write is exactly 8 bytes; a read takes a longer buffer, fills 8. */
    uint64_t two[2] = {10, 1000};
    CHECK_ERR(write(fd, two, sizeof two), EINVAL);
    CHECK_EQ(write(fd, two, 8), 8);
    memset(buf, 0x5a, sizeof buf);
    CHECK_EQ(read(fd, buf, sizeof buf), 8);
    memcpy(&v, buf, 8);
    CHECK_EQ(v, 17);
    CHECK_EQ((unsigned char)buf[8], 0x5a);
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    /* Writing 0 succeeds and changes nothing. */
    put(fd, 0);
    CHECK_EQ(poll_events(fd), POLLOUT);
    /* The ceiling is 2^64-2: one more is EAGAIN, and no POLLOUT there. */
    put(fd, UINT64_MAX - 1);
    CHECK_EQ(poll_events(fd), POLLIN);
    v = 1;
    CHECK_ERR(write(fd, &v, 8), EAGAIN);
    CHECK_EQ(get(fd), UINT64_MAX - 1);
    put(fd, UINT64_MAX - 2);
    put(fd, 1);
    CHECK_ERR(write(fd, &v, 8), EAGAIN);
    CHECK_EQ(get(fd), UINT64_MAX - 1);
    close(fd);

    /* EFD_SEMAPHORE: each read takes 1. */
    fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK(fd >= 0);
    put(fd, 1);
    CHECK_EQ(get(fd), 1);
    CHECK_EQ(get(fd), 1);
    CHECK_EQ(get(fd), 1);
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    close(fd);

    /* Blocking read woken by another process's write, blocking write woken
     * by its read. */
    fd = eventfd(0, 0);
    CHECK(fd >= 0);
    int go[2];
    t_pipe(go);
    pid_t c = t_fork();
    if (c == 0) {
        t_msleep(30);
        put(fd, 42);
        t_recv(go[0]);
        t_msleep(30);
        CHECK_EQ(get(fd), UINT64_MAX - 1);
        _exit(0);
    }
    CHECK_EQ(get(fd), 42); /* blocks */
    put(fd, UINT64_MAX - 1);
    t_send(go[1], 'g');
    put(fd, 9); /* blocks until the child has read */
    close(go[0]);
    close(go[1]);
    CHECK_EQ(t_wait(c), 0);
    CHECK_EQ(get(fd), 9);

    /* poll sleeps until a write. */
    c = t_fork();
    if (c == 0) {
        t_msleep(30);
        put(fd, 1);
        _exit(0);
    }
    CHECK_EQ(t_poll_in(fd, 20000), POLLIN);
    CHECK_EQ(t_wait(c), 0);
    CHECK_EQ(get(fd), 1);
    close(fd);
    printf("ok\n");
    return 0;
}
