#include "fs/vfs.h"

#include "fs/cpio.h"
#include "fs/device.h"

namespace charon {

namespace {

// rootfs's device number on Linux (an anonymous block device, 0:2 early on).
constexpr uint64_t kRootDevice = encode_device(0, 2);

bool is_dot(StringView name) { return name.length() == 1 && name[0] == '.'; }
bool is_dot_dot(StringView name) { return name.length() == 2 && name[0] == '.' && name[1] == '.'; }

// Linux's sb_permission: writing to files, directories and symlinks of a
// read-only mount is EROFS; devices, FIFOs and sockets stay writable.
bool write_refused_by_mount(const Inode& inode) {
    if (!inode.fs().is_read_only())
        return false;
    return inode.is_regular() || inode.is_directory() || inode.is_symlink();
}

} // namespace

Vfs::Vfs() : m_fs(kRootDevice, false) {}

Vfs::~Vfs() = default;

Result<RefPtr<Inode>> Vfs::ensure_directory(Inode& parent, StringView name) {
    auto existing = parent.lookup(name);
    if (!existing.is_error()) {
        if (!existing.value()->is_directory())
            return ENOTDIR;
        return existing.release_value();
    }
    RefPtr<Inode> directory = TRY(Inode::try_create(m_fs, InodeType::Directory, 0755, 0, 0));
    TRY(parent.add_entry(name, directory));
    return directory;
}

Result<void> Vfs::ensure_device_node(Inode& directory, StringView name, uint32_t major, uint32_t minor,
                                     uint32_t mode) {
    if (!directory.lookup(name).is_error())
        return {};
    RefPtr<Inode> node = TRY(Inode::try_create(m_fs, InodeType::CharDevice, mode, 0, 0));
    node->set_device(major, minor);
    TRY(directory.add_entry(name, std::move(node)));
    return {};
}

Result<void> Vfs::mount_initramfs(const uint8_t* archive, size_t size) {
    VERIFY(!m_root);
    RefPtr<Inode> root = TRY(Inode::try_create(m_fs, InodeType::Directory, 0755, 0, 0));
    root->make_root();
    TRY(unpack_cpio(m_fs, *root, archive, size));
    RefPtr<Inode> dev = TRY(ensure_directory(*root, "dev"));
    TRY(ensure_device_node(*dev, "null", kMemMajor, kNullMinor, 0666));
    TRY(ensure_device_node(*dev, "console", kConsoleMajor, kConsoleMinor, 0600));
    TRY(ensure_device_node(*dev, "tty", kTtyMajor, kTtyMinor, 0666));
    TRY(ensure_device_node(*dev, "ttyS0", kSerialMajor, kSerialMinor, 0660));
    m_fs.set_read_only(true);
    m_root = std::move(root);
    return {};
}

Result<PathWalk> Vfs::walk(const Credentials& credentials, Inode& base, StringView path, bool follow_last,
                           bool allow_missing) {
    VERIFY(m_root);
    if (path.is_empty())
        return ENOENT;
    if (path.length() >= PATH_MAX)
        return ENAMETOOLONG;

    KString expanded; // holds the path after a symlink was spliced in
    unsigned follows = 0;
    RefPtr<Inode> current = path[0] == '/' ? m_root : RefPtr<Inode>(base);
    size_t position = 0;
    PathWalk result;
    for (;;) {
        while (position < path.length() && path[position] == '/')
            ++position;
        if (position >= path.length()) {
            // Only slashes left: the path named `current` itself ("/", or
            // a symlink expanded to "/").
            result.parent = current;
            result.inode = current;
            result.trailing_slash = path.length() > 0;
            return result;
        }
        size_t end = path.find('/', position);
        StringView component = path.substring(position, end - position);
        size_t next = end;
        while (next < path.length() && path[next] == '/')
            ++next;
        bool is_last = next >= path.length();
        bool trailing_slash = is_last && end < path.length();

        if (component.length() > NAME_MAX)
            return ENAMETOOLONG;
        if (!current->is_directory())
            return ENOTDIR;
        TRY(check_permission(*current, credentials, X_OK));

        RefPtr<Inode> child;
        if (is_dot(component)) {
            child = current;
        } else if (is_dot_dot(component)) {
            // ".." of the root is the root; a detached directory stays put.
            child = current->parent() ? RefPtr<Inode>(current->parent()) : current;
        } else {
            auto found = current->lookup(component);
            if (found.is_error()) {
                if (is_last && allow_missing) {
                    result.parent = current;
                    result.last_name = TRY(KString::try_create(component));
                    result.trailing_slash = trailing_slash;
                    return result;
                }
                return ENOENT;
            }
            child = found.release_value();
        }

        if (child->is_symlink() && (!is_last || follow_last || trailing_slash)) {
            if (++follows > kMaxSymlinkFollows)
                return ELOOP;
            StringView target = child->symlink_target();
            if (target.is_empty())
                return ENOENT;
            // Splice: target + the rest of the path (from its slash on).
            KString spliced = TRY(KString::try_concat(target, path.substring(end)));
            if (spliced.length() >= PATH_MAX)
                return ENAMETOOLONG;
            expanded = std::move(spliced);
            path = expanded.view();
            position = 0;
            if (target[0] == '/')
                current = m_root;
            continue;
        }

        if (is_last) {
            if (trailing_slash && !child->is_directory())
                return ENOTDIR;
            result.parent = current;
            result.inode = std::move(child);
            result.last_name = TRY(KString::try_create(component));
            result.trailing_slash = trailing_slash;
            return result;
        }
        current = std::move(child);
        position = next;
    }
}

Result<RefPtr<Inode>> Vfs::resolve(const Credentials& credentials, Inode& base, StringView path, bool follow_last) {
    PathWalk result = TRY(walk(credentials, base, path, follow_last));
    return result.inode;
}

Result<RefPtr<Inode>> Vfs::base_directory(FsProcess& process, int dirfd, StringView path) {
    if (!path.is_empty() && path[0] == '/')
        return m_root;
    if (dirfd == AT_FDCWD)
        return process.cwd;
    RefPtr<OpenFile> file = TRY(process.fds.get(dirfd));
    if (!file->inode().is_directory())
        return ENOTDIR;
    return RefPtr<Inode>(file->inode());
}

namespace {

// Linux's build_open_flags: flag combinations refused before anything else.
Result<int> check_open_flags(int flags) {
    if (flags & O_PATH)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if ((flags & O_TMPFILE) == O_TMPFILE && (flags & O_ACCMODE) == O_RDONLY)
        return EINVAL;
    // Linux 6.4+: O_CREAT | O_DIRECTORY is EINVAL.
    if ((flags & O_CREAT) && (flags & O_DIRECTORY))
        return EINVAL;
    return flags;
}

} // namespace

Result<RefPtr<OpenFile>> Vfs::open_file(FsProcess& process, int dirfd, StringView path, int flags, uint32_t) {
    flags = TRY(check_open_flags(flags));
    int access_mode = flags & O_ACCMODE;
    if (path.is_empty())
        return ENOENT;
    // The root is the only file system and it is read-only.
    if ((flags & O_TMPFILE) == O_TMPFILE)
        return EROFS;

    RefPtr<Inode> base = TRY(base_directory(process, dirfd, path));
    if ((flags & O_CREAT) && path[path.length() - 1] == '/') {
        // Linux: O_CREAT with a trailing slash is EISDIR, whether or not
        // the name exists, once the directories before it resolve.
        size_t length = path.length();
        while (length > 0 && path[length - 1] == '/')
            --length;
        if (length > 0)
            TRY(walk(process.credentials, *base, path.substring(0, length), false, true));
        return EISDIR;
    }
    bool exclusive_create = (flags & O_CREAT) && (flags & O_EXCL);
    bool follow = !(flags & O_NOFOLLOW) && !exclusive_create;
    PathWalk walked = TRY(walk(process.credentials, *base, path, follow, flags & O_CREAT));
    if (!walked.inode) {
        // O_CREAT of a missing name. Creating files arrives with the
        // writable root; until then every file system is read-only.
        return EROFS;
    }
    Inode& inode = *walked.inode;
    if (exclusive_create)
        return EEXIST;
    if (inode.is_symlink() && !(flags & O_PATH))
        return ELOOP; // O_NOFOLLOW on a symlink
    if ((flags & O_DIRECTORY) && !inode.is_directory())
        return ENOTDIR;

    if (flags & O_PATH)
        return InodeFile::try_create(walked.inode, flags);

    bool wants_read = access_mode != O_WRONLY;
    bool wants_write = access_mode != O_RDONLY || (flags & O_TRUNC);
    if (inode.is_directory() && (wants_write || (flags & O_CREAT)))
        return EISDIR;
    if (wants_write && write_refused_by_mount(inode))
        return EROFS;
    TRY(check_permission(inode, process.credentials, (wants_read ? R_OK : 0) | (wants_write ? W_OK : 0)));

    // What F_GETFL will report: creation-time flags and O_CLOEXEC are not
    // file state; x86_64 forces O_LARGEFILE on every open().
    int file_flags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | O_LARGEFILE;
    switch (inode.type()) {
    case InodeType::Regular:
    case InodeType::Directory: return InodeFile::try_create(walked.inode, file_flags);
    case InodeType::CharDevice: return DeviceFile::try_create(walked.inode, file_flags);
    // No block drivers; named FIFOs and sockets arrive with the writable root.
    default: return ENXIO;
    }
}

Result<int> Vfs::open(FsProcess& process, int dirfd, StringView path, int flags, uint32_t mode) {
    // Linux's order: flag errors, then the path copy (an empty path is
    // ENOENT), then the descriptor reservation (EMFILE), then the walk.
    TRY(check_open_flags(flags));
    if (path.is_empty())
        return ENOENT;
    if (!process.fds.has_free_slot(process.nofile_limit))
        return EMFILE;
    RefPtr<OpenFile> file = TRY(open_file(process, dirfd, path, flags, mode));
    return process.fds.allocate(std::move(file), flags & O_CLOEXEC, process.nofile_limit);
}

Result<void> Vfs::stat_at(FsProcess& process, int dirfd, StringView path, int flags, LinuxStat& stat) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
        return EINVAL;
    if (path.is_empty()) {
        if (!(flags & AT_EMPTY_PATH))
            return ENOENT;
        if (dirfd == AT_FDCWD) {
            process.cwd->fill_stat(stat);
            return {};
        }
        return fstat(process, dirfd, stat);
    }
    RefPtr<Inode> base = TRY(base_directory(process, dirfd, path));
    RefPtr<Inode> inode = TRY(resolve(process.credentials, *base, path, !(flags & AT_SYMLINK_NOFOLLOW)));
    inode->fill_stat(stat);
    return {};
}

