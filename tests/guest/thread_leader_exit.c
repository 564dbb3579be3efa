/* The leader thread exits alone (SYS_exit): the process lives on as long as
 * another thread does; wait does not report the zombie leader until the last
 * thread is gone. The reported status: the group exit code after an
 * exit_group; without one, the code of the LAST thread to exit (host Linux
 * 6.x: the last thread's exit records its code as the group's). To make
 * "last" deterministic the survivor waits for the leader's CLONE_CHILD_CLEARTID
 * word (set with set_tid_address) before exiting. */
#include "t.h"

static int go_fd;
static int leader_tid_word = 1;
static int report_fd;

static int survivor(void *arg)
{
    long mode = (long)arg;
    char c;
    /* Prove we still run after the leader exited: answer a ping. */
    if (syscall(SYS_read, go_fd, &c, 1) != 1)
        syscall(SYS_exit_group, 90);
    long ppid = syscall(SYS_getppid);
    long pid = syscall(SYS_getpid);
    syscall(SYS_write, report_fd, &pid, sizeof pid);
    syscall(SYS_write, report_fd, &ppid, sizeof ppid);
    if (syscall(SYS_read, go_fd, &c, 1) != 1)
        syscall(SYS_exit_group, 91);
    while (__atomic_load_n(&leader_tid_word, __ATOMIC_ACQUIRE) != 0)
        sys_futex(&leader_tid_word, T_FUTEX_WAIT, 1, NULL);
    if (mode == 0)
        syscall(SYS_exit, 9); /* last thread: plain exit */
    else
        syscall(SYS_exit_group, 33); /* group exit overrides */
    return 0;
}

static void run(long mode)
{
    int go[2], rep[2];
    t_pipe(go);
    t_pipe(rep);
    pid_t pid = t_fork();
    if (pid == 0) {
        go_fd = go[0];
        report_fd = rep[1];
        struct t_thread t;
        t_thread_start(&t, survivor, (void *)mode);
        syscall(SYS_set_tid_address, &leader_tid_word);
        syscall(SYS_exit, 7); /* the leader alone */
        _exit(97);
    }
    close(go[0]);
    close(rep[1]);
    /* The leader is gone or going; the process must not be reported. */
    t_send(go[1], 'a');
    long vals[2];
    t_read_all(rep[0], vals, sizeof vals);
    CHECK_EQ(vals[0], pid);      /* getpid in the survivor is the tgid */
    CHECK_EQ(vals[1], getpid()); /* and the parent is unchanged */
    int st;
    CHECK_EQ(sys_wait4(pid, &st, WNOHANG, NULL), 0);
    siginfo_t si;
    memset(&si, 0x5a, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT, NULL), 0);
    CHECK_EQ(si.si_pid, 0);
    CHECK_EQ(kill(pid, 0), 0);
    t_send(go[1], 'b');
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_status, mode == 0 ? 9 : 33);
    st = t_wait(pid);
    CHECK_EQ(st, (mode == 0 ? 9 : 33) << 8);
    close(go[1]);
    close(rep[0]);
}

int main(void)
{
    for (int i = 0; i < 3; i++) {
        run(0);
        run(1);
    }
    return 0;
}
