// QEMU's isa-debug-exit device (iobase 0xf4): writing v ends QEMU with exit
// status (v << 1) | 1. The self-tests report their verdict through it, and a
// fatal report ends the run so that CI never waits on a dead kernel.
#pragma once

#include <cstdint>

namespace charon::arch {

enum class QemuExit : uint8_t {
    TestsPassed = 0x10, // status 33
    TestsFailed = 0x11, // status 35
    Panic = 0x12,       // status 37
};

// Returns only if the device is absent (not QEMU, or not configured).
void qemu_exit(QemuExit);

} // namespace charon::arch
