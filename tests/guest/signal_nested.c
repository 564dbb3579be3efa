/* Nested handlers: a different signal raised inside a handler runs at once
 * (nested); the same signal waits until the handler returns, unless
 * SA_NODEFER, in which case it nests. */
#include "t.h"

static char log_buf[64];
static volatile int log_len;
static volatile int depth;
static volatile int entries;

static void note(char c)
{
    log_buf[log_len++] = c;
}

static void on_usr2(int sig)
{
    (void)sig;
    note('b');
}

static void on_usr1(int sig)
{
    (void)sig;
    note('A');
    depth++;
    if (++entries == 1) {
        raise(SIGUSR2); /* nests */
        note('-');
        raise(SIGUSR1); /* deferred (or nests with SA_NODEFER) */
    }
    note(depth == 2 ? 'n' : 'a'); /* 'n': ran nested inside the first */
    depth--;
}

static void run(int flags, const char *want)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
    log_len = 0;
    depth = 0;
    entries = 0;
    raise(SIGUSR1);
    log_buf[log_len] = 0;
    if (strcmp(log_buf, want) != 0)
        FAIL("flags 0x%x: order %s, want %s", flags, log_buf, want);
}

int main(void)
{
    t_signal(SIGUSR2, on_usr2);
    /* Deferred: second USR1 runs after the first returns. */
    run(0, "Ab-aAa");
    /* SA_NODEFER: it runs inside. */
    run(SA_NODEFER, "Ab-Ana");
    return 0;
}
