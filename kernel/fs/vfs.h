// The virtual file system: one root (the initramfs unpacked into an
// in-memory tree), path resolution, and the file syscalls' semantics at the
// level of kernel values. The kernel's syscall handlers copy paths in from
// user space (EFAULT, ENAMETOOLONG at PATH_MAX), call these, and copy
// results out through an IoBuffer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/abi.h"
#include "fs/fd_table.h"
#include "fs/inode.h"
#include "fs/io_buffer.h"
#include "fs/mount.h"
#include "fs/open_file.h"
#include "lib/intrusive_list.h"
#include "lib/kstring.h"
#include "lib/spinlock.h"
#include "lib/wait_queue.h"
#include "lib/ref_ptr.h"
#include "lib/result.h"
#include "lib/string_view.h"

namespace charon {

// What a process brings to a file syscall. The process core owns these
// (cwd is Linux's fs_struct, shared under CLONE_FS; fds is shared under
// CLONE_FILES) and lends them for the call.
struct FsProcess {
    const Credentials& credentials;
    FdTable& fds;
    RefPtr<Inode>& cwd;
    uint64_t nofile_limit = kDefaultNofileLimit; // RLIMIT_NOFILE soft limit
    uint32_t umask = 022;                         // applied to every creation mode
    // How an open that must wait (a FIFO without its partner) sleeps: the
    // kernel's sleep (fs/blocking.h's contract) and the Waiter's sleeper.
    // Null: such an open fails with EAGAIN instead of waiting.
    Result<void> (*sleep)(Waiter& waiter) = nullptr;
    void* sleeper = nullptr;
};

// The last component of a path as a creating or removing call sees it
// (Linux's last_type): "." and ".." and "/" are refused differently by
// each call.
enum class LastComponent : uint8_t { Normal, Dot, DotDot, Root };

// Outcome of a path walk.
struct PathWalk {
    RefPtr<Inode> parent; // directory holding the last component
    RefPtr<Inode> inode;  // null: the last component does not exist (allow_missing)
    KString last_name;    // the last component ("" for "/")
    bool trailing_slash = false;
    LastComponent last_type = LastComponent::Normal; // walk_parent only
};

// utimensat(2)'s two times after UTIME_NOW/UTIME_OMIT are decoded.
struct TimeUpdate {
    bool set_atime = false;
    bool set_mtime = false;
    bool atime_now = false; // the caller asked for "now" (UTIME_NOW or a null array)
    bool mtime_now = false;
    Timespec atime, mtime;
    bool invalid = false; // a tv_nsec out of range: EINVAL once the path resolved
};

// One line of the mount list (/proc/mounts), as for_each_mount reports it.
struct MountInfo {
    uint64_t id;
    uint64_t parent_id;
    StringView source;
    StringView type;   // the FileSystemType's name
    StringView path;   // where it is mounted, absolute
    uint64_t flags;    // kMountKeptFlags bits (MS_RDONLY, MS_NOSUID, ...)
    uint64_t device_id;
};

class Vfs {
public:
    Vfs();
    ~Vfs();
    Vfs(const Vfs&) = delete;
    Vfs& operator=(const Vfs&) = delete;

    // Builds the root from a newc archive, ensures /dev/null and
    // /dev/console nodes exist (Linux expects the archive to provide
    // /dev/console; we add it so a minimal archive still has a console),
    // then makes the root read-only. The archive must stay in memory.
    Result<void> mount_initramfs(const uint8_t* archive, size_t size);

    RefPtr<Inode> root() const { return m_root; }
    FileSystem& root_fs() { return m_fs; }

    // The namespace lock (rank Namespace, the lowest): guards every
    // directory's entries and parent link, inode metadata (mode, owner,
    // times, nlink) and the mount table. Taken by each operation below for
    // its whole duration, so a rename or an umount is atomic with respect
    // to every path walk; never held while sleeping. Released references
    // may free inodes under it (an inode destructor takes no lock but the
    // FileSystem's counters). File contents have their own locking.
    Spinlock& namespace_lock() { return m_namespace_lock; }

