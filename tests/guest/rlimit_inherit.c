/* Resource limits are per process, inherited by fork and kept by execve;
 * prlimit64 validates (soft > hard: EINVAL; raising the hard limit without
 * privilege: EPERM; unknown resource: EINVAL; other pid: ESRCH if gone). */
#include "t.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "after") == 0) {
        struct rlimit rl;
        CHECK_SYS(getrlimit(RLIMIT_NOFILE, &rl));
        CHECK_EQ(rl.rlim_cur, 50);
        CHECK_EQ(rl.rlim_max, 60);
        return 0;
    }
    const char *self = t_self_path(argv[0]);
    uid_t uid = t_private_uid(0);
    pid_t pid = t_fork();
    if (pid == 0) {
        struct rlimit rl = {50, 60};
        CHECK_SYS(setrlimit(RLIMIT_NOFILE, &rl));
        pid_t g = t_fork();
        if (g == 0) {
            struct rlimit r2;
            CHECK_SYS(getrlimit(RLIMIT_NOFILE, &r2));
            CHECK_EQ(r2.rlim_cur, 50);
            CHECK_EQ(r2.rlim_max, 60);
            char *a[] = {(char *)self, "after", NULL};
            execv(self, a);
            _exit(127);
        }
        T_WAIT_OK(g);
        struct rlimit bad = {70, 60};
        CHECK_ERR(setrlimit(RLIMIT_NOFILE, &bad), EINVAL);
        CHECK_ERR(syscall(SYS_prlimit64, 0, 1000, NULL, &rl), EINVAL);
        /* prlimit64 on another process: our child. */
        pid_t c = t_fork();
        if (c == 0) {
            pause();
            _exit(0);
        }
        struct rlimit got;
        CHECK_SYS(syscall(SYS_prlimit64, c, RLIMIT_NOFILE, NULL, &got));
        CHECK_EQ(got.rlim_cur, 50);
        kill(c, SIGKILL);
        t_wait(c);
        CHECK_ERR(syscall(SYS_prlimit64, c, RLIMIT_NOFILE, NULL, &got), ESRCH);
        if (t_is_root()) {
            CHECK_SYS(setresuid(uid, uid, uid));
            struct rlimit up = {50, 70};
            CHECK_ERR(setrlimit(RLIMIT_NOFILE, &up), EPERM);
            struct rlimit down = {40, 55};
            CHECK_SYS(setrlimit(RLIMIT_NOFILE, &down));
        }
        _exit(0);
    }
    T_WAIT_OK(pid);
    /* The child's changes did not touch us. */
    struct rlimit mine;
    CHECK_SYS(getrlimit(RLIMIT_NOFILE, &mine));
    CHECK(mine.rlim_max != 55 && mine.rlim_max != 60);
    return 0;
}
