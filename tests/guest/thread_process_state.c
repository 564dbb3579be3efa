/* Per-process state seen from threads: the child-subreaper bit is shared by
 * all threads (set in one, read in another); fork from a thread makes a
 * single-threaded child whose pid equals its tid and whose parent is the
 * process; getpid is the same in every thread. */
#include "t.h"

static volatile long t_pid, t_sub, f_ok;

static int setter(void *arg)
{
    (void)arg;
    t_pid = syscall(SYS_getpid);
    syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    return 0;
}

static int reader(void *arg)
{
    (void)arg;
    int v = -1;
    syscall(SYS_prctl, PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
    t_sub = v;
    return 0;
}

static int forker(void *arg)
{
    (void)arg;
    long r = syscall(SYS_fork);
    if (r == 0) {
        long ok = syscall(SYS_getpid) == sys_gettid();
        syscall(SYS_exit_group, ok ? 0 : 1);
    }
    f_ok = r;
    return 0;
}

int main(void)
{
    struct t_thread t;
    t_thread_start(&t, setter, NULL);
    t_thread_join(&t);
    CHECK_EQ(t_pid, getpid());
    int v = -1;
    CHECK_SYS(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0));
    CHECK_EQ(v, 1);
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0));
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    t_thread_start(&t, reader, NULL);
    t_thread_join(&t);
    CHECK_EQ(t_sub, 1);

    t_thread_start(&t, forker, NULL);
    t_thread_join(&t);
    CHECK(f_ok > 0);
    CHECK_EQ(t_wait((pid_t)f_ok), 0);
    return 0;
}
