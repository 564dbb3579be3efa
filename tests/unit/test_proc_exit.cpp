// exit / exit_group, teardown order, the ledger, reparenting, notification.
#include <gtest/gtest.h>

#include <algorithm>

#include "proc_fake_host.h"

namespace charon::proc {
using test::Harness;
using test::WaitOutcome;

namespace {
int index_of(const std::vector<std::string>& v, const std::string& s) {
    auto it = std::find(v.begin(), v.end(), s);
    return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}
} // namespace

TEST(Exit, StatusIsCodeTruncatedToEightBitsShiftedLeft) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.table.exit(*c, 0x1234);
    auto o = h.wait4(*h.init, -1, 0);
    EXPECT_EQ(o.status, 0x3400);
    EXPECT_EQ(o.info.si_code, CLD_EXITED);
    EXPECT_EQ(o.info.f.chld.status, 0x34);
}

TEST(Exit, ZeroAndNonZeroCodes) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    pid_t apid = a->tid(), bpid = b->tid();
    h.table.exit(*a, 0);
    h.table.exit(*b, 3);
    EXPECT_EQ(h.wait4(*h.init, apid, 0).status, 0);
    EXPECT_EQ(h.wait4(*h.init, bpid, 0).status, 3 << 8);
}

TEST(Exit, TeardownFollowsTheDocumentedOrder) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    h.host.order.clear();
    h.table.exit(*t, 0); // a thread with CLEARTID, TLS; the mm is shared: clear_child_tid happens
    const auto& o = h.host.order;
    ASSERT_EQ(o.size(), 4u);
    EXPECT_EQ(o[0], "clear_child_tid");
    EXPECT_EQ(o[1], "leave_address_space");
    EXPECT_EQ(o[2], "release_tls");
    EXPECT_EQ(o[3], "release_kernel_stack");
    EXPECT_TRUE(h.host.errors.empty());
    h.host.order.clear();
    h.table.exit(*p, 0); // last thread: address space and file table freed
    EXPECT_LT(index_of(o, "leave_address_space"), index_of(o, "free_address_space"));
    EXPECT_LT(index_of(o, "free_address_space"), index_of(o, "free_file_table"));
    EXPECT_LT(index_of(o, "free_file_table"), index_of(o, "release_kernel_stack"));
    EXPECT_TRUE(h.host.errors.empty()) << h.host.errors[0];
}

TEST(Exit, ClearChildTidOnlyWhileTheAddressSpaceHasOtherUsers) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    pid_t ttid = t->tid();
    h.table.exit(*t, 0);
    ASSERT_EQ(h.host.cleared_tids.size(), 1u);
    EXPECT_EQ(h.host.cleared_tids[0].first, ttid);
    // A single-threaded process with CLEARTID set: nobody could observe it.
    Thread* q = h.fork(*h.init, SIGCHLD | CLONE_CHILD_CLEARTID);
    h.table.exit(*q, 0);
    EXPECT_EQ(h.host.cleared_tids.size(), 1u);
}

TEST(Exit, NeverFreesTheAddressSpaceInCr3) {
    Harness h;
    Thread* c = h.fork(*h.init);
    uint64_t mm = c->address_space();
    h.table.exit(*c, 0);
    EXPECT_EQ(h.host.release_count(mm), 1);
    EXPECT_TRUE(h.host.errors.empty());
}

TEST(Exit, SharedAddressSpaceFreedByTheLastUserOnly) {
    Harness h;
    Thread* parent = h.fork(*h.init);
    uint64_t mm = parent->address_space();
    Thread* vm_child = h.fork(*parent, SIGCHLD | CLONE_VM);
    EXPECT_EQ(vm_child->address_space(), mm);
    h.table.exit(*parent, 0);
    EXPECT_EQ(h.host.release_count(mm), 0);
    h.table.exit(*vm_child, 0);
    EXPECT_EQ(h.host.release_count(mm), 1);
}

