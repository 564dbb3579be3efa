/* Terminal behaviour, driven from outside by tests/tty/scenarios.py (the
 * tty suite): each mode below is one scenario's program. It prints what it
 * sees and checks what it can itself; the driver types into the terminal
 * and checks the output. The same program runs natively under a pty and in
 * Charon on the serial console.
 *
 *   ttytest MODE
 *
 * Natively the driver makes us a session leader controlling the pty; under
 * Charon, init starts us as a session leader without a controlling
 * terminal, fds 0-2 on /dev/console, and tty_init() acquires it. */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "t.h"

/* After t.h: its _GNU_SOURCE declares ppoll. */
#include <poll.h>
#include <sys/select.h>

static void say(const char *format, ...)
{
    char line[256];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n > (int)sizeof line - 1)
        n = sizeof line - 1;
    t_write_all(1, line, (size_t)n);
}

static void tty_init(void)
{
    pid_t sid;
    if (ioctl(0, TIOCGSID, &sid) == 0)
        return;
    CHECK_SYS(ioctl(0, TIOCSCTTY, 0));
}

static void read_exact(int fd, char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t got = read(fd, buf + done, n - done);
        CHECK(got > 0);
        done += (size_t)got;
    }
}

/* Raw mode (VMIN 1, VTIME 0): bytes arrive as typed, no echo, no CR
 * mapping. */
static int mode_raw(void)
{
    struct termios saved, raw;
    CHECK_SYS(tcgetattr(0, &saved));
    raw = saved;
    cfmakeraw(&raw);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    CHECK_SYS(tcsetattr(0, TCSANOW, &raw));
    say("ready\n");
    char got[4];
    read_exact(0, got, 4);
    say("got %02x%02x%02x%02x\n", got[0], got[1], got[2], got[3]);
    CHECK_SYS(tcsetattr(0, TCSANOW, &saved));
    return 0;
}


/* Shows a read's bytes: printable as they are, the rest as \xNN. */
static void show(const char *what, const char *buf, ssize_t n)
{
    char line[512];
    size_t used = 0;
    for (ssize_t i = 0; i < n && used + 5 < sizeof line; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            line[used++] = (char)c;
        else
            used += (size_t)snprintf(line + used, sizeof line - used, "\\x%02x", c);
    }
    line[used] = 0;
    say("%s [%s]\n", what, line);
}

/* Canonical mode: one read returns one line (erase, word erase and kill
 * applied, CR mapped to NL), EOF (^D) ends a line without a newline, and
 * ^D on an empty line reads 0. A line "erase-h" makes ^H the erase
 * character, as `stty erase ^H` would. */
static int mode_canon(void)
{
    say("ready\n");
    for (;;) {
        char buf[256];
        ssize_t n = read(0, buf, sizeof buf);
        CHECK(n >= 0);
        if (n == 0) {
            say("eof\n");
            return 0;
        }
        show("line", buf, n);
        if (n == 8 && memcmp(buf, "erase-h\n", 8) == 0) {
            struct termios t;
            CHECK_SYS(tcgetattr(0, &t));
            t.c_cc[VERASE] = 8;
            CHECK_SYS(tcsetattr(0, TCSANOW, &t));
            say("erase is ^H\n");
        }
    }
}

/* IXON: after ^S, output (echo included) is held and a writer waits; ^Q
 * lets it through. With IXANY any typed byte restarts it. The driver
 * checks that nothing came out between the two. */
static int mode_ixon(void)
{
    char buf[64];
    say("ready\n");
    ssize_t n = read(0, buf, sizeof buf); /* "go\n", typed after ^S */
    CHECK_EQ(n, 3);
    say("held output\n");
    struct termios t;
    CHECK_SYS(tcgetattr(0, &t));
    t.c_iflag |= IXANY;
    CHECK_SYS(tcsetattr(0, TCSANOW, &t));
    say("ixany ready\n");
    n = read(0, buf, sizeof buf); /* "go2\n", then ^S: any byte after it would restart */
    CHECK_EQ(n, 4);
    t_msleep(300); /* the ^S typed right after the line is surely in */
    say("second held\n");
    /* Not exiting with output held: Charon's close does not wait for it
     * (Linux's does, up to closing_wait). The restarting byte ends a line. */
    n = read(0, buf, sizeof buf);
    CHECK_EQ(n, 2);
    say("done\n");
    return 0;
}

