/* Robust futexes: set_robust_list/get_robust_list, and what the kernel does
 * to a dying thread's list: a lock it still holds becomes FUTEX_OWNER_DIED
 * (the waiters bit kept, the tid cleared), a lock held by someone else and
 * an unowned pending one are left alone. */
#include <stddef.h>

#include "t.h"

#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u

struct robust_list {
    struct robust_list *next;
};
struct robust_list_head {
    struct robust_list list;
    long futex_offset;
    struct robust_list *list_op_pending;
};

/* A lock as glibc lays it out: the list link, then the futex word. */
struct lock {
    struct robust_list link;
    unsigned word;
};

static struct robust_list_head head;
static struct lock held, foreign, pending;

static int thread_fn(void *arg)
{
    (void)arg;
    unsigned tid = (unsigned)sys_gettid();
    held.word = tid | FUTEX_WAITERS;
    foreign.word = 1; /* someone else's */
    pending.word = 0;
    head.futex_offset = (long)offsetof(struct lock, word);
    head.list.next = &held.link;
    held.link.next = &foreign.link;
    foreign.link.next = &head.list;
    head.list_op_pending = &pending.link;
    CHECK_EQ(syscall(SYS_set_robust_list, &head, sizeof head), 0);
    struct robust_list_head *got = NULL;
    size_t len = 0;
    CHECK_EQ(syscall(SYS_get_robust_list, 0, &got, &len), 0);
    CHECK(got == &head);
    CHECK_EQ(len, sizeof head);
    return 0; /* SYS_exit: the kernel walks the list */
}

int main(void)
{
    /* The length must be exactly the head's size. */
    struct robust_list_head mine = {{&mine.list}, 0, NULL};
    CHECK_ERR(syscall(SYS_set_robust_list, &mine, sizeof mine - 1), EINVAL);
    CHECK_EQ(syscall(SYS_set_robust_list, &mine, sizeof mine), 0);
    CHECK_ERR(syscall(SYS_get_robust_list, 0, BAD_PTR_LOW, BAD_PTR_LOW), EFAULT);
    CHECK_ERR(syscall(SYS_get_robust_list, 0x7ffffff0, NULL, NULL), ESRCH);

    struct t_thread t;
    t_thread_start(&t, thread_fn, NULL);
    t_thread_join(&t);
    CHECK_EQ(held.word, FUTEX_WAITERS | FUTEX_OWNER_DIED);
    CHECK_EQ(foreign.word, 1u);
    CHECK_EQ(pending.word, 0u);
    return 0;
}
