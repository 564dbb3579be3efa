// The namespace syscalls at the level of kernel values: creating, linking,
// removing and renaming names, and changing an inode's mode, owner and
// times. Each takes the namespace lock for its whole duration (fs/vfs.h),
// so it is atomic with respect to every other path operation; the checks
// come in Linux's order (fs/namei.c, fs/attr.c, fs/utimes.c), because
// which errno wins when several apply is part of the ABI.
#include "fs/clock.h"
#include "fs/vfs.h"

namespace charon {

namespace {

// Root stands in for the capabilities Linux checks (CAP_CHOWN, CAP_FOWNER,
// CAP_FSETID, CAP_MKNOD, CAP_DAC_READ_SEARCH).
bool is_privileged(const Credentials& credentials) { return credentials.euid == 0; }

bool in_group(const Credentials& credentials, uint32_t gid) {
    if (credentials.egid == gid)
        return true;
    for (size_t i = 0; i < credentials.group_count; ++i) {
        if (credentials.groups[i] == gid)
            return true;
    }
    return false;
}

bool owns(const Credentials& credentials, const Inode& inode) {
    return credentials.euid == inode.uid() || is_privileged(credentials);
}

// Linux's may_create minus the lookup: the directory must still be linked
// (IS_DEADDIR), writable (EROFS before EACCES) and searchable.
Result<void> may_create(const Credentials& credentials, const Inode& directory) {
    if (directory.nlink() == 0)
        return ENOENT;
    if (directory.fs().is_read_only())
        return EROFS;
    return check_permission(directory, credentials, W_OK | X_OK);
}

// Linux's may_delete: write and search on the directory, the sticky bit
// (only the file's or the directory's owner may remove it), the type.
Result<void> may_delete(const Credentials& credentials, const Inode& directory, const Inode& victim,
                        bool want_directory) {
    if (directory.fs().is_read_only())
        return EROFS;
    TRY(check_permission(directory, credentials, W_OK | X_OK));
    if ((directory.permissions() & S_ISVTX) && credentials.euid != victim.uid() &&
        credentials.euid != directory.uid() && !is_privileged(credentials))
        return EPERM;
    if (want_directory && !victim.is_directory())
        return ENOTDIR;
    if (!want_directory && victim.is_directory())
        return EISDIR;
    return {};
}

// new_decode_dev: mknod's 32-bit dev_t.
uint32_t device_major(uint64_t device) { return uint32_t((device & 0xfff00) >> 8); }
uint32_t device_minor(uint64_t device) { return uint32_t((device & 0xff) | ((device >> 12) & 0xfff00)); }

} // namespace

Result<RefPtr<Inode>> Vfs::create_locked(FsProcess& process, Inode& parent, StringView name, InodeType type,
                                         uint32_t mode) {
    const Credentials& credentials = process.credentials;
    TRY(may_create(credentials, parent));
    // inode_init_owner: the creator's fsuid; the group is the creator's,
    // or the directory's when it is set-group-ID (new directories inherit
    // the bit). A file may keep S_ISGID only for a group its creator is in.
    uint32_t uid = credentials.euid;
    uint32_t gid = credentials.egid;
    if (parent.permissions() & S_ISGID) {
        gid = parent.gid();
        if (type == InodeType::Directory)
            mode |= S_ISGID;
    }
    if (type != InodeType::Directory && (mode & (S_ISGID | 0010)) == (S_ISGID | 0010) && !in_group(credentials, gid) &&
        !is_privileged(credentials))
        mode &= ~S_ISGID;
    RefPtr<Inode> inode = TRY(Inode::try_create(parent.fs(), type, mode, uid, gid));
    Timespec now = file_time_now();
    inode->set_times(now, now, now);
    if (type == InodeType::Symlink)
        return inode; // the caller sets the target, then links it
    TRY(parent.add_entry(name, inode));
    parent.touch_directory(now);
    return inode;
}

Result<PathWalk> Vfs::walk_to_new_name_locked(FsProcess& process, int dirfd, StringView path,
                                              bool making_directory) {
    RefPtr<Inode> base = TRY(base_directory(process, dirfd, path));
    PathWalk walked = TRY(walk_locked(process.credentials, *base, path, false, true, WalkMode::Parent));
    // "/", "." and ".." exist already; so does any name found, whatever
    // its type (a dangling symlink too).
    if (walked.last_type != LastComponent::Normal || walked.parent->find_entry(walked.last_name.view()))
        return EEXIST;
    if (walked.trailing_slash && !making_directory)
        return ENOENT;
    return walked;
}

Result<void> Vfs::mkdir_at(FsProcess& process, int dirfd, StringView path, uint32_t mode) {
    SpinlockGuard guard(m_namespace_lock);
    PathWalk walked = TRY(walk_to_new_name_locked(process, dirfd, path, true));
    // vfs_mkdir keeps only the permission and sticky bits of the request.
    mode = (mode & (0777 | S_ISVTX)) & ~process.umask;
    TRY(create_locked(process, *walked.parent, walked.last_name.view(), InodeType::Directory, mode));
    return {};
}

Result<void> Vfs::mknod_at(FsProcess& process, int dirfd, StringView path, uint32_t mode, uint64_t device) {
    // may_mknod, before the path is looked at.
    InodeType type;
    switch (mode & S_IFMT) {
    case 0:
    case S_IFREG: type = InodeType::Regular; break;
    case S_IFCHR: type = InodeType::CharDevice; break;
    case S_IFBLK: type = InodeType::BlockDevice; break;
    case S_IFIFO: type = InodeType::Fifo; break;
    case S_IFSOCK: type = InodeType::Socket; break;
    case S_IFDIR: return EPERM;
    default: return EINVAL;
    }
    SpinlockGuard guard(m_namespace_lock);
    PathWalk walked = TRY(walk_to_new_name_locked(process, dirfd, path, false));
    bool device_node = type == InodeType::CharDevice || type == InodeType::BlockDevice;
    if (device_node) {
        // vfs_mknod: may_create first, then CAP_MKNOD.
        TRY(may_create(process.credentials, *walked.parent));
        if (!is_privileged(process.credentials))
            return EPERM;
    }
    uint32_t permissions = (mode & kPermissionMask) & ~process.umask;
    RefPtr<Inode> inode =
        TRY(create_locked(process, *walked.parent, walked.last_name.view(), type, permissions));
    if (device_node)
        inode->set_device(device_major(device), device_minor(device));
    return {};
}

Result<void> Vfs::unlink_at(FsProcess& process, int dirfd, StringView path, int flags) {
    if (flags & ~AT_REMOVEDIR)
        return EINVAL;
    bool remove_directory = flags & AT_REMOVEDIR;
    SpinlockGuard guard(m_namespace_lock);
    RefPtr<Inode> base = TRY(base_directory(process, dirfd, path));
    PathWalk walked = TRY(walk_locked(process.credentials, *base, path, false, true, WalkMode::Parent));
    Inode& directory = *walked.parent;
    if (remove_directory) {
        switch (walked.last_type) {
        case LastComponent::Dot: return EINVAL;
        case LastComponent::DotDot: return ENOTEMPTY;
        case LastComponent::Root: return EBUSY;
        case LastComponent::Normal: break;
        }
    } else if (walked.last_type != LastComponent::Normal) {
        return EISDIR;
    }
    // mnt_want_write comes before the lookup.
    if (directory.fs().is_read_only())
        return EROFS;
    DirEntry* entry = directory.find_entry(walked.last_name.view());
    if (!entry)
        return ENOENT;
    RefPtr<Inode> victim = entry->inode;
    if (!remove_directory && walked.trailing_slash)
        return victim->is_directory() ? EISDIR : ENOTDIR;
    TRY(may_delete(process.credentials, directory, *victim, remove_directory));
    if (victim->mount_covering())
        return EBUSY;
    Timespec now = file_time_now();
    if (remove_directory) {
        if (victim->entry_count() != 0)
            return ENOTEMPTY;
        TRY(directory.remove_directory_entry(walked.last_name.view()));
    } else {
        TRY(directory.remove_entry(walked.last_name.view()));
    }
    victim->set_ctime(now);
    directory.touch_directory(now);
    return {};
}

Result<void> Vfs::symlink_at(FsProcess& process, StringView target, int dirfd, StringView path) {
    if (target.is_empty())
        return ENOENT; // getname("") for the old name
    SpinlockGuard guard(m_namespace_lock);
    PathWalk walked = TRY(walk_to_new_name_locked(process, dirfd, path, false));
    // Symlinks are 0777 whatever the umask.
    RefPtr<Inode> link = TRY(create_locked(process, *walked.parent, walked.last_name.view(), InodeType::Symlink, 0777));
    TRY(link->set_symlink_target(target));
    TRY(walked.parent->add_entry(walked.last_name.view(), link));
    walked.parent->touch_directory(link->ctime());
    return {};
}

Result<void> Vfs::link_at(FsProcess& process, int old_dirfd, StringView old_path, int new_dirfd, StringView new_path,
                          int flags) {
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return EINVAL;
    // Linking an fd's file (AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH;
    // without it the empty path is simply ENOENT.
    if ((flags & AT_EMPTY_PATH) && !is_privileged(process.credentials))
        flags &= ~AT_EMPTY_PATH;
    SpinlockGuard guard(m_namespace_lock);
    RefPtr<Inode> inode = TRY(inode_at(process, old_dirfd, old_path, flags, flags & AT_SYMLINK_FOLLOW));
    PathWalk walked = TRY(walk_to_new_name_locked(process, new_dirfd, new_path, false));
    Inode& directory = *walked.parent;
    if (directory.fs().is_read_only())
        return EROFS;
    if (&directory.fs() != &inode->fs())
        return EXDEV;
    TRY(may_create(process.credentials, directory));
    if (inode->is_directory())
        return EPERM;
    // An unlinked file cannot get a name back (no O_TMPFILE yet).
    if (inode->nlink() == 0)
        return ENOENT;
    TRY(directory.add_entry(walked.last_name.view(), inode));
    Timespec now = file_time_now();
    inode->set_ctime(now);
    directory.touch_directory(now);
    return {};
}

Result<void> Vfs::rename_at(FsProcess& process, int old_dirfd, StringView old_path, int new_dirfd,
                            StringView new_path, unsigned flags) {
    constexpr unsigned RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return EINVAL;
    if ((flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) && (flags & RENAME_EXCHANGE))
        return EINVAL;
    // Whiteouts exist for overlayfs; Charon has none (tmpfs would allow it).
    if (flags & RENAME_WHITEOUT)
        return EINVAL;
    bool exchange = flags & RENAME_EXCHANGE;
    const Credentials& credentials = process.credentials;

    SpinlockGuard guard(m_namespace_lock);
    RefPtr<Inode> old_base = TRY(base_directory(process, old_dirfd, old_path));
    PathWalk from = TRY(walk_locked(credentials, *old_base, old_path, false, true, WalkMode::Parent));
    RefPtr<Inode> new_base = TRY(base_directory(process, new_dirfd, new_path));
    PathWalk to = TRY(walk_locked(credentials, *new_base, new_path, false, true, WalkMode::Parent));
    Inode& old_dir = *from.parent;
    Inode& new_dir = *to.parent;
    StringView old_name = from.last_name.view();
    StringView new_name = to.last_name.view();

    if (&old_dir.fs() != &new_dir.fs())
        return EXDEV;
    if (from.last_type != LastComponent::Normal)
        return EBUSY;
    if (to.last_type != LastComponent::Normal)
        return (flags & RENAME_NOREPLACE) ? EEXIST : EBUSY;
    if (old_dir.fs().is_read_only())
        return EROFS;

    DirEntry* old_entry = old_dir.find_entry(old_name);
    if (!old_entry)
        return ENOENT;
    RefPtr<Inode> source = old_entry->inode;
    DirEntry* new_entry = new_dir.find_entry(new_name);
    RefPtr<Inode> target = new_entry ? new_entry->inode : nullptr;
    if ((flags & RENAME_NOREPLACE) && target)
        return EEXIST;
    if (exchange) {
        if (!target)
            return ENOENT;
        if (!target->is_directory() && to.trailing_slash)
            return ENOTDIR;
    }
    // Trailing slashes only fit directories.
    if (!source->is_directory()) {
        if (from.trailing_slash)
            return ENOTDIR;
        if (!exchange && to.trailing_slash)
            return ENOTDIR;
    }
    // Linux's lock_rename "trap": a directory cannot move below itself
    // (EINVAL), and a target that is an ancestor of the source cannot be
    // replaced (ENOTEMPTY; EINVAL when exchanging).
    if (source->is_directory() && new_dir.is_descendant_of(*source))
        return EINVAL;
    if (target && target->is_directory() && old_dir.is_descendant_of(*target))
        return exchange ? EINVAL : ENOTEMPTY;

    // vfs_rename.
    if (source.ptr() == target.ptr())
        return {}; // two names of one inode: nothing happens, as Linux
    bool source_is_directory = source->is_directory();
    TRY(may_delete(credentials, old_dir, *source, source_is_directory));
    if (!target)
        TRY(may_create(credentials, new_dir));
    else if (!exchange)
        TRY(may_delete(credentials, new_dir, *target, source_is_directory));
    else
        TRY(may_delete(credentials, new_dir, *target, target->is_directory()));
    // Moving a directory rewrites its "..": that needs write on it.
    if (&old_dir != &new_dir) {
        if (source_is_directory)
            TRY(check_permission(*source, credentials, W_OK));
        if (exchange && target->is_directory())
            TRY(check_permission(*target, credentials, W_OK));
    }
    if (source->mount_covering() || (target && target->mount_covering()))
        return EBUSY;
    if (!exchange && target && target->is_directory() && target->entry_count() != 0)
        return ENOTEMPTY;

    TRY(Inode::rename(old_dir, old_name, new_dir, new_name, exchange));
    Timespec now = file_time_now();
    old_dir.touch_directory(now);
    new_dir.touch_directory(now);
    source->set_ctime(now);
    if (target)
        target->set_ctime(now);
    return {};
}

// ---- attributes ---------------------------------------------------------

Result<void> Vfs::change_mode_locked(FsProcess& process, Inode& inode, uint32_t mode) {
    const Credentials& credentials = process.credentials;
    if (inode.fs().is_read_only())
        return EROFS;
    if (!owns(credentials, inode))
        return EPERM;
    mode &= kPermissionMask;
    // setattr_prepare: S_ISGID only for a group the caller is in.
    if ((mode & S_ISGID) && !in_group(credentials, inode.gid()) && !is_privileged(credentials))
        mode &= ~S_ISGID;
    inode.set_permissions(mode);
    inode.set_ctime(file_time_now());
    return {};
}

Result<void> Vfs::chmod_at(FsProcess& process, int dirfd, StringView path, uint32_t mode, int flags) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return EINVAL;
    SpinlockGuard guard(m_namespace_lock);
    RefPtr<Inode> inode = TRY(inode_at(process, dirfd, path, flags, !(flags & AT_SYMLINK_NOFOLLOW)));
    // fchmodat2 with AT_SYMLINK_NOFOLLOW: a symlink's mode cannot change.
    if (inode->is_symlink())
        return EOPNOTSUPP;
    return change_mode_locked(process, *inode, mode);
}