static volatile int g_drain_alarms;
static void on_drain_alarm(int sig)
{
    (void)sig;
    g_drain_alarms++;
}

static long ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void arm_alarm_ms(long ms, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_drain_alarm;
    sa.sa_flags = flags;
    CHECK_SYS(sigaction(SIGALRM, &sa, NULL));
    struct itimerval it = {{0, 0}, {0, ms * 1000}};
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
}

/* Output stopped by ^S: writing and then draining it (tcdrain, or
 * tcsetattr TCSADRAIN) does not complete before ^Q. Where the wait happens
 * differs: a pty stops the writer itself (Linux's pty_write takes nothing
 * while stopped), a serial line holds the bytes and tcdrain/TCSETSW wait
 * for them (Charon's console, as Linux's UART). Either way a signal without
 * SA_RESTART ends the wait with EINTR and one with SA_RESTART resumes it. */
static int mode_drain(void)
{
    char buf[64];
    say("ready\n");
    ssize_t n = read(0, buf, sizeof buf); /* "go\n", typed after ^S */
    CHECK_EQ(n, 3);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    say("held A\n");
    CHECK_SYS(tcdrain(1));
    long waited = ms_since(&start);
    CHECK(waited >= 700); /* the driver waits a second before ^Q */
    say("drain A waited\n");

    say("stop again\n");
    n = read(0, buf, sizeof buf); /* "x\n", typed after ^S */
    CHECK_EQ(n, 2);
    arm_alarm_ms(300, 0);
    static const char b[] = "held B\n";
    long r = write(1, b, sizeof b - 1);
    if (r > 0)
        r = tcdrain(1);
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EINTR);
    CHECK_EQ(g_drain_alarms, 1);

    arm_alarm_ms(300, SA_RESTART);
    clock_gettime(CLOCK_MONOTONIC, &start);
    static const char c[] = "held C\n";
    CHECK_EQ(write(1, c, sizeof c - 1), (long)sizeof c - 1);
    struct termios t;
    CHECK_SYS(tcgetattr(0, &t));
    CHECK_SYS(tcsetattr(0, TCSADRAIN, &t));
    waited = ms_since(&start);
    CHECK_EQ(g_drain_alarms, 2);
    CHECK(waited >= 700);
    say("drain B C ok\n");
    return 0;
}

/* A short read takes part of a line; the rest stays for the next one. */
static int mode_short_read(void)
{
    say("ready\n");
    char buf[8];
    ssize_t n = read(0, buf, 3);
    CHECK_EQ(n, 3);
    show("first", buf, n);
    n = read(0, buf, sizeof buf);
    show("second", buf, n);
    return 0;
}

/* poll, ppoll and select on the terminal: always writable; in canonical
 * mode readable only once a whole line is there (typed "ab", then CR). */
static int mode_poll(void)
{
    struct pollfd out = {.fd = 1, .events = POLLOUT};
    CHECK_EQ(poll(&out, 1, 0), 1);
    CHECK_EQ(out.revents, POLLOUT);
    struct pollfd in = {.fd = 0, .events = POLLIN};
    CHECK_EQ(poll(&in, 1, 0), 0);
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(0, &readable);
    FD_SET(1, &writable);
    struct timeval none = {0, 0};
    CHECK_EQ(select(2, &readable, &writable, NULL, &none), 1);
    CHECK(!FD_ISSET(0, &readable) && FD_ISSET(1, &writable));
    say("ready\n");
    /* "ab" without the end of the line: still nothing to read. */
    struct timespec wait = {0, 500000000};
    CHECK_EQ(ppoll(&in, 1, &wait, NULL), 0);
    say("partial\n");
    CHECK_EQ(ppoll(&in, 1, NULL, NULL), 1); /* sleeps until the CR */
    CHECK_EQ(in.revents, POLLIN);
    FD_ZERO(&readable);
    FD_SET(0, &readable);
    CHECK_EQ(select(1, &readable, NULL, NULL, NULL), 1);
    CHECK(FD_ISSET(0, &readable));
    char buf[16];
    ssize_t n = read(0, buf, sizeof buf);
    show("line", buf, n);
    CHECK_EQ(poll(&in, 1, 0), 0);
    return 0;
}