    // File-system types for mount(2). "tmpfs" is registered by the
    // constructor; EEXIST for a second type of the same name, ENOMEM when
    // the table (8 types) is full.
    Result<void> register_file_system_type(const FileSystemType& type);
    const FileSystemType* find_file_system_type(StringView name);
    // Every registered type, for /proc/filesystems.
    template <typename Fn>
    void for_each_file_system_type(Fn fn) {
        for (size_t i = 0; i < m_type_count; ++i)
            fn(*m_types[i]);
    }

    // mount(2) of a new instance of `type_name` on the directory `target`
    // (EPERM unless root; ENODEV for an unknown type; ENOTDIR, ENOENT as
    // the walk). MS_REMOUNT changes the flags of the mount rooted at
    // `target` (EINVAL if none); MS_BIND/MS_MOVE/propagation changes are
    // EINVAL (not supported yet).
    Result<void> mount(FsProcess& process, StringView source, StringView target, StringView type_name,
                       uint64_t flags, StringView options);
    // umount2(2): EINVAL unless `target` is the root of a mount (the
    // initramfs root included: EINVAL as Linux's for the namespace root is
    // EBUSY... see docs/syscalls/umount2.md), EBUSY while anything of it is
    // in use (open files, cwds, mounts inside it) unless MNT_DETACH.
    Result<void> umount(FsProcess& process, StringView target, int flags);
    // Frees lazily unmounted instances nobody uses any more (mount and
    // umount do this first; see docs/fs.md).
    void reap_detached_mounts();
    // statfs(2) / fstatfs(2).
    Result<void> statfs(FsProcess& process, StringView path, LinuxStatfs& out);
    Result<void> fstatfs(FsProcess& process, int fd, LinuxStatfs& out);
    // Calls fn(const MountInfo&) for every mount, in mount order, under the
    // namespace lock (fn must not call back into the Vfs). ENOMEM if a path
    // could not be built.
    template <typename Fn>
    Result<void> for_each_mount(Fn fn);
    // The absolute path of a directory (getcwd's walk up, crossing mounts)
    // into `buffer` (NUL-terminated); returns the length without the NUL.
    // ENOENT for a removed directory, ENAMETOOLONG when it does not fit.
    Result<size_t> directory_path(const Inode& directory, char* buffer, size_t size);

    // The namespace syscalls (fs/vfs_namespace.cpp). Modes are masked with
    // the process's umask here.
    Result<void> mkdir_at(FsProcess& process, int dirfd, StringView path, uint32_t mode);
    // mknodat(2): regular files, FIFOs, sockets; device nodes need root (EPERM).
    Result<void> mknod_at(FsProcess& process, int dirfd, StringView path, uint32_t mode, uint64_t device);
    // unlinkat(2); `flags` AT_REMOVEDIR makes it rmdir.
    Result<void> unlink_at(FsProcess& process, int dirfd, StringView path, int flags);
    Result<void> symlink_at(FsProcess& process, StringView target, int dirfd, StringView path);
    Result<void> link_at(FsProcess& process, int old_dirfd, StringView old_path, int new_dirfd, StringView new_path,
                         int flags);
    // renameat2(2): RENAME_NOREPLACE, RENAME_EXCHANGE (RENAME_WHITEOUT: EINVAL).
    Result<void> rename_at(FsProcess& process, int old_dirfd, StringView old_path, int new_dirfd,
                           StringView new_path, unsigned flags);
    // fchmodat(2)/fchmod(2): `fd` >= 0 means the file of that descriptor.
    Result<void> chmod_at(FsProcess& process, int dirfd, StringView path, uint32_t mode, int flags);
    Result<void> fchmod(FsProcess& process, int fd, uint32_t mode);
    // fchownat(2)/fchown(2); -1 (as uint32_t) leaves an id unchanged.
    Result<void> chown_at(FsProcess& process, int dirfd, StringView path, uint32_t uid, uint32_t gid, int flags);
    Result<void> fchown(FsProcess& process, int fd, uint32_t uid, uint32_t gid);
    // utimensat(2): an empty path with a dirfd (or AT_EMPTY_PATH) is the fd's file.
    Result<void> utimens_at(FsProcess& process, int dirfd, StringView path, const TimeUpdate& update, int flags);

