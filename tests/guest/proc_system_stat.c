/* The system-wide figures top, free and uptime read: /proc/stat's cpu0 line
 * adds up to the time since boot (user + nice + system + idle + iowait +
 * irq + softirq + steal, in USER_HZ ticks), the CPU lines grow by at least
 * the CPU time this process burns, "intr" starts with a total no smaller
 * than the per-IRQ counts after it, "processes" counts forks and threads,
 * btime + uptime is now, procs_running counts the reader; /proc/loadavg's
 * runnable/total threads; /proc/meminfo's totals are consistent. */
#define _GNU_SOURCE
#include <sys/times.h>

#include "t.h"

struct cpu_line {
    unsigned long long v[10];
    unsigned long long total; /* the first eight: guests are inside user */
};

static char text[65536];

static struct cpu_line cpu(const char *name)
{
    char want[16];
    snprintf(want, sizeof want, "%s ", name);
    char *at = strncmp(text, want, strlen(want)) == 0 ? text : NULL;
    if (!at) {
        snprintf(want, sizeof want, "\n%s ", name);
        at = strstr(text, want);
        CHECK(at != NULL);
        at++;
    }
    struct cpu_line l = {0};
    CHECK_EQ(sscanf(at + strlen(name), " %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &l.v[0], &l.v[1], &l.v[2],
                    &l.v[3], &l.v[4], &l.v[5], &l.v[6], &l.v[7], &l.v[8], &l.v[9]),
             10);
    for (int i = 0; i < 8; i++)
        l.total += l.v[i];
    return l;
}

static unsigned long long stat_value(const char *name)
{
    char want[32];
    snprintf(want, sizeof want, "\n%s ", name);
    char *at = strstr(text, want);
    CHECK(at != NULL);
    return strtoull(at + strlen(want), NULL, 10);
}

static double uptime(void)
{
    char buf[128];
    t_read_file("/proc/uptime", buf, sizeof buf);
    return strtod(buf, NULL);
}

static int thread_fn(void *arg)
{
    (void)arg;
    return 0;
}

int main(void)
{
    t_require_own_proc();
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    CHECK(ncpu >= 1);

    t_read_file("/proc/stat", text, sizeof text);
    CHECK(strncmp(text, "cpu  ", 5) == 0); /* two spaces, as Linux */
    double up = uptime();
    struct cpu_line all = cpu("cpu"), cpu0 = cpu("cpu0");
    /* cpu0 accounts for its whole time since boot (a little is missed
     * before the first tick, Linux's nohz idle may lag a little; on a host
     * up for hours its sum may also run ahead of uptime: 16 s in 11 h). */
    double cpu0_seconds = (double)cpu0.total / 100.0;
    if (cpu0_seconds > up * 1.01 + 1.0 || cpu0_seconds < up * 0.9 - 2.0)
        FAIL("cpu0 adds up to %.2f s, uptime is %.2f s", cpu0_seconds, up);
    CHECK(all.total >= cpu0.total);

    /* intr: the total, then one count per IRQ number. */
    char *intr = strstr(text, "\nintr ");
    CHECK(intr != NULL);
    char *end;
    unsigned long long intr_total = strtoull(intr + 6, &end, 10), listed = 0;
    CHECK(intr_total > 0);
    while (*end == ' ')
        listed += strtoull(end + 1, &end, 10);
    CHECK(*end == '\n');
    CHECK(intr_total >= listed);

    /* btime: the boot, in seconds since the epoch. */
    long long boot = (long long)stat_value("btime");
    long long now = (long long)time(NULL);
    if (boot + (long long)up < now - 2 || boot + (long long)up > now + 2)
        FAIL("btime %lld + uptime %.0f is not now (%lld)", boot, up, now);
    CHECK(stat_value("procs_running") >= 1); /* us */
    (void)stat_value("procs_blocked");
    unsigned long long ctxt = stat_value("ctxt");
    unsigned long long processes = stat_value("processes");

    /* Burn CPU: the CPU lines grow by at least what we burnt. */
    struct tms a, b;
    times(&a);
    t_burn_cpu_ms(100);
    times(&b);
    unsigned long long burnt = (unsigned long long)((b.tms_utime - a.tms_utime) + (b.tms_stime - a.tms_stime));
    t_read_file("/proc/stat", text, sizeof text);
    struct cpu_line all_after = cpu("cpu");
    unsigned long long busy = (all_after.v[0] + all_after.v[1] + all_after.v[2]) - (all.v[0] + all.v[1] + all.v[2]);
    if (busy + 2 < burnt)
        FAIL("the cpu line's user+nice+system grew by %llu ticks, we burnt %llu", busy, burnt);
    CHECK(stat_value("ctxt") >= ctxt);

    /* A fork and a thread are two more "processes" (Linux's total_forks). */
    pid_t child = t_fork();
    if (child == 0)
        _exit(0);
    CHECK_EXITED(t_wait(child), 0);
    struct t_thread thread;
    t_thread_start(&thread, thread_fn, NULL);
    t_thread_join(&thread);
    t_read_file("/proc/stat", text, sizeof text);
    CHECK(stat_value("processes") >= processes + 2);

    /* loadavg: three averages, runnable/total threads, the last pid. */
    char buf[256];
    t_read_file("/proc/loadavg", buf, sizeof buf);
    double l1, l5, l15;
    int running, threads, last;
    CHECK_EQ(sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &running, &threads, &last), 6);
    CHECK(running >= 1 && running <= threads);
    CHECK(last > 0);
    CHECK(l1 >= 0 && l5 >= 0 && l15 >= 0);

    /* meminfo: the totals top and free show. */
    t_read_file("/proc/meminfo", text, sizeof text);
    unsigned long long total = 0, free_kb = 0, available = 0;
    CHECK_EQ(sscanf(text, "MemTotal: %llu kB\nMemFree: %llu kB\nMemAvailable: %llu kB", &total, &free_kb, &available),
             3);
    CHECK(total > 0 && free_kb <= total && available <= total);
    return 0;
}
