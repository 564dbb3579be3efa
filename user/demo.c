/* /bin/demo: a tour of the process lifecycle, the program init runs by default.
 *
 * It builds a tree of processes three levels deep, in three process groups,
 * and ends each group differently:
 *
 *   demo
 *   ├── A  (group A)  handles SIGTERM        ── A1   default SIGTERM
 *   │                                        └─ A2   handles SIGTERM ── A2a  default SIGTERM
 *   ├── B  (group B)  exits with status 3    ── B1, B2: orphans, adopted by init
 *   └── C  (group C)  ignores SIGTERM        ── C1   ignores SIGTERM
 *
 *   1. SIGTERM to group A: A1 and A2a die of it; A2 reaps A2a and exits 7;
 *      A reaps A2 and A1 and exits 0; demo reaps A.
 *   2. B exits 3 while its children live: they are reparented to init (or,
 *      natively, to the nearest subreaper); demo reaps B and asks B1 and B2
 *      who their parent is now; then SIGTERM to group B kills them, and init
 *      reaps them (demo sees their lifeline pipe close).
 *   3. SIGTERM to group C does nothing (ignored; both still answer a ping);
 *      SIGKILL to group C kills both; demo reaps C, init reaps the orphan C1.
 *
 * Every process prints what it sees (pid, ppid, pgid, how each child it reaps
 * ended, with the raw wait status). demo exits 0 only if every expectation
 * held, else 1 after saying which did not. Synchronisation is by pipes only,
 * never by sleeping; alarm(30) bounds a run that a kernel bug would hang.
 * Runs natively too: build/user/demo, or build/user/init build/user/demo.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static int checks;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[512];
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, args);
    va_end(args);
    if (n < 0)
        return;
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    /* One write per line: lines from different processes never interleave. */
    while (write(STDOUT_FILENO, line, (size_t)n) < 0 && errno == EINTR) {
    }
}

static void expect(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void expect(int ok, const char *fmt, ...)
{
    char what[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    checks++;
    if (!ok) {
        failures++;
        say("demo: UNEXPECTED: %s", what);
    }
}

/* A child that cannot go on: report and leave with a distinctive status. */
static void die(const char *what)
{
    say("demo: [pid %d] %s: %s", (int)getpid(), what, strerror(errno));
    _exit(99);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGKILL: return "SIGKILL";
    case SIGALRM: return "SIGALRM";
    case SIGSEGV: return "SIGSEGV";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGABRT: return "SIGABRT";
    default: return "a signal";
    }
}

static void describe(int status, char *out, size_t size)
{
    if (WIFEXITED(status))
        snprintf(out, size, "exited with status %d (wait status 0x%04x)", WEXITSTATUS(status),
                 status);
    else if (WIFSIGNALED(status))
        snprintf(out, size, "killed by %s (%d) (wait status 0x%04x)", signal_name(WTERMSIG(status)),
                 WTERMSIG(status), status);
    else
        snprintf(out, size, "wait status 0x%04x", status);
}

/* Reaps `pid` (a child of the caller), says how it ended, returns the status. */
static int reap(const char *who, const char *child, pid_t pid)
{
    int status;
    pid_t got;
    do
        got = waitpid(pid, &status, 0);
    while (got < 0 && errno == EINTR);
    if (got != pid)
        die("waitpid");
    char how[96];
    describe(status, how, sizeof how);
    say("%-4s (pid %d) reaped %-4s (pid %d): %s", who, (int)getpid(), child, (int)pid, how);
    return status;
}

/* What each process reports to demo over the report pipe. */
struct report {
    char name[8];
    int pid;
    int ppid;
    int pgid;
};

static int report_fd = -1; /* write end, shared by every process in the tree */

static void send_report(const char *name)
{
    struct report r;
    memset(&r, 0, sizeof r);
    snprintf(r.name, sizeof r.name, "%s", name);
    r.pid = (int)getpid();
    r.ppid = (int)getppid();
    r.pgid = (int)getpgid(0);
    /* Reports are far smaller than PIPE_BUF: each write is atomic. */
    if (write(report_fd, &r, sizeof r) != (ssize_t)sizeof r)
        die("write report");
}

static int report_read_fd = -1;

static struct report receive_report(void)
{
    struct report r;
    ssize_t n;
    do
        n = read(report_read_fd, &r, sizeof r);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof r) {
        say("demo: report pipe: %s", n < 0 ? strerror(errno) : "short read");
        exit(1);
    }
    return r;
}

/* Receives `count` reports and prints them in the order of `names`. */
static void receive_reports(const char *const *names, int count, struct report *out)
{
    for (int i = 0; i < count; i++) {
        struct report r = receive_report();
        int slot = -1;
        for (int j = 0; j < count; j++)
            if (strcmp(r.name, names[j]) == 0)
                slot = j;
        if (slot < 0) {
            say("demo: unexpected report from %s", r.name);
            exit(1);
        }
        out[slot] = r;
    }
}

