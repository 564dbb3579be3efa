// Signals: generation, merging and queueing, dispositions, masks, delivery
// order, group stop, SIGCONT/SIGKILL side effects, init, kill targets and
// permissions, execve's reset.
#include <gtest/gtest.h>

#include "proc_fake_host.h"

namespace charon::proc {
using test::Harness;

namespace {
Credentials user(uid_t uid) {
    Credentials c;
    c.uid = c.euid = c.suid = uid;
    c.gid = c.egid = c.sgid = uid;
    return c;
}
} // namespace

TEST(SigSetClass, DefaultActionTable) {
    EXPECT_EQ(default_action(SIGTERM), DefaultAction::Terminate);
    EXPECT_EQ(default_action(SIGKILL), DefaultAction::Terminate);
    EXPECT_EQ(default_action(SIGSEGV), DefaultAction::CoreDump);
    EXPECT_EQ(default_action(SIGQUIT), DefaultAction::CoreDump);
    EXPECT_EQ(default_action(SIGSYS), DefaultAction::CoreDump);
    EXPECT_EQ(default_action(SIGTSTP), DefaultAction::Stop);
    EXPECT_EQ(default_action(SIGCHLD), DefaultAction::Ignore);
    EXPECT_EQ(default_action(SIGWINCH), DefaultAction::Ignore);
    EXPECT_EQ(default_action(SIGRTMIN + 3), DefaultAction::Terminate);
    EXPECT_EQ(SigSet::of(SIGHUP, SIGRTMAX).raw(), (1ull | (1ull << 63)));
    EXPECT_EQ(SigSet().first(), 0);
}

TEST(Kill, InvalidSignalIsEinval) {
    Harness h;
    Thread* c = h.fork(*h.init);
    EXPECT_EQ(h.table.kill(*h.init, c->tid(), 65).error().code(), EINVAL);
    EXPECT_EQ(h.table.kill(*h.init, c->tid(), -1).error().code(), EINVAL);
}

TEST(Kill, UnknownPidIsEsrch) {
    Harness h;
    EXPECT_EQ(h.table.kill(*h.init, 4321, SIGTERM).error().code(), ESRCH);
    EXPECT_EQ(h.table.kill(*h.init, -4321, SIGTERM).error().code(), ESRCH);
}

TEST(Kill, SignalZeroChecksExistenceAndPermissionOnly) {
    Harness h;
    Thread* c = h.fork(*h.init);
    EXPECT_FALSE(h.table.kill(*h.init, c->tid(), 0).is_error());
    EXPECT_TRUE(c->process().shared_pending().is_empty());
    ASSERT_FALSE(h.table.set_credentials(c->process(), user(1000)).is_error());
    Thread* other = h.fork(*h.init);
    ASSERT_FALSE(h.table.set_credentials(other->process(), user(2000)).is_error());
    EXPECT_EQ(h.table.kill(*c, other->tid(), 0).error().code(), EPERM);
}

TEST(Kill, SelfIsAllowedAndDelivered) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.set_handler(*c, SIGUSR1, 0x1000);
    ASSERT_FALSE(h.table.kill(*c, c->tid(), SIGUSR1).is_error());
    SignalDecision d = h.return_to_user(*c);
    EXPECT_EQ(d.kind, SignalDecision::Kind::Handler);
    EXPECT_EQ(d.signo, SIGUSR1);
    EXPECT_EQ(d.info.si_code, SI_USER);
    EXPECT_EQ(d.info.f.kill.pid, c->tid());
}

TEST(Kill, DroppedPrivilegesCannotKillTheParent) {
    Harness h;
    Thread* parent = h.fork(*h.init);
    ASSERT_FALSE(h.table.set_credentials(parent->process(), user(1000)).is_error());
    Thread* child = h.fork(*parent);
    ASSERT_FALSE(h.table.set_credentials(child->process(), user(1001)).is_error());
    EXPECT_EQ(h.table.kill(*child, parent->tid(), SIGTERM).error().code(), EPERM);
    // Same uid may; root may.
    Thread* sibling = h.fork(*parent);
    EXPECT_FALSE(h.table.kill(*sibling, parent->tid(), SIGUSR1).is_error());
    EXPECT_FALSE(h.table.kill(*h.init, child->tid(), SIGUSR1).is_error());
}

TEST(Kill, RealOrEffectiveUidAgainstRealOrSavedUid) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    Credentials ca = user(1000);
    ca.euid = 1500; // effective 1500, real 1000
    ASSERT_FALSE(h.table.set_credentials(a->process(), ca).is_error());
    Credentials cb = user(2000);
    cb.suid = 1500; // saved uid matches a's euid
    ASSERT_FALSE(h.table.set_credentials(b->process(), cb).is_error());
    EXPECT_FALSE(h.table.kill(*a, b->tid(), SIGUSR1).is_error());
    cb.suid = 2000;
    ASSERT_FALSE(h.table.set_credentials(b->process(), cb).is_error());
    EXPECT_EQ(h.table.kill(*a, b->tid(), SIGUSR1).error().code(), EPERM);
}

TEST(Kill, SigcontAllowedWithinTheSameSession) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    ASSERT_FALSE(h.table.set_credentials(a->process(), user(1000)).is_error());
    ASSERT_FALSE(h.table.set_credentials(b->process(), user(2000)).is_error());
    EXPECT_FALSE(h.table.kill(*a, b->tid(), SIGCONT).is_error());
    ASSERT_FALSE(h.table.setsid(*b).is_error());
    EXPECT_EQ(h.table.kill(*a, b->tid(), SIGCONT).error().code(), EPERM);
}

