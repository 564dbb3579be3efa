// Credentials and nice in the lifecycle core: the set*id rules
// (proc/credentials.h), supplementary group lists, and
// getpriority/setpriority's targets, permissions, limits and inheritance
// (proc/priority.cpp), with the scheduler's notifications.
#include <gtest/gtest.h>

#include "proc_fake_host.h"

namespace charon::proc {
using test::Harness;

namespace {
Credentials ids(uid_t r, uid_t e, uid_t s) {
    Credentials c;
    c.uid = r, c.euid = e, c.suid = s, c.fsuid = e;
    c.gid = c.egid = c.sgid = c.fsgid = 100;
    return c;
}
void expect_uids(const Credentials& c, uid_t r, uid_t e, uid_t s, uid_t fs) {
    EXPECT_EQ(c.uid, r);
    EXPECT_EQ(c.euid, e);
    EXPECT_EQ(c.suid, s);
    EXPECT_EQ(c.fsuid, fs);
}
} // namespace

TEST(Cred, SetreuidFollowsLinuxSavedIdRules) {
    Credentials c = ids(1, 2, 3);
    // Real: only the old real or effective id.
    EXPECT_EQ(cred::set_re_ids(c, true, 3, kNoId, false).error().code(), EPERM);
    expect_uids(cred::set_re_ids(c, true, 2, kNoId, false).value(), 2, 2, 2, 2); // real set: saved = effective
    // Effective to the saved id (not the old real): saved follows.
    Credentials d = cred::set_re_ids(c, true, kNoId, 3, false).value();
    expect_uids(d, 1, 3, 3, 3);
    // Effective back to the real id: saved kept.
    Credentials e = cred::set_re_ids(d, true, kNoId, 1, false).value();
    expect_uids(e, 1, 1, 3, 1);
    EXPECT_EQ(cred::set_re_ids(e, true, kNoId, 2, false).error().code(), EPERM);
    // Privileged: anything.
    expect_uids(cred::set_re_ids(ids(0, 0, 0), true, 5, 6, true).value(), 5, 6, 6, 6);
    // Nothing asked: nothing changes but fs = effective.
    expect_uids(cred::set_re_ids(c, true, kNoId, kNoId, false).value(), 1, 2, 3, 2);
    // The gid side touches only gids.
    Credentials g = cred::set_re_ids(c, false, kNoId, 100, false).value();
    expect_uids(g, 1, 2, 3, 2);
    EXPECT_EQ(g.fsgid, 100u);
}

TEST(Cred, SetuidSetresuidAndFsuid) {
    expect_uids(cred::set_id(ids(1, 2, 3), true, 3, false).value(), 1, 3, 3, 3);
    EXPECT_EQ(cred::set_id(ids(1, 2, 3), true, 2, false).error().code(), EPERM); // effective is not enough
    expect_uids(cred::set_id(ids(0, 0, 0), true, 7, true).value(), 7, 7, 7, 7);
    EXPECT_EQ(cred::set_id(ids(0, 0, 0), true, kNoId, true).error().code(), EINVAL);
    EXPECT_EQ(cred::set_res_ids(ids(1, 2, 3), true, 4, kNoId, kNoId, false).error().code(), EPERM);
    expect_uids(cred::set_res_ids(ids(1, 2, 3), true, 3, 1, 2, false).value(), 3, 1, 2, 1);

    bool changed = true;
    Credentials c = ids(1, 2, 3);
    Credentials f = cred::set_fs_id(c, true, kNoId, false, changed); // a query
    EXPECT_FALSE(changed);
    EXPECT_EQ(f.fsuid, 2u);
    f = cred::set_fs_id(c, true, 9, false, changed); // refused, silently
    EXPECT_FALSE(changed);
    EXPECT_EQ(f.fsuid, 2u);
    f = cred::set_fs_id(c, true, 3, false, changed);
    EXPECT_TRUE(changed);
    expect_uids(f, 1, 2, 3, 3);
    f = cred::set_fs_id(c, true, 9, true, changed);
    EXPECT_TRUE(changed);
    EXPECT_EQ(f.fsuid, 9u);
    // Any set*id call puts the fs id back on the effective one.
    expect_uids(cred::set_res_ids(f, true, kNoId, kNoId, kNoId, false).value(), 1, 2, 3, 2);
}

TEST(Cred, GroupListsAreSortedSearchedAndFreed) {
    uint64_t live = GroupList::live_count();
    {
        RefPtr<GroupList> list = GroupList::create(5).value();
        gid_t in[5] = {50, 10, 40, 10, 30};
        for (int i = 0; i < 5; ++i)
            list->mutable_ids()[i] = in[i];
        list->sort();
        gid_t sorted[5] = {10, 10, 30, 40, 50};
        for (int i = 0; i < 5; ++i)
            EXPECT_EQ(list->ids()[i], sorted[i]);
        Credentials c = ids(1, 1, 1);
        c.groups = list;
        EXPECT_TRUE(c.in_group(100)); // the fs gid
        EXPECT_TRUE(c.in_group(40));
        EXPECT_FALSE(c.in_group(20));
        EXPECT_FALSE(c.in_group(60));
        EXPECT_EQ(c.group_count(), 5u);
        Credentials copy = c; // shared, not copied
        EXPECT_EQ(copy.groups.ptr(), list.ptr());
        EXPECT_EQ(GroupList::live_count(), live + 1);
    }
    EXPECT_EQ(GroupList::live_count(), live);
}

TEST(Cred, ForkSharesTheGroupListAndReapFreesIt) {
    uint64_t live = GroupList::live_count();
    {
        Harness h;
        Thread* a = h.fork(*h.init);
        Credentials c = a->process().credentials();
        RefPtr<GroupList> list = GroupList::create(2).value();
        list->mutable_ids()[0] = 7;
        list->mutable_ids()[1] = 8;
        c.groups = list;
        ASSERT_FALSE(h.table.set_credentials(a->process(), c).is_error());
        list = nullptr;
        Thread* b = h.fork(*a);
        EXPECT_EQ(b->process().credentials().groups.ptr(), a->process().credentials().groups.ptr());
        EXPECT_EQ(GroupList::live_count(), live + 1);
        pid_t bpid = b->tid();
        h.table.exit(*b, 0);
        EXPECT_EQ(h.wait4(*a, bpid, 0).ret, bpid);
        EXPECT_EQ(GroupList::live_count(), live + 1);
        c = a->process().credentials();
        c.groups = nullptr;
        ASSERT_FALSE(h.table.set_credentials(a->process(), c).is_error());
        c = Credentials();
        EXPECT_EQ(GroupList::live_count(), live);
    }
    EXPECT_EQ(GroupList::live_count(), live);
}

namespace {
void become(Harness& h, Thread& t, uid_t uid) {
    Credentials c = t.process().credentials();
    c.uid = c.euid = c.suid = c.fsuid = uid;
    ASSERT_FALSE(h.table.set_credentials(t.process(), c).is_error());
}
} // namespace

TEST(Nice, PerThreadGetAndSetWithTheRawEncoding) {
    Harness h;
    Thread* a = h.fork(*h.init);
    Thread* t = h.spawn_thread(*a);
    EXPECT_EQ(h.table.getpriority(*a, kPrioProcess, 0).value(), 20);
    ASSERT_FALSE(h.table.setpriority(*t, kPrioProcess, 0, 7).is_error());
    EXPECT_EQ(t->nice(), 7);
    EXPECT_EQ(a->nice(), 0); // the thread only
    EXPECT_EQ(h.host.nices[t->tid()], 7);
    EXPECT_EQ(h.table.getpriority(*a, kPrioProcess, t->tid()).value(), 13);
    // Clamped.
    ASSERT_FALSE(h.table.setpriority(*a, kPrioProcess, a->tid(), 1000).is_error());
    EXPECT_EQ(a->nice(), 19);
    EXPECT_EQ(h.table.getpriority(*a, kPrioProcess, 0).value(), 1);
    // Errors.
    EXPECT_EQ(h.table.getpriority(*a, 3, 0).error().code(), EINVAL);
    EXPECT_EQ(h.table.setpriority(*a, -1, 0, 0).error().code(), EINVAL);
    EXPECT_EQ(h.table.getpriority(*a, kPrioProcess, 30000).error().code(), ESRCH);
    EXPECT_EQ(h.table.setpriority(*a, kPrioPgrp, 30000, 1).error().code(), ESRCH);
    EXPECT_EQ(h.table.getpriority(*a, kPrioUser, 4242).error().code(), ESRCH);
}

TEST(Nice, ForkAndCloneCopyTheCreatorsNiceAndTellTheScheduler) {
    Harness h;
    Thread* a = h.fork(*h.init);
    ASSERT_FALSE(h.table.setpriority(*a, kPrioProcess, 0, 4).is_error());
    Thread* b = h.fork(*a);
    Thread* t = h.spawn_thread(*a);
    EXPECT_EQ(b->nice(), 4);
    EXPECT_EQ(t->nice(), 4);
    EXPECT_EQ(h.host.nices[b->tid()], 4);
    EXPECT_EQ(h.host.nices[t->tid()], 4);
    Thread* c = h.fork(*h.init); // nice 0: nothing to tell
    EXPECT_EQ(h.host.nices.count(c->tid()), 0u);
}

TEST(Nice, GroupsAndUsersReportTheLowestNice) {
    Harness h;
    Thread* a = h.fork(*h.init);
    ASSERT_FALSE(h.table.setpgid(*a, 0, 0).is_error());
    Thread* b = h.fork(*a);
    Thread* bt = h.spawn_thread(*b);
    ASSERT_FALSE(h.table.setpriority(*a, kPrioPgrp, 0, 9).is_error());
    EXPECT_EQ(a->nice(), 9);
    EXPECT_EQ(b->nice(), 9);
    EXPECT_EQ(bt->nice(), 9); // every thread of every member
    EXPECT_EQ(h.init->nice(), 0);
    ASSERT_FALSE(h.table.setpriority(*a, kPrioProcess, bt->tid(), 15).is_error());
    EXPECT_EQ(h.table.getpriority(*h.init, kPrioPgrp, a->tid()).value(), 11); // 20 - 9

    Thread* u1 = h.fork(*h.init);
    Thread* u2 = h.fork(*h.init);
    become(h, *u1, 1000);
    become(h, *u2, 1000);
    ASSERT_FALSE(h.table.setpriority(*h.init, kPrioUser, 1000, 3).is_error());
    EXPECT_EQ(u1->nice(), 3);
    EXPECT_EQ(u2->nice(), 3);
    EXPECT_EQ(a->nice(), 9);
    EXPECT_EQ(h.table.getpriority(*u1, kPrioUser, 0).value(), 17); // who 0: the caller's real uid
}

TEST(Nice, PermissionsAndRlimitNice) {
    Harness h;
    Thread* root = h.fork(*h.init);
    Thread* a = h.fork(*h.init);
    Thread* b = h.fork(*h.init);
    become(h, *a, 1000);
    become(h, *b, 1001);
    // Raising one's own nice is free; lowering it needs RLIMIT_NICE.
    ASSERT_FALSE(h.table.setpriority(*a, kPrioProcess, 0, 12).is_error());
    EXPECT_EQ(h.table.setpriority(*a, kPrioProcess, 0, 11).error().code(), EACCES);
    h.table.set_nice_limit(a->process(), 10); // down to nice 10
    ASSERT_FALSE(h.table.setpriority(*a, kPrioProcess, 0, 10).is_error());
    EXPECT_EQ(h.table.setpriority(*a, kPrioProcess, 0, 9).error().code(), EACCES);
    EXPECT_EQ(a->nice(), 10);
    // The limit is inherited.
    Thread* a2 = h.fork(*a);
    ASSERT_FALSE(h.table.setpriority(*a2, kPrioProcess, 0, 15).is_error());
    ASSERT_FALSE(h.table.setpriority(*a2, kPrioProcess, 0, 10).is_error());
    // Another user's thread: EPERM; root may do anything.
    EXPECT_EQ(h.table.setpriority(*a, kPrioProcess, b->tid(), 19).error().code(), EPERM);
    EXPECT_EQ(b->nice(), 0);
    ASSERT_FALSE(h.table.setpriority(*root, kPrioProcess, b->tid(), -20).is_error());
    EXPECT_EQ(b->nice(), -20);
    // Several targets: those allowed change, the last failure is returned.
    EXPECT_EQ(h.table.setpriority(*a, kPrioPgrp, 0, 19).error().code(), EPERM); // init's group
    EXPECT_EQ(a->nice(), 19);
    EXPECT_EQ(h.init->nice(), 0);
}

} // namespace charon::proc
