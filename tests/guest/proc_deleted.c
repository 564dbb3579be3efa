/* /proc names as Linux's d_path: a file unlinked since it was opened,
 * mapped or exec'd shows its path with " (deleted)" in /proc/PID/fd/N,
 * /proc/PID/maps and /proc/PID/exe; MAP_SHARED anonymous memory (and
 * /dev/zero mapped shared) is the unlinked shmem file "/dev/zero
 * (deleted)" on an anonymous device, one inode per mapping object, the
 * same in a fork child. */
#include <sys/stat.h>

#include "t.h"

static void read_link(const char *path, char *out, size_t size)
{
    ssize_t n = CHECK_SYS(readlink(path, out, size - 1));
    out[n] = 0;
}

/* The maps line of the area holding `address`: its device, inode and name. */
static void map_of(void *address, unsigned *major_number, unsigned *minor_number, unsigned long *ino, char *perms,
                   char *name, size_t name_size)
{
    static char buf[65536];
    t_read_file("/proc/self/maps", buf, sizeof buf);
    for (char *line = buf; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = 0;
        unsigned long start, stop, offset;
        int used = 0;
        if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &start, &stop, perms, &offset, major_number, minor_number,
                   ino, &used) >= 7 &&
            (unsigned long)address >= start && (unsigned long)address < stop) {
            snprintf(name, name_size, "%s", used ? line + used : "");
            return;
        }
        line = end ? end + 1 : NULL;
    }
    FAIL("no maps line holds %p", address);
}

static void copy_file(const char *from, const char *to)
{
    int in = CHECK_SYS(open(from, O_RDONLY | O_CLOEXEC));
    int out = CHECK_SYS(open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700));
    static char buffer[65536];
    ssize_t n;
    while ((n = read(in, buffer, sizeof buffer)) > 0)
        CHECK_EQ(write(out, buffer, (size_t)n), n);
    CHECK_EQ(n, 0);
    close(in);
    close(out);
}

int main(int argc, char **argv)
{
    char link[512], want[600], name[600], perms[8];
    unsigned major_number, minor_number;
    unsigned long ino;

    if (argc == 2 && strcmp(argv[1], "exe") == 0) {
        /* An exec'd copy that removes itself: exe and the code's maps
         * lines say so. */
        read_link("/proc/self/exe", link, sizeof link);
        char path[512];
        snprintf(path, sizeof path, "%s", link);
        CHECK(strstr(link, "(deleted)") == NULL);
        CHECK_SYS(unlink(path));
        read_link("/proc/self/exe", link, sizeof link);
        snprintf(want, sizeof want, "%s (deleted)", path);
        if (strcmp(link, want) != 0)
            FAIL("exe of a removed binary: '%s', want '%s'", link, want);
        map_of((void *)main, &major_number, &minor_number, &ino, perms, name, sizeof name);
        if (strcmp(name, want) != 0)
            FAIL("maps names our code '%s', want '%s'", name, want);
        return 0;
    }
    t_require_own_proc();

    /* A descriptor, a shared and a private mapping of a file removed
     * since; a new file under the same name does not revive the name. */
    char path[64];
    snprintf(path, sizeof path, "/tmp/proc_deleted.%d", (int)getpid());
    int fd = CHECK_SYS(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    CHECK_SYS(ftruncate(fd, 8192));
    char *shared = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    char *private = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
    CHECK(shared != MAP_FAILED && private != MAP_FAILED);
    char fd_path[64];
    snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", fd);
    read_link(fd_path, link, sizeof link);
    CHECK(strcmp(link, path) == 0);
    CHECK_SYS(unlink(path));
    snprintf(want, sizeof want, "%s (deleted)", path);
    read_link(fd_path, link, sizeof link);
    if (strcmp(link, want) != 0)
        FAIL("fd link of a removed file: '%s', want '%s'", link, want);
    int again = CHECK_SYS(open(path, O_RDWR | O_CREAT | O_EXCL, 0600));
    read_link(fd_path, link, sizeof link);
    CHECK(strcmp(link, want) == 0);
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    map_of(shared, &major_number, &minor_number, &ino, perms, name, sizeof name);
    CHECK(strcmp(perms, "r--s") == 0);
    CHECK_EQ(ino, st.st_ino);
    if (strcmp(name, want) != 0)
        FAIL("maps of a removed file (shared): '%s', want '%s'", name, want);
    map_of(private, &major_number, &minor_number, &ino, perms, name, sizeof name);
    CHECK(strcmp(perms, "r--p") == 0);
    if (strcmp(name, want) != 0)
        FAIL("maps of a removed file (private): '%s', want '%s'", name, want);
    CHECK_SYS(unlink(path));
    close(again);
    close(fd);
    CHECK_SYS(munmap(shared, 4096));
    CHECK_SYS(munmap(private, 4096));

    /* Shared anonymous memory: "/dev/zero (deleted)" on an anonymous
     * device; each mmap makes its own object. */
    char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *b = mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED && b != MAP_FAILED);
    unsigned long ino_a, ino_b;
    map_of(a, &major_number, &minor_number, &ino_a, perms, name, sizeof name);
    CHECK(strcmp(perms, "rw-s") == 0);
    CHECK_EQ(major_number, 0);
    CHECK(minor_number != 0);
    CHECK(ino_a != 0);
    if (strcmp(name, "/dev/zero (deleted)") != 0)
        FAIL("shared anonymous memory named '%s'", name);
    map_of(b, &major_number, &minor_number, &ino_b, perms, name, sizeof name);
    CHECK(strcmp(name, "/dev/zero (deleted)") == 0);
    CHECK(ino_b != 0 && ino_b != ino_a);
    /* /dev/zero mapped shared is the same kind of object. */
    int zero = CHECK_SYS(open("/dev/zero", O_RDWR));
    char *z = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0);
    CHECK(z != MAP_FAILED);
    close(zero);
    map_of(z, &major_number, &minor_number, &ino, perms, name, sizeof name);
    CHECK(strcmp(name, "/dev/zero (deleted)") == 0);
    CHECK(ino != ino_a && ino != ino_b);
    /* Private anonymous memory stays unnamed. */
    char *anon = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(anon != MAP_FAILED);
    map_of(anon, &major_number, &minor_number, &ino, perms, name, sizeof name);
    CHECK_EQ(ino, 0);
    CHECK(strstr(name, "/dev/zero") == NULL);
    /* A fork child maps the same object. */
    pid_t child = t_fork();
    if (child == 0) {
        unsigned long seen;
        map_of(a, &major_number, &minor_number, &seen, perms, name, sizeof name);
        CHECK_EQ(seen, ino_a);
        CHECK(strcmp(name, "/dev/zero (deleted)") == 0);
        _exit(0);
    }
    CHECK_EQ(t_wait(child), 0);

    /* A binary removed while it runs. */
    char copy[64];
    snprintf(copy, sizeof copy, "/tmp/proc_deleted.%d.exe", (int)getpid());
    copy_file(t_self_path(argv[0]), copy);
    child = t_fork();
    if (child == 0) {
        char *args[] = {copy, "exe", NULL};
        execv(copy, args);
        _exit(127);
    }
    int status = t_wait(child);
    unlink(copy); /* if the child failed before removing it */
    CHECK_EXITED(status, 0);
    return 0;
}
