// The namespace operations of the writable root: creating, linking,
// removing and renaming names; mode, owner and times; named FIFOs. Errors
// and their order are Linux's (each case was checked on the host).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fixtures/fs_fixture.h"
#include "fs/clock.h"

using namespace charon;
using namespace charon::test;

namespace {

int64_t g_fake_seconds = 1000;
Timespec fake_now() { return Timespec{g_fake_seconds, 0}; }

class FsNamespace : public FsFixture {
protected:
    void SetUp() override {
        FsFixture::SetUp();
        set_file_clock(fake_now);
        g_fake_seconds = 1000;
    }
    void TearDown() override {
        set_file_clock(nullptr);
        FsFixture::TearDown();
    }
    Result<void> mkdir(const char* path, uint32_t mode = 0755) {
        auto p = process();
        return vfs.mkdir_at(p, AT_FDCWD, path, mode);
    }
    Result<void> unlink(const char* path, int flags = 0) {
        auto p = process();
        return vfs.unlink_at(p, AT_FDCWD, path, flags);
    }
    Result<void> rmdir(const char* path) { return unlink(path, AT_REMOVEDIR); }
    Result<void> rename(const char* from, const char* to, unsigned flags = 0) {
        auto p = process();
        return vfs.rename_at(p, AT_FDCWD, from, AT_FDCWD, to, flags);
    }
    Result<void> link(const char* from, const char* to, int flags = 0) {
        auto p = process();
        return vfs.link_at(p, AT_FDCWD, from, AT_FDCWD, to, flags);
    }
    Result<void> symlink(const char* target, const char* path) {
        auto p = process();
        return vfs.symlink_at(p, target, AT_FDCWD, path);
    }
    Result<void> mknod(const char* path, uint32_t mode, uint64_t device = 0) {
        auto p = process();
        return vfs.mknod_at(p, AT_FDCWD, path, mode, device);
    }
    Result<int> create(const char* path, uint32_t mode = 0644, int flags = O_WRONLY | O_CREAT) {
        auto p = process();
        p.umask = umask;
        return vfs.open(p, AT_FDCWD, path, flags, mode);
    }
    Result<void> chmod(const char* path, uint32_t mode) {
        auto p = process();
        return vfs.chmod_at(p, AT_FDCWD, path, mode, 0);
    }
    Result<void> chown(const char* path, uint32_t uid, uint32_t gid, int flags = 0) {
        auto p = process();
        return vfs.chown_at(p, AT_FDCWD, path, uid, gid, flags);
    }
    std::set<std::string> list(const char* path) {
        int fd = open(path, O_RDONLY | O_DIRECTORY).value();
        auto p = process();
        uint8_t buffer[8192];
        KernelIoBuffer io(buffer, sizeof buffer);
        size_t n = vfs.getdents64(p, fd, io, sizeof buffer).value();
        std::set<std::string> names;
        for (size_t position = 0; position < n;) {
            uint16_t reclen;
            std::memcpy(&reclen, buffer + position + 16, 2);
            names.insert(reinterpret_cast<const char*>(buffer + position + 19));
            position += reclen;
        }
        (void)fds->close(fd);
        return names;
    }
    uint32_t umask = 022;
};

} // namespace

TEST_F(FsNamespace, MkdirAppliesUmaskAndCountsLinks) {
    auto p = process();
    p.umask = 027;
    ASSERT_FALSE(vfs.mkdir_at(p, AT_FDCWD, "/etc/d", 07777).is_error());
    // setuid/setgid are dropped from mkdir's mode, sticky stays, umask applies.
    EXPECT_EQ(stat("/etc/d").value().st_mode, S_IFDIR | 01750u);
    EXPECT_EQ(stat("/etc/d").value().st_nlink, 2u);
    EXPECT_EQ(stat("/etc").value().st_nlink, 4u);
    EXPECT_EQ(stat("/etc/d").value().st_mtime_sec, 1000u);
    ASSERT_FALSE(mkdir("/etc/d/e").is_error());
    EXPECT_EQ(stat("/etc/d").value().st_nlink, 3u);
    EXPECT_ERRNO(rmdir("/etc/d"), ENOTEMPTY);
    g_fake_seconds = 2000;
    ASSERT_FALSE(rmdir("/etc/d/e/").is_error()); // trailing slash is fine for rmdir
    EXPECT_EQ(stat("/etc/d").value().st_nlink, 2u);
    EXPECT_EQ(stat("/etc/d").value().st_mtime_sec, 2000u);
    EXPECT_EQ(stat("/etc/d").value().st_ctime_sec, 2000u);
    ASSERT_FALSE(rmdir("/etc/d").is_error());
    EXPECT_EQ(stat("/etc").value().st_nlink, 3u);
    EXPECT_ERRNO(stat("/etc/d"), ENOENT);
}

