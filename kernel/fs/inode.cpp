#include "fs/inode.h"

#include "fs/clock.h"
#include "fs/mount.h"
#include "fs/page_store.h"
#include "fs/stats.h"

namespace charon {

uint32_t mode_type_bits(InodeType type) {
    switch (type) {
    case InodeType::Regular: return S_IFREG;
    case InodeType::Directory: return S_IFDIR;
    case InodeType::Symlink: return S_IFLNK;
    case InodeType::CharDevice: return S_IFCHR;
    case InodeType::BlockDevice: return S_IFBLK;
    case InodeType::Fifo: return S_IFIFO;
    case InodeType::Socket: return S_IFSOCK;
    case InodeType::Anonymous: return 0;
    }
    VERIFY_NOT_REACHED();
}

uint8_t dirent_type(InodeType type) {
    switch (type) {
    case InodeType::Regular: return DT_REG;
    case InodeType::Directory: return DT_DIR;
    case InodeType::Symlink: return DT_LNK;
    case InodeType::CharDevice: return DT_CHR;
    case InodeType::BlockDevice: return DT_BLK;
    case InodeType::Fifo: return DT_FIFO;
    case InodeType::Socket: return DT_SOCK;
    case InodeType::Anonymous: return DT_UNKNOWN;
    }
    VERIFY_NOT_REACHED();
}

Result<InodeType> inode_type_from_mode(uint32_t mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return InodeType::Regular;
    case S_IFDIR: return InodeType::Directory;
    case S_IFLNK: return InodeType::Symlink;
    case S_IFCHR: return InodeType::CharDevice;
    case S_IFBLK: return InodeType::BlockDevice;
    case S_IFIFO: return InodeType::Fifo;
    case S_IFSOCK: return InodeType::Socket;
    default: return EINVAL;
    }
}

void* FileStoreObject::operator new(size_t size, const std::nothrow_t&) noexcept {
    void* object = ::operator new(size, std::nothrow);
    if (object)
        fs_stats::note_file_store_bytes(static_cast<int64_t>(page_frames::heap_footprint(size)));
    return object;
}

void FileStoreObject::operator delete(void* object, size_t size) noexcept {
    if (!object)
        return;
    fs_stats::note_file_store_bytes(-static_cast<int64_t>(page_frames::heap_footprint(size)));
    ::operator delete(object);
}

Result<size_t> BorrowedContents::read(uint64_t offset, IoBuffer& buffer, size_t buffer_offset, size_t length) const {
    if (offset >= m_size)
        return size_t(0);
    size_t available = m_size - offset;
    size_t count = length < available ? length : available;
    TRY(buffer.copy_to(buffer_offset, m_data + offset, count));
    return count;
}

Inode::Inode(FileSystem& fs, InodeType type, uint32_t permissions, uint32_t uid, uint32_t gid)
    : m_fs(&fs), m_ino(fs.allocate_inode_number()), m_type(type), m_permissions(permissions & kPermissionMask),
      m_uid(uid), m_gid(gid), m_btime(file_time_now()) {
    // A directory's own "." is a link; its name in the parent adds another.
    if (type == InodeType::Directory)
        m_nlink = 1;
    fs_stats::note_inode(+1);
    fs.note_inode(+1);
}

Inode::~Inode() {
    delete m_contents;
    delete m_provider;
    fs_stats::note_inode(-1);
    FileSystem* fs = m_fs;
    fs->note_inode(-1);
    fs->release_inode();
    // A lazily unmounted (MNT_DETACH) instance goes with its last inode.
    release_file_system_if_unused(*fs);
}

Result<RefPtr<Inode>> Inode::try_create(FileSystem& fs, InodeType type, uint32_t permissions, uint32_t uid,
                                        uint32_t gid) {
    TRY(fs.reserve_inode()); // ENOSPC past nr_inodes
    auto* inode = new (std::nothrow) Inode(fs, type, permissions, uid, gid);
    if (!inode) {
        fs.release_inode();
        return ENOMEM;
    }
    return adopt_ref(inode);
}

uint64_t Inode::size() const {
    switch (m_type) {
    case InodeType::Regular: return m_contents ? m_contents->size() : 0;
    case InodeType::Symlink: return m_symlink_target.length();
    // tmpfs reports 20 bytes ("BOGO_DIRENT_SIZE") per entry, "." and ".." included.
    case InodeType::Directory: return m_provider ? 0 : (2 + m_entries.size()) * 20; // procfs: 0, as Linux
    default: return 0;
    }
}

void Inode::set_contents(FileContents* contents) {
    VERIFY(m_type == InodeType::Regular);
    delete m_contents;
    m_contents = contents;
}

