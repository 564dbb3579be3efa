/* /proc/self/fd links name what each descriptor refers to, /proc/self/maps
 * shows a new mapping with its protection and names the binary's code with
 * its device and inode, /proc/self/task lists every
 * thread and shows each one's stat and status. */
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "t.h"

static void fd_link(int fd, char *out, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = CHECK_SYS(readlink(path, out, size - 1));
    out[n] = 0;
}

static int dir_has(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        found |= strcmp(e->d_name, name) == 0;
    closedir(d);
    return found;
}

static volatile int thread_stop;

static int thread_fn(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&thread_stop, __ATOMIC_ACQUIRE))
        sys_futex((int *)&thread_stop, T_FUTEX_WAIT, 0, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    char buf[65536], link[256], name[32];
    t_require_own_proc();

    /* fd links: a pipe, and a regular file that stat()s as ours. */
    int p[2];
    t_pipe(p);
    fd_link(p[0], link, sizeof link);
    CHECK(strncmp(link, "pipe:[", 6) == 0);
    struct stat st;
    CHECK_SYS(fstat(p[0], &st));
    char want[64];
    snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)st.st_ino);
    CHECK(strcmp(link, want) == 0);
    const char *self = t_self_path(argv[0]);
    int fd = CHECK_SYS(open(self, O_RDONLY));
    fd_link(fd, link, sizeof link);
    struct stat a, b;
    CHECK_SYS(stat(link, &a));
    CHECK_SYS(stat(self, &b));
    CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    /* A high number, so that opendir cannot reuse it once closed. */
    CHECK_EQ(dup2(fd, 100), 100);
    close(fd);
    CHECK(dir_has("/proc/self/fd", "100"));
    close(100);
    CHECK(!dir_has("/proc/self/fd", "100"));
    CHECK_ERR(readlink("/proc/self/fd/100", link, sizeof link), ENOENT);
    close(p[0]);
    close(p[1]);

    /* maps: a fresh read-only mapping appears with its exact range. */
    size_t length = 5 * 4096;
    char *m = mmap(NULL, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    char line[128];
    snprintf(line, sizeof line, "%08lx-%08lx r--p ", (unsigned long)m, (unsigned long)(m + length));
    t_read_file("/proc/self/maps", buf, sizeof buf);
    CHECK(strstr(buf, line) != NULL);
    CHECK(strstr(buf, "[stack]") != NULL);
    /* The binary's code is named: an r-xp line with /proc/self/exe's path,
     * the file's device and inode. */
    char exe[256], path_in_maps[256], perms[8];
    ssize_t exe_length = CHECK_SYS(readlink("/proc/self/exe", exe, sizeof exe - 1));
    exe[exe_length] = '\0';
    struct stat exe_stat;
    CHECK_SYS(stat(exe, &exe_stat));
    int named = 0;
    for (char *at = buf; at && *at; at = strchr(at, '\n') ? strchr(at, '\n') + 1 : NULL) {
        unsigned long start, end, offset, ino;
        unsigned major_number, minor_number;
        if (sscanf(at, "%lx-%lx %7s %lx %x:%x %lu %255s", &start, &end, perms, &offset, &major_number,
                   &minor_number, &ino, path_in_maps) != 8)
            continue;
        if (strcmp(perms, "r-xp") != 0 || strcmp(path_in_maps, exe) != 0)
            continue;
        CHECK_EQ(ino, exe_stat.st_ino);
        CHECK_EQ(major_number, major(exe_stat.st_dev));
        CHECK_EQ(minor_number, minor(exe_stat.st_dev));
        named = 1;
    }
    if (!named)
        FAIL("no r-xp line names %s in /proc/self/maps:\n%s", exe, buf);
    CHECK_SYS(munmap(m, length));
    t_read_file("/proc/self/maps", buf, sizeof buf);
    CHECK(strstr(buf, line) == NULL);

    /* task/: the leader and a second thread; Threads: 2 meanwhile. */
    struct t_thread t;
    t_thread_start(&t, thread_fn, NULL);
    snprintf(name, sizeof name, "%d", t.tid_ret);
    CHECK(dir_has("/proc/self/task", name));
    snprintf(name, sizeof name, "%d", (int)getpid());
    CHECK(dir_has("/proc/self/task", name));
    char path[96];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", t.tid_ret);
    t_read_file(path, buf, sizeof buf);
    CHECK_EQ(atoi(buf), t.tid_ret);
    t_read_file("/proc/self/status", buf, sizeof buf);
    CHECK(strstr(buf, "\nThreads:\t2\n") != NULL);
    snprintf(path, sizeof path, "/proc/self/task/%d/status", t.tid_ret);
    t_read_file(path, buf, sizeof buf);
    char pidline[48];
    snprintf(pidline, sizeof pidline, "\nTgid:\t%d\n", (int)getpid());
    CHECK(strstr(buf, pidline) != NULL);
    snprintf(pidline, sizeof pidline, "\nPid:\t%d\n", t.tid_ret);
    CHECK(strstr(buf, pidline) != NULL);
    __atomic_store_n(&thread_stop, 1, __ATOMIC_RELEASE);
    sys_futex((int *)&thread_stop, T_FUTEX_WAKE, 1, NULL);
    t_thread_join(&t);
    return 0;
}