/* Non-canonical without echo: VMIN and VTIME (tenths of a second). */
static void set_noncanon(int vmin, int vtime)
{
    struct termios t;
    CHECK_SYS(tcgetattr(0, &t));
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = (cc_t)vmin;
    t.c_cc[VTIME] = (cc_t)vtime;
    CHECK_SYS(tcsetattr(0, TCSANOW, &t));
}

static long elapsed_ms(struct timespec since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since.tv_sec) * 1000 + (now.tv_nsec - since.tv_nsec) / 1000000;
}

static int mode_vmin_vtime(void)
{
    struct termios saved;
    CHECK_SYS(tcgetattr(0, &saved));
    char buf[16];
    struct timespec start;

    /* VMIN 0, VTIME 0: a poll, nothing there. */
    set_noncanon(0, 0);
    CHECK_EQ(read(0, buf, sizeof buf), 0);

    /* VMIN 0, VTIME 2: 0 after about 200 ms without input. */
    set_noncanon(0, 2);
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ(read(0, buf, sizeof buf), 0);
    long waited = elapsed_ms(start);
    CHECK(waited >= 150 && waited < 2000);

    /* VMIN 3, VTIME 0: waits for three bytes, typed after "step 3". */
    set_noncanon(3, 0);
    say("step 3\n");
    ssize_t n = read(0, buf, sizeof buf);
    show("vmin3", buf, n);

    /* VMIN 5, VTIME 3: two bytes, then the inter-byte timer ends the read. */
    set_noncanon(5, 3);
    say("step 4\n");
    n = read(0, buf, sizeof buf);
    show("timer", buf, n);

    /* FIONREAD counts what is buffered. */
    set_noncanon(1, 0);
    say("step 5\n");
    CHECK_EQ(read(0, buf, 1), 1);
    int avail = -1;
    for (int i = 0; i < 200 && avail != 3; i++) {
        CHECK_SYS(ioctl(0, FIONREAD, &avail));
        if (avail != 3)
            t_msleep(10);
    }
    CHECK_EQ(avail, 3);
    /* TCFLSH drops it. */
    CHECK_SYS(tcflush(0, TCIFLUSH));
    CHECK_SYS(ioctl(0, FIONREAD, &avail));
    CHECK_EQ(avail, 0);
    CHECK_SYS(tcsetattr(0, TCSANOW, &saved));
    say("done\n");
    return 0;
}

/* --- job control ----------------------------------------------------------- */

static const char *sig_name(int sig)
{
    switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGTSTP: return "SIGTSTP";
    case SIGTTIN: return "SIGTTIN";
    case SIGTTOU: return "SIGTTOU";
    case SIGCONT: return "SIGCONT";
    case SIGKILL: return "SIGKILL";
    default: return "other";
    }
}

static void describe_status(const char *who, int status)
{
    if (WIFEXITED(status))
        say("%s: exited %d\n", who, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        say("%s: killed by %s\n", who, sig_name(WTERMSIG(status)));
    else if (WIFSTOPPED(status))
        say("%s: stopped by %s\n", who, sig_name(WSTOPSIG(status)));
}

/* The shell's part: the leader ignores SIGTTOU (so that it can take the
 * terminal back from the background) and opens /dev/tty. */
static int shell_init(void)
{
    signal(SIGTTOU, SIG_IGN);
    int fd = open("/dev/tty", O_RDWR);
    CHECK(fd >= 0);
    CHECK_EQ(tcgetpgrp(fd), getpgrp());
    return fd;
}

/* A child in a process group of its own; `foreground` hands it the
 * terminal before it may go on (a pipe says when). Returns its pid. */
static pid_t start_job(int tty, int foreground, void (*body)(int tty))
{
    int go[2];
    t_pipe(go);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(go[1]);
        CHECK_SYS(setpgid(0, 0));
        signal(SIGTTOU, SIG_DFL);
        t_recv(go[0]);
        body(tty);
        _exit(0);
    }
    close(go[0]);
    CHECK_SYS(setpgid(pid, pid)); /* both sides, as shells do: no race */
    if (foreground)
        CHECK_SYS(tcsetpgrp(tty, pid));
    t_send(go[1], 'g');
    close(go[1]);
    return pid;
}

