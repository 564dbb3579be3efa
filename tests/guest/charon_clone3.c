/* clone3: a fork-like child with its exit signal in the structure, and the
 * argument checks (size, exit signal, flags carrying a signal, stack and
 * size together, non-zero bytes past the known structure). Passes on
 * Linux too; named charon_ as a test of Charon's addition. */
#include "t.h"

struct clone_args_v2 {
    unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

int main(void)
{
    struct clone_args_v2 ca;
    memset(&ca, 0, sizeof ca);
    ca.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &ca, 64);
    if (pid == 0)
        syscall(SYS_exit_group, 7);
    CHECK(pid > 0);
    CHECK_EQ(t_wait((pid_t)pid), 7 << 8);

    CHECK_ERR(syscall(SYS_clone3, &ca, 63), EINVAL);
    ca.exit_signal = 65;
    CHECK_ERR(syscall(SYS_clone3, &ca, 64), EINVAL);
    ca.exit_signal = SIGCHLD;
    ca.flags = SIGCHLD;
    CHECK_ERR(syscall(SYS_clone3, &ca, 64), EINVAL);
    ca.flags = 0;
    ca.stack_size = 4096;
    CHECK_ERR(syscall(SYS_clone3, &ca, 64), EINVAL);
    ca.stack_size = 0;
    unsigned char big[128];
    memset(big, 0, sizeof big);
    memcpy(big, &ca, sizeof ca);
    big[100] = 1;
    CHECK_ERR(syscall(SYS_clone3, big, sizeof big), E2BIG);
    CHECK_ERR(syscall(SYS_clone3, &ca, 8192), E2BIG);
    return 0;
}
