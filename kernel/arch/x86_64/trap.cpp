#include "trap.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_tables.h"
#include "arch/x86_64/memory_layout.h"
#include "arch/x86_64/qemu.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/symbols.h"
#include "arch/x86_64/user_entry.h"
#include "lib/verify.h"

extern "C" const uint64_t __extable_start[];
extern "C" const uint64_t __extable_end[];

namespace charon::arch {

namespace {

constexpr const char* exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range exceeded",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack-segment fault",
    "#GP general protection fault",
    "#PF page fault",
    "reserved (15)",
    "#MF x87 floating-point error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD floating-point error",
    "#VE virtualization exception",
    "#CP control protection",
    "reserved (22)", "reserved (23)", "reserved (24)", "reserved (25)", "reserved (26)", "reserved (27)",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security exception",
    "reserved (31)",
};

constexpr uint8_t vector_page_fault = 14;
constexpr uint8_t vector_general_protection = 13;
constexpr uint8_t vector_double_fault = 8;

IrqHandler g_irq_handlers[16];
uint64_t g_irq_counts[16];
uint64_t g_fixed_up_faults;
bool g_in_fatal_report;

// 8259 PICs.
constexpr uint16_t pic1_command = 0x20, pic1_data = 0x21;
constexpr uint16_t pic2_command = 0xa0, pic2_data = 0xa1;
uint16_t g_pic_mask = 0xffff;

void pic_write_mask() {
    outb(pic1_data, g_pic_mask & 0xff);
    outb(pic2_data, g_pic_mask >> 8);
}

void pic_end_of_interrupt(uint8_t irq) {
    if (irq >= 8)
        outb(pic2_command, 0x20);
    outb(pic1_command, 0x20);
}

const uint64_t* find_exception_fixup(uint64_t rip) {
    for (const uint64_t* entry = __extable_start; entry < __extable_end; entry += 2) {
        if (entry[0] == rip)
            return entry;
    }
    return nullptr;
}

bool search_exception_table(TrapFrame& frame) {
    if (const uint64_t* entry = find_exception_fixup(frame.rip)) {
        frame.rip = entry[1];
        ++g_fixed_up_faults;
        return true;
    }
    return false;
}

unsigned page_fault_access(uint64_t error) {
    unsigned access = 0;
    if (error & 1)
        access |= FaultPresent;
    if (error & 2)
        access |= FaultWrite;
    if (error & 4)
        access |= FaultUser;
    if (error & 16)
        access |= FaultExecute;
    return access;
}

// Asks the memory manager to resolve a fault at a user address, with
// interrupts as they were when the fault happened (it may sleep).
bool resolve_user_page_fault(const TrapFrame& frame, uint64_t address) {
    UserPageFaultHandler handler = user_page_fault_handler();
    if (!handler || address >= user_space_end)
        return false;
    if (frame.rflags & rflags_interrupt_enable)
        sti();
    bool resolved = handler(address, page_fault_access(frame.error_code));
    cli();
    return resolved;
}

constexpr uint8_t vector_nmi = 2;
constexpr uint8_t vector_machine_check = 18;

void handle_user_exception(TrapFrame& frame) {
    uint64_t address = frame.vector == vector_page_fault ? read_cr2() : 0;
    if (frame.vector == vector_page_fault && resolve_user_page_fault(frame, address))
        return;
    UserFaultHandler handler = user_fault_handler();
    if (!handler)
        fatal_exception(frame); // only before the scheduler installs its default
    sti();
    handler(static_cast<SyscallFrame&>(frame), address);
    cli();
}

void describe_page_fault_error(uint64_t error) {
    console_print_unlocked("(%s, %s, %s mode%s%s)", error & 1 ? "protection violation" : "page not present",
                           error & 2 ? "write" : "read", error & 4 ? "user" : "kernel",
                           error & 16 ? ", instruction fetch" : "", error & 8 ? ", reserved bit set" : "");
}

bool is_stack_guard_address(uint64_t address) {
    // Kernel stacks are laid out in stack_region with unmapped guards; an
    // unmapped address there is a guard page (kernel/mm/kernel_stack.cpp).
    return address >= stack_region_base && address < stack_region_base + stack_region_size;
}

} // namespace

uint64_t fixed_up_fault_count() { return g_fixed_up_faults; }

void pic_init() {
    // ICW1..ICW4: cascade, vector offsets 32 and 40, 8086 mode.
    outb(pic1_command, 0x11);
    outb(pic2_command, 0x11);
    outb(pic1_data, irq_base_vector);
    outb(pic2_data, irq_base_vector + 8);
    outb(pic1_data, 4); // slave on IRQ2
    outb(pic2_data, 2);
    outb(pic1_data, 1);
    outb(pic2_data, 1);
    g_pic_mask = 0xffff & ~(1u << 2); // cascade line stays open
    pic_write_mask();
}

