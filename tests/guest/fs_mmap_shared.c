/* MAP_SHARED file mappings through a file in /dev/shm: a child's stores
 * are seen by the parent in its mapping and through read(); write() shows
 * up in an existing mapping; two mappings of one file agree; a page past
 * the end of the file raises SIGBUS (also after ftruncate shrinks a mapped
 * file); PROT_WRITE needs the file open for writing (mmap and mprotect
 * EACCES); msync's flag checks; madvise(MADV_DONTNEED) keeps shared data;
 * mremap moves a shared mapping with its data. */
#include "t.h"

#include <setjmp.h>
#include <sys/stat.h>

static sigjmp_buf jump;
static volatile int bus_code;
static void on_bus(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    bus_code = info->si_code;
    siglongjmp(jump, 1);
}

/* Touches `address` (read) and reports whether SIGBUS came. */
static int faults_with_sigbus(volatile char *address)
{
    bus_code = 0;
    if (sigsetjmp(jump, 1) == 0) {
        (void)*address;
        return 0;
    }
    return 1;
}

int main(void)
{
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/fsdata-%d", (int)getpid());
    int fd = CHECK_SYS(open(path, O_CREAT | O_EXCL | O_RDWR, 0600));
    CHECK_SYS(unlink(path)); /* the mappings and fd keep it */
    CHECK_SYS(ftruncate(fd, 8192));

    char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED);
    CHECK_EQ(map[0], 0);
    pid_t pid = t_fork();
    if (pid == 0) {
        memcpy(map + 4090, "from child", 10);
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);
    CHECK(memcmp(map + 4090, "from child", 10) == 0);
    char buf[16];
    CHECK_EQ(pread(fd, buf, 10, 4090), 10);
    CHECK(memcmp(buf, "from child", 10) == 0);

    /* write() into an existing mapping; a second mapping agrees. */
    CHECK_EQ(pwrite(fd, "written", 7, 100), 7);
    CHECK(memcmp(map + 100, "written", 7) == 0);
    char *second = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
    CHECK(second != MAP_FAILED);
    map[4096] = 'S';
    CHECK_EQ(second[0], 'S');

    /* msync and madvise. */
    CHECK_SYS(msync(map, 8192, MS_SYNC));
    CHECK_SYS(msync(map, 8192, MS_ASYNC | MS_INVALIDATE));
    CHECK_ERR(msync(map, 8192, MS_ASYNC | MS_SYNC), EINVAL);
    CHECK_ERR(msync(map + 1, 4096, MS_SYNC), EINVAL);
    CHECK_ERR(msync(map, 8192, 0x100), EINVAL);
    CHECK_SYS(madvise(map, 8192, MADV_DONTNEED));
    CHECK(memcmp(map + 100, "written", 7) == 0);

    /* mremap moves the mapping with its contents. */
    char *moved = mremap(map, 8192, 16384, MREMAP_MAYMOVE);
    CHECK(moved != MAP_FAILED);
    map = moved;
    CHECK(memcmp(map + 4090, "from cSild", 10) == 0);

    /* Past the end of the file: SIGBUS, BUS_ADRERR (the mapping is 4 pages,
     * the file 2). */
    struct sigaction sa = {0};
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    CHECK_SYS(sigaction(SIGBUS, &sa, NULL));
    CHECK(!faults_with_sigbus(map + 8191));
    CHECK(faults_with_sigbus(map + 8192));
    CHECK_EQ(bus_code, BUS_ADRERR);
    /* Shrinking the file takes the tail away from the mapping. */
    CHECK_SYS(ftruncate(fd, 100));
    CHECK(!faults_with_sigbus(map + 50));
    CHECK_EQ(map[200], 0); /* the rest of the last page reads zero */
    CHECK(faults_with_sigbus(map + 4096));
    CHECK(faults_with_sigbus(second));
    /* Growing brings zeros, not the old bytes. */
    CHECK_SYS(ftruncate(fd, 8192));
    CHECK(!faults_with_sigbus(map + 4090));
    CHECK_EQ(map[4090], 0);
    CHECK_EQ(second[0], 0);

    /* PROT_WRITE of a shared mapping needs O_RDWR. */
    char ro_path[64];
    snprintf(ro_path, sizeof ro_path, "/dev/shm/fsdata-ro-%d", (int)getpid());
    int rw = CHECK_SYS(open(ro_path, O_CREAT | O_EXCL | O_RDWR, 0600));
    CHECK_SYS(ftruncate(rw, 4096));
    int ro = CHECK_SYS(open(ro_path, O_RDONLY));
    CHECK_SYS(unlink(ro_path));
    CHECK_ERR((long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
    char *view = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
    CHECK(view != MAP_FAILED);
    CHECK_ERR(mprotect(view, 4096, PROT_READ | PROT_WRITE), EACCES);
    CHECK_EQ(write(rw, "seen", 4), 4);
    CHECK(memcmp(view, "seen", 4) == 0);
    /* Private mappings of it may be written: a copy. */
    char *copy = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    CHECK(copy != MAP_FAILED);
    copy[0] = 'c';
    CHECK_EQ(view[0], 's');

    CHECK_SYS(munmap(copy, 4096));
    CHECK_SYS(munmap(view, 4096));
    CHECK_SYS(munmap(second, 4096));
    CHECK_SYS(munmap(map, 16384));
    close(ro);
    close(rw);
    close(fd);
    return 0;
}
