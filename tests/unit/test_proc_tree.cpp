// Process table, pids, fork/clone, process groups, sessions.
#include <gtest/gtest.h>

#include "proc/alloc.h"
#include "proc_fake_host.h"

// Inside the namespace, our ABI names win over glibc's global enumerators.
namespace charon::proc {
using test::Harness;

TEST(Pid, InitIsPidOneInItsOwnSessionAndGroup) {
    Harness h;
    EXPECT_EQ(h.init->tid(), 1);
    EXPECT_EQ(h.init->process().pgid(), 1);
    EXPECT_EQ(h.init->process().sid(), 1);
    EXPECT_EQ(h.init->process().ppid(), 0);
    EXPECT_EQ(h.table.find_process(1), &h.init->process());
}

TEST(Pid, ForkAllocatesIncreasingPids) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    EXPECT_EQ(a->tid(), 2);
    EXPECT_EQ(b->tid(), 3);
    EXPECT_EQ(a->process().ppid(), 1);
}

TEST(Pid, PidIsFreedAtReapNotAtExit) {
    Harness h({.pid_max = 4, .pid_wrap_floor = 2});
    Thread* a = h.fork(*h.init); // 2
    Thread* b = h.fork(*h.init); // 3
    pid_t apid = a->tid();
    h.table.exit(*a, 0);
    // The zombie still holds pid 2: the table is full.
    EXPECT_EQ(h.try_clone(*h.init, SIGCHLD).error().code(), EAGAIN);
    EXPECT_NE(h.table.find_process(apid), nullptr);
    EXPECT_EQ(h.wait4(*h.init, apid, 0).ret, apid);
    EXPECT_EQ(h.table.find_process(apid), nullptr);
    Thread* c = h.fork(*h.init);
    EXPECT_EQ(c->tid(), apid); // wrapped around and reused
    (void)b;
}

TEST(Pid, ThreadsMaxRefusesEveryCloneUntilAThreadIsReleased) {
    // Linux kernel.threads-max: threads and processes alike, root included;
    // a zombie still counts until it is reaped.
    Harness h({.max_threads = 3});
    Thread* a = h.fork(*h.init);    // 2 threads
    Thread* t = h.spawn_thread(*a); // 3
    EXPECT_EQ(h.try_clone(*h.init, SIGCHLD).error().code(), EAGAIN);
    EXPECT_EQ(h.try_clone(*a, Harness::kThreadFlags).error().code(), EAGAIN);
    h.table.exit(*t, 0); // a thread that is not the leader goes at once
    Thread* b = h.fork(*h.init);
    pid_t bpid = b->tid();
    h.table.exit(*b, 0);
    EXPECT_EQ(h.try_clone(*h.init, SIGCHLD).error().code(), EAGAIN); // the zombie counts
    EXPECT_EQ(h.wait4(*h.init, bpid, 0).ret, bpid);
    EXPECT_NE(h.fork(*h.init), nullptr);
}

TEST(Pid, WrapAroundRestartsAtTheFloor) {
    Harness h({.pid_max = 8, .pid_wrap_floor = 4});
    std::vector<Thread*> kids;
    for (int i = 0; i < 6; ++i)
        kids.push_back(h.fork(*h.init)); // 2..7
    EXPECT_EQ(kids.back()->tid(), 7);
    // Free pid 2 and pid 5; after the wrap allocation restarts at the floor
    // (4): 5 is reused, 2 (below the floor) never again (Linux RESERVED_PIDS).
    h.table.exit(*kids[0], 0);
    h.table.exit(*kids[3], 0);
    EXPECT_EQ(h.wait4(*h.init, 2, 0).ret, 2);
    EXPECT_EQ(h.wait4(*h.init, 5, 0).ret, 5);
    EXPECT_EQ(h.fork(*h.init)->tid(), 5);
    EXPECT_EQ(h.try_clone(*h.init, SIGCHLD).error().code(), EAGAIN);
}

TEST(Pid, GroupIdKeepsPidBusyAfterLeaderIsReaped) {
    Harness h({.pid_max = 5, .pid_wrap_floor = 2});
    Thread* leader = h.fork(*h.init); // 2
    ASSERT_FALSE(h.table.setpgid(*leader, 0, 0).is_error());
    Thread* member = h.fork(*leader); // 3, in group 2
    EXPECT_EQ(member->process().pgid(), 2);
    h.table.exit(*leader, 0); // member reparented to init, group 2 lives on
    EXPECT_EQ(h.wait4(*h.init, 2, 0).ret, 2);
    Thread* next = h.fork(*h.init);
    EXPECT_EQ(next->tid(), 4);
    EXPECT_EQ(h.try_clone(*h.init, SIGCHLD).error().code(), EAGAIN); // 2 still a pgid
    EXPECT_NE(h.table.find_group(2), nullptr);
}

