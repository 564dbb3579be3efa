/* kill: pid > 0, 0 (own group), < -1 (a group), killpg, kill(pid, 0) as an
 * existence check (a zombie still exists, a reaped pid does not), SIGKILL
 * to a zombie succeeds and changes nothing, ESRCH and EINVAL. */
#include "t.h"

static volatile int self_hits;

static void handler(int sig)
{
    (void)sig;
    self_hits++;
}

int main(void)
{
    /* kill(0) below must only reach this test's own processes, even when
     * run by hand under a wrapper that shares our group. */
    setpgid(0, 0);
    /* Invalid signals. */
    CHECK_ERR(kill(getpid(), 65), EINVAL);
    CHECK_ERR(kill(getpid(), -1), EINVAL);
    CHECK_SYS(kill(getpid(), 0));

    pid_t pid = t_fork();
    if (pid == 0)
        _exit(9);
    siginfo_t si;
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
    CHECK_SYS(kill(pid, 0));       /* the zombie exists */
    CHECK_SYS(kill(pid, SIGKILL)); /* and can be "killed" */
    CHECK_SYS(kill(pid, SIGTERM));
    CHECK_EQ(t_wait(pid), 9 << 8); /* status unchanged */
    CHECK_ERR(kill(pid, 0), ESRCH);
    CHECK_ERR(kill(pid, SIGKILL), ESRCH);
    CHECK_ERR(kill(-pid, SIGKILL), ESRCH); /* no such group */
    CHECK_ERR(kill(INT_MAX, 0), ESRCH);
    CHECK_ERR(kill(INT_MIN, SIGKILL), ESRCH);
    CHECK_ERR(killpg(pid, SIGKILL), ESRCH);

    /* A group of three: leader child + two members, plus ourselves outside. */
    int ready[2];
    t_pipe(ready);
    pid_t leader = t_fork();
    if (leader == 0) {
        setpgid(0, 0);
        t_send(ready[1], 'l');
        for (;;)
            pause();
    }
    setpgid(leader, leader);
    t_recv(ready[0]);
    pid_t members[2];
    for (int i = 0; i < 2; i++) {
        members[i] = t_fork();
        if (members[i] == 0) {
            CHECK_SYS(setpgid(0, leader));
            t_send(ready[1], 'm');
            for (;;)
                pause();
        }
        t_recv(ready[0]);
    }
    CHECK_SYS(kill(-leader, SIGUSR1));
    CHECK_EQ(t_wait(leader), SIGUSR1);
    CHECK_EQ(t_wait(members[0]), SIGUSR1);
    CHECK_EQ(t_wait(members[1]), SIGUSR1);

    /* killpg on a fresh group. */
    pid = t_fork();
    if (pid == 0) {
        setpgid(0, 0);
        t_send(ready[1], 'l');
        for (;;)
            pause();
    }
    setpgid(pid, pid);
    t_recv(ready[0]);
    CHECK_SYS(killpg(pid, SIGTERM));
    CHECK_EQ(t_wait(pid), SIGTERM);

    /* kill(0): our group, including ourselves and a child in it, but not a
     * child in another group. */
    t_signal(SIGUSR2, handler);
    pid_t same = t_fork();
    if (same == 0) {
        signal(SIGUSR2, SIG_DFL);
        t_send(ready[1], 's');
        for (;;)
            pause();
    }
    pid_t other = t_fork();
    if (other == 0) {
        setpgid(0, 0);
        t_send(ready[1], 'o');
        for (;;)
            pause();
    }
    setpgid(other, other);
    t_recv(ready[0]);
    t_recv(ready[0]);
    CHECK_SYS(kill(0, SIGUSR2));
    CHECK_EQ(self_hits, 1);
    CHECK_EQ(t_wait(same), SIGUSR2);
    int st;
    CHECK_EQ(sys_wait4(other, &st, WNOHANG, NULL), 0);
    CHECK_SYS(kill(other, SIGKILL));
    CHECK_EQ(t_wait(other), SIGKILL);
    return 0;
}
