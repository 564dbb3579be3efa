// wait4 / waitid: selectors, options, ECHILD versus 0, status words,
// WNOWAIT, rusage at reap, exactly one reaper, the sleep protocol.
#include <gtest/gtest.h>

#include "proc_fake_host.h"

namespace charon::proc {
using test::Harness;
using test::WaitOutcome;

TEST(Wait, NoChildrenIsEchildInEverySelectorMode) {
    Harness h;
    Thread* p = h.fork(*h.init);
    EXPECT_EQ(h.wait4(*p, -1, 0).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*p, 0, 0).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*p, 77, 0).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*p, -1, WNOHANG).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*p, -p->process().pgid(), 0).ret, -ECHILD);
    EXPECT_EQ(h.waitid(*p, P_ALL, 0, WEXITED).ret, -ECHILD);
    EXPECT_EQ(h.waitid(*p, P_PGID, 0, WEXITED).ret, -ECHILD);
    EXPECT_EQ(h.waitid(*p, P_PID, 77, WEXITED).ret, -ECHILD);
}

TEST(Wait, WnohangWithLiveChildReturnsZeroNotEchild) {
    Harness h;
    Thread* p = h.fork(*h.init);
    h.fork(*p);
    EXPECT_EQ(h.wait4(*p, -1, WNOHANG).ret, 0);
    WaitOutcome o = h.waitid(*p, P_ALL, 0, WEXITED | WNOHANG);
    EXPECT_EQ(o.ret, 0);
    EXPECT_EQ(o.info.f.chld.pid, 0); // waitid: si_pid and si_signo zeroed
    EXPECT_EQ(o.info.si_signo, 0);
}

TEST(Wait, BlockingWaitWithLiveChildSleepsOnTheParentQueue) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    auto d = h.table.wait(*p, ProcessTable::wait4_request(-1, 0).value());
    ASSERT_EQ(d.kind, WaitDecision::Kind::Sleep);
    EXPECT_EQ(d.queue, &p->process().child_wait_queue());
    // No lost wake-up: the exit between the decision and the sleep moves
    // the generation, so the kernel does not sleep and asks again.
    h.table.exit(*c, 0);
    EXPECT_NE(d.queue->generation(), d.generation);
    EXPECT_GT(h.wait4(*p, -1, 0).ret, 0);
}

TEST(Wait, ChildThatAlreadyExitedIsReapedAtOnce) {
    Harness h;
    Thread* c = h.fork(*h.init);
    pid_t cpid = c->tid();
    h.table.exit(*c, 1);
    EXPECT_EQ(h.wait4(*h.init, -1, 0).ret, cpid);
    EXPECT_EQ(h.wait4(*h.init, -1, WNOHANG).ret, -ECHILD);
}

TEST(Wait, SeveralChildrenWaitedOutOfOrder) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    Thread* c = h.fork(*h.init);
    pid_t pa = a->tid(), pb = b->tid(), pc = c->tid();
    h.table.exit(*a, 1);
    h.table.exit(*b, 2);
    h.table.exit(*c, 3);
    EXPECT_EQ(h.wait4(*h.init, pc, 0).status, 3 << 8);
    EXPECT_EQ(h.wait4(*h.init, pa, 0).status, 1 << 8);
    EXPECT_EQ(h.wait4(*h.init, pb, 0).status, 2 << 8);
}

TEST(Wait, PidThatIsNotAChildIsEchild) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    Thread* grandchild = h.fork(*b);
    EXPECT_EQ(h.wait4(*a, b->tid(), WNOHANG).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*h.init, grandchild->tid(), WNOHANG).ret, -ECHILD);
}

TEST(Wait, BadOptionBitsAreEinval) {
    Harness h;
    h.fork(*h.init);
    EXPECT_EQ(h.wait4(*h.init, -1, 0x10000).ret, -EINVAL);
    EXPECT_EQ(h.wait4(*h.init, -1, WNOWAIT).ret, -EINVAL); // waitid only
    EXPECT_EQ(h.wait4(*h.init, -1, WEXITED).ret, -EINVAL); // implied, not accepted
    EXPECT_EQ(h.waitid(*h.init, P_ALL, 0, WNOHANG).ret, -EINVAL); // no event class
    EXPECT_EQ(h.waitid(*h.init, P_ALL, 0, WEXITED | 0x10000).ret, -EINVAL);
    EXPECT_EQ(h.waitid(*h.init, 7, 0, WEXITED).ret, -EINVAL);
    EXPECT_EQ(h.waitid(*h.init, P_PID, 0, WEXITED).ret, -EINVAL);
    EXPECT_EQ(h.waitid(*h.init, P_PID, -3, WEXITED).ret, -EINVAL);
    EXPECT_EQ(h.waitid(*h.init, P_PGID, -3, WEXITED).ret, -EINVAL);
}

