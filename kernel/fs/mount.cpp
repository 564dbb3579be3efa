// The built-in file-system types (rootfs, tmpfs), anonymous device numbers,
// and the Vfs's mount(2), umount2(2), statfs(2) (see fs/mount.h).
#include "fs/mount.h"

#include "fs/clock.h"
#include "fs/vfs.h"

namespace charon {

namespace {

MemoryReport (*g_memory_reporter)() = nullptr;

// Anonymous device minors (major 0), Linux's get_anon_bdev: the lowest free
// one, reused after the instance is gone. Lock-free: released from inode
// destructors, which may run with or without the namespace lock.
constexpr uint32_t kFirstAnonMinor = 16; // below: shm (0:1, /proc maps), rootfs (0:2), pipefs (0:12)
constexpr uint32_t kAnonMinors = 1024;
uint64_t g_anon_minors[kAnonMinors / 64];

Result<uint64_t> allocate_anonymous_device() {
    for (uint32_t word = 0; word < kAnonMinors / 64; ++word) {
        uint64_t bits = __atomic_load_n(&g_anon_minors[word], __ATOMIC_RELAXED);
        while (bits != ~0ull) {
            int bit = __builtin_ctzll(~bits);
            if (__atomic_compare_exchange_n(&g_anon_minors[word], &bits, bits | (1ull << bit), false,
                                            __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
                return encode_device(0, kFirstAnonMinor + word * 64 + static_cast<uint32_t>(bit));
        }
    }
    return EMFILE; // Linux: get_anon_bdev's ida exhausted
}

void free_anonymous_device(uint64_t device_id) {
    uint32_t minor = uint32_t((device_id & 0xff) | ((device_id >> 12) & 0xfff00));
    if (minor < kFirstAnonMinor || minor >= kFirstAnonMinor + kAnonMinors)
        return;
    uint32_t index = minor - kFirstAnonMinor;
    __atomic_fetch_and(&g_anon_minors[index / 64], ~(1ull << (index % 64)), __ATOMIC_ACQ_REL);
}

// Linux's shmem_statfs: the instance's own capacity and use. A limit of 0
// (rootfs: made before memory is known) shows Linux's default, half of RAM,
// with what the machine has free; size=0 / nr_inodes=0 (no limit) show 0.
void tmpfs_statfs(const FileSystem& fs, LinuxStatfs& out) {
    out.f_bsize = static_cast<int64_t>(kPageSize);
    out.f_frsize = static_cast<int64_t>(kPageSize);
    MemoryReport memory = report_memory();
    uint64_t pages = fs.max_pages(), inodes = fs.max_inodes();
    if (pages != FileSystem::kUnlimited) {
        uint64_t used = fs.used_pages();
        if (pages) {
            out.f_blocks = pages;
            out.f_bfree = used < pages ? pages - used : 0;
        } else {
            out.f_blocks = memory.total_pages / 2;
            out.f_bfree = memory.free_pages < out.f_blocks ? memory.free_pages : out.f_blocks;
        }
        out.f_bavail = out.f_bfree;
    }
    if (inodes != FileSystem::kUnlimited) {
        out.f_files = inodes ? inodes : memory.total_pages / 2;
        uint64_t used = fs.used_inodes();
        out.f_ffree = used < out.f_files ? out.f_files - used : 0;
    }
}

bool parse_number(StringView text, unsigned base, uint64_t& value) {
    if (text.is_empty())
        return false;
    value = 0;
    for (size_t i = 0; i < text.length(); ++i) {
        unsigned digit = static_cast<unsigned>(text[i] - '0');
        if (text[i] < '0' || digit >= base || value > (~0ull - digit) / base)
            return false;
        value = value * base + digit;
    }
    return true;
}

// tmpfs options: size=N[kmg] or N% of RAM, nr_inodes=N[kmg], mode=octal,
// uid=N, gid=N; anything else is EINVAL as Linux's "tmpfs: Unknown
// parameter". Without size= / nr_inodes=, Linux's defaults: half of RAM,
// and one inode per page of that half (shmem_default_max_*); 0 means none.
Result<FileSystemType::Instance> tmpfs_create(const FileSystemType& type, uint64_t device_id,
                                              const MountRequest& request) {
    uint32_t mode = 01777;
    // Linux's shmem defaults the root's owner to the mounter's fsuid/fsgid.
    uint32_t uid = request.credentials ? request.credentials->euid : 0;
    uint32_t gid = request.credentials ? request.credentials->egid : 0;
    MemoryReport memory = report_memory();
    uint64_t max_pages = memory.total_pages / 2, max_inodes = memory.total_pages / 2;
    StringView options = request.options;
    size_t position = 0;
    while (position < options.length()) {
        size_t end = options.find(',', position);
        StringView option = options.substring(position, end - position);
        position = end < options.length() ? end + 1 : options.length();
        if (option.is_empty())
            continue;
        size_t equals = option.find('=');
        StringView key = option.substring(0, equals);
        StringView value = equals < option.length() ? option.substring(equals + 1) : StringView();
        uint64_t number = 0;
        if (key == StringView("mode")) {
            if (!parse_number(value, 8, number))
                return EINVAL;
            mode = static_cast<uint32_t>(number) & 07777;
        } else if (key == StringView("uid") || key == StringView("gid")) {
            if (!parse_number(value, 10, number) || number > 0xfffffffeu)
                return EINVAL;
            (key == StringView("uid") ? uid : gid) = static_cast<uint32_t>(number);
        } else if (key == StringView("nr_inodes") || key == StringView("size")) {
            // memparse's suffixes; size= also takes a percentage of RAM.
            uint64_t scale = 1;
            bool percent = false;
            if (!value.is_empty()) {
                char suffix = value[value.length() - 1];
                if (suffix == 'k' || suffix == 'K')
                    scale = 1ull << 10;
                else if (suffix == 'm' || suffix == 'M')
                    scale = 1ull << 20;
                else if (suffix == 'g' || suffix == 'G')
                    scale = 1ull << 30;
                else if (suffix == '%' && key == StringView("size"))
                    percent = true;
                if (scale != 1 || percent)
                    value = value.substring(0, value.length() - 1);
            }
            if (!parse_number(value, 10, number) || number > ~0ull / scale)
                return EINVAL;
            number *= scale;
            uint64_t limit = key == StringView("nr_inodes") ? number
                             : percent ? memory.total_pages * number / 100
                                       : (number + kPageSize - 1) / kPageSize;
            if (number == 0)
                limit = FileSystem::kUnlimited;
            (key == StringView("size") ? max_pages : max_inodes) = limit;
        } else {
            return EINVAL;
        }
    }
    auto* fs = new (std::nothrow) FileSystem(device_id, request.flags & MS_RDONLY, &type);
    if (!fs)
        return ENOMEM;
    fs->set_limits(max_pages, max_inodes);
    auto root = Inode::try_create(*fs, InodeType::Directory, mode, uid, gid);
    if (root.is_error()) {
        delete fs;
        return root.error();
    }
    root.value()->make_root();
    Timespec now = file_time_now();
    root.value()->set_times(now, now, now);
    FileSystemType::Instance instance;
    instance.fs = fs;
    instance.root = root.release_value();
    return instance;
}

Result<FileSystemType::Instance> rootfs_create(const FileSystemType&, uint64_t, const MountRequest&) {
    // There is one rootfs, made by Vfs::mount_initramfs; mount -t rootfs
    // is refused as Linux's (rootfs is not user-mountable: ENODEV there,
    // as the type is not registered for mount(2)).
    return ENODEV;
}

void free_file_system(FileSystem& fs) {
    if (fs.type() && fs.type()->destroy)
        fs.type()->destroy(fs);
    free_anonymous_device(fs.device_id());
    delete &fs;
}

} // namespace

// Linux's rootfs is a tmpfs instance (CONFIG_TMPFS, no root= given): its
// statfs shows TMPFS_MAGIC, and /proc/mounts calls it "rootfs".
const FileSystemType g_rootfs_type{"rootfs", TMPFS_MAGIC, rootfs_create, tmpfs_statfs, nullptr, nullptr};
const FileSystemType g_tmpfs_type{"tmpfs", TMPFS_MAGIC, tmpfs_create, tmpfs_statfs, nullptr, nullptr};

void set_memory_reporter(MemoryReport (*reporter)()) { g_memory_reporter = reporter; }

MemoryReport report_memory() { return g_memory_reporter ? g_memory_reporter() : MemoryReport{}; }

void release_file_system_if_unused(FileSystem& fs) {
    if (fs.detached && fs.live_inodes() == 0)
        free_file_system(fs);
}

void detach_file_system(FileSystem& fs) {
    if (fs.live_inodes() == 0)
        free_file_system(fs);
    else
        fs.detached = true;
}

// ---- Vfs: types, mount, umount, statfs ----------------------------------

Result<void> Vfs::register_file_system_type(const FileSystemType& type) {
    SpinlockGuard guard(m_namespace_lock);
    for (size_t i = 0; i < m_type_count; ++i) {
        if (StringView(m_types[i]->name) == StringView(type.name))
            return EEXIST;
    }
    if (m_type_count == kMaxTypes)
        return ENOMEM;
    m_types[m_type_count++] = &type;
    return {};
}

const FileSystemType* Vfs::find_file_system_type(StringView name) {
    for (size_t i = 0; i < m_type_count; ++i) {
        if (StringView(m_types[i]->name) == name)
            return m_types[i];
    }
    return nullptr;
}

Result<uint64_t> Vfs::allocate_device_id() { return allocate_anonymous_device(); }

void Vfs::free_device_id(uint64_t device_id) { free_anonymous_device(device_id); }

namespace {

// Whether anything outside the instance's own tree holds one of its inodes:
// an open file, a cwd, a path walk in progress, a mount on one of its
// directories, or an unlinked file or removed directory still referenced.
// Every entry holds one reference to its inode and nothing else in the tree
// does, so a linked inode is idle exactly when its reference count is its
// number of entries (nlink for a file, 1 for a directory, the Mount's 1 for
// the root); an inode in no directory is alive only because someone holds
// it, which shows as more live inodes than the tree has.
Result<bool> instance_in_use(Mount& mount) {
    Vector<Inode*> pending;
    Vector<Inode*> hard_linked; // files with several links, counted once
    TRY(pending.try_append(mount.root.ptr()));
    uint64_t distinct = 0;
    while (!pending.is_empty()) {
        Inode* directory = pending[pending.size() - 1];
        pending.remove(pending.size() - 1);
        ++distinct;
        if (directory->ref_count() != 1 || directory->mount_covering())
            return true;
        for (const DirEntry* entry = directory->entry_at_or_after(0); entry;
             entry = directory->entry_at_or_after(entry->cookie + 1)) {
            Inode* child = entry->inode.ptr();
            if (child->is_directory()) {
                TRY(pending.try_append(child));
                continue;
            }
            if (child->ref_count() != child->nlink())
                return true;
            if (child->nlink() > 1) {
                bool seen = false;
                for (size_t i = 0; i < hard_linked.size() && !seen; ++i)
                    seen = hard_linked[i] == child;
                if (seen)
                    continue;
                TRY(hard_linked.try_append(child));
            }
            ++distinct;
        }
    }
    return mount.fs->live_inodes() != distinct;
}

Result<void> fill_statfs(const Mount* mount, const FileSystem& fs, LinuxStatfs& out);

} // namespace

Result<void> Vfs::mount(FsProcess& process, StringView source, StringView target, StringView type_name,
                        uint64_t flags, StringView options) {
    SpinlockGuard guard(m_namespace_lock);
    reap_detached_mounts_locked();
    RefPtr<Inode> base = TRY(base_directory(process, AT_FDCWD, target));
    RefPtr<Inode> where = TRY(resolve_locked(process.credentials, *base, target, true));
    if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
        flags &= ~MS_MGC_MSK;
    // CAP_SYS_ADMIN.
    if (process.credentials.euid != 0)
        return EPERM;
    Mount* rooted = where->mount_rooted_here();
    uint64_t propagation = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
    if (flags & MS_REMOUNT) {
        if (!rooted)
            return EINVAL;
        rooted->flags = flags & kMountKeptFlags;
        rooted->fs->set_read_only(flags & MS_RDONLY);
        return {};
    }
    if (flags & propagation) {
        // Every Charon mount is private: making one private (or the whole
        // tree, MS_REC) is true already; shared/slave/unbindable are not
        // supported.
        if (!rooted)
            return EINVAL;
        if ((flags & propagation) != MS_PRIVATE)
            return EINVAL;
        return {};
    }
    if (flags & (MS_BIND | MS_MOVE))
        return EINVAL; // not supported yet
    const FileSystemType* type = find_file_system_type(type_name);
    if (!type || type == &g_rootfs_type)
        return ENODEV;
    if (!where->is_directory())
        return ENOTDIR;
    // A removed directory (an unlinked cwd) cannot become a mountpoint.
    if (where.ptr() != m_root.ptr() && !where->mount_rooted_here() && where->nlink() == 0)
        return ENOENT;

    auto* mount = new (std::nothrow) Mount;
    if (!mount)
        return ENOMEM;
    auto fail = [&](Errno code) -> Result<void> {
        delete mount;
        return code;
    };
    auto source_copy = KString::try_create(source.is_empty() ? StringView("none") : source);
    if (source_copy.is_error())
        return fail(source_copy.error().code());
    mount->source = source_copy.release_value();
    auto device = allocate_device_id();
    if (device.is_error())
        return fail(device.error().code());
    MountRequest request;
    request.source = source;
    request.flags = flags;
    request.options = options;
    request.credentials = &process.credentials;
    auto instance = type->create(*type, device.value(), request);
    if (instance.is_error()) {
        free_device_id(device.value());
        return fail(instance.error().code());
    }
    mount->fs = instance.value().fs;
    mount->root = std::move(instance.value().root);
    mount->mountpoint = where;
    mount->flags = (flags & kMountKeptFlags);
    // Linux mounts relatime unless told noatime/strictatime.
    if (!(flags & (MS_NOATIME | MS_STRICTATIME)))
        mount->flags |= MS_RELATIME;
    mount->id = m_next_mount_id++;
    mount->fs->mount_id = mount->id;
    for (Mount& other : m_mounts) {
        if (other.fs == &where->fs())
            mount->parent = &other;
    }
    mount->covered_before = where->mount_covering();
    where->set_mount_covering(mount);
    mount->root->set_mount_rooted_here(mount);
    m_mounts.push_back(*mount);
    return {};
}

void Vfs::free_mount(Mount* mount) {
    mount->root->set_mount_rooted_here(nullptr);
    FileSystem* fs = mount->fs;
    mount->root = nullptr; // frees the idle tree
    mount->mountpoint = nullptr;
    delete mount;
    detach_file_system(*fs);
}

void Vfs::reap_detached_mounts_locked() {
    for (Mount* mount = m_detached.first(); mount;) {
        Mount* next = m_detached.next_of(*mount);
        auto busy = instance_in_use(*mount);
        if (!busy.is_error() && !busy.value()) {
            IntrusiveList<Mount, &Mount::node>::remove(*mount);
            free_mount(mount);
        }
        mount = next;
    }
}

void Vfs::reap_detached_mounts() {
    SpinlockGuard guard(m_namespace_lock);
    reap_detached_mounts_locked();
}

Result<void> Vfs::umount(FsProcess& process, StringView target, int flags) {
    if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
        return EINVAL;
    Mount* mount = nullptr;
    {
        SpinlockGuard guard(m_namespace_lock);
        reap_detached_mounts_locked();
        RefPtr<Inode> base = TRY(base_directory(process, AT_FDCWD, target));
        RefPtr<Inode> where = TRY(resolve_locked(process.credentials, *base, target, !(flags & UMOUNT_NOFOLLOW)));
        if (process.credentials.euid != 0)
            return EPERM;
        mount = where->mount_rooted_here();
        if (!mount)
            return EINVAL; // not the root of a mount
        if (mount == root_mount())
            return EBUSY; // Linux remounts the namespace root read-only instead
        if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH)))
            return EINVAL;
        where = nullptr; // our own reference must not count as a use
        base = nullptr;
        if (!(flags & MNT_DETACH)) {
            // Mounts inside it keep it busy (their mountpoint references
            // count), as do open files and cwds.
            if (TRY(instance_in_use(*mount)))
                return EBUSY;
        }
        // Detach it and, for MNT_DETACH, every mount below it. Mount
        // order puts children after their parents: detach from the end.
        Vector<Mount*> doomed;
        for (Mount& other : m_mounts) {
            for (Mount* ancestor = &other; ancestor; ancestor = ancestor->parent) {
                if (ancestor == mount) {
                    TRY(doomed.try_append(&other));
                    break;
                }
            }
        }
        for (size_t i = doomed.size(); i-- > 0;) {
            Mount* other = doomed[i];
            IntrusiveList<Mount, &Mount::node>::remove(*other);
            other->mountpoint->set_mount_covering(other->covered_before);
            other->mountpoint = nullptr;
            other->parent = nullptr;
            // Lazily detached while in use: unreachable by path from now
            // on, kept whole for its users until it is idle.
            auto busy = instance_in_use(*other);
            if (!busy.is_error() && !busy.value())
                free_mount(other);
            else
                m_detached.push_back(*other);
        }
    }
    return {};
}

