/* execve with bad pointers: the path, the argv array, an argv element, the
 * envp array and an envp element each give EFAULT, and the caller goes on. */
#include "t.h"

static void *const bad[] = {BAD_PTR_LOW, BAD_PTR_KERNEL, BAD_PTR_NONCANON};

int main(int argc, char **argv)
{
    (void)argc;
    const char *self = t_self_path(argv[0]);
    char *env[] = {"A=1", NULL};
    for (int i = 0; i < 3; i++) {
        char *args[] = {(char *)self, "never", NULL};
        CHECK_ERR(syscall(SYS_execve, bad[i], args, env), EFAULT);
        CHECK_ERR(syscall(SYS_execve, self, bad[i], env), EFAULT);
        CHECK_ERR(syscall(SYS_execve, self, args, bad[i]), EFAULT);
        char *badarg[] = {(char *)self, bad[i], NULL};
        CHECK_ERR(syscall(SYS_execve, self, badarg, env), EFAULT);
        char *badenv[] = {"A=1", bad[i], NULL};
        CHECK_ERR(syscall(SYS_execve, self, args, badenv), EFAULT);
    }
    return 0;
}