TEST(Kill, ZeroTargetsTheCallersGroup) {
    Harness h;
    Thread* p = h.fork(*h.init);
    ASSERT_FALSE(h.table.setpgid(*p, 0, 0).is_error());
    Thread* c = h.fork(*p);
    Thread* outsider = h.fork(*h.init);
    for (Thread* t : {p, c, outsider})
        h.set_handler(*t, SIGUSR1, 0x1000);
    ASSERT_FALSE(h.table.kill(*p, 0, SIGUSR1).is_error());
    EXPECT_TRUE(p->process().shared_pending().contains(SIGUSR1));
    EXPECT_TRUE(c->process().shared_pending().contains(SIGUSR1));
    EXPECT_FALSE(outsider->process().shared_pending().contains(SIGUSR1));
}

TEST(Kill, NegativePgidTargetsThatGroup) {
    Harness h;
    Thread* p = h.fork(*h.init);
    ASSERT_FALSE(h.table.setpgid(*p, 0, 0).is_error());
    Thread* c = h.fork(*p);
    h.set_handler(*c, SIGUSR2, 0x1000);
    ASSERT_FALSE(h.table.kill(*h.init, -p->tid(), SIGUSR2).is_error());
    EXPECT_TRUE(c->process().shared_pending().contains(SIGUSR2));
}

TEST(Kill, MinusOneHitsEveryoneButInitAndTheCaller) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    Thread* c = h.fork(*b);
    for (Thread* t : {a, b, c})
        h.set_handler(*t, SIGUSR1, 0x1000);
    h.set_handler(*h.init, SIGUSR1, 0x1000);
    ASSERT_FALSE(h.table.kill(*a, -1, SIGUSR1).is_error());
    EXPECT_FALSE(a->process().shared_pending().contains(SIGUSR1));
    EXPECT_FALSE(h.init->process().shared_pending().contains(SIGUSR1));
    EXPECT_TRUE(b->process().shared_pending().contains(SIGUSR1));
    EXPECT_TRUE(c->process().shared_pending().contains(SIGUSR1));
}

TEST(Kill, MinusOneWithNoOtherProcessIsEsrch) {
    Harness h;
    EXPECT_EQ(h.table.kill(*h.init, -1, SIGTERM).error().code(), ESRCH);
}

TEST(Kill, ThreadIdReachesItsWholeProcess) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    h.set_handler(*p, SIGUSR1, 0x1000);
    ASSERT_FALSE(h.table.kill(*h.init, t->tid(), SIGUSR1).is_error());
    EXPECT_TRUE(p->process().shared_pending().contains(SIGUSR1));
    EXPECT_FALSE(t->pending().contains(SIGUSR1));
}

TEST(Kill, ZombieTargetSucceedsAndChangesNothing) {
    Harness h;
    Thread* c = h.fork(*h.init);
    pid_t cpid = c->tid();
    h.table.exit(*c, 0);
    EXPECT_FALSE(h.table.kill(*h.init, cpid, SIGTERM).is_error());
    EXPECT_TRUE(h.table.find_process(cpid)->shared_pending().is_empty());
}

TEST(Kill, ZombieThreadOfALiveProcess) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    pid_t ppid = p->tid();
    h.table.exit(*p, 0); // the leader is a zombie thread, t runs
    h.set_handler(*t, SIGUSR1, 0x1000);
    EXPECT_FALSE(h.table.kill(*h.init, ppid, SIGUSR1).is_error());
    EXPECT_EQ(h.return_to_user(*t).signo, SIGUSR1);
    EXPECT_FALSE(h.table.tgkill(*h.init, ppid, ppid, SIGUSR1).is_error()); // dead thread: nothing
    EXPECT_TRUE(t->process().shared_pending().is_empty());
}

TEST(Kill, KernelSignalsNeedNoPermissionAndReachWholeGroups) {
    Harness h;
    Thread* a = h.fork(*h.init);
    ASSERT_FALSE(h.table.set_credentials(a->process(), user(1000)).is_error());
    ASSERT_FALSE(h.table.setpgid(*a, 0, 0).is_error());
    Thread* b = h.fork(*a);
    h.set_handler(*a, SIGUSR1, 0x1000);
    h.set_handler(*b, SIGINT, 0x1000);
    ASSERT_FALSE(h.table.send_kernel_signal(a->process(), SIGUSR1).is_error());
    EXPECT_EQ(h.table.get_signal(*a).info.si_code, SI_KERNEL);
    ASSERT_FALSE(h.table.kill_group_from_kernel(a->tid(), SIGINT).is_error()); // Ctrl-C
    EXPECT_TRUE(b->process().shared_pending().contains(SIGINT));
    EXPECT_EQ(h.return_to_user(*a).kind, SignalDecision::Kind::Exit); // SIGINT default: terminate
    EXPECT_EQ(h.table.kill_group_from_kernel(4444, SIGINT).error().code(), ESRCH);
    EXPECT_EQ(h.table.kill_group_from_kernel(a->tid(), 0).error().code(), EINVAL);
    EXPECT_EQ(h.table.send_kernel_signal(b->process(), 70).error().code(), EINVAL);
}

TEST(Tgkill, ArgumentChecksAndThreadDirectedDelivery) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    h.set_handler(*p, SIGUSR1, 0x1000);
    EXPECT_EQ(h.table.tgkill(*h.init, 0, t->tid(), SIGUSR1).error().code(), EINVAL);
    EXPECT_EQ(h.table.tgkill(*h.init, p->tid(), 0, SIGUSR1).error().code(), EINVAL);
    EXPECT_EQ(h.table.tgkill(*h.init, p->tid(), t->tid(), 99).error().code(), EINVAL);
    EXPECT_EQ(h.table.tgkill(*h.init, h.init->tid(), t->tid(), SIGUSR1).error().code(), ESRCH);
    ASSERT_FALSE(h.table.tgkill(*h.init, p->tid(), t->tid(), SIGUSR1).is_error());
    EXPECT_TRUE(t->pending().contains(SIGUSR1));
    EXPECT_EQ(h.return_to_user(*p).kind, SignalDecision::Kind::None); // not for the leader
    SignalDecision d = h.return_to_user(*t);
    EXPECT_EQ(d.signo, SIGUSR1);
    EXPECT_EQ(d.info.si_code, SI_TKILL);
    EXPECT_EQ(h.table.tkill(*h.init, -5, SIGUSR1).error().code(), EINVAL);
    EXPECT_FALSE(h.table.tkill(*h.init, t->tid(), SIGUSR1).is_error());
}