namespace {

Result<void> fill_statfs(const Mount* mount, const FileSystem& fs, LinuxStatfs& out) {
    out = {};
    const FileSystemType* type = fs.type();
    if (type && type->statfs)
        type->statfs(fs, out);
    out.f_type = static_cast<int64_t>(type ? type->magic : PIPEFS_MAGIC);
    out.f_namelen = NAME_MAX;
    if (!out.f_bsize)
        out.f_bsize = out.f_frsize = static_cast<int64_t>(kPageSize);
    // Linux derives tmpfs's fsid from a per-instance uuid; any value unique
    // per instance will do: the device number.
    out.f_fsid[0] = static_cast<int32_t>(fs.device_id());
    out.f_fsid[1] = 0;
    uint64_t mount_flags = mount ? mount->flags : 0;
    uint64_t st = ST_VALID;
    if (mount_flags & MS_RDONLY || fs.is_read_only())
        st |= ST_RDONLY;
    if (mount_flags & MS_NOSUID)
        st |= ST_NOSUID;
    if (mount_flags & MS_NODEV)
        st |= ST_NODEV;
    if (mount_flags & MS_NOEXEC)
        st |= ST_NOEXEC;
    if (mount_flags & MS_NOATIME)
        st |= ST_NOATIME;
    if (mount_flags & MS_NODIRATIME)
        st |= ST_NODIRATIME;
    if (mount_flags & MS_RELATIME)
        st |= ST_RELATIME;
    if (mount_flags & MS_NOSYMFOLLOW)
        st |= ST_NOSYMFOLLOW;
    out.f_flags = static_cast<int64_t>(st);
    return {};
}

const Mount* mount_of(IntrusiveList<Mount, &Mount::node>& mounts, const FileSystem& fs) {
    for (Mount& mount : mounts) {
        if (mount.fs == &fs)
            return &mount;
    }
    return nullptr;
}
} // namespace

Result<void> Vfs::statfs(FsProcess& process, StringView path, LinuxStatfs& out) {
    SpinlockGuard guard(m_namespace_lock);
    RefPtr<Inode> base = TRY(base_directory(process, AT_FDCWD, path));
    RefPtr<Inode> inode = TRY(resolve_locked(process.credentials, *base, path, true));
    return fill_statfs(mount_of(m_mounts, inode->fs()), inode->fs(), out);
}

Result<void> Vfs::fstatfs(FsProcess& process, int fd, LinuxStatfs& out) {
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    SpinlockGuard guard(m_namespace_lock);
    return fill_statfs(mount_of(m_mounts, file->inode().fs()), file->inode().fs(), out);
}

} // namespace charon