Result<void> Vfs::fstat(FsProcess& process, int fd, LinuxStat& stat) {
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    file->fill_stat(stat);
    return {};
}

Result<void> Vfs::access_at(FsProcess& process, int dirfd, StringView path, int mode, int flags) {
    if (mode & ~(R_OK | W_OK | X_OK))
        return EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return EINVAL;
    bool use_real_ids = !(flags & AT_EACCESS);
    // access() checks with the real ids, the path walk included.
    Credentials walker = process.credentials;
    if (use_real_ids) {
        walker.euid = walker.uid;
        walker.egid = walker.gid;
    }
    RefPtr<Inode> inode;
    if (path.is_empty()) {
        if (!(flags & AT_EMPTY_PATH))
            return ENOENT;
        if (dirfd == AT_FDCWD)
            inode = process.cwd;
        else
            inode = RefPtr<Inode>(TRY(process.fds.get(dirfd))->inode());
    } else {
        RefPtr<Inode> base = TRY(base_directory(process, dirfd, path));
        inode = TRY(resolve(walker, *base, path, !(flags & AT_SYMLINK_NOFOLLOW)));
    }
    if (mode == F_OK)
        return {};
    if ((mode & W_OK) && write_refused_by_mount(*inode))
        return EROFS;
    return check_permission(*inode, process.credentials, mode, use_real_ids);
}

