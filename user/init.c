/* /sbin/init: Charon's first process (pid 1).
 *
 *   /sbin/init [-k] [-t] [-v] [-q] [--] [PROGRAM [ARG...]]
 *
 * Starts PROGRAM (default: /bin/sh on the console, as with -t) as its one
 * "main" child and
 * reaps every child it ever gets, including orphans the kernel reparents to
 * it, with wait4(-1). When the main program ends, init exits with its code
 * (128 + signal number if a signal killed it), and the kernel powers off with
 * that status. With -k init keeps reaping forever instead.
 *
 *   -k  keep running after the main program ends
 *   -t  the console becomes the main program's controlling terminal
 *   -v  say which orphan was reaped and how it ended
 *   -q  quiet: no start and end lines
 *
 * The kernel passes the words after "--" on its command line as init's
 * arguments (docs/userland.md). Option parsing stops at the first word that
 * is not an option, so PROGRAM's own options pass through untouched.
 *
 * Natively (pid != 1) init makes itself a child subreaper, so orphans of its
 * tree come to it as they would to pid 1, and it can be tried on the host:
 *   build/user/init -v build/user/demo
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_PROGRAM "/bin/sh"

static int verbose;
static int controlling_tty;
static int quiet;

/* One write per line: init's lines must not interleave with its children's
 * mid-line, and stdio buffering would be lost on _exit in a forked child. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[512];
    int n = snprintf(line, sizeof line, "init: ");
    va_list args;
    va_start(args, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, args);
    va_end(args);
    if (m < 0)
        return;
    n += m;
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    while (write(STDERR_FILENO, line, (size_t)n) < 0 && errno == EINTR) {
    }
}

static const char *signal_name(int sig)
{
    static const char *const names[] = {
        "0",         "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
        "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS"};
    if (sig > 0 && sig < (int)(sizeof names / sizeof names[0]))
        return names[sig];
    return "a real-time signal";
}

/* "exited with status 3", "killed by SIGTERM (15)" ... */
static void describe(int status, char *out, size_t size)
{
    if (WIFEXITED(status))
        snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, size, "killed by %s (%d)%s", signal_name(WTERMSIG(status)), WTERMSIG(status),
                 WCOREDUMP(status) ? ", core dumped" : "");
    else
        snprintf(out, size, "status %#x", status);
}

/* fds 0, 1 and 2 on the console. The kernel does not open them for init (a
 * Linux kernel does; either way, whatever is already open is kept). */
static void open_console(void)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) >= 0)
            continue;
        int opened = open("/dev/console", O_RDWR | O_NOCTTY);
        if (opened < 0)
            opened = open("/dev/null", O_RDWR);
        if (opened < 0)
            return; /* nowhere to write; keep going silently */
        if (opened != fd) {
            dup2(opened, fd);
            close(opened);
        }
    }
}

/* pid 1 must never die of a stray signal. Linux already drops signals sent to
 * init from user space unless init handles them; a handler (not SIG_IGN) is
 * used on purpose: handlers are reset by execve, so the main program starts
 * with default dispositions, while an ignored signal would stay ignored in
 * it. SIGCHLD gets the same handler: its only job is to interrupt sleeps;
 * reaping happens in the main loop. SA_RESTART keeps wait4 going.
 *
 * A fault of init's own (si_code > 0: SIGSEGV, SIGBUS, SIGILL, SIGFPE ...
 * raised by the CPU) is the exception: returning would retry the faulting
 * instruction forever, so the default action is restored and the retry
 * kills init, and the kernel reports how. A fault signal sent with kill()
 * (si_code <= 0) is stray like any other. */
static void on_signal(int sig, siginfo_t *info, void *context)
{
    (void)context;
    if (info && info->si_code > 0 &&
        (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP ||
         sig == SIGSYS)) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(sig, &dfl, NULL);
    }
}

