// Inodes and the in-memory file system they live in.
//
// Every file system in Charon is an in-memory inode tree (like Linux's
// rootfs/tmpfs): the initramfs is unpacked into one, pipes get anonymous
// inodes in another. A directory owns references to its children through its
// entries; open files, cwds and path walks hold further references. `nlink`
// counts names (what stat reports and what unlink will decrement); the
// reference count decides when the inode object is freed. The two are
// separate so an unlinked-but-open file keeps working, as on Linux.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#include "fs/abi.h"
#include "fs/io_buffer.h"
#include "fs/pipe.h"
#include "lib/kstring.h"
#include "lib/ref_ptr.h"
#include "lib/result.h"
#include "lib/string_view.h"
#include "lib/text_buffer.h"
#include "lib/vector.h"
#include "lib/verify.h"

namespace charon {

class Inode;
struct Mount;
struct FileSystemType;

// Anonymous: an inode of no file system's tree and no S_IFMT type (Linux's
// anon_inode and pidfs inodes: pidfds).
enum class InodeType : uint8_t { Regular, Directory, Symlink, CharDevice, BlockDevice, Fifo, Socket, Anonymous };

uint32_t mode_type_bits(InodeType type);
uint8_t dirent_type(InodeType type);
// S_IF* bits of a mode to a type; EINVAL for an unknown type.
Result<InodeType> inode_type_from_mode(uint32_t mode);

// Who is asking. Filled by the kernel from the calling thread's credentials.
struct Credentials {
    uint32_t uid = 0;  // real
    uint32_t gid = 0;
    uint32_t euid = 0; // effective; Linux checks the fsuid, equal to euid unless setfsuid
    uint32_t egid = 0;
    const uint32_t* groups = nullptr; // supplementary groups
    size_t group_count = 0;

    static Credentials root() { return {}; }
    static Credentials user(uint32_t uid, uint32_t gid) { return {uid, gid, uid, gid, nullptr, 0}; }
};

// A file system instance (Linux's super_block): identity (st_dev), inode
// numbering, its type (statfs magic, name in the mount list) and the
// read-only flag. Trivially destructible so a global instance needs no
// static destructor; mount(2) allocates instances (fs/mount.h).
class FileSystem {
public:
    constexpr FileSystem(uint64_t device_id, bool read_only, const FileSystemType* type = nullptr)
        : m_device_id(device_id), m_read_only(read_only), m_type(type) {}

    uint64_t device_id() const { return m_device_id; }
    bool is_read_only() const { return m_read_only; }
    void set_read_only(bool read_only) { m_read_only = read_only; }
    uint64_t allocate_inode_number() { return __atomic_add_fetch(&m_next_inode_number, 1, __ATOMIC_RELAXED); }
    // The type it was made by; null for internal ones (pipefs, tests).
    const FileSystemType* type() const { return m_type; }
    // Inodes of this instance still alive (umount checks, leak tests).
    uint64_t live_inodes() const { return __atomic_load_n(&m_live_inodes, __ATOMIC_RELAXED); }
    void note_inode(int delta) {
        __atomic_fetch_add(&m_live_inodes, static_cast<uint64_t>(static_cast<int64_t>(delta)), __ATOMIC_RELAXED);
    }

