// Mounts: tmpfs on a directory, crossing in and out of it, st_dev, statfs,
// umount's EBUSY rules, MNT_DETACH, the mount list, registering a type.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures/fs_fixture.h"

using namespace charon;
using namespace charon::test;

namespace {

class FsMount : public FsFixture {
protected:
    Result<void> mount(const char* target, const char* type = "tmpfs", uint64_t flags = 0, const char* options = "") {
        auto p = process();
        return vfs.mount(p, "none", target, type ? type : "", flags, options);
    }
    Result<void> umount(const char* target, int flags = 0) {
        auto p = process();
        return vfs.umount(p, target, flags);
    }
    Result<void> mkdir(const char* path) {
        auto p = process();
        return vfs.mkdir_at(p, AT_FDCWD, path, 0755);
    }
    Result<LinuxStatfs> statfs(const char* path) {
        auto p = process();
        LinuxStatfs out;
        auto result = vfs.statfs(p, path, out);
        if (result.is_error())
            return result.error();
        return out;
    }
    std::vector<std::string> mount_lines() {
        std::vector<std::string> lines;
        auto result = vfs.for_each_mount([&](const MountInfo& info) {
            lines.push_back(std::string(info.source.chars(), info.source.length()) + " " +
                            std::string(info.path.chars(), info.path.length()) + " " +
                            std::string(info.type.chars(), info.type.length()));
        });
        EXPECT_FALSE(result.is_error());
        return lines;
    }
};

} // namespace

TEST_F(FsMount, BootCreatesTmpAndShm) {
    EXPECT_EQ(stat("/tmp").value().st_mode, S_IFDIR | 01777u);
    EXPECT_EQ(stat("/dev/shm").value().st_mode, S_IFDIR | 01777u);
    auto root = statfs("/").value();
    EXPECT_EQ(root.f_type, int64_t(TMPFS_MAGIC));
    EXPECT_EQ(root.f_namelen, 255);
    EXPECT_EQ(root.f_bsize, 4096);
    EXPECT_EQ(mount_lines(), std::vector<std::string>{"rootfs / rootfs"});
}

TEST_F(FsMount, TmpfsOnADirectory) {
    LeakBaseline baseline;
    ASSERT_FALSE(mkdir("/mnt").is_error());
    ASSERT_FALSE(mkdir("/mnt/hidden").is_error());
    uint64_t root_dev = stat("/").value().st_dev;
    uint64_t mnt_ino = stat("/mnt").value().st_ino;
    ASSERT_FALSE(mount("/mnt", "tmpfs", 0, "mode=0755,uid=5,gid=6").is_error());
    auto top = stat("/mnt").value();
    EXPECT_NE(top.st_dev, root_dev);
    EXPECT_EQ(top.st_ino, 1u);
    EXPECT_EQ(top.st_mode, S_IFDIR | 0755u);
    EXPECT_EQ(top.st_uid, 5u);
    EXPECT_EQ(top.st_gid, 6u);
    EXPECT_ERRNO(stat("/mnt/hidden"), ENOENT); // covered
    ASSERT_FALSE(mkdir("/mnt/inside").is_error());
    EXPECT_EQ(stat("/mnt/inside").value().st_dev, top.st_dev);
    // ".." from the mounted root is the mountpoint's parent.
    EXPECT_EQ(stat("/mnt/..").value().st_ino, stat("/").value().st_ino);
    EXPECT_EQ(stat("/mnt/inside/../..").value().st_dev, root_dev);
    auto p = process();
    ASSERT_FALSE(vfs.chdir(p, "/mnt/inside").is_error());
    char buffer[64];
    KernelIoBuffer io(buffer, sizeof buffer);
    EXPECT_EQ(vfs.getcwd(p, io, sizeof buffer).value(), 12u);
    EXPECT_STREQ(buffer, "/mnt/inside");
    EXPECT_EQ(statfs(".").value().f_type, int64_t(TMPFS_MAGIC));
    EXPECT_EQ(statfs(".").value().f_flags, int64_t(ST_VALID | ST_RELATIME));
    // Renames and links do not cross file systems.
    auto rename = [&](const char* from, const char* to) {
        auto q = process();
        return vfs.rename_at(q, AT_FDCWD, from, AT_FDCWD, to, 0);
    };
    EXPECT_ERRNO(rename("/mnt/inside", "/inside"), EXDEV);
    EXPECT_ERRNO(rename("/etc", "/mnt/etc"), EXDEV);
    EXPECT_ERRNO(vfs.link_at(p, AT_FDCWD, "/etc/passwd", AT_FDCWD, "/mnt/passwd", 0), EXDEV);
    // The mountpoint cannot be removed or renamed.
    EXPECT_ERRNO(vfs.unlink_at(p, AT_FDCWD, "/mnt", AT_REMOVEDIR), EBUSY);
    EXPECT_ERRNO(rename("/mnt", "/mnt2"), EBUSY);
    EXPECT_EQ(mount_lines(), (std::vector<std::string>{"rootfs / rootfs", "none /mnt tmpfs"}));
    // In use (our cwd): EBUSY; then free.
    EXPECT_ERRNO(umount("/mnt"), EBUSY);
    ASSERT_FALSE(vfs.chdir(p, "/").is_error());
    cwd = vfs.root();
    int fd = open("/mnt/inside", O_RDONLY).value();
    EXPECT_ERRNO(umount("/mnt"), EBUSY);
    ASSERT_FALSE(fds->close(fd).is_error());
    EXPECT_ERRNO(umount("/mnt/inside"), EINVAL); // not a mount root
    ASSERT_FALSE(umount("/mnt").is_error());
    EXPECT_EQ(stat("/mnt").value().st_ino, mnt_ino);
    EXPECT_FALSE(stat("/mnt/hidden").is_error());
    EXPECT_ERRNO(umount("/mnt"), EINVAL);
    ASSERT_FALSE(vfs.unlink_at(p, AT_FDCWD, "/mnt/hidden", AT_REMOVEDIR).is_error());
    ASSERT_FALSE(vfs.unlink_at(p, AT_FDCWD, "/mnt", AT_REMOVEDIR).is_error());
    baseline.expect_back();
}

