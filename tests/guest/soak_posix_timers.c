/* Soak: 200 process lifetimes that each create 30 POSIX timers of every
 * kind (wall and CPU clocks, signalling, SIGEV_NONE, SIGEV_THREAD_ID),
 * leave some armed, some with their signal pending (blocked), some deleted
 * while pending, and then exit, exec (which deletes them) or are killed.
 * Besides, 5,000 create/delete pairs in this process. Runs anywhere; on
 * Charon every kernel counter, posix_timers and the heap included, must be
 * back to its baseline exactly afterwards. */
#include "t.h"

#include <sys/syscall.h>

#define LIFETIMES 200
#define PER_PROCESS 30

static void make_timers(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);
    static const int clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_PROCESS_CPUTIME_ID,
                                 CLOCK_THREAD_CPUTIME_ID};
    int ids[PER_PROCESS];
    for (int i = 0; i < PER_PROCESS; i++) {
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = i % 7 == 3 ? SIGEV_NONE : i % 5 == 1 ? SIGEV_THREAD_ID : SIGEV_SIGNAL;
        sev.sigev_signo = i % 2 ? SIGUSR1 : SIGRTMIN;
        sev.sigev_notify_thread_id = getpid();
        int id;
        CHECK_SYS(syscall(SYS_timer_create, clocks[i % 5], &sev, &id));
        ids[i] = id; /* after an exec, the ids go on from the old image's */
        /* Wall-clock timers due at once (their signals queue, blocked),
         * periodic ones, far ones; CPU ones far. */
        struct itimerspec its = {{0, i % 3 == 0 ? 1000000 : 0}, {i % 4 == 0 ? 100 : 0, 1000000}};
        CHECK_SYS(syscall(SYS_timer_settime, id, 0, &its, NULL));
    }
    t_msleep(2);
    /* Some deleted while their signal is pending. */
    for (int i = 0; i < PER_PROCESS; i += 6)
        CHECK_SYS(syscall(SYS_timer_delete, ids[i]));
}

/* Lifetimes that exit (with timers armed and signals pending), exec (which
 * deletes them) or are killed. */
static void lifetimes(const char *self, int count)
{
    for (int i = 0; i < count; i++) {
        pid_t pid = t_fork();
        if (pid == 0) {
            make_timers();
            if (i % 3 == 1) {
                execl(self, self, "exec", (char *)NULL);
                _exit(127);
            }
            if (i % 3 == 2)
                kill(getpid(), SIGKILL);
            _exit(5);
        }
        int st = t_wait(pid);
        if (i % 3 == 2)
            CHECK_SIGNALED(st, SIGKILL);
        else
            CHECK_EXITED(st, 5);
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "exec") == 0) {
        make_timers();
        return 5;
    }
    const char *self = t_self_path(argv[0]);
    /* One lifetime of each kind first: the kernel heap's slabs grow to this
     * workload's peak once (and keep their frames, which is no leak), so
     * the baseline after it can be exact. */
    lifetimes(self, 3);
    struct t_charon_stats base;
    int have_stats = t_charon_stats(&base);
    if (have_stats)
        t_charon_stable_snapshot(&base);

    for (int i = 0; i < 5000; i++) {
        int id;
        CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id));
        CHECK_SYS(syscall(SYS_timer_delete, id));
    }
    lifetimes(self, LIFETIMES);
    if (have_stats)
        t_charon_expect_baseline(&base);
    return 0;
}
