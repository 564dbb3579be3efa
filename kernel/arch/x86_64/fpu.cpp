#include "arch/x86_64/fpu.h"

#include "arch/x86_64/cpu.h"
#include "lib/verify.h"

namespace charon::arch {

namespace {
constexpr uint64_t cr0_mp = 1u << 1, cr0_em = 1u << 2, cr0_ts = 1u << 3, cr0_ne = 1u << 5;
constexpr uint64_t cr4_osfxsr = 1u << 9, cr4_osxmmexcpt = 1u << 10;
} // namespace

void fpu_init() {
    // FXSR (cpuid 1 edx bit 24) and SSE2 are architectural on x86_64.
    VERIFY(cpuid(1).edx & (1u << 24));
    uint64_t cr0 = read_cr0();
    cr0 = (cr0 | cr0_mp | cr0_ne) & ~(cr0_em | cr0_ts);
    write_cr0(cr0);
    write_cr4(read_cr4() | cr4_osfxsr | cr4_osxmmexcpt);
    asm volatile("fninit");
}

void fpu_reset_state(FpuState& state) {
    __builtin_memset(state.bytes, 0, sizeof(state.bytes));
    state.bytes[0] = 0x7f; // FCW 0x037f
    state.bytes[1] = 0x03;
    // FTW (abridged) 0: every register empty.
    state.bytes[24] = 0x80; // MXCSR 0x1f80
    state.bytes[25] = 0x1f;
}

} // namespace charon::arch