TEST(Signal, StandardSignalsMerge) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.set_handler(*c, SIGUSR1, 0x1000);
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGUSR1).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGUSR1).is_error());
    EXPECT_EQ(c->process().ledger().held(Resource::QueuedSignal), 1u);
    EXPECT_EQ(h.return_to_user(*c).signo, SIGUSR1);
    EXPECT_EQ(h.table.get_signal(*c).kind, SignalDecision::Kind::None);
}

TEST(Signal, RealtimeSignalsQueueInOrderWithTheirSiginfo) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.set_handler(*c, SIGRTMIN + 1, 0x1000);
    h.set_handler(*c, SIGRTMIN + 2, 0x1000);
    for (int v = 1; v <= 3; ++v) {
        SigInfo info;
        info.si_code = SI_QUEUE;
        info.f.rt.value = static_cast<uint64_t>(v);
        ASSERT_FALSE(h.table.sigqueue(*h.init, c->tid(), SIGRTMIN + 2, info).is_error());
    }
    SigInfo low;
    low.si_code = SI_QUEUE;
    low.f.rt.value = 99;
    ASSERT_FALSE(h.table.sigqueue(*h.init, c->tid(), SIGRTMIN + 1, low).is_error());
    // Lowest number first, then FIFO within a number.
    SignalDecision d = h.table.get_signal(*c);
    EXPECT_EQ(d.signo, SIGRTMIN + 1);
    EXPECT_EQ(d.info.f.rt.value, 99u);
    for (uint64_t v = 1; v <= 3; ++v) {
        d = h.table.get_signal(*c);
        EXPECT_EQ(d.signo, SIGRTMIN + 2);
        EXPECT_EQ(d.info.f.rt.value, v);
        EXPECT_EQ(d.info.si_code, SI_QUEUE);
    }
    EXPECT_EQ(h.table.get_signal(*c).kind, SignalDecision::Kind::None);
}

TEST(Signal, SigqueuePastTheLimitIsEagainButKillIsNot) {
    Harness h({.sigpending_limit = 2});
    Thread* c = h.fork(*h.init);
    SigSet all = ~SigSet();
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_SETMASK, &all).is_error());
    SigInfo info;
    info.si_code = SI_QUEUE;
    EXPECT_FALSE(h.table.sigqueue(*h.init, c->tid(), SIGRTMIN, info).is_error());
    EXPECT_FALSE(h.table.sigqueue(*h.init, c->tid(), SIGRTMIN, info).is_error());
    EXPECT_EQ(h.table.sigqueue(*h.init, c->tid(), SIGRTMIN, info).error().code(), EAGAIN);
    EXPECT_FALSE(h.table.kill(*h.init, c->tid(), SIGRTMIN).is_error());
    // A standard signal past the limit is still pending, without its siginfo.
    EXPECT_FALSE(h.table.sigqueue(*h.init, c->tid(), SIGUSR1, info).is_error());
    EXPECT_TRUE(c->process().shared_pending().contains(SIGUSR1));
}

TEST(Signal, SigqueueImpersonatingKillIsEperm) {
    Harness h;
    Thread* c = h.fork(*h.init);
    SigInfo info;
    info.si_code = SI_USER;
    EXPECT_EQ(h.table.sigqueue(*h.init, c->tid(), SIGUSR1, info).error().code(), EPERM);
    EXPECT_FALSE(h.table.sigqueue(*c, c->tid(), SIGUSR1, info).is_error());
}

TEST(Signal, IgnoredSignalsAreDroppedAtGenerationBlockedOnesKept) {
    Harness h;
    Thread* c = h.fork(*h.init);
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGCHLD).is_error()); // default ignore
    EXPECT_TRUE(c->process().shared_pending().is_empty());
    h.set_handler(*c, SIGUSR1, SIG_IGN);
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGUSR1).is_error());
    EXPECT_TRUE(c->process().shared_pending().is_empty());
    SigSet mask = SigSet::of(SIGUSR1);
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_BLOCK, &mask).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGUSR1).is_error());
    EXPECT_TRUE(c->process().shared_pending().contains(SIGUSR1));
    // Unblocked while still ignored: dequeued and discarded.
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_UNBLOCK, &mask).is_error());
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::None);
}

TEST(Signal, SettingSigIgnDiscardsThePendingInstance) {
    Harness h;
    Thread* c = h.fork(*h.init);
    SigSet mask = SigSet::of(SIGTERM);
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_BLOCK, &mask).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGTERM).is_error());
    EXPECT_EQ(h.table.sigpending(*c), SigSet::of(SIGTERM));
    h.set_handler(*c, SIGTERM, SIG_IGN);
    EXPECT_TRUE(h.table.sigpending(*c).is_empty());
    EXPECT_EQ(c->process().ledger().held(Resource::QueuedSignal), 0u);
}

TEST(Sigaction, OutOfRangeAndUncatchableAreEinval) {
    Harness h;
    KSigaction a;
    a.handler = 0x1000;
    EXPECT_EQ(h.table.sigaction(*h.init, 0, &a).error().code(), EINVAL);
    EXPECT_EQ(h.table.sigaction(*h.init, 65, &a).error().code(), EINVAL);
    EXPECT_EQ(h.table.sigaction(*h.init, SIGKILL, &a).error().code(), EINVAL);
    a.handler = SIG_IGN;
    EXPECT_EQ(h.table.sigaction(*h.init, SIGSTOP, &a).error().code(), EINVAL);
    // Querying them is fine.
    EXPECT_FALSE(h.table.sigaction(*h.init, SIGKILL, nullptr).is_error());
}

