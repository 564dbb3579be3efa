/* Nice values (Linux kernel/sys.c getpriority/setpriority, per thread):
 * the raw getpriority returns 20 - nice; PRIO_PROCESS names one thread
 * (0: the caller), PRIO_PGRP every thread of a group, PRIO_USER every
 * thread of a real uid, and getpriority reports the lowest nice; values
 * clamp to -20..19; fork copies the nice, execve keeps it; /proc/PID/stat
 * fields 18/19 show 20 + nice and nice. Unprivileged callers may raise
 * their own nice, lower it only down to RLIMIT_NICE (EACCES), and touch no
 * other user's threads (EPERM). ESRCH, EINVAL. And the scheduler weighs by
 * it: two busy loops pinned to one CPU, the nice-0 one gets clearly more
 * CPU than the nice-19 one. */
#include "t.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>

static long raw_getpriority(int which, int who)
{
    return syscall(SYS_getpriority, which, who);
}

/* Fields 18 (priority) and 19 (nice) of the calling thread's stat file
 * (/proc/thread-self: right even under `unshare -fp`, where /proc is the
 * parent namespace's and our pid numbers mean nothing to it). */
static void stat_priority(long *priority, long *nice)
{
    char buf[1024];
    t_read_file("/proc/thread-self/stat", buf, sizeof buf);
    char *p = strrchr(buf, ')');
    CHECK(p != NULL);
    p += 2; /* field 3 */
    for (int field = 3; field < 18; field++) {
        p = strchr(p, ' ');
        CHECK(p != NULL);
        p++;
    }
    CHECK_EQ(sscanf(p, "%ld %ld", priority, nice), 2);
}

static volatile int thread_nice_done;
static pid_t thread_tid;
static long thread_stat_nice = 99;

static int thread_main(void *arg)
{
    (void)arg;
    thread_tid = (pid_t)sys_gettid();
    CHECK_SYS(setpriority(PRIO_PROCESS, 0, 11));
    long prio;
    stat_priority(&prio, &thread_stat_nice);
    __atomic_store_n(&thread_nice_done, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&thread_nice_done, __ATOMIC_ACQUIRE) != 2)
        sched_yield();
    return 0;
}

