/* Soak: 10,000 files created, written (one to three pages), read back and
 * unlinked, half of them while still open. The workload runs anywhere; on
 * Charon the kernel's counters (charon_stats) must then be back to their
 * baseline exactly: free frames, file pages, inodes, open files, heap. One
 * warm-up file first, so that what keeps its memory (the directory's entry
 * array, our own buffers' pages) is at size when the baseline is taken. */
#include "t.h"

#define FILES 10000

static char dir[] = "/tmp/fs_soak_data_XXXXXX";
static char page[3 * 4096], back[3 * 4096];

static void one_file(int i)
{
    char path[64];
    snprintf(path, sizeof path, "%s/f%d", dir, i);
    size_t length = 4096 * (size_t)(1 + i % 3) - (size_t)(i % 7);
    memset(page, 'a' + i % 26, length);
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, page, length), (long)length);
    CHECK_EQ(pread(fd, back, sizeof back, 0), (long)length);
    CHECK(memcmp(back, page, length) == 0);
    if (i % 2) {
        /* Unlinked while open: the data is still there until the close. */
        CHECK_SYS(unlink(path));
        memset(back, 0, sizeof back);
        CHECK_EQ(pread(fd, back, sizeof back, 0), (long)length);
        CHECK(memcmp(back, page, length) == 0);
        CHECK_SYS(close(fd));
    } else {
        CHECK_SYS(close(fd));
        CHECK_SYS(unlink(path));
    }
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    one_file(2); /* the warm-up: three pages, every buffer page touched */
    struct t_charon_stats base;
    int have_stats = t_charon_stats(&base);
    if (have_stats)
        t_charon_stable_snapshot(&base);

    struct t_charon_stats peak = base;
    for (int i = 0; i < FILES; i++) {
        one_file(i);
        if (have_stats && i == FILES / 2) {
            /* The counters do see file data: one open file of 3 pages. */
            char path[64];
            snprintf(path, sizeof path, "%s/held", dir);
            int fd = CHECK_SYS(open(path, O_CREAT | O_EXCL | O_RDWR, 0600));
            CHECK_EQ(write(fd, page, sizeof page), (long)sizeof page);
            CHECK_SYS(unlink(path));
            t_charon_stats(&peak);
            CHECK_EQ(peak.file_pages, base.file_pages + 3);
            CHECK_EQ(peak.inodes, base.inodes + 1);
            CHECK(peak.free_frames <= base.free_frames - 3);
            CHECK_SYS(close(fd));
        }
    }
    if (have_stats) {
        t_charon_expect_baseline(&base);
        struct t_charon_stats now;
        t_charon_stats(&now);
        CHECK_EQ(now.inodes, base.inodes);
        CHECK_EQ(now.heap_bytes, base.heap_bytes);
        CHECK_EQ(now.file_pages, base.file_pages);
        CHECK_EQ(now.free_frames, base.free_frames);
    }
    CHECK_SYS(rmdir(dir));
    return 0;
}
