// Descriptor table: allocation, dup family, fcntl, close-on-exec, fork clone,
// CLONE_FILES sharing.
#include <gtest/gtest.h>

#include "fixtures/fs_fixture.h"

using namespace charon;
using namespace charon::test;

using FdTableTest = FsFixture;

TEST_F(FdTableTest, LowestFreeDescriptor) {
    EXPECT_EQ(open("/etc/passwd", O_RDONLY).value(), 0);
    EXPECT_EQ(open("/etc/passwd", O_RDONLY).value(), 1);
    EXPECT_EQ(open("/etc/passwd", O_RDONLY).value(), 2);
    ASSERT_FALSE(fds->close(1).is_error());
    EXPECT_EQ(open("/etc/passwd", O_RDONLY).value(), 1);
    EXPECT_ERRNO(fds->close(5), EBADF);
    EXPECT_ERRNO(fds->close(-1), EBADF);
    ASSERT_FALSE(fds->close(0).is_error());
    EXPECT_ERRNO(fds->close(0), EBADF);
    EXPECT_EQ(fds->open_count(), 2u);
}

TEST_F(FdTableTest, DupSharesTheOpenFileDescription) {
    int a = open("/etc/passwd", O_RDONLY).value();
    int b = fds->dup(a, nofile_limit).value();
    EXPECT_EQ(b, a + 1);
    EXPECT_EQ(fds->get(a).value().ptr(), fds->get(b).value().ptr());
    // The offset is shared.
    ASSERT_FALSE(fds->get(a).value()->seek(5, SEEK_SET).is_error());
    EXPECT_EQ(fds->get(b).value()->offset(), 5u);
    // Status flags too; FD_CLOEXEC is not.
    ASSERT_FALSE(fds->fcntl(a, F_SETFL, O_NONBLOCK, nofile_limit).is_error());
    EXPECT_TRUE(fds->fcntl(b, F_GETFL, 0, nofile_limit).value() & O_NONBLOCK);
    ASSERT_FALSE(fds->fcntl(a, F_SETFD, FD_CLOEXEC, nofile_limit).is_error());
    EXPECT_EQ(fds->fcntl(a, F_GETFD, 0, nofile_limit).value(), FD_CLOEXEC);
    EXPECT_EQ(fds->fcntl(b, F_GETFD, 0, nofile_limit).value(), 0);
    EXPECT_ERRNO(fds->dup(42, nofile_limit), EBADF);
}

TEST_F(FdTableTest, Dup2AndDup3) {
    int a = open("/etc/passwd", O_RDONLY).value();
    int other = open("/bin/sh", O_RDONLY).value();
    auto other_file = fds->get(other).value();
    uint64_t files_before = fs_stats::live_open_files();
    // dup2 onto an open descriptor closes what was there.
    EXPECT_EQ(fds->dup2(a, other, nofile_limit).value(), other);
    EXPECT_EQ(fds->get(other).value().ptr(), fds->get(a).value().ptr());
    EXPECT_EQ(other_file->ref_count(), 1u); // only our local reference is left
    other_file = nullptr;
    EXPECT_EQ(fs_stats::live_open_files(), files_before - 1);
    // dup2(fd, fd) returns fd if valid, EBADF if not.
    EXPECT_EQ(fds->dup2(a, a, nofile_limit).value(), a);
    EXPECT_ERRNO(fds->dup2(9, 9, nofile_limit), EBADF);
    // dup3 refuses equal descriptors and unknown flags.
    EXPECT_ERRNO(fds->dup3(a, a, 0, nofile_limit), EINVAL);
    EXPECT_ERRNO(fds->dup3(a, 7, O_NONBLOCK, nofile_limit), EINVAL);
    EXPECT_EQ(fds->dup3(a, 7, O_CLOEXEC, nofile_limit).value(), 7);
    EXPECT_TRUE(fds->cloexec(7).value());
    // dup2 clears FD_CLOEXEC on the target.
    EXPECT_EQ(fds->dup2(a, 7, nofile_limit).value(), 7);
    EXPECT_FALSE(fds->cloexec(7).value());
    // new_fd at or above RLIMIT_NOFILE, or negative: EBADF.
    EXPECT_ERRNO(fds->dup2(a, static_cast<int>(nofile_limit), nofile_limit), EBADF);
    EXPECT_ERRNO(fds->dup2(a, -1, nofile_limit), EBADF);
    EXPECT_ERRNO(fds->dup2(55, 3, nofile_limit), EBADF);
    // Holes below a high descriptor are reused by the lowest-free rule.
    EXPECT_EQ(fds->high_water(), 8u);
    EXPECT_EQ(open("/etc/passwd", O_RDONLY).value(), 2);
}

