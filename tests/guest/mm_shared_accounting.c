/* Memory accounting of file data and shared pages: a file's pages live
 * while a directory entry, an open file or a mapping holds the file, and
 * are freed when the last one goes; MAP_SHARED|MAP_ANONYMOUS pages are
 * shared across fork and freed with the last mapping; MADV_DONTNEED really
 * drops private anonymous pages (the resident set shrinks, the data reads
 * zero). Everywhere: sysinfo's sharedram (shmem) and /proc/self/statm show
 * it. On Charon, the leak counters (charon_stats: file_pages,
 * shared_anonymous_pages, file_store_bytes, free frames, heap) are checked
 * exactly at every step and are back to the baseline at the end. */
#include "t.h"

#include <sys/sysinfo.h>

#define BIG_PAGES 2048 /* 8 MiB: far above what the host's shmem drifts by */

static int have_stats;
static struct t_charon_stats base;

/* On Charon: file pages and shared anonymous pages are `files` and `anon`
 * above the baseline. */
static void expect_pages(long files, long anon)
{
    if (!have_stats)
        return;
    struct t_charon_stats now;
    t_charon_stats(&now);
    CHECK_EQ((long)(now.file_pages - base.file_pages), files);
    CHECK_EQ((long)(now.shared_anonymous_pages - base.shared_anonymous_pages), anon);
}

static unsigned long long shared_bytes(void)
{
    struct sysinfo info;
    CHECK_SYS(sysinfo(&info));
    return (unsigned long long)info.sharedram * info.mem_unit;
}

static long resident_pages(void)
{
    char text[256];
    int fd = CHECK_SYS(open("/proc/self/statm", O_RDONLY));
    long n = CHECK_SYS(read(fd, text, sizeof text - 1));
    close(fd);
    text[n] = 0;
    long size = 0, resident = -1;
    CHECK_EQ(sscanf(text, "%ld %ld", &size, &resident), 2);
    return resident;
}

int main(void)
{
    static char chunk[64 * 4096];
    memset(chunk, 'd', sizeof chunk);
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/accounting-%d", (int)getpid());
    struct sysinfo info;
    CHECK_SYS(sysinfo(&info));
    CHECK(info.mem_unit >= 1);
    CHECK(info.totalram > 0 && info.freeram > 0 && info.freeram <= info.totalram);
    CHECK(info.procs >= 1);
    (void)resident_pages(); /* warm: the buffers above are ours from now on */
    /* Warm-up: the kernel heap keeps the slab frames a big file's index
     * needed, so the baseline is taken after one has come and gone. */
    int fd = CHECK_SYS(open(path, O_CREAT | O_EXCL | O_RDWR, 0600));
    for (int i = 0; i < BIG_PAGES / 64; i++)
        CHECK_EQ(write(fd, chunk, sizeof chunk), (long)sizeof chunk);
    CHECK_SYS(unlink(path));
    CHECK_SYS(close(fd));

    have_stats = t_charon_stats(&base);
    if (have_stats)
        t_charon_stable_snapshot(&base);

    /* 1. A directory entry holds the pages: written, closed, still there. */
    unsigned long long shared_before = shared_bytes();
    fd = CHECK_SYS(open(path, O_CREAT | O_EXCL | O_RDWR, 0600));
    for (int i = 0; i < BIG_PAGES / 64; i++)
        CHECK_EQ(write(fd, chunk, sizeof chunk), (long)sizeof chunk);
    CHECK_SYS(close(fd));
    expect_pages(BIG_PAGES, 0);
    CHECK(shared_bytes() >= shared_before + 3ull * BIG_PAGES * 4096 / 4);
    /* 2. An open file holds them after the name is gone. */
    fd = CHECK_SYS(open(path, O_RDONLY));
    CHECK_SYS(unlink(path));
    expect_pages(BIG_PAGES, 0);
    char byte;
    CHECK_EQ(pread(fd, &byte, 1, (off_t)BIG_PAGES * 4096 - 1), 1);
    CHECK_EQ(byte, 'd');
    unsigned long long shared_held = shared_bytes();
    /* ... and the last close frees them. */
    CHECK_SYS(close(fd));
    expect_pages(0, 0);
    CHECK(shared_bytes() + 3ull * BIG_PAGES * 4096 / 4 <= shared_held);

    /* 3. A mapping holds them after the close and the unlink. */
    fd = CHECK_SYS(open(path, O_CREAT | O_EXCL | O_RDWR, 0600));
    CHECK_EQ(write(fd, chunk, 16 * 4096), 16 * 4096);
    char *map = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED);
    CHECK_SYS(close(fd));
    CHECK_SYS(unlink(path));
    expect_pages(16, 0);
    pid_t pid = t_fork();
    if (pid == 0) {
        map[5 * 4096] = 'c';
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);
    CHECK_EQ(map[5 * 4096], 'c');
    CHECK_EQ(map[16 * 4096 - 1], 'd');
    expect_pages(16, 0);
    CHECK_SYS(munmap(map, 16 * 4096));
    expect_pages(0, 0);

    /* 4. Shared anonymous memory: one set of pages across fork, freed with
     * the last mapping (the child's exit leaves the parent's). */
    char *shared = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED);
    expect_pages(0, 0); /* nothing until touched */
    for (int i = 0; i < 64; i++)
        shared[i * 4096] = (char)i;
    expect_pages(0, 64);
    pid = t_fork();
    if (pid == 0) {
        for (int i = 0; i < 64; i++)
            shared[i * 4096 + 1] = (char)(i + 1);
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);
    for (int i = 0; i < 64; i++)
        CHECK_EQ(shared[i * 4096 + 1], (char)(i + 1));
    expect_pages(0, 64);
    CHECK_SYS(munmap(shared, 64 * 4096));
    expect_pages(0, 0);

    /* 5. MADV_DONTNEED drops private anonymous pages: the resident set
     * shrinks and they read back as zeros. */
    char *private = mmap(NULL, 256 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(private != MAP_FAILED);
    long rss_before = resident_pages();
    for (int i = 0; i < 256; i++)
        private[i * 4096] = 'p';
    long rss_touched = resident_pages();
    CHECK(rss_touched >= rss_before + 250);
    struct t_charon_stats touched;
    if (have_stats)
        t_charon_stats(&touched);
    CHECK_SYS(madvise(private, 256 * 4096, MADV_DONTNEED));
    CHECK(resident_pages() <= rss_touched - 250);
    if (have_stats) {
        struct t_charon_stats now;
        t_charon_stats(&now);
        CHECK_EQ(now.mapped_user_pages, touched.mapped_user_pages - 256);
        CHECK_EQ(now.free_frames, touched.free_frames + 256);
    }
    for (int i = 0; i < 256; i++)
        CHECK_EQ(private[i * 4096], 0);
    CHECK_SYS(munmap(private, 256 * 4096));

    if (have_stats) {
        /* Frames net of the heap's slabs: whether a step needs a new slab
         * frame (kept, no leak) depends on what booted before (it did once
         * the timer thread started at boot); the heap bytes are exact. */
        t_charon_expect_baseline_after_peak(&base);
        struct t_charon_stats now;
        t_charon_stats(&now);
        CHECK_EQ(now.heap_bytes, base.heap_bytes);
        CHECK_EQ(now.inodes, base.inodes);
    }
    return 0;
}
