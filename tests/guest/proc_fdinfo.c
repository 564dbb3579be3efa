/* /proc/PID/fdinfo as Linux 6.x: one file per open descriptor with
 * "pos:", "flags:" (F_GETFL in octal, plus O_CLOEXEC 02000000 for an
 * FD_CLOEXEC descriptor), "mnt_id:" (statx's stx_mnt_id) and "ino:"
 * (st_ino); a pidfd adds "Pid:" and "NSpid:", -1 once the process is
 * reaped. The directory is 0555, its files 0444, yet only the process,
 * root or a caller with all of its ids may look in (ptrace_may_access). */
#include <dirent.h>
#include <sys/stat.h>

#include "t.h"

#define T_STATX_MNT_ID 0x1000

static void fdinfo_of(pid_t pid, int fd, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)pid, fd);
    t_read_file(path, buf, size);
}

static unsigned long field(const char *text, const char *name)
{
    const char *at = strstr(text, name);
    if (!at)
        FAIL("no %s in:\n%s", name, text);
    return strtoul(at + strlen(name), NULL, 0); /* base 0: "0..." is octal */
}

static uint64_t mount_id_of(int fd)
{
    uint64_t sx[32]; /* struct statx: stx_mnt_id at byte 144 */
    memset(sx, 0, sizeof sx);
    CHECK_SYS(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, T_STATX_MNT_ID, sx));
    return sx[144 / 8];
}

/* The four lines exactly as Linux's seq_show prints them for `fd`, from
 * what fstat, fcntl, lseek and statx say. */
static void check_head(int fd)
{
    char got[512], want[256];
    fdinfo_of(getpid(), fd, got, sizeof got);
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    int flags = CHECK_SYS(fcntl(fd, F_GETFL));
    if (CHECK_SYS(fcntl(fd, F_GETFD)) & FD_CLOEXEC)
        flags |= O_CLOEXEC;
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (pos < 0)
        pos = 0; /* pipes, pidfds */
    snprintf(want, sizeof want, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%llu\nino:\t%llu\n", (long long)pos,
             (unsigned)flags, (unsigned long long)mount_id_of(fd), (unsigned long long)st.st_ino);
    if (strncmp(got, want, strlen(want)) != 0)
        FAIL("fdinfo of %d:\n%swant:\n%s", fd, got, want);
}

static int names_of(const char *dir, int *out, int max)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        CHECK(n < max);
        out[n++] = atoi(e->d_name);
    }
    closedir(d);
    return n;
}

