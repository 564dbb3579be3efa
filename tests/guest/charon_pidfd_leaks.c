/* Charon only: pidfd lifetimes give back every identity and file. Each round
 * opens pidfds (pidfd_open, CLONE_PIDFD, clone3), dups them, lets a child
 * inherit them, execs with them (close-on-exec drops them), closes them,
 * exits with pidfds still open, polls and waits on them; afterwards the
 * kernel's pid_refs, open_files, processes and memory counters are back to
 * their baseline exactly. On Linux charon_stats is ENOSYS and the test skips. */
#include "t.h"

struct t_clone_args {
    unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void stats(struct t_charon_stats *s)
{
    if (!t_charon_stats(s)) {
        printf("SKIP: no charon_stats (not Charon)\n");
        exit(77);
    }
}

static void workload(const char *self)
{
    for (int i = 0; i < 20; i++) {
        int go[2];
        t_pipe(go);
        pid_t a = t_fork();
        if (a == 0) {
            t_recv(go[0]);
            _exit(1);
        }
        long fa = t_pidfd_open(a, 0);
        long fa2 = t_pidfd_open(a, T_PIDFD_NONBLOCK);
        int dup_fd = dup((int)fa);
        CHECK(fa >= 0 && fa2 >= 0 && dup_fd >= 0);
        /* A child inherits them (and exits holding them); one that execs
         * loses the close-on-exec ones. */
        pid_t heir = t_fork();
        if (heir == 0) {
            long own = t_pidfd_open(getpid(), 0);
            CHECK(own >= 0);
            CHECK_SYS(t_pidfd_send_signal(fa, 0, NULL, 0));
            _exit(2); /* with fa, fa2, dup_fd and own open */
        }
        pid_t exec_child = t_fork();
        if (exec_child == 0) {
            char fdtext[16];
            snprintf(fdtext, sizeof fdtext, "%d", (int)fa); /* dup_fd (no FD_CLOEXEC) stays */
            char *argv[] = {(char *)self, "child", fdtext, NULL};
            execv(self, argv);
            _exit(127);
        }
        CHECK_EQ(t_wait(heir), 2 << 8);
        CHECK_EQ(t_wait(exec_child), 5 << 8);
        /* CLONE_PIDFD and clone3's pidfd. */
        int cfd = -1;
        long c = syscall(SYS_clone, T_CLONE_PIDFD | SIGCHLD, NULL, &cfd, NULL, NULL);
        if (c == 0)
            _exit(3);
        CHECK(c > 0);
        struct t_clone_args ca;
        memset(&ca, 0, sizeof ca);
        int c3fd = -1;
        ca.flags = T_CLONE_PIDFD;
        ca.pidfd = (unsigned long)&c3fd;
        ca.exit_signal = SIGCHLD;
        long c3 = syscall(T_SYS_clone3, &ca, sizeof ca);
        if (c3 == 0)
            _exit(4);
        CHECK(c3 > 0);
        /* A failing CLONE_PIDFD leaves nothing. */
        CHECK_ERR(syscall(SYS_clone, T_CLONE_PIDFD | SIGCHLD, NULL, BAD_PTR_LOW, NULL, NULL), EFAULT);
        siginfo_t si;
        CHECK_EQ(sys_waitid(T_P_PIDFD, cfd, &si, WEXITED, NULL), 0);
        CHECK_EQ(si.si_status, 3);
        CHECK_EQ(t_poll_in(c3fd, 5000), POLLIN);
        CHECK_EQ(sys_waitid(T_P_PIDFD, c3fd, &si, WEXITED, NULL), 0);
        CHECK_EQ(si.si_status, 4);
        close(cfd);
        close(c3fd);
        /* pidfd_getfd of a pidfd: another reference to the same identity. */
        long self = t_pidfd_open(getpid(), 0);
        long copy = t_pidfd_getfd(self, (int)fa, 0);
        CHECK(copy >= 0);
        close((int)self);
        t_send(go[1], 'g');
        CHECK_EQ(t_poll_in(copy, 5000), POLLIN);
        CHECK_EQ(sys_waitid(T_P_PIDFD, fa2, &si, WEXITED | WNOWAIT, NULL), 0);
        CHECK_EQ(si.si_pid, a);
        close((int)copy);
        close((int)fa);
        close((int)fa2);
        close(go[0]);
        close(go[1]);
        /* The last pidfd outlives the process. */
        CHECK_EQ(t_wait(a), 1 << 8);
        CHECK_EQ(t_poll_in(dup_fd, 0), POLLIN | POLLHUP);
        close(dup_fd);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0) {
        /* The pidfd was close-on-exec. */
        return fcntl(atoi(argv[2]), F_GETFD) == -1 && errno == EBADF ? 5 : 6;
    }
    const char *self = t_self_path(argv[0]);
    struct t_charon_stats base;
    stats(&base);
    workload(self); /* warm-up: the heap grows to its working size */
    t_charon_stable_snapshot(&base);
    workload(self);
    t_charon_expect_baseline(&base);
    printf("ok\n");
    return 0;
}
