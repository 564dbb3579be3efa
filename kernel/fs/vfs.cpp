#include "fs/vfs.h"

#include "fs/clock.h"
#include "fs/cpio.h"
#include "fs/device.h"
#include "fs/page_store.h"

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

// A symlink's target: stored, or generated for the caller (procfs);
// `storage` keeps a generated one alive.
Result<StringView> link_target(Inode& link, KString& storage) {
    if (!link.provider())
        return link.symlink_target();
    storage = TRY(link.provider()->link_target(link));
    return storage.view();
}

// The name `child` has in `parent` (generated inodes know their own).
const char* name_in(const Inode& parent, const Inode& child, size_t& length) {
    if (child.provider()) {
        StringView name = child.provider()->name();
        length = name.length();
        return name.chars();
    }
    const DirEntry* entry = parent.entry_for(child);
    if (!entry)
        return nullptr;
    length = entry->name.length();
    return entry->name.chars();
}

} // namespace

Vfs::Vfs() : m_fs(kRootDevice, false, &g_rootfs_type) { (void)register_file_system_type(g_tmpfs_type); }

Vfs::~Vfs() {
    // Unit tests destroy their Vfs: unmount everything, newest first, so
    // each instance's inodes go before its FileSystem (one still in use is
    // freed with its last inode).
    while (Mount* mount = m_detached.first()) {
        IntrusiveList<Mount, &Mount::node>::remove(*mount);
        free_mount(mount);
    }
    while (Mount* mount = m_mounts.last()) {
        IntrusiveList<Mount, &Mount::node>::remove(*mount);
        if (mount->mountpoint)
            mount->mountpoint->set_mount_covering(mount->covered_before);
        if (mount->fs == &m_fs) {
            mount->root->set_mount_rooted_here(nullptr);
            delete mount;
        } else {
            free_mount(mount);
        }
    }
    m_root = nullptr;
}

Result<RefPtr<Inode>> Vfs::ensure_directory(Inode& parent, StringView name, uint32_t mode) {
    auto existing = parent.lookup(name);
    if (!existing.is_error()) {
        if (!existing.value()->is_directory())
            return ENOTDIR;
        return existing.release_value();
    }
    RefPtr<Inode> directory = TRY(Inode::try_create(m_fs, InodeType::Directory, mode, 0, 0));
    Timespec now = file_time_now();
    directory->set_times(now, now, now);
    TRY(parent.add_entry(name, directory));
    return directory;
}

Result<void> Vfs::ensure_device_node(Inode& directory, StringView name, uint32_t major, uint32_t minor,
                                     uint32_t mode) {
    if (!directory.lookup(name).is_error())
        return {};
    RefPtr<Inode> node = TRY(Inode::try_create(m_fs, InodeType::CharDevice, mode, 0, 0));
    node->set_device(major, minor);
    Timespec now = file_time_now();
    node->set_times(now, now, now);
    TRY(directory.add_entry(name, std::move(node)));
    return {};
}

// The memory devices every Linux system has (drivers/char/mem.c's modes).
Result<void> Vfs::ensure_memory_device_nodes(Inode& dev) {
    TRY(ensure_device_node(dev, "zero", kMemMajor, kZeroMinor, 0666));
    TRY(ensure_device_node(dev, "full", kMemMajor, kFullMinor, 0666));
    TRY(ensure_device_node(dev, "random", kMemMajor, kRandomMinor, 0666));
    TRY(ensure_device_node(dev, "urandom", kMemMajor, kUrandomMinor, 0666));
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
    TRY(ensure_memory_device_nodes(*dev));
    // Scratch space every program expects: world-writable with the sticky
    // bit, as Debian's /tmp and /dev/shm (an archive's own entries win).
    RefPtr<Inode> tmp = TRY(ensure_directory(*root, "tmp", 01777));
    RefPtr<Inode> shm = TRY(ensure_directory(*dev, "shm", 01777));
    auto* mount = new (std::nothrow) Mount;
    if (!mount)
        return ENOMEM;
    mount->fs = &m_fs;
    mount->root = root;
    mount->id = m_next_mount_id++;
    m_fs.mount_id = mount->id;
    auto source = KString::try_create("rootfs");
    if (source.is_error()) {
        delete mount;
        return source.error();
    }
    mount->source = source.release_value();
    root->set_mount_rooted_here(mount);
    m_mounts.push_back(*mount);
    m_root = std::move(root);
    return {};
}

