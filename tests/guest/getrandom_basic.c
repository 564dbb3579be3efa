/* getrandom(2): fills the buffer and returns the count, two calls differ,
 * unknown flags and GRND_INSECURE|GRND_RANDOM are EINVAL, a bad buffer is
 * EFAULT. */
#include "t.h"

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

int main(void)
{
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK_EQ(syscall(SYS_getrandom, a, sizeof a, 0), (long)sizeof a);
    CHECK_EQ(syscall(SYS_getrandom, b, sizeof b, GRND_NONBLOCK), (long)sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof a; i++)
        nonzero += a[i] != 0;
    CHECK(nonzero > 32);
    CHECK_EQ(syscall(SYS_getrandom, a, 0, 0), 0);
    CHECK_EQ(syscall(SYS_getrandom, a, 7, GRND_INSECURE), 7);
    CHECK_ERR(syscall(SYS_getrandom, a, sizeof a, 0x40), EINVAL);
    CHECK_ERR(syscall(SYS_getrandom, a, sizeof a, GRND_INSECURE | GRND_RANDOM), EINVAL);
    CHECK_ERR(syscall(SYS_getrandom, BAD_PTR_LOW, 16, 0), EFAULT);
    CHECK_ERR(syscall(SYS_getrandom, BAD_PTR_KERNEL, 16, 0), EFAULT);
    return 0;
}
