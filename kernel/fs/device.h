// Character devices. A device node (an inode of type CharDevice) carries a
// (major, minor) pair; opening it looks the pair up here. Drivers register
// themselves at boot: /dev/null lives in the fs, the serial console is
// registered by the kernel. Opening a node with no driver is ENXIO, as on
// Linux.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/io_buffer.h"
#include "fs/io_context.h"
#include "lib/result.h"

namespace charon {

class Inode;
class OpenFile;
class TtyDevice;

inline constexpr uint32_t kMemMajor = 1;    // /dev/null is (1, 3)
inline constexpr uint32_t kNullMinor = 3;
inline constexpr uint32_t kZeroMinor = 5;    // /dev/zero
inline constexpr uint32_t kFullMinor = 7;    // /dev/full
inline constexpr uint32_t kRandomMinor = 8;  // /dev/random (drivers/random.*)
inline constexpr uint32_t kUrandomMinor = 9; // /dev/urandom
inline constexpr uint32_t kConsoleMajor = 5; // /dev/console is (5, 1)
inline constexpr uint32_t kConsoleMinor = 1;
inline constexpr uint32_t kTtyMajor = 5;     // /dev/tty is (5, 0): the caller's controlling terminal
inline constexpr uint32_t kTtyMinor = 0;
inline constexpr uint32_t kSerialMajor = 4;  // /dev/ttyS0 is (4, 64)
inline constexpr uint32_t kSerialMinor = 64;

class CharDevice {
public:
    // Called for each open() of `node`; may refuse (e.g. EACCES, ENXIO).
    virtual Result<void> open(Inode& node, int flags) {
        (void)node;
        (void)flags;
        return {};
    }
    // Files opened now remember this (OpenFile::device_generation): a
    // terminal counts its hang-ups with it.
    virtual uint64_t generation() const { return 0; }
    // Terminals answer the terminal ioctls (fs/tty.h); no RTTI needed.
    virtual TtyDevice* as_tty() { return nullptr; }
    // Same contract as OpenFile::read/write: never block; to wait, enqueue
    // through `context` and fail with EAGAIN (see fs/io_context.h). Honour
    // O_NONBLOCK from file.status_flags().
    virtual Result<size_t> read(OpenFile& file, IoBuffer& buffer, size_t length, IoContext& context) = 0;
    virtual Result<size_t> write(OpenFile& file, const IoBuffer& buffer, size_t length, IoContext& context) = 0;
    // Linux: ttys are not seekable (ESPIPE); /dev/null "seeks" to 0.
    virtual Result<int64_t> seek(OpenFile& file, int64_t offset, int whence) {
        (void)file;
        (void)offset;
        (void)whence;
        return ESPIPE;
    }
    // pread/pwrite: Linux allows them on devices that have a position
    // (/dev/null, memory devices), not on ttys (ESPIPE). A positional
    // device's read/write ignore the position or use file.offset().
    virtual bool is_positional() const { return false; }

protected:
    // Drivers are static objects that are never deleted through this
    // interface; a trivial destructor keeps them free of static destructors.
    ~CharDevice() = default;
};

// Registration does not take ownership; the device must outlive every open
// file on it (in the kernel: forever). EBUSY if the number is taken, ENOSPC
// past the table size.
Result<void> register_char_device(uint32_t major, uint32_t minor, CharDevice& device);
void unregister_char_device(uint32_t major, uint32_t minor);
CharDevice* find_char_device(uint32_t major, uint32_t minor);

// /dev/null: reads see end of file, writes succeed and discard.
CharDevice& null_device();
// /dev/zero and /dev/full are built in too (no registration).

} // namespace charon
