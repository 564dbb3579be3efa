// The boundary with user mode: the saved user registers (SyscallFrame), the
// syscall/sysret entry, entering user mode for the first time, and the hooks
// through which the rest of the kernel handles what user mode causes (page
// faults, other faults, work before returning to user mode).
//
// Every entry from user mode (syscall, interrupt, exception) saves the whole
// user register set in the same layout (a TrapFrame) at the very top of the
// thread's kernel stack, so there is exactly one "user frame" per thread and
// fork/clone can copy it, execve and rt_sigreturn can replace it.
#pragma once

#include <cstdint>

#include "arch/x86_64/cpu_tables.h"
#include "arch/x86_64/trap.h"

namespace charon::arch {

// TrapFrame with a syscall's view of it. For a frame saved by the syscall
// instruction `vector` is syscall_frame_vector and `error_code` holds the
// syscall number as entered (Linux's orig_rax: rax is overwritten by the
// return value, and restarting a syscall needs the number back).
struct SyscallFrame : TrapFrame {
    bool is_syscall() const { return vector == syscall_frame_vector; }
    uint64_t orig_rax() const { return error_code; }
    // After a signal or an execve the frame no longer belongs to a syscall:
    // no restart handling applies to it any more.
    void forget_syscall() { vector = not_a_syscall_vector; }

    static constexpr uint64_t syscall_frame_vector = 0x100;
    static constexpr uint64_t not_a_syscall_vector = 0x101;
};
static_assert(sizeof(SyscallFrame) == sizeof(TrapFrame));

// A frame that starts user code at `rip` with stack `rsp`: user selectors,
// RFLAGS = IF, every general register zero (what execve leaves, as Linux).
SyscallFrame initial_user_frame(uint64_t rip, uint64_t rsp);

// First user address that is not usable (Linux's TASK_SIZE_MAX): the last
// page below the canonical hole stays unmapped, so a syscall at its very end
// can never make SYSRET return to a non-canonical RIP.
constexpr uint64_t user_address_limit = 0x00007ffffffff000;

// STAR/LSTAR/FMASK, EFER.SCE, the per-CPU area, SMEP/SMAP. Boot, once.
void syscall_init();
bool smap_enabled();
bool smep_enabled();

// --- Hooks (set by the memory manager and the process wiring) -------------

enum FaultAccess : unsigned {
    FaultWrite = 1u << 0,
    FaultExecute = 1u << 1,
    FaultUser = 1u << 2,    // the access came from user mode
    FaultPresent = 1u << 3, // a protection violation on a present page
};
// Resolves a page fault at a user address (demand paging, copy-on-write,
// stack growth) in the current address space. Called with interrupts
// enabled (if they were when the fault happened) for user-mode faults and
// for kernel faults inside the checked user-copy functions. May sleep.
// Returns true when the access can be retried.
using UserPageFaultHandler = bool (*)(uint64_t address, unsigned access);
void set_user_page_fault_handler(UserPageFaultHandler);
UserPageFaultHandler user_page_fault_handler();

// A fault in user mode that nothing resolved (#PF the memory manager did not
// fix, #GP, #UD, #DE, #MF/#XM, int3 ...). The handler decides (later: a
// signal through the core). With no handler set, the scheduler's default
// logs the fault and ends the thread. The handler returns to resume user
// mode (with a possibly modified frame) or does not return.
using UserFaultHandler = void (*)(SyscallFrame& frame, uint64_t fault_address);
void set_user_fault_handler(UserFaultHandler);
UserFaultHandler user_fault_handler();

} // namespace charon::arch

// Implemented by kernel/sched (arch calls up into it by these names only):
// the single return-to-user path after syscalls, interrupts and exceptions
// from user mode (interrupts off on entry and exit; reschedules, runs the
// on_return_to_user hook). Returns whether SYSRET may be used for `frame`.
extern "C" bool sched_prepare_return_to_user(charon::arch::SyscallFrame* frame);
// Called at the end of an interrupt from kernel mode that interrupted code
// running with interrupts enabled: the preemption point.
extern "C" void sched_preempt_from_interrupt();
