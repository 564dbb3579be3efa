/* Guest test runner: runs every test binary of a directory, one at a time.
 *
 *   runner [-s SUITE] [-t SECONDS] DIR [FILTER...]
 *
 * Tests are discovered with readdir, sorted by name, and filtered: a test runs
 * if no FILTER is given or its name contains one of them. Each test runs in its
 * own child and process group with TEST_DIR=DIR in the environment and argv[0]
 * set to its full path. A test that outlives the timeout (20 times longer for
 * soak_* tests, which run thousands of process lifetimes) gets its process group
 * SIGKILLed. Output: one line per test (PASS / FAIL reason / SKIP), then
 * "SKIPPED n" and, last, "RESULT SUITE passed failed".
 *
 * Plain static C: the same binary runs natively and inside Charon under init.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SKIP_EXIT 77

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int wanted(const char *name, int nfilters, char **filters)
{
    if (nfilters == 0)
        return 1;
    for (int i = 0; i < nfilters; i++)
        if (strstr(name, filters[i]))
            return 1;
    return 0;
}

static const char *signame(int sig)
{
    static const char *names[] = {
        "0",    "HUP",  "INT",  "QUIT", "ILL",    "TRAP",   "ABRT",  "BUS",  "FPE",  "KILL", "USR1",
        "SEGV", "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD",  "CONT", "STOP", "TSTP", "TTIN",
        "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "IO",   "PWR",  "SYS"};
    if (sig >= 0 && sig < (int)(sizeof names / sizeof names[0]))
        return names[sig];
    return "RT";
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum outcome { PASSED, FAILED, SKIPPED };

/* Runs one test; returns its outcome and prints its line. */
enum { soak_timeout_factor = 20 };

static enum outcome run_one(const char *dir, const char *name, double timeout_s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("FAIL %s: fork: %s\n", name, strerror(errno));
        return FAILED;
    }
    if (pid == 0) {
        setpgid(0, 0);
        /* A test starts with default dispositions (exec keeps ignored ones,
         * and a shell may have ignored SIGINT/SIGQUIT for us) and with an
         * empty signal mask (the runner blocks SIGCHLD). */
        /* The raw call: libc refuses its reserved numbers (32-34), which
         * GNU make, for one, hands down ignored. */
        struct {
            unsigned long handler, flags, restorer, mask;
        } dfl = {0, 0, 0, 0}; /* SIG_DFL, the kernel's struct sigaction */
        for (int sig = 1; sig < 65; sig++)
            if (sig != SIGKILL && sig != SIGSTOP)
                syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        char *argv[] = {path, NULL};
        execv(path, argv);
        fprintf(stderr, "runner: execv %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* both sides, so kill(-pid) works whoever runs first */

    double deadline = now_s() + timeout_s;
    int status = 0;
    int timed_out = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            printf("FAIL %s: waitpid: %s\n", name, strerror(errno));
            return FAILED;
        }
        double left = deadline - now_s();
        if (left <= 0) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        /* Cap the sleep so a SIGCHLD from something else cannot stall us. */
        double nap = left < 0.2 ? left : 0.2;
        struct timespec ts = {(time_t)nap, (long)((nap - (double)(time_t)nap) * 1e9)};
        sigtimedwait(&chld, NULL, &ts);
    }
    /* Leftovers in the test's group must not leak into the next test. */
    kill(-pid, SIGKILL);

    if (timed_out) {
        printf("FAIL %s: timeout after %.0f s\n", name, timeout_s);
        return FAILED;
    }
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        if (code == 0) {
            printf("PASS %s\n", name);
            return PASSED;
        }
        if (code == SKIP_EXIT) {
            printf("SKIP %s\n", name);
            return SKIPPED;
        }
        printf("FAIL %s: exit %d\n", name, code);
        return FAILED;
    }
    if (WIFSIGNALED(status)) {
        printf("FAIL %s: killed by SIG%s (%d)%s\n", name, signame(WTERMSIG(status)),
               WTERMSIG(status), WCOREDUMP(status) ? " (core dumped)" : "");
        return FAILED;
    }
    printf("FAIL %s: status 0x%x\n", name, status);
    return FAILED;
}

int main(int argc, char **argv)
{
    const char *suite = "guest";
    double timeout_s = 10;
    int opt;
    while ((opt = getopt(argc, argv, "s:t:")) != -1) {
        switch (opt) {
        case 's': suite = optarg; break;
        case 't': timeout_s = atof(optarg); break;
        default:
            fprintf(stderr, "usage: %s [-s SUITE] [-t SECONDS] DIR [FILTER...]\n", argv[0]);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: %s [-s SUITE] [-t SECONDS] DIR [FILTER...]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[optind];
    int nfilters = argc - optind - 1;
    char **filters = argv + optind + 1;

    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "runner: opendir %s: %s\n", dir, strerror(errno));
        printf("RESULT %s 0 1\n", suite);
        return 1;
    }
    size_t n = 0, cap = 64;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))
            continue;
        if (!wanted(e->d_name, nfilters, filters))
            continue;
        if (n == cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);

    if (setenv("TEST_DIR", dir, 1) != 0) {
        printf("RESULT %s 0 1\n", suite);
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    signal(SIGCHLD, SIG_DFL);

    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        /* soak_* tests run thousands of process lifetimes: a longer leash. */
        double limit = strncmp(names[i], "soak_", 5) == 0 ? timeout_s * soak_timeout_factor : timeout_s;
        switch (run_one(dir, names[i], limit)) {
        case PASSED: passed++; break;
        case FAILED: failed++; break;
        case SKIPPED: skipped++; break;
        }
        free(names[i]);
    }
    free(names);
    if (n == 0 && nfilters > 0)
        fprintf(stderr, "runner: no test matched the filters\n");
    printf("SKIPPED %s %d\n", suite, skipped);
    printf("RESULT %s %d %d\n", suite, passed, failed);
    return failed == 0 ? 0 : 1;
}
