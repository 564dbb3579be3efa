/* Creating and removing names: open with O_CREAT/O_EXCL/O_DIRECTORY/
 * O_NOFOLLOW/O_CLOEXEC, creat, mkdir/rmdir (and their errors), unlink while
 * open (the inode lives on with nlink 0), hard and symbolic links and their
 * link counts, getdents64 after each change, directory times moving. */
#include "t.h"
#include <dirent.h>
#include <sys/stat.h>

static char dir[] = "/tmp/fs_create_XXXXXX";

static const char *at(const char *name)
{
    static char buf[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Names in dir (without . and ..), sorted, joined by spaces. */
static void listing(char *out, size_t size)
{
    char names[32][64];
    int n = 0;
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        CHECK(n < 32);
        CHECK(strlen(e->d_name) < 64);
        memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) > 0) {
                char t[64];
                memcpy(t, names[i], 64);
                memcpy(names[i], names[j], 64);
                memcpy(names[j], t, 64);
            }
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        if (i)
            strncat(out, " ", size - strlen(out) - 1);
        strncat(out, names[i], size - strlen(out) - 1);
    }
}

#define CHECK_LISTING(expected)                                                                    \
    do {                                                                                           \
        char l_[512];                                                                              \
        listing(l_, sizeof l_);                                                                    \
        if (strcmp(l_, expected) != 0)                                                             \
            FAIL("listing \"%s\", expected \"%s\"", l_, expected);                                  \
    } while (0)

