/* tmpfs capacity as Linux's shmem: statfs reports the instance's own size
 * (size=, in pages) and inode count (nr_inodes=, the root included) with
 * what its files use; data past the size is ENOSPC (a write that fits
 * partly is short), so are inodes past nr_inodes (a hard link takes one
 * too); removing and truncating give them back; holes cost nothing. The
 * defaults are half of RAM, in pages and in inodes. File data counts in
 * /proc/meminfo's Shmem and Cached. Natively in a private mount namespace;
 * needs root. */
#include "t.h"
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define P 4096L

static char dir[] = "/tmp/fs_tmpfs_limits_XXXXXX";
static char buf[20 * P];
static char mnt[64];

static const char *at(const char *name)
{
    static char path[2][128];
    static int which;
    which ^= 1;
    snprintf(path[which], sizeof path[which], "%s/%s", mnt, name);
    return path[which];
}

static struct statfs fs_now(void)
{
    struct statfs sf;
    CHECK_SYS(statfs(mnt, &sf));
    return sf;
}

static long meminfo_kb(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    CHECK(f != NULL);
    char line[128];
    long value = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':')
            value = atol(line + n + 1);
    fclose(f);
    CHECK(value >= 0);
    return value;
}

static int create(const char *name)
{
    return open(at(name), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
}

int main(void)
{
    T_REQUIRE_ROOT();
    if (!t_private_mount_namespace())
        return T_SKIP;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(mnt, sizeof mnt, "%s/mnt", dir);
    CHECK_SYS(mkdir(mnt, 0755));
    /* Our own memory and descriptor table grow before the leak check's
     * baseline, not during the test. */
    memset(buf, 'x', sizeof buf);
    int spare[8];
    for (int i = 0; i < 8; i++)
        spare[i] = CHECK_SYS(open("/dev/null", O_RDONLY | O_CLOEXEC));
    for (int i = 0; i < 8; i++)
        close(spare[i]);
    long total_pages = meminfo_kb("MemTotal") / 4;
    struct t_charon_stats base;
    int have_stats = t_charon_stats(&base);
    if (have_stats)
        t_charon_stable_snapshot(&base);

    CHECK_SYS(mount("none", mnt, "tmpfs", 0, "size=64k,nr_inodes=5"));
    struct statfs sf = fs_now();
    CHECK_EQ(sf.f_bsize, P);
    CHECK_EQ(sf.f_blocks, 16);
    CHECK_EQ(sf.f_bfree, 16);
    CHECK_EQ(sf.f_bavail, 16);
    CHECK_EQ(sf.f_files, 5);
    CHECK_EQ(sf.f_ffree, 4); /* the root */

    /* Inodes. */
    int a = CHECK_SYS(create("a"));
    close(CHECK_SYS(create("b")));
    close(CHECK_SYS(create("c")));
    CHECK_EQ(fs_now().f_ffree, 1);
    close(CHECK_SYS(create("d")));
    CHECK_EQ(fs_now().f_ffree, 0);
    CHECK_ERR(create("e"), ENOSPC);
    CHECK_ERR(mkdir(at("e"), 0755), ENOSPC);
    CHECK_ERR(symlink("a", at("e")), ENOSPC);
    CHECK_ERR(link(at("a"), at("e")), ENOSPC);
    CHECK_SYS(unlink(at("d")));
    CHECK_EQ(fs_now().f_ffree, 1);
    CHECK_SYS(link(at("a"), at("a2"))); /* a second name takes the slot */
    CHECK_EQ(fs_now().f_ffree, 0);
    CHECK_ERR(create("e"), ENOSPC);
    CHECK_SYS(unlink(at("a2")));
    CHECK_EQ(fs_now().f_ffree, 1);

    /* Data: 20 pages into 16; the write that crosses the limit is short. */
    CHECK_EQ(write(a, buf, sizeof buf), 16 * P);
    CHECK_ERR(write(a, buf, 1), ENOSPC);
    sf = fs_now();
    CHECK_EQ(sf.f_bfree, 0);
    CHECK_EQ(sf.f_bavail, 0);
    struct stat st;
    CHECK_SYS(fstat(a, &st));
    CHECK_EQ(st.st_size, 16 * P);
    CHECK_EQ(st.st_blocks, 16 * P / 512);
    CHECK_SYS(ftruncate(a, 3 * P));
    CHECK_EQ(fs_now().f_bfree, 13);
    /* Holes are free: a file grown to 1 MiB without data costs nothing. */
    int b = CHECK_SYS(open(at("b"), O_RDWR | O_CLOEXEC));
    CHECK_SYS(ftruncate(b, 1 << 20));
    CHECK_EQ(fs_now().f_bfree, 13);
    CHECK_EQ(pwrite(b, buf, P, 512 * P), P); /* one page in the middle */
    CHECK_EQ(fs_now().f_bfree, 12);
    close(b);
    /* An unlinked file keeps its pages and inode until its last close. */
    CHECK_SYS(unlink(at("a")));
    sf = fs_now();
    CHECK_EQ(sf.f_bfree, 12);
    CHECK_EQ(sf.f_ffree, 1);
    close(a);
    sf = fs_now();
    CHECK_EQ(sf.f_bfree, 15);
    CHECK_EQ(sf.f_ffree, 2);
    CHECK_SYS(unlink(at("b")));
    CHECK_SYS(unlink(at("c")));
    sf = fs_now();
    CHECK_EQ(sf.f_bfree, 16);
    CHECK_EQ(sf.f_ffree, 4);
    CHECK_SYS(umount(mnt));

    /* Bad sizes. */
    CHECK_ERR(mount("none", mnt, "tmpfs", 0, "size=12q"), EINVAL);
    CHECK_ERR(mount("none", mnt, "tmpfs", 0, "nr_inodes=x"), EINVAL);

    /* Defaults: half of RAM in pages, as many inodes; file data is Shmem,
     * and Cached (which counts shmem pages). */
    CHECK_SYS(mount("none", mnt, "tmpfs", 0, NULL));
    sf = fs_now();
    CHECK_EQ(sf.f_blocks, (unsigned long)total_pages / 2);
    CHECK_EQ(sf.f_files, (unsigned long)total_pages / 2);
    CHECK_EQ(sf.f_bfree, sf.f_blocks);
    CHECK_EQ(sf.f_ffree, sf.f_files - 1);
    long shmem_before = meminfo_kb("Shmem");
    int f = CHECK_SYS(create("big"));
    for (int i = 0; i < 64; i++) /* 4 MiB */
        CHECK_EQ(write(f, buf, 16 * P), 16 * P);
    CHECK_EQ(fs_now().f_bfree, sf.f_blocks - 1024);
    long shmem_full = meminfo_kb("Shmem");
    CHECK(shmem_full - shmem_before >= 3 * 1024);
    CHECK(meminfo_kb("Cached") >= shmem_full);
    close(f);
    CHECK_SYS(unlink(at("big")));
    CHECK(shmem_full - meminfo_kb("Shmem") >= 3 * 1024);
    CHECK_SYS(umount(mnt));
    if (have_stats)
        t_charon_expect_baseline_after_peak(&base);
    CHECK_SYS(rmdir(mnt));
    CHECK_SYS(rmdir(dir));
    return 0;
}