TEST_F(FsMount, BusyForUnlinkedOpenFilesAndNestedMounts) {
    ASSERT_FALSE(mkdir("/m").is_error());
    ASSERT_FALSE(mount("/m").is_error());
    auto p = process();
    int fd = vfs.open(p, AT_FDCWD, "/m/f", O_CREAT | O_RDWR, 0644).value();
    ASSERT_FALSE(vfs.unlink_at(p, AT_FDCWD, "/m/f", 0).is_error());
    EXPECT_ERRNO(umount("/m"), EBUSY); // the open unlinked file
    ASSERT_FALSE(fds->close(fd).is_error());
    // Hard links are fine when idle.
    fd = vfs.open(p, AT_FDCWD, "/m/a", O_CREAT | O_RDWR, 0644).value();
    ASSERT_FALSE(fds->close(fd).is_error());
    ASSERT_FALSE(vfs.link_at(p, AT_FDCWD, "/m/a", AT_FDCWD, "/m/b", 0).is_error());
    ASSERT_FALSE(mkdir("/m/sub").is_error());
    ASSERT_FALSE(mount("/m/sub").is_error());
    EXPECT_ERRNO(umount("/m"), EBUSY); // a mount inside
    // Stacked: a second tmpfs over the first's root.
    ASSERT_FALSE(mount("/m").is_error());
    EXPECT_ERRNO(stat("/m/a"), ENOENT);
    ASSERT_FALSE(umount("/m").is_error()); // the top one
    EXPECT_FALSE(stat("/m/a").is_error());
    ASSERT_FALSE(umount("/m/sub").is_error());
    ASSERT_FALSE(umount("/m").is_error());
    EXPECT_EQ(mount_lines().size(), 1u);
}

TEST_F(FsMount, LazyUnmountKeepsUsersWorking) {
    LeakBaseline baseline;
    ASSERT_FALSE(mkdir("/m").is_error());
    ASSERT_FALSE(mount("/m").is_error());
    ASSERT_FALSE(mkdir("/m/d").is_error());
    ASSERT_FALSE(mkdir("/m/d/sub").is_error());
    ASSERT_FALSE(mount("/m/d/sub").is_error());
    auto p = process();
    int fd = vfs.open(p, AT_FDCWD, "/m/d", O_RDONLY | O_DIRECTORY, 0).value();
    ASSERT_FALSE(umount("/m", MNT_DETACH).is_error());
    EXPECT_EQ(mount_lines().size(), 1u); // the submount went too
    EXPECT_ERRNO(stat("/m/d"), ENOENT);
    // The open directory still works, relative lookups included.
    LinuxStat st;
    EXPECT_FALSE(vfs.stat_at(p, fd, "sub", 0, st).is_error());
    EXPECT_ERRNO(umount("/m", 0x10), EINVAL);
    ASSERT_FALSE(fds->close(fd).is_error());
    // Idle now: the next mount-table operation frees it.
    vfs.reap_detached_mounts();
    ASSERT_FALSE(vfs.unlink_at(p, AT_FDCWD, "/m", AT_REMOVEDIR).is_error());
    baseline.expect_back();
}

