// Per-thread x87/SSE state. The kernel itself is built -mgeneral-regs-only,
// so the registers always hold the current thread's user state: the context
// switch saves the outgoing thread's image and loads the incoming one's
// (eagerly, with fxsave64/fxrstor64: no #NM trap and no lazy-state bugs).
#pragma once

#include <cstdint>

namespace charon::arch {

// The 512-byte FXSAVE image (legacy region: FCW at 0, MXCSR at 24, the
// x87 and XMM registers after).
struct alignas(16) FpuState {
    uint8_t bytes[512];

    uint16_t fcw() const { return static_cast<uint16_t>(bytes[0] | bytes[1] << 8); }
    uint32_t mxcsr() const {
        return static_cast<uint32_t>(bytes[24] | bytes[25] << 8 | bytes[26] << 16 | bytes[27] << 24);
    }
};

// CR0.MP on, EM and TS off; CR4.OSFXSR and OSXMMEXCPT on. Boot, once.
void fpu_init();
// What a new user program starts with (Linux's FNINIT + default MXCSR):
// FCW 0x37f (all exceptions masked, extended precision), empty tag word,
// MXCSR 0x1f80 (all SIMD exceptions masked, round to nearest).
void fpu_reset_state(FpuState&);

inline void fpu_save(FpuState& state) { asm volatile("fxsave64 %0" : "=m"(state)); }
inline void fpu_restore(const FpuState& state) { asm volatile("fxrstor64 %0" ::"m"(state)); }

} // namespace charon::arch
