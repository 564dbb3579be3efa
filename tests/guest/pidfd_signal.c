/* pidfd_send_signal: the siginfo a handler sees (kill()'s SI_USER with our
 * pid and uid, or a queued SI_QUEUE with its value), rt_sigqueueinfo's rules
 * (si_code >= 0 or SI_TKILL only to ourselves: EPERM; si_signo must match:
 * EINVAL), flags (EINVAL for unknown or several scopes), the scopes:
 * PIDFD_SIGNAL_PROCESS_GROUP reaches the group named by the pid (ESRCH when
 * it is none), kill(2)'s permission rule (EPERM for another user), a zombie
 * accepts, a reaped process is ESRCH. */
#include "t.h"

static volatile sig_atomic_t got_signo, got_code, got_pid, got_uid, got_value;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    got_signo = sig;
    got_code = si->si_code;
    got_pid = si->si_pid;
    got_uid = si->si_uid;
    got_value = si->si_value.sival_int;
}

/* A child that reports the siginfo of the first SIGUSR1 on `out`. */
static pid_t reporter(int out, int ready)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO};
        sigaction(SIGUSR1, &sa, NULL);
        t_send(ready, 'r');
        while (!got_signo)
            pause();
        int report[5] = {got_signo, got_code, got_pid, got_uid, got_value};
        CHECK_EQ(write(out, report, sizeof report), (long)sizeof report);
        _exit(0);
    }
    return pid;
}

int main(void)
{
    int out[2], ready[2];
    t_pipe(out);
    t_pipe(ready);
    int report[5];

    /* NULL siginfo: kill()'s. */
    pid_t c = reporter(out[1], ready[1]);
    t_recv(ready[0]);
    long fd = t_pidfd_open(c, 0);
    CHECK(fd >= 0);
    CHECK_ERR(t_pidfd_send_signal(fd, 0, NULL, 8), EINVAL);
    CHECK_ERR(t_pidfd_send_signal(fd, 0, NULL, T_PIDFD_SIGNAL_THREAD | T_PIDFD_SIGNAL_THREAD_GROUP), EINVAL);
    CHECK_ERR(t_pidfd_send_signal(fd, 65, NULL, 0), EINVAL);
    CHECK_ERR(t_pidfd_send_signal(fd, SIGUSR1, BAD_PTR_LOW, 0), EFAULT);
    /* Forged siginfo towards another process. */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_USER;
    CHECK_ERR(t_pidfd_send_signal(fd, SIGUSR1, &si, 0), EPERM);
    si.si_code = SI_TKILL;
    CHECK_ERR(t_pidfd_send_signal(fd, SIGUSR1, &si, 0), EPERM);
    si.si_code = SI_QUEUE;
    CHECK_ERR(t_pidfd_send_signal(fd, SIGUSR2, &si, 0), EINVAL);
    CHECK_SYS(t_pidfd_send_signal(fd, SIGUSR1, NULL, 0));
    t_read_all(out[0], report, sizeof report);
    CHECK_EQ(report[0], SIGUSR1);
    CHECK_EQ(report[1], SI_USER);
    CHECK_EQ(report[2], getpid());
    CHECK_EQ(report[3], (int)getuid());
    T_WAIT_OK(c);
    close((int)fd);

    /* A queued siginfo arrives as given. */
    c = reporter(out[1], ready[1]);
    t_recv(ready[0]);
    fd = t_pidfd_open(c, 0);
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_pid = 12345;
    si.si_uid = 777;
    si.si_value.sival_int = 99;
    CHECK_SYS(t_pidfd_send_signal(fd, SIGUSR1, &si, 0));
    t_read_all(out[0], report, sizeof report);
    CHECK_EQ(report[1], SI_QUEUE);
    CHECK_EQ(report[2], 12345);
    CHECK_EQ(report[3], 777);
    CHECK_EQ(report[4], 99);
    T_WAIT_OK(c);
    /* Reaped: ESRCH, even for a bad signal number. */
    CHECK_ERR(t_pidfd_send_signal(fd, SIGUSR1, NULL, 0), ESRCH);
    CHECK_ERR(t_pidfd_send_signal(fd, 65, NULL, 0), ESRCH);
    close((int)fd);

    /* To ourselves, si_code >= 0 is allowed; not with the group scope. */
    signal(SIGUSR2, SIG_IGN);
    long self = t_pidfd_open(getpid(), 0);
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR2;
    si.si_code = SI_USER;
    CHECK_SYS(t_pidfd_send_signal(self, SIGUSR2, &si, 0));
    CHECK_SYS(t_pidfd_send_signal(self, SIGUSR2, &si, T_PIDFD_SIGNAL_THREAD));
    CHECK_ERR(t_pidfd_send_signal(self, SIGUSR2, &si, T_PIDFD_SIGNAL_PROCESS_GROUP), EPERM);

    /* PIDFD_SIGNAL_PROCESS_GROUP: a group leader's pidfd reaches the group. */
    pid_t leader = t_fork();
    if (leader == 0) {
        CHECK_SYS(setpgid(0, 0));
        pid_t member = t_fork();
        if (member == 0) {
            pause();
            _exit(1);
        }
        t_send(ready[1], 'r');
        CHECK_EQ(t_wait(member), SIGTERM);
        pause();
        _exit(1);
    }
    t_recv(ready[0]);
    long fl = t_pidfd_open(leader, 0);
    /* A child that leads no group: its pid names none (ESRCH). */
    pid_t plain = t_fork();
    if (plain == 0) {
        pause();
        _exit(1);
    }
    long fp = t_pidfd_open(plain, 0);
    CHECK_ERR(t_pidfd_send_signal(fp, 0, NULL, T_PIDFD_SIGNAL_PROCESS_GROUP), ESRCH);
    CHECK_SYS(t_pidfd_send_signal(fp, SIGKILL, NULL, T_PIDFD_SIGNAL_THREAD_GROUP));
    CHECK_EQ(t_wait(plain), SIGKILL);
    close((int)fp);
    CHECK_SYS(t_pidfd_send_signal(fl, SIGTERM, NULL, T_PIDFD_SIGNAL_PROCESS_GROUP));
    CHECK_EQ(t_wait(leader), SIGTERM);
    close((int)fl);

    /* kill(2)'s permission rule: another user may not signal us. */
    pid_t victim = t_fork();
    if (victim == 0) {
        pause();
        _exit(1);
    }
    long fv = t_pidfd_open(victim, 0);
    pid_t other = t_fork();
    if (other == 0) {
        CHECK_SYS(setresuid(1000, 1000, 1000));
        CHECK_ERR(t_pidfd_send_signal(fv, SIGKILL, NULL, 0), EPERM);
        CHECK_ERR(t_pidfd_send_signal(fv, 0, NULL, T_PIDFD_SIGNAL_THREAD), EPERM);
        _exit(0);
    }
    T_WAIT_OK(other);
    CHECK_SYS(t_pidfd_send_signal(fv, SIGKILL, NULL, 0));
    /* The zombie still takes signals; waitid reports the first one. */
    CHECK_EQ(t_poll_in(fv, 5000), POLLIN);
    CHECK_SYS(t_pidfd_send_signal(fv, SIGTERM, NULL, 0));
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(T_P_PIDFD, fv, &si, WEXITED, NULL), 0);
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGKILL);
    close((int)fv);
    printf("ok\n");
    return 0;
}
