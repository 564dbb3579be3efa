/* sigaltstack: SA_ONSTACK handlers run on the alternate stack, which
 * reports SS_ONSTACK inside; changing it while on it is EPERM; too small is
 * ENOMEM; handlers without SA_ONSTACK use the normal stack; a stack
 * overflow is caught on the alternate stack. */
#include "t.h"
#include <setjmp.h>

static char *alt;
static size_t alt_size = 64 * 1024;
static volatile int on_alt, flags_inside, eperm_inside;
static sigjmp_buf jb;

static void handler(int sig)
{
    (void)sig;
    char local;
    on_alt = (&local >= alt && &local < alt + alt_size);
    stack_t cur;
    sigaltstack(NULL, &cur);
    flags_inside = cur.ss_flags;
    stack_t other = {.ss_sp = alt, .ss_size = alt_size, .ss_flags = 0};
    eperm_inside = sigaltstack(&other, NULL) == -1 && errno == EPERM;
}

static void on_segv(int sig)
{
    (void)sig;
    char local;
    on_alt = (&local >= alt && &local < alt + alt_size);
    siglongjmp(jb, 1);
}

static volatile int keep_going = 1;

static int recurse(volatile char *p)
{
    volatile char buf[1024];
    buf[0] = p ? p[0] : 0;
    if (!keep_going)
        return 0;
    return recurse(buf) + buf[1];
}

int main(void)
{
    alt = mmap(NULL, alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(alt != MAP_FAILED);
    stack_t ss = {.ss_sp = alt, .ss_size = alt_size, .ss_flags = 0}, old;
    CHECK_SYS(sigaltstack(NULL, &old));
    CHECK(old.ss_flags & SS_DISABLE);
    stack_t tiny = {.ss_sp = alt, .ss_size = 1024, .ss_flags = 0};
    CHECK_ERR(sigaltstack(&tiny, NULL), ENOMEM);
    stack_t badflags = {.ss_sp = alt, .ss_size = alt_size, .ss_flags = 0x1234};
    CHECK_ERR(sigaltstack(&badflags, NULL), EINVAL);
    CHECK_SYS(sigaltstack(&ss, NULL));
    CHECK_SYS(sigaltstack(NULL, &old));
    CHECK(old.ss_sp == alt);
    CHECK_EQ(old.ss_size, alt_size);
    CHECK_EQ(old.ss_flags, 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
    sa.sa_flags = 0;
    CHECK_SYS(sigaction(SIGUSR2, &sa, NULL));

    raise(SIGUSR1);
    CHECK_EQ(on_alt, 1);
    CHECK(flags_inside & SS_ONSTACK);
    CHECK_EQ(eperm_inside, 1);
    raise(SIGUSR2);
    CHECK_EQ(on_alt, 0);
    CHECK_EQ(flags_inside & SS_ONSTACK, 0);
    CHECK_SYS(sigaltstack(NULL, &old));
    CHECK_EQ(old.ss_flags, 0);

    /* Stack overflow, in a child (its main stack is then exhausted). */
    pid_t pid = t_fork();
    if (pid == 0) {
        struct rlimit rl = {1 << 20, 1 << 20};
        setrlimit(RLIMIT_STACK, &rl);
        struct sigaction s2;
        memset(&s2, 0, sizeof s2);
        s2.sa_handler = on_segv;
        s2.sa_flags = SA_ONSTACK | SA_NODEFER;
        sigemptyset(&s2.sa_mask);
        CHECK_SYS(sigaction(SIGSEGV, &s2, NULL));
        if (sigsetjmp(jb, 1) == 0) {
            recurse(NULL);
            _exit(3);
        }
        CHECK_EQ(on_alt, 1);
        _exit(0);
    }
    T_WAIT_OK(pid);

    /* SS_DISABLE turns it off. */
    stack_t dis = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    CHECK_SYS(sigaltstack(&dis, NULL));
    CHECK_SYS(sigaltstack(NULL, &old));
    CHECK(old.ss_flags & SS_DISABLE);
    raise(SIGUSR1);
    CHECK_EQ(on_alt, 0);
    return 0;
}