TEST_F(FsNamespace, MkdirErrors) {
    EXPECT_ERRNO(mkdir("/etc"), EEXIST);
    EXPECT_ERRNO(mkdir("/etc/passwd"), EEXIST);
    EXPECT_ERRNO(mkdir("/dangling"), EEXIST); // a dangling symlink is a name
    EXPECT_ERRNO(mkdir("/"), EEXIST);
    EXPECT_ERRNO(mkdir("/etc/."), EEXIST);
    EXPECT_ERRNO(mkdir("/etc/.."), EEXIST);
    EXPECT_ERRNO(mkdir("/nope/d"), ENOENT);
    EXPECT_ERRNO(mkdir("/etc/passwd/d"), ENOTDIR);
    EXPECT_FALSE(mkdir("/etc/slash/").is_error());
    credentials = Credentials::user(1000, 1000);
    EXPECT_ERRNO(mkdir("/etc/d"), EACCES);
    EXPECT_ERRNO(mkdir("/etc/passwd"), EEXIST); // EEXIST before EACCES
    EXPECT_ERRNO(mkdir("/etc/private/d"), EACCES);
    EXPECT_FALSE(mkdir("/home/user/d").is_error());
    auto d = stat("/home/user/d").value();
    EXPECT_EQ(d.st_uid, 1000u);
    EXPECT_EQ(d.st_gid, 1000u);
}

TEST_F(FsNamespace, RmdirErrors) {
    EXPECT_ERRNO(rmdir("/etc/."), EINVAL);
    EXPECT_ERRNO(rmdir("/etc/.."), ENOTEMPTY);
    EXPECT_ERRNO(rmdir("/"), EBUSY);
    EXPECT_ERRNO(rmdir("/etc/passwd"), ENOTDIR);
    EXPECT_ERRNO(rmdir("/lnk_dir"), ENOTDIR); // not followed
    EXPECT_ERRNO(rmdir("/nope"), ENOENT);
    EXPECT_ERRNO(rmdir("/etc"), ENOTEMPTY);
    EXPECT_ERRNO(unlink("/etc"), EISDIR);
    EXPECT_ERRNO(unlink("/etc/"), EISDIR);
    EXPECT_ERRNO(unlink("/etc/passwd/"), ENOTDIR);
    EXPECT_ERRNO(unlink("/etc/."), EISDIR);
    EXPECT_ERRNO(unlink("/nope"), ENOENT);
    EXPECT_ERRNO(unlink("/etc/passwd", 0x100), EINVAL);
}

TEST_F(FsNamespace, RemovedDirectoryKeepsWorkingForItsHolder) {
    ASSERT_FALSE(mkdir("/etc/d").is_error());
    int fd = open("/etc/d", O_RDONLY | O_DIRECTORY).value();
    ASSERT_FALSE(rmdir("/etc/d").is_error());
    LinuxStat st;
    auto p = process();
    ASSERT_FALSE(vfs.fstat(p, fd, st).is_error());
    EXPECT_EQ(st.st_nlink, 0u); // Linux clears a removed directory's links
    // Nothing can be created in it (IS_DEADDIR).
    EXPECT_ERRNO(vfs.mkdir_at(p, fd, "x", 0755), ENOENT);
    EXPECT_ERRNO(vfs.open(p, fd, "x", O_CREAT | O_WRONLY, 0644), ENOENT);
}

