/* The memory devices and getrandom(2): /dev/zero reads zeros, swallows
 * writes, seeks to 0 and maps as anonymous memory (private, or shared across
 * fork); /dev/full reads zeros and refuses writes with ENOSPC; /dev/urandom
 * and /dev/random give bytes that differ between reads and look random;
 * getrandom's flag and pointer errors; fsync of a device is EINVAL. */
#include "t.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static int popcount_bytes(const unsigned char *p, size_t n)
{
    int bits = 0;
    for (size_t i = 0; i < n; i++)
        bits += __builtin_popcount(p[i]);
    return bits;
}

static void check_node(const char *path, unsigned minor)
{
    struct stat st;
    CHECK_SYS(stat(path, &st));
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 1);
    CHECK_EQ(minor(st.st_rdev), minor);
    CHECK_EQ(st.st_mode & 0777, 0666);
}

int main(void)
{
    check_node("/dev/zero", 5);
    check_node("/dev/full", 7);
    check_node("/dev/random", 8);
    check_node("/dev/urandom", 9);

    static unsigned char buf[10000];
    int zero = CHECK_SYS(open("/dev/zero", O_RDWR));
    memset(buf, 0xa5, sizeof buf);
    CHECK_EQ(read(zero, buf, sizeof buf), sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        CHECK_EQ(buf[i], 0);
    CHECK_EQ(write(zero, "data", 4), 4);
    CHECK_EQ(lseek(zero, 12345, SEEK_SET), 0);
    memset(buf, 1, 16);
    CHECK_EQ(pread(zero, buf, 16, 99), 16);
    CHECK_EQ(buf[15], 0);
    CHECK_ERR(read(zero, BAD_PTR_LOW, 16), EFAULT);
    CHECK_ERR(fsync(zero), EINVAL);

    /* Mapped privately: zeroed, writable, a copy per process. */
    char *priv = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 0);
    CHECK(priv != MAP_FAILED);
    CHECK_EQ(priv[8191], 0);
    priv[0] = 'p';
    /* Mapped shared: one object across fork. */
    int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0);
    CHECK(shared != MAP_FAILED);
    CHECK_EQ(*shared, 0);
    pid_t pid = t_fork();
    if (pid == 0) {
        priv[0] = 'c';
        *shared = 4242;
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);
    CHECK_EQ(*shared, 4242);
    CHECK_EQ(priv[0], 'p');
    CHECK_SYS(munmap(priv, 8192));
    CHECK_SYS(munmap(shared, 4096));
    close(zero);
    /* A shared writable mapping needs the device open for writing. */
    int zero_ro = CHECK_SYS(open("/dev/zero", O_RDONLY));
    CHECK_ERR((long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, zero_ro, 0), EACCES);
    void *ro_private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero_ro, 0);
    CHECK(ro_private != MAP_FAILED);
    CHECK_SYS(munmap(ro_private, 4096));
    close(zero_ro);

    int full = CHECK_SYS(open("/dev/full", O_RDWR));
    CHECK_ERR(write(full, "x", 1), ENOSPC);
    CHECK_ERR(write(full, "x", 0), ENOSPC); /* even empty: write_full ignores the count */
    memset(buf, 7, 100);
    CHECK_EQ(read(full, buf, 100), 100);
    CHECK_EQ(buf[99], 0);
    CHECK_EQ(lseek(full, 100, SEEK_SET), 0);
    close(full);

    /* Random bytes: two reads differ, about half the bits are set (32768
     * bits: mean 16384, standard deviation 91; the bounds are 15 sigma). */
    static unsigned char a[4096], b[4096];
    int urandom = CHECK_SYS(open("/dev/urandom", O_RDONLY));
    CHECK_EQ(read(urandom, a, sizeof a), sizeof a);
    CHECK_EQ(read(urandom, b, sizeof b), sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    int bits = popcount_bytes(a, sizeof a);
    CHECK(bits > 15000 && bits < 17768);
    CHECK_ERR(read(urandom, BAD_PTR_KERNEL, 8), EFAULT);
    /* Writing mixes in; it is allowed for everyone (mode 0666). */
    int urandom_w = CHECK_SYS(open("/dev/urandom", O_WRONLY));
    CHECK_EQ(write(urandom_w, "seed", 4), 4);
    close(urandom_w);
    close(urandom);
    int random = CHECK_SYS(open("/dev/random", O_RDONLY | O_NONBLOCK));
    CHECK_EQ(read(random, a, 64), 64); /* seeded: never EAGAIN */
    close(random);

    /* getrandom(2). */
    memset(a, 0, sizeof a);
    CHECK_EQ(syscall(SYS_getrandom, a, 256, 0), 256);
    CHECK(popcount_bytes(a, 256) > 800 && popcount_bytes(a, 256) < 1250);
    CHECK_EQ(syscall(SYS_getrandom, a, 16, GRND_NONBLOCK), 16);
    CHECK_EQ(syscall(SYS_getrandom, a, 16, GRND_RANDOM), 16);
    CHECK_EQ(syscall(SYS_getrandom, a, 0, 0), 0);
    CHECK_ERR(syscall(SYS_getrandom, a, 16, 0x40), EINVAL);
    CHECK_ERR(syscall(SYS_getrandom, a, 16, 0x4 | GRND_RANDOM), EINVAL); /* GRND_INSECURE | GRND_RANDOM */
    CHECK_ERR(syscall(SYS_getrandom, BAD_PTR_LOW, 16, 0), EFAULT);
    return 0;
}
