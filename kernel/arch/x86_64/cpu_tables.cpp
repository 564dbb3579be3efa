#include "cpu_tables.h"

#include <cstddef>

#include "arch/x86_64/trap.h"

extern "C" uint64_t interrupt_stub_table[256];

namespace charon::arch {

namespace {

struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

struct IdtGate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

constexpr size_t ist_stack_size = 16384;
alignas(16) uint8_t g_ist_stacks[3][ist_stack_size];

Tss g_tss;
alignas(16) uint64_t g_gdt[8] = {
    0,
    0x00af9a000000ffff, // 0x08 kernel code, 64-bit
    0x00cf92000000ffff, // 0x10 kernel data
    0,                  // 0x18 (user 32-bit code: unused; SYSRET base)
    0x00cff2000000ffff, // 0x20 user data, DPL 3
    0x00affa000000ffff, // 0x28 user code, 64-bit, DPL 3
    0,                  // 0x30 TSS, low half (filled in at init)
    0,                  // 0x38 TSS, high half
};
alignas(16) IdtGate g_idt[256];

} // namespace

void gdt_init() {
    g_tss.iomap_base = sizeof(Tss); // no I/O permission bitmap
    for (int i = 0; i < 3; ++i)
        g_tss.ist[i] = reinterpret_cast<uint64_t>(&g_ist_stacks[i][ist_stack_size]);

    auto base = reinterpret_cast<uint64_t>(&g_tss);
    uint64_t limit = sizeof(Tss) - 1;
    g_gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) // present, 64-bit TSS (available)
             | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    g_gdt[7] = base >> 32;

    DescriptorPointer pointer{sizeof(g_gdt) - 1, reinterpret_cast<uint64_t>(g_gdt)};
    asm volatile("lgdt %0" ::"m"(pointer));
    // Reload CS through a far return, then the data segments.
    asm volatile("pushq %[code]\n"
                 "leaq 1f(%%rip), %%rax\n"
                 "pushq %%rax\n"
                 "lretq\n"
                 "1:\n"
                 "movl %[data], %%eax\n"
                 "movl %%eax, %%ds\n"
                 "movl %%eax, %%es\n"
                 "movl %%eax, %%ss\n"
                 :
                 : [code] "i"(kernel_code_selector), [data] "i"(kernel_data_selector)
                 : "rax", "memory");
    asm volatile("ltr %0" ::"r"(tss_selector));
}

void set_kernel_stack_top(uint64_t top) { g_tss.rsp[0] = top; }

void idt_init() {
    for (int vector = 0; vector < 256; ++vector) {
        uint64_t handler = interrupt_stub_table[vector];
        IdtGate& gate = g_idt[vector];
        gate.offset_low = handler & 0xffff;
        gate.selector = kernel_code_selector;
        gate.ist = 0;
        // 0x8e: present, DPL 0, 64-bit interrupt gate (IF cleared on entry).
        gate.type_attributes = 0x8e;
        gate.offset_middle = (handler >> 16) & 0xffff;
        gate.offset_high = static_cast<uint32_t>(handler >> 32);
        gate.reserved = 0;
    }
    // Faults that can strike with a bad stack get a known-good one: a kernel
    // stack overflow hits the guard page and becomes a double fault.
    g_idt[8].ist = ist_double_fault;
    g_idt[2].ist = ist_nmi;
    g_idt[18].ist = ist_machine_check;
    // int3 may be used from user mode (debuggers).
    g_idt[3].type_attributes = 0xee;

    DescriptorPointer pointer{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" ::"m"(pointer));
}

} // namespace charon::arch