    // Path resolution from `base` (absolute paths start at the root). Follows
    // symlinks in the middle of the path always and at the end if
    // `follow_last` (or when a trailing slash asks for a directory); at most
    // 40 follows in all (ELOOP). Needs search permission on each directory
    // walked (EACCES). ENOENT, ENOTDIR, ENAMETOOLONG (component > 255 or
    // path >= 4096) as Linux. With `allow_missing`, a missing last component
    // is not an error: PathWalk::inode is null.
    Result<PathWalk> walk(const Credentials& credentials, Inode& base, StringView path, bool follow_last,
                          bool allow_missing = false);
    Result<RefPtr<Inode>> resolve(const Credentials& credentials, Inode& base, StringView path, bool follow_last);
    // Linux's path_parentat: resolves all but the last component, which is
    // returned unresolved (name, type, trailing slash) with its directory.
    Result<PathWalk> walk_parent(const Credentials& credentials, Inode& base, StringView path);

    // The directory a *at() call starts from: the root for absolute paths,
    // the cwd for AT_FDCWD, else dirfd's file, which must be a directory
    // (EBADF, ENOTDIR).
    Result<RefPtr<Inode>> base_directory(FsProcess& process, int dirfd, StringView path);

    // openat(2). Returns the new descriptor.
    Result<int> open(FsProcess& process, int dirfd, StringView path, int flags, uint32_t mode);
    // The open file description without installing a descriptor (execve
    // opens the binary this way).
    Result<RefPtr<OpenFile>> open_file(FsProcess& process, int dirfd, StringView path, int flags, uint32_t mode);

    // What statx(2) reports beyond struct stat.
    struct StatExtra {
        Timespec btime;
        uint64_t mount_id = 0;
        bool mount_root = false; // STATX_ATTR_MOUNT_ROOT
    };
    // newfstatat(2) / fstat(2); statx passes `extra`.
    Result<void> stat_at(FsProcess& process, int dirfd, StringView path, int flags, LinuxStat& stat,
                         StatExtra* extra = nullptr);
    Result<void> fstat(FsProcess& process, int fd, LinuxStat& stat);
    // faccessat2(2); access(2) is (AT_FDCWD, path, mode, 0).
    Result<void> access_at(FsProcess& process, int dirfd, StringView path, int mode, int flags);
    // readlinkat(2): no NUL, truncated to `size`; returns the count.
    Result<size_t> readlink_at(FsProcess& process, int dirfd, StringView path, IoBuffer& buffer, int64_t size);
    // The absolute path of `directory`, or of its entry `name` if given;
    // ENOENT once a directory on the way was removed.
    Result<KString> path_of(Inode& directory, StringView name = {});
    // The path an open file was opened by (directories: their own path),
    // with " (deleted)" once removed (display_path_locked). ENOENT for files
    // without one (pipes).
    Result<KString> path_of(const OpenFile& file);
    // The same with the namespace lock already held: what generated link
    // targets (procfs's exe, cwd, fd/N) use, as walks and readlink compute
    // them under it.
    Result<KString> path_of_locked(Inode& directory, StringView name = {});
    Result<KString> path_of_locked(const OpenFile& file);
    Result<KString> path_of_locked(const PathName& name);
    // What /proc shows for `inode` opened or mapped by `name` (fd links,
    // exe, maps), as Linux's d_path: the path, with " (deleted)" appended
    // once the directory no longer holds the inode (unlinked, or the name
    // reused by another file). Namespace lock held.
    Result<KString> display_path_locked(const PathName& name, const Inode& inode);
    // getcwd(2): writes the NUL-terminated path, returns its length with the NUL.
    Result<size_t> getcwd(FsProcess& process, IoBuffer& buffer, size_t size);
    Result<void> chdir(FsProcess& process, StringView path);
    Result<void> fchdir(FsProcess& process, int fd);
    // getdents64(2).
    Result<size_t> getdents64(FsProcess& process, int fd, IoBuffer& buffer, size_t size);
    // lseek(2).
    Result<int64_t> lseek(FsProcess& process, int fd, int64_t offset, int whence);
    // pipe2(2): flags O_CLOEXEC, O_NONBLOCK, O_DIRECT (else EINVAL).
    Result<void> pipe2(FsProcess& process, int fds[2], int flags);

private:
    Result<RefPtr<Inode>> ensure_directory(Inode& parent, StringView name, uint32_t mode = 0755);
    Result<void> ensure_device_node(Inode& directory, StringView name, uint32_t major, uint32_t minor, uint32_t mode);
    Result<void> ensure_memory_device_nodes(Inode& dev);

