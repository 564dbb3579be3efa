/* POSIX timers belong to the process: every thread sees and may delete the
 * others' timers; fork does not inherit them (the child's ids start at 0);
 * execve deletes them, yet the id counter goes on (Linux keeps it in the
 * signal_struct, which survives exec); an armed timer dies with its
 * process. */
#include "t.h"

#include <sys/syscall.h>

static int g_shared_id = -1;
static int thread_main(void *arg)
{
    (void)arg;
    /* The main thread's timer is ours too. */
    struct itimerspec v;
    CHECK_SYS(syscall(SYS_timer_gettime, g_shared_id, &v));
    CHECK(v.it_value.tv_sec >= 90);
    int mine;
    CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &mine));
    CHECK_EQ(mine, g_shared_id + 1);
    CHECK_SYS(syscall(SYS_timer_delete, g_shared_id));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "after-exec") == 0) {
        /* The timers are gone; the counter is not reset. */
        int before = atoi(argv[2]);
        struct itimerspec v;
        for (int i = 0; i <= before; i++)
            CHECK_ERR(syscall(SYS_timer_gettime, i, &v), EINVAL);
        int id;
        CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id));
        CHECK_EQ(id, before + 1);
        /* The setitimer timers, in contrast, survive exec. */
        struct itimerval it;
        CHECK_SYS(getitimer(ITIMER_PROF, &it));
        CHECK(it.it_value.tv_sec >= 900);
        return 0;
    }

    pid_t pid = t_fork();
    if (pid == 0) {
        int id;
        CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id));
        CHECK_EQ(id, 0);
        g_shared_id = id;
        struct itimerspec far = {{0, 0}, {100, 0}};
        CHECK_SYS(syscall(SYS_timer_settime, id, 0, &far, NULL));
        struct t_thread th;
        t_thread_start(&th, thread_main, NULL);
        t_thread_join(&th);
        struct itimerspec v;
        CHECK_ERR(syscall(SYS_timer_gettime, id, &v), EINVAL); /* the thread deleted it */
        /* Its timer outlives the thread that created it. */
        CHECK_SYS(syscall(SYS_timer_gettime, id + 1, &v));

        /* fork: the child has no timers, and its own ids from 0. */
        CHECK_SYS(syscall(SYS_timer_settime, id + 1, 0, &far, NULL));
        pid_t child = t_fork();
        if (child == 0) {
            CHECK_ERR(syscall(SYS_timer_gettime, id + 1, &v), EINVAL);
            int cid;
            CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &cid));
            CHECK_EQ(cid, 0);
            _exit(0);
        }
        T_WAIT_OK(child);
        CHECK_SYS(syscall(SYS_timer_gettime, id + 1, &v)); /* ours untouched */
        CHECK(v.it_value.tv_sec >= 90);

        /* execve: timers deleted, ids go on, setitimer timers stay. */
        struct itimerval prof = {{0, 0}, {1000, 0}};
        CHECK_SYS(setitimer(ITIMER_PROF, &prof, NULL));
        char last[16];
        snprintf(last, sizeof last, "%d", id + 1);
        execl(t_self_path(argv[0]), argv[0], "after-exec", last, (char *)NULL);
        FAIL("execl");
    }
    T_WAIT_OK(pid);

    /* An armed timer dies with its process: the process exits cleanly
     * before the signal (SIGALRM, default action: terminate) could come,
     * and nothing else is hit by it. */
    pid = t_fork();
    if (pid == 0) {
        int id;
        CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id));
        struct itimerspec soon = {{0, 10000000}, {0, 30000000}};
        CHECK_SYS(syscall(SYS_timer_settime, id, 0, &soon, NULL));
        _exit(7);
    }
    int st = t_wait(pid);
    CHECK_EXITED(st, 7);
    t_msleep(60);
    return 0;
}