static void take_terminal_back(int tty)
{
    CHECK_SYS(tcsetpgrp(tty, getpgrp()));
}

static void body_wait_forever(int tty)
{
    (void)tty;
    say("job ready\n");
    for (;;)
        pause();
}

static void body_quit(int tty)
{
    t_no_core();
    body_wait_forever(tty);
}

/* ^C, ^\ and ^Z reach the foreground job, not the leader in the background. */
static int typed_signal(int stop, void (*body)(int))
{
    int tty = shell_init();
    pid_t job = start_job(tty, 1, body);
    int status;
    CHECK_EQ(waitpid(job, &status, WUNTRACED), job);
    describe_status("job", status);
    take_terminal_back(tty);
    if (stop) {
        CHECK(WIFSTOPPED(status));
        CHECK_SYS(kill(-job, SIGKILL));
        CHECK_EQ(waitpid(job, &status, 0), job);
    }
    say("leader alive\n");
    return 0;
}

static int mode_sigint(void) { return typed_signal(0, body_wait_forever); }
static int mode_sigquit(void) { return typed_signal(0, body_quit); }
static int mode_sigtstp(void) { return typed_signal(1, body_wait_forever); }

/* A background job reading the terminal is stopped by SIGTTIN; with
 * SIGTTIN ignored the read fails with EIO instead. */
static void body_read(int tty)
{
    char c;
    ssize_t n = read(tty, &c, 1);
    say("read returned %d errno %s\n", (int)n, n < 0 ? t_errname(errno) : "0");
}

static void body_read_ignoring(int tty)
{
    signal(SIGTTIN, SIG_IGN);
    body_read(tty);
}

static int mode_sigttin(void)
{
    int tty = shell_init();
    pid_t job = start_job(tty, 0, body_read);
    int status;
    CHECK_EQ(waitpid(job, &status, WUNTRACED), job);
    describe_status("reader", status);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTTIN);
    /* In the foreground and continued, the read restarts and gets a line. */
    CHECK_SYS(tcsetpgrp(tty, job));
    CHECK_SYS(kill(-job, SIGCONT));
    say("type now\n");
    CHECK_EQ(waitpid(job, &status, 0), job);
    take_terminal_back(tty);
    describe_status("reader", status);

    job = start_job(tty, 0, body_read_ignoring);
    CHECK_EQ(waitpid(job, &status, WUNTRACED), job);
    describe_status("ignoring reader", status);
    return 0;
}

/* Background output: allowed without TOSTOP; with TOSTOP the writer is
 * stopped by SIGTTOU (unless it ignores SIGTTOU); tcsetattr from the
 * background gets SIGTTOU with or without TOSTOP. */
static void body_write(int tty)
{
    ssize_t n = write(tty, "bg output\n", 10);
    say("write returned %d\n", (int)n);
}

static void body_write_ignoring(int tty)
{
    signal(SIGTTOU, SIG_IGN);
    body_write(tty);
}

static void body_tcsetattr(int tty)
{
    struct termios t;
    CHECK_SYS(tcgetattr(tty, &t)); /* reading the settings is allowed */
    int r = tcsetattr(tty, TCSANOW, &t);
    say("tcsetattr returned %d\n", r);
}

static int mode_tostop(void)
{
    int tty = shell_init();
    int status;
    pid_t job = start_job(tty, 0, body_write);
    CHECK_EQ(waitpid(job, &status, WUNTRACED), job);
    describe_status("writer", status);

    job = start_job(tty, 0, body_tcsetattr);
    CHECK_EQ(waitpid(job, &status, WUNTRACED), job);
    describe_status("tcsetattr", status);
    CHECK_SYS(kill(-job, SIGKILL));
    CHECK_EQ(waitpid(job, &status, 0), job);

    struct termios t, saved;
    CHECK_SYS(tcgetattr(tty, &saved));
    t = saved;
    t.c_lflag |= TOSTOP;
    CHECK_SYS(tcsetattr(tty, TCSANOW, &t));
    job = start_job(tty, 0, body_write);
    CHECK_EQ(waitpid(job, &status, WUNTRACED), job);
    describe_status("tostop writer", status);
    CHECK_SYS(kill(-job, SIGKILL));
    CHECK_EQ(waitpid(job, &status, 0), job);

    job = start_job(tty, 0, body_write_ignoring);
    CHECK_EQ(waitpid(job, &status, WUNTRACED), job);
    describe_status("ignoring writer", status);
    CHECK_SYS(tcsetattr(tty, TCSANOW, &saved));
    return 0;
}

