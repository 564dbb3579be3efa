// Linux x86_64 ABI numbers and structures for the file system calls. The
// values are what user space passes and expects; never renumber them.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(CHARON_HOSTED)
// Hosted builds: libc defines most of these names as macros, which would
// rewrite the declarations below. Pull the headers in now (their include
// guards keep them from coming back) and drop the macros, as lib/errno.h does
// for E*. The values are identical on Linux x86_64; the unit tests check that.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#undef O_ACCMODE
#undef O_RDONLY
#undef O_WRONLY
#undef O_RDWR
#undef O_CREAT
#undef O_EXCL
#undef O_NOCTTY
#undef O_TRUNC
#undef O_APPEND
#undef O_NONBLOCK
#undef O_DSYNC
#undef O_ASYNC
#undef O_DIRECT
#undef O_LARGEFILE
#undef O_DIRECTORY
#undef O_NOFOLLOW
#undef O_NOATIME
#undef O_CLOEXEC
#undef O_SYNC
#undef O_PATH
#undef O_TMPFILE
#undef AT_FDCWD
#undef AT_SYMLINK_NOFOLLOW
#undef AT_REMOVEDIR
#undef AT_EACCESS
#undef AT_SYMLINK_FOLLOW
#undef AT_NO_AUTOMOUNT
#undef AT_EMPTY_PATH
#undef F_DUPFD
#undef F_GETFD
#undef F_SETFD
#undef F_GETFL
#undef F_SETFL
#undef F_DUPFD_CLOEXEC
#undef FD_CLOEXEC
#undef CLOSE_RANGE_UNSHARE
#undef CLOSE_RANGE_CLOEXEC
#undef SEEK_SET
#undef SEEK_CUR
#undef SEEK_END
#undef SEEK_DATA
#undef SEEK_HOLE
#undef F_OK
#undef R_OK
#undef W_OK
#undef X_OK
#undef S_IFMT
#undef S_IFSOCK
#undef S_IFLNK
#undef S_IFREG
#undef S_IFBLK
#undef S_IFDIR
#undef S_IFCHR
#undef S_IFIFO
#undef S_ISUID
#undef S_ISGID
#undef S_ISVTX
#undef DT_UNKNOWN
#undef DT_FIFO
#undef DT_CHR
#undef DT_DIR
#undef DT_BLK
#undef DT_REG
#undef DT_LNK
#undef DT_SOCK
#undef PIPE_BUF
#undef NAME_MAX
#undef PATH_MAX
#undef POLLIN
#undef POLLPRI
#undef POLLOUT
#undef POLLERR
#undef POLLHUP
#undef POLLNVAL
#undef POLLRDNORM
#undef POLLWRNORM
#endif

