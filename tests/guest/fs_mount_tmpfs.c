/* mount(2) of a tmpfs on a directory: the mounted root has its own st_dev
 * and statfs magic, hides what was below, ".." leads back out, renames and
 * links across are EXDEV, the mountpoint cannot be removed, umount2 is
 * EBUSY while a descriptor or cwd is inside and EINVAL on a directory that
 * is not a mount root; MNT_DETACH works while in use. Natively the test
 * runs in a private mount namespace (unshare), so the host sees nothing;
 * Charon has one namespace (unshare is ENOSYS there). Needs root. */
#include "t.h"
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define TMPFS_MAGIC 0x01021994

/* struct statx, as far as stx_mnt_id. */
struct t_statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad;
    uint64_t ino, size, blocks, attributes_mask;
    struct {
        int64_t sec;
        uint32_t nsec;
        int32_t pad;
    } atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t mnt_id;
    uint64_t spare[13];
};
#define STATX_BTIME 0x800
#define STATX_MNT_ID 0x1000
#define STATX_ATTR_MOUNT_ROOT 0x2000

static void t_statx(const char *path, struct t_statx *out)
{
    memset(out, 0, sizeof *out);
    CHECK_SYS(syscall(SYS_statx, AT_FDCWD, path, 0, 0x7ff | STATX_BTIME | STATX_MNT_ID, out));
}