static void install_handlers(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_RESTART | SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    for (int sig = 1; sig < _NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        sigaction(sig, &action, NULL); /* fails harmlessly for libc-reserved numbers */
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The main child: its own session, default dispositions, an empty mask,
 * then exec. With -t the console on fd 0 becomes the session's controlling
 * terminal (as getty does for a login): opening /dev/console never makes it
 * one on Linux, TIOCSCTTY does, and makes our group the foreground. Its
 * argument 1 takes the terminal from another session if one had it (root
 * only): natively, under a pty whose session is init's parent's. */
static pid_t start_program(char **argv)
{
    pid_t pid = fork();
    if (pid < 0) {
        say("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        setsid();
        if (controlling_tty && ioctl(STDIN_FILENO, TIOCSCTTY, 1) < 0)
            say("no controlling terminal for %s: %s", argv[0], strerror(errno));
        /* The raw call, not sigaction(): libc refuses its reserved numbers
         * (32-34), and one of them may arrive ignored from whoever started
         * init (GNU make ignores 32 and 33, for one), which execve keeps. */
        struct {
            unsigned long handler, flags, restorer, mask;
        } dfl = {0, 0, 0, 0}; /* SIG_DFL, the kernel's struct sigaction */
        for (int sig = 1; sig < _NSIG; sig++)
            if (sig != SIGKILL && sig != SIGSTOP)
                syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
        execv(argv[0], argv);
        say("cannot run %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

static void usage(void)
{
    say("usage: init [-k] [-t] [-v] [-q] [--] [PROGRAM [ARG...]]");
}

int main(int argc, char **argv)
{
    int keep = 0;
    int opt;
    opterr = 0;
    /* "+": stop at the first non-option, so PROGRAM keeps its own options. */
    while ((opt = getopt(argc, argv, "+ktvq")) != -1) {
        switch (opt) {
        case 'k': keep = 1; break;
        case 't': controlling_tty = 1; break;
        case 'v': verbose = 1; break;
        case 'q': quiet = 1; break;
        default: usage(); break; /* a bad option must not stop the boot */
        }
    }

    open_console();
    install_handlers();

    pid_t self = getpid();
    if (self == 1) {
        /* Session leader of session 1; EPERM only if that is already so. */
        setsid();
    } else {
        /* Natively: be the reaper our tree's orphans come to, as pid 1 is. */
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    }
    if (!getenv("PATH"))
        setenv("PATH", "/sbin:/bin", 1);
    if (!getenv("HOME"))
        setenv("HOME", "/", 1);

    char *default_argv[] = {DEFAULT_PROGRAM, NULL};
    char **program = argv + optind;
    if (optind >= argc) {
        program = default_argv; /* an interactive shell on the console */
        controlling_tty = 1;
    }

    if (!quiet)
        say("pid %d, starting %s", (int)self, program[0]);
    pid_t main_pid = start_program(program);
    if (main_pid < 0 && !keep)
        return 127;

    int main_status = 0;
    int main_running = main_pid > 0;
    unsigned long orphans = 0;
    for (;;) {
        int status;
        pid_t pid = wait4(-1, &status, 0, NULL);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ECHILD && !main_running) {
                /* -k and nothing left: sleep until a signal (an orphan can
                 * only appear by being reparented, and its death sends one). */
                sigset_t none;
                sigemptyset(&none);
                sigsuspend(&none);
                continue;
            }
            say("wait4: %s", strerror(errno));
            if (!keep)
                return 1;
            sigset_t none;
            sigemptyset(&none);
            sigsuspend(&none);
            continue;
        }
        char how[96];
        describe(status, how, sizeof how);
        if (pid == main_pid) {
            main_running = 0;
            main_status = status;
            if (!quiet)
                say("%s (pid %d) %s", program[0], (int)pid, how);
            if (!keep)
                break;
        } else {
            orphans++;
            if (verbose)
                say("reaped orphan pid %d: %s", (int)pid, how);
        }
    }

    /* Whatever is a zombie already is reaped for the record; live processes
     * are left to the kernel's power-off. */
    int status;
    pid_t pid;
    while ((pid = wait4(-1, &status, WNOHANG, NULL)) > 0) {
        orphans++;
        if (verbose) {
            char how[96];
            describe(status, how, sizeof how);
            say("reaped orphan pid %d: %s", (int)pid, how);
        }
    }
    if (verbose)
        say("reaped %lu orphan%s", orphans, orphans == 1 ? "" : "s");

    if (WIFEXITED(main_status))
        return WEXITSTATUS(main_status);
    if (WIFSIGNALED(main_status))
        return 128 + WTERMSIG(main_status);
    return 1;
}