TEST_F(FsNamespace, CreateWithOpen) {
    umask = 027;
    int fd = create("/etc/new", 0777).value();
    auto st = stat("/etc/new").value();
    EXPECT_EQ(st.st_mode, S_IFREG | 0750u);
    EXPECT_EQ(st.st_size, 0);
    EXPECT_EQ(st.st_nlink, 1u);
    EXPECT_EQ(st.st_mtime_sec, 1000u);
    EXPECT_EQ(stat("/etc").value().st_mtime_sec, 1000u);
    // The creator may open what it made even if the mode says no.
    EXPECT_FALSE(create("/etc/none", 0000, O_RDWR | O_CREAT).is_error());
    EXPECT_ERRNO(create("/etc/new", 0644, O_WRONLY | O_CREAT | O_EXCL), EEXIST);
    // An existing file opens without write permission on the directory.
    credentials = Credentials::user(1000, 1000);
    EXPECT_ERRNO(create("/etc/mine"), EACCES);
    EXPECT_FALSE(create("/etc/passwd", 0644, O_RDONLY | O_CREAT).is_error());
    // A dangling symlink: O_CREAT makes its target.
    credentials = Credentials::root();
    ASSERT_FALSE(symlink("/etc/target", "/etc/dangle").is_error());
    EXPECT_FALSE(create("/etc/dangle").is_error());
    EXPECT_EQ(stat("/etc/target").value().st_mode & S_IFMT, S_IFREG);
    EXPECT_ERRNO(create("/etc/dangle", 0644, O_WRONLY | O_CREAT | O_EXCL), EEXIST);
    (void)fd;
}

TEST_F(FsNamespace, SetgidDirectoriesPassTheirGroupOn) {
    ASSERT_FALSE(mkdir("/shared", 0777).is_error());
    ASSERT_FALSE(chown("/shared", 0, 50).is_error());
    ASSERT_FALSE(chmod("/shared", 02777).is_error());
    credentials = Credentials::user(1000, 1000);
    ASSERT_FALSE(mkdir("/shared/sub", 0755).is_error());
    auto sub = stat("/shared/sub").value();
    EXPECT_EQ(sub.st_gid, 50u);
    EXPECT_EQ(sub.st_mode, S_IFDIR | 02755u);
    // A file asking for setgid+group-exec in a group its creator is not in loses setgid.
    ASSERT_FALSE(create("/shared/f", 02775).is_error());
    auto f = stat("/shared/f").value();
    EXPECT_EQ(f.st_gid, 50u);
    EXPECT_EQ(f.st_mode, S_IFREG | 0755u);
}

TEST_F(FsNamespace, UnlinkWhileOpenAndLinkCounts) {
    int fd = create("/etc/f").value();
    ASSERT_FALSE(link("/etc/f", "/etc/g").is_error());
    EXPECT_EQ(stat("/etc/f").value().st_nlink, 2u);
    EXPECT_EQ(stat("/etc/f").value().st_ino, stat("/etc/g").value().st_ino);
    ASSERT_FALSE(unlink("/etc/f").is_error());
    EXPECT_EQ(stat("/etc/g").value().st_nlink, 1u);
    ASSERT_FALSE(unlink("/etc/g").is_error());
    LinuxStat st;
    auto p = process();
    ASSERT_FALSE(vfs.fstat(p, fd, st).is_error());
    EXPECT_EQ(st.st_nlink, 0u);
    // No name brings an unlinked file back (no O_TMPFILE).
    EXPECT_ERRNO(vfs.link_at(p, fd, "", AT_FDCWD, "/etc/back", AT_EMPTY_PATH), ENOENT);
    auto listed = list("/etc");
    EXPECT_EQ(listed.count("f"), 0u);
    EXPECT_EQ(listed.count("g"), 0u);
}