TEST(Pid, LookupFindsThreadsByTidAndProcessesByLeaderOnly) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    EXPECT_EQ(h.table.find_thread(t->tid()), t);
    EXPECT_EQ(h.table.find_process(t->tid()), nullptr);
    EXPECT_EQ(h.table.find_process(p->tid()), &p->process());
    EXPECT_EQ(&t->process(), &p->process());
}

TEST(Fork, ChildInheritsGroupSessionCredentialsMaskAndHandlers) {
    Harness h;
    Thread* p = h.fork(*h.init);
    ASSERT_FALSE(h.table.setpgid(*p, 0, 0).is_error());
    SigSet mask = SigSet::of(SIGUSR1);
    ASSERT_FALSE(h.table.sigprocmask(*p, SIG_SETMASK, &mask).is_error());
    h.set_handler(*p, SIGUSR2, 0x1234);
    Thread* c = h.fork(*p);
    EXPECT_EQ(c->process().pgid(), p->tid());
    EXPECT_EQ(c->process().sid(), 1);
    EXPECT_EQ(c->blocked(), mask);
    EXPECT_EQ(c->process().action(SIGUSR2).handler, 0x1234u);
    EXPECT_EQ(c->process().ppid(), p->tid());
    EXPECT_EQ(c->process().exit_signal(), SIGCHLD);
    EXPECT_TRUE(c->pending().is_empty());
}

TEST(Fork, ChildDoesNotInheritSubreaperOrPdeathsig) {
    Harness h;
    Thread* p = h.fork(*h.init);
    h.table.set_child_subreaper(*p, true);
    ASSERT_FALSE(h.table.set_pdeath_signal(*p, SIGTERM).is_error());
    Thread* c = h.fork(*p);
    EXPECT_FALSE(c->process().is_subreaper());
    EXPECT_EQ(c->pdeath_signal(), 0);
}

TEST(Fork, InvalidFlagCombinationsAreEinval) {
    Harness h;
    Thread* p = h.fork(*h.init);
    EXPECT_EQ(h.try_clone(*p, CLONE_THREAD | CLONE_VM).error().code(), EINVAL);   // no SIGHAND
    EXPECT_EQ(h.try_clone(*p, CLONE_SIGHAND).error().code(), EINVAL);            // no VM
    EXPECT_EQ(h.try_clone(*p, 65).error().code(), EINVAL);                       // exit signal
    EXPECT_EQ(h.try_clone(*h.init, CLONE_PARENT | SIGCHLD).error().code(), EINVAL); // init's sibling
}

TEST(Fork, CloneParentMakesASiblingWithTheCallersExitSignal) {
    Harness h;
    Thread* p = h.fork(*h.init, SIGUSR1);
    Thread* c = h.fork(*p, CLONE_PARENT | SIGCHLD);
    EXPECT_EQ(c->process().ppid(), 1);
    EXPECT_EQ(c->process().exit_signal(), SIGUSR1);
}

TEST(Fork, AllocationFailureReturnsEnomemAndLeavesNoTrace) {
    Harness h;
    Thread* p = h.fork(*h.init);
    int before = h.table.process_count();
    for (int fail_at = 0; fail_at < 6; ++fail_at) {
        struct Countdown {
            int n;
        } countdown{fail_at};
        set_alloc_fail_hook([](void* c) { return static_cast<Countdown*>(c)->n-- == 0; }, &countdown);
        auto r = h.try_clone(*p, SIGCHLD);
        set_alloc_fail_hook(nullptr, nullptr);
        if (!r.is_error()) {
            h.table.exit(*r.value(), 0);
            ASSERT_GT(h.wait4(*p, -1, 0).ret, 0);
            continue;
        }
        EXPECT_EQ(r.error().code(), ENOMEM);
        EXPECT_EQ(h.table.process_count(), before);
    }
    // A failed thread clone too.
    set_alloc_fail_hook([](void*) { return true; }, nullptr);
    EXPECT_EQ(h.try_clone(*p, Harness::kThreadFlags).error().code(), ENOMEM);
    set_alloc_fail_hook(nullptr, nullptr);
    EXPECT_EQ(p->process().thread_count(), 1);
    // The pids of the failed attempts were not consumed for good.
    Thread* ok = h.fork(*p);
    EXPECT_NE(ok, nullptr);
}

TEST(Fork, DyingGroupCannotFork) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    ASSERT_FALSE(h.table.kill(*h.init, p->tid(), SIGKILL).is_error());
    EXPECT_EQ(h.try_clone(*t, SIGCHLD).error().code(), ERESTARTNOINTR);
}

// --- process groups and sessions -------------------------------------------------

TEST(Setpgid, ChildMovedIntoNewGroup) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    ASSERT_FALSE(h.table.setpgid(*p, c->tid(), 0).is_error());
    EXPECT_EQ(c->process().pgid(), c->tid());
    auto r = h.table.getpgid(*p, c->tid());
    ASSERT_FALSE(r.is_error());
    EXPECT_EQ(r.value(), c->tid());
}

