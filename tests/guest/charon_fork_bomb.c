/* Charon only: a root fork bomb is contained by the table limit (Linux's
 * kernel.threads-max, which binds root too: fork and clone fail with
 * EAGAIN), is killed with one killpg, is reaped by its subreaper, and
 * the kernel's counters are back to their baseline. On Linux a root fork
 * bomb would hit the host: the test skips there (no charon_stats). */
#include "t.h"

static void bomb(int report)
{
    for (;;) {
        pid_t pid = fork();
        if (pid == 0)
            (void)!write(report, "c", 1);
        else if (pid < 0) {
            (void)!write(report, errno == EAGAIN ? "E" : "X", 1);
            pause();
        }
    }
}

int main(void)
{
    struct t_charon_stats base;
    if (!t_charon_stats(&base)) {
        printf("SKIP: a root fork bomb only inside Charon\n");
        return 77;
    }
    T_REQUIRE_ROOT();
    t_charon_stable_snapshot(&base);
    pid_t boss = t_fork();
    if (boss == 0) {
        CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1));
        int p[2];
        t_pipe(p);
        pid_t first = t_fork();
        if (first == 0) {
            close(p[0]);
            CHECK_SYS(setpgid(0, 0));
            bomb(p[1]);
        }
        close(p[1]);
        (void)setpgid(first, first); /* whichever of us gets there first */
        /* Each bomb process that ran has failed once: done when the
         * failures match the processes that reported (the first one plus
         * every child that said so). */
        int children = 0, eagain = 0;
        while (eagain < children + 1) {
            char c;
            CHECK_EQ(read(p[0], &c, 1), 1);
            if (c == 'c')
                children++;
            else if (c == 'E')
                eagain++;
            else
                FAIL("a bomb fork failed with something else than EAGAIN");
        }
        CHECK(children >= 100);
        CHECK_SYS(killpg(first, SIGKILL));
        int reaped = t_reap_all_killed(SIGKILL);
        /* Children killed before they could report are reaped too. */
        CHECK(reaped >= children + 1);
        printf("charon_fork_bomb: %d processes, contained\n", reaped);
        pid_t again = t_fork();
        if (again == 0)
            _exit(0);
        CHECK_EQ(t_wait(again), 0);
        _exit(0);
    }
    T_WAIT_OK(boss);
    t_charon_expect_baseline_after_peak(&base);
    return 0;
}