static int has(const int *fds, int n, int fd)
{
    for (int i = 0; i < n; i++)
        if (fds[i] == fd)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    t_require_own_proc();
    char buf[1024];

    /* A regular file: O_CLOEXEC shows as 02000000 while FD_CLOEXEC is set;
     * the position follows lseek. */
    const char *self = t_self_path(argv[0]);
    int file = CHECK_SYS(open(self, O_RDONLY | O_CLOEXEC));
    check_head(file);
    fdinfo_of(getpid(), file, buf, sizeof buf);
    CHECK(field(buf, "flags:\t") & O_CLOEXEC);
    CHECK_SYS(fcntl(file, F_SETFD, 0));
    check_head(file);
    fdinfo_of(getpid(), file, buf, sizeof buf);
    CHECK(!(field(buf, "flags:\t") & O_CLOEXEC));
    CHECK_EQ(lseek(file, 7, SEEK_SET), 7);
    check_head(file);
    fdinfo_of(getpid(), file, buf, sizeof buf);
    CHECK_EQ(field(buf, "pos:\t"), 7);
    /* Nothing more for a plain file. */
    CHECK(strstr(buf, "Pid:") == NULL);

    /* Pipes: the access mode alone, "00" for the read end. */
    int p[2], q[2];
    t_pipe(p);
    CHECK_SYS(pipe2(q, O_CLOEXEC | O_NONBLOCK));
    check_head(p[0]);
    check_head(p[1]);
    check_head(q[0]);
    fdinfo_of(getpid(), p[0], buf, sizeof buf);
    CHECK(strstr(buf, "\nflags:\t00\n") != NULL);
    fdinfo_of(getpid(), p[1], buf, sizeof buf);
    CHECK(strstr(buf, "\nflags:\t01\n") != NULL);
    fdinfo_of(getpid(), q[0], buf, sizeof buf);
    CHECK(strstr(buf, "\nflags:\t02004000\n") != NULL);
    /* A directory. */
    int dir = CHECK_SYS(open("/", O_RDONLY | O_DIRECTORY));
    check_head(dir);

    /* fdinfo/ lists the same descriptors as fd/ (each listing's own
     * directory descriptor is the same lowest free number). */
    int a[256], b[256];
    int na = names_of("/proc/self/fd", a, 256), nb = names_of("/proc/self/fdinfo", b, 256);
    CHECK_EQ(na, nb);
    for (int i = 0; i < na; i++)
        CHECK(has(b, nb, a[i]));
    CHECK(has(b, nb, file) && has(b, nb, q[1]));
    close(q[1]);
    snprintf(buf, sizeof buf, "/proc/self/fdinfo/%d", q[1]);
    CHECK_ERR(open(buf, O_RDONLY), ENOENT);
    /* A thread's view too. */
    snprintf(buf, sizeof buf, "/proc/self/task/%d/fdinfo/%d", (int)getpid(), file);
    CHECK_SYS(access(buf, R_OK));

    /* Modes: 0555 and 0444, whoever may actually look. */
    struct stat st;
    CHECK_SYS(stat("/proc/self/fdinfo", &st));
    CHECK_EQ(st.st_mode & 07777, 0555);
    snprintf(buf, sizeof buf, "/proc/self/fdinfo/%d", file);
    CHECK_SYS(stat(buf, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0444);

    /* A pidfd: Pid and NSpid while the child lives and as a zombie, -1
     * once it is reaped. */
    int ready[2];
    t_pipe(ready);
    pid_t child = t_fork();
    if (child == 0) {
        close(ready[0]);
        /* Another uid cannot look into our parent's fdinfo, even where the
         * mode bits would allow it, but still into its own. */
        if (t_is_root()) {
            uid_t uid = t_private_uid(0);
            CHECK_SYS(setresgid(uid, uid, uid));
            CHECK_SYS(setresuid(uid, uid, uid));
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)getppid(), file);
            CHECK_ERR(open(path, O_RDONLY), EACCES);
            snprintf(path, sizeof path, "/proc/%d/fdinfo", (int)getppid());
            CHECK_ERR(open(path, O_RDONLY | O_DIRECTORY), EACCES);
            CHECK_SYS(stat(path, &st)); /* stat needs no access */
            char own[512];
            fdinfo_of(getpid(), ready[1], own, sizeof own);
        }
        t_send(ready[1], 'r');
        pause();
        _exit(0);
    }
    close(ready[1]);
    CHECK_EQ(t_recv(ready[0]), 'r');
    int pidfd = CHECK_SYS(t_pidfd_open(child, 0));
    check_head(pidfd);
    char want[64];
    snprintf(want, sizeof want, "\nPid:\t%d\nNSpid:\t%d\n", (int)child, (int)child);
    fdinfo_of(getpid(), pidfd, buf, sizeof buf);
    CHECK(strstr(buf, want) != NULL);
    CHECK(strstr(buf, "\nflags:\t02000002\n") != NULL); /* O_RDWR, always close-on-exec */
    /* Root reads the child's files (it dropped its ids). */
    fdinfo_of(child, ready[1], buf, sizeof buf);
    CHECK(strstr(buf, "\nflags:\t01\n") != NULL);
    CHECK_SYS(kill(child, SIGKILL));
    siginfo_t si;
    CHECK_SYS(sys_waitid(P_PID, child, &si, WEXITED | WNOWAIT, NULL));
    fdinfo_of(getpid(), pidfd, buf, sizeof buf);
    CHECK(strstr(buf, want) != NULL);
    CHECK_SIGNALED(t_wait(child), SIGKILL);
    fdinfo_of(getpid(), pidfd, buf, sizeof buf);
    CHECK(strstr(buf, "\nPid:\t-1\nNSpid:\t-1\n") != NULL);
    /* Our own, with PIDFD_NONBLOCK in the flags. */
    int own = CHECK_SYS(t_pidfd_open(getpid(), T_PIDFD_NONBLOCK));
    fdinfo_of(getpid(), own, buf, sizeof buf);
    CHECK(strstr(buf, "\nflags:\t02004002\n") != NULL);
    snprintf(want, sizeof want, "\nPid:\t%d\nNSpid:\t%d\n", (int)getpid(), (int)getpid());
    CHECK(strstr(buf, want) != NULL);
    return 0;
}
