/* RLIMIT_NPROC after a change of real uid (Linux flag_nproc_exceeded and
 * do_execveat_common): setuid into a user that is over the caller's
 * RLIMIT_NPROC succeeds, but marks the caller, and its next execve fails
 * with EAGAIN for as long as that user is still over the limit ("over" is
 * strictly more tasks than the limit); once the user is back at or under
 * it, execve works. The user's count includes the caller after the setuid:
 * the count moved with it. */
#include "t.h"
#include <sys/stat.h>

/* What the unprivileged caller execs: a copy of this binary that anyone may
 * execute, since the test's own directory may be private (a clone in a
 * `mktemp -d` directory is 0700, and execve would fail with EACCES). */
static const char *public_copy(const char *self, char *path, size_t size)
{
    snprintf(path, size, "/tmp/rlimit_nproc_exec.%d", (int)getpid());
    int in = open(self, O_RDONLY | O_CLOEXEC);
    CHECK(in >= 0);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    CHECK(out >= 0);
    static char buffer[65536];
    ssize_t n;
    while ((n = read(in, buffer, sizeof buffer)) > 0)
        CHECK_EQ(write(out, buffer, (size_t)n), n);
    CHECK_EQ(n, 0);
    close(in);
    close(out);
    CHECK_SYS(chmod(path, 0755)); /* whatever the umask */
    return path;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "exec-ok") == 0) {
        while (wait(NULL) > 0) /* the last helper sees EOF at our exec and exits */
            ;
        return 7;
    }
    T_REQUIRE_ROOT();
    char copy[64];
    const char *self = public_copy(t_self_path(argv[0]), copy, sizeof copy);
    uid_t uid = t_private_uid(0);
    struct t_charon_stats base;
    int have_stats = t_charon_stats(&base);
    if (have_stats)
        t_charon_stable_snapshot(&base);
    pid_t pid = t_fork();
    if (pid == 0) {
        /* Three processes of `uid`, forked while we are root (exempt). */
        int go[2], ready[2];
        CHECK_SYS(pipe2(go, O_CLOEXEC));
        t_pipe(ready);
        pid_t helpers[3];
        for (int i = 0; i < 3; i++) {
            helpers[i] = t_fork();
            if (helpers[i] == 0) {
                close(go[1]);
                CHECK_SYS(setresuid(uid, uid, uid));
                CHECK_EQ(write(ready[1], "r", 1), 1);
                char c;
                (void)!read(go[0], &c, 1);
                _exit(0);
            }
        }
        close(go[0]);
        close(ready[1]);
        for (int i = 0; i < 3; i++) {
            char c;
            CHECK_EQ(read(ready[0], &c, 1), 1);
        }
        struct rlimit rl = {2, 2};
        CHECK_SYS(setrlimit(RLIMIT_NPROC, &rl));
        /* 3 tasks > 2: setuid still succeeds... */
        CHECK_SYS(setresuid(uid, uid, uid));
        char *args[] = {(char *)self, "exec-ok", NULL};
        char *env[] = {NULL};
        /* ...and execve fails (4 tasks now, us included). */
        CHECK_ERR(execve(self, args, env), EAGAIN);
        CHECK_ERR(fork(), EAGAIN);
        /* 3 tasks: still over, the mark stays. */
        CHECK_SYS(kill(helpers[0], SIGKILL));
        CHECK_SIGNALED(t_wait(helpers[0]), SIGKILL);
        CHECK_ERR(execve(self, args, env), EAGAIN);
        /* 2 tasks: not over 2. */
        CHECK_SYS(kill(helpers[1], SIGKILL));
        CHECK_SIGNALED(t_wait(helpers[1]), SIGKILL);
        execve(self, args, env);
        FAIL("execve at the limit: %s", strerror(errno));
    }
    int status = t_wait(pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 7);
    if (have_stats)
        t_charon_expect_baseline_after_peak(&base); /* the user's account is gone, root's count is back */
    CHECK_SYS(unlink(copy));
    return 0;
}
