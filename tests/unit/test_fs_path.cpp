// Path resolution and open(2) semantics on the read-only initramfs root.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "fixtures/fs_fixture.h"

using namespace charon;
using namespace charon::test;

using FsPath = FsFixture;

TEST_F(FsPath, AbsoluteRelativeDotsAndSlashes) {
    for (const char* path : {"/etc/passwd", "etc/passwd", "//etc///passwd", "/etc/./passwd", "/etc/../etc/passwd",
                             "/../../etc/passwd", "./etc/passwd", "/bin/../etc/passwd"}) {
        auto st = stat(path);
        ASSERT_FALSE(st.is_error()) << path;
        EXPECT_EQ(st.value().st_size, 30) << path;
    }
    auto root = stat("/");
    ASSERT_FALSE(root.is_error());
    EXPECT_EQ(root.value().st_mode, S_IFDIR | 0755);
    EXPECT_EQ(stat("/..").value().st_ino, root.value().st_ino);
    EXPECT_EQ(stat("///").value().st_ino, root.value().st_ino);
}

TEST_F(FsPath, ErrorsForMissingAndNonDirectories) {
    EXPECT_ERRNO(stat("/nope"), ENOENT);
    EXPECT_ERRNO(stat("/nope/x"), ENOENT);
    EXPECT_ERRNO(stat(""), ENOENT);
    EXPECT_ERRNO(stat("/etc/passwd/"), ENOTDIR);
    EXPECT_ERRNO(stat("/etc/passwd/x"), ENOTDIR);
    EXPECT_ERRNO(stat("/etc/passwd/."), ENOTDIR);
    EXPECT_FALSE(stat("/etc/").is_error());
    EXPECT_FALSE(stat("/etc/.").is_error());
}

TEST_F(FsPath, NameTooLong) {
    std::string component(255, 'a');
    EXPECT_ERRNO(stat(("/" + component).c_str()), ENOENT);
    EXPECT_ERRNO(stat(("/" + component + "a").c_str()), ENAMETOOLONG);
    // 4095 bytes resolve (here to ENOENT); 4096 bytes are too long.
    std::string path = "/etc/passwd";
    std::string padded = std::string(4095 - path.size(), '/') + path;
    ASSERT_EQ(padded.size(), 4095u);
    EXPECT_FALSE(stat(padded.c_str()).is_error());
    EXPECT_ERRNO(stat(("/" + padded).c_str()), ENAMETOOLONG);
}

TEST_F(FsPath, SymlinksFollowedAndNot) {
    auto target = stat("/etc/passwd").value();
    for (const char* path : {"/lnk_abs", "/lnk_rel", "/lnk_dir/passwd", "/etc/rel", "/lnk_root/etc/passwd", "/c1"}) {
        auto st = stat(path);
        ASSERT_FALSE(st.is_error()) << path;
        EXPECT_EQ(st.value().st_ino, target.st_ino) << path;
    }
    auto link = stat("/lnk_abs", AT_SYMLINK_NOFOLLOW);
    ASSERT_FALSE(link.is_error());
    EXPECT_EQ(link.value().st_mode, S_IFLNK | 0777);
    EXPECT_EQ(link.value().st_size, 11); // strlen("/etc/passwd")
    // Intermediate symlinks are always followed, even with NOFOLLOW.
    EXPECT_FALSE(stat("/lnk_dir/passwd", AT_SYMLINK_NOFOLLOW).is_error());
    // A trailing slash asks for a directory: follow, then check.
    EXPECT_EQ(stat("/lnk_dir/", AT_SYMLINK_NOFOLLOW).value().st_mode & S_IFMT, S_IFDIR);
    EXPECT_ERRNO(stat("/lnk_abs/"), ENOTDIR);
    EXPECT_ERRNO(stat("/dangling"), ENOENT);
    EXPECT_FALSE(stat("/dangling", AT_SYMLINK_NOFOLLOW).is_error());
}

TEST_F(FsPath, SymlinkLimitIsForty) {
    EXPECT_FALSE(stat("/c1").is_error()); // exactly 40 follows
    EXPECT_ERRNO(stat("/c0"), ELOOP);     // 41
    EXPECT_ERRNO(stat("/loop1"), ELOOP);
    EXPECT_ERRNO(stat("/loop1/x"), ELOOP);
    EXPECT_FALSE(stat("/loop1", AT_SYMLINK_NOFOLLOW).is_error());
}

TEST_F(FsPath, SearchPermissionForNonRoot) {
    credentials = Credentials::user(1000, 1000);
    EXPECT_ERRNO(stat("/etc/private/key"), EACCES);
    EXPECT_ERRNO(stat("/noexec/f"), EACCES);
    EXPECT_FALSE(stat("/noexec").is_error()); // the directory itself needs no search
    EXPECT_FALSE(stat("/etc/private").is_error());
    credentials = Credentials::root();
    EXPECT_FALSE(stat("/etc/private/key").is_error());
    EXPECT_FALSE(stat("/noexec/f").is_error());
}

