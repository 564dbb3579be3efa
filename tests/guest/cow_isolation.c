/* Copy-on-write after fork: writes on either side stay private (globals,
 * heap, stack, private mappings, multi-page buffers); MAP_SHARED mappings
 * stay shared. */
#include "t.h"

#define PAGES 64
static int global_var = 1;
static char big[PAGES * 4096];

int main(void)
{
    int stack_var = 2;
    int *heap = malloc(sizeof *heap * 1000);
    CHECK(heap);
    heap[999] = 3;
    memset(big, 'p', sizeof big);
    char *priv = mmap(NULL, 4096 * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(priv != MAP_FAILED && shared != MAP_FAILED);
    memset(priv, 'm', 4096 * 4);
    *shared = 0;
    int sync1[2], sync2[2];
    t_pipe(sync1);
    t_pipe(sync2);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_EQ(global_var, 1);
        global_var = 10;
        stack_var = 20;
        heap[999] = 30;
        for (int i = 0; i < PAGES; i++)
            big[i * 4096 + 7] = 'c';
        priv[4096 * 3] = 'c';
        *shared = 77;
        t_send(sync1[1], 'w');
        t_recv(sync2[0]);
        /* The parent's writes after fork are invisible here. */
        CHECK_EQ(global_var, 10);
        CHECK_EQ(stack_var, 20);
        CHECK_EQ(heap[999], 30);
        CHECK_EQ(big[5 * 4096 + 7], 'c');
        CHECK_EQ(big[5 * 4096 + 8], 'p');
        CHECK_EQ(priv[0], 'm');
        CHECK_EQ(*shared, 88);
        _exit(0);
    }
    t_recv(sync1[0]);
    CHECK_EQ(global_var, 1);
    CHECK_EQ(stack_var, 2);
    CHECK_EQ(heap[999], 3);
    for (int i = 0; i < PAGES; i++)
        CHECK_EQ(big[i * 4096 + 7], 'p');
    CHECK_EQ(priv[4096 * 3], 'm');
    CHECK_EQ(*shared, 77);
    global_var = 100;
    priv[0] = 'P';
    big[5 * 4096 + 8] = 'P';
    *shared = 88;
    t_send(sync2[1], 'r');
    CHECK_EQ(t_wait(pid), 0);
    CHECK_EQ(global_var, 100);
    CHECK_EQ(big[5 * 4096 + 7], 'p');

    /* Grandchildren: a chain of forks, each modifying the same page. */
    global_var = 0;
    for (int depth = 0; depth < 5; depth++) {
        pid = t_fork();
        if (pid != 0) {
            CHECK_EQ(t_wait(pid), 0);
            CHECK_EQ(global_var, depth);
            _exit(depth == 0 ? 0 : 0);
        }
        global_var = depth + 1;
    }
    _exit(0);
}