/* tcgetpgrp/tcsetpgrp/TIOCGSID/TIOCNOTTY and /dev/tty: Linux's errors. */
static int other_ready = -1;
static void body_other_session(int tty)
{
    CHECK_SYS(setsid()); /* a fork that leads no group yet */
    CHECK_ERR(tcgetpgrp(tty), ENOTTY);
    CHECK_ERR(tcsetpgrp(tty, getpid()), ENOTTY);
    pid_t sid;
    CHECK_ERR(ioctl(tty, TIOCGSID, &sid), ENOTTY);
    CHECK_ERR(open("/dev/tty", O_RDWR), ENXIO);
    say("other session ok\n");
    t_send(other_ready, 'o');
    /* Stay alive (as a group of another session) until killed. */
    for (;;)
        pause();
}

static void body_notty(int tty)
{
    pid_t sid;
    CHECK_SYS(ioctl(tty, TIOCGSID, &sid));
    CHECK_EQ(sid, getsid(0));
    CHECK_SYS(ioctl(tty, TIOCNOTTY));
    CHECK_ERR(tcgetpgrp(tty), ENOTTY);
    CHECK_ERR(open("/dev/tty", O_RDWR), ENXIO);
    say("notty ok\n");
}

static int mode_tcsetpgrp(void)
{
    int tty = shell_init();
    int fds[2];
    t_pipe(fds);
    CHECK_ERR(tcgetpgrp(fds[0]), ENOTTY);
    CHECK_ERR(tcsetpgrp(fds[0], getpgrp()), ENOTTY);
    CHECK_ERR(tcsetpgrp(tty, -1), EINVAL);
    CHECK_ERR(tcsetpgrp(tty, 4194304), ESRCH); /* above any pid_max */

    int ready[2];
    t_pipe(ready);
    other_ready = ready[1];
    pid_t other = fork();
    CHECK(other >= 0);
    if (other == 0)
        body_other_session(tty);
    t_recv(ready[0]); /* it leads its own session now */
    CHECK_EQ(getsid(other), other);
    CHECK_ERR(tcsetpgrp(tty, other), EPERM);
    CHECK_EQ(tcgetpgrp(tty), getpgrp());
    pid_t sid;
    CHECK_SYS(ioctl(tty, TIOCGSID, &sid));
    CHECK_EQ(sid, getsid(0));
    int status;
    CHECK_SYS(kill(other, SIGKILL));
    CHECK_EQ(waitpid(other, &status, 0), other);

    pid_t job = start_job(tty, 0, body_notty);
    CHECK_EQ(waitpid(job, &status, 0), job);
    CHECK_EXITED(status, 0);
    /* The member's TIOCNOTTY left the leader's terminal alone. */
    CHECK_EQ(tcgetpgrp(tty), getpgrp());
    say("tcsetpgrp ok\n");
    return 0;
}

/* The session leader exits: its foreground group gets SIGHUP. The test's
 * own process is not the leader here: it hands the terminal to a child
 * session (natively after letting go of it with TIOCNOTTY), whose leader
 * puts a grandchild in the foreground and exits. */
static int hup_pipe = -1;
static void on_hup(int sig)
{
    (void)sig;
    t_send(hup_pipe, 'H');
    _exit(0);
}

