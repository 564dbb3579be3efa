/* vfork: the parent is suspended until the child exits (or dies by a
 * signal), and the child shares the parent's memory meanwhile. */
#include "t.h"

static volatile int shared;

static void one_round(void)
{
    shared = 0;
    pid_t parent = getpid();
    pid_t pid = vfork();
    if (pid == 0) {
        /* Give a non-suspended parent every chance to run ahead. */
        struct timespec ts = {0, 2000000};
        syscall(SYS_nanosleep, &ts, NULL);
        shared = 1;
        if (syscall(SYS_getppid) != parent)
            shared = -1;
        syscall(SYS_exit, 3);
    }
    CHECK(pid > 0);
    CHECK_EQ(shared, 1); /* the child ran to completion first, in our memory */
    CHECK_EQ(t_wait(pid), 3 << 8);
}

int main(void)
{
    for (int i = 0; i < 20; i++)
        one_round();
    /* A child killed by a signal releases the parent too. */
    pid_t pid = vfork();
    if (pid == 0) {
        shared = 2;
        syscall(SYS_kill, syscall(SYS_getpid), SIGKILL);
        syscall(SYS_exit, 1);
    }
    CHECK_EQ(shared, 2);
    CHECK_EQ(t_wait(pid), SIGKILL);
    /* A child dying of a fault releases the parent. */
    pid = vfork();
    if (pid == 0) {
        t_no_core();
        shared = 3;
        t_null_deref();
        syscall(SYS_exit, 1);
    }
    CHECK_EQ(shared, 3);
    CHECK_SIGNALED(t_wait(pid), SIGSEGV);
    return 0;
}