TEST_F(FsNamespace, LinkErrors) {
    EXPECT_ERRNO(link("/etc", "/etc2"), EPERM);
    EXPECT_ERRNO(link("/etc/passwd", "/etc/rel"), EEXIST);
    EXPECT_ERRNO(link("/etc/passwd", "/bin/."), EEXIST);
    EXPECT_ERRNO(link("/nope", "/x"), ENOENT);
    EXPECT_ERRNO(link("/etc/passwd", "/nope/x"), ENOENT);
    EXPECT_ERRNO(link("/etc/passwd", "/newlink/"), ENOENT);
    EXPECT_ERRNO(link("/etc/passwd", "/x", 0x1), EINVAL);
    // A symlink is linked itself unless AT_SYMLINK_FOLLOW.
    ASSERT_FALSE(link("/lnk_abs", "/l1").is_error());
    EXPECT_EQ(stat("/l1", AT_SYMLINK_NOFOLLOW).value().st_mode & S_IFMT, S_IFLNK);
    ASSERT_FALSE(link("/lnk_abs", "/l2", AT_SYMLINK_FOLLOW).is_error());
    EXPECT_EQ(stat("/l2", AT_SYMLINK_NOFOLLOW).value().st_ino, stat("/etc/passwd").value().st_ino);
    credentials = Credentials::user(1000, 1000);
    EXPECT_ERRNO(link("/etc/passwd", "/etc/x"), EACCES);
}

TEST_F(FsNamespace, SymlinkAndReadlink) {
    ASSERT_FALSE(symlink("some/where", "/etc/sl").is_error());
    auto st = stat("/etc/sl", AT_SYMLINK_NOFOLLOW).value();
    EXPECT_EQ(st.st_mode, S_IFLNK | 0777u);
    EXPECT_EQ(st.st_size, 10);
    char buffer[32];
    KernelIoBuffer io(buffer, sizeof buffer);
    auto p = process();
    EXPECT_EQ(vfs.readlink_at(p, AT_FDCWD, "/etc/sl", io, sizeof buffer).value(), 10u);
    EXPECT_EQ(std::string(buffer, 10), "some/where");
    EXPECT_ERRNO(symlink("", "/etc/empty"), ENOENT);
    EXPECT_ERRNO(symlink("x", "/etc/sl"), EEXIST);
    EXPECT_ERRNO(symlink("x", "/etc/new/"), ENOENT);
    EXPECT_ERRNO(symlink("x", "/etc/passwd/"), EEXIST);
}

TEST_F(FsNamespace, MknodTypesAndPrivilege) {
    ASSERT_FALSE(mknod("/p", S_IFIFO | 0666).is_error());
    EXPECT_EQ(stat("/p").value().st_mode, S_IFIFO | 0644u); // the default 022 umask
    ASSERT_FALSE(mknod("/r", 0644).is_error());             // type 0 is a regular file
    EXPECT_EQ(stat("/r").value().st_mode & S_IFMT, S_IFREG);
    ASSERT_FALSE(mknod("/c", S_IFCHR | 0600, (1 << 8) | 3).is_error());
    auto c = stat("/c").value();
    EXPECT_EQ(c.st_rdev, (1u << 8) | 3u);
    EXPECT_ERRNO(mknod("/d", S_IFDIR | 0755), EPERM);
    EXPECT_ERRNO(mknod("/bad", 0170000 | 0644), EINVAL);
    EXPECT_ERRNO(mknod("/p", S_IFIFO | 0644), EEXIST);
    credentials = Credentials::user(1000, 1000);
    EXPECT_ERRNO(mknod("/home/user/c", S_IFCHR | 0600, 0x103), EPERM);
    EXPECT_ERRNO(mknod("/etc/c", S_IFCHR | 0600, 0x103), EACCES); // may_create first
    EXPECT_FALSE(mknod("/home/user/p", S_IFIFO | 0600).is_error());
}

TEST_F(FsNamespace, StickyDirectories) {
    ASSERT_FALSE(mkdir("/tmp2", 01777).is_error());
    ASSERT_FALSE(chmod("/tmp2", 01777).is_error()); // mkdir applied the umask
    credentials = Credentials::user(1000, 1000);
    ASSERT_FALSE(create("/tmp2/alice").is_error());
    ASSERT_FALSE(mkdir("/tmp2/alicedir").is_error());
    credentials = Credentials::user(2000, 2000);
    EXPECT_ERRNO(unlink("/tmp2/alice"), EPERM);
    EXPECT_ERRNO(rmdir("/tmp2/alicedir"), EPERM);
    EXPECT_ERRNO(rename("/tmp2/alice", "/tmp2/mine"), EPERM);
    ASSERT_FALSE(create("/tmp2/bob").is_error());
    EXPECT_ERRNO(rename("/tmp2/bob", "/tmp2/alice"), EPERM); // replacing is deleting
    EXPECT_FALSE(unlink("/tmp2/bob").is_error());
    credentials = Credentials::user(1000, 1000);
    EXPECT_FALSE(unlink("/tmp2/alice").is_error());
    credentials = Credentials::root();
    EXPECT_FALSE(rmdir("/tmp2/alicedir").is_error());
}

