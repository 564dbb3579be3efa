/* clone(CLONE_PARENT): the new process is our sibling, a child of our
 * parent, which waits for it. clone(CLONE_VFORK | CLONE_VM) on a private
 * stack: we are suspended until the child exits, sharing memory with it. */
#include "t.h"

static volatile int vfork_child_done;

static int vfork_child(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 2000000};
    syscall(SYS_nanosleep, &ts, NULL);
    vfork_child_done = 1;
    return 7;
}

int main(void)
{
    int rep[2];
    t_pipe(rep);
    pid_t mid = t_fork();
    if (mid == 0) {
        long r = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
        if (r == 0) {
            pid_t pp = getppid();
            CHECK_EQ(write(rep[1], &pp, sizeof pp), sizeof pp);
            _exit(33);
        }
        CHECK(r > 0);
        int st;
        CHECK_ERR(sys_wait4((pid_t)r, &st, __WALL, NULL), ECHILD); /* not ours */
        pid_t sib = (pid_t)r;
        CHECK_EQ(write(rep[1], &sib, sizeof sib), sizeof sib);
        _exit(0);
    }
    pid_t a, b;
    CHECK_EQ(read(rep[0], &a, sizeof a), sizeof a);
    CHECK_EQ(read(rep[0], &b, sizeof b), sizeof b);
    /* One of them is the sibling's getppid (us), the other its pid. */
    pid_t sib = a == getpid() ? b : a;
    CHECK(a == getpid() || b == getpid());
    CHECK_EQ(t_wait(mid), 0);
    CHECK_EQ(t_wait(sib), 33 << 8);

    size_t sz = 64 * 1024;
    char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(stack != MAP_FAILED);
    int c = clone(vfork_child, stack + sz, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    CHECK(c > 0);
    CHECK_EQ(vfork_child_done, 1);
    CHECK_EQ(t_wait(c), 7 << 8);
    return 0;
}
