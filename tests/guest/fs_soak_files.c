/* Soak: 10,000 files (and 1,000 directories and symlinks) created and
 * removed in batches of 100; on Charon the kernel's counters (inodes, open
 * files, heap bytes, free frames) must be back at their baseline
 * afterwards. One warm-up batch first, so that caches that keep their
 * memory (the directory's entry array, slab pages) are at size when the
 * baseline is taken. */
#include "t.h"
#include <sys/stat.h>

static char dir[] = "/tmp/fs_soak_XXXXXX";

static void batch(int files)
{
    char path[96];
    for (int i = 0; i < files; i++) {
        snprintf(path, sizeof path, "%s/file%d", dir, i);
        int fd = CHECK_SYS(open(path, O_CREAT | O_EXCL | O_WRONLY, 0644));
        CHECK_SYS(close(fd));
    }
    for (int i = 0; i < files / 10; i++) {
        snprintf(path, sizeof path, "%s/dir%d", dir, i);
        CHECK_SYS(mkdir(path, 0755));
        snprintf(path, sizeof path, "%s/link%d", dir, i);
        CHECK_SYS(symlink("file0", path));
    }
    for (int i = 0; i < files; i++) {
        snprintf(path, sizeof path, "%s/file%d", dir, i);
        CHECK_SYS(unlink(path));
    }
    for (int i = 0; i < files / 10; i++) {
        snprintf(path, sizeof path, "%s/dir%d", dir, i);
        CHECK_SYS(rmdir(path));
        snprintf(path, sizeof path, "%s/link%d", dir, i);
        CHECK_SYS(unlink(path));
    }
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    batch(100);
    struct t_charon_stats base, now;
    int charon = t_charon_stats(&base);
    if (charon)
        t_charon_stable_snapshot(&base);
    for (int round = 0; round < 100; round++)
        batch(100);
    if (charon) {
        t_charon_expect_baseline(&base);
        t_charon_stats(&now);
        CHECK_EQ(now.inodes, base.inodes);
        CHECK_EQ(now.heap_bytes, base.heap_bytes);
    }
    struct stat st;
    CHECK_SYS(stat(dir, &st));
    CHECK_EQ(st.st_nlink, 2);
    CHECK_SYS(rmdir(dir));
    return 0;
}