TEST(Sigaction, ReturnsTheOldActionAndStripsUncatchableFromTheMask) {
    Harness h;
    KSigaction a = h.handler_action(SA_RESTORER | SA_RESTART, SigSet::of(SIGKILL, SIGINT).raw());
    ASSERT_FALSE(h.table.sigaction(*h.init, SIGUSR1, &a).is_error());
    auto old = h.table.sigaction(*h.init, SIGUSR1, nullptr);
    EXPECT_EQ(old.value().handler, a.handler);
    EXPECT_EQ(old.value().flags, SA_RESTORER | SA_RESTART);
    EXPECT_EQ(old.value().mask, SigSet::of(SIGINT).raw());
}

TEST(Sigprocmask, BlockUnblockSetmaskAndBadHow) {
    Harness h;
    Thread* c = h.fork(*h.init);
    SigSet a = SigSet::of(SIGUSR1, SIGKILL, SIGSTOP);
    EXPECT_TRUE(h.table.sigprocmask(*c, SIG_BLOCK, &a).value().is_empty());
    EXPECT_EQ(c->blocked(), SigSet::of(SIGUSR1)); // KILL and STOP cannot be blocked
    SigSet b = SigSet::of(SIGUSR2);
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_BLOCK, &b).is_error());
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_UNBLOCK, &a).is_error());
    EXPECT_EQ(c->blocked(), SigSet::of(SIGUSR2));
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_SETMASK, &a).is_error());
    EXPECT_EQ(c->blocked(), SigSet::of(SIGUSR1));
    EXPECT_EQ(h.table.sigprocmask(*c, 3, &a).error().code(), EINVAL);
    EXPECT_EQ(h.table.sigprocmask(*c, 3, nullptr).value(), SigSet::of(SIGUSR1));
}

TEST(Delivery, HandlerMaskAppliedAndNodeferRespected) {
    Harness h;
    Thread* c = h.fork(*h.init);
    KSigaction a = h.handler_action(SA_RESTORER, SigSet::of(SIGUSR2).raw());
    ASSERT_FALSE(h.table.sigaction(*c, SIGUSR1, &a).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGUSR1).is_error());
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::Handler);
    EXPECT_EQ(c->blocked(), SigSet::of(SIGUSR1, SIGUSR2));
    h.table.set_signal_mask(*c, SigSet()); // sigreturn
    KSigaction nodefer = h.handler_action(SA_RESTORER | SA_NODEFER);
    ASSERT_FALSE(h.table.sigaction(*c, SIGUSR1, &nodefer).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGUSR1).is_error());
    h.return_to_user(*c);
    EXPECT_TRUE(c->blocked().is_empty());
}

TEST(Delivery, ResethandRestoresDefaultAfterOneDelivery) {
    Harness h;
    Thread* c = h.fork(*h.init);
    KSigaction a = h.handler_action(SA_RESTORER | SA_RESETHAND);
    ASSERT_FALSE(h.table.sigaction(*c, SIGUSR1, &a).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGUSR1).is_error());
    SignalDecision d = h.return_to_user(*c);
    EXPECT_EQ(d.action.handler, a.handler);
    EXPECT_EQ(c->process().action(SIGUSR1).handler, SIG_DFL);
}

TEST(Delivery, SynchronousFaultsFirstThenThreadQueueThenLowestNumber) {
    Harness h;
    Thread* c = h.fork(*h.init);
    for (int sig : {SIGHUP, SIGUSR1, SIGSEGV, SIGTERM})
        h.set_handler(*c, sig, 0x1000);
    SigSet all = ~SigSet();
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_SETMASK, &all).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGHUP).is_error());
    ASSERT_FALSE(h.table.tkill(*h.init, c->tid(), SIGTERM).is_error());
    ASSERT_FALSE(h.table.tkill(*h.init, c->tid(), SIGUSR1).is_error());
    SigSet none;
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_SETMASK, &none).is_error());
    h.table.force_fault_signal(*c, SIGSEGV, 1, 0x10);
    std::vector<int> order;
    for (;;) {
        SignalDecision d = h.table.get_signal(*c);
        if (d.kind != SignalDecision::Kind::Handler)
            break;
        order.push_back(d.signo);
    }
    EXPECT_EQ(order, (std::vector<int>{SIGSEGV, SIGUSR1, SIGTERM, SIGHUP}));
}

TEST(Delivery, ProcessSignalTakenByAThreadThatDoesNotBlockIt) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    h.set_handler(*p, SIGUSR1, 0x1000);
    SigSet mask = SigSet::of(SIGUSR1);
    ASSERT_FALSE(h.table.sigprocmask(*p, SIG_BLOCK, &mask).is_error());
    h.host.wakes.clear();
    ASSERT_FALSE(h.table.kill(*h.init, p->tid(), SIGUSR1).is_error());
    ASSERT_EQ(h.host.wakes.size(), 1u);
    EXPECT_EQ(h.host.wakes[0].tid, t->tid());
    EXPECT_EQ(h.table.get_signal(*p).kind, SignalDecision::Kind::None);
    EXPECT_EQ(h.table.get_signal(*t).signo, SIGUSR1);
}