TEST_F(FsNamespace, RenameFilesAndDirectories) {
    ASSERT_FALSE(create("/etc/a").is_error());
    uint64_t ino = stat("/etc/a").value().st_ino;
    g_fake_seconds = 3000;
    ASSERT_FALSE(rename("/etc/a", "/bin/b").is_error());
    EXPECT_ERRNO(stat("/etc/a"), ENOENT);
    EXPECT_EQ(stat("/bin/b").value().st_ino, ino);
    EXPECT_EQ(stat("/bin/b").value().st_ctime_sec, 3000u);
    EXPECT_EQ(stat("/etc").value().st_mtime_sec, 3000u);
    EXPECT_EQ(stat("/bin").value().st_mtime_sec, 3000u);
    // Replacing an existing file: the old one loses its name.
    int old = open("/bin/sh", O_RDONLY).value();
    ASSERT_FALSE(rename("/bin/b", "/bin/sh").is_error());
    EXPECT_EQ(stat("/bin/sh").value().st_ino, ino);
    LinuxStat st;
    auto p = process();
    ASSERT_FALSE(vfs.fstat(p, old, st).is_error());
    EXPECT_EQ(st.st_nlink, 0u);
    // Directories: nlink of both parents follows "..".
    ASSERT_FALSE(mkdir("/etc/dir").is_error());
    ASSERT_FALSE(mkdir("/etc/dir/inner").is_error());
    uint32_t etc_links = static_cast<uint32_t>(stat("/etc").value().st_nlink);
    uint32_t home_links = static_cast<uint32_t>(stat("/home").value().st_nlink);
    ASSERT_FALSE(rename("/etc/dir", "/home/dir").is_error());
    EXPECT_EQ(stat("/etc").value().st_nlink, etc_links - 1);
    EXPECT_EQ(stat("/home").value().st_nlink, home_links + 1);
    EXPECT_EQ(stat("/home/dir/inner/..").value().st_ino, stat("/home/dir").value().st_ino);
    EXPECT_EQ(stat("/home/dir/..").value().st_ino, stat("/home").value().st_ino);
    // Over an empty directory: allowed; over a non-empty one: ENOTEMPTY.
    ASSERT_FALSE(mkdir("/home/empty").is_error());
    ASSERT_FALSE(rename("/home/dir/inner", "/home/empty").is_error());
    EXPECT_ERRNO(stat("/home/dir/inner"), ENOENT);
    ASSERT_FALSE(mkdir("/home/other").is_error());
    EXPECT_ERRNO(rename("/home/other", "/etc"), ENOTEMPTY);
    // The same file under two names: nothing happens.
    ASSERT_FALSE(link("/etc/passwd", "/etc/pw2").is_error());
    ASSERT_FALSE(rename("/etc/passwd", "/etc/pw2").is_error());
    EXPECT_FALSE(stat("/etc/passwd").is_error());
    EXPECT_FALSE(stat("/etc/pw2").is_error());
    // Same name: nothing happens.
    ASSERT_FALSE(rename("/etc/passwd", "/etc/passwd").is_error());
}

