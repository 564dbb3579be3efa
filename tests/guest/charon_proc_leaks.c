/* Charon only: /proc costs nothing that stays. Opening, reading and
 * listing /proc files 10,000 times returns every kernel counter to its
 * baseline; /proc/meminfo's MemFree falls by what a mapping touches and
 * comes back when it is unmapped (Linux's MemFree moves with per-CPU page
 * lists and every other process, so this is not a native check); the
 * process count of /proc/loadavg comes back after 200 children. On Linux
 * charon_stats is ENOSYS and the test skips. */
#include <sys/mman.h>

#include "t.h"

static long mem_free_kb(void)
{
    char buf[8192];
    t_read_file("/proc/meminfo", buf, sizeof buf);
    char *line = strstr(buf, "MemFree:");
    CHECK(line != NULL);
    return strtol(line + 8, NULL, 10);
}

/* "R/T" of /proc/loadavg: T is every thread. */
static long thread_count(void)
{
    char buf[256];
    t_read_file("/proc/loadavg", buf, sizeof buf);
    char *slash = strchr(buf, '/');
    CHECK(slash != NULL);
    return strtol(slash + 1, NULL, 10);
}

static void workload(int rounds)
{
    char buf[16384], link[256];
    static const char *files[] = {"/proc/self/stat", "/proc/self/status",
                                  "/proc/self/maps", "/proc/meminfo",
                                  "/proc/1/cmdline", "/proc/self/task/../statm"};
    for (int i = 0; i < rounds; i++) {
        t_read_file(files[i % 6], buf, sizeof buf);
        if (i % 10 == 0) {
            /* getdents64 by hand: opendir's malloc would make user memory
             * (not the kernel's) the thing that moves. */
            int dir = CHECK_SYS(open(i % 20 ? "/proc" : "/proc/self/fd", O_RDONLY | O_DIRECTORY));
            while (CHECK_SYS(syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0)
                ;
            close(dir);
            CHECK_SYS(readlink("/proc/self/exe", link, sizeof link));
        }
    }
}

int main(void)
{
    struct t_charon_stats base;
    if (!t_charon_stats(&base)) {
        printf("SKIP: no charon_stats (not Charon)\n");
        return 77;
    }
    workload(200); /* warm-up: the heap grows to its working size */
    t_charon_stable_snapshot(&base);
    workload(10000);
    t_charon_expect_baseline(&base);

    long threads = thread_count();
    for (int i = 0; i < 200; i++) {
        pid_t pid = t_fork();
        if (pid == 0)
            _exit(0);
        T_WAIT_OK(pid);
    }
    CHECK_EQ(thread_count(), threads);

    size_t big = 16 << 20;
    long before = mem_free_kb();
    char *mem = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(mem != MAP_FAILED);
    for (size_t i = 0; i < big; i += 4096)
        mem[i] = 1;
    long during = mem_free_kb();
    CHECK_SYS(munmap(mem, big));
    long after = mem_free_kb();
    /* The pages themselves, plus a few page tables at most. */
    if (before - during < 16 * 1024 || before - during > 16 * 1024 + 256 ||
        after - during < 16 * 1024 || before - after > 256 || before - after < -256)
        FAIL("MemFree %ld kB, %ld kB with 16 MiB touched, %ld kB after munmap", before, during,
             after);
    return 0;
}