static void print_member(const struct report *r, const char *note)
{
    say("  %-4s pid %-5d ppid %-5d pgid %-5d %s", r->name, r->pid, r->ppid, r->pgid, note);
}

static void wait_for_byte(int fd)
{
    char c;
    ssize_t n;
    do
        n = read(fd, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        die("read command");
}

/* Reads until every writer has gone (EOF): the processes holding the write
 * end have exited (fds close early in exit, before the parent hears of it). */
static void wait_for_eof(int fd)
{
    char c;
    ssize_t n;
    while ((n = read(fd, &c, 1)) != 0)
        if (n < 0 && errno != EINTR)
            die("read lifeline");
}

static void write_bytes(int fd, int count)
{
    for (int i = 0; i < count; i++)
        if (write(fd, "x", 1) != 1)
            die("write command");
}

static void xpipe(int fds[2])
{
    if (pipe(fds) != 0)
        die("pipe");
}

static pid_t xfork(void)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    return pid;
}

static volatile sig_atomic_t got_sigterm;
static void on_sigterm(int sig)
{
    (void)sig;
    got_sigterm = 1;
}

static void handle_sigterm(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_sigterm;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGTERM, &action, NULL) != 0)
        die("sigaction");
}

/* Sleeps until a signal kills us (a pause that a handler may end). */
static void wait_to_die(void)
{
    for (;;)
        pause();
}

/* ---- group A: a SIGTERM to the whole group ---- */

static void run_a1(void)
{
    send_report("A1");
    wait_to_die(); /* default SIGTERM */
}

static void run_a2a(void)
{
    send_report("A2a");
    wait_to_die();
}

static void run_a2(void)
{
    pid_t a2a = xfork();
    if (a2a == 0)
        run_a2a();
    handle_sigterm(); /* after the fork: A2a keeps the default action */
    send_report("A2");
    int status = reap("A2", "A2a", a2a);
    /* The handler has run: SIGTERM reached A2 in the same kill() as A2a. */
    _exit(got_sigterm && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM ? 7 : 70);
}

static void run_a(void)
{
    setpgid(0, 0);
    pid_t a1 = xfork();
    if (a1 == 0)
        run_a1();
    pid_t a2 = xfork();
    if (a2 == 0)
        run_a2();
    handle_sigterm(); /* after the forks: A1 keeps the default action */
    send_report("A");
    /* A2 first: it prints before it exits, so the lines come out in order. */
    int s2 = reap("A", "A2", a2);
    int s1 = reap("A", "A1", a1);
    int ok = got_sigterm && WIFEXITED(s2) && WEXITSTATUS(s2) == 7 && WIFSIGNALED(s1) &&
             WTERMSIG(s1) == SIGTERM;
    _exit(ok ? 0 : 1);
}

static void part_a(void)
{
    say("%s", "");
    say("demo: part 1: SIGTERM to a whole process group, reaped level by level");
    pid_t a = xfork();
    if (a == 0)
        run_a();
    setpgid(a, a); /* both sides, so the group exists whoever runs first */
    static const char *const names[] = {"A", "A1", "A2", "A2a"};
    struct report r[4];
    receive_reports(names, 4, r);
    print_member(&r[0], "handles SIGTERM, group leader");
    print_member(&r[1], "default SIGTERM");
    print_member(&r[2], "handles SIGTERM");
    print_member(&r[3], "default SIGTERM");
    expect(r[0].ppid == (int)getpid(), "A's parent is demo");
    expect(r[1].ppid == r[0].pid && r[2].ppid == r[0].pid, "A1 and A2 are A's children");
    expect(r[3].ppid == r[2].pid, "A2a is A2's child");
    for (int i = 0; i < 4; i++)
        expect(r[i].pgid == a, "%s is in group %d (got %d)", names[i], (int)a, r[i].pgid);

    say("demo: kill(-%d, SIGTERM)", (int)a);
    if (kill(-a, SIGTERM) != 0)
        die("kill");
    int status = reap("demo", "A", a);
    expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "A saw A1 killed by SIGTERM, A2 exit 7, and exited 0");
}

/* ---- group B: a parent exits, its children are adopted ---- */

static void run_b_child(const char *name, int command_fd)
{
    send_report(name);
    wait_for_byte(command_fd);
    send_report(name); /* the second report carries the new ppid */
    wait_to_die();     /* default SIGTERM */
}

static void run_b(int command_fd, int go_fd)
{
    setpgid(0, 0);
    if (xfork() == 0)
        run_b_child("B1", command_fd);
    if (xfork() == 0)
        run_b_child("B2", command_fd);
    send_report("B");
    wait_for_byte(go_fd); /* demo has seen B1 and B2 as B's children */
    _exit(3);
}