Result<size_t> Inode::read_data(uint64_t offset, IoBuffer& buffer, size_t length) const {
    VERIFY(m_type == InodeType::Regular);
    if (!m_contents)
        return size_t(0);
    return m_contents->read(offset, buffer, 0, length);
}

void Inode::make_generated(InodeProvider* provider, Inode* parent, uint64_t ino, uint32_t nlink) {
    delete m_provider;
    m_provider = provider;
    m_parent = parent;
    m_removed_from = RefPtr<Inode>(parent);
    m_ino = ino;
    m_nlink = nlink;
}

Result<PageStore*> Inode::writable_store() {
    VERIFY(m_type == InodeType::Regular);
    if (m_contents) {
        if (PageStore* store = m_contents->as_page_store())
            return store;
    }
    PageStore* store = m_contents ? TRY(PageStore::try_create_copy(*m_contents, m_fs)) : TRY(PageStore::try_create(m_fs));
    delete m_contents;
    m_contents = store;
    return store;
}

Result<size_t> Inode::write_data(uint64_t offset, bool append, const IoBuffer& buffer, size_t length, uint64_t limit,
                                 uint64_t* written_at) {
    if (limit > kMaxFileSize)
        limit = kMaxFileSize;
    PageStore* store = TRY(writable_store());
    if (append)
        offset = store->size();
    *written_at = offset;
    // Linux's generic_write_checks: nothing to write is 0 wherever it is.
    if (length == 0)
        return size_t(0);
    if (offset >= limit)
        return EFBIG;
    if (length > limit - offset)
        length = static_cast<size_t>(limit - offset);
    auto written = TRY(store->write(offset, append, buffer, length));
    *written_at = written.offset;
    if (written.count) {
        m_mtime = m_ctime = file_time_now();
    }
    return written.count;
}

bool Inode::page_cached(uint64_t offset) const {
    if (!m_contents || offset >= m_contents->size())
        return false;
    PageStore* store = m_contents->as_page_store();
    return store ? store->has_page(offset) : true;
}

uint64_t Inode::stored_page(uint64_t offset) const {
    PageStore* store = m_contents ? m_contents->as_page_store() : nullptr;
    return store ? store->page_at(offset) : 0;
}

Result<void> Inode::get_write_access() {
    int count = __atomic_load_n(&m_write_count, __ATOMIC_RELAXED);
    do {
        if (count < 0)
            return ETXTBSY;
    } while (!__atomic_compare_exchange_n(&m_write_count, &count, count + 1, true, __ATOMIC_ACQ_REL,
                                          __ATOMIC_RELAXED));
    return {};
}

void Inode::put_write_access() { VERIFY(__atomic_sub_fetch(&m_write_count, 1, __ATOMIC_ACQ_REL) >= 0); }

Result<void> Inode::deny_write_access() {
    int count = __atomic_load_n(&m_write_count, __ATOMIC_RELAXED);
    do {
        if (count > 0)
            return ETXTBSY;
    } while (!__atomic_compare_exchange_n(&m_write_count, &count, count - 1, true, __ATOMIC_ACQ_REL,
                                          __ATOMIC_RELAXED));
    return {};
}

void Inode::allow_write_access() { VERIFY(__atomic_add_fetch(&m_write_count, 1, __ATOMIC_ACQ_REL) <= 0); }

Result<void> Inode::truncate(uint64_t size, uint64_t limit) {
    VERIFY(m_type == InodeType::Regular);
    if (limit > kMaxFileSize)
        limit = kMaxFileSize;
    uint64_t old_size = this->size();
    if (size > old_size && size > limit)
        return EFBIG; // inode_newsize_ok: only growing is limited
    if (size == old_size)
        return {};
    PageStore* store = TRY(writable_store());
    TRY(store->truncate(size));
    m_mtime = m_ctime = file_time_now();
    if (size < old_size && m_mappings > 0)
        unmap_file_pages_from(*this, (size + kPageSize - 1) / kPageSize * kPageSize);
    return {};
}

Result<void> Inode::set_symlink_target(StringView target) {
    VERIFY(m_type == InodeType::Symlink);
    m_symlink_target = TRY(KString::try_create(target));
    return {};
}

Result<RefPtr<Inode>> Inode::lookup(StringView name) {
    VERIFY(is_directory());
    if (m_provider)
        return m_provider->lookup(*this, name);
    for (auto& entry : m_entries) {
        if (entry.name == name)
            return entry.inode;
    }
    return ENOENT;
}