TEST(Wait, IntMinIsEsrch) {
    Harness h;
    EXPECT_EQ(h.wait4(*h.init, static_cast<pid_t>(0x80000000u), 0).ret, -ESRCH);
}

TEST(Wait, PidZeroMeansTheCallersGroupAtCallTime) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* same = h.fork(*p);
    Thread* other = h.fork(*p);
    ASSERT_FALSE(h.table.setpgid(*p, other->tid(), 0).is_error());
    pid_t spid = same->tid(), opid = other->tid();
    h.table.exit(*other, 0);
    EXPECT_EQ(h.wait4(*p, 0, WNOHANG).ret, 0); // other is not in our group
    h.table.exit(*same, 0);
    EXPECT_EQ(h.wait4(*p, 0, WNOHANG).ret, spid);
    EXPECT_EQ(h.wait4(*p, -opid, WNOHANG).ret, opid);
}

TEST(Wait, WaitidPgidZeroMeansOwnGroup) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_EQ(h.waitid(*p, P_PGID, 0, WEXITED).ret, cpid);
}

TEST(Wait, ZombieThatMovedToAnotherGroupMatchesItsCurrentGroup) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    ASSERT_FALSE(h.table.setpgid(*c, 0, 0).is_error());
    h.table.exit(*c, 0);
    EXPECT_EQ(h.wait4(*p, -cpid, WNOHANG).ret, cpid);
}

TEST(Wait, CloneChildNeedsWcloneOrWall) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p, SIGUSR2);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_EQ(h.wait4(*p, -1, WNOHANG).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*p, cpid, WNOHANG).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*p, -1, __WCLONE | WNOHANG).ret, cpid);
}

TEST(Wait, ForkChildIsNotMatchedByWclone) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_EQ(h.wait4(*p, -1, __WCLONE | WNOHANG).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*p, -1, __WALL | WNOHANG).ret, cpid);
}

TEST(Wait, WallMatchesForkAndCloneChildrenMixed) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* a = h.fork(*p);
    Thread* b = h.fork(*p, 0);
    h.table.exit(*a, 0);
    h.table.exit(*b, 0);
    EXPECT_GT(h.wait4(*p, -1, __WALL).ret, 0);
    EXPECT_GT(h.wait4(*p, -1, __WALL).ret, 0);
    EXPECT_EQ(h.wait4(*p, -1, __WALL).ret, -ECHILD);
}

TEST(Wait, CloneChildWithSigchldIsAnOrdinaryChild) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p, SIGCHLD | CLONE_VM | CLONE_FS);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_EQ(h.wait4(*p, -1, 0).ret, cpid);
}

TEST(Wait, ThreadIsNotWaitable) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    EXPECT_EQ(h.wait4(*p, t->tid(), WNOHANG | __WALL).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*p, -1, WNOHANG | __WALL).ret, -ECHILD);
}

TEST(Wait, SiblingThreadCanWaitForAChildAnotherThreadForked) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    Thread* c = h.fork(*t);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_EQ(h.wait4(*p, -1, __WNOTHREAD | WNOHANG).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*p, cpid, __WNOTHREAD | WNOHANG).ret, -ECHILD);
    EXPECT_EQ(h.wait4(*t, -1, __WNOTHREAD | WNOHANG).ret, cpid);
}

TEST(Wait, SiblingThreadWaitsWithoutWnothread) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    Thread* c = h.fork(*t);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_EQ(h.wait4(*p, -1, 0).ret, cpid);
}

TEST(Wait, KilledChildStatusHasTheSignalAndCoreBit) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    pid_t pa = a->tid(), pb = b->tid();
    ASSERT_FALSE(h.table.kill(*h.init, pa, SIGKILL).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, pb, SIGQUIT).is_error());
    h.return_to_user(*a);
    h.return_to_user(*b);
    auto oa = h.wait4(*h.init, pa, 0);
    EXPECT_EQ(oa.status & 0x7f, SIGKILL); // WIFSIGNALED, WTERMSIG
    EXPECT_EQ(oa.status & 0x80, 0);
    auto ob = h.wait4(*h.init, pb, 0);
    EXPECT_EQ(ob.status, SIGQUIT | 0x80); // WCOREDUMP
}

TEST(Wait, WaitidReportsRawCodeNotTheStatusWord) {
    Harness h;
    Thread* c = h.fork(*h.init);
    pid_t cpid = c->tid();
    h.table.exit(*c, 5);
    auto o = h.waitid(*h.init, P_PID, cpid, WEXITED);
    EXPECT_EQ(o.ret, cpid);
    EXPECT_EQ(o.info.si_signo, SIGCHLD);
    EXPECT_EQ(o.info.si_code, CLD_EXITED);
    EXPECT_EQ(o.info.f.chld.status, 5);
    EXPECT_EQ(o.info.f.chld.pid, cpid);
}