static void part_b(void)
{
    say("%s", "");
    say("demo: part 2: a parent exits first; its children are reparented");
    int command[2], lifeline[2], go[2];
    xpipe(command);
    xpipe(lifeline);
    xpipe(go);
    pid_t b = xfork();
    if (b == 0) {
        close(command[1]);
        close(lifeline[0]);
        close(go[1]);
        run_b(command[0], go[0]);
    }
    close(command[0]);
    close(lifeline[1]);
    close(go[0]);
    setpgid(b, b);
    static const char *const names[] = {"B", "B1", "B2"};
    struct report r[3];
    receive_reports(names, 3, r);
    print_member(&r[0], "will exit with status 3, leaving its children");
    print_member(&r[1], "");
    print_member(&r[2], "");
    expect(r[1].ppid == r[0].pid && r[2].ppid == r[0].pid, "B1 and B2 are B's children");
    write_bytes(go[1], 1);
    close(go[1]);

    int status = reap("demo", "B", b);
    expect(WIFEXITED(status) && WEXITSTATUS(status) == 3, "B exited with status 3");

    /* B is reaped, so it has finished exiting: its children's reparenting
     * is done. Ask them who their parent is now. */
    write_bytes(command[1], 2);
    struct report after[3];
    receive_reports(names + 1, 2, after);
    pid_t reaper = getppid(); /* init, when demo runs under it */
    for (int i = 0; i < 2; i++) {
        const char *who = after[i].ppid == 1        ? "init (pid 1)"
                          : after[i].ppid == reaper ? "demo's parent, a subreaper"
                                                    : "the nearest subreaper";
        say("  %-4s pid %-5d ppid %-5d adopted by %s", after[i].name, after[i].pid, after[i].ppid,
            who);
        expect(after[i].ppid != r[0].pid && after[i].ppid != (int)getpid() && after[i].ppid > 0,
               "%s was reparented away from B", after[i].name);
        if (reaper == 1)
            expect(after[i].ppid == 1, "%s was adopted by init", after[i].name);
    }

    say("demo: kill(-%d, SIGTERM) (group B outlives its leader)", (int)b);
    expect(kill(-b, SIGTERM) == 0, "group B still exists after B died");
    wait_for_eof(lifeline[0]);
    say("demo: B1 and B2 are gone (their lifeline pipe closed); their new parent reaps them");
    close(lifeline[0]);
    close(command[1]);
    /* They are not demo's to reap. */
    int dummy;
    expect(waitpid(r[1].pid, &dummy, WNOHANG) < 0 && errno == ECHILD, "B1 is not demo's child");
}

/* ---- group C: an ignored SIGTERM, then SIGKILL ---- */

static void run_c_member(const char *name, int command_fd)
{
    send_report(name);
    for (;;) {
        wait_for_byte(command_fd);
        send_report(name);
    }
}

static void part_c(void)
{
    say("%s", "");
    say("demo: part 3: SIGTERM ignored, SIGKILL is not");
    int command[2], lifeline[2];
    xpipe(command);
    xpipe(lifeline);
    pid_t c = xfork();
    if (c == 0) {
        close(command[1]);
        close(lifeline[0]);
        setpgid(0, 0);
        signal(SIGTERM, SIG_IGN); /* inherited by C1 */
        if (xfork() == 0)
            run_c_member("C1", command[0]);
        run_c_member("C", command[0]);
    }
    close(command[0]);
    close(lifeline[1]);
    setpgid(c, c);
    static const char *const names[] = {"C", "C1"};
    struct report r[2];
    receive_reports(names, 2, r);
    print_member(&r[0], "ignores SIGTERM");
    print_member(&r[1], "ignores SIGTERM (inherited)");
    expect(r[1].ppid == r[0].pid, "C1 is C's child");

    say("demo: kill(-%d, SIGTERM)", (int)c);
    if (kill(-c, SIGTERM) != 0)
        die("kill");
    /* An ignored signal is discarded when sent: an answer now proves both
     * survived it. */
    write_bytes(command[1], 2);
    struct report again[2];
    receive_reports(names, 2, again);
    say("demo: C and C1 still answer: SIGTERM was ignored");
    int status;
    expect(waitpid(c, &status, WNOHANG) == 0, "C is still running after SIGTERM");

    say("demo: kill(-%d, SIGKILL)", (int)c);
    if (kill(-c, SIGKILL) != 0)
        die("kill");
    status = reap("demo", "C", c);
    expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "C was killed by SIGKILL");
    wait_for_eof(lifeline[0]);
    say("demo: C1 is gone too (orphaned as it died; its new parent reaps it)");
    close(lifeline[0]);
    close(command[1]);
}

int main(void)
{
    /* A kernel bug must not hang the run: SIGALRM ends it, visibly. */
    alarm(30);
    int reports[2];
    xpipe(reports);
    report_read_fd = reports[0];
    report_fd = reports[1];
    setvbuf(stdout, NULL, _IONBF, 0);

    say("demo: pid %d, ppid %d, pgid %d, sid %d", (int)getpid(), (int)getppid(), (int)getpgid(0),
        (int)getsid(0));
    part_a();
    part_b();
    part_c();

    int status;
    expect(waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD, "demo has no children left");
    say("%s", "");
    if (failures == 0) {
        say("demo: all %d expectations met", checks);
        return 0;
    }
    say("demo: %d of %d expectations failed", failures, checks);
    return 1;
}