    // The unlocked cores (caller holds m_namespace_lock).
    enum class WalkMode : uint8_t { Full, Parent };
    Result<PathWalk> walk_locked(const Credentials& credentials, Inode& base, StringView path, bool follow_last,
                                 bool allow_missing, WalkMode mode = WalkMode::Full);
    Result<RefPtr<Inode>> resolve_locked(const Credentials& credentials, Inode& base, StringView path,
                                         bool follow_last);
    // The inode an *at() call with an empty path or AT_EMPTY_PATH names.
    Result<RefPtr<Inode>> inode_at(FsProcess& process, int dirfd, StringView path, int flags, bool follow = true);
    Result<RefPtr<OpenFile>> open_file_locked(FsProcess& process, int dirfd, StringView path, int flags,
                                              uint32_t mode);
    // The prologue of every call that makes a name (mkdir, mknod, symlink,
    // link): walks to `path`'s parent; EEXIST when the last component is
    // "/", "." or ".." or names anything (a dangling symlink too); ENOENT
    // for a trailing slash unless a directory is being made (it asks for
    // one). The returned walk has the parent and the new name.
    Result<PathWalk> walk_to_new_name_locked(FsProcess& process, int dirfd, StringView path, bool making_directory);
    // A new inode owned by the caller (fsuid/fsgid, S_ISGID directories
    // pass their group on), linked as `name` in `parent`.
    Result<RefPtr<Inode>> create_locked(FsProcess& process, Inode& parent, StringView name, InodeType type,
                                        uint32_t mode);
    Result<void> change_mode_locked(FsProcess& process, Inode& inode, uint32_t mode);
    Result<void> change_owner_locked(FsProcess& process, Inode& inode, uint32_t uid, uint32_t gid);
    // Where a walk arriving at `inode` really is: the root of the topmost
    // mount covering it, or itself.
    static Inode* cross_mounts(Inode* inode);
    // ".." of `inode`, leaving mounted roots for their mountpoint's parent.
    Inode* parent_crossing_mounts(Inode& inode);
    Mount* root_mount() { return m_mounts.first(); }
    void free_mount(Mount* mount);
    void reap_detached_mounts_locked();
    Result<uint64_t> allocate_device_id();
    void free_device_id(uint64_t device_id);

    Spinlock m_namespace_lock{"Namespace", LockRank::Namespace};
    FileSystem m_fs;
    RefPtr<Inode> m_root;
    IntrusiveList<Mount, &Mount::node> m_mounts;
    IntrusiveList<Mount, &Mount::node> m_detached; // MNT_DETACH'ed while in use
    uint64_t m_next_mount_id = 1;
    static constexpr size_t kMaxTypes = 8;
    const FileSystemType* m_types[kMaxTypes] = {};
    size_t m_type_count = 0;
    // Anonymous device minors handed to mounted instances (Linux's
    // get_anon_bdev: the lowest free one is reused).
    static constexpr uint32_t kFirstAnonMinor = 16;
    static constexpr uint32_t kAnonMinors = 1024;
    uint64_t m_anon_minors_used[kAnonMinors / 64] = {};
};

template <typename Fn>
Result<void> Vfs::for_each_mount(Fn fn) {
    auto* path = new (std::nothrow) char[PATH_MAX];
    if (!path)
        return ENOMEM;
    auto visit = [&]() -> Result<void> {
        SpinlockGuard guard(m_namespace_lock);
        for (Mount& mount : m_mounts) {
            MountInfo info{};
            info.id = mount.id;
            info.parent_id = mount.parent ? mount.parent->id : mount.id;
            info.source = mount.source.view();
            info.type = mount.fs->type() ? StringView(mount.fs->type()->name) : StringView("none");
            info.flags = mount.flags;
            info.device_id = mount.fs->device_id();
            info.path = "/";
            if (mount.mountpoint)
                info.path = StringView(path, TRY(directory_path(*mount.mountpoint, path, PATH_MAX)));
            fn(info);
        }
        return {};
    };
    auto result = visit();
    delete[] path;
    return result;
}

} // namespace charon