TEST(Wait, WnowaitLeavesTheZombie) {
    Harness h;
    Thread* c = h.fork(*h.init);
    pid_t cpid = c->tid();
    h.table.exit(*c, 6);
    EXPECT_EQ(h.waitid(*h.init, P_ALL, 0, WEXITED | WNOWAIT).ret, cpid);
    EXPECT_EQ(h.waitid(*h.init, P_ALL, 0, WEXITED | WNOWAIT).info.f.chld.status, 6);
    EXPECT_NE(h.table.find_process(cpid), nullptr);
    EXPECT_EQ(h.wait4(*h.init, cpid, 0).status, 6 << 8);
    EXPECT_EQ(h.table.find_process(cpid), nullptr);
}

TEST(Wait, NonConsumingWaitReportsTheGroupExitStatus) {
    Harness h;
    Thread* c = h.fork(*h.init);
    Thread* t = h.spawn_thread(*c);
    pid_t cpid = c->tid();
    h.table.exit_group(*t, 3);
    h.return_to_user(*c);
    auto o = h.waitid(*h.init, P_PID, cpid, WEXITED | WNOWAIT);
    EXPECT_EQ(o.info.f.chld.status, 3);
}

TEST(Wait, ZombieKilledAgainKeepsItsStatus) {
    Harness h;
    Thread* c = h.fork(*h.init);
    pid_t cpid = c->tid();
    h.table.exit(*c, 9);
    EXPECT_FALSE(h.table.kill(*h.init, cpid, SIGKILL).is_error()); // succeeds, changes nothing
    EXPECT_EQ(h.wait4(*h.init, cpid, 0).status, 9 << 8);
}

TEST(Wait, OnlyOneWaiterReapsAZombie) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_EQ(h.wait4(*p, cpid, WNOHANG).ret, cpid);
    EXPECT_EQ(h.wait4(*t, cpid, WNOHANG).ret, -ECHILD);
    EXPECT_EQ(h.host.count_events(ProcEvent::Kind::Reap), 1u);
}

TEST(Wait, StoppedChildReportedWithWuntracedOnce) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    ASSERT_FALSE(h.table.kill(*p, cpid, SIGTSTP).is_error());
    // c's group (init's) is orphaned, so use SIGSTOP for a stop that sticks.
    h.return_to_user(*c);
    ASSERT_FALSE(h.table.kill(*p, cpid, SIGSTOP).is_error());
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::Stop);
    EXPECT_EQ(h.wait4(*p, -1, WNOHANG).ret, 0); // stops need WUNTRACED
    auto o = h.wait4(*p, -1, WUNTRACED | WNOHANG);
    EXPECT_EQ(o.ret, cpid);
    EXPECT_EQ(o.status, (SIGSTOP << 8) | 0x7f);
    EXPECT_EQ(h.wait4(*p, -1, WUNTRACED | WNOHANG).ret, 0); // consumed
}

TEST(Wait, WaitidStoppedWithWnowaitDoesNotConsume) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    ASSERT_FALSE(h.table.kill(*p, cpid, SIGSTOP).is_error());
    h.return_to_user(*c);
    auto o = h.waitid(*p, P_PID, cpid, WSTOPPED | WNOWAIT | WNOHANG);
    EXPECT_EQ(o.ret, cpid);
    EXPECT_EQ(o.info.si_code, CLD_STOPPED);
    EXPECT_EQ(o.info.f.chld.status, SIGSTOP);
    EXPECT_EQ(h.waitid(*p, P_PID, cpid, WSTOPPED | WNOHANG).ret, cpid);
    EXPECT_EQ(h.waitid(*p, P_PID, cpid, WSTOPPED | WNOHANG).ret, 0);
}

TEST(Wait, ContinuedChildReportedWithWcontinued) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    ASSERT_FALSE(h.table.kill(*p, cpid, SIGSTOP).is_error());
    h.return_to_user(*c);
    ASSERT_FALSE(h.table.kill(*p, cpid, SIGCONT).is_error());
    EXPECT_EQ(h.wait4(*p, -1, WUNTRACED | WNOHANG).ret, 0); // no longer stopped
    auto o = h.wait4(*p, -1, WCONTINUED | WNOHANG);
    EXPECT_EQ(o.ret, cpid);
    EXPECT_EQ(o.status, 0xffff);
    auto again = h.waitid(*p, P_ALL, 0, WCONTINUED | WNOHANG);
    EXPECT_EQ(again.ret, 0);
}