Inode* Vfs::cross_mounts(Inode* inode) {
    while (Mount* mount = inode->mount_covering())
        inode = mount->root.ptr();
    return inode;
}

Inode* Vfs::parent_crossing_mounts(Inode& inode) {
    Inode* current = &inode;
    // A mounted root's ".." is its mountpoint's (repeatedly, for mounts
    // stacked on one directory); the global root is its own parent.
    for (;;) {
        Mount* mount = current->mount_rooted_here();
        if (!mount || !mount->mountpoint)
            break;
        current = mount->mountpoint.ptr();
    }
    if (current == m_root.ptr())
        return current;
    // A detached (removed) directory stays put, as before.
    return current->parent() ? current->parent() : current;
}

Result<PathWalk> Vfs::walk(const Credentials& credentials, Inode& base, StringView path, bool follow_last,
                           bool allow_missing) {
    SpinlockGuard guard(m_namespace_lock);
    return walk_locked(credentials, base, path, follow_last, allow_missing);
}

Result<PathWalk> Vfs::walk_parent(const Credentials& credentials, Inode& base, StringView path) {
    SpinlockGuard guard(m_namespace_lock);
    return walk_locked(credentials, base, path, false, true, WalkMode::Parent);
}

Result<PathWalk> Vfs::walk_locked(const Credentials& credentials, Inode& base, StringView path, bool follow_last,
                                  bool allow_missing, WalkMode mode) {
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
            result.last_type = LastComponent::Root;
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

        if (is_last && mode == WalkMode::Parent) {
            // path_parentat: the last component stays unresolved.
            result.parent = current;
            result.last_name = TRY(KString::try_create(component));
            result.trailing_slash = trailing_slash;
            result.last_type = is_dot(component)       ? LastComponent::Dot
                               : is_dot_dot(component) ? LastComponent::DotDot
                                                       : LastComponent::Normal;
            return result;
        }

        RefPtr<Inode> child;
        if (is_dot(component)) {
            child = current;
        } else if (is_dot_dot(component)) {
            child = RefPtr<Inode>(cross_mounts(parent_crossing_mounts(*current)));
        } else {
            if (auto* type = current->fs().type(); type && type->refresh_directory)
                TRY(type->refresh_directory(current->fs(), *current));
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
            child = RefPtr<Inode>(cross_mounts(found.value().ptr()));
        }

        if (child->is_symlink() && (!is_last || follow_last || trailing_slash)) {
            if (++follows > kMaxSymlinkFollows)
                return ELOOP;
            KString generated;
            StringView target = TRY(link_target(*child, generated));
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
    SpinlockGuard guard(m_namespace_lock);
    return resolve_locked(credentials, base, path, follow_last);
}

Result<RefPtr<Inode>> Vfs::resolve_locked(const Credentials& credentials, Inode& base, StringView path,
                                          bool follow_last) {
    PathWalk result = TRY(walk_locked(credentials, base, path, follow_last, false));
    return result.inode;
}

// Callers hold the namespace lock (the directory must not be replaced
// between this and the walk).
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

Result<RefPtr<OpenFile>> Vfs::open_file(FsProcess& process, int dirfd, StringView path, int flags, uint32_t mode) {
    SpinlockGuard guard(m_namespace_lock);
    return open_file_locked(process, dirfd, path, flags, mode);
}

Result<RefPtr<OpenFile>> Vfs::open_file_locked(FsProcess& process, int dirfd, StringView path, int flags,
                                               uint32_t mode) {
    flags = TRY(check_open_flags(flags));
    int access_mode = flags & O_ACCMODE;
    if (path.is_empty())
        return ENOENT;
    // O_TMPFILE (an unnamed file in a directory) is not supported yet.
    if ((flags & O_TMPFILE) == O_TMPFILE)
        return EOPNOTSUPP;

    RefPtr<Inode> base = TRY(base_directory(process, dirfd, path));
    if ((flags & O_CREAT) && path[path.length() - 1] == '/') {
        // Linux: O_CREAT with a trailing slash is EISDIR, whether or not
        // the name exists, once the directories before it resolve.
        size_t length = path.length();
        while (length > 0 && path[length - 1] == '/')
            --length;
        if (length > 0)
            TRY(walk_locked(process.credentials, *base, path.substring(0, length), false, true));
        return EISDIR;
    }
    bool exclusive_create = (flags & O_CREAT) && (flags & O_EXCL);
    bool follow = !(flags & O_NOFOLLOW) && !exclusive_create;
    PathWalk walked = TRY(walk_locked(process.credentials, *base, path, follow, flags & O_CREAT));
    bool created = false;
    if (!walked.inode) {
        // O_CREAT of a missing name (a dangling symlink's target too, as
        // Linux): a new empty regular file, mode & ~umask.
        walked.inode = TRY(create_locked(process, *walked.parent, walked.last_name.view(), InodeType::Regular,
                                         mode & kPermissionMask));
        created = true;
    }
    Inode& inode = *walked.inode;
    if (exclusive_create && !created)
        return EEXIST;
    if (inode.is_symlink() && !(flags & O_PATH))
        return ELOOP; // O_NOFOLLOW on a symlink
    if ((flags & O_DIRECTORY) && !inode.is_directory())
        return ENOTDIR;

    RefPtr<PathName> name = TRY(PathName::try_create(walked.parent, std::move(walked.last_name)));
    if (flags & O_PATH) {
        RefPtr<OpenFile> file = TRY(inode.provider() ? GeneratedFile::try_create(walked.inode, flags)
                                                     : InodeFile::try_create(walked.inode, flags));
        file->set_path(std::move(name));
        return file;
    }

    bool wants_read = access_mode != O_WRONLY;
    bool wants_write = access_mode != O_RDONLY || (flags & O_TRUNC);
    if (inode.is_directory() && (wants_write || (flags & O_CREAT)))
        return EISDIR;
    if (wants_write && write_refused_by_mount(inode))
        return EROFS;
    // The creator of a file may open it whatever mode it was given (Linux
    // skips the permission check for a file this open created).
    if (!created)
        TRY(check_permission(inode, process.credentials, (wants_read ? R_OK : 0) | (wants_write ? W_OK : 0)));
    // Writing to a file that is being executed is ETXTBSY (Linux 6.x
    // do_dentry_open; O_TRUNC's truncate as well).
    WriteAccess write_access;
    if (wants_write && inode.is_regular() && !inode.provider())
        write_access = TRY(WriteAccess::get(inode));
    // O_TRUNC empties a regular file, even opened O_RDONLY (Linux does;
    // POSIX leaves it unspecified); FIFOs and devices ignore it.
    if ((flags & O_TRUNC) && inode.is_regular())
        TRY(inode.truncate(0, kMaxFileSize));

    // What F_GETFL will report: creation-time flags and O_CLOEXEC are not
    // file state; x86_64 forces O_LARGEFILE on every open().
    int file_flags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | O_LARGEFILE;
    RefPtr<OpenFile> file;
    if (inode.provider()) {
        file = TRY(GeneratedFile::try_create(walked.inode, file_flags));
    } else {
        switch (inode.type()) {
        case InodeType::Regular:
        case InodeType::Directory: file = TRY(InodeFile::try_create(walked.inode, file_flags)); break;
        case InodeType::CharDevice: file = TRY(DeviceFile::try_create(walked.inode, file_flags)); break;
        case InodeType::Fifo: file = TRY(PipeFile::try_open_fifo(walked.inode, file_flags)); break;
        // No block drivers; sockets have no listener to connect to (ENXIO as
        // Linux's open of a socket inode).
        default: return ENXIO;
        }
    }
    file->set_path(std::move(name));
    if (access_mode != O_RDONLY)
        file->hold_write_access(std::move(write_access));
    return file;
}

Result<int> Vfs::open(FsProcess& process, int dirfd, StringView path, int flags, uint32_t mode) {
    // Linux's order: flag errors, then the path copy (an empty path is
    // ENOENT), then the descriptor reservation (EMFILE), then the walk.
    TRY(check_open_flags(flags));
    if (path.is_empty())
        return ENOENT;
    if (!process.fds.has_free_slot(process.nofile_limit))
        return EMFILE;
    RefPtr<OpenFile> file = TRY(open_file(process, dirfd, path, flags, mode & ~process.umask));
    // A FIFO opened for reading or for writing alone waits for its partner
    // (fifo(7)), without the namespace lock.
    Waiter waiter;
    waiter.sleeper = process.sleeper;
    for (;;) {
        IoContext context;
        context.waiter = process.sleep ? &waiter : nullptr;
        auto ready = file->wait_ready_to_open(context);
        if (!ready.is_error())
            break;
        if (ready.error().code() != EAGAIN || !context.queued_on)
            return ready.error();
        auto slept = process.sleep(waiter);
        context.cancel_wait();
        if (slept.is_error())
            return slept.error(); // the file goes, detaching from the FIFO
    }
    return process.fds.allocate(std::move(file), flags & O_CLOEXEC, process.nofile_limit);
}

Result<RefPtr<Inode>> Vfs::inode_at(FsProcess& process, int dirfd, StringView path, int flags, bool follow) {
    if (path.is_empty()) {
        if (!(flags & AT_EMPTY_PATH))
            return ENOENT;
        if (dirfd == AT_FDCWD)
            return process.cwd;
        return RefPtr<Inode>(TRY(process.fds.get(dirfd))->inode());
    }
    RefPtr<Inode> base = TRY(base_directory(process, dirfd, path));
    return resolve_locked(process.credentials, *base, path, follow);
}

Result<void> Vfs::stat_at(FsProcess& process, int dirfd, StringView path, int flags, LinuxStat& stat,
                          StatExtra* extra) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
        return EINVAL;
    SpinlockGuard guard(m_namespace_lock);
    RefPtr<Inode> inode = TRY(inode_at(process, dirfd, path, flags, !(flags & AT_SYMLINK_NOFOLLOW)));
    inode->fill_stat(stat);
    if (extra) {
        extra->btime = inode->btime();
        extra->mount_id = inode->fs().mount_id;
        extra->mount_root = inode->mount_rooted_here() != nullptr;
    }
    return {};
}