Result<size_t> Vfs::readlink_at(FsProcess& process, int dirfd, StringView path, IoBuffer& buffer, int64_t size) {
    if (size <= 0)
        return EINVAL;
    RefPtr<Inode> inode;
    if (path.is_empty()) {
        // readlinkat(fd, "") reads the link an O_PATH|O_NOFOLLOW fd refers to.
        if (dirfd == AT_FDCWD)
            return ENOENT;
        inode = RefPtr<Inode>(TRY(process.fds.get(dirfd))->inode());
        if (!inode->is_symlink())
            return ENOENT;
    } else {
        RefPtr<Inode> base = TRY(base_directory(process, dirfd, path));
        inode = TRY(resolve(process.credentials, *base, path, false));
    }
    if (!inode->is_symlink())
        return EINVAL;
    StringView target = inode->symlink_target();
    size_t count = target.length() < static_cast<uint64_t>(size) ? target.length() : static_cast<size_t>(size);
    TRY(buffer.copy_to(0, target.chars(), count));
    return count;
}

Result<size_t> Vfs::getcwd(FsProcess& process, IoBuffer& buffer, size_t size) {
    // Built backwards from the end of a PATH_MAX scratch buffer.
    auto* scratch = new (std::nothrow) char[PATH_MAX];
    if (!scratch)
        return ENOMEM;
    size_t start = PATH_MAX;
    auto fail = [&](Errno code) -> Result<size_t> {
        delete[] scratch;
        return code;
    };
    Inode* inode = process.cwd.ptr();
    while (inode != m_root.ptr()) {
        Inode* parent = inode->parent();
        const DirEntry* entry = parent ? parent->entry_for(*inode) : nullptr;
        if (!entry)
            return fail(ENOENT); // the cwd was removed
        size_t length = entry->name.length();
        if (length + 1 > start)
            return fail(ENAMETOOLONG);
        start -= length;
        __builtin_memcpy(scratch + start, entry->name.chars(), length);
        scratch[--start] = '/';
        inode = parent;
    }
    if (start == PATH_MAX)
        scratch[--start] = '/';
    size_t length = PATH_MAX - start;
    if (size < length + 1)
        return fail(ERANGE);
    char terminator = '\0';
    auto copied = buffer.copy_to(0, scratch + start, length);
    if (!copied.is_error())
        copied = buffer.copy_to(length, &terminator, 1);
    delete[] scratch;
    if (copied.is_error())
        return copied.error();
    return length + 1;
}