namespace charon {

// open(2) flags (octal, as in asm-generic/fcntl.h used by x86_64).
inline constexpr int O_ACCMODE = 03;
inline constexpr int O_RDONLY = 00;
inline constexpr int O_WRONLY = 01;
inline constexpr int O_RDWR = 02;
inline constexpr int O_CREAT = 0100;
inline constexpr int O_EXCL = 0200;
inline constexpr int O_NOCTTY = 0400;
inline constexpr int O_TRUNC = 01000;
inline constexpr int O_APPEND = 02000;
inline constexpr int O_NONBLOCK = 04000;
inline constexpr int O_DSYNC = 010000;
inline constexpr int O_ASYNC = 020000;
inline constexpr int O_DIRECT = 040000;
inline constexpr int O_LARGEFILE = 0100000;
inline constexpr int O_DIRECTORY = 0200000;
inline constexpr int O_NOFOLLOW = 0400000;
inline constexpr int O_NOATIME = 01000000;
inline constexpr int O_CLOEXEC = 02000000;
inline constexpr int O_SYNC = 04010000;
inline constexpr int O_PATH = 010000000;
inline constexpr int O_TMPFILE = 020200000;

// *at(2) arguments.
inline constexpr int AT_FDCWD = -100;
inline constexpr int AT_SYMLINK_NOFOLLOW = 0x100;
inline constexpr int AT_REMOVEDIR = 0x200;
inline constexpr int AT_EACCESS = 0x200; // faccessat only: same bit as AT_REMOVEDIR
inline constexpr int AT_SYMLINK_FOLLOW = 0x400;
inline constexpr int AT_NO_AUTOMOUNT = 0x800;
inline constexpr int AT_EMPTY_PATH = 0x1000;

// fcntl(2).
inline constexpr int F_DUPFD = 0;
inline constexpr int F_GETFD = 1;
inline constexpr int F_SETFD = 2;
inline constexpr int F_GETFL = 3;
inline constexpr int F_SETFL = 4;
inline constexpr int F_DUPFD_CLOEXEC = 1030;
inline constexpr int FD_CLOEXEC = 1;

// close_range(2) flags.
inline constexpr unsigned CLOSE_RANGE_UNSHARE = 1u << 1;
inline constexpr unsigned CLOSE_RANGE_CLOEXEC = 1u << 2;

// lseek(2).
inline constexpr int SEEK_SET = 0;
inline constexpr int SEEK_CUR = 1;
inline constexpr int SEEK_END = 2;
inline constexpr int SEEK_DATA = 3;
inline constexpr int SEEK_HOLE = 4;

// access(2).
inline constexpr int F_OK = 0;
inline constexpr int X_OK = 1;
inline constexpr int W_OK = 2;
inline constexpr int R_OK = 4;

// st_mode.
inline constexpr uint32_t S_IFMT = 0170000;
inline constexpr uint32_t S_IFSOCK = 0140000;
inline constexpr uint32_t S_IFLNK = 0120000;
inline constexpr uint32_t S_IFREG = 0100000;
inline constexpr uint32_t S_IFBLK = 0060000;
inline constexpr uint32_t S_IFDIR = 0040000;
inline constexpr uint32_t S_IFCHR = 0020000;
inline constexpr uint32_t S_IFIFO = 0010000;
inline constexpr uint32_t S_ISUID = 04000;
inline constexpr uint32_t S_ISGID = 02000;
inline constexpr uint32_t S_ISVTX = 01000;
inline constexpr uint32_t kPermissionMask = 07777;

// linux_dirent64 d_type.
inline constexpr uint8_t DT_UNKNOWN = 0;
inline constexpr uint8_t DT_FIFO = 1;
inline constexpr uint8_t DT_CHR = 2;
inline constexpr uint8_t DT_DIR = 4;
inline constexpr uint8_t DT_BLK = 6;
inline constexpr uint8_t DT_REG = 8;
inline constexpr uint8_t DT_LNK = 10;
inline constexpr uint8_t DT_SOCK = 12;

// poll(2) events.
inline constexpr uint32_t POLLIN = 0x001;
inline constexpr uint32_t POLLPRI = 0x002;
inline constexpr uint32_t POLLOUT = 0x004;
inline constexpr uint32_t POLLERR = 0x008;
inline constexpr uint32_t POLLHUP = 0x010;
inline constexpr uint32_t POLLNVAL = 0x020;
inline constexpr uint32_t POLLRDNORM = 0x040;
inline constexpr uint32_t POLLWRNORM = 0x100;

inline constexpr size_t PIPE_BUF = 4096;     // writes up to this size are atomic
inline constexpr size_t kPipeCapacity = 65536; // Linux default pipe size (16 pages)
inline constexpr size_t NAME_MAX = 255;      // one path component, without NUL
inline constexpr size_t PATH_MAX = 4096;     // a whole path, including NUL
inline constexpr unsigned kMaxSymlinkFollows = 40; // Linux MAXSYMLINKS
inline constexpr uint64_t kPageSize = 4096;

// struct stat as the x86_64 kernel writes it (arch/x86/include/uapi/asm/stat.h).
// Field names avoid st_atime & co., which libc defines as macros.
struct LinuxStat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    uint32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks; // 512-byte units
    uint64_t st_atime_sec;
    uint64_t st_atime_nsec;
    uint64_t st_mtime_sec;
    uint64_t st_mtime_nsec;
    uint64_t st_ctime_sec;
    uint64_t st_ctime_nsec;
    int64_t unused[3];
};
static_assert(sizeof(LinuxStat) == 144);
static_assert(offsetof(LinuxStat, st_mode) == 24);
static_assert(offsetof(LinuxStat, st_rdev) == 40);
static_assert(offsetof(LinuxStat, st_atime_sec) == 72);

// struct linux_dirent64: { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type;
// char d_name[]; } with d_name at byte 19, NUL-terminated, and the record
// padded to a multiple of 8.
inline constexpr size_t kDirent64NameOffset = 19;
inline constexpr size_t dirent64_record_length(size_t name_length) {
    return (kDirent64NameOffset + name_length + 1 + 7) & ~size_t(7);
}

// Device numbers as the kernel encodes them for st_dev/st_rdev (new_encode_dev).
inline constexpr uint64_t encode_device(uint32_t major, uint32_t minor) {
    return (minor & 0xffu) | (uint64_t(major) << 8) | (uint64_t(minor & ~0xffu) << 12);
}

struct Timespec {
    int64_t seconds = 0;
    int64_t nanoseconds = 0;
};

} // namespace charon
