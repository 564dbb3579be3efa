/* Standard signals merge while pending: three sends, one delivery. A
 * process-directed and a thread-directed instance of the same standard
 * signal are separate queues. */
#include "t.h"

static volatile int count;

static void handler(int sig)
{
    (void)sig;
    count++;
}

int main(void)
{
    t_signal(SIGUSR1, handler);
    t_block(SIGUSR1);
    for (int i = 0; i < 3; i++)
        CHECK_SYS(kill(getpid(), SIGUSR1));
    t_unblock(SIGUSR1);
    CHECK_EQ(count, 1);

    count = 0;
    t_block(SIGUSR1);
    for (int i = 0; i < 3; i++)
        CHECK_SYS(raise(SIGUSR1));
    t_unblock(SIGUSR1);
    CHECK_EQ(count, 1);

    /* One in the thread queue and one in the process queue: two deliveries. */
    count = 0;
    t_block(SIGUSR1);
    CHECK_SYS(kill(getpid(), SIGUSR1));
    CHECK_SYS(raise(SIGUSR1));
    t_unblock(SIGUSR1);
    CHECK_EQ(count, 2);
    return 0;
}