TEST_F(FdTableTest, FcntlDupfd) {
    int a = open("/etc/passwd", O_RDONLY).value();
    EXPECT_EQ(fds->fcntl(a, F_DUPFD, 10, nofile_limit).value(), 10);
    EXPECT_EQ(fds->fcntl(a, F_DUPFD, 10, nofile_limit).value(), 11);
    int c = fds->fcntl(a, F_DUPFD_CLOEXEC, 5, nofile_limit).value();
    EXPECT_EQ(c, 5);
    EXPECT_EQ(fds->fcntl(c, F_GETFD, 0, nofile_limit).value(), FD_CLOEXEC);
    EXPECT_ERRNO(fds->fcntl(a, F_DUPFD, nofile_limit, nofile_limit), EINVAL);
    EXPECT_ERRNO(fds->fcntl(a, F_DUPFD, static_cast<uint64_t>(-1), nofile_limit), EINVAL);
    EXPECT_ERRNO(fds->fcntl(99, F_DUPFD, 0, nofile_limit), EBADF);
    EXPECT_ERRNO(fds->fcntl(a, 9999, 0, nofile_limit), EINVAL);
    EXPECT_ERRNO(fds->fcntl(99, F_GETFD, 0, nofile_limit), EBADF);
    // Full up to the limit: EMFILE.
    EXPECT_EQ(fds->fcntl(a, F_DUPFD, 20, 21).value(), 20);
    EXPECT_ERRNO(fds->fcntl(a, F_DUPFD, 20, 21), EMFILE);
}

TEST_F(FdTableTest, SetflChangesOnlySettableFlags) {
    int a = open("/etc/passwd", O_RDONLY).value();
    int before = fds->fcntl(a, F_GETFL, 0, nofile_limit).value();
    ASSERT_FALSE(fds->fcntl(a, F_SETFL, O_RDWR | O_APPEND | O_NONBLOCK | O_CREAT | O_TRUNC, nofile_limit).is_error());
    int after = fds->fcntl(a, F_GETFL, 0, nofile_limit).value();
    EXPECT_EQ(after, before | O_APPEND | O_NONBLOCK);
    EXPECT_EQ(after & O_ACCMODE, O_RDONLY);
    ASSERT_FALSE(fds->fcntl(a, F_SETFL, 0, nofile_limit).is_error());
    EXPECT_EQ(fds->fcntl(a, F_GETFL, 0, nofile_limit).value(), before);
}

TEST_F(FdTableTest, EmfileAtTheLimit) {
    nofile_limit = 4;
    for (int i = 0; i < 4; ++i)
        ASSERT_EQ(open("/etc/passwd", O_RDONLY).value(), i);
    EXPECT_ERRNO(fds->dup(0, nofile_limit), EMFILE);
    auto p = process();
    int pipe_fds[2] = {-1, -1};
    EXPECT_ERRNO(vfs.pipe2(p, pipe_fds, 0), EMFILE);
    // A pipe that got one descriptor of two gives it back.
    ASSERT_FALSE(fds->close(3).is_error());
    uint64_t pipes = fs_stats::live_pipes();
    EXPECT_ERRNO(vfs.pipe2(p, pipe_fds, 0), EMFILE);
    EXPECT_EQ(fs_stats::live_pipes(), pipes);
    EXPECT_EQ(fds->open_count(), 3u);
}

TEST_F(FdTableTest, CloseOnExecSweep) {
    int keep = open("/etc/passwd", O_RDONLY).value();
    int drop = open("/etc/passwd", O_RDONLY | O_CLOEXEC).value();
    int dropped_dup = fds->fcntl(keep, F_DUPFD_CLOEXEC, 0, nofile_limit).value();
    auto p = process();
    int pipe_fds[2];
    ASSERT_FALSE(vfs.pipe2(p, pipe_fds, O_CLOEXEC).is_error());
    auto pipe_file = fds->get(pipe_fds[0]).value();
    Pipe& pipe = static_cast<PipeFile&>(*pipe_file).pipe();
    EXPECT_EQ(pipe.writers(), 1u);
    fds->close_on_exec();
    EXPECT_FALSE(fds->get(keep).is_error());
    EXPECT_ERRNO(fds->get(drop), EBADF);
    EXPECT_ERRNO(fds->get(dropped_dup), EBADF);
    EXPECT_ERRNO(fds->get(pipe_fds[1]), EBADF);
    EXPECT_EQ(pipe.writers(), 0u); // the write end was really released
    EXPECT_EQ(fds->open_count(), 1u);
}