TEST(Delivery, BlockingAProcessSignalHandsItToAnotherThread) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    h.set_handler(*p, SIGUSR1, 0x1000);
    ASSERT_FALSE(h.table.kill(*h.init, p->tid(), SIGUSR1).is_error());
    h.host.wakes.clear();
    SigSet mask = SigSet::of(SIGUSR1);
    ASSERT_FALSE(h.table.sigprocmask(*p, SIG_BLOCK, &mask).is_error());
    ASSERT_FALSE(h.table.sigprocmask(*t, SIG_BLOCK, &mask).is_error());
    // p blocked it first: t was woken; then t blocked it: nobody left.
    ASSERT_EQ(h.host.wakes.size(), 1u);
    EXPECT_EQ(h.host.wakes[0].tid, t->tid());
}

TEST(Delivery, ExitingThreadLeavesProcessSignalsToOthers) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    h.set_handler(*p, SIGUSR1, 0x1000);
    ASSERT_FALSE(h.table.kill(*h.init, p->tid(), SIGUSR1).is_error());
    h.table.exit(*p, 0); // the leader exits without taking it
    EXPECT_EQ(h.table.get_signal(*t).signo, SIGUSR1);
}

TEST(Delivery, SignalPendingReflectsWhatGetSignalWouldDo) {
    Harness h;
    Thread* c = h.fork(*h.init);
    EXPECT_FALSE(h.table.signal_pending(*c));
    h.set_handler(*c, SIGUSR1, 0x1000);
    SigSet mask = SigSet::of(SIGUSR1);
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_BLOCK, &mask).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGUSR1).is_error());
    EXPECT_FALSE(h.table.signal_pending(*c));
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_UNBLOCK, &mask).is_error());
    EXPECT_TRUE(h.table.signal_pending(*c));
}

TEST(Fault, BlockedOrIgnoredFaultIsForcedToDefaultAndKills) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.set_handler(*c, SIGFPE, SIG_IGN);
    SigSet mask = SigSet::of(SIGSEGV);
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_BLOCK, &mask).is_error());
    h.table.force_fault_signal(*c, SIGSEGV, 1, 0);
    EXPECT_FALSE(c->blocked().contains(SIGSEGV));
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::Exit);
    EXPECT_EQ(h.wait4(*h.init, -1, 0).status, SIGSEGV | 0x80);
    Thread* d = h.fork(*h.init);
    h.set_handler(*d, SIGFPE, SIG_IGN);
    h.table.force_fault_signal(*d, SIGFPE, 1, 0);
    EXPECT_EQ(d->process().action(SIGFPE).handler, SIG_DFL);
    EXPECT_EQ(h.return_to_user(*d).kind, SignalDecision::Kind::Exit);
}

TEST(Fault, HandledFaultRunsTheHandler) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.set_handler(*c, SIGSEGV, 0x1000);
    h.table.force_fault_signal(*c, SIGSEGV, 2, 0xbad);
    SignalDecision d = h.return_to_user(*c);
    EXPECT_EQ(d.kind, SignalDecision::Kind::Handler);
    EXPECT_EQ(d.info.f.fault.addr, 0xbadu);
    EXPECT_EQ(d.info.si_code, 2);
}

TEST(Init, ReceivesOnlySignalsItHandles) {
    Harness h;
    Thread* c = h.fork(*h.init);
    ASSERT_FALSE(h.table.kill(*c, 1, SIGTERM).is_error());
    ASSERT_FALSE(h.table.kill(*c, 1, SIGKILL).is_error());
    ASSERT_FALSE(h.table.kill(*c, 1, SIGSTOP).is_error());
    EXPECT_TRUE(h.init->process().shared_pending().is_empty());
    EXPECT_EQ(h.table.get_signal(*h.init).kind, SignalDecision::Kind::None);
    h.set_handler(*h.init, SIGTERM, 0x1000);
    ASSERT_FALSE(h.table.kill(*c, 1, SIGTERM).is_error());
    EXPECT_EQ(h.table.get_signal(*h.init).signo, SIGTERM);
}

TEST(Init, BlockedDefaultSignalIsDiscardedAtDelivery) {
    Harness h;
    SigSet mask = SigSet::of(SIGTERM);
    ASSERT_FALSE(h.table.sigprocmask(*h.init, SIG_BLOCK, &mask).is_error());
    Thread* c = h.fork(*h.init);
    ASSERT_FALSE(h.table.kill(*c, 1, SIGTERM).is_error());
    EXPECT_TRUE(h.init->process().shared_pending().contains(SIGTERM));
    ASSERT_FALSE(h.table.sigprocmask(*h.init, SIG_UNBLOCK, &mask).is_error());
    EXPECT_EQ(h.table.get_signal(*h.init).kind, SignalDecision::Kind::None);
}

// --- job control -------------------------------------------------------------------------

TEST(GroupStop, EveryThreadStopsAndTheLastOneNotifiesTheParent) {
    Harness h;
    Thread* parent = h.fork(*h.init);
    h.set_handler(*parent, SIGCHLD, 0x1000, SA_SIGINFO);
    Thread* p = h.fork(*parent);
    Thread* t1 = h.spawn_thread(*p);
    Thread* t2 = h.spawn_thread(*p);
    ASSERT_FALSE(h.table.kill(*parent, p->tid(), SIGSTOP).is_error());
    EXPECT_EQ(h.return_to_user(*t1).kind, SignalDecision::Kind::Stop);
    EXPECT_FALSE(p->process().is_stopped());
    EXPECT_EQ(h.return_to_user(*p).kind, SignalDecision::Kind::Stop);
    EXPECT_FALSE(parent->process().shared_pending().contains(SIGCHLD));
    EXPECT_EQ(h.return_to_user(*t2).kind, SignalDecision::Kind::Stop);
    EXPECT_TRUE(p->process().is_stopped());
    SignalDecision d = h.return_to_user(*parent);
    EXPECT_EQ(d.signo, SIGCHLD);
    EXPECT_EQ(d.info.si_code, CLD_STOPPED);
    EXPECT_EQ(d.info.f.chld.status, SIGSTOP);
    // Stopped threads stay stopped when they ask again.
    EXPECT_EQ(h.table.get_signal(*t1).kind, SignalDecision::Kind::Stop);
    EXPECT_EQ(h.table.stats().stopped, 1);
}

