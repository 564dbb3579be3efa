/* Without a subreaper of our own, an orphan is adopted by some live process
 * that is not its dead parent (init on Charon; natively init or the host's
 * nearest subreaper): assert only that. */
#include "t.h"

int main(void)
{
    int rep[2];
    t_pipe(rep);
    pid_t mid = t_fork();
    if (mid == 0) {
        int ready[2];
        t_pipe(ready);
        pid_t g = t_fork();
        if (g == 0) {
            t_block(SIGUSR1);
            CHECK_SYS(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
            pid_t before = getppid();
            t_send(ready[1], 'r');
            sigset_t s;
            sigemptyset(&s);
            sigaddset(&s, SIGUSR1);
            siginfo_t si;
            memset(&si, 0, sizeof si);
            struct timespec ts = {5, 0};
            CHECK_EQ(sigtimedwait(&s, &si, &ts), SIGUSR1);
            pid_t after = getppid();
            pid_t out[2] = {before, after};
            CHECK_EQ(write(rep[1], out, sizeof out), sizeof out);
            _exit(0);
        }
        t_recv(ready[0]);
        _exit(0);
    }
    T_WAIT_OK(mid);
    pid_t got[2];
    CHECK_EQ(read(rep[0], got, sizeof got), sizeof got);
    CHECK_EQ(got[0], mid);
    CHECK(got[1] != mid);
    CHECK(got[1] > 0);
    CHECK(got[1] != getpid()); /* we are not a subreaper */
    /* The new parent is alive (as far as a kill probe can tell). */
    errno = 0;
    int r = kill(got[1], 0);
    CHECK(r == 0 || errno == EPERM);
    return 0;
}
