/* execve racing exit_group from another thread of the same process: either
 * the exec wins (the new image runs and exits 5) or the group exits (7),
 * nothing else; and on Charon nothing leaks either way. Charon used to end
 * the exec'ing thread from inside execve when the group was already exiting,
 * skipping the call's destructors (16 heap bytes per hit: the syscall
 * fuzzer found it). The window is narrow on one CPU: this test exercises
 * the race, it does not hit it every run. */
#include "t.h"

static int go;

static int exiter(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        sys_futex(&go, T_FUTEX_WAIT, 0, NULL);
    for (volatile int spin = 0; spin < (int)(long)arg; spin++) {
    }
    syscall(SYS_exit_group, 7);
    return 0;
}

static void rounds(const char *self, int count, int *execs, int *exits)
{
    for (int i = 0; i < count; i++) {
        pid_t pid = t_fork();
        if (pid == 0) {
            static char stack[64 * 1024] __attribute__((aligned(16)));
            int tid = -1;
            long spin = (long)((i * 104729L) % 400000);
            CHECK(clone(exiter, stack + sizeof stack, T_THREAD_FLAGS, (void *)spin, &tid, NULL, &tid) > 0);
            __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
            sys_futex(&go, T_FUTEX_WAKE, 1, NULL);
            char *a[] = {(char *)self, "child", NULL};
            syscall(SYS_execve, self, a, NULL);
            for (;;)
                pause(); /* exec failed only because we are dying */
        }
        int status = t_wait(pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 5)
            (*execs)++;
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 7)
            (*exits)++;
        else
            FAIL("status %#x: neither the new image (5) nor exit_group (7)", status);
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0)
        return 5;
    const char *self = t_self_path(argv[0]);
    struct t_charon_stats base;
    int have_stats = t_charon_stats(&base);
    int execs = 0, exits = 0;
    rounds(self, 5, &execs, &exits); /* warm-up */
    if (have_stats)
        t_charon_stable_snapshot(&base);
    rounds(self, 40, &execs, &exits);
    if (getenv("T_VERBOSE"))
        printf("exec_exit_race: %d execs, %d exits\n", execs, exits);
    if (have_stats)
        t_charon_expect_baseline(&base);
    return 0;
}