TEST_F(FsNamespace, RenameErrors) {
    ASSERT_FALSE(mkdir("/a").is_error());
    ASSERT_FALSE(mkdir("/a/b").is_error());
    EXPECT_ERRNO(rename("/a", "/a/b/c"), EINVAL);  // under itself
    EXPECT_ERRNO(rename("/a", "/a/c"), EINVAL);
    EXPECT_ERRNO(rename("/a/b", "/a"), ENOTEMPTY); // target is an ancestor
    EXPECT_ERRNO(rename("/a", "/etc/passwd"), ENOTDIR);
    EXPECT_ERRNO(rename("/etc/passwd", "/a"), EISDIR);
    EXPECT_ERRNO(rename("/etc/passwd/", "/x"), ENOTDIR);
    EXPECT_ERRNO(rename("/etc/passwd", "/x/"), ENOTDIR);
    EXPECT_FALSE(rename("/a/b/", "/a/c/").is_error()); // directories take slashes
    EXPECT_ERRNO(rename("/nope", "/x"), ENOENT);
    EXPECT_ERRNO(rename("/a/.", "/x"), EBUSY);
    EXPECT_ERRNO(rename("/etc/passwd", "/a/.."), EBUSY);
    EXPECT_ERRNO(rename("/etc/passwd", "/a/..", 1), EEXIST);
    EXPECT_ERRNO(rename("/", "/x"), EBUSY);
    EXPECT_ERRNO(rename("/etc/passwd", "/etc/secret", 1), EEXIST); // RENAME_NOREPLACE
    EXPECT_ERRNO(rename("/etc/passwd", "/x", 3), EINVAL);
    EXPECT_ERRNO(rename("/etc/passwd", "/x", 8), EINVAL);
    EXPECT_ERRNO(rename("/etc/passwd", "/x", 2), ENOENT); // exchange needs both
    credentials = Credentials::user(1000, 1000);
    EXPECT_ERRNO(rename("/etc/passwd", "/home/user/x"), EACCES);
    // Moving one's own directory to a new parent needs write on it.
    ASSERT_FALSE(mkdir("/home/user/mine", 0555).is_error());
    ASSERT_FALSE(mkdir("/home/user/to").is_error());
    EXPECT_ERRNO(rename("/home/user/mine", "/home/user/to/mine"), EACCES);
    EXPECT_FALSE(rename("/home/user/mine", "/home/user/same").is_error());
}

TEST_F(FsNamespace, RenameExchange) {
    ASSERT_FALSE(mkdir("/d1").is_error());
    ASSERT_FALSE(mkdir("/d1/sub").is_error());
    ASSERT_FALSE(create("/f").is_error());
    uint64_t d1 = stat("/d1").value().st_ino, f = stat("/f").value().st_ino;
    ASSERT_FALSE(mkdir("/home/x").is_error());
    uint32_t root_links = static_cast<uint32_t>(stat("/").value().st_nlink);
    uint32_t home_links = static_cast<uint32_t>(stat("/home").value().st_nlink);
    ASSERT_FALSE(rename("/d1", "/home/x", 2).is_error());
    EXPECT_EQ(stat("/home/x").value().st_ino, d1);
    EXPECT_EQ(stat("/home/x/sub/../..").value().st_ino, stat("/home").value().st_ino);
    ASSERT_FALSE(rename("/d1", "/f", 2).is_error()); // a directory and a file swap
    EXPECT_EQ(stat("/d1").value().st_ino, f);
    EXPECT_EQ(stat("/f").value().st_mode & S_IFMT, S_IFDIR);
    EXPECT_EQ(stat("/").value().st_nlink, root_links);
    EXPECT_EQ(stat("/home").value().st_nlink, home_links);
    EXPECT_ERRNO(rename("/home", "/home/x", 2), EINVAL);
    EXPECT_ERRNO(rename("/home/x", "/home", 2), EINVAL);
}

