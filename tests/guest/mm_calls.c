/* The memory calls as programs see them: private file mappings (copies:
 * writes never reach the file, fork children share until they write), mmap
 * argument errors, shared anonymous memory across fork, mremap growing and
 * moving with the data, madvise(MADV_DONTNEED) zeroing anonymous memory,
 * brk growth/shrink/refusal, mprotect turning a write into SIGSEGV. */
#include "t.h"

#include <sys/mman.h>

int main(void)
{
    /* Any regular file of at least two pages: our own executable. */
    int fd = open(access("/bin/demo", R_OK) == 0 ? "/bin/demo" : "/proc/self/exe", O_RDONLY);
    CHECK(fd >= 0);
    static char buf[8192];
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), sizeof buf);

    char *file = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(file != MAP_FAILED);
    CHECK(memcmp(file, buf, 8192) == 0);
    file[0] = 'Z';
    char c;
    CHECK_EQ(pread(fd, &c, 1, 0), 1);
    CHECK_EQ(c, buf[0]); /* MAP_PRIVATE: the file is unchanged */
    char *second = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
    CHECK(second != MAP_FAILED && memcmp(second, buf + 4096, 4096) == 0);

    CHECK_ERR((long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
    CHECK_ERR((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 1000, 0), EBADF);
    CHECK_ERR((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 1), EINVAL);
    CHECK_ERR((long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    CHECK_ERR((long)mmap((void *)0x10000001, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
              EINVAL);
    CHECK_ERR((long)mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
    int p[2];
    t_pipe(p);
    CHECK_ERR((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, p[0], 0), ENODEV);

    char *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(anon != MAP_FAILED && shared != MAP_FAILED);
    anon[0] = 1;
    pid_t pid = t_fork();
    if (pid == 0) {
        anon[0] = 2;
        file[0] = 'Y';
        *shared = 42;
        _exit(anon[0] == 2 && file[0] == 'Y' ? 0 : 1);
    }
    CHECK_EXITED(t_wait(pid), 0);
    CHECK_EQ(anon[0], 1);
    CHECK_EQ(file[0], 'Z');
    CHECK_EQ(*shared, 42);

    char *grown = mremap(anon, 4096, 1 << 20, MREMAP_MAYMOVE);
    CHECK(grown != MAP_FAILED);
    CHECK_EQ(grown[0], 1);
    grown[(1 << 20) - 1] = 7;
    CHECK_SYS(madvise(grown, 1 << 20, MADV_DONTNEED));
    CHECK_EQ(grown[0], 0);
    CHECK_EQ(grown[(1 << 20) - 1], 0);
    CHECK_ERR(mremap(grown, 4096, 8192, 0x80), EINVAL);

    /* brk through the raw syscall (musl's sbrk refuses increments). */
    char *start = (char *)syscall(SYS_brk, 0);
    CHECK((char *)syscall(SYS_brk, start + 3 * 4096 + 5) == start + 3 * 4096 + 5);
    memset(start, 0x5a, 3 * 4096 + 5);
    CHECK((char *)syscall(SYS_brk, start) == start);
    CHECK((char *)syscall(SYS_brk, start - 4096 * 1000) == start); /* refused: unchanged */
    CHECK((char *)syscall(SYS_brk, start + 4096) == start + 4096);
    CHECK_EQ(start[100], 0); /* shrunk pages come back zeroed */

    CHECK_SYS(mprotect(grown, 4096, PROT_READ));
    /* musl's mprotect() rounds the address down: the raw call sees it. */
    CHECK_ERR(syscall(SYS_mprotect, grown + 1, 4096, PROT_READ), EINVAL);
    pid = t_fork();
    if (pid == 0) {
        grown[0] = 1;
        _exit(0);
    }
    CHECK_SIGNALED(t_wait(pid), SIGSEGV);
    return 0;
}
