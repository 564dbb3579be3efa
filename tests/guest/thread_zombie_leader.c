/* Signals and a zombie leader: after the leader thread exits alone, the
 * process still exists; kill() reaches it (a fatal signal kills the
 * remaining threads). tgkill to the exiting leader's tid succeeds (the tid
 * exists until the process is reaped) but, on the host, even SIGKILL sent
 * that way is only queued on the dead thread and never acted on: Linux
 * ignores a thread-directed signal to an exiting thread. tgkill to a thread
 * that has exited and been released is ESRCH. */
#include "t.h"

static int survivor(void *arg)
{
    (void)arg;
    for (;;)
        syscall(SYS_pause);
    return 0;
}

static int quick(void *arg)
{
    (void)arg;
    return 0;
}

int main(void)
{
    /* The leader's clear-tid word lives in a shared page, so the kernel's
     * write of 0 at the leader's exit (and the futex wake) reaches us. */
    int *leader_word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(leader_word != MAP_FAILED);
    for (int how = 0; how < 2; how++) {
        *leader_word = 1;
        pid_t pid = t_fork();
        if (pid == 0) {
            struct t_thread t;
            t_thread_start(&t, survivor, NULL);
            syscall(SYS_set_tid_address, leader_word);
            syscall(SYS_exit, 0);
        }
        while (__atomic_load_n(leader_word, __ATOMIC_ACQUIRE) != 0)
            syscall(SYS_futex, leader_word, T_FUTEX_WAIT, 1, NULL, 0, 0);
        /* The process is alive (a thread runs) and not reported. */
        int st;
        CHECK_EQ(sys_wait4(pid, &st, WNOHANG, NULL), 0);
        CHECK_SYS(kill(pid, 0));
        if (how == 0) {
            CHECK_SYS(kill(pid, SIGTERM));
        } else {
            CHECK_SYS(sys_tgkill(pid, pid, SIGKILL)); /* the leader's tid */
            CHECK_SYS(sys_tgkill(pid, pid, 0));
            CHECK_EQ(sys_wait4(pid, &st, WNOHANG, NULL), 0); /* still running */
            CHECK_SYS(kill(pid, SIGKILL));
        }
        st = t_wait(pid);
        CHECK_EQ(st, how == 0 ? SIGTERM : SIGKILL);
    }
    /* tgkill to an exited (self-reaped) thread. */
    struct t_thread q;
    t_thread_start(&q, quick, NULL);
    t_thread_join(&q);
    CHECK_GONE(sys_tgkill(getpid(), q.tid_ret, 0));
    return 0;
}
