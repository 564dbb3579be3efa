/* Inode attributes: chmod/fchmod/fchmodat (type bits kept, S_ISVTX and
 * set-id bits settable by root), chown/fchown/lchown/fchownat (-1 keeps an
 * id; set-user-ID always dropped from non-directories, set-group-ID only
 * with group execute), utimensat with UTIME_NOW/UTIME_OMIT, futimens,
 * utimes, bad flags and nanoseconds (EINVAL), ctime moving on every
 * change; statfs on /dev/shm (tmpfs) and /tmp's sticky mode. */
#include "t.h"
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>

#define TMPFS_MAGIC 0x01021994

static char dir[] = "/tmp/fs_attr_XXXXXX";

int main(void)
{
    umask(022);
    CHECK(mkdtemp(dir) != NULL);
    char file[64], link_[64], sub[64];
    snprintf(file, sizeof file, "%s/f", dir);
    snprintf(link_, sizeof link_, "%s/l", dir);
    snprintf(sub, sizeof sub, "%s/d", dir);
    int fd = CHECK_SYS(open(file, O_CREAT | O_RDWR, 0644));
    CHECK_SYS(symlink("f", link_));
    CHECK_SYS(mkdir(sub, 0755));
    struct stat st;

    /* Times: set, omit, now; ctime follows every change. */
    struct timespec t[2] = {{100, 5}, {200, 7}};
    CHECK_SYS(utimensat(AT_FDCWD, file, t, 0));
    CHECK_SYS(stat(file, &st));
    CHECK_EQ(st.st_atim.tv_sec, 100);
    CHECK_EQ(st.st_atim.tv_nsec, 5);
    CHECK_EQ(st.st_mtim.tv_sec, 200);
    CHECK_EQ(st.st_mtim.tv_nsec, 7);
    CHECK(st.st_ctim.tv_sec > 200);
    struct timespec omit_atime[2] = {{0, UTIME_OMIT}, {300, 0}};
    CHECK_SYS(utimensat(AT_FDCWD, file, omit_atime, 0));
    CHECK_SYS(stat(file, &st));
    CHECK_EQ(st.st_atim.tv_sec, 100);
    CHECK_EQ(st.st_mtim.tv_sec, 300);
    struct timespec now_mtime[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    CHECK_SYS(futimens(fd, now_mtime));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_atim.tv_sec, 100);
    CHECK(st.st_mtim.tv_sec > 300);
    struct timeval tv[2] = {{400, 1}, {500, 2}};
    CHECK_SYS(utimes(file, tv));
    CHECK_SYS(stat(file, &st));
    CHECK_EQ(st.st_atim.tv_sec, 400);
    CHECK_EQ(st.st_atim.tv_nsec, 1000);
    CHECK_EQ(st.st_mtim.tv_nsec, 2000);
    CHECK_SYS(utimensat(AT_FDCWD, file, NULL, 0));
    CHECK_SYS(stat(file, &st));
    CHECK(st.st_atim.tv_sec > 500 && st.st_mtim.tv_sec > 500);
    /* The link itself with AT_SYMLINK_NOFOLLOW. */
    CHECK_SYS(utimensat(AT_FDCWD, link_, t, AT_SYMLINK_NOFOLLOW));
    CHECK_SYS(lstat(link_, &st));
    CHECK_EQ(st.st_mtim.tv_sec, 200);
    CHECK_SYS(stat(file, &st));
    CHECK(st.st_mtim.tv_sec > 500);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    CHECK_ERR(utimensat(AT_FDCWD, file, bad, 0), EINVAL);
    CHECK_ERR(utimensat(AT_FDCWD, file, t, 0x8), EINVAL);
    CHECK_ERR(utimensat(AT_FDCWD, "/nonexistent", t, 0), ENOENT);
    CHECK_ERR(syscall(SYS_utimensat, fd, NULL, t, AT_SYMLINK_NOFOLLOW), EINVAL);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    CHECK_SYS(utimensat(AT_FDCWD, "/nonexistent", omit, 0)); /* not even looked up */

    /* chmod keeps the type, takes the special bits. */
    CHECK_SYS(chmod(file, 07777));
    CHECK_SYS(stat(file, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 07777);
    CHECK_SYS(fchmod(fd, 0600));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0600);
    CHECK_SYS(fchmodat(AT_FDCWD, link_, 0640, 0)); /* follows */
    CHECK_SYS(stat(file, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0640);
    CHECK_ERR(chmod("/nonexistent", 0644), ENOENT);

    if (t_is_root()) {
        /* chown: set-user-ID goes, set-group-ID only with group execute,
         * even when no id changes; directories keep theirs. */
        CHECK_SYS(chmod(file, 06755));
        CHECK_SYS(chown(file, (uid_t)-1, (gid_t)-1));
        CHECK_SYS(stat(file, &st));
        CHECK_EQ(st.st_mode, S_IFREG | 0755);
        CHECK_SYS(chmod(file, 06745));
        CHECK_SYS(fchown(fd, 1234, 5678));
        CHECK_SYS(fstat(fd, &st));
        CHECK_EQ(st.st_mode, S_IFREG | 02745);
        CHECK_EQ(st.st_uid, 1234);
        CHECK_EQ(st.st_gid, 5678);
        CHECK_SYS(chmod(sub, 06755));
        CHECK_SYS(chown(sub, 1, 1));
        CHECK_SYS(stat(sub, &st));
        CHECK_EQ(st.st_mode, S_IFDIR | 06755);
        CHECK_SYS(lchown(link_, 42, 43));
        CHECK_SYS(lstat(link_, &st));
        CHECK_EQ(st.st_uid, 42);
        CHECK_EQ(st.st_gid, 43);
        CHECK_SYS(stat(file, &st));
        CHECK_EQ(st.st_uid, 1234);
        CHECK_SYS(fchownat(AT_FDCWD, link_, 7, (gid_t)-1, 0));
        CHECK_SYS(stat(file, &st));
        CHECK_EQ(st.st_uid, 7);
        CHECK_EQ(st.st_gid, 5678);
        CHECK_ERR(fchownat(AT_FDCWD, link_, 7, 7, 0x4), EINVAL);
        CHECK_SYS(fchownat(fd, "", 0, 0, AT_EMPTY_PATH));
        CHECK_SYS(fstat(fd, &st));
        CHECK_EQ(st.st_uid, 0);
    }

    /* statfs: /dev/shm is a tmpfs everywhere; /tmp is sticky. */
    struct statfs sf;
    CHECK_SYS(statfs("/dev/shm", &sf));
    CHECK_EQ(sf.f_type, TMPFS_MAGIC);
    CHECK_EQ(sf.f_namelen, 255);
    CHECK_SYS(fstatfs(fd, &sf));
    CHECK(sf.f_bsize > 0);
    CHECK_ERR(statfs("/nonexistent", &sf), ENOENT);
    CHECK_ERR(fstatfs(-1, &sf), EBADF);
    CHECK_SYS(stat("/tmp", &st));
    CHECK_EQ(st.st_mode & 07777, 01777);
    CHECK_SYS(stat("/dev/shm", &st));
    CHECK_EQ(st.st_mode & 07777, 01777);

    CHECK_SYS(close(fd));
    CHECK_SYS(unlink(file));
    CHECK_SYS(unlink(link_));
    CHECK_SYS(rmdir(sub));
    CHECK_SYS(rmdir(dir));
    return 0;
}