Result<void> Vfs::fchmod(FsProcess& process, int fd, uint32_t mode) {
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    if (file->is_path_only())
        return EBADF;
    SpinlockGuard guard(m_namespace_lock);
    return change_mode_locked(process, file->inode(), mode);
}

Result<void> Vfs::change_owner_locked(FsProcess& process, Inode& inode, uint32_t uid, uint32_t gid) {
    constexpr uint32_t kUnchanged = 0xffffffffu;
    const Credentials& credentials = process.credentials;
    if (inode.fs().is_read_only())
        return EROFS;
    uint32_t new_uid = uid == kUnchanged ? inode.uid() : uid;
    uint32_t new_gid = gid == kUnchanged ? inode.gid() : gid;
    if (!is_privileged(credentials)) {
        // chown_ok: only a no-op change of owner, by the owner.
        if (uid != kUnchanged && !(credentials.euid == inode.uid() && uid == inode.uid()))
            return EPERM;
        // chgrp_ok: the owner may pick one of its own groups.
        if (gid != kUnchanged &&
            !(credentials.euid == inode.uid() && (in_group(credentials, gid) || gid == inode.gid())))
            return EPERM;
    }
    // chown_common asks to drop set-user-ID and (with group execute)
    // set-group-ID from anything but a directory, even for root and even
    // when no id changes.
    uint32_t permissions = inode.permissions();
    if (!inode.is_directory()) {
        permissions &= ~S_ISUID;
        if ((permissions & S_ISGID) && (permissions & 0010))
            permissions &= ~S_ISGID;
    }
    inode.set_permissions(permissions);
    inode.set_owner(new_uid, new_gid);
    inode.set_ctime(file_time_now());
    return {};
}

