// RLIMIT_NPROC: the per-user task count of the lifecycle core (Linux's
// ucounts UCOUNT_RLIMIT_NPROC), charged at clone, released when a task is
// released, moved by a change of real uid; and execve's PF_NPROC_EXCEEDED.
#include <gtest/gtest.h>

#include "proc_fake_host.h"

namespace charon::proc {
using test::Harness;

namespace {
Credentials user(uid_t uid) {
    Credentials c;
    c.uid = c.euid = c.suid = uid;
    return c;
}
} // namespace

TEST(Nproc, ThreadsAndZombiesCountUntilReleased) {
    Harness h;
    Thread* a = h.fork(*h.init);
    ASSERT_FALSE(h.table.set_credentials(a->process(), user(1000)).is_error());
    EXPECT_EQ(h.table.user_tasks(1000), 1);
    h.nproc_limit = 3;
    Thread* t = h.spawn_thread(*a); // a's two threads
    Thread* b = h.fork(*a);         // 3
    EXPECT_EQ(h.table.user_tasks(1000), 3);
    EXPECT_EQ(h.try_clone(*a, SIGCHLD).error().code(), EAGAIN);
    EXPECT_EQ(h.try_clone(*a, Harness::kThreadFlags).error().code(), EAGAIN);
    pid_t bpid = b->tid();
    h.table.exit(*b, 0);
    EXPECT_EQ(h.table.user_tasks(1000), 3); // the zombie counts
    EXPECT_EQ(h.try_clone(*a, SIGCHLD).error().code(), EAGAIN);
    EXPECT_EQ(h.wait4(*a, bpid, 0).ret, bpid);
    EXPECT_EQ(h.table.user_tasks(1000), 2);
    h.table.exit(*t, 0); // a thread that is not the leader is released at once
    EXPECT_EQ(h.table.user_tasks(1000), 1);
    Thread* c = h.fork(*a);
    Thread* d = h.fork(*a);
    EXPECT_EQ(h.table.user_tasks(1000), 3);
    // Root forks past anyone's limit (its own count is separate).
    EXPECT_NE(h.fork(*h.init), nullptr);
    (void)c, (void)d;
}

TEST(Nproc, EffectiveRootIsExempt) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Credentials cred = user(1000);
    cred.euid = 0; // CAP_SYS_RESOURCE
    ASSERT_FALSE(h.table.set_credentials(a->process(), cred).is_error());
    h.nproc_limit = 1;
    EXPECT_NE(h.fork(*a), nullptr);
    EXPECT_EQ(h.table.user_tasks(1000), 2);
}

TEST(Nproc, SetuidMovesTheCountAndTheLastUserForgetsIt) {
    Harness h;
    int root = h.table.user_tasks(0);
    Thread* a = h.fork(*h.init);
    h.spawn_thread(*a);
    EXPECT_EQ(h.table.user_tasks(0), root + 2);
    int accounts = h.table.stats().user_accounts;
    ASSERT_FALSE(h.table.set_credentials(a->process(), user(1000)).is_error());
    EXPECT_EQ(h.table.user_tasks(0), root);
    EXPECT_EQ(h.table.user_tasks(1000), 2);
    EXPECT_EQ(h.table.stats().user_accounts, accounts + 1);
    ASSERT_FALSE(h.table.set_credentials(a->process(), user(0)).is_error());
    EXPECT_EQ(h.table.user_tasks(1000), 0);
    EXPECT_EQ(h.table.stats().user_accounts, accounts);
}

TEST(Nproc, SetuidIntoAUserOverTheLimitFailsTheNextExecve) {
    Harness h;
    std::vector<pid_t> others;
    for (int i = 0; i < 3; ++i) {
        Thread* o = h.fork(*h.init);
        ASSERT_FALSE(h.table.set_credentials(o->process(), user(1000)).is_error());
        others.push_back(o->tid());
    }
    Thread* a = h.fork(*h.init);
    // The setuid itself succeeds (flag_nproc_exceeded): 3 > 2.
    ASSERT_FALSE(h.table.set_credentials(a->process(), user(1000), 2).is_error());
    EXPECT_EQ(h.table.user_tasks(1000), 4);
    EXPECT_EQ(h.table.exec_check_nproc(a->process(), 2).error().code(), EAGAIN);
    auto reap = [&](pid_t pid) {
        ASSERT_FALSE(h.table.kill(*h.init, pid, SIGKILL).is_error());
        h.return_to_user(*h.table.find_thread(pid));
        EXPECT_EQ(h.wait4(*h.init, pid, 0).ret, pid);
    };
    reap(others[0]); // 3 tasks, still over 2: the mark stays
    EXPECT_EQ(h.table.exec_check_nproc(a->process(), 2).error().code(), EAGAIN);
    reap(others[1]); // 2: no longer over; the mark is cleared
    EXPECT_FALSE(h.table.exec_check_nproc(a->process(), 2).is_error());
    EXPECT_FALSE(h.table.exec_check_nproc(a->process(), 1).is_error());
}

TEST(Nproc, SetuidIntoAUserAtTheLimitOrIntoRootLeavesExecveAlone) {
    Harness h;
    Thread* o = h.fork(*h.init);
    ASSERT_FALSE(h.table.set_credentials(o->process(), user(1000)).is_error());
    Thread* a = h.fork(*h.init);
    ASSERT_FALSE(h.table.set_credentials(a->process(), user(1000), 1).is_error()); // 1 is not over 1
    EXPECT_FALSE(h.table.exec_check_nproc(a->process(), 1).is_error());
    Thread* b = h.fork(*h.init);
    ASSERT_FALSE(h.table.set_credentials(b->process(), user(2000)).is_error());
    ASSERT_FALSE(h.table.set_credentials(b->process(), user(0), 0).is_error()); // root: never marked
    EXPECT_FALSE(h.table.exec_check_nproc(b->process(), 0).is_error());
}

} // namespace charon::proc