    // Capacity (tmpfs size= and nr_inodes=, Linux's max_blocks and
    // max_inodes): data pages of the instance's files, and inode slots —
    // one per inode plus one per extra hard link of a non-directory, as
    // Linux's shmem_reserve_inode. 0 = no limit (rootfs, pipefs, procfs).
    static constexpr uint64_t kUnlimited = ~uint64_t(0); // size=0 / nr_inodes=0: none, shown as 0
    void set_limits(uint64_t max_pages, uint64_t max_inodes) {
        m_max_pages = max_pages;
        m_max_inodes = max_inodes;
    }
    uint64_t max_pages() const { return m_max_pages; }
    uint64_t max_inodes() const { return m_max_inodes; }
    uint64_t used_pages() const { return __atomic_load_n(&m_used_pages, __ATOMIC_RELAXED); }
    uint64_t used_inodes() const { return __atomic_load_n(&m_used_inodes, __ATOMIC_RELAXED); }
    // ENOSPC past the limit; nothing is taken then.
    Result<void> charge_pages(uint64_t count) { return charge(m_used_pages, m_max_pages, count); }
    void uncharge_pages(uint64_t count) { __atomic_fetch_sub(&m_used_pages, count, __ATOMIC_RELAXED); }
    Result<void> reserve_inode() { return charge(m_used_inodes, m_max_inodes, 1); }
    void release_inode() { __atomic_fetch_sub(&m_used_inodes, 1, __ATOMIC_RELAXED); }
    // Whatever the type keeps per instance (procfs state); never touched here.
    void* type_data = nullptr;
    // Lazily unmounted (MNT_DETACH) while in use: freed with its last inode.
    bool detached = false;
    // The id of the mount showing it (statx's stx_mnt_id); 0 before mounting.
    uint64_t mount_id = 0;

private:
    static Result<void> charge(uint64_t& used, uint64_t limit, uint64_t count) {
        uint64_t now = __atomic_load_n(&used, __ATOMIC_RELAXED);
        do {
            if (limit && limit != kUnlimited && (count > limit || now > limit - count))
                return ENOSPC;
        } while (!__atomic_compare_exchange_n(&used, &now, now + count, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
        return {};
    }

    uint64_t m_device_id;
    uint64_t m_next_inode_number = 0; // root gets 1
    uint64_t m_live_inodes = 0;
    uint64_t m_max_pages = 0, m_max_inodes = 0;
    uint64_t m_used_pages = 0, m_used_inodes = 0;
    bool m_read_only;
    const FileSystemType* m_type;
};

class PageStore;

// The heap objects that hold a file's data (contents objects, page-store
// index nodes) count themselves in fs_stats::file_store_bytes: a file's
// contents legitimately grow the heap when it is written, and a leak check
// compares the heap net of them (docs/syscalls/charon_stats.md). Only the
// nothrow form exists: a failed allocation must become ENOMEM.
struct FileStoreObject {
    static void* operator new(size_t size, const std::nothrow_t&) noexcept;
    // Sized: a contents object is deleted through its base, whose virtual
    // destructor passes the most derived size.
    static void operator delete(void* object, size_t size) noexcept;
};

// The bytes of a regular file: BorrowedContents (the initramfs archive in
// memory, read-only) or a PageStore (fs/page_store.h: writable pages that
// MAP_SHARED maps). A file's first modification or shared mapping turns
// borrowed bytes into a PageStore (Inode::writable_store).
class FileContents : public FileStoreObject {
public:
    virtual ~FileContents() = default;
    virtual uint64_t size() const = 0;
    // st_blocks: 512-byte units allocated.
    virtual uint64_t blocks() const { return (size() + 4095) / 4096 * 8; }
    // Copies up to `length` bytes at `offset` into `buffer` at `buffer_offset`.
    virtual Result<size_t> read(uint64_t offset, IoBuffer& buffer, size_t buffer_offset, size_t length) const = 0;
    // Without RTTI: the writable store, or null.
    virtual PageStore* as_page_store() { return nullptr; }
};

class BorrowedContents final : public FileContents {
public:
    BorrowedContents(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}
    uint64_t size() const override { return m_size; }
    Result<size_t> read(uint64_t offset, IoBuffer& buffer, size_t buffer_offset, size_t length) const override;

private:
    const uint8_t* m_data;
    size_t m_size;
};

// One entry of a generated directory's listing.
struct GeneratedEntry {
    KString name;
    uint64_t ino = 0;
    InodeType type = InodeType::Regular;
};

// Generated inodes (procfs): a provider computes a directory's children, a
// symlink's target or a file's bytes from live kernel state each time they
// are asked for, so nothing is stored that could go stale. The inode owns
// its provider. A generated file's bytes are generated when it is opened
// (and again when it is read from offset 0), like Linux's seq_file.
class InodeProvider {
public:
    virtual ~InodeProvider() = default;
    // Directories: the child called `name`, created now (ENOENT).
    virtual Result<RefPtr<Inode>> lookup(Inode& directory, StringView name) {
        (void)directory;
        (void)name;
        return ENOENT;
    }
    // Directories: every entry but "." and "..".
    virtual Result<void> list(Inode& directory, Vector<GeneratedEntry>& entries) {
        (void)directory;
        (void)entries;
        return {};
    }
    // Symlinks: the target as the calling process sees it.
    virtual Result<KString> link_target(Inode& link) {
        (void)link;
        return EINVAL;
    }
    // Regular files: the whole contents, as of now.
    virtual Result<void> generate(Inode& file, TextBuffer& out) {
        (void)file;
        (void)out;
        return {};
    }
    // The name under which the parent lists this inode (getcwd).
    virtual StringView name() const = 0;
    // Asked by check_permission before the mode bits, with the ids it
    // checks (effective, or real for access(2)): procfs's fdinfo allows
    // only the process's owner or root, as Linux's ptrace_may_access.
    virtual Result<void> check_access(const Inode& inode, uint32_t uid, uint32_t gid) {
        (void)inode;
        (void)uid;
        (void)gid;
        return {};
    }
};

struct DirEntry {
    KString name;
    RefPtr<Inode> inode;
    // Position for getdents64: strictly increasing in the entry vector, never
    // reused, so a reader's offset survives entries being removed.
    uint64_t cookie = 0;
};

class Inode final : public RefCounted {
public:
    static Result<RefPtr<Inode>> try_create(FileSystem& fs, InodeType type, uint32_t permissions, uint32_t uid,
                                            uint32_t gid);
    ~Inode() override;

    FileSystem& fs() const { return *m_fs; }
    uint64_t ino() const { return m_ino; }
    InodeType type() const { return m_type; }
    bool is_directory() const { return m_type == InodeType::Directory; }
    bool is_regular() const { return m_type == InodeType::Regular; }
    bool is_symlink() const { return m_type == InodeType::Symlink; }
    uint32_t mode() const { return mode_type_bits(m_type) | m_permissions; }
    uint32_t permissions() const { return m_permissions; }
    uint32_t uid() const { return m_uid; }
    uint32_t gid() const { return m_gid; }
    uint32_t nlink() const { return m_nlink; }
    uint64_t rdev() const { return m_rdev; }
    uint32_t rdev_major() const { return m_rdev_major; }
    uint32_t rdev_minor() const { return m_rdev_minor; }
    uint64_t size() const;

    void set_permissions(uint32_t permissions) { m_permissions = permissions & kPermissionMask; }
    void set_owner(uint32_t uid, uint32_t gid) {
        m_uid = uid;
        m_gid = gid;
    }
    void set_times(Timespec atime, Timespec mtime, Timespec ctime) {
        m_atime = atime;
        m_mtime = mtime;
        m_ctime = ctime;
    }
    Timespec btime() const { return m_btime; } // creation (statx's birth time)
    Timespec atime() const { return m_atime; }
    Timespec mtime() const { return m_mtime; }
    Timespec ctime() const { return m_ctime; }
    void set_atime(Timespec time) { m_atime = time; }
    void set_mtime(Timespec time) { m_mtime = time; }
    void set_ctime(Timespec time) { m_ctime = time; }
    // A directory's contents changed: mtime and ctime become `now`.
    void touch_directory(Timespec now) { m_mtime = m_ctime = now; }
    void set_device(uint32_t major, uint32_t minor) {
        m_rdev_major = major;
        m_rdev_minor = minor;
        m_rdev = encode_device(major, minor);
    }

    // Regular files.
    void set_contents(FileContents* contents); // takes ownership
    Result<size_t> read_data(uint64_t offset, IoBuffer& buffer, size_t length) const;
    // The file's PageStore, created on first use: empty for a file without
    // contents (a new file), a copy of borrowed bytes (an initramfs file).
    // Nothing else replaces the contents afterwards, so the pointer stays
    // valid as long as the inode. ENOMEM.
    Result<PageStore*> writable_store();
    // Whether the page at `offset` is in memory (mincore): every page of an
    // initramfs file (Linux's rootfs keeps them in the page cache), the
    // allocated pages of a PageStore (a hole is not), nothing past the end.
    bool page_cached(uint64_t offset) const;
    // The page store's page holding `offset` (0 if none): is a mapped frame
    // the file's own page (RssFile) or a private copy?
    uint64_t stored_page(uint64_t offset) const;
    // write(2) at `offset` (or at the end with `append`); updates mtime and
    // ctime when something was written. `limit` is the largest size the
    // write may reach (RLIMIT_FSIZE, else kMaxFileSize): EFBIG at or past
    // it, a shorter write across it. Returns the count; `*written_at` gets
    // the offset the bytes went to.
    Result<size_t> write_data(uint64_t offset, bool append, const IoBuffer& buffer, size_t length, uint64_t limit,
                              uint64_t* written_at);
    // truncate(2): EFBIG past `limit`; mtime and ctime change when the size
    // does (tmpfs); mappings lose the pages past the new end (SIGBUS there).
    Result<void> truncate(uint64_t size, uint64_t limit);
    // Set while a VmBacking maps this inode (mm/inode_backing.*): shrinking
    // a mapped file must remove the pages past the end from the mappings.
    void note_mapping(int delta) { m_mappings += delta; }

    // Linux's i_writecount: > 0 counts holders of write access (files open
    // for writing, a truncate in progress), < 0 counts images executing the
    // file. Each side refuses the other with ETXTBSY (get_write_access,
    // deny_write_access); the RAII holders below give them back.
    Result<void> get_write_access();
    void put_write_access();
    Result<void> deny_write_access();
    void allow_write_access();
    int write_count() const { return __atomic_load_n(&m_write_count, __ATOMIC_RELAXED); }

    // Generated inodes (procfs). `parent` (if any) is a directory the
    // child keeps alive, being in no entry list; the number is the
    // provider's choice.
    void make_generated(InodeProvider* provider, Inode* parent, uint64_t ino, uint32_t nlink);
    InodeProvider* provider() const { return m_provider; }

    // Symlinks.
    Result<void> set_symlink_target(StringView target);
    StringView symlink_target() const { return m_symlink_target.view(); }

    // Directories. Names are single components (no '/', not "." or "..").
    Result<RefPtr<Inode>> lookup(StringView name); // ENOENT; generated directories ask their provider
    // Links `child` under `name` (EEXIST if taken). Maintains nlink: the
    // child gains a name; a subdirectory also adds ".." to this directory.
    Result<void> add_entry(StringView name, RefPtr<Inode> child);
    // Drops the entry (ENOENT if absent), undoing add_entry's nlink changes.
    Result<void> remove_entry(StringView name);
    // ".." of a directory; the root is its own parent. Not a reference
    // while the directory is linked (the parent's entry holds the child, a
    // reference back would be a cycle). Once removed, the directory keeps
    // its old parent alive instead, so ".." from a removed cwd still leads
    // there, as on Linux.
    Inode* parent() const { return m_parent; }
    size_t entry_count() const { return m_entries.size(); }
    // First entry whose cookie is >= `cookie`, or null (binary search).
    const DirEntry* entry_at_or_after(uint64_t cookie) const;
    // Name of `child` in this directory (for getcwd), or null.
    const DirEntry* entry_for(const Inode& child) const;
    // The root directory: its own parent, and its ".." counts as a link.
    void make_root() {
        m_parent = this;
        ++m_nlink;
    }
    // Anonymous inodes (pipes) have one link that is no name.
    void set_anonymous() { m_nlink = 1; }

    // Namespace operations (fs/inode_namespace.cpp), all under the Vfs
    // namespace lock. Each either fails before changing anything or
    // completes.
    // The entry called `name`, or null.
    DirEntry* find_entry(StringView name);
    // rmdir(2)'s unlink of an empty directory: the entry goes and the
    // directory's own link count drops to 0 (Linux's clear_nlink), so
    // fstat on it shows 0.
    Result<void> remove_directory_entry(StringView name);
    // rename(2) within one file system: moves old_dir's `old_name` to
    // new_dir's `new_name`, replacing what is there (the caller has checked
    // that a replacement is allowed). `exchange` swaps the two instead
    // (RENAME_EXCHANGE; both must exist). nlink and ".." follow.
    static Result<void> rename(Inode& old_dir, StringView old_name, Inode& new_dir, StringView new_name,
                               bool exchange);
    // Whether this directory has `ancestor` among its parents (itself
    // included): rename refuses to move a directory under itself.
    bool is_descendant_of(const Inode& ancestor) const;

    // Mounts (fs/mount.h). The mount whose root this inode is, and the
    // topmost mount covering this directory (a path walk arriving here
    // continues in that mount's root).
    Mount* mount_rooted_here() const { return m_mount_root_of; }
    Mount* mount_covering() const { return m_covered_by; }
    void set_mount_rooted_here(Mount* mount) { m_mount_root_of = mount; }
    void set_mount_covering(Mount* mount) { m_covered_by = mount; }

    // Named FIFOs: the pipe all openers share, made on the first open.
    RefPtr<Pipe> fifo_pipe() const { return m_fifo_pipe; }
    void set_fifo_pipe(RefPtr<Pipe> pipe) { m_fifo_pipe = std::move(pipe); }

    void fill_stat(LinuxStat& stat) const;

private:
    Inode(FileSystem& fs, InodeType type, uint32_t permissions, uint32_t uid, uint32_t gid);

    FileSystem* m_fs;
    uint64_t m_ino;
    InodeType m_type;
    uint32_t m_permissions;
    uint32_t m_uid;
    uint32_t m_gid;
    uint32_t m_nlink = 0;
    uint32_t m_rdev_major = 0;
    uint32_t m_rdev_minor = 0;
    uint64_t m_rdev = 0;
    Timespec m_atime, m_mtime, m_ctime;
    Timespec m_btime;
    int m_write_count = 0; // see get_write_access
    int m_mappings = 0;

    FileContents* m_contents = nullptr; // owned; null means empty
    InodeProvider* m_provider = nullptr; // owned; generated inodes only
    KString m_symlink_target;
    Vector<DirEntry> m_entries;
    uint64_t m_next_cookie = 2; // 0 and 1 are "." and ".."
    Inode* m_parent = nullptr;
    RefPtr<Inode> m_removed_from; // set once removed: keeps m_parent alive
    Mount* m_mount_root_of = nullptr;
    Mount* m_covered_by = nullptr;
    RefPtr<Pipe> m_fifo_pipe;
};

// Where a file was found: its directory and its name there (Linux's
// dentry, as far as /proc/PID/fd and /proc/PID/exe need it). Shared, so
// that fork and dup copy a pointer.
struct PathName final : public RefCounted {
    RefPtr<Inode> directory;
    KString name;
    static Result<RefPtr<PathName>> try_create(RefPtr<Inode> directory, KString name) {
        auto* path = new (std::nothrow) PathName;
        if (!path)
            return ENOMEM;
        path->directory = std::move(directory);
        path->name = std::move(name);
        return adopt_ref(path);
    }
};

// Called after a mapped file shrank: every mapping of `inode` drops its
// pages from `offset` (page aligned) on, so accesses past the new end raise
// SIGBUS as on Linux (truncate_pagecache). Defined by kernel/mm; a no-op in
// the host tests.
void unmap_file_pages_from(const Inode& inode, uint64_t offset);

// Linux's generic_permission: owner, then group, then other bits; root may
// read and write anything and execute anything with an execute bit (any
// directory may be searched). `mask` is a combination of R_OK, W_OK, X_OK.
// `use_real_ids` is access(2) without AT_EACCESS.
Result<void> check_permission(const Inode& inode, const Credentials& credentials, int mask, bool use_real_ids = false);

// Write access to a regular file, held by an open file description opened
// for writing (released when it closes) or for the length of a truncate.
class WriteAccess {
public:
    WriteAccess() = default;
    static Result<WriteAccess> get(Inode& inode) {
        TRY(inode.get_write_access());
        WriteAccess access;
        access.m_inode = RefPtr<Inode>(&inode);
        return access;
    }
    WriteAccess(WriteAccess&& other) = default;
    WriteAccess& operator=(WriteAccess&& other) {
        release();
        m_inode = std::move(other.m_inode);
        return *this;
    }
    ~WriteAccess() { release(); }

private:
    void release() {
        if (m_inode)
            m_inode->put_write_access();
        m_inode = nullptr;
    }
    RefPtr<Inode> m_inode;
};

// An executing image's hold on its binary (Linux's mm->exe_file deny):
// nobody may open it for writing while any copy lives. Copies (fork's copy
// of the address space) deny once more, which cannot fail.
class ExecWriteDenial {
public:
    ExecWriteDenial() = default;
    static Result<ExecWriteDenial> get(Inode& inode) {
        TRY(inode.deny_write_access());
        ExecWriteDenial denial;
        denial.m_inode = RefPtr<Inode>(&inode);
        return denial;
    }
    ExecWriteDenial(ExecWriteDenial&& other) = default;
    ExecWriteDenial(const ExecWriteDenial& other) : m_inode(other.m_inode) {
        if (m_inode)
            VERIFY(!m_inode->deny_write_access().is_error()); // already denied: only counts
    }
    ExecWriteDenial& operator=(ExecWriteDenial&& other) {
        release();
        m_inode = std::move(other.m_inode);
        return *this;
    }
    ExecWriteDenial& operator=(const ExecWriteDenial& other) {
        if (this != &other)
            *this = ExecWriteDenial(other);
        return *this;
    }
    ~ExecWriteDenial() { release(); }
    Inode* inode() const { return m_inode.ptr(); }

private:
    void release() {
        if (m_inode)
            m_inode->allow_write_access();
        m_inode = nullptr;
    }
    RefPtr<Inode> m_inode;
};

} // namespace charon