Result<void> Inode::add_entry(StringView name, RefPtr<Inode> child) {
    VERIFY(is_directory());
    VERIFY(child);
    for (auto& entry : m_entries) {
        if (entry.name == name)
            return EEXIST;
    }
    DirEntry entry;
    entry.name = TRY(KString::try_create(name));
    entry.cookie = m_next_cookie;
    Inode* child_inode = child.ptr();
    // Another name for a file takes an inode slot (shmem_link): ENOSPC.
    bool extra_link = !child_inode->is_directory() && child_inode->m_nlink > 0;
    if (extra_link)
        TRY(child_inode->fs().reserve_inode());
    entry.inode = std::move(child);
    if (auto appended = m_entries.try_append(std::move(entry)); appended.is_error()) {
        if (extra_link)
            child_inode->fs().release_inode();
        return appended.error();
    }
    ++m_next_cookie;
    ++child_inode->m_nlink;
    if (child_inode->is_directory()) {
        child_inode->m_parent = this;
        child_inode->m_removed_from = nullptr;
        ++m_nlink;
    }
    return {};
}

Result<void> Inode::remove_entry(StringView name) {
    VERIFY(is_directory());
    for (size_t i = 0; i < m_entries.size(); ++i) {
        if (!(m_entries[i].name == name))
            continue;
        Inode& child = *m_entries[i].inode;
        if (!child.is_directory() && child.m_nlink > 1)
            child.fs().release_inode(); // an extra link's slot (shmem_unlink)
        --child.m_nlink;
        if (child.is_directory()) {
            child.m_removed_from = RefPtr<Inode>(this);
            --m_nlink;
        }
        m_entries.remove(i);
        return {};
    }
    return ENOENT;
}

const DirEntry* Inode::entry_at_or_after(uint64_t cookie) const {
    size_t low = 0, high = m_entries.size();
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (m_entries[middle].cookie < cookie)
            low = middle + 1;
        else
            high = middle;
    }
    return low < m_entries.size() ? &m_entries[low] : nullptr;
}

const DirEntry* Inode::entry_for(const Inode& child) const {
    for (auto& entry : m_entries) {
        if (entry.inode.ptr() == &child)
            return &entry;
    }
    return nullptr;
}

void Inode::fill_stat(LinuxStat& stat) const {
    stat = {};
    stat.st_dev = m_fs->device_id();
    stat.st_ino = m_ino;
    stat.st_nlink = m_nlink;
    stat.st_mode = mode();
    stat.st_uid = m_uid;
    stat.st_gid = m_gid;
    stat.st_rdev = m_rdev;
    stat.st_size = static_cast<int64_t>(size());
    stat.st_blksize = 4096;
    // Memory-backed: what is allocated is whole pages, counted in 512-byte units.
    if (m_type == InodeType::Regular && m_contents)
        stat.st_blocks = static_cast<int64_t>(m_contents->blocks());
    stat.st_atime_sec = static_cast<uint64_t>(m_atime.seconds);
    stat.st_atime_nsec = static_cast<uint64_t>(m_atime.nanoseconds);
    stat.st_mtime_sec = static_cast<uint64_t>(m_mtime.seconds);
    stat.st_mtime_nsec = static_cast<uint64_t>(m_mtime.nanoseconds);
    stat.st_ctime_sec = static_cast<uint64_t>(m_ctime.seconds);
    stat.st_ctime_nsec = static_cast<uint64_t>(m_ctime.nanoseconds);
}

Result<void> check_permission(const Inode& inode, const Credentials& credentials, int mask, bool use_real_ids) {
    mask &= R_OK | W_OK | X_OK;
    uint32_t uid = use_real_ids ? credentials.uid : credentials.euid;
    uint32_t gid = use_real_ids ? credentials.gid : credentials.egid;
    uint32_t permissions = inode.permissions();
    if (inode.provider())
        TRY(inode.provider()->check_access(inode, uid, gid));
    if (uid == 0) {
        // CAP_DAC_OVERRIDE: everything but executing a file nobody may execute.
        if (!(mask & X_OK) || inode.is_directory() || (permissions & 0111))
            return {};
        return EACCES;
    }
    uint32_t granted;
    if (uid == inode.uid()) {
        granted = (permissions >> 6) & 7;
    } else {
        bool in_group = gid == inode.gid();
        for (size_t i = 0; !in_group && i < credentials.group_count; ++i)
            in_group = credentials.groups[i] == inode.gid();
        granted = in_group ? (permissions >> 3) & 7 : permissions & 7;
    }
    if ((granted & static_cast<uint32_t>(mask)) != static_cast<uint32_t>(mask))
        return EACCES;
    return {};
}

} // namespace charon
