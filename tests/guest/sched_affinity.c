/* The scheduler queries a libc calls at start-up: sched_getaffinity returns
 * the kernel's mask size (a multiple of 8) with at least one CPU set,
 * refuses sizes that are 0 or not a multiple of a long, and ESRCH for a
 * thread that does not exist; sched_setaffinity refuses an empty mask and
 * accepts the current one; getcpu names a CPU in the mask; the policy calls
 * report SCHED_OTHER and Linux's priority ranges. */
#include "t.h"

#include <sched.h>

static pid_t dead_pid(void)
{
    pid_t pid = t_fork();
    if (pid == 0)
        _exit(0);
    CHECK_EXITED(t_wait(pid), 0);
    return pid;
}

int main(void)
{
    unsigned long mask[16];
    memset(mask, 0, sizeof mask);
    long size = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
    CHECK(size > 0 && size <= (long)sizeof mask && size % 8 == 0);
    int cpus = 0;
    for (size_t i = 0; i < sizeof mask / sizeof mask[0]; i++)
        cpus += __builtin_popcountl(mask[i]);
    CHECK(cpus >= 1);
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 0, mask), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 7, mask), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof mask, BAD_PTR_LOW), EFAULT);
    pid_t gone = dead_pid();
    CHECK_ERR(syscall(SYS_sched_getaffinity, gone, sizeof mask, mask), ESRCH);
    CHECK_EQ(syscall(SYS_sched_getaffinity, getpid(), sizeof mask, mask), size);

    unsigned long empty[16] = {0};
    CHECK_ERR(syscall(SYS_sched_setaffinity, 0, sizeof empty, empty), EINVAL);
    CHECK_SYS(syscall(SYS_sched_setaffinity, 0, sizeof mask, mask));
    CHECK_ERR(syscall(SYS_sched_setaffinity, gone, sizeof mask, mask), ESRCH);

    unsigned cpu = ~0u, node = ~0u;
    CHECK_SYS(syscall(SYS_getcpu, &cpu, &node, NULL));
    CHECK(cpu < sizeof mask * 8);
    CHECK(mask[cpu / 64] & (1ul << (cpu % 64)));
    CHECK(node != ~0u);
    CHECK_SYS(syscall(SYS_getcpu, NULL, NULL, NULL));
    CHECK_ERR(syscall(SYS_getcpu, BAD_PTR_LOW, NULL, NULL), EFAULT);

    CHECK_EQ(syscall(SYS_sched_getscheduler, 0), SCHED_OTHER);
    CHECK_ERR(syscall(SYS_sched_getscheduler, -1), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getscheduler, gone), ESRCH);
    struct sched_param param = {.sched_priority = 77};
    CHECK_SYS(syscall(SYS_sched_getparam, 0, &param));
    CHECK_EQ(param.sched_priority, 0);
    CHECK_ERR(syscall(SYS_sched_getparam, 0, NULL), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getparam, gone, &param), ESRCH);
    CHECK_EQ(syscall(SYS_sched_get_priority_max, SCHED_FIFO), 99);
    CHECK_EQ(syscall(SYS_sched_get_priority_min, SCHED_FIFO), 1);
    CHECK_EQ(syscall(SYS_sched_get_priority_max, SCHED_RR), 99);
    CHECK_EQ(syscall(SYS_sched_get_priority_max, SCHED_OTHER), 0);
    CHECK_EQ(syscall(SYS_sched_get_priority_min, SCHED_BATCH), 0);
    CHECK_ERR(syscall(SYS_sched_get_priority_max, 42), EINVAL);
    CHECK_ERR(syscall(SYS_sched_get_priority_min, -1), EINVAL);
    return 0;
}