TEST_F(FsMount, MountErrors) {
    EXPECT_ERRNO(mount("/nope"), ENOENT);
    EXPECT_ERRNO(mount("/etc/passwd"), ENOTDIR);
    EXPECT_ERRNO(mount("/etc", "ext4"), ENODEV);
    EXPECT_ERRNO(mount("/etc", "rootfs"), ENODEV);
    EXPECT_ERRNO(mount("/etc", "tmpfs", 0, "bogus=1"), EINVAL);
    EXPECT_ERRNO(mount("/etc", "tmpfs", 0, "mode=9"), EINVAL);
    EXPECT_ERRNO(mount("/etc", "tmpfs", MS_BIND), EINVAL);
    EXPECT_ERRNO(mount("/etc", "tmpfs", MS_REMOUNT), EINVAL); // not a mount root
    EXPECT_FALSE(mount("/", nullptr, MS_REC | MS_PRIVATE).is_error());
    EXPECT_ERRNO(mount("/", nullptr, MS_SHARED), EINVAL);
    EXPECT_ERRNO(umount("/"), EBUSY);
    EXPECT_ERRNO(umount("/etc"), EINVAL);
    EXPECT_ERRNO(umount("/etc", 0x100), EINVAL);
    credentials = Credentials::user(1000, 1000);
    EXPECT_ERRNO(mount("/home/user"), EPERM);
    EXPECT_ERRNO(mount("/nope"), ENOENT); // the path comes first
    EXPECT_ERRNO(umount("/"), EPERM);
}

TEST_F(FsMount, ReadOnlyMount) {
    ASSERT_FALSE(mkdir("/ro").is_error());
    ASSERT_FALSE(mount("/ro").is_error());
    ASSERT_FALSE(mkdir("/ro/d").is_error());
    ASSERT_FALSE(mount("/ro", "tmpfs", MS_REMOUNT | MS_RDONLY).is_error());
    auto p = process();
    EXPECT_ERRNO(vfs.mkdir_at(p, AT_FDCWD, "/ro/x", 0755), EROFS);
    EXPECT_ERRNO(vfs.mkdir_at(p, AT_FDCWD, "/ro/d", 0755), EEXIST); // EEXIST first
    EXPECT_ERRNO(vfs.unlink_at(p, AT_FDCWD, "/ro/d", AT_REMOVEDIR), EROFS);
    EXPECT_ERRNO(vfs.open(p, AT_FDCWD, "/ro/f", O_CREAT | O_WRONLY, 0644), EROFS);
    EXPECT_ERRNO(vfs.access_at(p, AT_FDCWD, "/ro/d", W_OK, 0), EROFS);
    EXPECT_EQ(statfs("/ro").value().f_flags & int64_t(ST_RDONLY), int64_t(ST_RDONLY));
    ASSERT_FALSE(mount("/ro", "tmpfs", MS_REMOUNT).is_error());
    EXPECT_FALSE(vfs.mkdir_at(p, AT_FDCWD, "/ro/x", 0755).is_error());
    ASSERT_FALSE(umount("/ro").is_error());
}

namespace {

// A synthetic type as procfs would register it: its directory is filled
// by the refresh hook.
int g_refreshes = 0;
Result<FileSystemType::Instance> fake_create(const FileSystemType& type, uint64_t device, const MountRequest&) {
    auto* fs = new (std::nothrow) FileSystem(device, false, &type);
    if (!fs)
        return ENOMEM;
    FileSystemType::Instance instance;
    instance.fs = fs;
    instance.root = TRY(Inode::try_create(*fs, InodeType::Directory, 0555, 0, 0));
    instance.root->make_root();
    return instance;
}
Result<void> fake_refresh(FileSystem& fs, Inode& directory) {
    ++g_refreshes;
    if (directory.lookup("hello").is_error())
        TRY(directory.add_entry("hello", TRY(Inode::try_create(fs, InodeType::Regular, 0444, 0, 0))));
    return {};
}
const FileSystemType g_fake_type{"fakefs", 0x1234, fake_create, nullptr, fake_refresh, nullptr};

} // namespace

TEST_F(FsMount, RegisteredTypeWithRefreshHook) {
    ASSERT_FALSE(vfs.register_file_system_type(g_fake_type).is_error());
    EXPECT_ERRNO(vfs.register_file_system_type(g_fake_type), EEXIST);
    std::vector<std::string> names;
    vfs.for_each_file_system_type([&](const FileSystemType& type) { names.push_back(type.name); });
    EXPECT_EQ(names, (std::vector<std::string>{"tmpfs", "fakefs"}));
    ASSERT_FALSE(mkdir("/proc").is_error());
    ASSERT_FALSE(mount("/proc", "fakefs").is_error());
    g_refreshes = 0;
    EXPECT_EQ(stat("/proc/hello").value().st_mode, S_IFREG | 0444u);
    EXPECT_GE(g_refreshes, 1);
    EXPECT_EQ(statfs("/proc").value().f_type, 0x1234);
    EXPECT_EQ(mount_lines().back(), "none /proc fakefs");
    ASSERT_FALSE(umount("/proc").is_error());
}
