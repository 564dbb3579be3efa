/* Regular-file data: create, write, read back; holes read as zeros; the
 * size and st_blocks; ftruncate/truncate shrinking and growing (zeros, not
 * the old bytes); O_TRUNC; unlink while open (the data lives until the last
 * close); writev/preadv/pwritev/pwritev2 (RWF_APPEND, RWF_NOAPPEND); pwrite
 * on an O_APPEND file appends (Linux); mtime moves on write; fsync family;
 * RLIMIT_FSIZE: a short write, then EFBIG with SIGXFSZ; O_EXCL and
 * O_APPEND|O_TRUNC; rename (over another open file, whose data survives);
 * EACCES for another user. All in a fresh directory under /tmp. */
#include "t.h"

#include <sys/stat.h>
#include <sys/uio.h>

static char dir[64];
static char path[128];

static void fill(char *buf, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('A' + (i * 7 + (size_t)seed) % 26);
}

static off_t file_size(int fd)
{
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    return st.st_size;
}

int main(void)
{
    strcpy(dir, "/tmp/fsdataXXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/file", dir);

    static char out[20000], in[20000];
    fill(out, sizeof out, 1);
    int fd = CHECK_SYS(open(path, O_CREAT | O_EXCL | O_RDWR, 0644));
    CHECK_EQ(file_size(fd), 0);
    CHECK_EQ(write(fd, out, 10000), 10000);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10000);
    CHECK_EQ(file_size(fd), 10000);
    CHECK_EQ(pread(fd, in, sizeof in, 0), 10000);
    CHECK(memcmp(in, out, 10000) == 0);
    /* Overwrite in the middle, across a page boundary. */
    CHECK_EQ(pwrite(fd, "XYZ", 3, 4095), 3);
    CHECK_EQ(pread(fd, in, 5, 4094), 5);
    CHECK(memcmp(in, (char[]){out[4094], 'X', 'Y', 'Z', out[4098]}, 5) == 0);

    /* A hole: zeros up to the new data; the blocks stay few. */
    CHECK_EQ(pwrite(fd, "end", 3, 1 << 20), 3);
    CHECK_EQ(file_size(fd), (1 << 20) + 3);
    memset(in, 1, 4096);
    CHECK_EQ(pread(fd, in, 4096, 500000), 4096);
    for (int i = 0; i < 4096; i++)
        CHECK_EQ(in[i], 0);
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    CHECK(st.st_blocks < 64); /* 4 pages of data, not 257 */
    CHECK_EQ(lseek(fd, 0, SEEK_END), (1 << 20) + 3);

    /* ftruncate: shrink, grow back: zeros where the old bytes were. */
    CHECK_SYS(ftruncate(fd, 5000));
    CHECK_EQ(file_size(fd), 5000);
    CHECK_EQ(pread(fd, in, 100, 4990), 10);
    CHECK_EQ(pread(fd, in, 100, 6000), 0);
    CHECK_SYS(ftruncate(fd, 9000));
    memset(in, 1, 4000);
    CHECK_EQ(pread(fd, in, 4000, 5000), 4000);
    for (int i = 0; i < 4000; i++)
        CHECK_EQ(in[i], 0);
    CHECK_ERR(ftruncate(fd, -1), EINVAL);
    CHECK_SYS(truncate(path, 100));
    CHECK_EQ(file_size(fd), 100);
    CHECK_ERR(truncate(dir, 0), EISDIR);
    CHECK_ERR(truncate(path, -5), EINVAL);
    int ro = CHECK_SYS(open(path, O_RDONLY));
    CHECK_ERR(ftruncate(ro, 0), EINVAL);
    int p[2];
    t_pipe(p);
    CHECK_ERR(ftruncate(p[1], 0), EINVAL);
    CHECK_ERR(fsync(p[1]), EINVAL);
    CHECK_SYS(fsync(fd));
    CHECK_SYS(fdatasync(fd));
    CHECK_SYS(syscall(SYS_syncfs, p[0]));
    CHECK_SYS(posix_fadvise(fd, 0, 100, POSIX_FADV_SEQUENTIAL));
    CHECK_EQ(posix_fadvise(fd, 0, 100, 99), EINVAL);
    CHECK_EQ(posix_fadvise(p[0], 0, 100, POSIX_FADV_NORMAL), ESPIPE);

    /* O_TRUNC empties it. */
    int again = CHECK_SYS(open(path, O_WRONLY | O_TRUNC));
    CHECK_EQ(file_size(fd), 0);
    close(again);

    /* Vectored calls (truncation leaves the descriptor's offset alone). */
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), (1 << 20) + 3);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    struct iovec iov[2] = {{out, 3}, {out + 10, 4}};
    CHECK_EQ(writev(fd, iov, 2), 7);
    char a[3], b[4];
    struct iovec riov[2] = {{a, 3}, {b, 4}};
    CHECK_EQ(preadv(fd, riov, 2, 0), 7);
    CHECK(memcmp(a, out, 3) == 0 && memcmp(b, out + 10, 4) == 0);
    CHECK_EQ(pwritev(fd, iov, 1, 100), 3);
    CHECK_EQ(file_size(fd), 103);
    CHECK_ERR(preadv(fd, riov, 2, -1), EINVAL);
    CHECK_ERR(preadv(p[0], riov, 2, 0), ESPIPE);
    struct iovec one = {"T", 1};
    CHECK_EQ(syscall(SYS_pwritev2, fd, &one, 1, 0, 0, 0x10 /* RWF_APPEND */), 1);
    CHECK_EQ(file_size(fd), 104);
    CHECK_ERR(syscall(SYS_pwritev2, fd, &one, 1, 0, 0, 0x10000), EOPNOTSUPP);

    /* O_APPEND: write and even pwrite go to the end. */
    int app = CHECK_SYS(open(path, O_WRONLY | O_APPEND));
    CHECK_EQ(pwrite(app, "P", 1, 0), 1);
    CHECK_EQ(file_size(fd), 105);
    CHECK_EQ(pread(fd, a, 1, 104), 1);
    CHECK_EQ(a[0], 'P');
    CHECK_EQ(syscall(SYS_pwritev2, app, &one, 1, 0, 0, 0x20 /* RWF_NOAPPEND */), 1);
    CHECK_EQ(file_size(fd), 105);
    CHECK_EQ(pread(fd, a, 1, 0), 1);
    CHECK_EQ(a[0], 'T');
    close(app);

    /* mtime moves on write. */
    struct stat before, after;
    CHECK_SYS(fstat(fd, &before));
    struct timespec pause_ts = {0, 20000000};
    nanosleep(&pause_ts, NULL);
    CHECK_EQ(write(fd, "m", 1), 1);
    CHECK_SYS(fstat(fd, &after));
    CHECK(after.st_mtim.tv_sec > before.st_mtim.tv_sec ||
          (after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec > before.st_mtim.tv_nsec));

    /* RLIMIT_FSIZE. */
    pid_t pid = t_fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {1000, 1000};
        CHECK_SYS(setrlimit(RLIMIT_FSIZE, &rl));
        CHECK_EQ(pwrite(fd, out, 200, 900), 100);
        CHECK_ERR(pwrite(fd, out, 10, 1000), EFBIG);
        CHECK_ERR(ftruncate(fd, 5000), EFBIG);
        CHECK_SYS(ftruncate(fd, 10)); /* shrinking is fine */
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);
    pid = t_fork();
    if (pid == 0) {
        t_no_core();
        struct rlimit rl = {10, 10};
        CHECK_SYS(setrlimit(RLIMIT_FSIZE, &rl));
        (void)pwrite(fd, out, 10, 10);
        _exit(3);
    }
    CHECK_SIGNALED(t_wait(pid), SIGXFSZ);

    /* O_EXCL: an existing name is EEXIST, a dangling symlink too (never
     * followed); without O_CREAT, O_EXCL alone opens the file. */
    CHECK_ERR(open(path, O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
    char link_path[160];
    snprintf(link_path, sizeof link_path, "%s/dangling", dir);
    CHECK_SYS(symlink("nowhere", link_path));
    CHECK_ERR(open(link_path, O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    CHECK_ERR(access(link_path, F_OK), ENOENT);
    CHECK_SYS(unlink(link_path));
    close(CHECK_SYS(open(path, O_RDONLY | O_EXCL)));
    /* O_TRUNC needs write access; O_APPEND|O_TRUNC still empties. */
    CHECK_SYS(ftruncate(fd, 0));
    CHECK_EQ(pwrite(fd, "0123456789", 10, 0), 10);
    int at = CHECK_SYS(open(path, O_WRONLY | O_APPEND | O_TRUNC));
    CHECK_EQ(file_size(fd), 0);
    CHECK_EQ(write(at, "ab", 2), 2);
    CHECK_EQ(write(at, "cd", 2), 2);
    CHECK_EQ(pread(fd, in, 10, 0), 4);
    CHECK(memcmp(in, "abcd", 4) == 0);
    close(at);

    /* Rename keeps the data (same inode); renaming over another file
     * replaces it, and the replaced file lives on for its open descriptor. */
    char moved[160], other[160];
    snprintf(moved, sizeof moved, "%s/moved", dir);
    snprintf(other, sizeof other, "%s/other", dir);
    int ofd = CHECK_SYS(open(other, O_CREAT | O_EXCL | O_RDWR, 0644));
    CHECK_EQ(write(ofd, "other data", 10), 10);
    struct stat old_st, new_st;
    CHECK_SYS(fstat(fd, &old_st));
    CHECK_SYS(rename(path, moved));
    CHECK_ERR(open(path, O_RDONLY), ENOENT);
    CHECK_SYS(stat(moved, &new_st));
    CHECK_EQ(new_st.st_ino, old_st.st_ino);
    CHECK_SYS(rename(moved, other));
    CHECK_ERR(access(moved, F_OK), ENOENT);
    int nfd = CHECK_SYS(open(other, O_RDONLY));
    CHECK_EQ(read(nfd, in, sizeof in), 4);
    CHECK(memcmp(in, "abcd", 4) == 0);
    close(nfd);
    CHECK_EQ(pread(ofd, in, sizeof in, 0), 10);
    CHECK(memcmp(in, "other data", 10) == 0);
    CHECK_SYS(fstat(ofd, &st));
    CHECK_EQ(st.st_nlink, 0);
    close(ofd);
    CHECK_SYS(rename(other, path));

    /* Permissions: another user may read a 0644 file but not write,
     * truncate or create next to it (the directory is 0700). */
    if (getuid() == 0) {
        CHECK_SYS(chmod(path, 0644));
        CHECK_SYS(chmod(dir, 0755));
        pid = t_fork();
        if (pid == 0) {
            CHECK_SYS(setgid(65534));
            CHECK_SYS(setuid(65534));
            close(CHECK_SYS(open(path, O_RDONLY)));
            CHECK_ERR(open(path, O_WRONLY), EACCES);
            CHECK_ERR(open(path, O_RDONLY | O_TRUNC), EACCES);
            CHECK_ERR(truncate(path, 0), EACCES);
            char mine[160];
            snprintf(mine, sizeof mine, "%s/mine", dir);
            CHECK_ERR(open(mine, O_CREAT | O_WRONLY, 0644), EACCES);
            /* A descriptor opened for writing by root still writes. */
            CHECK_EQ(pwrite(fd, "u", 1, 0), 1);
            _exit(0);
        }
        CHECK_EXITED(t_wait(pid), 0);
        CHECK_EQ(pread(fd, in, 1, 0), 1);
        CHECK_EQ(in[0], 'u');
        CHECK_SYS(chmod(dir, 0700));
    }

    /* Unlinked while open: the data stays until the last close. */
    CHECK_SYS(ftruncate(fd, 0));
    CHECK_EQ(pwrite(fd, out, 8192, 0), 8192);
    CHECK_SYS(unlink(path));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(pread(ro, in, 8192, 0), 8192);
    CHECK(memcmp(in, out, 8192) == 0);
    CHECK_EQ(pwrite(fd, "more", 4, 8192), 4);
    close(fd);
    CHECK_EQ(pread(ro, in, 10, 8192), 4);
    close(ro);
    CHECK_SYS(rmdir(dir));
    return 0;
}
