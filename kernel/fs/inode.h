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

#include "fs/abi.h"
#include "fs/io_buffer.h"
#include "lib/kstring.h"
#include "lib/ref_ptr.h"
#include "lib/result.h"
#include "lib/string_view.h"
#include "lib/vector.h"

namespace charon {

class Inode;

enum class InodeType : uint8_t { Regular, Directory, Symlink, CharDevice, BlockDevice, Fifo, Socket };

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

// A mounted file system: identity (st_dev), inode numbering, mount flags.
// Trivially destructible so a global instance needs no static destructor.
class FileSystem {
public:
    constexpr FileSystem(uint64_t device_id, bool read_only) : m_device_id(device_id), m_read_only(read_only) {}

    uint64_t device_id() const { return m_device_id; }
    bool is_read_only() const { return m_read_only; }
    void set_read_only(bool read_only) { m_read_only = read_only; }
    uint64_t allocate_inode_number() { return __atomic_add_fetch(&m_next_inode_number, 1, __ATOMIC_RELAXED); }

private:
    uint64_t m_device_id;
    uint64_t m_next_inode_number = 0; // root gets 1
    bool m_read_only;
};

// The bytes of a regular file. Today only BorrowedContents (the initramfs
// archive in memory); the writable root adds a page-granular store behind
// the same interface (plus write/truncate and page lookup for mmap).
class FileContents {
public:
    virtual ~FileContents() = default;
    virtual uint64_t size() const = 0;
    // Copies up to `length` bytes at `offset` into `buffer` at `buffer_offset`.
    virtual Result<size_t> read(uint64_t offset, IoBuffer& buffer, size_t buffer_offset, size_t length) const = 0;
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
    void set_device(uint32_t major, uint32_t minor) {
        m_rdev_major = major;
        m_rdev_minor = minor;
        m_rdev = encode_device(major, minor);
    }

    // Regular files.
    void set_contents(FileContents* contents); // takes ownership
    Result<size_t> read_data(uint64_t offset, IoBuffer& buffer, size_t length) const;

    // Symlinks.
    Result<void> set_symlink_target(StringView target);
    StringView symlink_target() const { return m_symlink_target.view(); }

    // Directories. Names are single components (no '/', not "." or "..").
    Result<RefPtr<Inode>> lookup(StringView name) const; // ENOENT
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

    FileContents* m_contents = nullptr; // owned; null means empty
    KString m_symlink_target;
    Vector<DirEntry> m_entries;
    uint64_t m_next_cookie = 2; // 0 and 1 are "." and ".."
    Inode* m_parent = nullptr;
    RefPtr<Inode> m_removed_from; // set once removed: keeps m_parent alive
};

// Linux's generic_permission: owner, then group, then other bits; root may
// read and write anything and execute anything with an execute bit (any
// directory may be searched). `mask` is a combination of R_OK, W_OK, X_OK.
// `use_real_ids` is access(2) without AT_EACCESS.
Result<void> check_permission(const Inode& inode, const Credentials& credentials, int mask, bool use_real_ids = false);

} // namespace charon
