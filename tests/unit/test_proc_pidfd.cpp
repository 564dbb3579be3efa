// Pidfd identities in the lifecycle core (kernel/proc/pidfd.cpp): a PidRef
// names one allocation of a pid number; waitid(P_PIDFD), signals and poll
// reach whatever holds it now, and nothing once it is released, even when
// the number comes back.
#include <gtest/gtest.h>

#include "proc_fake_host.h"

namespace charon::proc {
namespace {

using test::Harness;
using test::WaitOutcome;

Credentials user(uid_t uid) {
    Credentials c;
    c.uid = c.euid = c.suid = uid;
    c.gid = c.egid = c.sgid = uid;
    return c;
}

// The kernel's waitid(P_PIDFD, fd): the descriptor resolved to its identity.
// Blocked, SIGUSR1/SIGUSR2 stay pending where they were sent (their default
// action would kill the target at once).
void block_usr(Harness& h, Thread& thread) {
    SigSet set = SigSet::of(SIGUSR1, SIGUSR2);
    ASSERT_FALSE(h.table.sigprocmask(thread, SIG_BLOCK, &set).is_error());
}

WaitOutcome wait_pidfd(Harness& h, Thread& caller, PidRef& ref, int options) {
    auto request = ProcessTable::waitid_request(P_PIDFD, 3, options);
    EXPECT_FALSE(request.is_error());
    WaitRequest r = request.value();
    r.pid_ref = &ref;
    return h.outcome(h.table.wait(caller, r));
}

TEST(Pidfd, WaitByIdentityReportsThatChildOnce) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    pid_t pb = b->tid();
    PidRef* ref = h.table.open_pid_ref(pb, false).value();
    EXPECT_EQ(h.table.stats().pid_refs, 1);
    EXPECT_EQ(wait_pidfd(h, *h.init, *ref, WEXITED | WNOHANG).ret, 0);
    EXPECT_EQ(wait_pidfd(h, *h.init, *ref, WEXITED).ret, WaitOutcome::kSleep);
    h.table.exit(*a, 1); // another child's exit is not ours to report
    EXPECT_EQ(wait_pidfd(h, *h.init, *ref, WEXITED | WNOHANG).ret, 0);
    h.table.exit(*b, 7);
    WaitOutcome o = wait_pidfd(h, *h.init, *ref, WEXITED);
    EXPECT_EQ(o.ret, pb);
    EXPECT_EQ(o.info.si_code, CLD_EXITED);
    EXPECT_EQ(o.info.f.chld.status, 7);
    EXPECT_EQ(h.table.pid_ref_pid(*ref), 0);
    EXPECT_FALSE(ref->attached());
    EXPECT_EQ(wait_pidfd(h, *h.init, *ref, WEXITED | WNOHANG).ret, -ECHILD);
    h.table.put_pid_ref(*ref);
    EXPECT_EQ(h.table.stats().pid_refs, 0);
    EXPECT_EQ(h.wait4(*h.init, -1, 0).status, 1 << 8);
}

TEST(Pidfd, WaitForANonChildIsEchild) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* grandchild = h.fork(*p);
    PidRef* self = h.table.open_pid_ref(p->tid(), false).value();
    PidRef* ref = h.table.open_pid_ref(grandchild->tid(), false).value();
    EXPECT_EQ(wait_pidfd(h, *h.init, *ref, WEXITED | WNOHANG).ret, -ECHILD);
    EXPECT_EQ(wait_pidfd(h, *p, *self, WEXITED | WNOHANG).ret, -ECHILD);
    EXPECT_EQ(wait_pidfd(h, *p, *ref, WEXITED | WNOHANG).ret, 0);
    // A zombie is invisible to a WSTOPPED-only wait, as for P_PID.
    h.table.exit(*grandchild, 0);
    EXPECT_EQ(wait_pidfd(h, *p, *ref, WSTOPPED | WNOHANG).ret, -ECHILD);
    EXPECT_EQ(wait_pidfd(h, *p, *ref, WEXITED | WNOWAIT).ret, ref->pid());
    EXPECT_EQ(wait_pidfd(h, *p, *ref, WEXITED).ret, ref->pid());
    h.table.put_pid_ref(*ref);
    h.table.put_pid_ref(*self);
    EXPECT_EQ(h.table.stats().pid_refs, 0);
}

