#include "fs/device.h"

#include "fs/abi.h"

namespace charon {

namespace {

struct Registration {
    uint32_t major;
    uint32_t minor;
    CharDevice* device;
};

// A fixed table: a handful of drivers, no allocation during boot.
constexpr size_t kMaxDevices = 32;
Registration g_devices[kMaxDevices];

class NullDevice final : public CharDevice {
public:
    Result<size_t> read(OpenFile&, IoBuffer&, size_t, IoContext&) override { return size_t(0); }
    Result<size_t> write(OpenFile&, const IoBuffer&, size_t length, IoContext&) override { return length; }
    Result<int64_t> seek(OpenFile&, int64_t, int) override { return int64_t(0); }
    bool is_positional() const override { return true; }
};

NullDevice g_null_device;

// Reads of /dev/zero and /dev/full: zeros, page by page.
Result<size_t> read_zeros(IoBuffer& buffer, size_t length) {
    static const uint8_t zeros[4096] = {};
    return transfer_in_chunks(length, sizeof zeros,
                              [&](size_t offset, size_t n) { return buffer.copy_to(offset, zeros, n); });
}

// /dev/zero: zeros to read, writes discarded; mmap gives anonymous memory
// (the mmap syscall turns it into MAP_ANONYMOUS).
class ZeroDevice final : public CharDevice {
public:
    Result<size_t> read(OpenFile&, IoBuffer& buffer, size_t length, IoContext&) override {
        return read_zeros(buffer, length);
    }
    Result<size_t> write(OpenFile&, const IoBuffer&, size_t length, IoContext&) override { return length; }
    Result<int64_t> seek(OpenFile&, int64_t, int) override { return int64_t(0); }
    bool is_positional() const override { return true; }
};

// /dev/full: zeros to read, every write is ENOSPC.
class FullDevice final : public CharDevice {
public:
    Result<size_t> read(OpenFile&, IoBuffer& buffer, size_t length, IoContext&) override {
        return read_zeros(buffer, length);
    }
    // Even an empty write (Linux's write_full does not look at the count).
    Result<size_t> write(OpenFile&, const IoBuffer&, size_t, IoContext&) override { return ENOSPC; }
    Result<int64_t> seek(OpenFile&, int64_t, int) override { return int64_t(0); }
    bool is_positional() const override { return true; }
};

ZeroDevice g_zero_device;
FullDevice g_full_device;

} // namespace

Result<void> register_char_device(uint32_t major, uint32_t minor, CharDevice& device) {
    if (find_char_device(major, minor))
        return EBUSY;
    for (auto& registration : g_devices) {
        if (!registration.device) {
            registration = {major, minor, &device};
            return {};
        }
    }
    return ENOSPC;
}

void unregister_char_device(uint32_t major, uint32_t minor) {
    for (auto& registration : g_devices) {
        if (registration.device && registration.major == major && registration.minor == minor)
            registration = {};
    }
}

CharDevice* find_char_device(uint32_t major, uint32_t minor) {
    for (auto& registration : g_devices) {
        if (registration.device && registration.major == major && registration.minor == minor)
            return registration.device;
    }
    // The fs's own devices need no registration.
    if (major == kMemMajor && minor == kNullMinor)
        return &g_null_device;
    if (major == kMemMajor && minor == kZeroMinor)
        return &g_zero_device;
    if (major == kMemMajor && minor == kFullMinor)
        return &g_full_device;
    return nullptr;
}

CharDevice& null_device() { return g_null_device; }

} // namespace charon