TEST_F(FsNamespace, ChmodAndChown) {
    ASSERT_FALSE(chmod("/etc/passwd", 0600 | S_ISUID).is_error());
    EXPECT_EQ(stat("/etc/passwd").value().st_mode, S_IFREG | 04600u);
    ASSERT_FALSE(chown("/etc/passwd", 1000, 1000).is_error());
    auto st = stat("/etc/passwd").value();
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_mode, S_IFREG | 0600u); // chown drops set-user-ID
    ASSERT_FALSE(chmod("/etc/passwd", 02750).is_error());
    ASSERT_FALSE(chown("/etc/passwd", 0xffffffffu, 0xffffffffu).is_error());
    EXPECT_EQ(stat("/etc/passwd").value().st_mode, S_IFREG | 0750u); // setgid with g+x too
    ASSERT_FALSE(chmod("/etc/passwd", 02740).is_error());
    ASSERT_FALSE(chown("/etc/passwd", 0xffffffffu, 0xffffffffu).is_error());
    EXPECT_EQ(stat("/etc/passwd").value().st_mode, S_IFREG | 02740u); // without g+x it stays
    // lchown changes the link, chown its target.
    ASSERT_FALSE(chown("/lnk_abs", 7, 7, AT_SYMLINK_NOFOLLOW).is_error());
    EXPECT_EQ(stat("/lnk_abs", AT_SYMLINK_NOFOLLOW).value().st_uid, 7u);
    EXPECT_EQ(stat("/lnk_abs").value().st_uid, 1000u);
    credentials = Credentials::user(1000, 1000);
    EXPECT_ERRNO(chmod("/etc/secret", 0777), EPERM);
    EXPECT_FALSE(chmod("/etc/passwd", 0644).is_error());
    EXPECT_ERRNO(chown("/etc/passwd", 1001, 0xffffffffu), EPERM);
    EXPECT_FALSE(chown("/etc/passwd", 1000, 0xffffffffu).is_error()); // no change is fine
    EXPECT_ERRNO(chown("/etc/passwd", 0xffffffffu, 5), EPERM);       // not its group
    EXPECT_FALSE(chown("/etc/passwd", 0xffffffffu, 1000).is_error());
    // A non-member cannot keep setgid through chmod.
    ASSERT_FALSE(chmod("/home/user/own", 02755).is_error());
    EXPECT_EQ(stat("/home/user/own").value().st_mode, S_IFREG | 02755u);
    credentials = Credentials::root();
    ASSERT_FALSE(chown("/home/user/own", 0xffffffffu, 5).is_error());
    ASSERT_FALSE(chmod("/home/user/own", 0644).is_error());
    credentials = Credentials::user(1000, 1000);
    ASSERT_FALSE(chmod("/home/user/own", 02755).is_error());
    EXPECT_EQ(stat("/home/user/own").value().st_mode, S_IFREG | 0755u);
    EXPECT_ERRNO(chown("/etc/passwd", 0, 0, 0x4), EINVAL);
}

TEST_F(FsNamespace, Utimens) {
    auto p = process();
    TimeUpdate explicit_times;
    explicit_times.set_atime = explicit_times.set_mtime = true;
    explicit_times.atime = Timespec{5, 6};
    explicit_times.mtime = Timespec{7, 8};
    g_fake_seconds = 4000;
    ASSERT_FALSE(vfs.utimens_at(p, AT_FDCWD, "/home/user/empty", explicit_times, 0).is_error());
    auto st = stat("/home/user/empty").value();
    EXPECT_EQ(st.st_atime_sec, 5u);
    EXPECT_EQ(st.st_atime_nsec, 6u);
    EXPECT_EQ(st.st_mtime_sec, 7u);
    EXPECT_EQ(st.st_ctime_sec, 4000u);
    TimeUpdate now;
    now.set_atime = now.set_mtime = now.atime_now = now.mtime_now = true;
    TimeUpdate omit_mtime = explicit_times;
    omit_mtime.set_mtime = false;
    credentials = Credentials::user(1000, 1000);
    // Not the owner: "now" needs write permission, chosen times ownership.
    EXPECT_ERRNO(vfs.utimens_at(p, AT_FDCWD, "/home/user/empty", now, 0), EACCES);
    EXPECT_ERRNO(vfs.utimens_at(p, AT_FDCWD, "/home/user/empty", explicit_times, 0), EPERM);
    EXPECT_FALSE(vfs.utimens_at(p, AT_FDCWD, "/home/user/own", omit_mtime, 0).is_error());
    EXPECT_EQ(stat("/home/user/own").value().st_atime_sec, 5u);
    credentials = Credentials::root();
    ASSERT_FALSE(chmod("/home/user/empty", 0666).is_error());
    credentials = Credentials::user(1000, 1000);
    g_fake_seconds = 5000;
    EXPECT_FALSE(vfs.utimens_at(p, AT_FDCWD, "/home/user/empty", now, 0).is_error());
    EXPECT_EQ(stat("/home/user/empty").value().st_mtime_sec, 5000u);
    EXPECT_ERRNO(vfs.utimens_at(p, AT_FDCWD, "/home/user/empty", omit_mtime, 0), EPERM);
    TimeUpdate invalid = explicit_times;
    invalid.invalid = true;
    EXPECT_ERRNO(vfs.utimens_at(p, AT_FDCWD, "/nope", invalid, 0), ENOENT); // the path first
    EXPECT_ERRNO(vfs.utimens_at(p, AT_FDCWD, "/home/user/own", invalid, 0), EINVAL);
}