TEST(Pidfd, RequestChecks) {
    EXPECT_EQ(ProcessTable::waitid_request(P_PIDFD, -1, WEXITED).error().code(), EINVAL);
    EXPECT_FALSE(ProcessTable::waitid_request(P_PIDFD, 0, WEXITED).is_error()); // fd 0
    Harness h;
    EXPECT_EQ(h.table.open_pid_ref(4242, false).error().code(), ESRCH);
    Thread* p = h.fork(*h.init);
    Thread* t = h.spawn_thread(*p);
    EXPECT_EQ(h.table.open_pid_ref(t->tid(), false).error().code(), ENOENT);
    PidRef* thread_ref = h.table.open_pid_ref(t->tid(), true).value();
    // The same identity for every opener: one object, two references.
    PidRef* again = h.table.open_pid_ref(t->tid(), true).value();
    EXPECT_EQ(again, thread_ref);
    EXPECT_EQ(h.table.stats().pid_refs, 1);
    EXPECT_EQ(thread_ref->references(), 2);
    // A non-leader's identity names no child: ECHILD.
    EXPECT_EQ(wait_pidfd(h, *h.init, *thread_ref, WEXITED | WNOHANG).ret, -ECHILD);
    h.table.put_pid_ref(*again);
    h.table.put_pid_ref(*thread_ref);
    EXPECT_EQ(h.table.stats().pid_refs, 0);
}

// The number comes back (a tiny pid space), the identity does not.
TEST(Pidfd, ReusedNumberIsANewIdentity) {
    ProcessTableConfig config;
    config.pid_max = 8;
    config.pid_wrap_floor = 2;
    Harness h(config);
    Thread* c = h.fork(*h.init);
    pid_t number = c->tid();
    PidRef* old = h.table.open_pid_ref(number, false).value();
    h.table.exit(*c, 0);
    EXPECT_EQ(h.wait4(*h.init, number, 0).ret, number);
    Thread* reuser = nullptr;
    std::vector<Thread*> others;
    for (int i = 0; i < 8 && !reuser; ++i) {
        Thread* t = h.fork(*h.init);
        if (t->tid() == number)
            reuser = t;
        else
            others.push_back(t);
    }
    ASSERT_NE(reuser, nullptr);
    EXPECT_FALSE(old->attached());
    EXPECT_EQ(wait_pidfd(h, *h.init, *old, WEXITED | WNOHANG).ret, -ECHILD);
    EXPECT_EQ(h.table.pidfd_send_signal(*h.init, *old, SIGKILL, nullptr, PidfdScope::ThreadGroup).error().code(),
              ESRCH);
    PidRefPoll poll = h.table.poll_pid_ref(*old, nullptr);
    EXPECT_TRUE(poll.exited && poll.released);
    EXPECT_TRUE(reuser->process().shared_pending().is_empty());
    PidRef* fresh = h.table.open_pid_ref(number, false).value();
    EXPECT_NE(fresh, old);
    EXPECT_EQ(h.table.stats().pid_refs, 2);
    h.table.exit(*reuser, 4);
    EXPECT_EQ(wait_pidfd(h, *h.init, *fresh, WEXITED).status, 4 << 8);
    h.table.put_pid_ref(*old);
    h.table.put_pid_ref(*fresh);
    EXPECT_EQ(h.table.stats().pid_refs, 0);
    for (Thread* t : others)
        h.table.exit(*t, 0);
}

