/* Charon only: fork/exit/wait, pipes across fork, threads and execve give
 * back every kernel object they took (processes, threads, kernel stacks,
 * descriptor tables, open files, pipes, signalfds and eventfds, address
 * spaces, frames). Reads the kernel's counters with charon_stats (511); on
 * Linux that is ENOSYS and the test skips. */
#include "t.h"

#include <sys/eventfd.h>
#include <sys/signalfd.h>

static void stats(struct t_charon_stats *s)
{
    if (!t_charon_stats(s)) {
        printf("SKIP: no charon_stats (not Charon)\n");
        exit(77);
    }
}

static int thread_fn(void *arg)
{
    (void)arg;
    return 0;
}

static void workload(const char *self)
{
    for (int i = 0; i < 20; i++) {
        int p[2];
        t_pipe(p);
        pid_t pid = t_fork();
        if (pid == 0) {
            close(p[0]);
            CHECK_EQ(write(p[1], "x", 1), 1);
            _exit(3);
        }
        close(p[1]);
        char c;
        CHECK_EQ(read(p[0], &c, 1), 1);
        close(p[0]);
        CHECK_EQ(t_wait(pid), 3 << 8);
    }
    for (int i = 0; i < 10; i++) {
        struct t_thread t;
        t_thread_start(&t, thread_fn, NULL);
        t_thread_join(&t);
    }
    /* Threads without CLONE_FILES: the kernel used to copy the descriptor
     * table for them and never free the copy (found by tests/fuzz). */
    for (int i = 0; i < 5; i++) {
        static char stack[64 * 1024] __attribute__((aligned(16)));
        int tid = -1;
        int r = clone(thread_fn, stack + sizeof stack, T_THREAD_FLAGS & ~CLONE_FILES, NULL, &tid, NULL, &tid);
        CHECK(r > 0);
        while (__atomic_load_n(&tid, __ATOMIC_ACQUIRE) != 0)
            sys_futex(&tid, T_FUTEX_WAIT, tid, NULL);
    }
    /* signalfd and eventfd files, inherited by a child that exits holding
     * them with signals queued. */
    for (int i = 0; i < 5; i++) {
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, SIGUSR1);
        sigaddset(&m, SIGRTMIN);
        CHECK_SYS(sigprocmask(SIG_BLOCK, &m, NULL));
        int s = (int)CHECK_SYS(signalfd(-1, &m, SFD_NONBLOCK));
        int e = (int)CHECK_SYS(eventfd(1, EFD_NONBLOCK));
        union sigval v = {.sival_int = i};
        CHECK_SYS(sigqueue(getpid(), SIGRTMIN, v));
        pid_t pid = t_fork();
        if (pid == 0) {
            CHECK_SYS(sigqueue(getpid(), SIGRTMIN, v));
            CHECK_SYS(kill(getpid(), SIGUSR1));
            _exit(0);
        }
        struct signalfd_siginfo si;
        CHECK_EQ(read(s, &si, sizeof si), (long)sizeof si);
        uint64_t count;
        CHECK_EQ(read(e, &count, sizeof count), 8);
        close(s);
        close(e);
        CHECK_EQ(t_wait(pid), 0);
        CHECK_SYS(sigprocmask(SIG_UNBLOCK, &m, NULL));
    }
    for (int i = 0; i < 5; i++) {
        pid_t pid = t_fork();
        if (pid == 0) {
            char *a[] = {(char *)self, "child", NULL};
            execv(self, a);
            _exit(127);
        }
        CHECK_EQ(t_wait(pid), 5 << 8);
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0)
        return 5;
    const char *self = t_self_path(argv[0]);
    struct t_charon_stats base;
    stats(&base);
    /* Warm-up: lets the kernel heap grow to its working size first. */
    workload(self);
    t_charon_stable_snapshot(&base);
    workload(self);
    t_charon_expect_baseline(&base);
    return 0;
}