void register_irq_handler(uint8_t irq, IrqHandler handler) {
    VERIFY(irq < 16);
    uint64_t saved = read_rflags();
    cli();
    g_irq_handlers[irq] = handler;
    g_pic_mask &= static_cast<uint16_t>(~(1u << irq));
    pic_write_mask();
    if (saved & rflags_interrupt_enable)
        sti();
}

uint64_t irq_count(uint8_t irq) { return irq < 16 ? g_irq_counts[irq] : 0; }

void fatal_exception(const TrapFrame& frame) {
    cli();
    if (g_in_fatal_report) {
        // A fault while reporting a fault: say so minimally and stop.
        console_print_unlocked("\n[fault while reporting a fault: vector %lu at %#lx]\n", frame.vector, frame.rip);
        qemu_exit(QemuExit::Panic);
        halt_forever();
    }
    g_in_fatal_report = true;

    uint64_t cr2 = read_cr2();
    const char* name = frame.vector < 32 ? exception_names[frame.vector] : "unexpected interrupt";
    console_print_unlocked("\n==== KERNEL FAULT: %s (vector %lu) ====\n", name, frame.vector);
    console_print_unlocked("error code %#lx ", frame.error_code);
    if (frame.vector == vector_page_fault)
        describe_page_fault_error(frame.error_code);
    console_print_unlocked("\nRIP    ");
    print_address(frame.rip);
    console_print_unlocked("\nCR2    0x%016lx", cr2);
    if ((frame.vector == vector_page_fault || frame.vector == vector_double_fault) && is_stack_guard_address(cr2))
        console_print_unlocked("  <- in the kernel stack area: kernel stack overflow into a guard page?");
    console_print_unlocked("\nCR3    0x%016lx  CR0 %#lx  CR4 %#lx\n", read_cr3(), read_cr0(), read_cr4());
    console_print_unlocked("RAX 0x%016lx  RBX 0x%016lx  RCX 0x%016lx\n", frame.rax, frame.rbx, frame.rcx);
    console_print_unlocked("RDX 0x%016lx  RSI 0x%016lx  RDI 0x%016lx\n", frame.rdx, frame.rsi, frame.rdi);
    console_print_unlocked("RBP 0x%016lx  RSP 0x%016lx  R8  0x%016lx\n", frame.rbp, frame.rsp, frame.r8);
    console_print_unlocked("R9  0x%016lx  R10 0x%016lx  R11 0x%016lx\n", frame.r9, frame.r10, frame.r11);
    console_print_unlocked("R12 0x%016lx  R13 0x%016lx  R14 0x%016lx\n", frame.r12, frame.r13, frame.r14);
    console_print_unlocked("R15 0x%016lx  RFLAGS %#lx  CS %#lx  SS %#lx\n", frame.r15, frame.rflags, frame.cs,
                           frame.ss);
    print_backtrace(frame.rip, frame.rbp);
    console_print_unlocked("==== kernel stopped ====\n");
    qemu_exit(QemuExit::Panic);
    halt_forever();
}

} // namespace charon::arch

using namespace charon::arch;

extern "C" void handle_interrupt(TrapFrame* frame) {
    uint64_t vector = frame->vector;
    if (vector >= irq_base_vector && vector < irq_base_vector + 16u) {
        auto irq = static_cast<uint8_t>(vector - irq_base_vector);
        // Spurious IRQ 7/15: the PIC's in-service bit is clear; no EOI for
        // a spurious master IRQ, the master still needs one for the slave's.
        if (irq == 7 || irq == 15) {
            uint16_t command = irq == 7 ? pic1_command : pic2_command;
            outb(command, 0x0b);
            if (!(inb(command) & 0x80)) {
                if (irq == 15)
                    outb(pic1_command, 0x20);
                return;
            }
        }
        // EOI first: a handler may switch away (the scheduler's tick) and
        // must not leave the line blocked meanwhile.
        pic_end_of_interrupt(irq);
        ++g_irq_counts[irq];
        if (g_irq_handlers[irq])
            g_irq_handlers[irq](*frame);
        if (frame->from_user())
            sched_prepare_return_to_user(static_cast<SyscallFrame*>(frame));
        else if (frame->rflags & rflags_interrupt_enable)
            sched_preempt_from_interrupt();
        return;
    }
    if (frame->from_user() && vector != vector_nmi && vector != vector_machine_check &&
        vector != vector_double_fault && vector < 32) {
        handle_user_exception(*frame);
        sched_prepare_return_to_user(static_cast<SyscallFrame*>(frame));
        return;
    }
    // Kernel mode. An exception inside a user copy (stac ... clac) arrives
    // with AC set; the handler itself must not run with SMAP relaxed. IRET
    // restores the interrupted RFLAGS.
    if (smap_enabled())
        asm volatile("clac" ::: "memory");
    if (vector == vector_page_fault && find_exception_fixup(frame->rip) &&
        resolve_user_page_fault(*frame, read_cr2()))
        return;
    if ((vector == vector_page_fault || vector == vector_general_protection) && !frame->from_user() &&
        search_exception_table(*frame))
        return;
    fatal_exception(*frame);
}