Result<void> Vfs::fstat(FsProcess& process, int fd, LinuxStat& stat) {
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    SpinlockGuard guard(m_namespace_lock);
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
    SpinlockGuard guard(m_namespace_lock);
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
        inode = TRY(resolve_locked(walker, *base, path, !(flags & AT_SYMLINK_NOFOLLOW)));
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
    // The target is copied out after the lock is dropped (a user copy may
    // fault); the inode reference keeps it alive, and a symlink's target
    // never changes.
    RefPtr<Inode> inode;
    KString generated;
    StringView target;
    {
        SpinlockGuard guard(m_namespace_lock);
        if (path.is_empty()) {
            // readlinkat(fd, "") reads the link an O_PATH|O_NOFOLLOW fd refers to.
            if (dirfd == AT_FDCWD)
                return ENOENT;
            inode = RefPtr<Inode>(TRY(process.fds.get(dirfd))->inode());
            if (!inode->is_symlink())
                return ENOENT;
        } else {
            RefPtr<Inode> base = TRY(base_directory(process, dirfd, path));
            inode = TRY(resolve_locked(process.credentials, *base, path, false));
        }
        if (!inode->is_symlink())
            return EINVAL;
        // Generated targets are computed under the lock, as a walk does.
        target = TRY(link_target(*inode, generated));
    }
    size_t count = target.length() < static_cast<uint64_t>(size) ? target.length() : static_cast<size_t>(size);
    TRY(buffer.copy_to(0, target.chars(), count));
    return count;
}