// Linux pidfd_poll: a leader delayed by live threads is not readable; the
// last thread's exit makes it so; the reap adds POLLHUP. Each change wakes.
TEST(Pidfd, PollFollowsTheThreadGroup) {
    Harness h;
    Thread* p = h.fork(*h.init);
    pid_t pid = p->tid();
    Thread* t = h.spawn_thread(*p);
    PidRef* ref = h.table.open_pid_ref(pid, false).value();
    PidRef* thread_ref = h.table.open_pid_ref(t->tid(), true).value();
    Waiter waiter;
    PidRefPoll poll = h.table.poll_pid_ref(*ref, &waiter);
    EXPECT_FALSE(poll.exited);
    ASSERT_NE(poll.queued_on, nullptr);
    h.table.exit(*p, 3); // the leader alone: a delayed zombie leader
    EXPECT_FALSE(h.table.poll_pid_ref(*ref, nullptr).exited);
    EXPECT_FALSE(waiter.woken);
    Waiter thread_waiter;
    h.table.poll_pid_ref(*thread_ref, &thread_waiter);
    h.table.exit(*t, 5); // the last thread: a non-leader is released at once
    EXPECT_TRUE(thread_waiter.woken);
    PidRefPoll thread_poll = h.table.poll_pid_ref(*thread_ref, nullptr);
    EXPECT_TRUE(thread_poll.exited && thread_poll.released);
    EXPECT_TRUE(waiter.woken);
    poll = h.table.poll_pid_ref(*ref, nullptr);
    EXPECT_TRUE(poll.exited);
    EXPECT_FALSE(poll.released);
    EXPECT_EQ(h.table.pid_ref_pid(*ref), pid);
    Waiter reap_waiter;
    h.table.poll_pid_ref(*ref, &reap_waiter);
    EXPECT_EQ(wait_pidfd(h, *h.init, *ref, WEXITED).status, 5 << 8);
    EXPECT_TRUE(reap_waiter.woken);
    poll = h.table.poll_pid_ref(*ref, nullptr);
    EXPECT_TRUE(poll.exited && poll.released);
    h.table.put_pid_ref(*ref);
    h.table.put_pid_ref(*thread_ref);
    EXPECT_EQ(h.table.stats().pid_refs, 0);
}

TEST(Pidfd, SignalsReachAZombieButNotAReapedProcess) {
    Harness h;
    Thread* c = h.fork(*h.init);
    block_usr(h, *c);
    PidRef* ref = h.table.open_pid_ref(c->tid(), false).value();
    EXPECT_FALSE(h.table.pidfd_send_signal(*h.init, *ref, SIGUSR1, nullptr, PidfdScope::ThreadGroup).is_error());
    EXPECT_TRUE(c->process().shared_pending().contains(SIGUSR1));
    EXPECT_FALSE(h.table.pidfd_send_signal(*h.init, *ref, SIGUSR2, nullptr, PidfdScope::Thread).is_error());
    EXPECT_TRUE(c->pending().contains(SIGUSR2));
    EXPECT_EQ(h.table.pidfd_send_signal(*h.init, *ref, 65, nullptr, PidfdScope::ThreadGroup).error().code(), EINVAL);
    h.table.exit(*c, 0);
    EXPECT_FALSE(h.table.pidfd_send_signal(*h.init, *ref, SIGKILL, nullptr, PidfdScope::ThreadGroup).is_error());
    EXPECT_FALSE(h.table.pidfd_send_signal(*h.init, *ref, 0, nullptr, PidfdScope::Thread).is_error());
    EXPECT_EQ(wait_pidfd(h, *h.init, *ref, WEXITED).info.si_code, CLD_EXITED);
    EXPECT_EQ(h.table.pidfd_send_signal(*h.init, *ref, SIGKILL, nullptr, PidfdScope::ThreadGroup).error().code(),
              ESRCH);
    EXPECT_EQ(h.table.pidfd_send_signal(*h.init, *ref, 65, nullptr, PidfdScope::ThreadGroup).error().code(), ESRCH);
    h.table.put_pid_ref(*ref);
}