TEST_F(FsNamespace, FifoOpenRules) {
    ASSERT_FALSE(mknod("/fifo2", S_IFIFO | 0666).is_error());
    EXPECT_ERRNO(open("/fifo2", O_WRONLY | O_NONBLOCK), ENXIO);
    int reader = open("/fifo2", O_RDONLY | O_NONBLOCK).value();
    int writer = open("/fifo2", O_WRONLY | O_NONBLOCK).value();
    auto w = fds->get(writer).value();
    auto r = fds->get(reader).value();
    char data[] = "hi";
    KernelIoBuffer out(data, 2);
    IoContext context;
    EXPECT_EQ(w->write(out, 2, context).value(), 2u);
    char in[4] = {};
    KernelIoBuffer io(in, sizeof in);
    EXPECT_EQ(r->read(io, sizeof in, context).value(), 2u);
    EXPECT_EQ(std::string(in, 2), "hi");
    // Data left when every end closes is gone (Linux frees the pipe).
    EXPECT_EQ(w->write(out, 2, context).value(), 2u);
    w = nullptr;
    r = nullptr;
    (void)fds->close(writer);
    (void)fds->close(reader);
    reader = open("/fifo2", O_RDONLY | O_NONBLOCK).value();
    r = fds->get(reader).value();
    EXPECT_EQ(r->read(io, sizeof in, context).value(), 0u); // no writer, empty: EOF
    // A blocking writer waits for a reader... there is one now.
    EXPECT_FALSE(open("/fifo2", O_WRONLY).is_error());
    // O_RDWR never waits.
    ASSERT_FALSE(mknod("/fifo4", S_IFIFO | 0666).is_error());
    EXPECT_FALSE(open("/fifo4", O_RDWR).is_error());
    // Without a partner a blocking open waits (this process cannot sleep: EAGAIN).
    ASSERT_FALSE(mknod("/fifo5", S_IFIFO | 0666).is_error());
    EXPECT_ERRNO(open("/fifo5", O_WRONLY), EAGAIN);
    EXPECT_ERRNO(open("/fifo5", O_RDONLY), EAGAIN);
}

TEST_F(FsNamespace, FifoWaitEndsWhenPartnerArrives) {
    ASSERT_FALSE(mknod("/fifo3", S_IFIFO | 0666).is_error());
    auto p = process();
    RefPtr<OpenFile> reader = vfs.open_file(p, AT_FDCWD, "/fifo3", O_RDONLY, 0).value();
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    EXPECT_ERRNO(reader->wait_ready_to_open(context), EAGAIN);
    ASSERT_NE(context.queued_on, nullptr);
    // A writer that comes and goes still ends the wait (Linux's w_counter).
    RefPtr<OpenFile> writer = vfs.open_file(p, AT_FDCWD, "/fifo3", O_WRONLY | O_NONBLOCK, 0).value();
    EXPECT_TRUE(waiter.woken);
    writer = nullptr;
    context.cancel_wait();
    IoContext again;
    again.waiter = &waiter;
    EXPECT_FALSE(reader->wait_ready_to_open(again).is_error());
}

TEST_F(FsNamespace, ManyFilesLeaveNothingBehind) {
    LeakBaseline baseline;
    ASSERT_FALSE(mkdir("/soak").is_error());
    for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 50; ++i) {
            std::string name = "/soak/f" + std::to_string(i);
            int fd = create(name.c_str()).value();
            ASSERT_FALSE(fds->close(fd).is_error());
        }
        EXPECT_EQ(list("/soak").size(), 52u);
        for (int i = 0; i < 50; ++i) {
            std::string name = "/soak/f" + std::to_string(i);
            ASSERT_FALSE(unlink(name.c_str()).is_error());
        }
    }
    ASSERT_FALSE(rmdir("/soak").is_error());
    baseline.expect_back();
}
