/* mincore(2): one byte per page, 1 when the page is resident. What Linux
 * and Charon agree on: anonymous memory is resident once touched (read or
 * written) and not before, and not after MADV_DONTNEED; shared anonymous
 * memory the same; a file mapping reports the file's cached pages (written
 * data) even where the mapping was never touched, but not a hole made by
 * ftruncate, nor pages past the end of the file. Errors in Linux's order:
 * EINVAL for an unaligned address, ENOMEM for a range that is not all
 * mapped or lies outside user space, EFAULT for a vector that cannot be
 * written. */
#include "t.h"

#include <sys/mman.h>

#define P 4096L

static char dir[] = "/tmp/mm_mincore_XXXXXX";

int main(void)
{
    unsigned char v[8];

    /* Private anonymous: written, untouched, read, untouched. */
    char *a = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED);
    memset(v, 0xee, sizeof v);
    CHECK_SYS(mincore(a, 4 * P, v));
    CHECK(v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0);
    CHECK_EQ(v[4], 0xee); /* nothing written past the last page's byte */
    a[0] = 1;
    volatile char sink = a[2 * P];
    (void)sink;
    CHECK_SYS(mincore(a, 4 * P, v));
    CHECK(v[0] == 1 && v[1] == 0 && v[2] == 1 && v[3] == 0);
    /* A length that is not a page multiple covers the partial page. */
    memset(v, 0xee, sizeof v);
    CHECK_SYS(mincore(a, P + 1, v));
    CHECK(v[0] == 1 && v[1] == 0 && v[2] == 0xee);
    CHECK_SYS(mincore(a, 0, v)); /* nothing to do */
    CHECK_SYS(madvise(a, P, MADV_DONTNEED));
    CHECK_SYS(mincore(a, P, v));
    CHECK_EQ(v[0], 0);

    /* Shared anonymous: the same. */
    char *s = mmap(NULL, 3 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(s != MAP_FAILED);
    s[P] = 1;
    sink = s[2 * P];
    CHECK_SYS(mincore(s, 3 * P, v));
    CHECK(v[0] == 0 && v[1] == 1 && v[2] == 1);

    /* A file of two written pages and a two-page hole, mapped over six
     * pages and never touched: the written pages are cached, the hole and
     * the pages past the end are not. */
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/f", dir);
    int fd = CHECK_SYS(open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600));
    static char buf[2 * P];
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
    CHECK_SYS(ftruncate(fd, 4 * P));
    char *f = mmap(NULL, 6 * P, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(f != MAP_FAILED);
    CHECK_SYS(mincore(f, 6 * P, v));
    CHECK(v[0] == 1 && v[1] == 1 && v[2] == 0 && v[3] == 0 && v[4] == 0 && v[5] == 0);
    char *fp = mmap(NULL, 4 * P, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(fp != MAP_FAILED);
    CHECK_SYS(mincore(fp, 4 * P, v));
    CHECK(v[0] == 1 && v[1] == 1 && v[2] == 0 && v[3] == 0);

    /* PROT_NONE memory is mapped, and not resident. */
    char *none = mmap(NULL, P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(none != MAP_FAILED);
    CHECK_SYS(mincore(none, P, v));
    CHECK_EQ(v[0], 0);

    /* Errors. */
    CHECK_ERR(mincore(a + 1, P, v), EINVAL);
    CHECK_ERR(mincore(a, P, (unsigned char *)8), EFAULT);
    char *ro = mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro != MAP_FAILED);
    CHECK_ERR(mincore(a, P, (unsigned char *)ro), EFAULT);
    CHECK_SYS(munmap(a + P, P));
    CHECK_ERR(mincore(a + P, P, v), ENOMEM);
    memset(v, 0xee, sizeof v);
    CHECK_ERR(mincore(a, 3 * P, v), ENOMEM); /* a hole in the middle */
    CHECK_EQ(v[0], 0); /* the area before the hole was reported (page 0, dropped above) */
    CHECK_ERR(mincore((void *)0x7ffffffff000UL, P, v), ENOMEM);
    CHECK_ERR(mincore((void *)0x800000000000UL, P, v), ENOMEM);
    CHECK_ERR(mincore(a, (size_t)-P, v), ENOMEM);

    close(fd);
    CHECK_SYS(unlink(path));
    CHECK_SYS(rmdir(dir));
    return 0;
}