int main(void)
{
    umask(022);
    CHECK(mkdtemp(dir) != NULL);
    CHECK_LISTING("");
    struct stat st, dst;

    /* Directory times: set them back, then watch a creation move them. */
    struct timespec old[2] = {{1000, 0}, {1000, 0}};
    CHECK_SYS(utimensat(AT_FDCWD, dir, old, 0));
    int fd = CHECK_SYS(open(at("a"), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_uid, geteuid());
    CHECK_EQ(st.st_gid, getegid());
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
    CHECK_SYS(stat(dir, &dst));
    CHECK(dst.st_mtime > 1000 && dst.st_ctime > 1000);
    CHECK_LISTING("a");

    CHECK_ERR(open(at("a"), O_CREAT | O_EXCL | O_RDONLY, 0644), EEXIST);
    CHECK_ERR(open(at("a"), O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK_ERR(open(at("missing"), O_RDONLY), ENOENT);
    CHECK_ERR(open(at("missing/x"), O_RDONLY | O_CREAT, 0644), ENOENT);
    CHECK_ERR(open(at("a/x"), O_RDONLY | O_CREAT, 0644), ENOTDIR);
    CHECK_ERR(open(at("new/"), O_RDONLY | O_CREAT, 0644), EISDIR);
    int again = CHECK_SYS(open(at("a"), O_RDONLY | O_CREAT, 0600)); /* exists: opened */
    CHECK_SYS(close(again));
    int c = CHECK_SYS(creat(at("c"), 0640));
    CHECK_EQ(fcntl(c, F_GETFL) & O_ACCMODE, O_WRONLY);
    CHECK_SYS(fstat(c, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0640);
    CHECK_SYS(close(c));

    /* Hard links share the inode and count. */
    CHECK_SYS(link(at("a"), at("b")));
    CHECK_SYS(stat(at("b"), &dst));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_ino, dst.st_ino);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_ERR(link(at("a"), at("c")), EEXIST);
    CHECK_ERR(link(dir, at("dirlink")), EPERM);
    CHECK_LISTING("a b c");

    /* Symlinks: O_NOFOLLOW, readlink, a dangling one, O_CREAT through it. */
    CHECK_SYS(symlink("a", at("s")));
    CHECK_SYS(lstat(at("s"), &st));
    CHECK_EQ(st.st_mode & S_IFMT, S_IFLNK);
    CHECK_EQ(st.st_size, 1);
    char target[16] = {0};
    CHECK_EQ(readlink(at("s"), target, sizeof target), 1);
    CHECK_EQ(target[0], 'a');
    CHECK_ERR(open(at("s"), O_RDONLY | O_NOFOLLOW), ELOOP);
    int via = CHECK_SYS(open(at("s"), O_RDONLY));
    CHECK_SYS(close(via));
    CHECK_ERR(symlink("x", at("s")), EEXIST);
    CHECK_SYS(symlink("made", at("dangling")));
    CHECK_ERR(stat(at("dangling"), &st), ENOENT);
    CHECK_ERR(open(at("dangling"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    int made = CHECK_SYS(open(at("dangling"), O_CREAT | O_WRONLY, 0644));
    CHECK_SYS(close(made));
    CHECK_SYS(stat(at("made"), &st));
    CHECK_LISTING("a b c dangling made s");

    /* Unlink while open: the file keeps working with nlink 0. */
    CHECK_SYS(unlink(at("a")));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_nlink, 1);
    CHECK_SYS(unlink(at("b")));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_nlink, 0);
    CHECK_ERR(unlink(at("b")), ENOENT);
    CHECK_SYS(close(fd));
    CHECK_ERR(stat(at("s"), &st), ENOENT); /* dangling now */
    CHECK_LISTING("c dangling made s");

    /* Directories. */
    CHECK_SYS(stat(dir, &st));
    nlink_t links = st.st_nlink;
    CHECK_SYS(mkdir(at("d"), 0777));
    CHECK_SYS(stat(at("d"), &st));
    CHECK_EQ(st.st_mode, S_IFDIR | 0755);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_SYS(stat(dir, &st));
    CHECK_EQ(st.st_nlink, links + 1);
    CHECK_ERR(mkdir(at("d"), 0755), EEXIST);
    CHECK_ERR(mkdir(at("c"), 0755), EEXIST);
    CHECK_ERR(mkdir(at("s"), 0755), EEXIST);
    CHECK_ERR(mkdir(at("nope/d"), 0755), ENOENT);
    CHECK_ERR(mkdir(at("c/d"), 0755), ENOTDIR);
    CHECK_SYS(mkdir(at("d/e"), 0755));
    CHECK_ERR(rmdir(at("d")), ENOTEMPTY);
    CHECK_ERR(rmdir(at("d/e/.")), EINVAL);
    CHECK_ERR(rmdir(at("d/e/..")), ENOTEMPTY);
    CHECK_ERR(rmdir(at("c")), ENOTDIR);
    CHECK_ERR(rmdir(at("s")), ENOTDIR);
    CHECK_ERR(unlink(at("d")), EISDIR);
    CHECK_ERR(unlink(at("c/")), ENOTDIR);
    CHECK_ERR(unlinkat(AT_FDCWD, at("c"), 0x1), EINVAL);
    int dfd = CHECK_SYS(open(at("d/e"), O_RDONLY | O_DIRECTORY));
    CHECK_SYS(unlinkat(AT_FDCWD, at("d/e/"), AT_REMOVEDIR));
    CHECK_SYS(fstat(dfd, &st));
    CHECK_EQ(st.st_nlink, 0);
    CHECK_ERR(openat(dfd, "x", O_CREAT | O_WRONLY, 0644), ENOENT);
    CHECK_ERR(mkdirat(dfd, "x", 0755), ENOENT);
    CHECK_SYS(close(dfd));
    CHECK_SYS(stat(at("d"), &st));
    CHECK_EQ(st.st_nlink, 2);
    CHECK_SYS(rmdir(at("d")));
    CHECK_SYS(stat(dir, &st));
    CHECK_EQ(st.st_nlink, links);
    CHECK_ERR(rmdir("/"), EBUSY);

    CHECK_SYS(unlink(at("c")));
    CHECK_SYS(unlink(at("s")));
    CHECK_SYS(unlink(at("dangling")));
    CHECK_SYS(unlink(at("made")));
    CHECK_LISTING("");
    CHECK_SYS(rmdir(dir));
    return 0;
}
