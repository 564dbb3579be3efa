/* Fatal signals: a null dereference is SIGSEGV; faults and "core" signals
 * report WCOREDUMP only when a core was actually written. With dumping
 * disabled (RLIMIT_CORE 0, not dumpable) the host reports status == sig,
 * CLD_KILLED, no 0x80 bit: Linux sets the bit from the dump's success, not
 * from the signal's default action. */
#include "t.h"

static int run(int how)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        t_no_core();
        switch (how) {
        case 0: t_null_deref(); break;
        case 1: raise(SIGQUIT); break;
        case 2: abort(); break;
        case 3: __asm__ volatile("ud2"); break;
        case 4: raise(SIGFPE); break;
        case 5: __asm__ volatile("int3"); break;
        }
        _exit(0);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
    CHECK_EQ(si.si_code, CLD_KILLED);
    int st = t_wait(pid);
    CHECK(!WCOREDUMP(st));
    CHECK_EQ(si.si_status, WTERMSIG(st));
    return st;
}

int main(void)
{
    CHECK_EQ(run(0), SIGSEGV);
    CHECK_EQ(run(1), SIGQUIT);
    CHECK_EQ(run(2), SIGABRT);
    CHECK_EQ(run(3), SIGILL);
    CHECK_EQ(run(4), SIGFPE);
    CHECK_EQ(run(5), SIGTRAP);
    /* A busy-looping child dies of SIGKILL. */
    int ready[2];
    t_pipe(ready);
    pid_t pid = t_fork();
    if (pid == 0) {
        t_send(ready[1], 'r');
        for (volatile unsigned long i = 0;; i++) {
        }
    }
    t_recv(ready[0]);
    CHECK_SYS(kill(pid, SIGKILL));
    CHECK_EQ(t_wait(pid), SIGKILL);
    return 0;
}
