/* /proc/self and /proc/PID/{stat,status,cmdline,comm,exe} show what the
 * process's own system calls report: pid, parent, group, session, name,
 * state, threads, credentials, argv. Values are compared with getpid() and
 * friends, never with constants of one kernel. */
#include <sys/stat.h>

#include "t.h"

/* The value of "Key:\t..." in a status file. */
static const char *status_value(const char *status, const char *key)
{
    size_t k = strlen(key);
    for (const char *line = status; *line;) {
        if (strncmp(line, key, k) == 0 && line[k] == ':' && line[k + 1] == '\t')
            return line + k + 2;
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    FAIL("no %s line in status", key);
    return NULL;
}

int main(int argc, char **argv)
{
    (void)argc;
    char buf[8192], path[64];
    pid_t pid = getpid();
    t_require_own_proc();

    /* /proc/self is a symlink to our pid. */
    char link[64];
    ssize_t n = CHECK_SYS(readlink("/proc/self", link, sizeof link - 1));
    link[n] = 0;
    char expect[32];
    snprintf(expect, sizeof expect, "%d", (int)pid);
    CHECK(strcmp(link, expect) == 0);

    /* stat: "pid (comm) state ppid pgrp session tty_nr tpgid flags ..." */
    t_read_file("/proc/self/stat", buf, sizeof buf);
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    char comm[16];
    snprintf(comm, sizeof comm, "%s", base); /* comm is truncated to 15 bytes */
    int spid, sppid, spgrp, ssid, tty, tpgid;
    char state;
    char *close_paren = strrchr(buf, ')');
    CHECK(close_paren != NULL);
    CHECK_EQ(sscanf(buf, "%d", &spid), 1);
    CHECK_EQ(spid, pid);
    CHECK(strncmp(strchr(buf, '(') + 1, comm, strlen(comm)) == 0);
    CHECK_EQ(
        sscanf(close_paren + 2, "%c %d %d %d %d %d", &state, &sppid, &spgrp, &ssid, &tty, &tpgid),
        6);
    CHECK_EQ(state, 'R'); /* we are running while we read it */
    CHECK_EQ(sppid, getppid());
    CHECK_EQ(spgrp, getpgrp());
    CHECK_EQ(ssid, getsid(0));
    /* field 20 is num_threads, 22 starttime, 23 vsize, 24 rss */
    const char *p = close_paren + 2;
    for (int field = 3; field < 20; field++)
        p = strchr(p, ' ') + 1;
    long threads = strtol(p, NULL, 10);
    CHECK_EQ(threads, 1);
    p = strchr(p, ' ') + 1;
    p = strchr(p, ' ') + 1;
    p = strchr(p, ' ') + 1;
    unsigned long vsize = strtoul(p, NULL, 10);
    p = strchr(p, ' ') + 1;
    long rss = strtol(p, NULL, 10);
    /* Linux's RSS counters are batched per CPU: a small process may still
     * read 0, so only the sign is checked. */
    CHECK(vsize > 0);
    CHECK(rss >= 0);
    /* 52 fields, one line. */
    int spaces = 0;
    for (const char *c = close_paren; *c; c++)
        spaces += *c == ' ';
    CHECK_EQ(spaces, 50);
    CHECK(buf[strlen(buf) - 1] == '\n');

    /* status */
    t_read_file("/proc/self/status", buf, sizeof buf);
    CHECK(strncmp(buf, "Name:\t", 6) == 0);
    CHECK(strncmp(status_value(buf, "Name"), comm, strlen(comm)) == 0);
    CHECK(strncmp(status_value(buf, "State"), "R (running)\n", 12) == 0);
    CHECK_EQ(atoi(status_value(buf, "Tgid")), pid);
    CHECK_EQ(atoi(status_value(buf, "Pid")), pid);
    CHECK_EQ(atoi(status_value(buf, "PPid")), getppid());
    CHECK_EQ(atoi(status_value(buf, "TracerPid")), 0);
    CHECK_EQ(atoi(status_value(buf, "Threads")), 1);
    unsigned ruid, euid, suid, fsuid;
    CHECK_EQ(sscanf(status_value(buf, "Uid"), "%u\t%u\t%u\t%u", &ruid, &euid, &suid, &fsuid), 4);
    CHECK_EQ(ruid, getuid());
    CHECK_EQ(euid, geteuid());
    CHECK(strtoul(status_value(buf, "VmSize"), NULL, 10) > 0);
    /* SigBlk follows our mask: block SIGUSR1 (bit 9) and look again. */
    t_block(SIGUSR1);
    t_read_file("/proc/self/status", buf, sizeof buf);
    unsigned long long blocked = strtoull(status_value(buf, "SigBlk"), NULL, 16);
    CHECK(blocked & (1ull << (SIGUSR1 - 1)));
    t_unblock(SIGUSR1);

    /* cmdline: argv, each NUL-terminated. */
    size_t len = t_read_file("/proc/self/cmdline", buf, sizeof buf);
    size_t want = 0;
    for (int i = 0; argv[i]; i++) {
        CHECK(strcmp(buf + want, argv[i]) == 0);
        want += strlen(argv[i]) + 1;
    }
    CHECK_EQ(len, want);

    /* comm, with its newline. */
    t_read_file("/proc/self/comm", buf, sizeof buf);
    CHECK(strncmp(buf, comm, strlen(comm)) == 0 && buf[strlen(comm)] == '\n');

    /* exe is the file we run. */
    struct stat a, b;
    CHECK_SYS(stat("/proc/self/exe", &a));
    CHECK_SYS(stat(t_self_path(argv[0]), &b));
    CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);

    /* The same through /proc/PID, and a pid that does not exist. */
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    t_read_file(path, buf, sizeof buf);
    CHECK_EQ(atoi(status_value(buf, "Pid")), pid);
    CHECK_ERR(open("/proc/0/stat", O_RDONLY), ENOENT);
    CHECK_ERR(open("/proc/self/nonexistent", O_RDONLY), ENOENT);
    /* /proc files are not writable by a write method they lack. */
    int fd = CHECK_SYS(open("/proc/self/stat", O_RDONLY));
    CHECK_ERR(write(fd, "x", 1), EBADF);
    close(fd);
    return 0;
}
