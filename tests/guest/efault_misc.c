/* Bad user pointers in the other pointer-taking calls the lifecycle suite
 * relies on: EFAULT, never a crash. Raw syscalls throughout (musl wrappers
 * or the vDSO might touch the pointer in user space first). */
#include "t.h"

static void *const bad[] = {BAD_PTR_LOW, BAD_PTR_KERNEL, BAD_PTR_NONCANON};

int main(void)
{
    int fds[2];
    t_pipe(fds);
    for (int i = 0; i < 3; i++) {
        void *b = bad[i];
        int before = dup(0);
        CHECK(before >= 0);
        close(before);
        CHECK_ERR(syscall(SYS_pipe, b), EFAULT);
        CHECK_ERR(syscall(SYS_pipe2, b, 0), EFAULT);
        /* No descriptors leaked by the failed pipe calls. */
        int after = dup(0);
        CHECK_EQ(after, before);
        close(after);

        CHECK_ERR(syscall(SYS_write, fds[1], b, 1), EFAULT);
        CHECK_EQ(syscall(SYS_write, fds[1], "x", 1), 1);
        CHECK_ERR(syscall(SYS_read, fds[0], b, 1), EFAULT);
        char c;
        /* the byte is either still there or lost; drain without blocking */
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        (void)!read(fds[0], &c, 1);
        fcntl(fds[0], F_SETFL, 0);

        CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, b), EFAULT);
        CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_REALTIME, b), EFAULT);
        CHECK_ERR(syscall(SYS_clock_getres, CLOCK_MONOTONIC, b), EFAULT);
        CHECK_ERR(syscall(SYS_gettimeofday, b, NULL), EFAULT);
        CHECK_ERR(syscall(SYS_nanosleep, b, NULL), EFAULT);
        CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, b, NULL), EFAULT);
        CHECK_ERR(syscall(SYS_uname, b), EFAULT);
        CHECK_ERR(syscall(SYS_getrusage, RUSAGE_SELF, b), EFAULT);
        CHECK_ERR(syscall(SYS_getrusage, RUSAGE_CHILDREN, b), EFAULT);
        CHECK_ERR(syscall(SYS_times, b), EFAULT);
        CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, b, NULL), EFAULT);
        CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, b), EFAULT);
        CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, b), EFAULT);
        CHECK_ERR(syscall(SYS_setrlimit, RLIMIT_NOFILE, b), EFAULT);
        CHECK_ERR(syscall(SYS_getcwd, b, 4096), EFAULT);
        CHECK_ERR(syscall(SYS_sysinfo, b), EFAULT);
        CHECK_ERR(syscall(SYS_time, b), EFAULT);
        CHECK_ERR(syscall(SYS_getresuid, b, b, b), EFAULT);
        CHECK_ERR(syscall(SYS_prctl, PR_GET_CHILD_SUBREAPER, b, 0, 0, 0), EFAULT);
        CHECK_ERR(syscall(SYS_prctl, PR_GET_PDEATHSIG, b, 0, 0, 0), EFAULT);
        CHECK_ERR(syscall(SYS_openat, AT_FDCWD, b, O_RDONLY), EFAULT);
        CHECK_ERR(syscall(SYS_chdir, b), EFAULT);
        /* futex checks alignment first (EINVAL): use an aligned bad address */
        void *fb = (uintptr_t)b & 3 ? (void *)8 : b;
        CHECK_ERR(syscall(SYS_futex, fb, T_FUTEX_WAIT, 0, NULL, 0, 0), EFAULT);
        CHECK_ERR(syscall(SYS_writev, fds[1], b, 1), EFAULT);
    }
    /* A good call with a zero length and a bad buffer touches nothing. */
    CHECK_EQ(syscall(SYS_write, fds[1], BAD_PTR_LOW, 0), 0);
    /* time(NULL) is fine. */
    CHECK(syscall(SYS_time, NULL) > 0);
    return 0;
}
