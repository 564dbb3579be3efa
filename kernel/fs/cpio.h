// cpio "newc" archives (the initramfs format), parsed in place.
//
// Each member: a 110-byte ASCII header ("070701" or "070702" then thirteen
// 8-digit hex fields), the NUL-terminated name padded so that the data starts
// at a multiple of 4 from the archive start, then the data padded to 4. The
// member named "TRAILER!!!" ends an archive; like Linux we accept several
// archives back to back with zero padding between them. Anything malformed or
// truncated is EINVAL; nothing is ever read outside [data, data + size).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"
#include "lib/string_view.h"

namespace charon {

struct CpioEntry {
    StringView name; // without the NUL
    uint32_t ino = 0;
    uint32_t mode = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t nlink = 0;
    uint32_t mtime = 0;
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    uint32_t rdev_major = 0;
    uint32_t rdev_minor = 0;
    const uint8_t* data = nullptr;
    size_t size = 0;
};

class CpioReader {
public:
    static constexpr size_t kHeaderSize = 110;

    CpioReader(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}

    // The next member, or false after the last archive's trailer.
    Result<bool> next(CpioEntry& entry);

private:
    const uint8_t* m_data;
    size_t m_size;
    size_t m_offset = 0;
    bool m_after_trailer = false;
};

class FileSystem;
class Inode;

// Unpacks an archive into the directory tree under `root`, as Linux's
// init/initramfs.c does for rootfs: missing parent directories are created
// (mode 0755, root-owned), a later member of the same name replaces an
// earlier one (directories are updated in place), members with the same
// (ino, dev) and nlink > 1 become hard links. Names are taken relative to
// `root` ("./a", "/a" and "a" are the same); ".." components are rejected.
// Regular file data is not copied: it stays in the archive, which must
// outlive the file system.
Result<void> unpack_cpio(FileSystem& fs, Inode& root, const uint8_t* data, size_t size);

} // namespace charon
