/* At generation time, even while blocked: SIGCONT discards pending stop
 * signals, and a stop signal discards a pending SIGCONT. */
#include "t.h"

static void handler(int sig)
{
    (void)sig;
}

int main(void)
{
    int ready[2], go[2];
    t_pipe(ready);
    t_pipe(go);
    pid_t pid = t_fork();
    if (pid == 0) {
        t_signal(SIGCONT, handler);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTSTP);
        sigaddset(&set, SIGTTIN);
        sigaddset(&set, SIGTTOU);
        sigaddset(&set, SIGCONT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        t_send(ready[1], '1');
        t_recv(go[0]); /* parent sent TSTP, TTIN, then CONT */
        sigset_t p;
        sigpending(&p);
        CHECK(sigismember(&p, SIGCONT));
        CHECK(!sigismember(&p, SIGTSTP));
        CHECK(!sigismember(&p, SIGTTIN));
        t_send(ready[1], '2');
        t_recv(go[0]); /* parent sent TTOU: drops the pending CONT */
        sigpending(&p);
        CHECK(!sigismember(&p, SIGCONT));
        CHECK(sigismember(&p, SIGTTOU));
        signal(SIGTTOU, SIG_IGN); /* discard, never stop */
        sigpending(&p);
        CHECK(!sigismember(&p, SIGTTOU));
        _exit(0);
    }
    t_recv(ready[0]);
    CHECK_SYS(kill(pid, SIGTSTP));
    CHECK_SYS(kill(pid, SIGTTIN));
    CHECK_SYS(kill(pid, SIGCONT));
    t_send(go[1], 'a');
    t_recv(ready[0]);
    CHECK_SYS(kill(pid, SIGTTOU));
    t_send(go[1], 'b');
    T_WAIT_OK(pid);

    /* SIGCONT resumes a stopped child even when the child blocks or
     * ignores SIGCONT. */
    for (int mode = 0; mode < 2; mode++) {
        pid = t_fork();
        if (pid == 0) {
            if (mode == 0)
                t_block(SIGCONT);
            else
                signal(SIGCONT, SIG_IGN);
            raise(SIGSTOP);
            _exit(mode + 10);
        }
        int st;
        CHECK_EQ(sys_wait4(pid, &st, WUNTRACED, NULL), pid);
        CHECK(WIFSTOPPED(st));
        CHECK_SYS(kill(pid, SIGCONT));
        CHECK_EQ(t_wait(pid), (mode + 10) << 8);
    }
    return 0;
}