TEST(Setpgid, NegativePgidIsEinval) {
    Harness h;
    Thread* p = h.fork(*h.init);
    EXPECT_EQ(h.table.setpgid(*p, 0, -1).error().code(), EINVAL);
}

TEST(Setpgid, NonChildIsEsrch) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    EXPECT_EQ(h.table.setpgid(*a, b->tid(), 0).error().code(), ESRCH);
    EXPECT_EQ(h.table.setpgid(*a, 9999, 0).error().code(), ESRCH);
}

TEST(Setpgid, NonLeaderThreadIsEinval) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    EXPECT_EQ(h.table.setpgid(*p, t->tid(), 0).error().code(), EINVAL);
}

TEST(Setpgid, ChildAfterExecveIsEacces) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    auto d = h.table.exec_prepare(*c);
    ASSERT_FALSE(d.is_error());
    ASSERT_TRUE(d.value().done);
    h.host.cr3[c->tid()] = 0xe0e0;
    ASSERT_FALSE(h.table.exec_commit(*c, 0xe0e0).is_error());
    EXPECT_EQ(h.table.setpgid(*p, c->tid(), 0).error().code(), EACCES);
}

TEST(Setpgid, ChildInAnotherSessionIsEperm) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    ASSERT_FALSE(h.table.setsid(*c).is_error());
    EXPECT_EQ(h.table.setpgid(*p, c->tid(), 0).error().code(), EPERM);
}

TEST(Setpgid, SessionLeaderIsEperm) {
    Harness h;
    Thread* p = h.fork(*h.init);
    ASSERT_FALSE(h.table.setsid(*p).is_error());
    EXPECT_EQ(h.table.setpgid(*p, 0, 0).error().code(), EPERM);
}

TEST(Setpgid, GroupInAnotherSessionOrMissingIsEperm) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    ASSERT_FALSE(h.table.setsid(*b).is_error());
    EXPECT_EQ(h.table.setpgid(*a, 0, b->tid()).error().code(), EPERM); // other session
    EXPECT_EQ(h.table.setpgid(*a, 0, 777).error().code(), EPERM);       // no such group
}

TEST(Setpgid, JoinExistingGroupInSameSession) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    ASSERT_FALSE(h.table.setpgid(*a, 0, 0).is_error());
    ASSERT_FALSE(h.table.setpgid(*b, 0, a->tid()).is_error());
    EXPECT_EQ(b->process().pgid(), a->tid());
    EXPECT_EQ(h.table.find_group(a->tid())->members().size_slow(), 2u);
}

TEST(Setsid, CreatesSessionAndGroupNamedAfterCaller) {
    Harness h;
    Thread* p = h.fork(*h.init);
    auto r = h.table.setsid(*p);
    ASSERT_FALSE(r.is_error());
    EXPECT_EQ(r.value(), p->tid());
    EXPECT_EQ(p->process().sid(), p->tid());
    EXPECT_EQ(p->process().pgid(), p->tid());
    EXPECT_TRUE(p->process().is_session_leader());
    EXPECT_EQ(h.table.getsid(*h.init, p->tid()).value(), p->tid());
}

TEST(Setsid, GroupLeaderIsEperm) {
    Harness h;
    Thread* p = h.fork(*h.init);
    ASSERT_FALSE(h.table.setpgid(*p, 0, 0).is_error());
    EXPECT_EQ(h.table.setsid(*p).error().code(), EPERM);
    EXPECT_EQ(h.table.setsid(*h.init).error().code(), EPERM);
}

TEST(Setsid, PidUsedAsSomeoneElsesGroupIsEperm) {
    Harness h;
    Thread* p = h.fork(*h.init);
    ASSERT_FALSE(h.table.setpgid(*p, 0, 0).is_error());
    Thread* c = h.fork(*p);
    ASSERT_FALSE(h.table.setpgid(*c, 0, 0).is_error()); // c leads group c
    Thread* d = h.fork(*c); // d is in group c
    ASSERT_FALSE(h.table.setpgid(*c, 0, p->tid()).is_error()); // c leaves group c, d keeps it
    EXPECT_EQ(d->process().pgid(), c->tid());
    EXPECT_EQ(h.table.setsid(*c).error().code(), EPERM);
}

TEST(Getpgid, UnknownPidIsEsrchAndZeroMeansSelf) {
    Harness h;
    Thread* p = h.fork(*h.init);
    EXPECT_EQ(h.table.getpgid(*p, 4242).error().code(), ESRCH);
    EXPECT_EQ(h.table.getsid(*p, 4242).error().code(), ESRCH);
    EXPECT_EQ(h.table.getpgid(*p, 0).value(), 1);
    EXPECT_EQ(h.table.getsid(*p, 0).value(), 1);
}

} // namespace charon::proc