TEST_F(FsPath, DirfdBase) {
    int etc = open("/etc", O_RDONLY | O_DIRECTORY).value();
    int file = open("/etc/passwd", O_RDONLY).value();
    auto st = stat("passwd", 0, etc);
    ASSERT_FALSE(st.is_error());
    EXPECT_EQ(st.value().st_size, 30);
    EXPECT_ERRNO(stat("x", 0, file), ENOTDIR);
    EXPECT_ERRNO(stat("x", 0, 99), EBADF);
    // Absolute paths ignore dirfd, even a bad one.
    EXPECT_FALSE(stat("/etc/passwd", 0, 99).is_error());
    EXPECT_FALSE(stat("../bin/sh", 0, etc).is_error());
    // AT_EMPTY_PATH operates on the descriptor itself.
    EXPECT_EQ(stat("", AT_EMPTY_PATH, file).value().st_size, 30);
    EXPECT_ERRNO(stat("", 0, file), ENOENT);
    EXPECT_ERRNO(stat("/etc", 0x8000), EINVAL);
    // An O_PATH descriptor works as a base directory.
    int path_fd = open("/etc", O_PATH).value();
    EXPECT_FALSE(stat("passwd", 0, path_fd).is_error());
}

TEST_F(FsPath, OpenRulesOnTheWritableRoot) {
    EXPECT_FALSE(open("/etc/passwd", O_WRONLY).is_error());
    EXPECT_FALSE(open("/etc/passwd", O_RDWR).is_error());
    EXPECT_FALSE(open("/etc/newfile", O_WRONLY | O_CREAT).is_error());
    EXPECT_EQ(stat("/etc/newfile").value().st_mode, S_IFREG | 0u);
    EXPECT_ERRNO(open("/etc/passwd", O_RDONLY | O_CREAT | O_EXCL), EEXIST);
    EXPECT_ERRNO(open("/lnk_abs", O_RDONLY | O_CREAT | O_EXCL), EEXIST);
    EXPECT_FALSE(open("/etc/passwd", O_RDONLY | O_CREAT).is_error());
    EXPECT_ERRNO(open("/nope/newfile", O_RDONLY | O_CREAT), ENOENT);
    // O_CREAT with a trailing slash: EISDIR once the parent resolves (host-checked).
    EXPECT_ERRNO(open("/etc/passwd/", O_RDONLY | O_CREAT), EISDIR);
    EXPECT_ERRNO(open("/etc/", O_RDONLY | O_CREAT), EISDIR);
    EXPECT_ERRNO(open("/etc/newdir/", O_RDONLY | O_CREAT), EISDIR);
    EXPECT_ERRNO(open("/", O_RDONLY | O_CREAT), EISDIR);
    EXPECT_ERRNO(open("/etc/.", O_RDONLY | O_CREAT), EISDIR);
    EXPECT_ERRNO(open("/nope/x/", O_RDONLY | O_CREAT), ENOENT);
    EXPECT_ERRNO(open("/dangling", O_RDONLY | O_CREAT | O_EXCL), EEXIST);
    EXPECT_ERRNO(open("/etc", O_RDONLY | O_CREAT | O_DIRECTORY), EINVAL);
    EXPECT_ERRNO(open("/etc/passwd", O_RDONLY | O_DIRECTORY), ENOTDIR);
    EXPECT_ERRNO(open("/etc", O_RDWR), EISDIR);
    EXPECT_ERRNO(open("/etc", O_WRONLY), EISDIR);
    EXPECT_ERRNO(open("/etc", O_RDONLY | O_CREAT), EISDIR);
    EXPECT_ERRNO(open("/lnk_abs", O_RDONLY | O_NOFOLLOW), ELOOP);
    EXPECT_FALSE(open("/lnk_dir/passwd", O_RDONLY | O_NOFOLLOW).is_error());
    // A FIFO: a lone writer without O_NONBLOCK would wait (this process
    // cannot sleep: EAGAIN); with O_NONBLOCK and no reader it is ENXIO.
    EXPECT_ERRNO(open("/fifo", O_WRONLY | O_NONBLOCK), ENXIO);
    EXPECT_FALSE(open("/fifo", O_RDONLY | O_NONBLOCK).is_error());
    EXPECT_ERRNO(open("/blockdev", O_RDONLY), ENXIO);
    EXPECT_ERRNO(open("/etc", O_RDWR | O_TMPFILE), EOPNOTSUPP);
    EXPECT_ERRNO(open("/etc", O_RDONLY | O_TMPFILE), EINVAL);
    EXPECT_FALSE(open("/dev/null", O_RDWR).is_error());
}

TEST_F(FsPath, OpenPermissionBits) {
    credentials = Credentials::user(1000, 1000);
    EXPECT_ERRNO(open("/etc/secret", O_RDONLY), EACCES);
    EXPECT_FALSE(open("/home/user/own", O_RDONLY).is_error());
    // Owner class is exclusive: group bits do not help the owner.
    EXPECT_ERRNO(open("/home/user/group", O_RDONLY), EACCES);
    uint32_t groups[] = {100};
    credentials.groups = groups;
    credentials.group_count = 1;
    EXPECT_FALSE(open("/home/user/group", O_RDONLY).is_error());
    EXPECT_ERRNO(open("/etc/secret", O_WRONLY), EACCES);
    // O_PATH needs no permission on the file itself.
    EXPECT_FALSE(open("/etc/secret", O_PATH).is_error());
}