Result<void> Vfs::chown_at(FsProcess& process, int dirfd, StringView path, uint32_t uid, uint32_t gid, int flags) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return EINVAL;
    SpinlockGuard guard(m_namespace_lock);
    RefPtr<Inode> inode = TRY(inode_at(process, dirfd, path, flags, !(flags & AT_SYMLINK_NOFOLLOW)));
    return change_owner_locked(process, *inode, uid, gid);
}

Result<void> Vfs::fchown(FsProcess& process, int fd, uint32_t uid, uint32_t gid) {
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    if (file->is_path_only())
        return EBADF;
    SpinlockGuard guard(m_namespace_lock);
    return change_owner_locked(process, file->inode(), uid, gid);
}

Result<void> Vfs::utimens_at(FsProcess& process, int dirfd, StringView path, const TimeUpdate& update, int flags) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return EINVAL;
    SpinlockGuard guard(m_namespace_lock);
    RefPtr<Inode> inode = TRY(inode_at(process, dirfd, path, flags, !(flags & AT_SYMLINK_NOFOLLOW)));
    if (update.invalid)
        return EINVAL;
    if (inode->fs().is_read_only())
        return EROFS;
    const Credentials& credentials = process.credentials;
    bool explicit_times = (update.set_atime && !update.atime_now) || (update.set_mtime && !update.mtime_now) ||
                          !update.set_atime || !update.set_mtime;
    if (explicit_times) {
        // Setting a chosen time (or omitting one) is for the owner.
        if (!owns(credentials, *inode))
            return EPERM;
    } else if (!owns(credentials, *inode)) {
        // "Now" for both: write permission is enough.
        TRY(check_permission(*inode, credentials, W_OK));
    }
    Timespec now = file_time_now();
    if (update.set_atime)
        inode->set_atime(update.atime_now ? now : update.atime);
    if (update.set_mtime)
        inode->set_mtime(update.mtime_now ? now : update.mtime);
    inode->set_ctime(now);
    return {};
}

} // namespace charon
