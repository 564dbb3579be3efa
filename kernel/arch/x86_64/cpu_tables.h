// GDT, TSS and IDT of the (single) CPU.
#pragma once

#include <cstdint>

namespace charon::arch {

// Selectors. The order from 0x18 on is what SYSRET requires (STAR[63:48] =
// 0x18: user SS = 0x20, user CS = 0x28), for when user mode arrives.
constexpr uint16_t kernel_code_selector = 0x08;
constexpr uint16_t kernel_data_selector = 0x10;
constexpr uint16_t user_data_selector = 0x20 | 3;
constexpr uint16_t user_code_selector = 0x28 | 3;
constexpr uint16_t tss_selector = 0x30;

// Interrupt stack table slots (1-based, as in the IDT gate).
constexpr uint8_t ist_double_fault = 1;
constexpr uint8_t ist_nmi = 2;
constexpr uint8_t ist_machine_check = 3;

void gdt_init(); // loads the GDT and the TSS
// The stack the CPU switches to on an interrupt from user mode.
void set_kernel_stack_top(uint64_t top);

} // namespace charon::arch
