/* A fork bomb under RLIMIT_NPROC is contained and the system recovers.
 *
 * A non-root user (a private uid) with RLIMIT_NPROC = 16 runs a fork bomb:
 * every process forks as fast as it can. fork fails with EAGAIN once the
 * user has 16 processes (Linux counts them per real uid, the bomb's parent
 * included), so exactly 15 forks succeed (the bomb's first process and 14
 * of its descendants) and each of those 15 sees EAGAIN once. The bomb is
 * then killed with
 * kill(-1, SIGKILL) by the same user (kill(-1) reaches every process the
 * sender may signal) and reaped by its subreaper, after which forking works
 * again. Also pinned down, as Linux does it: a zombie still counts against
 * the limit until it is reaped (release_task), and threads count too.
 * On Charon the kernel's counters must be back to their baseline. */
#include "t.h"

#define LIMIT 16

/* The bomb: fork forever; each child reports 'c' on the pipe, each failed
 * fork 'E' (EAGAIN) or 'X' (anything else); then wait to be killed. */
static void bomb(int report)
{
    for (;;) {
        pid_t pid = fork();
        if (pid == 0)
            (void)!write(report, "c", 1);
        else if (pid < 0) {
            (void)!write(report, errno == EAGAIN ? "E" : "X", 1);
            pause();
        }
    }
}

static void contained_bomb(uid_t uid)
{
    struct rlimit rl = {LIMIT, LIMIT};
    CHECK_SYS(setrlimit(RLIMIT_NPROC, &rl));
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1));
    CHECK_SYS(setresuid(uid, uid, uid));
    int p[2];
    t_pipe(p);
    pid_t first = t_fork();
    if (first == 0) {
        close(p[0]);
        bomb(p[1]);
    }
    close(p[1]);
    /* 15 children of the bomb (we are the 16th process of the uid); each
     * of the 16 bomb processes then sees EAGAIN once. */
    int children = 0, eagain = 0;
    while (eagain < LIMIT - 1) {
        char c;
        CHECK_EQ(read(p[0], &c, 1), 1);
        if (c == 'c')
            children++;
        else if (c == 'E')
            eagain++;
        else
            FAIL("a bomb fork failed with something else than EAGAIN");
    }
    CHECK_EQ(children, LIMIT - 2);
    /* On Charon, the user's count (charon_stats) says the same. */
    struct t_charon_stats st;
    if (t_charon_stats(&st))
        CHECK_EQ(st.user_tasks, LIMIT);
    /* We may signal every bomb process (same uid): kill them all. */
    CHECK_SYS(kill(-1, SIGKILL));
    int reaped = t_reap_all_killed(SIGKILL);
    CHECK_EQ(reaped, LIMIT - 1);
    if (t_charon_stats(&st))
        CHECK_EQ(st.user_tasks, 1);
    close(p[0]);
    /* Recovered: fork works again. */
    pid_t again = t_fork();
    if (again == 0)
        _exit(0);
    CHECK_EQ(t_wait(again), 0);
}

static int thread_fn(void *arg)
{
    (void)arg;
    pause();
    return 0;
}

/* A zombie counts until reaped; so does a thread. Limit 3: us + 2. */
static void zombies_and_threads(uid_t uid)
{
    struct rlimit rl = {3, 3};
    CHECK_SYS(setrlimit(RLIMIT_NPROC, &rl));
    CHECK_SYS(setresuid(uid, uid, uid));
    pid_t a = t_fork();
    if (a == 0)
        _exit(0);
    siginfo_t si;
    CHECK_SYS(waitid(P_PID, a, &si, WEXITED | WNOWAIT)); /* a is a zombie now */
    pid_t b = t_fork();
    if (b == 0) {
        pause();
        _exit(0);
    }
    CHECK_ERR(fork(), EAGAIN); /* us, zombie a, b */
    struct t_charon_stats st;
    if (t_charon_stats(&st))
        CHECK_EQ(st.user_tasks, 3);
    CHECK_EQ(t_wait(a), 0);    /* reaping a frees its slot */
    struct t_thread t;
    t.stack_size = 64 * 1024;
    t.stack = mmap(NULL, t.stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(t.stack != MAP_FAILED);
    int r = clone(thread_fn, (char *)t.stack + t.stack_size, T_THREAD_FLAGS, NULL, &t.tid, NULL, &t.tid);
    CHECK(r > 0);                           /* us, b, the thread */
    CHECK_ERR(fork(), EAGAIN);
    CHECK_EQ(clone(thread_fn, (char *)t.stack + 4096, T_THREAD_FLAGS, NULL, NULL, NULL, NULL), -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_SYS(kill(b, SIGKILL));
    CHECK_SIGNALED(t_wait(b), SIGKILL);
    _exit(0); /* ends the paused thread too */
}

int main(void)
{
    T_REQUIRE_ROOT();
    struct t_charon_stats base;
    int have_stats = t_charon_stats(&base);
    if (have_stats)
        t_charon_stable_snapshot(&base);

    pid_t pid = t_fork();
    if (pid == 0) {
        contained_bomb(t_private_uid(0));
        _exit(0);
    }
    T_WAIT_OK(pid);

    pid = t_fork();
    if (pid == 0)
        zombies_and_threads(t_private_uid(1));
    T_WAIT_OK(pid);

    if (have_stats)
        t_charon_expect_baseline(&base);
    return 0;
}