Result<size_t> Vfs::directory_path(const Inode& directory, char* buffer, size_t size) {
    // Built backwards from the end of the buffer, then moved to its start.
    VERIFY(size > 0);
    size_t start = size - 1;
    buffer[start] = '\0';
    const Inode* inode = &directory;
    for (;;) {
        // Leave mounted roots for their mountpoints.
        while (Mount* mount = inode->mount_rooted_here()) {
            if (!mount->mountpoint)
                break;
            inode = mount->mountpoint.ptr();
        }
        if (inode == m_root.ptr())
            break;
        Inode* parent = inode->parent();
        size_t length = 0;
        const char* component =
            parent && parent != inode ? name_in(*parent, *inode, length) : nullptr;
        if (!component)
            return ENOENT; // removed
        if (length + 1 > start)
            return ENAMETOOLONG;
        start -= length;
        __builtin_memcpy(buffer + start, component, length);
        buffer[--start] = '/';
        inode = parent;
    }
    if (start == size - 1) {
        if (start == 0)
            return ENAMETOOLONG;
        buffer[--start] = '/';
    }
    size_t length = size - 1 - start;
    __builtin_memmove(buffer, buffer + start, length + 1);
    return length;
}

Result<size_t> Vfs::getcwd(FsProcess& process, IoBuffer& buffer, size_t size) {
    auto* scratch = new (std::nothrow) char[PATH_MAX];
    if (!scratch)
        return ENOMEM;
    // The path is built under the lock and copied out after it.
    auto finish = [&]() -> Result<size_t> {
        size_t length;
        {
            SpinlockGuard guard(m_namespace_lock);
            length = TRY(directory_path(*process.cwd, scratch, PATH_MAX));
        }
        if (size < length + 1)
            return ERANGE;
        TRY(buffer.copy_to(0, scratch, length + 1));
        return length + 1;
    };
    auto result = finish();
    delete[] scratch;
    return result;
}

