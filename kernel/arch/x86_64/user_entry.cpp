#include "arch/x86_64/user_entry.h"

#include "arch/x86_64/context.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "lib/log.h"

extern "C" void syscall_entry();

namespace charon::arch {

namespace {
constexpr uint64_t cr4_smep = 1u << 20, cr4_smap = 1u << 21;
// Linux's syscall mask: TF, DF, IF, IOPL, AC, NT cleared on entry.
constexpr uint64_t syscall_rflags_mask = 0x47700;

UserPageFaultHandler g_user_page_fault_handler;
UserFaultHandler g_user_fault_handler;
bool g_smap, g_smep;
} // namespace

// Read by user_copy.S: stac/clac fault (#UD) on a CPU without SMAP.
extern "C" {
bool charon_smap_enabled;
}

SyscallFrame initial_user_frame(uint64_t rip, uint64_t rsp) {
    SyscallFrame frame{};
    frame.rip = rip;
    frame.rsp = rsp;
    frame.cs = user_code_selector;
    frame.ss = user_data_selector;
    frame.rflags = rflags_interrupt_enable | 0x2;
    frame.vector = SyscallFrame::not_a_syscall_vector;
    return frame;
}

void syscall_init() {
    percpu_init();
    write_msr(msr_star, (static_cast<uint64_t>(0x18) << 48) | (static_cast<uint64_t>(kernel_code_selector) << 32));
    write_msr(msr_lstar, reinterpret_cast<uint64_t>(&syscall_entry));
    write_msr(msr_fmask, syscall_rflags_mask);
    write_msr(msr_efer, read_msr(msr_efer) | efer_sce);

    // SMEP: the kernel never executes user pages. SMAP: the kernel touches
    // user pages only inside the user-copy routines (stac ... clac), so a
    // stray user pointer dereference faults instead of reading user data.
    CpuidResult features = cpuid(7, 0);
    uint64_t cr4 = read_cr4();
    if (features.ebx & (1u << 7)) {
        cr4 |= cr4_smep;
        g_smep = true;
    }
    if (features.ebx & (1u << 20)) {
        cr4 |= cr4_smap;
        g_smap = true;
    }
    write_cr4(cr4);
    charon_smap_enabled = g_smap;
    log_debug("syscall: LSTAR %p, SMEP %s, SMAP %s", reinterpret_cast<void*>(&syscall_entry), g_smep ? "on" : "off",
              g_smap ? "on" : "off");
}

bool smap_enabled() { return g_smap; }
bool smep_enabled() { return g_smep; }

void set_user_page_fault_handler(UserPageFaultHandler handler) { g_user_page_fault_handler = handler; }
void set_user_fault_handler(UserFaultHandler handler) { g_user_fault_handler = handler; }
UserFaultHandler user_fault_handler() { return g_user_fault_handler; }

UserPageFaultHandler user_page_fault_handler() { return g_user_page_fault_handler; }

} // namespace charon::arch