TEST(GroupStop, ThreadExitingDuringStopCountsAsStopped) {
    Harness h;
    Thread* parent = h.fork(*h.init);
    Thread* p = h.fork(*parent);
    Thread* t = h.spawn_thread(*p);
    ASSERT_FALSE(h.table.kill(*parent, p->tid(), SIGSTOP).is_error());
    EXPECT_EQ(h.return_to_user(*p).kind, SignalDecision::Kind::Stop);
    h.table.exit(*t, 0);
    EXPECT_TRUE(p->process().is_stopped());
    EXPECT_EQ(h.wait4(*parent, -1, WUNTRACED | WNOHANG).status, (SIGSTOP << 8) | 0x7f);
}

TEST(GroupStop, NocldstopSuppressesTheSignalNotTheWakeup) {
    Harness h;
    Thread* parent = h.fork(*h.init);
    h.set_handler(*parent, SIGCHLD, 0x1000, SA_NOCLDSTOP);
    Thread* c = h.fork(*parent);
    auto before = parent->process().child_wait_queue().generation();
    ASSERT_FALSE(h.table.kill(*parent, c->tid(), SIGSTOP).is_error());
    h.return_to_user(*c);
    EXPECT_FALSE(parent->process().shared_pending().contains(SIGCHLD));
    EXPECT_NE(parent->process().child_wait_queue().generation(), before);
    EXPECT_EQ(h.wait4(*parent, -1, WUNTRACED | WNOHANG).ret, c->tid());
}

TEST(GroupStop, SigcontResumesAndReportsContinued) {
    Harness h;
    Thread* parent = h.fork(*h.init);
    h.set_handler(*parent, SIGCHLD, 0x1000);
    Thread* c = h.fork(*parent);
    ASSERT_FALSE(h.table.kill(*parent, c->tid(), SIGSTOP).is_error());
    SignalDecision stop = h.return_to_user(*c);
    ASSERT_EQ(stop.kind, SignalDecision::Kind::Stop);
    h.table.get_signal(*parent); // consume CLD_STOPPED
    ASSERT_FALSE(h.table.kill(*parent, c->tid(), SIGCONT).is_error());
    EXPECT_NE(stop.queue->generation(), stop.generation); // the stopped thread is woken
    EXPECT_FALSE(c->is_stopped());
    EXPECT_FALSE(c->process().is_stopped());
    SignalDecision d = h.table.get_signal(*parent);
    EXPECT_EQ(d.info.si_code, CLD_CONTINUED);
    EXPECT_EQ(h.table.get_signal(*c).kind, SignalDecision::Kind::None); // SIGCONT default: ignore
}

TEST(GroupStop, SigcontDiscardsPendingStopsEvenWhenBlocked) {
    Harness h;
    Thread* c = h.fork(*h.init);
    SigSet mask = SigSet::of(SIGTSTP, SIGCONT);
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_BLOCK, &mask).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGTSTP).is_error());
    EXPECT_TRUE(c->process().shared_pending().contains(SIGTSTP));
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGCONT).is_error());
    EXPECT_FALSE(c->process().shared_pending().contains(SIGTSTP));
    EXPECT_TRUE(c->process().shared_pending().contains(SIGCONT));
}

TEST(GroupStop, StopSignalDiscardsPendingSigcont) {
    Harness h;
    Thread* c = h.fork(*h.init);
    SigSet mask = SigSet::of(SIGCONT);
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_BLOCK, &mask).is_error());
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGCONT).is_error());
    EXPECT_TRUE(c->process().shared_pending().contains(SIGCONT));
    ASSERT_FALSE(h.table.kill(*h.init, c->tid(), SIGSTOP).is_error());
    EXPECT_FALSE(c->process().shared_pending().contains(SIGCONT));
}

TEST(GroupStop, SigcontAbortsAPendingSigstop) {
    Harness h;
    Thread* parent = h.fork(*h.init);
    Thread* c = h.fork(*parent);
    ASSERT_FALSE(h.table.kill(*parent, c->tid(), SIGSTOP).is_error());
    ASSERT_FALSE(h.table.kill(*parent, c->tid(), SIGCONT).is_error());
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::None);
    EXPECT_FALSE(c->process().is_stopped());
}

TEST(GroupStop, SigkillWakesAStoppedProcessAndKillsIt) {
    Harness h;
    Thread* parent = h.fork(*h.init);
    Thread* c = h.fork(*parent);
    Thread* t = h.spawn_thread(*c);
    ASSERT_FALSE(h.table.kill(*parent, c->tid(), SIGSTOP).is_error());
    SignalDecision s1 = h.return_to_user(*c);
    h.return_to_user(*t);
    ASSERT_TRUE(c->process().is_stopped());
    ASSERT_FALSE(h.table.kill(*parent, c->tid(), SIGKILL).is_error());
    EXPECT_NE(s1.queue->generation(), s1.generation);
    EXPECT_EQ(h.return_to_user(*c).kind, SignalDecision::Kind::Exit);
    EXPECT_EQ(h.return_to_user(*t).kind, SignalDecision::Kind::Exit);
    EXPECT_EQ(h.wait4(*parent, -1, 0).status, SIGKILL);
}

TEST(GroupStop, SigcontWithHandlerIsDeliveredAfterResuming) {
    Harness h;
    Thread* parent = h.fork(*h.init);
    Thread* c = h.fork(*parent);
    h.set_handler(*c, SIGCONT, 0x1000);
    ASSERT_FALSE(h.table.kill(*parent, c->tid(), SIGSTOP).is_error());
    h.return_to_user(*c);
    ASSERT_FALSE(h.table.kill(*parent, c->tid(), SIGCONT).is_error());
    EXPECT_EQ(h.return_to_user(*c).signo, SIGCONT);
}

