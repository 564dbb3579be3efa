/* Soak: 10,000 sequential and 1,000 concurrent process lifetimes (fork,
 * execve, exit, reap). The workload runs anywhere; on Charon the kernel's
 * counters (charon_stats, syscall 511) must then be back to their baseline
 * exactly: free frames, kernel stacks, threads, processes, zombies, descriptor
 * tables, open files, pipes, address spaces, page-table pages. On Linux the
 * counters do not exist (ENOSYS) and only the workload is checked.
 * The runner gives soak_* tests a longer timeout. */
#include "t.h"

#define SEQUENTIAL 10000
#define CONCURRENT 1000

static int have_stats;

static void stats(struct t_charon_stats *s)
{
    if (have_stats)
        t_charon_stats(s);
}

/* Exec'ed children: "exit" leaves at once; "hold" waits for the parent to
 * close the pipe (fd 3) so that CONCURRENT of them are alive together. */
static int child_mode(const char *mode)
{
    if (strcmp(mode, "exit") == 0)
        return 7;
    char c;
    while (read(3, &c, 1) > 0)
        ;
    return 9;
}

static void spawn(const char *self, const char *mode, int hold_fd, int write_fd)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        if (hold_fd >= 0 && dup2(hold_fd, 3) != 3)
            _exit(126);
        if (write_fd >= 0)
            close(write_fd); /* else no holder would ever read EOF */
        char *args[] = {(char *)self, (char *)mode, NULL};
        execv(self, args);
        _exit(127);
    }
}

static void sequential(const char *self)
{
    for (int i = 0; i < SEQUENTIAL; i++) {
        spawn(self, "exit", -1, -1);
        int status;
        pid_t pid = wait4(-1, &status, 0, NULL);
        CHECK(pid > 0);
        CHECK_EQ(status, 7 << 8);
    }
}

static void concurrent(const char *self)
{
    int p[2];
    t_pipe(p);
    for (int i = 0; i < CONCURRENT; i++)
        spawn(self, "hold", p[0], p[1]);
    close(p[0]);
    close(p[1]); /* every holder now reads EOF and exits */
    for (int i = 0; i < CONCURRENT; i++) {
        int status;
        CHECK(wait4(-1, &status, 0, NULL) > 0);
        CHECK_EQ(status, 9 << 8);
    }
    CHECK_ERR(wait4(-1, NULL, WNOHANG, NULL), ECHILD);
}

/* Dead threads are freed by the kernel's reaper thread a little later. */
static int settled(const struct t_charon_stats *base, struct t_charon_stats *now)
{
    for (int tries = 0; tries < 200; tries++) {
        stats(now);
        if (now->live_kernel_stacks == base->live_kernel_stacks &&
            now->live_kernel_threads == base->live_kernel_threads && now->free_frames == base->free_frames)
            return 1;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Waits until the reaper has freed what the warm-up left behind: two
 * readings 10 ms apart that agree. */
static void stable(struct t_charon_stats *s)
{
    struct t_charon_stats next;
    stats(s);
    for (int tries = 0; tries < 200; tries++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        stats(&next);
        if (next.free_frames == s->free_frames && next.live_kernel_stacks == s->live_kernel_stacks &&
            next.live_kernel_threads == s->live_kernel_threads)
            return;
        *s = next;
    }
}

int main(int argc, char **argv)
{
    if (argc == 2)
        return child_mode(argv[1]);
    const char *self = t_self_path(argv[0]);
    struct t_charon_stats probe;
    have_stats = t_charon_stats(&probe);

    /* Warm-up at full width, so the kernel heap and tables reach their
     * working size before the baseline: what must come back is every
     * object, not the allocator's slack. */
    for (int i = 0; i < 50; i++) {
        spawn(self, "exit", -1, -1);
        CHECK_EQ(wait4(-1, NULL, 0, NULL) > 0, 1);
    }
    concurrent(self);
    struct t_charon_stats base, now;
    stable(&base);

    sequential(self);
    concurrent(self);

    if (!have_stats)
        return 0;
    if (!settled(&base, &now))
        FAIL("not back to baseline: free frames %llu -> %llu, kernel stacks %llu -> %llu, kernel threads %llu -> %llu, "
             "heap bytes %llu -> %llu, heap slab frames %llu -> %llu, mapped user pages %llu -> %llu, "
             "page-table pages %llu -> %llu",
             base.free_frames, now.free_frames, base.live_kernel_stacks, now.live_kernel_stacks,
             base.live_kernel_threads, now.live_kernel_threads, base.heap_bytes, now.heap_bytes,
             base.heap_slab_frames, now.heap_slab_frames, base.mapped_user_pages, now.mapped_user_pages,
             base.page_table_pages, now.page_table_pages);
    CHECK_EQ(now.processes, base.processes);
    CHECK_EQ(now.zombies, base.zombies);
    CHECK_EQ(now.threads, base.threads);
    CHECK_EQ(now.tasks, base.tasks);
    CHECK_EQ(now.file_tables, base.file_tables);
    CHECK_EQ(now.open_files, base.open_files);
    CHECK_EQ(now.pipes, base.pipes);
    CHECK_EQ(now.address_spaces, base.address_spaces);
    CHECK_EQ(now.mapped_user_pages, base.mapped_user_pages);
    CHECK_EQ(now.page_table_pages, base.page_table_pages);
    return 0;
}
