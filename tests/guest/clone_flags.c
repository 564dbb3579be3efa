/* clone flag validation and the fork-like clone with PARENT_SETTID /
 * CHILD_SETTID. */
#include "t.h"

static int child_tid_word = -1;

int main(void)
{
    /* CLONE_THREAD needs CLONE_SIGHAND; CLONE_SIGHAND needs CLONE_VM. */
    CHECK_ERR(syscall(SYS_clone, CLONE_THREAD | SIGCHLD, 0, NULL, NULL, 0), EINVAL);
    CHECK_ERR(syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, NULL, NULL, 0), EINVAL);
    /* CLONE_NEWNS | CLONE_FS is invalid. */
    CHECK_ERR(syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, NULL, NULL, 0), EINVAL);

    int ptid = -1;
    long r = syscall(SYS_clone, CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, 0, &ptid,
                     &child_tid_word, 0);
    CHECK(r != -1);
    if (r == 0) {
        /* CHILD_SETTID wrote our tid into our (copied) memory. */
        CHECK_EQ(child_tid_word, getpid());
        CHECK_EQ(ptid, -1); /* PARENT_SETTID writes the parent's memory, after the copy */
        _exit(0);
    }
    CHECK_EQ(ptid, r);
    CHECK_EQ(child_tid_word, -1); /* the child's write went to its own copy */
    T_WAIT_OK((pid_t)r);
    return 0;
}
