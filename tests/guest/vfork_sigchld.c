/* Signals sent to a parent suspended in vfork stay pending (the vfork wait
 * only yields to fatal signals) and are delivered once the child has
 * exited: the handlers run after the child's last action. The vfork child's
 * SIGCHLD comes too, but the parent is released at the child's mm release,
 * before the exit notification, so it is only certain once the child has
 * been reaped. A fatal signal ends the waiting parent. */
#include "t.h"

static volatile int child_done;
static volatile int usr1_seen_done = -1;
static volatile int chld;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_seen_done = child_done;
}

static void on_chld(int sig)
{
    (void)sig;
    chld++;
}

int main(void)
{
    t_signal(SIGUSR1, on_usr1);
    t_signal(SIGCHLD, on_chld);
    pid_t parent = getpid();
    pid_t pid = vfork();
    if (pid == 0) {
        syscall(SYS_kill, parent, SIGUSR1);
        struct timespec ts = {0, 5000000};
        syscall(SYS_nanosleep, &ts, NULL); /* a window for a wrong early delivery */
        child_done = 1;
        syscall(SYS_exit, 0);
    }
    CHECK_EQ(usr1_seen_done, 1);
    CHECK_EQ(t_wait(pid), 0);
    CHECK_EQ(chld, 1);

    /* A fatal signal reaches a parent waiting in vfork: run it in a child
     * whose vfork child kills it and then exits. */
    pid_t outer = t_fork();
    if (outer == 0) {
        pid_t me = getpid();
        pid_t v = vfork();
        if (v == 0) {
            syscall(SYS_kill, me, SIGTERM);
            syscall(SYS_exit, 0);
        }
        _exit(0); /* not reached: SIGTERM is pending at the latest now */
    }
    CHECK_EQ(t_wait(outer), SIGTERM);
    return 0;
}
