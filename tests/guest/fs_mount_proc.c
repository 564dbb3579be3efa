/* mount -t proc on another directory: a second proc instance with its own
 * st_dev and PROC_SUPER_MAGIC, showing the same processes ("self", this
 * process's comm); /proc/mounts lists it with its flags, /proc/filesystems
 * lists the type; an unknown option is EINVAL; umount2 is EBUSY while a
 * file of it is open, then the directory is empty again. Natively in a
 * private mount namespace (unshare), so the host sees nothing; Charon has
 * one namespace (unshare is ENOSYS there). Needs root. */
#include "t.h"
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define PROC_SUPER_MAGIC 0x9fa0

static char text[16384];

int main(void)
{
    T_REQUIRE_ROOT();
    if (!t_private_mount_namespace())
        return T_SKIP;
    char dir[] = "/tmp/fs_mount_proc_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char self[64], comm[80], line[128];
    snprintf(self, sizeof self, "%s/self", dir);
    snprintf(comm, sizeof comm, "%s/%d/comm", dir, (int)getpid());

    struct stat below, top, root;
    CHECK_SYS(stat(dir, &below));
    CHECK_SYS(stat("/proc", &root));
    CHECK_ERR(mount("proc", dir, "proc", 0, "no_such_option=1"), EINVAL);
    CHECK_SYS(mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));

    CHECK_SYS(stat(dir, &top));
    CHECK(top.st_dev != below.st_dev);
    CHECK(top.st_dev != root.st_dev); /* an instance of its own */
    CHECK_EQ(top.st_mode, S_IFDIR | 0555);
    struct statfs sf;
    CHECK_SYS(statfs(dir, &sf));
    CHECK_EQ(sf.f_type, PROC_SUPER_MAGIC);

    /* The same processes as /proc. */
    char target[32];
    ssize_t n = CHECK_SYS(readlink(self, target, sizeof target - 1));
    target[n] = '\0';
    CHECK_EQ(atoi(target), getpid());
    char mine[32], theirs[32];
    size_t length = t_read_file("/proc/self/comm", mine, sizeof mine - 1);
    mine[length] = '\0';
    length = t_read_file(comm, theirs, sizeof theirs - 1);
    theirs[length] = '\0';
    if (strcmp(theirs, mine) != 0)
        FAIL("%s says %s, /proc/self/comm %s", comm, theirs, mine);

    /* Listed in the mount table with its flags, the type in filesystems. */
    snprintf(line, sizeof line, "proc %s proc rw,nosuid,nodev,noexec,relatime 0 0\n", dir);
    length = t_read_file("/proc/mounts", text, sizeof text - 1);
    text[length] = '\0';
    if (!strstr(text, line))
        FAIL("/proc/mounts lacks \"%.*s\":\n%s", (int)strlen(line) - 1, line, text);
    length = t_read_file("/proc/filesystems", text, sizeof text - 1);
    text[length] = '\0';
    CHECK(strstr(text, "nodev\tproc\n") != NULL);

    /* Busy while a file of it is open. */
    int fd = CHECK_SYS(open(comm, O_RDONLY));
    CHECK_ERR(umount2(dir, 0), EBUSY);
    CHECK_SYS(close(fd));
    CHECK_SYS(umount2(dir, 0));
    CHECK_ERR(readlink(self, target, sizeof target), ENOENT);
    CHECK_SYS(stat(dir, &top));
    CHECK_EQ(top.st_dev, below.st_dev);
    length = t_read_file("/proc/mounts", text, sizeof text - 1);
    text[length] = '\0';
    CHECK(strstr(text, dir) == NULL);
    CHECK_SYS(rmdir(dir));
    return 0;
}