int main(void)
{
    T_REQUIRE_ROOT();
    if (!t_private_mount_namespace())
        return T_SKIP;
    char dir[] = "/tmp/fs_mount_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char mnt[64], hidden[80], inside[80], file[80], dotdot[80];
    snprintf(mnt, sizeof mnt, "%s/mnt", dir);
    snprintf(hidden, sizeof hidden, "%s/hidden", mnt);
    snprintf(inside, sizeof inside, "%s/inside", mnt);
    snprintf(file, sizeof file, "%s/file", mnt);
    snprintf(dotdot, sizeof dotdot, "%s/..", mnt);
    CHECK_SYS(mkdir(mnt, 0755));
    CHECK_SYS(mkdir(hidden, 0755));
    struct stat below, top, parent, st;
    CHECK_SYS(stat(mnt, &below));
    CHECK_SYS(stat(dir, &parent));

    CHECK_ERR(mount("none", "/nonexistent/x", "tmpfs", 0, NULL), ENOENT);
    CHECK_ERR(mount("none", mnt, "no-such-fs", 0, NULL), ENODEV);
    CHECK_ERR(umount2(mnt, 0), EINVAL);
    CHECK_ERR(umount2(mnt, 0x100), EINVAL);

    CHECK_SYS(mount("none", mnt, "tmpfs", 0, "mode=0750"));
    CHECK_SYS(stat(mnt, &top));
    CHECK(top.st_dev != below.st_dev);
    CHECK_EQ(top.st_mode, S_IFDIR | 0750);
    struct statfs sf;
    CHECK_SYS(statfs(mnt, &sf));
    CHECK_EQ(sf.f_type, TMPFS_MAGIC);
    CHECK_EQ(sf.f_namelen, 255);
    CHECK_EQ(sf.f_bsize, 4096);
    CHECK_ERR(stat(hidden, &st), ENOENT);
    CHECK_SYS(stat(dotdot, &st));
    CHECK_EQ(st.st_ino, parent.st_ino);
    CHECK_EQ(st.st_dev, parent.st_dev);

    /* statx: the mount root is marked, and has its own mount id. */
    struct t_statx sx_root, sx_parent;
    t_statx(mnt, &sx_root);
    t_statx(dir, &sx_parent);
    CHECK_EQ(sx_root.mask & (STATX_BTIME | STATX_MNT_ID), STATX_BTIME | STATX_MNT_ID);
    CHECK(sx_root.attributes_mask & STATX_ATTR_MOUNT_ROOT);
    CHECK(sx_root.attributes & STATX_ATTR_MOUNT_ROOT);
    CHECK(!(sx_parent.attributes & STATX_ATTR_MOUNT_ROOT));
    CHECK(sx_root.mnt_id != sx_parent.mnt_id);
    CHECK(sx_root.btime.sec > 0);

    CHECK_SYS(mkdir(inside, 0755));
    CHECK_SYS(stat(inside, &st));
    CHECK_EQ(st.st_dev, top.st_dev);
    struct t_statx sx_inside;
    t_statx(inside, &sx_inside);
    CHECK_EQ(sx_inside.mnt_id, sx_root.mnt_id);
    CHECK(!(sx_inside.attributes & STATX_ATTR_MOUNT_ROOT));
    int fd = CHECK_SYS(open(file, O_CREAT | O_WRONLY | O_EXCL, 0644));
    CHECK_SYS(fstatfs(fd, &sf));
    CHECK_EQ(sf.f_type, TMPFS_MAGIC);

    /* Nothing crosses file systems by rename or link. */
    char outside[80];
    snprintf(outside, sizeof outside, "%s/out", dir);
    CHECK_ERR(rename(file, outside), EXDEV);
    CHECK_ERR(link(file, outside), EXDEV);
    CHECK_SYS(mkdir(outside, 0755));
    char moved[96];
    snprintf(moved, sizeof moved, "%s/moved", mnt);
    CHECK_ERR(rename(outside, moved), EXDEV);
    CHECK_SYS(rmdir(outside));
    /* The mountpoint is busy for rmdir and rename. */
    CHECK_ERR(rmdir(mnt), EBUSY);
    char other[80];
    snprintf(other, sizeof other, "%s/other", dir);
    CHECK_ERR(rename(mnt, other), EBUSY);

    /* In use: an open descriptor, then a cwd. */
    CHECK_ERR(umount2(mnt, 0), EBUSY);
    CHECK_SYS(close(fd));
    CHECK_SYS(chdir(inside));
    CHECK_ERR(umount2(mnt, 0), EBUSY);
    char cwd[128];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(strcmp(cwd, inside) == 0);
    CHECK_SYS(chdir(".."));
    CHECK_SYS(chdir(".."));
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(strcmp(cwd, dir) == 0);
    CHECK_ERR(umount2(inside, 0), EINVAL); /* not a mount root */
    CHECK_SYS(umount2(mnt, 0));
    CHECK_SYS(stat(mnt, &st));
    CHECK_EQ(st.st_dev, below.st_dev);
    CHECK_EQ(st.st_ino, below.st_ino);
    CHECK_SYS(stat(hidden, &st));
    CHECK_ERR(umount2(mnt, 0), EINVAL);

    /* MNT_DETACH while a descriptor is inside: gone from the tree at once,
     * still usable through the descriptor. */
    CHECK_SYS(mount("none", mnt, "tmpfs", 0, NULL));
    CHECK_SYS(mkdir(inside, 0755));
    int dfd = CHECK_SYS(open(inside, O_RDONLY | O_DIRECTORY));
    CHECK_SYS(umount2(mnt, MNT_DETACH));
    CHECK_SYS(stat(hidden, &st));
    CHECK_SYS(mkdirat(dfd, "still", 0755));
    CHECK_SYS(fstatat(dfd, "still", &st, 0));
    CHECK(st.st_dev != below.st_dev);
    CHECK_SYS(close(dfd));

    /* Unprivileged: EPERM. */
    uid_t uid = t_private_uid(0);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(setresuid(uid, uid, uid));
        CHECK_ERR(mount("none", mnt, "tmpfs", 0, NULL), EACCES); /* the walk comes first */
        CHECK_ERR(mount("none", "/tmp", "tmpfs", 0, NULL), EPERM);
        CHECK_ERR(umount2("/", 0), EPERM);
        _exit(0);
    }
    T_WAIT_OK(pid);

    CHECK_SYS(rmdir(hidden));
    CHECK_SYS(rmdir(mnt));
    CHECK_SYS(rmdir(dir));
    return 0;
}
