/* Threads made with raw clone: CLONE_PARENT_SETTID gives the tid, the thread
 * shares memory and pid, CLONE_CHILD_CLEARTID zeroes the tid word and wakes
 * a futex waiter at thread exit; a thread is not waitable. */
#include "t.h"

static volatile int shared_value;
static volatile long thread_pid, thread_tid, thread_ppid;

static int body(void *arg)
{
    thread_pid = syscall(SYS_getpid);
    thread_tid = sys_gettid();
    thread_ppid = syscall(SYS_getppid);
    shared_value = (int)(long)arg;
    return 0;
}

int main(void)
{
    for (int i = 0; i < 50; i++) {
        struct t_thread t;
        shared_value = 0;
        t_thread_start(&t, body, (void *)(long)(i + 1));
        int tid = t.tid_ret; /* t.tid may already be cleared */
        CHECK(tid > 0);
        CHECK(tid != getpid());
        if (i == 0) {
            int st;
            /* A thread is never a child to wait for. */
            CHECK_ERR(sys_wait4(tid, &st, __WALL | WNOHANG, NULL), ECHILD);
            CHECK_ERR(sys_wait4(-1, &st, __WALL | WNOHANG, NULL), ECHILD);
        }
        t_thread_join(&t);
        CHECK_EQ(t.tid, 0);
        CHECK_EQ(shared_value, i + 1);
        CHECK_EQ(thread_pid, getpid());
        CHECK_EQ(thread_tid, tid);
        CHECK_EQ(thread_ppid, getppid());
    }
    return 0;
}
