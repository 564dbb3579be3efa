/* Exit status words for every code 0..255, through _exit, exit_group,
 * exit(), return from main and 8-bit truncation of codes >= 256. */
#include "t.h"

int main(void)
{
    for (int code = 0; code < 256; code++) {
        pid_t pid = t_fork();
        if (pid == 0)
            _exit(code);
        int st = t_wait(pid);
        CHECK_EQ(st, code << 8);
        CHECK_EXITED(st, code);
        CHECK(!WIFSIGNALED(st));
        CHECK(!WIFSTOPPED(st));
    }
    /* Only the low 8 bits of the code survive. */
    static const int big[] = {256, 257, 511, 512 + 42, 0x7fffffff, -1, -255};
    for (unsigned i = 0; i < sizeof big / sizeof big[0]; i++) {
        pid_t pid = t_fork();
        if (pid == 0)
            syscall(SYS_exit_group, big[i]);
        CHECK_EQ(t_wait(pid), (big[i] & 0xff) << 8);
        pid = t_fork();
        if (pid == 0)
            exit(big[i]); /* libc exit: same truncation */
        CHECK_EQ(t_wait(pid), (big[i] & 0xff) << 8);
        pid = t_fork();
        if (pid == 0)
            syscall(SYS_exit, big[i]); /* exit of the only thread */
        CHECK_EQ(t_wait(pid), (big[i] & 0xff) << 8);
    }
    return 0;
}