TEST_F(FdTableTest, CloseRange) {
    int a = open("/etc/passwd", O_RDONLY).value(); // 0
    ASSERT_EQ(fds->dup2(a, 5, nofile_limit).value(), 5);
    ASSERT_EQ(fds->dup2(a, 7, nofile_limit).value(), 7);
    ASSERT_EQ(fds->dup2(a, 900, nofile_limit).value(), 900);
    // Marking closes nothing and touches only the range.
    fds->close_range(5, 7, true);
    EXPECT_FALSE(fds->cloexec(a).value());
    EXPECT_TRUE(fds->cloexec(5).value());
    EXPECT_TRUE(fds->cloexec(7).value());
    EXPECT_FALSE(fds->cloexec(900).value());
    EXPECT_EQ(fds->open_count(), 4u);
    // closefrom(6): last = ~0U stops at the table's end.
    fds->close_range(6, ~0u, false);
    EXPECT_EQ(fds->open_count(), 2u);
    EXPECT_ERRNO(fds->get(7), EBADF);
    EXPECT_ERRNO(fds->get(900), EBADF);
    EXPECT_FALSE(fds->get(5).is_error());
    // A closed slot reused is not close-on-exec any more.
    fds->close_range(5, 5, false);
    ASSERT_EQ(fds->dup2(a, 5, nofile_limit).value(), 5);
    EXPECT_FALSE(fds->cloexec(5).value());
    // A range past the table, or empty of open files: nothing happens.
    fds->close_range(~0u, ~0u, false);
    fds->close_range(1, 4, false);
    EXPECT_EQ(fds->open_count(), 2u);
    // The released file really goes: a pipe's write end closes.
    FsProcess p = process();
    int pipe_fds[2];
    ASSERT_FALSE(vfs.pipe2(p, pipe_fds, 0).is_error());
    Pipe& pipe = static_cast<PipeFile&>(*fds->get(pipe_fds[0]).value()).pipe();
    fds->close_range(static_cast<unsigned>(pipe_fds[1]), static_cast<unsigned>(pipe_fds[1]), false);
    EXPECT_EQ(pipe.writers(), 0u);
}

TEST_F(FdTableTest, ForkCloneAndSharedTable) {
    int a = open("/etc/passwd", O_RDONLY | O_CLOEXEC).value();
    int b = open("/bin/sh", O_RDONLY).value();
    uint64_t tables = fs_stats::live_fd_tables();
    auto child = fds->clone().release_value();
    EXPECT_EQ(fs_stats::live_fd_tables(), tables + 1);
    // Same descriptions (shared offsets), same FD_CLOEXEC flags.
    EXPECT_EQ(child->get(a).value().ptr(), fds->get(a).value().ptr());
    EXPECT_TRUE(child->cloexec(a).value());
    EXPECT_FALSE(child->cloexec(b).value());
    // Independent tables: closing in one leaves the other.
    ASSERT_FALSE(child->close(b).is_error());
    EXPECT_FALSE(fds->get(b).is_error());
    int c = child->dup(a, nofile_limit).value();
    EXPECT_EQ(c, b);
    EXPECT_ERRNO(fds->get(100), EBADF);
    // CLONE_FILES: one table, two holders.
    RefPtr<FdTable> shared = fds;
    EXPECT_EQ(fds->ref_count(), 2u);
    ASSERT_FALSE(shared->close(a).is_error());
    EXPECT_ERRNO(fds->get(a), EBADF);
    shared = nullptr;
    child = nullptr; // the last holder closes everything it had
    EXPECT_EQ(fs_stats::live_fd_tables(), tables);
}

TEST_F(FdTableTest, UnshareBeforeExecKeepsTheOtherHoldersDescriptors) {
    int a = open("/etc/passwd", O_RDONLY | O_CLOEXEC).value();
    RefPtr<FdTable> other_process = fds; // shared through CLONE_FILES
    RefPtr<FdTable> mine = fds;
    ASSERT_FALSE(FdTable::unshare(mine).is_error());
    EXPECT_NE(mine.ptr(), fds.ptr());
    mine->close_on_exec();
    EXPECT_ERRNO(mine->get(a), EBADF);
    EXPECT_FALSE(other_process->get(a).is_error());
    // A private table is kept as it is.
    FdTable* before = mine.ptr();
    ASSERT_FALSE(FdTable::unshare(mine).is_error());
    EXPECT_EQ(mine.ptr(), before);
}
