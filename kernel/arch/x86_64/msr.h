// Model-specific registers the kernel programs. Only kernel/arch includes this.
#pragma once

#include <cstdint>

namespace charon::arch {

constexpr uint32_t msr_efer = 0xc0000080;
constexpr uint32_t msr_star = 0xc0000081;
constexpr uint32_t msr_lstar = 0xc0000082;
constexpr uint32_t msr_fmask = 0xc0000084;
constexpr uint32_t msr_fs_base = 0xc0000100;
constexpr uint32_t msr_gs_base = 0xc0000101;
constexpr uint32_t msr_kernel_gs_base = 0xc0000102;

constexpr uint64_t efer_sce = 1u << 0;

} // namespace charon::arch
