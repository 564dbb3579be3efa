/* SIGKILL ends a stopped process; a stopped-then-continued blocking read
 * does not fail with EINTR (no handler) and completes; all threads of a
 * process stop together; SIGKILL ends a child busy-looping in user mode. */
#include "t.h"

static volatile unsigned long *counter;

static int spinner(void *arg)
{
    (void)arg;
    for (;;)
        __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
    return 0;
}

int main(void)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        raise(SIGSTOP);
        _exit(1);
    }
    int st;
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED, NULL), pid);
    CHECK(WIFSTOPPED(st));
    CHECK_SYS(kill(pid, SIGKILL));
    CHECK_EQ(t_wait(pid), SIGKILL);

    /* Stopped while blocked in read, continued, then data arrives. */
    int fds[2], ready[2];
    t_pipe(fds);
    t_pipe(ready);
    pid = t_fork();
    if (pid == 0) {
        char c;
        t_send(ready[1], 'r');
        long r = read(fds[0], &c, 1);
        if (r != 1)
            FAIL("read returned %ld", r);
        _exit(c == 'x' ? 0 : 2);
    }
    t_recv(ready[0]);
    CHECK_SYS(kill(pid, SIGSTOP));
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED, NULL), pid);
    CHECK_SYS(kill(pid, SIGCONT));
    CHECK_EQ(sys_wait4(pid, &st, WCONTINUED, NULL), pid);
    CHECK(WIFCONTINUED(st));
    t_send(fds[1], 'x');
    CHECK_EQ(t_wait(pid), 0);

    /* Group stop: a spinning thread stops with its process. */
    counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(counter != MAP_FAILED);
    pid = t_fork();
    if (pid == 0) {
        struct t_thread t;
        t_thread_start(&t, spinner, NULL);
        for (;;)
            pause();
    }
    while (__atomic_load_n(counter, __ATOMIC_RELAXED) == 0) {
    }
    CHECK_SYS(kill(pid, SIGSTOP));
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED, NULL), pid);
    unsigned long a = *counter;
    t_msleep(30);
    unsigned long b = *counter;
    CHECK_EQ(a, b); /* the reported stop means every thread has stopped */
    CHECK_SYS(kill(pid, SIGCONT));
    while (*counter == b) {
    }
    CHECK_SYS(kill(pid, SIGKILL));
    CHECK_EQ(t_wait(pid), SIGKILL);

    /* A single-threaded child spinning in user mode, never entering the
     * kernel, dies of SIGKILL (delivered on the timer interrupt's return). */
    *counter = 0;
    pid = t_fork();
    if (pid == 0)
        spinner(NULL);
    while (__atomic_load_n(counter, __ATOMIC_RELAXED) == 0) {
    }
    CHECK_SYS(kill(pid, SIGKILL));
    CHECK_EQ(t_wait(pid), SIGKILL);
    return 0;
}