Result<void> Vfs::chdir(FsProcess& process, StringView path) {
    RefPtr<Inode> base = TRY(base_directory(process, AT_FDCWD, path));
    RefPtr<Inode> inode = TRY(resolve(process.credentials, *base, path, true));
    if (!inode->is_directory())
        return ENOTDIR;
    TRY(check_permission(*inode, process.credentials, X_OK));
    process.cwd = std::move(inode);
    return {};
}

Result<void> Vfs::fchdir(FsProcess& process, int fd) {
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    if (!file->inode().is_directory())
        return ENOTDIR;
    TRY(check_permission(file->inode(), process.credentials, X_OK));
    process.cwd = RefPtr<Inode>(file->inode());
    return {};
}

Result<size_t> Vfs::getdents64(FsProcess& process, int fd, IoBuffer& buffer, size_t size) {
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    return file->read_directory(buffer, size);
}

Result<int64_t> Vfs::lseek(FsProcess& process, int fd, int64_t offset, int whence) {
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    return file->seek(offset, whence);
}

Result<void> Vfs::pipe2(FsProcess& process, int fds[2], int flags) {
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
        return EINVAL;
    PipeFile::Ends ends = TRY(PipeFile::try_create_pair(process.credentials, flags));
    bool cloexec = flags & O_CLOEXEC;
    int read_fd = TRY(process.fds.allocate(std::move(ends.read_end), cloexec, process.nofile_limit));
    auto write_fd = process.fds.allocate(std::move(ends.write_end), cloexec, process.nofile_limit);
    if (write_fd.is_error()) {
        (void)process.fds.close(read_fd);
        return write_fd.error();
    }
    fds[0] = read_fd;
    fds[1] = write_fd.value();
    return {};
}

} // namespace charon