TEST(Stats, SnapshotCountsProcessesAndThreadsByState) {
    Harness h;
    Thread* running = h.fork(*h.init);
    Thread* stopped = h.fork(*h.init);
    Thread* zombie = h.fork(*h.init);
    Thread* sleeper = h.fork(*h.init);
    h.spawn_thread(*running);
    h.table.set_thread_run_state(*h.init, ThreadState::Sleeping);
    h.table.set_thread_run_state(*running, ThreadState::Running);
    h.table.set_thread_run_state(*sleeper, ThreadState::Sleeping);
    ASSERT_FALSE(h.table.kill(*h.init, stopped->tid(), SIGSTOP).is_error());
    h.return_to_user(*stopped);
    h.table.account_cpu(*running, 5000, 7000);
    h.table.note_rss(running->process(), 300);
    h.table.exit(*zombie, 0);
    ProcessStats s = h.table.stats();
    EXPECT_EQ(s.processes, 5);
    EXPECT_EQ(s.threads, 6);
    EXPECT_EQ(s.running, 1);
    EXPECT_EQ(s.runnable, 0);
    EXPECT_EQ(s.sleeping, 2); // init and sleeper
    EXPECT_EQ(s.stopped, 1);
    EXPECT_EQ(s.zombie, 1);
    EXPECT_EQ(s.threads_by_state[static_cast<unsigned>(ThreadState::Stopped)], 1);
    EXPECT_EQ(s.threads_by_state[static_cast<unsigned>(ThreadState::Zombie)], 1);
    EXPECT_EQ(s.threads_by_state[static_cast<unsigned>(ThreadState::Runnable)], 1); // the new thread
    EXPECT_EQ(s.cpu_ns, 12000u);
    EXPECT_EQ(s.memory_kb, 300);
    ASSERT_GT(h.wait4(*h.init, -1, 0).ret, 0);
    s = h.table.stats();
    EXPECT_EQ(s.processes, 4);
    EXPECT_EQ(s.zombie, 0);
    EXPECT_EQ(s.reaps, 1u);
}

// --- execve -------------------------------------------------------------------------------

TEST(Exec, HandledSignalsResetIgnoredKeptMaskKept) {
    Harness h;
    Thread* c = h.fork(*h.init);
    h.set_handler(*c, SIGUSR1, 0x1000, SA_RESTART);
    h.set_handler(*c, SIGUSR2, SIG_IGN);
    SigSet mask = SigSet::of(SIGINT);
    ASSERT_FALSE(h.table.sigprocmask(*c, SIG_SETMASK, &mask).is_error());
    ASSERT_TRUE(h.table.exec_prepare(*c).value().done);
    h.host.cr3[c->tid()] = 0x7777;
    ASSERT_FALSE(h.table.exec_commit(*c, 0x7777).is_error());
    EXPECT_EQ(c->process().action(SIGUSR1).handler, SIG_DFL);
    EXPECT_EQ(c->process().action(SIGUSR1).flags, 0u);
    EXPECT_EQ(c->process().action(SIGUSR2).handler, SIG_IGN);
    EXPECT_EQ(c->blocked(), mask);
    EXPECT_TRUE(c->process().did_exec());
    EXPECT_EQ(c->address_space(), 0x7777u);
    EXPECT_TRUE(h.host.errors.empty());
}

TEST(Exec, KillsOtherThreadsAndTakesTheLeadersPid) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t1 = h.spawn_thread(*p);
    Thread* t2 = h.spawn_thread(*p);
    pid_t pid = p->tid(), t2tid = t2->tid();
    auto first = h.table.exec_prepare(*t2);
    ASSERT_FALSE(first.is_error());
    EXPECT_FALSE(first.value().done);
    EXPECT_TRUE(t1->kill_pending());
    EXPECT_EQ(h.return_to_user(*t1).kind, SignalDecision::Kind::Exit);
    EXPECT_FALSE(h.table.exec_prepare(*t2).value().done);
    EXPECT_EQ(h.return_to_user(*p).kind, SignalDecision::Kind::Exit);
    EXPECT_TRUE(h.table.exec_prepare(*t2).value().done);
    h.host.cr3[t2tid] = 0x8888;
    ASSERT_FALSE(h.table.exec_commit(*t2, 0x8888).is_error());
    EXPECT_EQ(t2->tid(), pid);
    EXPECT_TRUE(t2->is_leader());
    EXPECT_EQ(h.table.find_thread(t2tid), nullptr);
    EXPECT_EQ(h.table.find_process(pid)->thread_count(), 1);
    EXPECT_EQ(h.wait4(*h.init, pid, WNOHANG).ret, 0); // the process lives on
    h.table.exit(*t2, 1);
    EXPECT_EQ(h.wait4(*h.init, pid, 0).status, 1 << 8);
}

TEST(Exec, UnsharesASharedDispositionTable) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p, SIGCHLD | CLONE_VM | CLONE_SIGHAND);
    h.set_handler(*p, SIGUSR1, 0x1000);
    EXPECT_EQ(c->process().action(SIGUSR1).handler, 0x1000u); // shared
    ASSERT_TRUE(h.table.exec_prepare(*c).value().done);
    h.host.cr3[c->tid()] = 0x6666;
    ASSERT_FALSE(h.table.exec_commit(*c, 0x6666).is_error());
    EXPECT_EQ(c->process().action(SIGUSR1).handler, SIG_DFL);
    EXPECT_EQ(p->process().action(SIGUSR1).handler, 0x1000u);
}

TEST(Exec, DuringAGroupExitIsEagain) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    ASSERT_FALSE(h.table.kill(*h.init, p->tid(), SIGKILL).is_error());
    EXPECT_EQ(h.table.exec_prepare(*t).error().code(), EAGAIN);
}

} // namespace charon::proc