TEST(Exit, EveryLedgerEntryReleasedExactlyOnceByReap) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t1 = h.spawn_thread(*p);
    Thread* t2 = h.spawn_thread(*p);
    uint64_t stacks[3] = {p->kernel_stack(), t1->kernel_stack(), t2->kernel_stack()};
    uint64_t tls[2] = {t1->tls(), t2->tls()};
    uint64_t files = p->process().file_table();
    uint64_t mm = p->address_space();
    const Ledger& ledger = p->process().ledger();
    EXPECT_EQ(ledger.acquired(Resource::KernelStack), 3u);
    EXPECT_EQ(ledger.acquired(Resource::Pid), 3u);
    h.table.exit(*t1, 0);
    EXPECT_EQ(ledger.held(Resource::KernelStack), 2u);
    h.table.exit_group(*t2, 1);
    // The leader dies at its next return to user mode.
    EXPECT_EQ(h.return_to_user(*p).kind, SignalDecision::Kind::Exit);
    EXPECT_EQ(ledger.held(Resource::KernelStack), 0u);
    EXPECT_EQ(ledger.held(Resource::Pid), 1u); // the zombie's pid
    EXPECT_EQ(ledger.held(Resource::SigHandRef), 1u);
    for (uint64_t s : stacks)
        EXPECT_EQ(h.host.release_count(s), 1);
    for (uint64_t s : tls)
        EXPECT_EQ(h.host.release_count(s), 1);
    EXPECT_EQ(h.host.release_count(files), 1);
    EXPECT_EQ(h.host.release_count(mm), 1);
    EXPECT_GT(h.wait4(*h.init, -1, 0).ret, 0); // reap VERIFYs the ledger balanced
    EXPECT_TRUE(h.host.errors.empty());
}

TEST(Exit, ExitOfOneThreadLeavesTheProcessRunning) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    h.table.exit(*t, 7);
    EXPECT_EQ(p->process().live_threads(), 1);
    EXPECT_FALSE(p->process().is_zombie());
    EXPECT_EQ(h.wait4(*h.init, -1, WNOHANG).ret, 0);
}

TEST(Exit, ExitGroupKillsEveryOtherThread) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t1 = h.spawn_thread(*p);
    Thread* t2 = h.spawn_thread(*p);
    h.host.wakes.clear();
    h.table.exit_group(*t1, 5);
    EXPECT_TRUE(p->kill_pending());
    EXPECT_TRUE(t2->kill_pending());
    EXPECT_EQ(h.host.wakes.size(), 2u);
    EXPECT_TRUE(h.host.wakes[0].fatal);
    EXPECT_EQ(h.return_to_user(*t2).kind, SignalDecision::Kind::Exit);
    EXPECT_EQ(h.wait4(*h.init, -1, WNOHANG).ret, 0); // leader still running
    EXPECT_EQ(h.return_to_user(*p).kind, SignalDecision::Kind::Exit);
    auto o = h.wait4(*h.init, -1, 0);
    EXPECT_EQ(o.status, 5 << 8);
}

TEST(Exit, FirstGroupExitWins) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    h.table.exit_group(*t, 1);
    h.table.exit_group(*p, 2); // the leader also calls exit_group: code 1 stands
    EXPECT_EQ(h.wait4(*h.init, -1, 0).status, 1 << 8);
}

TEST(Exit, LeaderReportedOnlyAfterAllThreadsAreGone) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    pid_t pid = p->tid();
    h.table.exit(*p, 9); // the leader alone
    EXPECT_EQ(h.wait4(*h.init, pid, WNOHANG).ret, 0);
    EXPECT_NE(h.table.find_process(pid), nullptr);
    EXPECT_EQ(h.table.find_thread(pid)->life(), Thread::Life::Dead);
    h.table.exit(*t, 4);
    // Linux 6.x (synchronize_group_exit): without a group exit, the last
    // thread to exit gives the process its status, not the leader (checked
    // on the host: leader exit(9), last thread exit(4) -> status 0x400).
    auto o = h.wait4(*h.init, pid, WNOHANG);
    EXPECT_EQ(o.ret, pid);
    EXPECT_EQ(o.status, 4 << 8);
}

TEST(Exit, NonLeaderThreadsReapThemselvesAndFreeTheirTid) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    pid_t tid = t->tid();
    h.table.exit(*t, 0);
    EXPECT_EQ(h.table.find_thread(tid), nullptr);
    EXPECT_EQ(p->process().thread_count(), 1);
}

