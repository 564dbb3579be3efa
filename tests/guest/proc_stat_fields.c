/* /proc/PID/stat and status field by field, as Linux 6.x's do_task_stat and
 * proc_pid_status give them: 52 stat fields; ids, thread count, signal
 * fields (decimal, the first 31 signals only); minflt grows by at least N
 * after touching N fresh pages and a reaped child's faults and CPU time land
 * in cminflt/cutime; utime grows with a busy loop; PF_FORKNOEXEC before
 * exec and for a thread, which shows its own faults; a zombie shows Z, PF_EXITING, no memory fields and its wait status
 * as exit_code (and no Umask, FDSize 0 in status); status lists Linux's
 * fields in Linux's order; VmHWM keeps the peak after an munmap; shared
 * anonymous pages count as RssShmem. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/times.h>

#include "t.h"

#define PF_EXITING 0x4
#define PF_FORKNOEXEC 0x40
#define PF_SIGNALED 0x400

/* The fields of /proc/PID/stat after "(comm)", numbered as proc(5) does:
 * field[3] is the state, field[52] exit_code. Returns the field count. */
static int read_stat(pid_t pid, unsigned long long field[53], char *state)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    t_read_file(path, buf, sizeof buf);
    CHECK(buf[strlen(buf) - 1] == '\n');
    char *at = strrchr(buf, ')');
    CHECK(at != NULL && at[1] == ' ');
    *state = at[2];
    CHECK(at[3] == ' ');
    at += 4;
    int n = 3;
    memset(field, 0, 53 * sizeof field[0]);
    field[1] = (unsigned long long)atoll(buf);
    while (*at && *at != '\n') {
        char *end;
        unsigned long long value = strtoull(at, &end, 10);
        CHECK(end != at && (*end == ' ' || *end == '\n'));
        n++;
        if (n < 53)
            field[n] = value;
        at = *end == ' ' ? end + 1 : end;
    }
    return n;
}