TEST(Wait, WaitidContinuedReportsSigcont) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    ASSERT_FALSE(h.table.kill(*p, c->tid(), SIGSTOP).is_error());
    h.return_to_user(*c);
    ASSERT_FALSE(h.table.kill(*p, c->tid(), SIGCONT).is_error());
    auto o = h.waitid(*p, P_ALL, 0, WCONTINUED);
    EXPECT_EQ(o.info.si_code, CLD_CONTINUED);
    EXPECT_EQ(o.info.f.chld.status, SIGCONT);
}

TEST(Wait, ZombieWithOnlyWstoppedIsEchild) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.table.exit(*c, 0);
    EXPECT_EQ(h.waitid(*h.init, P_ALL, 0, WSTOPPED | WNOHANG).ret, -ECHILD);
}

TEST(Wait, RusageAddedToChildrenOnlyAtReap) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    h.table.account_cpu(*c, 2'000'000'000ull, 500'000ull);
    h.table.note_rss(c->process(), 1234);
    h.table.exit(*c, 0);
    EXPECT_EQ(h.table.getrusage(*p, RUSAGE_CHILDREN).value().ru_utime.tv_sec, 0); // zombie: not yet
    auto o = h.wait4(*p, cpid, 0);
    EXPECT_EQ(o.rusage.ru_utime.tv_sec, 2);
    EXPECT_EQ(o.rusage.ru_stime.tv_usec, 500);
    EXPECT_EQ(o.rusage.ru_maxrss, 1234);
    RUsage children = h.table.getrusage(*p, RUSAGE_CHILDREN).value();
    EXPECT_EQ(children.ru_utime.tv_sec, 2);
    EXPECT_EQ(children.ru_maxrss, 1234);
}

TEST(Wait, RusageOfGrandchildrenFlowsUpThroughReaps) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    Thread* g = h.fork(*c);
    h.table.account_cpu(*g, 3'000'000'000ull, 0);
    h.table.exit(*g, 0);
    ASSERT_GT(h.wait4(*c, -1, 0).ret, 0);
    h.table.exit(*c, 0);
    ASSERT_GT(h.wait4(*p, -1, 0).ret, 0);
    EXPECT_EQ(h.table.getrusage(*p, RUSAGE_CHILDREN).value().ru_utime.tv_sec, 3);
}

TEST(Wait, AutoReapedChildDoesNotCountInRusageChildren) {
    Harness h;
    Thread* p = h.fork(*h.init);
    h.set_handler(*p, SIGCHLD, SIG_IGN);
    Thread* c = h.fork(*p);
    h.table.account_cpu(*c, 4'000'000'000ull, 0);
    h.table.exit(*c, 0);
    EXPECT_EQ(h.table.getrusage(*p, RUSAGE_CHILDREN).value().ru_utime.tv_sec, 0);
}

TEST(Wait, WnowaitDoesNotAddRusage) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    h.table.account_cpu(*c, 1'000'000'000ull, 0);
    h.table.exit(*c, 0);
    ASSERT_GT(h.waitid(*p, P_ALL, 0, WEXITED | WNOWAIT).ret, 0);
    EXPECT_EQ(h.table.getrusage(*p, RUSAGE_CHILDREN).value().ru_utime.tv_sec, 0);
}

TEST(Wait, ChildThatCalledExecveIsStillWaitable) {
    Harness h;
    Thread* c = h.fork(*h.init);
    pid_t cpid = c->tid();
    ASSERT_TRUE(h.table.exec_prepare(*c).value().done);
    h.host.cr3[cpid] = 0x9000;
    ASSERT_FALSE(h.table.exec_commit(*c, 0x9000).is_error());
    h.table.exit(*c, 2);
    EXPECT_EQ(h.wait4(*h.init, cpid, 0).status, 2 << 8);
}

TEST(Getrusage, SelfThreadAndBadWho) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    h.table.account_cpu(*p, 1'000'000'000ull, 0);
    h.table.account_cpu(*t, 2'000'000'000ull, 0);
    h.table.account_context_switch(*t, true);
    h.table.account_page_fault(*t, false);
    EXPECT_EQ(h.table.getrusage(*p, RUSAGE_SELF).value().ru_utime.tv_sec, 3);
    EXPECT_EQ(h.table.getrusage(*t, RUSAGE_THREAD).value().ru_utime.tv_sec, 2);
    h.table.exit(*t, 0); // a dead thread's time stays with the process
    RUsage self = h.table.getrusage(*p, RUSAGE_SELF).value();
    EXPECT_EQ(self.ru_utime.tv_sec, 3);
    EXPECT_EQ(self.ru_nvcsw, 1);
    EXPECT_EQ(self.ru_minflt, 1);
    EXPECT_EQ(h.table.getrusage(*p, 5).error().code(), EINVAL);
}

} // namespace charon::proc