TEST_F(FsPath, StatusFlagsAsLinuxReportsThem) {
    // Observed on Linux x86_64: creation flags and O_CLOEXEC are dropped,
    // O_LARGEFILE is added; O_PATH keeps only O_PATH (and O_DIRECTORY/O_NOFOLLOW).
    int dir = open("/", O_RDONLY | O_CLOEXEC | O_DIRECTORY).value();
    EXPECT_EQ(fds->get(dir).value()->status_flags(), 0300000);
    EXPECT_TRUE(fds->cloexec(dir).value());
    int file = open("/etc/passwd", O_RDONLY | O_NOCTTY | O_NONBLOCK).value();
    EXPECT_EQ(fds->get(file).value()->status_flags(), 0104000);
    EXPECT_FALSE(fds->cloexec(file).value());
    int null = open("/dev/null", O_RDWR).value();
    EXPECT_EQ(fds->get(null).value()->status_flags(), 0100002);
    int path = open("/etc", O_PATH | O_RDWR | O_APPEND).value();
    EXPECT_EQ(fds->get(path).value()->status_flags(), 010000000);
}

TEST_F(FsPath, OPathDescriptors) {
    int fd = open("/lnk_abs", O_PATH | O_NOFOLLOW).value();
    auto file = fds->get(fd).value();
    char buffer[16];
    KernelIoBuffer io(buffer, sizeof buffer);
    IoContext context;
    EXPECT_ERRNO(file->read(io, sizeof buffer, context), EBADF);
    EXPECT_ERRNO(file->seek(0, SEEK_SET), EBADF);
    LinuxStat st;
    auto p = process();
    ASSERT_FALSE(vfs.fstat(p, fd, st).is_error());
    EXPECT_EQ(st.st_mode & S_IFMT, S_IFLNK);
    // readlinkat(fd, "") reads the link the O_PATH descriptor names.
    auto n = vfs.readlink_at(p, fd, "", io, sizeof buffer);
    ASSERT_FALSE(n.is_error());
    EXPECT_EQ(std::string(buffer, n.value()), "/etc/passwd");
    EXPECT_ERRNO(file->read_directory(io, sizeof buffer), EBADF);
}

TEST_F(FsPath, EmfileBeforeEnoent) {
    nofile_limit = 3;
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(open("/etc/passwd", O_RDONLY).value(), i);
    EXPECT_ERRNO(open("/etc/passwd", O_RDONLY), EMFILE);
    EXPECT_ERRNO(open("/does/not/exist", O_RDONLY), EMFILE);
    EXPECT_ERRNO(open("/etc", O_CREAT | O_DIRECTORY), EINVAL); // flag errors come first
    EXPECT_ERRNO(open("", O_RDONLY), ENOENT);
    ASSERT_FALSE(fds->close(1).is_error());
    EXPECT_EQ(open("/etc/passwd", O_RDONLY).value(), 1);
}

TEST_F(FsPath, DevNodesAreCreated) {
    auto null = stat("/dev/null");
    ASSERT_FALSE(null.is_error());
    EXPECT_EQ(null.value().st_mode, S_IFCHR | 0666);
    EXPECT_EQ(null.value().st_rdev, 0x103u);
    auto console = stat("/dev/console");
    ASSERT_FALSE(console.is_error());
    EXPECT_EQ(console.value().st_rdev, 0x501u);
}

TEST(FsLeaks, EverythingReturnsToBaseline) {
    LeakBaseline baseline;
    {
        std::vector<uint8_t> archive = standard_archive().finish();
        Vfs vfs;
        ASSERT_FALSE(vfs.mount_initramfs(archive.data(), archive.size()).is_error());
        auto fds = FdTable::try_create().release_value();
        RefPtr<Inode> cwd = vfs.root();
        Credentials credentials;
        FsProcess process{credentials, *fds, cwd};
        for (int round = 0; round < 50; ++round) {
            int a = vfs.open(process, AT_FDCWD, "/etc/passwd", O_RDONLY, 0).value();
            int b = fds->dup(a, kDefaultNofileLimit).value();
            int pipe_fds[2];
            ASSERT_FALSE(vfs.pipe2(process, pipe_fds, O_CLOEXEC).is_error());
            auto child = fds->clone().release_value();
            ASSERT_FALSE(vfs.chdir(process, "/etc").is_error());
            ASSERT_FALSE(fds->close(a).is_error());
            ASSERT_FALSE(fds->close(b).is_error());
            child->close_on_exec();
            child = nullptr;
            ASSERT_FALSE(fds->close(pipe_fds[0]).is_error());
            ASSERT_FALSE(fds->close(pipe_fds[1]).is_error());
        }
        EXPECT_EQ(fds->open_count(), 0u);
        EXPECT_EQ(fs_stats::live_pipes(), baseline.pipes);
        EXPECT_EQ(fs_stats::live_open_files(), baseline.open_files);
    }
    baseline.expect_back();
}