static int mode_sighup(void)
{
    signal(SIGHUP, SIG_IGN); /* TIOCNOTTY hangs up our own group */
    (void)ioctl(0, TIOCNOTTY); /* natively we are its leader; in Charon no tty yet */
    signal(SIGHUP, SIG_DFL);
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1));
    int fds[2];
    t_pipe(fds);
    pid_t leader = fork();
    CHECK(leader >= 0);
    if (leader == 0) {
        close(fds[0]);
        CHECK_SYS(setsid());
        CHECK_SYS(ioctl(0, TIOCSCTTY, 0));
        int ready[2];
        t_pipe(ready);
        pid_t job = fork();
        CHECK(job >= 0);
        if (job == 0) {
            hup_pipe = fds[1];
            signal(SIGHUP, on_hup);
            CHECK_SYS(setpgid(0, 0));
            t_send(ready[1], 'r');
            for (;;)
                pause();
        }
        CHECK_SYS(setpgid(job, job));
        t_recv(ready[0]);
        CHECK_SYS(tcsetpgrp(0, job));
        say("session leader exits\n");
        _exit(0);
    }
    close(fds[1]);
    int status;
    CHECK_EQ(waitpid(leader, &status, 0), leader);
    CHECK_EXITED(status, 0);
    char c = t_recv(fds[0]);
    CHECK_EQ(c, 'H');
    say("foreground job got SIGHUP\n");
    /* Reap the job (adopted by us, the subreaper). */
    CHECK(wait(&status) > 0);
    CHECK_EXITED(status, 0);
    return 0;
}

/* The session leader exits while a member holds the terminal open (through
 * /dev/tty). Linux (disassociate_ctty) hangs the line up unless it is a
 * pty: the member's file then reads 0, fails writes and ioctls with EIO and
 * polls POLLHUP|POLLERR; on a pty it keeps working. Natively we run on a
 * pty, in Charon on the serial console, so each side checks its own case.
 * Our own descriptors come from /dev/console in Charon, which is exempt:
 * say() still works afterwards. */
struct hangup_report {
    long write_result, write_errno, read_result, read_errno, ioctl_result, ioctl_errno, revents;
};

static volatile int g_vhup, g_vcont;
static void on_vhup(int sig)
{
    if (sig == SIGHUP)
        g_vhup++;
    else
        g_vcont++;
}

/* vhangup(2) by the session leader: EPERM without CAP_SYS_ADMIN; then the
 * files open on the controlling terminal through /dev/tty are hung up
 * (read 0, write and tcgetattr EIO), the leader gets SIGHUP and SIGCONT,
 * the session has no controlling terminal any more (/dev/tty: ENXIO), and
 * a second vhangup has nothing to do. Natively the pty's every file is
 * hung up, our stdout too: the exit status is the report. */
static int mode_vhangup(void)
{
    signal(SIGHUP, on_vhup);
    signal(SIGCONT, on_vhup);
    int fd = open("/dev/tty", O_RDWR | O_NONBLOCK);
    CHECK(fd >= 0);
    if (t_is_root()) {
        uid_t uid = t_private_uid(0);
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0) {
            CHECK_SYS(setresuid(uid, uid, uid));
            CHECK_ERR(syscall(SYS_vhangup), EPERM);
            _exit(0);
        }
        int status;
        CHECK_EQ(waitpid(child, &status, 0), child);
        CHECK_EXITED(status, 0);
    }
    /* The driver answers once it has read this: natively the hang-up may
     * drop pty output not yet read. */
    say("vhangup now\n");
    char line[16];
    CHECK(read(0, line, sizeof line) > 0);
    CHECK_SYS(syscall(SYS_vhangup));
    CHECK_EQ(g_vhup, 1);
    CHECK_EQ(g_vcont, 1);
    CHECK_EQ(read(fd, line, 1), 0);
    CHECK_ERR(write(fd, "x", 1), EIO);
    struct termios t;
    CHECK_ERR(tcgetattr(fd, &t), EIO);
    CHECK_ERR(open("/dev/tty", O_RDWR), ENXIO);
    CHECK_SYS(syscall(SYS_vhangup));
    CHECK_EQ(g_vhup, 1);
    return 0;
}

