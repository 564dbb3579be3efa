// The lifecycle core's terminal rules: controlling terminal per session
// (TIOCSCTTY, open, TIOCNOTTY, setsid, fork), tcsetpgrp's errors, the
// job-control check for background readers and writers, and the hang-up
// when the session leader exits. Linux's drivers/tty/tty_jobctrl.c is the
// reference for every expectation here.
#include <gtest/gtest.h>

#include "proc_fake_host.h"

namespace charon::proc {
using test::Harness;

namespace {

// A session leader with `tty` as its controlling terminal, and a child in
// a group of its own (a background job until made the foreground).
struct Job {
    Thread* leader;
    Thread* job;
};

Job session_with_job(Harness& h, Terminal& tty) {
    Thread* leader = h.fork(*h.init);
    VERIFY(!h.table.setsid(*leader).is_error());
    VERIFY(!h.table.set_controlling_tty(*leader, tty, false).is_error());
    Thread* job = h.fork(*leader);
    VERIFY(!h.table.setpgid(*job, 0, 0).is_error());
    return {leader, job};
}

bool pending(Thread& t, int sig) { return t.process().shared_pending().contains(sig); }

} // namespace

TEST(Tty, OnlyASessionLeaderWithoutATerminalAcquiresOne) {
    Harness h;
    Terminal tty;
    Thread* leader = h.fork(*h.init);
    Thread* member = h.fork(*leader);
    ASSERT_FALSE(h.table.setsid(*leader).is_error());
    EXPECT_EQ(h.table.set_controlling_tty(*member, tty, false).error().code(), EPERM); // not a leader
    EXPECT_FALSE(h.table.has_controlling_tty(*leader));
    ASSERT_FALSE(h.table.set_controlling_tty(*leader, tty, false).is_error());
    EXPECT_TRUE(h.table.is_controlling_tty(*leader, tty));
    EXPECT_EQ(tty.foreground_pgid(), leader->tid());
    // Again on the same terminal: nothing to do.
    EXPECT_FALSE(h.table.set_controlling_tty(*leader, tty, false).is_error());
    // A second terminal: the leader has one already.
    Terminal other;
    EXPECT_EQ(h.table.set_controlling_tty(*leader, other, false).error().code(), EPERM);
    // Children forked from now on share it; `member` was forked before.
    Thread* child = h.fork(*leader);
    EXPECT_TRUE(h.table.is_controlling_tty(*child, tty));
    EXPECT_FALSE(h.table.is_controlling_tty(*member, tty));
}

TEST(Tty, ATerminalControlsOneSessionUnlessStolen) {
    Harness h;
    Terminal tty;
    Thread* first = h.fork(*h.init);
    Thread* second = h.fork(*h.init);
    ASSERT_FALSE(h.table.setsid(*first).is_error());
    ASSERT_FALSE(h.table.setsid(*second).is_error());
    ASSERT_FALSE(h.table.set_controlling_tty(*first, tty, false).is_error());
    EXPECT_EQ(h.table.set_controlling_tty(*second, tty, false).error().code(), EPERM);
    h.table.open_controlling_tty(*second, tty); // open() does not steal either
    EXPECT_FALSE(h.table.has_controlling_tty(*second));
    ASSERT_FALSE(h.table.set_controlling_tty(*second, tty, true).is_error());
    EXPECT_TRUE(h.table.is_controlling_tty(*second, tty));
    EXPECT_FALSE(h.table.has_controlling_tty(*first));
    EXPECT_EQ(tty.foreground_pgid(), second->tid());
}

TEST(Tty, OpenAcquiresOnlyForALeaderWithoutOne) {
    Harness h;
    Terminal tty;
    Thread* leader = h.fork(*h.init);
    Thread* member = h.fork(*leader);
    h.table.open_controlling_tty(*member, tty); // not a session leader
    EXPECT_FALSE(tty.controls_a_session());
    ASSERT_FALSE(h.table.setsid(*leader).is_error());
    h.table.open_controlling_tty(*leader, tty);
    EXPECT_TRUE(h.table.is_controlling_tty(*leader, tty));
}

TEST(Tty, SetsidLeavesTheTerminalBehind) {
    Harness h;
    Terminal tty;
    auto [leader, job] = session_with_job(h, tty);
    Thread* child = h.fork(*leader);
    EXPECT_TRUE(h.table.is_controlling_tty(*child, tty));
    ASSERT_FALSE(h.table.setsid(*child).is_error());
    EXPECT_FALSE(h.table.has_controlling_tty(*child));
    EXPECT_EQ(h.table.tty_foreground_group(*child, tty).error().code(), ENOTTY);
    EXPECT_EQ(h.table.tty_session(*child, tty).error().code(), ENOTTY);
    EXPECT_EQ(h.table.tty_session(*job, tty).value(), leader->tid());
}

TEST(Tty, ForegroundGroupMustBeInTheSessionAndExist) {
    Harness h;
    Terminal tty;
    auto [leader, job] = session_with_job(h, tty);
    ASSERT_FALSE(h.table.set_foreground_group(*leader, tty, job->tid()).is_error());
    EXPECT_EQ(h.table.tty_foreground_group(*leader, tty).value(), job->tid());
    EXPECT_EQ(h.table.set_foreground_group(*leader, tty, 1).error().code(), EPERM); // init's session
    EXPECT_EQ(h.table.set_foreground_group(*leader, tty, 3333).error().code(), ESRCH);
    EXPECT_EQ(h.table.set_foreground_group(*leader, tty, 0).error().code(), ESRCH);
    EXPECT_EQ(h.table.set_foreground_group(*leader, tty, -1).error().code(), EINVAL);
    // A process of the session that leads no group: Linux takes its session.
    Thread* plain = h.fork(*job);
    EXPECT_FALSE(h.table.set_foreground_group(*leader, tty, plain->tid()).is_error());
    // Not our controlling terminal.
    Terminal other;
    EXPECT_EQ(h.table.set_foreground_group(*leader, other, leader->tid()).error().code(), ENOTTY);
    EXPECT_EQ(h.table.set_foreground_group(*h.init, tty, 1).error().code(), ENOTTY);
}

TEST(Tty, BackgroundReaderGetsSigttinItsWholeGroup) {
    Harness h;
    Terminal tty;
    auto [leader, job] = session_with_job(h, tty);
    Thread* sibling = h.fork(*job); // same group as job
    // The foreground reads freely.
    EXPECT_FALSE(h.table.tty_check_change(*leader, tty, SIGTTIN).is_error());
    EXPECT_EQ(h.table.tty_check_change(*job, tty, SIGTTIN).error().code(), ERESTARTSYS);
    EXPECT_TRUE(pending(*job, SIGTTIN));
    EXPECT_TRUE(pending(*sibling, SIGTTIN));
    EXPECT_FALSE(pending(*leader, SIGTTIN));
}

TEST(Tty, IgnoredOrBlockedSigttinIsEioSigttouPasses) {
    Harness h;
    Terminal tty;
    auto [leader, job] = session_with_job(h, tty);
    (void)leader;
    h.set_handler(*job, SIGTTIN, SIG_IGN);
    EXPECT_EQ(h.table.tty_check_change(*job, tty, SIGTTIN).error().code(), EIO);
    SigSet ttou = SigSet::of(SIGTTOU);
    ASSERT_FALSE(h.table.sigprocmask(*job, SIG_BLOCK, &ttou).is_error());
    EXPECT_FALSE(h.table.tty_check_change(*job, tty, SIGTTOU).is_error());
    EXPECT_FALSE(pending(*job, SIGTTIN));
    EXPECT_FALSE(pending(*job, SIGTTOU));
}

TEST(Tty, OrphanedBackgroundGroupGetsEio) {
    Harness h;
    Terminal tty;
    auto [leader, job] = session_with_job(h, tty);
    // Another group of the session whose parent is outside it (init) is orphaned.
    Thread* middle = h.fork(*leader);
    ASSERT_FALSE(h.table.setpgid(*middle, 0, 0).is_error());
    Thread* orphan = h.fork(*middle);
    ASSERT_FALSE(h.table.setpgid(*orphan, 0, 0).is_error());
    h.table.exit(*middle, 0); // orphan is reparented to init: its group has no link left
    EXPECT_EQ(h.table.tty_check_change(*orphan, tty, SIGTTIN).error().code(), EIO);
    EXPECT_EQ(h.table.tty_check_change(*orphan, tty, SIGTTOU).error().code(), EIO);
    EXPECT_FALSE(pending(*orphan, SIGTTIN));
    // job's parent (leader) is in the session, in another group: not orphaned.
    EXPECT_EQ(h.table.tty_check_change(*job, tty, SIGTTOU).error().code(), ERESTARTSYS);
}

TEST(Tty, NotOurTerminalNoJobControl) {
    Harness h;
    Terminal tty, other;
    auto [leader, job] = session_with_job(h, tty);
    (void)leader;
    EXPECT_FALSE(h.table.tty_check_change(*job, other, SIGTTIN).is_error());
    EXPECT_FALSE(h.table.tty_check_change(*h.init, tty, SIGTTIN).is_error());
}

TEST(Tty, TypedSignalsReachTheForegroundGroupOnly) {
    Harness h;
    Terminal tty;
    auto [leader, job] = session_with_job(h, tty);
    ASSERT_FALSE(h.table.set_foreground_group(*leader, tty, job->tid()).is_error());
    h.set_handler(*job, SIGINT, 0x5000);
    h.table.signal_terminal_foreground(tty, SIGINT);
    EXPECT_TRUE(pending(*job, SIGINT));
    EXPECT_FALSE(pending(*leader, SIGINT));
    Terminal unused;
    h.table.signal_terminal_foreground(unused, SIGINT); // controls nothing: no one
}

TEST(Tty, SessionLeaderExitHangsUpTheForegroundGroup) {
    Harness h;
    Terminal tty;
    auto [leader, job] = session_with_job(h, tty);
    ASSERT_FALSE(h.table.set_foreground_group(*leader, tty, job->tid()).is_error());
    h.set_handler(*job, SIGHUP, 0x5000);
    h.set_handler(*job, SIGCONT, 0x5000);
    h.table.exit(*leader, 0);
    EXPECT_TRUE(pending(*job, SIGHUP));
    EXPECT_FALSE(pending(*job, SIGCONT));
    EXPECT_FALSE(tty.controls_a_session());
    EXPECT_FALSE(h.table.has_controlling_tty(*job));
    // The terminal is free for another session.
    Thread* next = h.fork(*h.init);
    ASSERT_FALSE(h.table.setsid(*next).is_error());
    h.table.open_controlling_tty(*next, tty);
    EXPECT_TRUE(h.table.is_controlling_tty(*next, tty));
}

TEST(Tty, SessionLeaderExitHangsUpTheLineTiocnottyDoesNot) {
    Harness h;
    Terminal tty;
    int hang_ups = 0;
    tty.set_hang_up([](void* count) { ++*static_cast<int*>(count); }, &hang_ups);
    auto [leader, job] = session_with_job(h, tty);
    h.set_handler(*job, SIGHUP, 0x5000);
    // TIOCNOTTY by a member, then by the leader: signals, no hang-up
    // (disassociate_ctty(0)).
    ASSERT_FALSE(h.table.release_controlling_tty(*job, tty).is_error());
    ASSERT_FALSE(h.table.release_controlling_tty(*leader, tty).is_error());
    EXPECT_EQ(hang_ups, 0);
    // The exit of a leader that controls it hangs it up, once.
    ASSERT_FALSE(h.table.set_controlling_tty(*leader, tty, false).is_error());
    h.table.exit(*job, 0);
    EXPECT_EQ(hang_ups, 0);
    h.table.exit(*leader, 0);
    EXPECT_EQ(hang_ups, 1);
    // A leader without a terminal exits: nothing.
    Thread* other = h.fork(*h.init);
    ASSERT_FALSE(h.table.setsid(*other).is_error());
    h.table.exit(*other, 0);
    EXPECT_EQ(hang_ups, 1);
}

TEST(Tty, NottyFromTheLeaderDisassociatesTheSession) {
    Harness h;
    Terminal tty;
    auto [leader, job] = session_with_job(h, tty);
    ASSERT_FALSE(h.table.set_foreground_group(*leader, tty, job->tid()).is_error());
    h.set_handler(*job, SIGHUP, 0x5000);
    h.set_handler(*job, SIGCONT, 0x5000); // a default SIGCONT is not queued
    Thread* member = h.fork(*leader);
    ASSERT_FALSE(h.table.release_controlling_tty(*leader, tty).is_error());
    EXPECT_TRUE(pending(*job, SIGHUP));
    EXPECT_TRUE(pending(*job, SIGCONT));
    EXPECT_FALSE(h.table.has_controlling_tty(*member));
    EXPECT_EQ(h.table.release_controlling_tty(*leader, tty).error().code(), ENOTTY);
    // Acquired again: members that lost it do not get it back (Linux
    // clears each one's signal->tty).
    ASSERT_FALSE(h.table.set_controlling_tty(*leader, tty, false).is_error());
    EXPECT_TRUE(h.table.is_controlling_tty(*leader, tty));
    EXPECT_FALSE(h.table.has_controlling_tty(*member));
}

TEST(Tty, NottyFromAMemberDropsOnlyItsOwn) {
    Harness h;
    Terminal tty;
    auto [leader, job] = session_with_job(h, tty);
    ASSERT_FALSE(h.table.release_controlling_tty(*job, tty).is_error());
    EXPECT_FALSE(h.table.has_controlling_tty(*job));
    EXPECT_TRUE(h.table.is_controlling_tty(*leader, tty));
    EXPECT_FALSE(pending(*job, SIGHUP));
    // Its children are born without it.
    Thread* child = h.fork(*job);
    EXPECT_FALSE(h.table.has_controlling_tty(*child));
}

TEST(Tty, VhangupHangsUpSignalsTheLeaderAndFreesTheTerminal) {
    Harness h;
    Terminal tty;
    int hang_ups = 0;
    tty.set_hang_up([](void* count) { ++*static_cast<int*>(count); }, &hang_ups);
    auto [leader, job] = session_with_job(h, tty);
    ASSERT_FALSE(h.table.set_foreground_group(*leader, tty, job->tid()).is_error());
    h.set_handler(*leader, SIGHUP, 0x5000);
    h.set_handler(*leader, SIGCONT, 0x5000);
    h.set_handler(*job, SIGHUP, 0x5000);
    // A member's vhangup: the line hung up, only the leader signalled
    // (tty_signal_session_leader), nobody has the terminal any more.
    h.table.vhangup(*job);
    EXPECT_EQ(hang_ups, 1);
    EXPECT_TRUE(pending(*leader, SIGHUP));
    EXPECT_TRUE(pending(*leader, SIGCONT));
    EXPECT_FALSE(pending(*job, SIGHUP));
    EXPECT_FALSE(h.table.has_controlling_tty(*leader));
    EXPECT_FALSE(h.table.has_controlling_tty(*job));
    EXPECT_FALSE(tty.controls_a_session());
    // No controlling terminal: nothing happens.
    h.table.vhangup(*leader);
    EXPECT_EQ(hang_ups, 1);
    // The terminal is free for a session leader again.
    Thread* other = h.fork(*h.init);
    ASSERT_FALSE(h.table.setsid(*other).is_error());
    EXPECT_FALSE(h.table.set_controlling_tty(*other, tty, false).is_error());
}

} // namespace charon::proc