Result<KString> Vfs::path_of(Inode& directory, StringView name) {
    SpinlockGuard guard(m_namespace_lock);
    return path_of_locked(directory, name);
}

Result<KString> Vfs::path_of(const OpenFile& file) {
    SpinlockGuard guard(m_namespace_lock);
    return path_of_locked(file);
}

Result<KString> Vfs::path_of_locked(Inode& directory, StringView name) {
    auto* scratch = new (std::nothrow) char[PATH_MAX];
    if (!scratch)
        return ENOMEM;
    auto build = [&]() -> Result<KString> {
        size_t length = TRY(directory_path(directory, scratch, PATH_MAX));
        if (name.is_empty())
            return KString::try_create({scratch, length});
        if (length + 1 + name.length() >= PATH_MAX)
            return ENAMETOOLONG;
        StringView head = length == 1 ? StringView("") : StringView(scratch, length); // "/" + name, not "//name"
        KString prefix = TRY(KString::try_concat(head, "/"));
        return KString::try_concat(prefix.view(), name);
    };
    auto result = build();
    delete[] scratch;
    return result;
}

Result<KString> Vfs::path_of_locked(const PathName& name) {
    if (name.name.view() == StringView(".") || name.name.view() == StringView(".."))
        return ENOENT; // a directory: its own path, below
    return path_of_locked(*name.directory, name.name.view());
}

Result<KString> Vfs::path_of_locked(const OpenFile& file) {
    if (file.inode().is_directory())
        return path_of_locked(file.inode());
    if (!file.path())
        return ENOENT;
    return display_path_locked(*file.path(), file.inode());
}

Result<KString> Vfs::display_path_locked(const PathName& name, const Inode& inode) {
    KString path = TRY(path_of_locked(name));
    // Generated directories (/proc) compute their entries: no unlink there.
    if (name.directory->provider() || name.directory->entry_for(inode))
        return path;
    return KString::try_concat(path.view(), " (deleted)");
}

Result<void> Vfs::chdir(FsProcess& process, StringView path) {
    SpinlockGuard guard(m_namespace_lock);
    RefPtr<Inode> base = TRY(base_directory(process, AT_FDCWD, path));
    RefPtr<Inode> inode = TRY(resolve_locked(process.credentials, *base, path, true));
    if (!inode->is_directory())
        return ENOTDIR;
    TRY(check_permission(*inode, process.credentials, X_OK));
    process.cwd = std::move(inode);
    return {};
}

Result<void> Vfs::fchdir(FsProcess& process, int fd) {
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    SpinlockGuard guard(m_namespace_lock);
    if (!file->inode().is_directory())
        return ENOTDIR;
    TRY(check_permission(file->inode(), process.credentials, X_OK));
    process.cwd = RefPtr<Inode>(file->inode());
    return {};
}

Result<size_t> Vfs::getdents64(FsProcess& process, int fd, IoBuffer& buffer, size_t size) {
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    // Records are copied out under the lock, entry by entry (as the pipe
    // copies under its own); a user copy may fault but never sleeps.
    SpinlockGuard guard(m_namespace_lock);
    Inode& inode = file->inode();
    if (inode.is_directory() && !file->is_path_only()) {
        if (auto* type = inode.fs().type(); type && type->refresh_directory)
            TRY(type->refresh_directory(inode.fs(), inode));
    }
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
