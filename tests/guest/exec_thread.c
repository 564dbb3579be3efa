/* execve from a non-leader thread: the other threads (including the
 * leader) die, the new image runs with the process's pid, and the parent
 * sees one exit. */
#include "t.h"

static const char *self;
static char pidarg[16];

static int exec_thread(void *arg)
{
    (void)arg;
    char *a[] = {(char *)self, "after", pidarg, NULL};
    syscall(SYS_execve, self, a, environ);
    syscall(SYS_exit_group, 127);
    return 0;
}

static int sleeper(void *arg)
{
    (void)arg;
    for (;;)
        syscall(SYS_pause);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "after") == 0) {
        CHECK_EQ(atol(argv[2]), getpid());
        CHECK_EQ(sys_gettid(), getpid()); /* the exec'ing thread took the leader's id */
        return 0;
    }
    self = t_self_path(argv[0]);
    pid_t pid = t_fork();
    if (pid == 0) {
        snprintf(pidarg, sizeof pidarg, "%d", getpid());
        struct t_thread s, t;
        t_thread_start(&s, sleeper, NULL);
        t_thread_start(&t, exec_thread, NULL);
        for (;;)
            syscall(SYS_pause);
    }
    CHECK_EQ(t_wait(pid), 0);
    return 0;
}
