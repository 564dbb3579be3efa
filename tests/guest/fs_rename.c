/* rename/renameat/renameat2: moving files and directories (".." and link
 * counts follow), replacing atomically (an open descriptor of the replaced
 * file sees nlink 0), RENAME_NOREPLACE, RENAME_EXCHANGE, and the errors:
 * EINVAL (under itself, bad flags), ENOTEMPTY, ENOTDIR, EISDIR, EBUSY for
 * "." and "..", ENOENT; two names of one inode: nothing happens. */
#include "t.h"
#include <sys/stat.h>

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4

static char dir[] = "/tmp/fs_rename_XXXXXX";

static const char *at(const char *name)
{
    static char buf[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static long renameat2_(const char *from, const char *to, unsigned flags)
{
    return syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

static void touch(const char *path)
{
    int fd = CHECK_SYS(open(path, O_CREAT | O_WRONLY | O_EXCL, 0644));
    CHECK_SYS(close(fd));
}

static ino_t ino(const char *path)
{
    struct stat st;
    CHECK_SYS(lstat(path, &st));
    return st.st_ino;
}

static nlink_t links(const char *path)
{
    struct stat st;
    CHECK_SYS(lstat(path, &st));
    return st.st_nlink;
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    struct stat st;

    /* A file to a new name, then over an existing file. */
    touch(at("f"));
    ino_t f = ino(at("f"));
    CHECK_SYS(rename(at("f"), at("g")));
    CHECK_ERR(lstat(at("f"), &st), ENOENT);
    CHECK_EQ(ino(at("g")), f);
    touch(at("victim"));
    int held = CHECK_SYS(open(at("victim"), O_RDONLY));
    CHECK_SYS(rename(at("g"), at("victim")));
    CHECK_EQ(ino(at("victim")), f);
    CHECK_SYS(fstat(held, &st));
    CHECK_EQ(st.st_nlink, 0);
    CHECK_SYS(close(held));
    /* Two names of one inode: rename does nothing at all. */
    CHECK_SYS(link(at("victim"), at("twin")));
    CHECK_SYS(rename(at("victim"), at("twin")));
    CHECK_EQ(ino(at("victim")), f);
    CHECK_EQ(ino(at("twin")), f);
    CHECK_EQ(links(at("twin")), 2);
    CHECK_SYS(rename(at("twin"), at("twin")));
    CHECK_SYS(unlink(at("twin")));

    /* Directories: ".." and both parents' link counts follow. */
    CHECK_SYS(mkdir(at("p1"), 0755));
    CHECK_SYS(mkdir(at("p2"), 0755));
    CHECK_SYS(mkdir(at("p1/d"), 0755));
    CHECK_SYS(mkdir(at("p1/d/sub"), 0755));
    CHECK_EQ(links(at("p1")), 3);
    CHECK_SYS(rename(at("p1/d"), at("p2/d")));
    CHECK_EQ(links(at("p1")), 2);
    CHECK_EQ(links(at("p2")), 3);
    CHECK_EQ(ino(at("p2/d/sub/../..")), ino(at("p2")));
    /* Over an empty directory, not over a full one or a file. */
    CHECK_SYS(mkdir(at("p1/empty"), 0755));
    CHECK_SYS(rename(at("p2/d/sub"), at("p1/empty")));
    CHECK_ERR(lstat(at("p2/d/sub"), &st), ENOENT);
    CHECK_SYS(mkdir(at("p1/empty/x"), 0755));
    CHECK_SYS(mkdir(at("lonely"), 0755));
    CHECK_ERR(rename(at("lonely"), at("p1/empty")), ENOTEMPTY);
    touch(at("file"));
    CHECK_ERR(rename(at("lonely"), at("file")), ENOTDIR);
    CHECK_ERR(rename(at("file"), at("lonely")), EISDIR);
    CHECK_ERR(rename(at("file/"), at("other")), ENOTDIR);
    CHECK_ERR(rename(at("file"), at("other/")), ENOTDIR);
    CHECK_SYS(rename(at("lonely/"), at("lonely2/")));
    /* Under itself, and over an ancestor. */
    CHECK_ERR(rename(at("p1"), at("p1/empty/x/y")), EINVAL);
    CHECK_ERR(rename(at("p1"), at("p1/y")), EINVAL);
    CHECK_ERR(rename(at("p1/empty/x"), at("p1")), ENOTEMPTY);
    CHECK_ERR(rename(at("p1/."), at("z")), EBUSY);
    CHECK_ERR(rename(at("p1/.."), at("z")), EBUSY);
    CHECK_ERR(rename(at("file"), at("p1/..")), EBUSY);
    CHECK_ERR(rename(at("missing"), at("z")), ENOENT);
    CHECK_ERR(rename(at("file"), at("missing/z")), ENOENT);
    CHECK_ERR(rename(at("file/x"), at("z")), ENOTDIR);

    /* renameat2 flags. */
    touch(at("n1"));
    touch(at("n2"));
    CHECK_ERR(renameat2_(at("n1"), at("n2"), RENAME_NOREPLACE), EEXIST);
    CHECK_SYS(renameat2_(at("n1"), at("n3"), RENAME_NOREPLACE));
    CHECK_ERR(renameat2_(at("n3"), at("n2"), RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL);
    CHECK_ERR(renameat2_(at("n3"), at("n2"), 0x80), EINVAL);
    CHECK_ERR(renameat2_(at("n3"), at("n4"), RENAME_EXCHANGE), ENOENT);
    ino_t n2 = ino(at("n2")), n3 = ino(at("n3"));
    CHECK_SYS(renameat2_(at("n3"), at("n2"), RENAME_EXCHANGE));
    CHECK_EQ(ino(at("n2")), n3);
    CHECK_EQ(ino(at("n3")), n2);
    /* Exchange a directory and a file in different directories. */
    nlink_t p1_links = links(at("p1")), top_links = links(dir);
    ino_t empty = ino(at("p1/empty"));
    CHECK_SYS(renameat2_(at("p1/empty"), at("n2"), RENAME_EXCHANGE));
    CHECK_EQ(ino(at("n2")), empty);
    CHECK_EQ(ino(at("n2/..")), ino(dir));
    CHECK_EQ(links(at("p1")), p1_links - 1);
    CHECK_EQ(links(dir), top_links + 1);
    CHECK_SYS(lstat(at("p1/empty"), &st));
    CHECK(S_ISREG(st.st_mode));
    CHECK_ERR(renameat2_(at("p1"), at("p1/empty"), RENAME_EXCHANGE), EINVAL);
    CHECK_ERR(renameat2_(at("n2/x"), at("n2"), RENAME_EXCHANGE), EINVAL);

    /* renameat with directory descriptors. */
    int d1 = CHECK_SYS(open(at("p1"), O_RDONLY | O_DIRECTORY));
    int d2 = CHECK_SYS(open(at("p2"), O_RDONLY | O_DIRECTORY));
    CHECK_SYS(renameat(d1, "empty", d2, "moved"));
    CHECK_SYS(fstatat(d2, "moved", &st, 0));
    CHECK_SYS(close(d1));
    CHECK_SYS(close(d2));

    /* Clean up. */
    CHECK_SYS(unlink(at("p2/moved")));
    CHECK_SYS(rmdir(at("n2/x")));
    CHECK_SYS(rmdir(at("n2")));
    CHECK_SYS(rmdir(at("p2/d")));
    CHECK_SYS(rmdir(at("p2")));
    CHECK_SYS(rmdir(at("p1")));
    CHECK_SYS(rmdir(at("lonely2")));
    CHECK_SYS(unlink(at("file")));
    CHECK_SYS(unlink(at("n3")));
    CHECK_SYS(unlink(at("victim")));
    CHECK_SYS(rmdir(dir));
    return 0;
}
