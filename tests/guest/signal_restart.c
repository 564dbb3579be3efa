/* A handled signal interrupts a blocking wait4, pipe read or nanosleep:
 * EINTR without SA_RESTART; wait4 and read restart with SA_RESTART;
 * nanosleep never restarts and reports the time left.
 * Synchronisation: a helper child keeps signalling us every few ms until
 * we kill it, so a signal is sure to arrive while we are blocked. */
#include "t.h"

static volatile int hits;

static void handler(int sig)
{
    (void)sig;
    hits++;
}

static void install(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
}

/* A child that sends SIGUSR1 to us every 5 ms; after `then_after` signals
 * (if > 0) it writes one byte to fd and exits with 0. */
static pid_t pinger(int then_after, int fd)
{
    pid_t parent = getpid();
    pid_t pid = t_fork();
    if (pid == 0) {
        for (int n = 1;; n++) {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
            if (kill(parent, SIGUSR1) != 0)
                _exit(1);
            if (then_after > 0 && n == then_after) {
                if (fd >= 0)
                    (void)!write(fd, "d", 1);
                _exit(0);
            }
        }
    }
    return pid;
}

static void stop_pinger(pid_t pid)
{
    kill(pid, SIGKILL);
    int st;
    while (sys_wait4(pid, &st, 0, NULL) == -1 && errno == EINTR) {
    }
}

int main(void)
{
    int fds[2];
    t_pipe(fds);
    char c;

    /* read: EINTR */
    install(0);
    hits = 0;
    pid_t p = pinger(0, -1);
    CHECK_ERR(read(fds[0], &c, 1), EINTR);
    CHECK(hits >= 1);
    stop_pinger(p);

    /* read: restarted, returns the byte written after 10 signals */
    install(SA_RESTART);
    hits = 0;
    p = pinger(10, fds[1]);
    CHECK_EQ(read(fds[0], &c, 1), 1);
    CHECK_EQ(c, 'd');
    CHECK(hits >= 1);
    stop_pinger(p);

    /* wait4: EINTR, then restarted (the pinger is the child we wait for) */
    install(0);
    hits = 0;
    p = pinger(0, -1);
    int st;
    CHECK_ERR(sys_wait4(p, &st, 0, NULL), EINTR);
    stop_pinger(p);

    install(SA_RESTART);
    hits = 0;
    p = pinger(10, -1);
    CHECK_EQ(sys_wait4(p, &st, 0, NULL), p); /* no EINTR although signals hit */
    CHECK_EXITED(st, 0);
    CHECK(hits >= 1); /* pending instances merge under load: not 10 */

    /* waitid too */
    install(0);
    p = pinger(0, -1);
    siginfo_t si;
    CHECK_ERR(sys_waitid(P_PID, p, &si, WEXITED, NULL), EINTR);
    stop_pinger(p);

    /* nanosleep: EINTR even with SA_RESTART, remaining time reported */
    for (int flags = 0; flags <= SA_RESTART; flags += SA_RESTART) {
        install(flags);
        hits = 0;
        p = pinger(0, -1);
        struct timespec req = {5, 0}, rem = {-1, -1};
        CHECK_ERR(nanosleep(&req, &rem), EINTR);
        CHECK(rem.tv_sec >= 0 && rem.tv_sec <= 5);
        CHECK(rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000);
        CHECK(rem.tv_sec >= 4); /* interrupted within the first second */
        CHECK(rem.tv_sec < 5 || rem.tv_nsec < 1000000000);
        stop_pinger(p);
    }
    /* raw nanosleep reports the remainder too */
    install(0);
    p = pinger(0, -1);
    struct timespec req = {3, 0}, rem = {0, 0};
    CHECK_ERR(syscall(SYS_nanosleep, &req, &rem), EINTR);
    CHECK(rem.tv_sec >= 2 && (rem.tv_sec < 3 || rem.tv_nsec == 0) && rem.tv_sec <= 3);
    stop_pinger(p);
    return 0;
}