TEST(Exit, FatalSignalIsAGroupExitWithTheSignalStatus) {
    Harness h;
    Thread* c = h.fork(*h.init);
    Thread* t = h.spawn_thread(*c);
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGTERM).is_error());
    EXPECT_EQ(h.return_to_user(*t).kind, SignalDecision::Kind::Exit);
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::Exit);
    auto o = h.wait4(*h.init, -1, 0);
    EXPECT_EQ(o.status, SIGTERM);
    EXPECT_EQ(o.info.si_code, CLD_KILLED);
    EXPECT_EQ(o.info.f.chld.status, SIGTERM);
    EXPECT_NE(h.host.last_event(ProcEvent::Kind::SignalDeath), nullptr);
}

TEST(Exit, CoreDumpSignalSetsTheCoreBit) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.table.force_fault_signal(*c, SIGSEGV, 1, 0xdead);
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::Exit);
    auto o = h.wait4(*h.init, -1, 0);
    EXPECT_EQ(o.status, SIGSEGV | 0x80);
    EXPECT_EQ(o.info.si_code, CLD_DUMPED);
}

TEST(Exit, FilesAreClosedBeforeTheParentIsNotified) {
    Harness h;
    Thread* c = h.fork(*h.init);
    uint64_t files = c->process().file_table();
    h.table.exit(*c, 0);
    // By the time the zombie is visible, the table is gone.
    EXPECT_EQ(h.host.release_count(files), 1);
    const auto& o = h.host.order;
    ASSERT_GE(index_of(o, "event:exit"), 0);
    EXPECT_LT(index_of(o, "free_file_table"), index_of(o, "event:exit"));
}

TEST(Exit, TimersStoppedWhenTheGroupDies) {
    Harness h;
    Thread* c = h.fork(*h.init);
    CloneArgs args;
    auto r = h.try_clone(*c, SIGCHLD, &args);
    ASSERT_FALSE(r.is_error());
    // give the grandchild timers through a direct clone
    CloneArgs with_timers;
    with_timers.flags = SIGCHLD;
    with_timers.kernel_stack = h.handle();
    with_timers.address_space = h.handle();
    with_timers.file_table = h.handle();
    with_timers.timers = h.handle();
    auto g = h.table.clone(*c, with_timers);
    ASSERT_FALSE(g.is_error());
    h.host.cr3[g.value()->tid()] = with_timers.address_space;
    Thread* gt = h.spawn_thread(*g.value());
    h.table.exit(*g.value(), 0);
    EXPECT_EQ(h.host.release_count(with_timers.timers), 0); // a thread still lives
    h.table.exit(*gt, 0);
    EXPECT_EQ(h.host.release_count(with_timers.timers), 1);
}

TEST(Exit, VforkParentReleasedWhenChildExits) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p, SIGCHLD | CLONE_VM | CLONE_VFORK);
    SleepDecision d = h.table.vfork_wait(*p);
    EXPECT_FALSE(d.done);
    uint64_t gen = d.queue->generation();
    h.table.exit(*c, 0);
    EXPECT_NE(d.queue->generation(), gen); // woken
    EXPECT_TRUE(h.table.vfork_wait(*p).done);
}

TEST(Exit, VforkParentReleasedWhenChildDiesOfASignal) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p, SIGCHLD | CLONE_VM | CLONE_VFORK);
    ASSERT_FALSE(h.table.kill(*p, c->tid(), SIGKILL).is_error());
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::Exit);
    EXPECT_TRUE(h.table.vfork_wait(*p).done);
    EXPECT_EQ(h.wait4(*p, -1, 0).status, SIGKILL);
}

TEST(Exit, VforkParentReleasedAtExecve) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p, SIGCHLD | CLONE_VM | CLONE_VFORK);
    EXPECT_FALSE(h.table.vfork_wait(*p).done);
    ASSERT_TRUE(h.table.exec_prepare(*c).value().done);
    h.host.cr3[c->tid()] = 0xabc000;
    ASSERT_FALSE(h.table.exec_commit(*c, 0xabc000).is_error());
    EXPECT_TRUE(h.table.vfork_wait(*p).done);
    // The child's later exit does not concern the parent's vfork any more.
    h.table.exit(*c, 0);
    EXPECT_TRUE(h.table.vfork_wait(*p).done);
}

