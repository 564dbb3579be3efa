/* ETXTBSY (Linux 6.x deny_write_access / i_writecount): a file that a live
 * image was executed from cannot be opened for writing or truncated, and a
 * file open for writing cannot be executed (a script neither). The hold
 * belongs to the image: a fork of it keeps it, and it goes when the last
 * copy exits (or execs something else); the writer's goes with its last
 * descriptor. */
#include <sys/stat.h>

#include "t.h"

static char dir[] = "/tmp/fs_etxtbsy_XXXXXX";
static char copy[64], script[64];

static void copy_file(const char *from, const char *to)
{
    int in = CHECK_SYS(open(from, O_RDONLY | O_CLOEXEC));
    int out = CHECK_SYS(open(to, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0755));
    char buf[4096];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        CHECK_EQ(write(out, buf, (size_t)n), n);
    CHECK_EQ(n, 0);
    close(in);
    close(out);
}

/* Runs `path` with argv[1] = `mode` in a child; returns its wait status. */
static int run(const char *path, const char *mode)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        char *args[] = {(char *)path, (char *)mode, NULL};
        execv(path, args);
        _exit(errno == ETXTBSY ? 42 : 43);
    }
    return t_wait(pid);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "ok") == 0)
        return 0;
    if (argc >= 3 && strcmp(argv[1], "hold") == 0) {
        /* The running image: a fork of it holds the binary too; the
         * original exits first, then the fork says it is ready. */
        int fd = atoi(argv[2]);
        pid_t child = fork();
        if (child < 0)
            return 1;
        if (child > 0)
            return 0;
        pid_t me = getpid();
        (void)!write(fd, &me, sizeof me);
        pause();
        return 0;
    }
    const char *self = t_self_path(argv[0]);
    CHECK(mkdtemp(dir) != NULL);
    snprintf(copy, sizeof copy, "%s/prog", dir);
    snprintf(script, sizeof script, "%s/script", dir);
    copy_file(self, copy);
    /* The leak check's baseline (Charon): after the directory has its entry. */
    struct t_charon_stats base;
    int have_stats = t_charon_stats(&base);
    if (have_stats)
        t_charon_stable_snapshot(&base);

    /* A running image (a fork of it, its first process gone: the fork is
     * ours to reap as the subreaper). */
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1));
    int ready[2];
    t_pipe(ready);
    char fdarg[16];
    snprintf(fdarg, sizeof fdarg, "%d", ready[1]);
    pid_t first = t_fork();
    if (first == 0) {
        close(ready[0]);
        char *args[] = {copy, "hold", fdarg, NULL};
        execv(copy, args);
        _exit(99);
    }
    close(ready[1]);
    pid_t holder;
    CHECK_EQ(read(ready[0], &holder, sizeof holder), (ssize_t)sizeof holder);
    close(ready[0]);
    CHECK_EQ(t_wait(first), 0);
    CHECK_ERR(open(copy, O_WRONLY), ETXTBSY);
    CHECK_ERR(open(copy, O_RDWR), ETXTBSY);
    CHECK_ERR(open(copy, O_WRONLY | O_TRUNC), ETXTBSY);
    CHECK_ERR(truncate(copy, 0), ETXTBSY);
    int fd = CHECK_SYS(open(copy, O_RDONLY)); /* reading is fine */
    close(fd);
    CHECK_EQ(run(copy, "ok"), 0); /* executing it again too */
    struct stat st;
    CHECK_SYS(stat(copy, &st));
    CHECK(st.st_size > 0); /* nothing truncated it */
    /* The last image exits: the file is writable again. */
    CHECK_SYS(kill(holder, SIGKILL));
    CHECK_SIGNALED(t_wait(holder), SIGKILL);
    fd = CHECK_SYS(open(copy, O_WRONLY | O_CLOEXEC));

    /* Open for writing: execve is ETXTBSY (our fd is inherited by the child
     * until exec, but close-on-exec or not, the open file is what counts). */
    CHECK_EQ(run(copy, "ok"), 42 << 8);
    int dupped = CHECK_SYS(dup(fd)); /* the last descriptor counts, not the first */
    close(fd);
    CHECK_EQ(run(copy, "ok"), 42 << 8);
    close(dupped);
    CHECK_EQ(run(copy, "ok"), 0);
    CHECK_SYS(truncate(copy, st.st_size)); /* no image: truncate works */

    if (have_stats)
        t_charon_expect_baseline_after_peak(&base);

    /* A script open for writing cannot be executed either. */
    fd = CHECK_SYS(open(script, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0755));
    char line[128];
    int len = snprintf(line, sizeof line, "#!%s ok\n", copy);
    CHECK_EQ(write(fd, line, (size_t)len), len);
    CHECK_EQ(run(script, "ok"), 42 << 8);
    close(fd);
    CHECK_EQ(run(script, "ok"), 0); /* the interpreter runs with argv[1] = "ok" */

    CHECK_SYS(unlink(script));
    CHECK_SYS(unlink(copy));
    CHECK_SYS(rmdir(dir));
    return 0;
}