/* The number after "Label:" in /proc/PID/status, -1 if the line is absent. */
static long status_value(pid_t pid, const char *label)
{
    char path[64], buf[8192], want[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    t_read_file(path, buf, sizeof buf);
    snprintf(want, sizeof want, "\n%s:", label);
    char *at = strstr(buf, want);
    if (!at)
        return -1;
    return strtol(at + strlen(want), NULL, 10);
}

static void handler(int sig)
{
    (void)sig;
}

static void touch_pages(int count)
{
    char *m = mmap(NULL, (size_t)count * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    for (int i = 0; i < count; i++)
        m[i * 4096] = 1;
    CHECK_SYS(munmap(m, (size_t)count * 4096));
}

static volatile int thread_state; /* 1: pages touched, 2: may exit */

static int thread_fn(void *arg)
{
    (void)arg;
    touch_pages(32);
    __atomic_store_n(&thread_state, 1, __ATOMIC_RELEASE);
    sys_futex((int *)&thread_state, T_FUTEX_WAKE, 1, NULL);
    while (__atomic_load_n(&thread_state, __ATOMIC_ACQUIRE) != 2)
        sys_futex((int *)&thread_state, T_FUTEX_WAIT, 1, NULL);
    return 0;
}

int main(void)
{
    t_require_own_proc();
    unsigned long long f[53], g[53];
    char state;
    pid_t me = getpid();

    /* Signals: SIGUSR1 blocked and pending, SIGRTMIN+2 blocked (beyond the
     * 31 the field shows), SIGINT ignored, SIGTERM caught. */
    t_signal(SIGTERM, handler);
    signal(SIGINT, SIG_IGN);
    t_block(SIGUSR1);
    t_block(SIGRTMIN + 2);
    raise(SIGUSR1);
    CHECK_EQ(read_stat(me, f, &state), 52);
    CHECK_EQ(state, 'R');
    CHECK_EQ(f[1], (unsigned long long)me);
    CHECK_EQ(f[4], (unsigned long long)getppid());
    CHECK_EQ(f[5], (unsigned long long)getpgrp());
    CHECK_EQ(f[6], (unsigned long long)getsid(0));
    CHECK_EQ(f[9] & PF_FORKNOEXEC, 0ull); /* the runner exec'd us */
    CHECK_EQ(read_stat(1, g, &state), 52);
    CHECK_EQ(g[9] & PF_FORKNOEXEC, 0ull); /* init was exec'd too */
    CHECK_EQ(f[18], 20ull);               /* priority: nice 0 */
    CHECK_EQ(f[19], 0ull);
    CHECK_EQ(f[20], 1ull); /* num_threads */
    CHECK_EQ(f[21], 0ull); /* itrealvalue */
    CHECK(f[23] > 0); /* vsize (rss: Linux reads per-CPU counters roughly, 0 is possible) */
    CHECK_EQ(f[25], (unsigned long long)-1); /* rsslim: RLIMIT_RSS unlimited */
    CHECK(f[26] > 0 && f[26] < f[27]);       /* start_code < end_code */
    CHECK(f[28] > f[27]);                    /* the stack is above the code */
    CHECK_EQ(f[31], 1ull << (SIGUSR1 - 1));
    CHECK_EQ(f[32], 1ull << (SIGUSR1 - 1));
    CHECK_EQ(f[33] & (1ull << (SIGINT - 1)), 1ull << (SIGINT - 1));
    CHECK_EQ(f[34] & (1ull << (SIGTERM - 1)), 1ull << (SIGTERM - 1));
    CHECK_EQ(f[35], 0ull); /* wchan: running */
    CHECK_EQ(f[38], (unsigned long long)SIGCHLD);
    CHECK(f[45] <= f[46] && f[46] <= f[47]); /* start_data <= end_data <= start_brk */
    CHECK(f[48] < f[49] && f[49] <= f[50] && f[50] < f[51]);
    CHECK_EQ(f[52], 0ull);
    signal(SIGUSR1, SIG_IGN); /* discards the pending one */
    t_unblock(SIGUSR1);

    /* Faults: at least one per fresh page touched. */
    read_stat(me, f, &state);
    touch_pages(64);
    read_stat(me, g, &state);
    if (g[10] < f[10] + 64)
        FAIL("minflt %llu -> %llu after touching 64 pages", f[10], g[10]);

    /* CPU time: a busy loop shows in utime, in ticks like times(). */
    struct tms before;
    times(&before);
    t_burn_cpu_ms(50);
    read_stat(me, g, &state);
    if (g[14] < f[14] + 3)
        FAIL("utime %llu -> %llu after 50 ms of CPU", f[14], g[14]);
    struct tms after;
    times(&after);
    CHECK(g[14] <= (unsigned long long)after.tms_utime + 1);

    /* A child: PF_FORKNOEXEC, then a zombie; its faults and CPU time are
     * folded into ours when reaped. */
    int go[2];
    t_pipe(go);
    pid_t child = t_fork();
    if (child == 0) {
        t_recv(go[0]);
        touch_pages(200);
        t_burn_cpu_ms(30);
        _exit(3);
    }
    CHECK_EQ(read_stat(child, g, &state), 52);
    CHECK_EQ(g[9] & PF_FORKNOEXEC, (unsigned long long)PF_FORKNOEXEC);
    CHECK_EQ(g[4], (unsigned long long)me);
    read_stat(me, f, &state);
    unsigned long long cminflt_before = f[11], cutime_before = f[16];
    t_send(go[1], 'g');
    siginfo_t info;
    CHECK_SYS(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT));
    CHECK_EQ(read_stat(child, g, &state), 52);
    CHECK_EQ(state, 'Z');
    CHECK_EQ(g[9] & PF_EXITING, (unsigned long long)PF_EXITING);
    CHECK_EQ(g[9] & PF_SIGNALED, 0ull);
    CHECK_EQ(g[23], 0ull); /* vsize */
    CHECK_EQ(g[24], 0ull); /* rss */
    for (int i = 26; i <= 28; i++)
        CHECK_EQ(g[i], 0ull);
    for (int i = 45; i <= 51; i++)
        CHECK_EQ(g[i], 0ull);
    CHECK_EQ(g[52], 3ull << 8); /* exit_code: the wait status */
    CHECK(g[10] >= 200);        /* the child's own faults */
    CHECK_EQ(status_value(child, "Umask"), -1);
    CHECK_EQ(status_value(child, "VmRSS"), -1);
    CHECK_EQ(status_value(child, "FDSize"), 0);
    unsigned long long child_minflt = g[10];
    CHECK_EXITED(t_wait(child), 3);
    read_stat(me, f, &state);
    CHECK(f[11] >= cminflt_before + child_minflt);
    CHECK(f[16] >= cutime_before + 2);

    /* Killed by a signal: PF_SIGNALED and the signal as exit_code. */
    child = t_fork();
    if (child == 0) {
        raise(SIGKILL);
        _exit(1);
    }
    CHECK_SYS(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT));
    read_stat(child, g, &state);
    CHECK_EQ(state, 'Z');
    CHECK_EQ(g[9] & PF_SIGNALED, (unsigned long long)PF_SIGNALED);
    CHECK_EQ(g[52], (unsigned long long)SIGKILL);
    CHECK_SIGNALED(t_wait(child), SIGKILL);

    /* A sleeping child: wchan 1. */
    child = t_fork();
    if (child == 0) {
        for (;;)
            pause();
    }
    for (int i = 0;; i++) {
        read_stat(child, g, &state);
        if (state == 'S')
            break;
        CHECK(i < 2000);
        t_msleep(1);
    }
    CHECK_EQ(g[35], 1ull);
    CHECK_SYS(kill(child, SIGKILL));
    CHECK_SIGNALED(t_wait(child), SIGKILL);

    /* A thread's own stat: its own faults, PF_FORKNOEXEC (clone set it and
     * it never exec'd), the group's thread count. */
    struct t_thread t;
    t_thread_start(&t, thread_fn, NULL);
    while (__atomic_load_n(&thread_state, __ATOMIC_ACQUIRE) != 1)
        sys_futex((int *)&thread_state, T_FUTEX_WAIT, 0, NULL);
    char task_path[64];
    snprintf(task_path, sizeof task_path, "%d/task/%d", (int)me, t.tid_ret);
    {
        char path[96], buf[2048];
        snprintf(path, sizeof path, "/proc/%s/stat", task_path);
        t_read_file(path, buf, sizeof buf);
        CHECK_EQ(atoi(buf), t.tid_ret);
    }
    /* read_stat takes a pid: the thread's /proc/TID works too (Linux lets
     * any thread id be looked up). */
    CHECK_EQ(read_stat(t.tid_ret, g, &state), 52);
    CHECK_EQ(g[1], (unsigned long long)t.tid_ret);
    CHECK_EQ(g[9] & PF_FORKNOEXEC, (unsigned long long)PF_FORKNOEXEC);
    CHECK_EQ(g[20], 2ull);
    CHECK(g[10] >= 32);
    read_stat(me, f, &state);
    CHECK_EQ(f[9] & PF_FORKNOEXEC, 0ull);
    CHECK(f[10] >= g[10]); /* the process's sum includes the thread's */
    __atomic_store_n(&thread_state, 2, __ATOMIC_RELEASE);
    sys_futex((int *)&thread_state, T_FUTEX_WAKE, 1, NULL);
    t_thread_join(&t);

    /* status: Linux's fields in Linux's order. */
    static const char *const order[] = {
        "Name",     "Umask",    "State",       "Tgid",   "Ngid",   "Pid",    "PPid",    "TracerPid", "Uid",
        "Gid",      "FDSize",   "Groups",      "NStgid", "NSpid",  "NSpgid", "NSsid",   "VmPeak",    "VmSize",
        "VmLck",    "VmPin",    "VmHWM",       "VmRSS",  "RssAnon", "RssFile", "RssShmem", "VmData",   "VmStk",
        "VmExe",    "VmLib",    "VmPTE",       "VmSwap", "Threads", "SigQ",   "SigPnd",  "ShdPnd",    "SigBlk",
        "SigIgn",   "SigCgt",   "CapInh",      "CapPrm", "CapEff", "CapBnd", "CapAmb",  "voluntary_ctxt_switches",
        "nonvoluntary_ctxt_switches",
    };
    char status[8192];
    t_read_file("/proc/self/status", status, sizeof status);
    const char *from = status;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, i ? "\n%s:\t" : "%s:\t", order[i]);
        const char *at = i ? strstr(from, want) : (strncmp(status, want, strlen(want)) == 0 ? status : NULL);
        if (!at)
            FAIL("status has no '%s' line after the previous ones:\n%s", order[i], status);
        from = at + 1;
    }
    CHECK(strstr(status, "\nGroups:\t") != NULL);
    CHECK(strstr(status, "\nFDSize:\t") != NULL && status_value(me, "FDSize") >= 64);

    /* VmHWM: the peak stays after the pages go. */
    long pages = 1024;
    char *m = mmap(NULL, (size_t)pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    for (long i = 0; i < pages; i++)
        m[i * 4096] = 1;
    long rss_peak = status_value(me, "VmRSS");
    CHECK(status_value(me, "VmHWM") >= rss_peak - 512);
    long size_peak = status_value(me, "VmSize");
    CHECK_SYS(munmap(m, (size_t)pages * 4096));
    long rss_after = status_value(me, "VmRSS"), hwm_after = status_value(me, "VmHWM");
    /* Linux reads its RSS counters per CPU, approximately (by up to a few
     * hundred kB): margins, with 4 MiB touched. */
    if (hwm_after < rss_peak - 512 || hwm_after < rss_after + 2048)
        FAIL("VmHWM %ld kB after munmap: peak RSS was %ld kB, RSS now %ld kB", hwm_after, rss_peak, rss_after);
    CHECK(status_value(me, "VmPeak") >= size_peak);
    CHECK(status_value(me, "VmPeak") >= status_value(me, "VmSize"));

    /* Shared anonymous pages are shmem (RssShmem), part of VmRSS. */
    long shmem = status_value(me, "RssShmem");
    char *shared = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED);
    for (int i = 0; i < 64; i++)
        shared[i * 4096] = 1;
    long shmem_after = status_value(me, "RssShmem");
    if (shmem_after < shmem + 64 * 4 - 128)
        FAIL("RssShmem %ld kB -> %ld kB after touching 256 kB of shared memory", shmem, shmem_after);
    CHECK(status_value(me, "VmRSS") >= shmem_after);
    CHECK_SYS(munmap(shared, 64 * 4096));

    /* The program's own text is mapped from its file: RssFile on a disk
     * file system, RssShmem on tmpfs (Linux's rootfs under an initramfs,
     * and every file in Charon); either way not anonymous memory. */
    if (status_value(me, "RssFile") + status_value(me, "RssShmem") < 4)
        FAIL("RssFile %ld kB + RssShmem %ld kB: the running text counts as neither", status_value(me, "RssFile"),
             status_value(me, "RssShmem"));

    /* Context switches: a sleep is a voluntary one. */
    long voluntary = status_value(me, "voluntary_ctxt_switches");
    t_msleep(5);
    CHECK(status_value(me, "voluntary_ctxt_switches") > voluntary);
    return 0;
}