namespace charon::proc {

// signalfd: the reading thread's queue first, then its process's; a waiter
// queued when nothing is there is woken by a blocked signal; poll answers
// for the polling thread.
TEST(Signalfd, DequeuesThreadQueueFirstAndWakesOnBlockedSignals) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    SigSet usr = SigSet::of(SIGUSR1, SIGUSR2);
    ASSERT_FALSE(h.table.sigprocmask(*p, SIG_BLOCK, &usr).is_error());
    ASSERT_FALSE(h.table.sigprocmask(*t, SIG_BLOCK, &usr).is_error());
    SigSet mask = SigSet::of(SIGUSR1, SIGUSR2, SIGKILL);
    SigInfo info;
    Waiter waiter;
    WaitQueue* queued_on = nullptr;
    EXPECT_EQ(h.table.signalfd_dequeue(*p, mask, info, &waiter, &queued_on), 0);
    ASSERT_NE(queued_on, nullptr);
    EXPECT_FALSE(h.table.signalfd_poll(*p, mask, nullptr, nullptr));
    ASSERT_FALSE(h.table.kill(*h.init, p->tid(), SIGUSR1).is_error());
    EXPECT_TRUE(waiter.woken); // blocked, yet announced to signalfd readers
    ASSERT_FALSE(h.table.tgkill(*h.init, p->tid(), t->tid(), SIGUSR2).is_error());
    // The leader sees only the shared one; the thread takes its own first.
    EXPECT_TRUE(h.table.signalfd_poll(*p, SigSet::of(SIGUSR1), nullptr, nullptr));
    EXPECT_FALSE(h.table.signalfd_poll(*p, SigSet::of(SIGUSR2), nullptr, nullptr));
    EXPECT_EQ(h.table.signalfd_dequeue(*t, mask, info, nullptr, nullptr), SIGUSR2);
    EXPECT_EQ(info.si_code, SI_TKILL);
    EXPECT_EQ(h.table.signalfd_dequeue(*t, mask, info, nullptr, nullptr), SIGUSR1);
    EXPECT_EQ(h.table.signalfd_dequeue(*p, mask, info, nullptr, nullptr), 0);
    EXPECT_EQ(p->process().ledger().held(Resource::QueuedSignal), 0u);
    // SIGKILL in the mask is never taken: it kills.
    ASSERT_FALSE(h.table.kill(*h.init, p->tid(), SIGKILL).is_error());
    EXPECT_FALSE(h.table.signalfd_poll(*p, mask, nullptr, nullptr));
}

// Linux signalfd_copyinfo: the fields of each siginfo layout.
TEST(Signalfd, RecordFollowsTheSiginfoLayout) {
    SigInfo kill;
    kill.si_signo = SIGTERM;
    kill.si_code = SI_USER;
    kill.f.kill.pid = 42;
    kill.f.kill.uid = 1000;
    SignalfdSiginfo r = signalfd_siginfo(kill);
    EXPECT_EQ(r.ssi_signo, uint32_t(SIGTERM));
    EXPECT_EQ(r.ssi_pid, 42u);
    EXPECT_EQ(r.ssi_uid, 1000u);
    EXPECT_EQ(r.ssi_ptr, 0u);

    SigInfo queued;
    queued.si_signo = SIGRTMIN;
    queued.si_code = SI_QUEUE;
    queued.f.rt = {7, 8, 0x1234567800000009ull};
    r = signalfd_siginfo(queued);
    EXPECT_EQ(r.ssi_pid, 7u);
    EXPECT_EQ(r.ssi_uid, 8u);
    EXPECT_EQ(r.ssi_int, 9);
    EXPECT_EQ(r.ssi_ptr, 0x1234567800000009ull);

    SigInfo timer;
    timer.si_signo = SIGALRM;
    timer.si_code = SI_TIMER;
    timer.f.timer = {3, 5, 77};
    r = signalfd_siginfo(timer);
    EXPECT_EQ(r.ssi_tid, 3u);
    EXPECT_EQ(r.ssi_overrun, 5u);
    EXPECT_EQ(r.ssi_int, 77);
    EXPECT_EQ(r.ssi_pid, 0u);

    SigInfo chld;
    chld.si_signo = SIGCHLD;
    chld.si_code = CLD_KILLED;
    chld.f.chld = {11, 12, SIGTERM, 0, 4, 6};
    r = signalfd_siginfo(chld);
    EXPECT_EQ(r.ssi_code, CLD_KILLED);
    EXPECT_EQ(r.ssi_pid, 11u);
    EXPECT_EQ(r.ssi_status, SIGTERM);
    EXPECT_EQ(r.ssi_utime, 4u);
    EXPECT_EQ(r.ssi_stime, 6u);

    // A positive code of another signal is SIGPOLL's layout, not SIGCHLD's.
    SigInfo usr = chld;
    usr.si_signo = SIGUSR1;
    r = signalfd_siginfo(usr);
    EXPECT_EQ(r.ssi_pid, 0u);
    EXPECT_EQ(r.ssi_status, 0);
    EXPECT_EQ(r.ssi_band, 11u); // the low half of si_band

    SigInfo fault;
    fault.si_signo = SIGSEGV;
    fault.si_code = 1; // SEGV_MAPERR
    fault.f.fault.addr = 0xdead0000;
    r = signalfd_siginfo(fault);
    EXPECT_EQ(r.ssi_addr, 0xdead0000u);
    EXPECT_EQ(r.ssi_pid, 0u);
    // SI_KERNEL is kill()'s layout (zeros here).
    fault.si_code = SI_KERNEL;
    r = signalfd_siginfo(fault);
    EXPECT_EQ(r.ssi_addr, 0u);
    EXPECT_EQ(r.ssi_pid, 0xdead0000u);
}

} // namespace charon::proc
