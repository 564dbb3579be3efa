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
    return nullptr;
}

CharDevice& null_device() { return g_null_device; }

} // namespace charon
