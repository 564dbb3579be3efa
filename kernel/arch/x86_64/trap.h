// Interrupts and exceptions: the saved-register frame, IRQ registration, and
// the fatal report every unhandled CPU exception produces.
#pragma once

#include <cstdint>

namespace charon::arch {

// Layout fixed by interrupt_entry.S: registers in reverse push order, then
// what the stub and the CPU pushed.
struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss;

    bool from_user() const { return (cs & 3) == 3; }
};
static_assert(sizeof(TrapFrame) == 22 * 8);

constexpr uint8_t irq_base_vector = 32; // legacy PIC IRQs 0..15 -> 32..47

using IrqHandler = void (*)(TrapFrame&);
// Installs the handler for a legacy IRQ line and unmasks it.
void register_irq_handler(uint8_t irq, IrqHandler handler);
// Interrupts taken on each legacy IRQ line since boot (spurious ones
// excluded), for /proc/stat's intr line.
uint64_t irq_count(uint8_t irq);

void idt_init();
void pic_init(); // remaps both 8259s to 32..47, all lines masked

// Prints the report for an exception that nothing handles and stops.
[[noreturn]] void fatal_exception(const TrapFrame&);

// Exception fix-ups: an instruction listed in the .extable section may fault
// in the kernel; execution resumes at its fix-up address instead of dying.
// The probes below are built on it, and so will be user-memory copies.
bool probe_read_u64(const void* address, uint64_t* out);
bool probe_write_u64(void* address, uint64_t value);

// Counters for tests: how many kernel faults were fixed up.
uint64_t fixed_up_fault_count();

} // namespace charon::arch