static int mode_hangup(void)
{
    struct stat st;
    CHECK_SYS(fstat(0, &st));
    int pty = major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143; /* Unix98 pty slaves */
    signal(SIGHUP, SIG_IGN);
    (void)ioctl(0, TIOCNOTTY); /* natively we are its leader; in Charon no tty yet */
    signal(SIGHUP, SIG_DFL);
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1));
    int report[2], go[2], ready[2];
    t_pipe(report);
    t_pipe(go);
    t_pipe(ready);
    pid_t leader = fork();
    CHECK(leader >= 0);
    if (leader == 0) {
        CHECK_SYS(setsid());
        CHECK_SYS(ioctl(0, TIOCSCTTY, 0));
        pid_t member = fork();
        CHECK(member >= 0);
        if (member == 0) {
            signal(SIGHUP, SIG_IGN); /* in the foreground group: it gets one */
            int fd = open("/dev/tty", O_RDWR | O_NONBLOCK);
            CHECK(fd >= 0);
            t_send(ready[1], 'r');
            t_recv(go[0]); /* the leader is gone */
            struct hangup_report r;
            char c;
            struct termios t;
            errno = 0;
            r.write_result = write(fd, "w\n", 2);
            r.write_errno = errno;
            errno = 0;
            r.read_result = read(fd, &c, 1);
            r.read_errno = errno;
            errno = 0;
            r.ioctl_result = tcgetattr(fd, &t);
            r.ioctl_errno = errno;
            struct pollfd p = {fd, POLLIN | POLLOUT, 0};
            CHECK_EQ(poll(&p, 1, 0), 1);
            r.revents = p.revents;
            t_write_all(report[1], (const char *)&r, sizeof r);
            _exit(0);
        }
        t_recv(ready[0]);
        say("session leader exits\n");
        _exit(0);
    }
    int status;
    CHECK_EQ(waitpid(leader, &status, 0), leader);
    CHECK_EXITED(status, 0);
    t_send(go[1], 'g');
    struct hangup_report r;
    t_read_all(report[0], &r, sizeof r);
    if (pty) {
        CHECK_EQ(r.write_result, 2);
        CHECK_EQ(r.read_result, -1);
        CHECK_EQ(r.read_errno, EAGAIN);
        CHECK_EQ(r.ioctl_result, 0);
        CHECK_EQ(r.revents, POLLOUT);
    } else {
        CHECK_EQ(r.write_result, -1);
        CHECK_EQ(r.write_errno, EIO);
        CHECK_EQ(r.read_result, 0);
        CHECK_EQ(r.ioctl_result, -1);
        CHECK_EQ(r.ioctl_errno, EIO);
        CHECK_EQ(r.revents, POLLIN | POLLOUT | POLLERR | POLLHUP);
    }
    say("hangup checked (%s)\n", pty ? "pty" : "line");
    CHECK(wait(&status) > 0); /* the member, adopted by us */
    CHECK_EXITED(status, 0);
    return 0;
}

/* ^C typed during a long write to the terminal ends the write early, with
 * the count written (Linux looks for a signal between 2 KiB chunks): the
 * handler runs without waiting for the rest of the 8 MiB. "ready" is the
 * write's own first line, so the ^C cannot come before the write began. */
static void on_interrupt(int sig) { (void)sig; }

static int mode_signal_write(void)
{
    static char buf[8 << 20];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = i % 64 == 63 ? '\n' : 'y';
    memcpy(buf, "ready\n", 6);
    struct sigaction sa = {.sa_handler = on_interrupt}; /* no SA_RESTART */
    CHECK_SYS(sigaction(SIGINT, &sa, NULL));
    ssize_t n = write(1, buf, sizeof buf);
    int error = errno;
    say("\nwrote %zd of %zu %s\n", n, sizeof buf, n < 0 ? t_errname(error) : "");
    return 0;
}

struct mode {
    const char *name;
    int (*run)(void);
};

static const struct mode modes[] = {
    {"sighup", mode_sighup},
    {"hangup", mode_hangup},
    {"vhangup", mode_vhangup},
    {"raw", mode_raw},
    {"canon", mode_canon},
    {"ixon", mode_ixon},
    {"drain", mode_drain},
    {"short-read", mode_short_read},
    {"poll", mode_poll},
    {"vmin-vtime", mode_vmin_vtime},
    {"sigint", mode_sigint},
    {"sigquit", mode_sigquit},
    {"sigtstp", mode_sigtstp},
    {"sigttin", mode_sigttin},
    {"tostop", mode_tostop},
    {"tcsetpgrp", mode_tcsetpgrp},
    {"signal-write", mode_signal_write},
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        say("usage: ttytest MODE\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(argv[1], modes[i].name) == 0) {
            if (modes[i].run != mode_sighup && modes[i].run != mode_hangup)
                tty_init();
            return modes[i].run();
        }
    }
    say("ttytest: unknown mode %s\n", argv[1]);
    return 2;
}