static pid_t dead_pid(void)
{
    pid_t pid = t_fork();
    if (pid == 0)
        _exit(0);
    CHECK_EXITED(t_wait(pid), 0);
    return pid;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Two busy loops on one CPU, at nice 0 and 19, until the nice-0 one has
 * had 150 ms of CPU (whatever else loads the machine: a CPU budget, not a
 * wall-clock window; 3 s at most). Returns their CPU times in ms. */
static void spin_pair(int ms[2])
{
    volatile int *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(stop != MAP_FAILED);
    int fds[2];
    t_pipe(fds);
    double give_up = now_seconds() + 3;
    pid_t pids[2];
    for (int i = 0; i < 2; i++) {
        pids[i] = t_fork();
        if (pids[i] == 0) {
            CHECK_SYS(setpriority(PRIO_PROCESS, 0, i == 0 ? 0 : 19));
            volatile unsigned long x = 0;
            while (!*stop) {
                for (int j = 0; j < 10000; j++)
                    x += (unsigned long)j;
                if (i == 0 && (cpu_seconds() >= 0.15 || now_seconds() >= give_up))
                    *stop = 1;
            }
            int used = (int)(cpu_seconds() * 1000);
            CHECK_EQ(write(fds[1], &used, sizeof used), (ssize_t)sizeof used);
            _exit(0);
        }
    }
    for (int i = 0; i < 2; i++) {
        CHECK_EXITED(t_wait(pids[i]), 0);
        t_read_all(fds[0], &ms[i], sizeof ms[i]);
    }
    close(fds[0]);
    close(fds[1]);
    munmap((void *)stop, 4096);
}

static void scheduler_share(void)
{
    /* Both loops on the CPU we run on (natively; Charon has one). */
    cpu_set_t old, one;
    CHECK_SYS(sched_getaffinity(0, sizeof old, &old));
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    CHECK_SYS(sched_setaffinity(0, sizeof one, &one));
    int ms[2];
    spin_pair(ms);
    CHECK_SYS(sched_setaffinity(0, sizeof old, &old));
    /* Linux's weights say 1024:15; anything clearly above 3:1 passes. */
    printf("cpu ms at nice 0: %d, at nice 19: %d\n", ms[0], ms[1]);
    CHECK(ms[0] > 3 * ms[1]);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "report-nice") == 0)
        return getpriority(PRIO_PROCESS, 0) + 20;

    int base = getpriority(PRIO_PROCESS, 0);
    CHECK(base >= -20 && base <= 19);
    CHECK_EQ(raw_getpriority(PRIO_PROCESS, 0), 20 - base);
    CHECK_ERR(raw_getpriority(3, 0), EINVAL);
    CHECK_ERR(setpriority(-1, 0, 0), EINVAL);
    pid_t gone = dead_pid();
    CHECK_ERR(raw_getpriority(PRIO_PROCESS, gone), ESRCH);
    CHECK_ERR(setpriority(PRIO_PROCESS, gone, 10), ESRCH);
    CHECK_ERR(raw_getpriority(PRIO_PGRP, gone), ESRCH);

    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(setpriority(PRIO_PROCESS, 0, 5 > base ? 5 : base));
        int n = 5 > base ? 5 : base;
        CHECK_EQ(getpriority(PRIO_PROCESS, 0), n);
        CHECK_EQ(raw_getpriority(PRIO_PROCESS, getpid()), 20 - n);
        long prio, nice;
        stat_priority(&prio, &nice);
        CHECK_EQ(prio, 20 + n);
        CHECK_EQ(nice, n);
        /* Per thread: a thread's setpriority(0) changes only itself. */
        struct t_thread t;
        t_thread_start(&t, thread_main, NULL);
        while (__atomic_load_n(&thread_nice_done, __ATOMIC_ACQUIRE) != 1)
            sched_yield();
        CHECK_EQ(getpriority(PRIO_PROCESS, 0), n);
        CHECK_EQ(getpriority(PRIO_PROCESS, thread_tid), 11);
        CHECK_EQ(thread_stat_nice, 11);
        __atomic_store_n(&thread_nice_done, 2, __ATOMIC_RELEASE);
        t_thread_join(&t);
        /* Clamped. */
        CHECK_SYS(setpriority(PRIO_PROCESS, 0, 100));
        CHECK_EQ(getpriority(PRIO_PROCESS, 0), 19);
        CHECK_EQ(raw_getpriority(PRIO_PROCESS, 0), 1);
        stat_priority(&prio, &nice);
        CHECK_EQ(prio, 39);
        CHECK_EQ(nice, 19);
        /* Fork copies it, execve keeps it. */
        pid_t child = t_fork();
        if (child == 0) {
            char *args[] = {(char *)t_self_path(argv[0]), "report-nice", NULL};
            execv(args[0], args);
            FAIL("execv: %s", strerror(errno));
        }
        CHECK_EXITED(t_wait(child), 39);
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);

    /* PRIO_PGRP: every member; getpriority reports the lowest nice. */
    pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(setpgid(0, 0));
        int go[2];
        t_pipe(go);
        pid_t member = t_fork();
        if (member == 0) {
            close(go[1]);
            (void)t_recv(go[0]);
            _exit(getpriority(PRIO_PROCESS, 0));
        }
        int n = 8 > base ? 8 : base;
        CHECK_SYS(setpriority(PRIO_PGRP, 0, n));
        CHECK_EQ(getpriority(PRIO_PROCESS, member), n);
        CHECK_EQ(getpriority(PRIO_PGRP, getpid()), n);
        CHECK_SYS(setpriority(PRIO_PROCESS, member, 12));
        CHECK_EQ(getpriority(PRIO_PGRP, 0), n);
        CHECK_SYS(setpriority(PRIO_PROCESS, 0, 13));
        CHECK_EQ(getpriority(PRIO_PGRP, 0), 12);
        t_send(go[1], 'g');
        CHECK_EXITED(t_wait(member), 12);
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);

    scheduler_share();

    if (!t_is_root()) {
        printf("ok (unprivileged part)\n");
        return 0;
    }
    /* Privileged: lowering the nice, RLIMIT_NICE, EPERM, PRIO_USER. */
    uid_t uid = t_private_uid(0);
    pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(setpriority(PRIO_PROCESS, 0, -5)); /* CAP_SYS_NICE */
        CHECK_EQ(getpriority(PRIO_PROCESS, 0), -5);
        CHECK_SYS(setpriority(PRIO_PROCESS, 0, 15));
        /* RLIMIT_NICE 10: down to nice 20 - 10 = 10. Natively, a root
         * without CAP_SYS_RESOURCE (a container) may not raise the hard
         * limit: then only the refusal is checked. */
        struct rlimit rl = {10, 10};
        int limited = setrlimit(RLIMIT_NICE, &rl) == 0;
        if (!limited) {
            CHECK_EQ(errno, EPERM);
            CHECK_SYS(getrlimit(RLIMIT_NICE, &rl));
            CHECK(rl.rlim_cur < 11);
        }
        pid_t parent = getppid();
        CHECK_SYS(setresuid(uid, uid, uid));
        CHECK_ERR(setpriority(PRIO_PROCESS, 0, 9), EACCES);
        CHECK_EQ(getpriority(PRIO_PROCESS, 0), 15);
        if (limited) {
            CHECK_SYS(setpriority(PRIO_PROCESS, 0, 10));
            CHECK_EQ(getpriority(PRIO_PROCESS, 0), 10);
        }
        CHECK_ERR(setpriority(PRIO_PROCESS, parent, 19), EPERM); /* root's */
        CHECK_EQ(getpriority(PRIO_PROCESS, parent), base);    /* reading is free */
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);

    int go[2], ready[2];
    t_pipe(go);
    t_pipe(ready);
    pid_t users[2];
    for (int i = 0; i < 2; i++) {
        users[i] = t_fork();
        if (users[i] == 0) {
            close(go[1]);
            CHECK_SYS(setresuid(uid, uid, uid));
            t_send(ready[1], 'r');
            (void)t_recv(go[0]);
            _exit(getpriority(PRIO_PROCESS, 0));
        }
    }
    close(go[0]);
    (void)t_recv(ready[0]);
    (void)t_recv(ready[0]);
    CHECK_SYS(setpriority(PRIO_USER, uid, 6));
    CHECK_EQ(getpriority(PRIO_USER, uid), 6);
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), base); /* root's threads untouched */
    CHECK_ERR(raw_getpriority(PRIO_USER, uid + 1), ESRCH);
    t_send(go[1], 'g');
    t_send(go[1], 'g');
    for (int i = 0; i < 2; i++)
        CHECK_EXITED(t_wait(users[i]), 6);
    printf("ok\n");
    return 0;
}
