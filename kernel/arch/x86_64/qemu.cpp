#include "qemu.h"

#include "arch/x86_64/cpu.h"

namespace charon::arch {

void qemu_exit(QemuExit code) { outl(0xf4, static_cast<uint8_t>(code)); }

} // namespace charon::arch
