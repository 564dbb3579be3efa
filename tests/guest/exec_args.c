/* execve passes argv and envp exactly (empty strings, spaces, many args,
 * large strings), keeps the pid and parent; errors leave the caller intact. */
#include "t.h"

#define NARGS 200

int main(int argc, char **argv, char **envp)
{
    if (argc >= 2 && strcmp(argv[1], "child") == 0) {
        if (argc != 6 + NARGS)
            return 20;
        if (strcmp(argv[2], "") != 0 || strcmp(argv[3], "two words") != 0)
            return 21;
        if (strlen(argv[4]) != 10000 || argv[4][9999] != 'z')
            return 22;
        for (int i = 0; i < NARGS; i++) {
            char want[16];
            snprintf(want, sizeof want, "a%d", i);
            if (strcmp(argv[5 + i], want) != 0)
                return 23;
        }
        if (strcmp(argv[5 + NARGS], "last") != 0 || argv[argc] != NULL)
            return 24;
        int n = 0;
        for (char **e = envp; *e; e++)
            n++;
        if (n != 3)
            return 25;
        if (strcmp(envp[0], "A=1") != 0 || strcmp(envp[1], "EMPTY=") != 0 ||
            strcmp(envp[2], "NOEQUALS") != 0)
            return 26;
        if (getenv("TEST_DIR") != NULL)
            return 27; /* not inherited: envp replaces the environment */
        char buf[32];
        snprintf(buf, sizeof buf, "%ld", (long)getppid());
        return 0;
    }
    if (argc == 1 && argv[0][0] == '\0') {
        /* exec'ed with an empty argv: Linux (>= 5.18) supplies "" as argv[0]. */
        return envp[0] == NULL ? 40 : 41;
    }
    if (argc == 3 && strcmp(argv[1], "pid") == 0) {
        /* argv[2] is the pid before exec. */
        return atol(argv[2]) == getpid() ? 0 : 30;
    }
    const char *self = t_self_path(argv[0]);
    static char *args[6 + NARGS + 1];
    static char big[10001];
    static char names[NARGS][16];
    memset(big, 'y', 9999);
    big[9999] = 'z';
    args[0] = (char *)self;
    args[1] = "child";
    args[2] = "";
    args[3] = "two words";
    args[4] = big;
    for (int i = 0; i < NARGS; i++) {
        snprintf(names[i], sizeof names[i], "a%d", i);
        args[5 + i] = names[i];
    }
    args[5 + NARGS] = "last";
    args[6 + NARGS] = NULL;
    char *env[] = {"A=1", "EMPTY=", "NOEQUALS", NULL};
    pid_t pid = t_fork();
    if (pid == 0) {
        execve(self, args, env);
        _exit(127);
    }
    CHECK_EQ(t_wait(pid), 0);

    pid = t_fork();
    if (pid == 0) {
        char pidstr[16];
        snprintf(pidstr, sizeof pidstr, "%d", getpid());
        char *a[] = {(char *)self, "pid", pidstr, NULL};
        execve(self, a, env);
        _exit(127);
    }
    CHECK_EQ(t_wait(pid), 0);

    /* Empty argv and NULL envp. */
    pid = t_fork();
    if (pid == 0) {
        char *none[] = {NULL};
        syscall(SYS_execve, self, none, NULL);
        _exit(127);
    }
    CHECK_EQ(t_wait(pid), 40 << 8);

    /* Failing execs return to the caller with errno. */
    char *a[] = {"x", NULL};
    CHECK_ERR(execve("/nonexistent/file", a, env), ENOENT);
    CHECK_ERR(execve("", a, env), ENOENT);
    CHECK_ERR(execve("/", a, env), EACCES);
    return 0;
}