TEST(Exit, KilledVforkParentStopsWaiting) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p, SIGCHLD | CLONE_VM | CLONE_VFORK);
    ASSERT_FALSE(h.table.kill(*h.init, p->tid(), SIGKILL).is_error());
    EXPECT_TRUE(h.table.vfork_wait(*p).done);
    EXPECT_EQ(h.return_to_user(*p).kind, SignalDecision::Kind::Exit);
    h.table.exit(*c, 0); // must not touch the dead parent
    EXPECT_TRUE(h.host.errors.empty());
}

// --- reparenting -------------------------------------------------------------------

TEST(Reparent, OrphansGoToInit) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    h.table.exit(*p, 0);
    EXPECT_EQ(c->process().ppid(), 1);
}

TEST(Reparent, ToALiveThreadOfTheSameProcessFirst) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    Thread* c = h.fork(*p);
    h.table.exit(*p, 0); // the leader thread exits; t still runs
    EXPECT_EQ(c->process().parent_thread(), t);
    EXPECT_EQ(c->process().ppid(), p->tid());
}

TEST(Reparent, ToTheNearestLiveSubreaper) {
    Harness h;
    Thread* top = h.fork(*h.init);
    h.table.set_child_subreaper(*top, true);
    Thread* mid = h.fork(*top);
    h.table.set_child_subreaper(*mid, true);
    Thread* p = h.fork(*mid);
    Thread* c = h.fork(*p);
    h.table.exit(*p, 0);
    EXPECT_EQ(c->process().ppid(), mid->tid());
    // mid dies: its children (c, and the zombie p) go to top.
    h.table.exit(*mid, 0);
    EXPECT_EQ(c->process().ppid(), top->tid());
}

TEST(Reparent, SubreaperBitIsNotInheritedButApplies) {
    Harness h;
    Thread* sub = h.fork(*h.init);
    h.table.set_child_subreaper(*sub, true);
    Thread* a = h.fork(*sub);
    EXPECT_FALSE(a->process().is_subreaper());
    Thread* b = h.fork(*a);
    h.table.exit(*a, 0);
    EXPECT_EQ(b->process().ppid(), sub->tid());
}

TEST(Reparent, ZombieChildrenAreNotifiedToTheNewParent) {
    Harness h;
    Thread* sub = h.fork(*h.init);
    h.table.set_child_subreaper(*sub, true);
    Thread* p = h.fork(*sub);
    Thread* c = h.fork(*p);
    h.set_handler(*sub, SIGCHLD, 0x3000); // a handled SIGCHLD is queued
    pid_t cpid = c->tid();
    h.table.exit(*c, 42); // zombie of p
    h.table.exit(*p, 0);
    EXPECT_TRUE(sub->process().shared_pending().contains(SIGCHLD));
    auto o = h.wait4(*sub, cpid, WNOHANG);
    EXPECT_EQ(o.ret, cpid);
    EXPECT_EQ(o.status, 42 << 8);
}

TEST(Reparent, ZombieReparentedToIgnoringParentIsReapedAtOnce) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    h.set_handler(*h.init, SIGCHLD, SIG_IGN); // after the forks: p keeps SIG_DFL
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_NE(h.table.find_process(cpid), nullptr);
    h.table.exit(*p, 0); // p is reaped automatically too (init ignores SIGCHLD)
    EXPECT_EQ(h.table.find_process(cpid), nullptr);
    EXPECT_EQ(h.table.process_count(), 1);
}

TEST(Reparent, ExitSignalRevertsToSigchld) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p, SIGUSR1);
    EXPECT_EQ(c->process().exit_signal(), SIGUSR1);
    h.table.exit(*p, 0);
    EXPECT_EQ(c->process().exit_signal(), SIGCHLD);
}

TEST(Reparent, PdeathsigFiresWhenTheParentThreadDies) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    Thread* c = h.fork(*t);
    h.set_handler(*c, SIGUSR1, 0x4000);
    ASSERT_FALSE(h.table.set_pdeath_signal(*c, SIGUSR1).is_error());
    h.table.exit(*t, 0); // the parent *thread* dies, the process lives on
    EXPECT_TRUE(c->process().shared_pending().contains(SIGUSR1));
    EXPECT_EQ(c->process().parent_thread(), p);
}

