/* capget(2)/capset(2): the version protocol (an unknown version is written
 * back as _LINUX_CAPABILITY_VERSION_3 with EINVAL, or 0 with a null data
 * pointer), version 1 filling one data struct and 3 two, root holding the
 * capabilities a container keeps too, a process whose uids all became
 * non-zero holding none, ESRCH/EINVAL for the pid, and capset refusing to
 * raise what is not permitted. */
#include "t.h"

/* <linux/capability.h> is not among musl's headers. */
#define _LINUX_CAPABILITY_VERSION_1 0x19980330
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_CHOWN 0
#define CAP_DAC_OVERRIDE 1
#define CAP_KILL 5
#define CAP_SETGID 6
#define CAP_SETUID 7
struct __user_cap_header_struct {
    uint32_t version;
    int pid;
};
struct __user_cap_data_struct {
    uint32_t effective, permitted, inheritable;
};

static int has(const struct __user_cap_data_struct *d, int cap)
{
    return (d[cap / 32].effective >> (cap % 32)) & 1;
}

int main(void)
{
    T_REQUIRE_ROOT();
    struct __user_cap_header_struct header = {.version = 0x12345678, .pid = 0};
    struct __user_cap_data_struct data[2];

    CHECK_EQ(syscall(SYS_capget, &header, NULL), 0);
    CHECK_EQ(header.version, _LINUX_CAPABILITY_VERSION_3);
    header.version = 0x12345678;
    CHECK_ERR(syscall(SYS_capget, &header, data), EINVAL);
    CHECK_EQ(header.version, _LINUX_CAPABILITY_VERSION_3);
    CHECK_ERR(syscall(SYS_capget, BAD_PTR_LOW, data), EFAULT);

    memset(data, 0xee, sizeof data);
    header.version = _LINUX_CAPABILITY_VERSION_3;
    CHECK_SYS(syscall(SYS_capget, &header, data));
    /* Root keeps these even in a default container. */
    CHECK(has(data, CAP_CHOWN) && has(data, CAP_DAC_OVERRIDE) && has(data, CAP_KILL) && has(data, CAP_SETUID) &&
          has(data, CAP_SETGID));
    /* Nothing above CAP_LAST_CAP (40), effective within permitted. */
    CHECK_EQ(data[1].effective >> 9, 0);
    CHECK_EQ(data[1].permitted >> 9, 0);
    CHECK_EQ(data[0].effective & ~data[0].permitted, 0);
    CHECK_EQ(data[1].effective & ~data[1].permitted, 0);

    /* Version 1: one struct, the second untouched. */
    struct __user_cap_data_struct v1[2];
    memset(v1, 0xee, sizeof v1);
    header.version = _LINUX_CAPABILITY_VERSION_1;
    CHECK_SYS(syscall(SYS_capget, &header, v1));
    CHECK_EQ(v1[0].effective, data[0].effective);
    CHECK_EQ(v1[1].effective, 0xeeeeeeee);

    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = -1;
    CHECK_ERR(syscall(SYS_capget, &header, data), EINVAL);
    pid_t gone = t_fork();
    if (gone == 0)
        _exit(0);
    CHECK_EXITED(t_wait(gone), 0);
    header.pid = gone;
    CHECK_ERR(syscall(SYS_capget, &header, data), ESRCH);
    header.pid = getpid();
    CHECK_SYS(syscall(SYS_capget, &header, data));

    /* capset with the sets we have: fine. */
    header.pid = 0;
    CHECK_SYS(syscall(SYS_capget, &header, data));
    CHECK_SYS(syscall(SYS_capset, &header, data));

    pid_t pid = t_fork();
    if (pid == 0) {
        uid_t uid = t_private_uid(0);
        CHECK_SYS(setresuid(uid, uid, uid));
        struct __user_cap_data_struct mine[2];
        memset(mine, 0xee, sizeof mine);
        CHECK_SYS(syscall(SYS_capget, &header, mine));
        CHECK_EQ(mine[0].effective | mine[0].permitted | mine[1].effective | mine[1].permitted, 0);
        CHECK_EQ(mine[0].inheritable | mine[1].inheritable, 0);
        /* Another process's sets can be read. */
        struct __user_cap_header_struct parent = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = getppid()};
        CHECK_SYS(syscall(SYS_capget, &parent, mine));
        CHECK(has(mine, CAP_KILL));
        /* Raising what is not permitted: EPERM. */
        mine[0].effective = mine[0].permitted = 1u << CAP_KILL;
        mine[1].effective = mine[1].permitted = 0;
        CHECK_ERR(syscall(SYS_capset, &header, mine), EPERM);
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);
    return 0;
}
