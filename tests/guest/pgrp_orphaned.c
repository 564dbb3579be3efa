/* Orphaned process groups. When the exit of a process orphans a group that
 * has a stopped member, every member gets SIGHUP then SIGCONT. In an
 * orphaned group the default action of SIGTSTP/SIGTTIN/SIGTTOU is
 * discarded, but SIGSTOP still stops.
 *
 * Layout: we are a subreaper in session A. S: setsid (session S). P: group
 * P in session S, parent S (group S, same session) so not orphaned. G: in
 * group P, child of P. When P exits, G is reparented to us (another session),
 * so group P becomes orphaned. */
#include "t.h"

static int log_fd;

static void note(int sig)
{
    char c = sig == SIGHUP ? 'H' : sig == SIGCONT ? 'C' : '?';
    syscall(SYS_write, log_fd, &c, 1);
}

int main(void)
{
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    int logp[2], gpid_p[2], reaped[2];
    t_pipe(logp);
    t_pipe(gpid_p);
    t_pipe(reaped);
    log_fd = logp[1];

    /* Part 1: stopped member gets SIGHUP + SIGCONT. */
    pid_t s = t_fork();
    if (s == 0) {
        CHECK_SYS(setsid());
        pid_t p = t_fork();
        if (p == 0) {
            CHECK_SYS(setpgid(0, 0));
            pid_t g = t_fork();
            if (g == 0) {
                struct sigaction sa;
                memset(&sa, 0, sizeof sa);
                sa.sa_handler = note;
                sigfillset(&sa.sa_mask); /* one at a time: order is delivery order */
                sigaction(SIGHUP, &sa, NULL);
                sigaction(SIGCONT, &sa, NULL);
                raise(SIGSTOP);
                /* Continued by the orphaning. */
                _exit(0);
            }
            int st;
            CHECK_EQ(sys_wait4(g, &st, WUNTRACED, NULL), g);
            CHECK(WIFSTOPPED(st));
            CHECK_EQ(write(gpid_p[1], &g, sizeof g), sizeof g);
            _exit(0); /* orphans group P, which has a stopped member */
        }
        CHECK_EQ(t_wait(p), 0);
        _exit(0);
    }
    pid_t g;
    CHECK_EQ(read(gpid_p[0], &g, sizeof g), sizeof g);
    char buf[2];
    t_read_all(logp[0], buf, 2);
    CHECK_EQ(buf[0], 'H');
    CHECK_EQ(buf[1], 'C');
    CHECK_EQ(t_wait(s), 0);
    CHECK_EQ(t_wait(g), 0); /* reparented to us, continued, exited */

    /* Part 2: in an orphaned group SIGTSTP's default action is discarded;
     * SIGSTOP is not. */
    s = t_fork();
    if (s == 0) {
        CHECK_SYS(setsid());
        pid_t p = t_fork();
        if (p == 0) {
            CHECK_SYS(setpgid(0, 0));
            pid_t g2 = t_fork();
            if (g2 == 0) {
                t_recv(reaped[0]); /* P is gone and reaped: group orphaned */
                raise(SIGTSTP);    /* discarded */
                raise(SIGTTIN);
                raise(SIGTTOU);
                t_send(logp[1], 'T');
                raise(SIGSTOP); /* stops */
                t_send(logp[1], 'S');
                _exit(0);
            }
            CHECK_EQ(write(gpid_p[1], &g2, sizeof g2), sizeof g2);
            _exit(0);
        }
        CHECK_EQ(t_wait(p), 0);
        t_send(reaped[1], 'x');
        _exit(0);
    }
    CHECK_EQ(read(gpid_p[0], &g, sizeof g), sizeof g);
    char c;
    CHECK_EQ(read(logp[0], &c, 1), 1);
    CHECK_EQ(c, 'T');
    int st;
    CHECK_EQ(sys_wait4(g, &st, WUNTRACED, NULL), g);
    CHECK(WIFSTOPPED(st));
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    CHECK_SYS(kill(g, SIGCONT));
    CHECK_EQ(read(logp[0], &c, 1), 1);
    CHECK_EQ(c, 'S');
    CHECK_EQ(t_wait(g), 0);
    CHECK_EQ(t_wait(s), 0);

    /* Control: in a group that is not orphaned, SIGTSTP does stop. */
    pid_t k = t_fork();
    if (k == 0) {
        raise(SIGTSTP);
        _exit(0);
    }
    /* k is in our group whose parent (the runner or a shell) is in another
     * group of the same session, or k's group is orphaned when run by hand
     * without a job-control shell; only check when we are not orphaned,
     * i.e. when our parent is in our session but another group. */
    pid_t pp = getppid();
    if (getsid(pp) == getsid(0) && getpgid(pp) != getpgrp()) {
        CHECK_EQ(sys_wait4(k, &st, WUNTRACED, NULL), k);
        CHECK(WIFSTOPPED(st));
        CHECK_EQ(WSTOPSIG(st), SIGTSTP);
        CHECK_SYS(kill(k, SIGCONT));
    }
    CHECK_EQ(t_wait(k), 0);
    return 0;
}
