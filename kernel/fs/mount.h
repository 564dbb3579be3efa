// File-system types and the mount table.
//
// A FileSystemType makes instances (FileSystem + root inode) for mount(2):
// "tmpfs" is built in; another subsystem adds its own type (procfs's
// "proc") with Vfs::register_file_system_type before the first mount. A
// Mount attaches an instance's root on a directory of another mount (the
// mountpoint); the path walk crosses from the mountpoint into the mounted
// root, and ".." from a mounted root goes to the mountpoint's parent
// (fs/vfs.cpp). The root mount (the initramfs, type "rootfs") has no
// mountpoint and is never unmounted.
//
// Ownership: the Vfs owns the Mount objects (a list in mount order); a Mount
// holds references to its root and its mountpoint, and owns its FileSystem
// until umount. All of it is guarded by the Vfs namespace lock (rank
// Namespace, see vfs.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/inode.h"
#include "lib/intrusive_list.h"
#include "lib/kstring.h"
#include "lib/ref_ptr.h"
#include "lib/result.h"
#include "lib/string_view.h"

namespace charon {

// statfs(2) f_type values (include/uapi/linux/magic.h).
inline constexpr uint64_t TMPFS_MAGIC = 0x01021994;
inline constexpr uint64_t RAMFS_MAGIC = 0x858458f6;
inline constexpr uint64_t PROC_SUPER_MAGIC = 0x9fa0;
inline constexpr uint64_t PIPEFS_MAGIC = 0x50495045;

// mount(2) flags (include/uapi/linux/mount.h).
inline constexpr uint64_t MS_RDONLY = 1;
inline constexpr uint64_t MS_NOSUID = 2;
inline constexpr uint64_t MS_NODEV = 4;
inline constexpr uint64_t MS_NOEXEC = 8;
inline constexpr uint64_t MS_SYNCHRONOUS = 16;
inline constexpr uint64_t MS_REMOUNT = 32;
inline constexpr uint64_t MS_MANDLOCK = 64;
inline constexpr uint64_t MS_DIRSYNC = 128;
inline constexpr uint64_t MS_NOSYMFOLLOW = 256;
inline constexpr uint64_t MS_NOATIME = 1024;
inline constexpr uint64_t MS_NODIRATIME = 2048;
inline constexpr uint64_t MS_BIND = 4096;
inline constexpr uint64_t MS_MOVE = 8192;
inline constexpr uint64_t MS_REC = 16384;
inline constexpr uint64_t MS_SILENT = 32768;
inline constexpr uint64_t MS_UNBINDABLE = 1 << 17;
inline constexpr uint64_t MS_PRIVATE = 1 << 18;
inline constexpr uint64_t MS_SLAVE = 1 << 19;
inline constexpr uint64_t MS_SHARED = 1 << 20;
inline constexpr uint64_t MS_RELATIME = 1 << 21;
inline constexpr uint64_t MS_STRICTATIME = 1 << 24;
inline constexpr uint64_t MS_LAZYTIME = 1 << 25;
inline constexpr uint64_t MS_MGC_MSK = 0xffff0000;
inline constexpr uint64_t MS_MGC_VAL = 0xc0ed0000;
// Per-mount flags a new mount keeps (the rest are requests or sb flags).
inline constexpr uint64_t kMountKeptFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                            MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW;

// umount2(2) flags.
inline constexpr int MNT_FORCE = 1;
inline constexpr int MNT_DETACH = 2;
inline constexpr int MNT_EXPIRE = 4;
inline constexpr int UMOUNT_NOFOLLOW = 8;

// statfs f_flags (ST_*): mount flags as statvfs reports them.
inline constexpr uint64_t ST_RDONLY = 1;
inline constexpr uint64_t ST_NOSUID = 2;
inline constexpr uint64_t ST_NODEV = 4;
inline constexpr uint64_t ST_NOEXEC = 8;
inline constexpr uint64_t ST_NOATIME = 1024;
inline constexpr uint64_t ST_NODIRATIME = 2048;
inline constexpr uint64_t ST_RELATIME = 4096;
inline constexpr uint64_t ST_NOSYMFOLLOW = 8192;
inline constexpr uint64_t ST_VALID = 0x20;

// struct statfs as the x86_64 kernel writes it (asm-generic/statfs.h with
// 64-bit longs): 120 bytes.
struct LinuxStatfs {
    int64_t f_type;
    int64_t f_bsize;
    uint64_t f_blocks;
    uint64_t f_bfree;
    uint64_t f_bavail;
    uint64_t f_files;
    uint64_t f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen;
    int64_t f_frsize;
    int64_t f_flags;
    int64_t f_spare[4];
};
static_assert(sizeof(LinuxStatfs) == 120);

// What the kernel tells the fs layer about memory, for tmpfs's statfs
// (pages in all and free). Tests leave the default (zero: "unknown").
struct MemoryReport {
    uint64_t total_pages = 0;
    uint64_t free_pages = 0;
};
void set_memory_reporter(MemoryReport (*reporter)());
MemoryReport report_memory();

struct MountRequest {
    StringView source; // mount(2)'s first argument ("none", "tmpfs", ...)
    uint64_t flags = 0;
    StringView options; // the data argument as a string (may be empty)
    const Credentials* credentials = nullptr;
};

// A file-system type. `create` builds a new instance and its root
// directory; the Vfs assigns the device number first (an anonymous 0:N).
struct FileSystemType {
    const char* name; // mount(2)'s type, /proc/filesystems, /proc/mounts
    uint64_t magic;   // statfs f_type
    struct Instance {
        FileSystem* fs = nullptr; // new-allocated; the Mount owns it
        RefPtr<Inode> root;
    };
    Result<Instance> (*create)(const FileSystemType& type, uint64_t device_id, const MountRequest& request);
    // statfs(2) beyond f_type/f_flags/f_fsid/f_namelen (null: all zero, as
    // Linux's simple_statfs).
    void (*statfs)(const FileSystem& fs, LinuxStatfs& out) = nullptr;
    // Called before a directory of this type is searched or listed, under
    // the namespace lock: a synthetic file system (procfs) brings its
    // entries up to date here. Null for ordinary trees.
    Result<void> (*refresh_directory)(FileSystem& fs, Inode& directory) = nullptr;
    // Frees `type_data` when the instance goes (null: nothing to free).
    void (*destroy)(FileSystem& fs) = nullptr;
};

// The built-in types.
extern const FileSystemType g_rootfs_type; // the initramfs root ("rootfs", tmpfs magic as Linux's)
extern const FileSystemType g_tmpfs_type;

struct Mount {
    ListNode node; // in the Vfs's mount list, in mount order
    FileSystem* fs = nullptr; // owned until umount
    RefPtr<Inode> root;
    RefPtr<Inode> mountpoint; // null for the root mount
    Mount* parent = nullptr;  // the mount holding `mountpoint` (null for the root mount)
    // What `mountpoint` was covered by before this mount arrived (a stack of
    // mounts on one directory: umount restores it).
    Mount* covered_before = nullptr;
    KString source;
    uint64_t flags = 0; // kMountKeptFlags bits
    uint64_t id = 0;    // unique, increasing (mountinfo's mount ID)
};

// Frees a detached FileSystem once its last inode is gone (called by the
// inode destructor; nothing happens for an attached or built-in instance).
void release_file_system_if_unused(FileSystem& fs);
// Marks `fs` detached (lazy umount with inodes still in use), or frees it
// now when nothing of it is left.
void detach_file_system(FileSystem& fs);

} // namespace charon