TEST(Pidfd, ForgedSiginfoOnlyTowardsTheCallingThread) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    PidRef* self = h.table.open_pid_ref(p->tid(), false).value();
    PidRef* child = h.table.open_pid_ref(c->tid(), false).value();
    SigInfo info;
    info.si_signo = SIGUSR1;
    info.si_code = SI_USER;
    EXPECT_EQ(h.table.pidfd_send_signal(*p, *child, SIGUSR1, &info, PidfdScope::ThreadGroup).error().code(), EPERM);
    EXPECT_FALSE(h.table.pidfd_send_signal(*p, *self, SIGUSR1, &info, PidfdScope::ThreadGroup).is_error());
    EXPECT_EQ(h.table.pidfd_send_signal(*p, *self, SIGUSR1, &info, PidfdScope::ProcessGroup).error().code(), EPERM);
    info.si_signo = SIGUSR2;
    EXPECT_EQ(h.table.pidfd_send_signal(*p, *child, SIGUSR1, &info, PidfdScope::ThreadGroup).error().code(), EINVAL);
    info.si_signo = SIGUSR1;
    info.si_code = SI_QUEUE;
    info.f.kill.pid = 4242;
    ASSERT_FALSE(h.table.pidfd_send_signal(*p, *child, SIGUSR1, &info, PidfdScope::ThreadGroup).is_error());
    SigInfo got;
    EXPECT_EQ(h.table.dequeue_signal(*c, SigSet::of(SIGUSR1), got), SIGUSR1);
    EXPECT_EQ(got.si_code, SI_QUEUE);
    EXPECT_EQ(got.f.kill.pid, 4242);
    // kill(2)'s permission rule.
    ASSERT_FALSE(h.table.set_credentials(p->process(), user(1000)).is_error());
    ASSERT_FALSE(h.table.set_credentials(c->process(), user(2000)).is_error());
    EXPECT_EQ(h.table.pidfd_send_signal(*p, *child, SIGTERM, nullptr, PidfdScope::ThreadGroup).error().code(), EPERM);
    EXPECT_EQ(h.table.pidfd_send_signal(*p, *child, 0, nullptr, PidfdScope::Thread).error().code(), EPERM);
    h.table.put_pid_ref(*self);
    h.table.put_pid_ref(*child);
}

TEST(Pidfd, ScopesThreadThreadGroupProcessGroup) {
    Harness h;
    Thread* p = h.fork(*h.init);
    block_usr(h, *p);
    Thread* t = h.spawn_thread(*p);
    Thread* c = h.fork(*p);
    PidRef* thread_ref = h.table.open_pid_ref(t->tid(), true).value();
    PidRef* group_leader = h.table.open_pid_ref(p->tid(), false).value();
    // A non-leader's identity names no thread group (PIDTYPE_TGID).
    EXPECT_EQ(h.table.pidfd_send_signal(*h.init, *thread_ref, 0, nullptr, PidfdScope::ThreadGroup).error().code(),
              ESRCH);
    EXPECT_FALSE(h.table.pidfd_send_signal(*h.init, *thread_ref, SIGUSR1, nullptr, PidfdScope::Thread).is_error());
    EXPECT_TRUE(t->pending().contains(SIGUSR1));
    // p's pid is no process group id yet.
    EXPECT_EQ(h.table.pidfd_send_signal(*h.init, *group_leader, 0, nullptr, PidfdScope::ProcessGroup).error().code(),
              ESRCH);
    ASSERT_FALSE(h.table.setpgid(*p, 0, 0).is_error());
    ASSERT_FALSE(h.table.setpgid(*p, c->tid(), p->tid()).is_error());
    EXPECT_FALSE(h.table.pidfd_send_signal(*h.init, *group_leader, SIGUSR2, nullptr, PidfdScope::ProcessGroup)
                     .is_error());
    EXPECT_TRUE(p->process().shared_pending().contains(SIGUSR2));
    EXPECT_TRUE(c->process().shared_pending().contains(SIGUSR2));
    h.table.put_pid_ref(*thread_ref);
    h.table.put_pid_ref(*group_leader);
}

// execve by a non-leader: the process keeps its identity (the exec'ing
// thread takes the leader's number); the thread's old identity is released.
TEST(Pidfd, ExecByAThreadKeepsTheProcessIdentity) {
    Harness h;
    Thread* p = h.fork(*h.init);
    block_usr(h, *p);
    pid_t pid = p->tid();
    Thread* t = h.spawn_thread(*p);
    PidRef* process_ref = h.table.open_pid_ref(pid, false).value();
    PidRef* thread_ref = h.table.open_pid_ref(t->tid(), true).value();
    h.table.exit(*p, 0);
    ASSERT_TRUE(h.table.exec_prepare(*t).value().done);
    h.host.cr3[t->tid()] = 0x9000;
    ASSERT_FALSE(h.table.exec_commit(*t, 0x9000).is_error());
    EXPECT_EQ(t->tid(), pid);
    PidRefPoll poll = h.table.poll_pid_ref(*thread_ref, nullptr);
    EXPECT_TRUE(poll.exited && poll.released);
    EXPECT_FALSE(thread_ref->attached());
    EXPECT_FALSE(h.table.poll_pid_ref(*process_ref, nullptr).exited);
    EXPECT_FALSE(h.table.pidfd_send_signal(*h.init, *process_ref, SIGUSR1, nullptr, PidfdScope::Thread).is_error());
    EXPECT_TRUE(t->pending().contains(SIGUSR1));
    h.table.exit(*t, 9);
    EXPECT_EQ(wait_pidfd(h, *h.init, *process_ref, WEXITED).status, 9 << 8);
    h.table.put_pid_ref(*process_ref);
    h.table.put_pid_ref(*thread_ref);
    EXPECT_EQ(h.table.stats().pid_refs, 0);
}