TEST(Notify, WaitersWokenEvenWhenTheChildIsReapedAutomatically) {
    Harness h;
    Thread* p = h.fork(*h.init);
    h.set_handler(*p, SIGCHLD, SIG_IGN);
    Thread* c = h.fork(*p);
    auto sleeping = h.table.wait(*p, ProcessTable::wait4_request(-1, 0).value());
    ASSERT_EQ(sleeping.kind, WaitDecision::Kind::Sleep);
    h.table.exit(*c, 0);
    // The kernel would not sleep (generation moved) and would call again: ECHILD.
    EXPECT_NE(sleeping.queue->generation(), sleeping.generation);
    EXPECT_EQ(h.wait4(*p, -1, 0).ret, -ECHILD);
    EXPECT_TRUE(p->process().shared_pending().is_empty()); // SIG_IGN sends nothing
}

TEST(Notify, NocldwaitReapsAutomaticallyButStillSignals) {
    Harness h;
    Thread* p = h.fork(*h.init);
    h.set_handler(*p, SIGCHLD, 0x5000, SA_NOCLDWAIT);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_EQ(h.table.find_process(cpid), nullptr);
    EXPECT_TRUE(p->process().shared_pending().contains(SIGCHLD));
    EXPECT_EQ(h.wait4(*p, -1, WNOHANG).ret, -ECHILD);
}

TEST(Notify, ChangingDispositionLaterDoesNotReapExistingZombies) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    h.set_handler(*p, SIGCHLD, SIG_IGN);
    EXPECT_NE(h.table.find_process(cpid), nullptr);
    EXPECT_EQ(h.wait4(*p, -1, 0).ret, cpid);
}

TEST(Notify, CustomExitSignalFromCloneIsSentAndNotAutoReaped) {
    Harness h;
    Thread* p = h.fork(*h.init);
    h.set_handler(*p, SIGCHLD, SIG_IGN);
    h.set_handler(*p, SIGUSR1, 0x5000);
    Thread* c = h.fork(*p, SIGUSR1);
    pid_t cpid = c->tid();
    h.table.exit(*c, 3);
    EXPECT_TRUE(p->process().shared_pending().contains(SIGUSR1));
    EXPECT_NE(h.table.find_process(cpid), nullptr); // only SIGCHLD children auto-reap
    EXPECT_EQ(h.wait4(*p, -1, __WCLONE).ret, cpid);
}

TEST(Notify, ExitSignalZeroSendsNothing) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p, 0);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_TRUE(p->process().shared_pending().is_empty());
    EXPECT_EQ(h.wait4(*p, -1, __WALL).ret, cpid);
}

TEST(Notify, SigchldSiginfoDescribesTheChild) {
    Harness h;
    Thread* p = h.fork(*h.init);
    h.set_handler(*p, SIGCHLD, 0x5000, SA_SIGINFO);
    Thread* c = h.fork(*p);
    pid_t cpid = c->tid();
    h.table.exit(*c, 17);
    SignalDecision d = h.return_to_user(*p);
    ASSERT_EQ(d.kind, SignalDecision::Kind::Handler);
    EXPECT_EQ(d.signo, SIGCHLD);
    EXPECT_EQ(d.info.si_code, CLD_EXITED);
    EXPECT_EQ(d.info.f.chld.pid, cpid);
    EXPECT_EQ(d.info.f.chld.status, 17);
}

// --- orphaned process groups ------------------------------------------------------

TEST(OrphanedGroup, StoppedMemberGetsHupAndContWhenGroupBecomesOrphaned) {
    Harness h;
    Thread* shell = h.fork(*h.init);
    ASSERT_FALSE(h.table.setsid(*shell).is_error());
    Thread* job = h.fork(*shell);
    ASSERT_FALSE(h.table.setpgid(*job, 0, 0).is_error());
    Thread* member = h.fork(*job); // same group as job, parent job
    EXPECT_FALSE(h.table.find_group(job->tid())->is_orphaned()); // job's parent (shell) links it
    h.set_handler(*member, SIGHUP, 0x1000);
    ASSERT_FALSE(h.table.kill(*shell, member->tid(), SIGSTOP).is_error());
    EXPECT_EQ(h.return_to_user(*member).kind, SignalDecision::Kind::Stop);
    EXPECT_TRUE(member->process().is_stopped());
    h.table.exit(*shell, 0); // job's group loses its link outside
    EXPECT_TRUE(h.table.find_group(job->tid())->is_orphaned());
    EXPECT_FALSE(member->process().is_stopped()); // SIGCONT resumed it
    EXPECT_TRUE(member->process().shared_pending().contains(SIGHUP));
}

