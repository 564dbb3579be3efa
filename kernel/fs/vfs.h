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
#include "fs/open_file.h"
#include "lib/kstring.h"
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
};

// Outcome of a path walk.
struct PathWalk {
    RefPtr<Inode> parent; // directory holding the last component
    RefPtr<Inode> inode;  // null: the last component does not exist (allow_missing)
    KString last_name;    // the last component ("" for "/")
    bool trailing_slash = false;
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

    // The directory a *at() call starts from: the root for absolute paths,
    // the cwd for AT_FDCWD, else dirfd's file, which must be a directory
    // (EBADF, ENOTDIR).
    Result<RefPtr<Inode>> base_directory(FsProcess& process, int dirfd, StringView path);

    // openat(2). Returns the new descriptor.
    Result<int> open(FsProcess& process, int dirfd, StringView path, int flags, uint32_t mode);
    // The open file description without installing a descriptor (execve
    // opens the binary this way).
    Result<RefPtr<OpenFile>> open_file(FsProcess& process, int dirfd, StringView path, int flags, uint32_t mode);

    // newfstatat(2) / fstat(2).
    Result<void> stat_at(FsProcess& process, int dirfd, StringView path, int flags, LinuxStat& stat);
    Result<void> fstat(FsProcess& process, int fd, LinuxStat& stat);
    // faccessat2(2); access(2) is (AT_FDCWD, path, mode, 0).
    Result<void> access_at(FsProcess& process, int dirfd, StringView path, int mode, int flags);
    // readlinkat(2): no NUL, truncated to `size`; returns the count.
    Result<size_t> readlink_at(FsProcess& process, int dirfd, StringView path, IoBuffer& buffer, int64_t size);
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
    Result<RefPtr<Inode>> ensure_directory(Inode& parent, StringView name);
    Result<void> ensure_device_node(Inode& directory, StringView name, uint32_t major, uint32_t minor, uint32_t mode);

    FileSystem m_fs;
    RefPtr<Inode> m_root;
};

} // namespace charon