// CLONE_PIDFD: the identity comes with the child, one reference held.
TEST(Pidfd, CloneHandsOutTheNewIdentity) {
    Harness h;
    CloneArgs args;
    PidRef* ref = nullptr;
    args.flags = SIGCHLD;
    args.kernel_stack = h.handle();
    args.address_space = h.handle();
    args.file_table = h.handle();
    args.pid_ref = &ref;
    Thread* c = h.table.clone(*h.init, args).value();
    h.host.cr3[c->tid()] = args.address_space;
    ASSERT_NE(ref, nullptr);
    EXPECT_EQ(ref->pid(), c->tid());
    EXPECT_EQ(ref->references(), 1);
    PidRef* thread_ref = nullptr;
    CloneArgs thread_args;
    thread_args.flags = Harness::kThreadFlags & ~CLONE_SETTLS;
    thread_args.kernel_stack = h.handle();
    thread_args.pid_ref = &thread_ref;
    Thread* t = h.table.clone(*c, thread_args).value();
    ASSERT_NE(thread_ref, nullptr);
    EXPECT_EQ(thread_ref->pid(), t->tid());
    EXPECT_EQ(h.table.stats().pid_refs, 2);
    h.table.exit_group(*c, 0);
    EXPECT_EQ(h.return_to_user(*t).kind, SignalDecision::Kind::Exit);
    EXPECT_EQ(wait_pidfd(h, *h.init, *ref, WEXITED).ret, ref->pid());
    h.table.put_pid_ref(*ref);
    h.table.put_pid_ref(*thread_ref);
    EXPECT_EQ(h.table.stats().pid_refs, 0);
    EXPECT_TRUE(h.host.errors.empty());
}

struct Pin {
    uint64_t table = 0;
};

TEST(Pidfd, FileTablePermission) {
    Harness h;
    Thread* p = h.fork(*h.init);
    Thread* c = h.fork(*p);
    PidRef* ref = h.table.open_pid_ref(c->tid(), false).value();
    Pin pin;
    auto visit = [](uint64_t table, void* context) { static_cast<Pin*>(context)->table = table; };
    ASSERT_FALSE(h.table.pidfd_file_table(*p, *ref, visit, &pin).is_error());
    EXPECT_EQ(pin.table, c->process().file_table());
    ASSERT_FALSE(h.table.set_credentials(p->process(), user(1000)).is_error());
    EXPECT_EQ(h.table.pidfd_file_table(*p, *ref, visit, &pin).error().code(), EPERM);
    ASSERT_FALSE(h.table.set_credentials(c->process(), user(1000)).is_error());
    EXPECT_FALSE(h.table.pidfd_file_table(*p, *ref, visit, &pin).is_error());
    Credentials setuid_like = user(1000);
    setuid_like.euid = 0; // a set-user-ID program: not ours to take from
    ASSERT_FALSE(h.table.set_credentials(c->process(), setuid_like).is_error());
    EXPECT_EQ(h.table.pidfd_file_table(*p, *ref, visit, &pin).error().code(), EPERM);
    EXPECT_FALSE(h.table.pidfd_file_table(*h.init, *ref, visit, &pin).is_error()); // root
    h.table.exit(*c, 0);
    EXPECT_EQ(h.table.pidfd_file_table(*h.init, *ref, visit, &pin).error().code(), ESRCH); // zombie
    h.table.put_pid_ref(*ref);
}

} // namespace
} // namespace charon::proc