TEST(OrphanedGroup, NoSignalsWithoutAStoppedMember) {
    Harness h;
    Thread* shell = h.fork(*h.init);
    ASSERT_FALSE(h.table.setsid(*shell).is_error());
    Thread* job = h.fork(*shell);
    ASSERT_FALSE(h.table.setpgid(*job, 0, 0).is_error());
    h.set_handler(*job, SIGHUP, 0x1000);
    h.table.exit(*shell, 0);
    EXPECT_TRUE(h.table.find_group(job->tid())->is_orphaned());
    EXPECT_FALSE(job->process().shared_pending().contains(SIGHUP));
}

TEST(OrphanedGroup, ExitingMemberThatWasTheLastLinkOrphansItsGroup) {
    Harness h;
    Thread* shell = h.fork(*h.init);
    ASSERT_FALSE(h.table.setsid(*shell).is_error());
    Thread* job = h.fork(*shell);
    ASSERT_FALSE(h.table.setpgid(*job, 0, 0).is_error());
    Thread* child = h.fork(*job); // same group as job
    h.set_handler(*child, SIGHUP, 0x1000);
    ASSERT_FALSE(h.table.kill(*job, child->tid(), SIGSTOP).is_error());
    EXPECT_EQ(h.return_to_user(*child).kind, SignalDecision::Kind::Stop);
    // job (parent in shell's group) is the only link; it exits.
    h.table.exit(*job, 0);
    EXPECT_TRUE(child->process().shared_pending().contains(SIGHUP));
    EXPECT_FALSE(child->process().is_stopped());
}

TEST(OrphanedGroup, InitIsNotALink) {
    Harness h;
    Thread* a = h.fork(*h.init);
    ASSERT_FALSE(h.table.setpgid(*a, 0, 0).is_error());
    EXPECT_TRUE(h.table.find_group(a->tid())->is_orphaned());
}

TEST(OrphanedGroup, TerminalStopSignalsAreDiscardedInOrphanedGroupButSigstopIsNot) {
    Harness h;
    Thread* a = h.fork(*h.init);
    ASSERT_FALSE(h.table.setpgid(*a, 0, 0).is_error()); // orphaned: parent is init
    ASSERT_FALSE(h.table.kill(*h.init, a->tid(), SIGTSTP).is_error());
    EXPECT_EQ(h.return_to_user(*a).kind, SignalDecision::Kind::None);
    EXPECT_FALSE(a->process().is_stopped());
    ASSERT_FALSE(h.table.kill(*h.init, a->tid(), SIGSTOP).is_error());
    EXPECT_EQ(h.return_to_user(*a).kind, SignalDecision::Kind::Stop);
}

TEST(Events, ExitKillAndReapAreRecorded) {
    Harness h;
    Thread* c = h.fork(*h.init);
    pid_t cpid = c->tid();
    ASSERT_FALSE(h.table.kill(*h.init, cpid, SIGKILL).is_error());
    const ProcEvent* kill = h.host.last_event(ProcEvent::Kind::Kill);
    ASSERT_NE(kill, nullptr);
    EXPECT_EQ(kill->pid, cpid);
    EXPECT_EQ(kill->signo, SIGKILL);
    EXPECT_EQ(kill->sender, 1);
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::Exit);
    const ProcEvent* death = h.host.last_event(ProcEvent::Kind::SignalDeath);
    ASSERT_NE(death, nullptr);
    EXPECT_EQ(death->signo, SIGKILL);
    EXPECT_EQ(death->ppid, 1);
    ASSERT_EQ(h.wait4(*h.init, -1, 0).ret, cpid);
    const ProcEvent* reap = h.host.last_event(ProcEvent::Kind::Reap);
    ASSERT_NE(reap, nullptr);
    EXPECT_EQ(reap->pid, cpid);
    EXPECT_EQ(reap->sender, 1);
    EXPECT_EQ(reap->code, SIGKILL);
}

} // namespace charon::proc
