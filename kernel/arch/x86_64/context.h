// What the context switch needs per thread, and the per-CPU area that the
// syscall entry reaches through GS.
//
// A thread's kernel-side registers live on its own kernel stack: switching
// pushes RFLAGS and the callee-saved registers, swaps RSP, pops. Everything
// else a thread owns on the CPU (page-table root, TSS.RSP0 and the syscall
// stack pointer, FS base, the user GS base, the FPU/SSE registers) is
// switched by switch_to() from the fields below.
#pragma once

#include <cstdint>

#include "arch/x86_64/fpu.h"
#include "arch/x86_64/memory_layout.h"

namespace charon::arch {

struct SyscallFrame;

struct ThreadContext {
    uint64_t saved_rsp = 0;       // while switched out: the callee-saved frame
    uint64_t kernel_stack_top = 0;
    PhysAddr root = 0;            // page-table root to run with (0 = the kernel's)
    uint64_t fs_base = 0;         // user TLS (arch_prctl ARCH_SET_FS)
    uint64_t user_gs_base = 0;    // arch_prctl ARCH_SET_GS; lives in KERNEL_GS_BASE while in the kernel
    FpuState fpu;
};

// The per-CPU area; GS points at it while the CPU runs kernel code (the
// user's GS base is parked in KERNEL_GS_BASE, swapped on each entry/exit
// from user mode). Field offsets are used by syscall_entry.S.
struct PerCpu {
    PerCpu* self;               // 0
    uint64_t kernel_rsp;        // 8: top of the current thread's kernel stack
    uint64_t user_rsp_scratch;  // 16: user RSP during the syscall entry
    void* current_thread;       // 24: the scheduler's current Thread
};

PerCpu& this_cpu();
// GS base = the boot CPU's PerCpu; KERNEL_GS_BASE = 0 (the user's GS).
void percpu_init();

// A new kernel thread: its first switch-in runs entry(argument) with
// interrupts enabled, after `after_switch` (the scheduler's unlock) ran.
void prepare_kernel_thread(ThreadContext&, void (*entry)(void*), void* argument);
// A new user thread: its first switch-in returns to user mode with `frame`
// (copied to the top of the kernel stack, where every later user entry
// saves its registers too).
void prepare_user_thread(ThreadContext&, const SyscallFrame& frame);

// Switches from `from` to `to` (interrupts must be off): root, TSS.RSP0 and
// the syscall stack, FS/GS bases, FPU state, then the stacks. Returns when
// `from` is switched back in.
void switch_to(ThreadContext& from, ThreadContext& to);

// The user-mode frame saved at the top of a thread's kernel stack.
SyscallFrame& user_frame_of(const ThreadContext&);

// arch_prctl(ARCH_SET_FS / ARCH_SET_GS) for the *current* thread: records
// the base and loads it (the user GS base sits in KERNEL_GS_BASE while the
// kernel runs). For another thread, set the field; switch_to loads it.
void load_fs_base(ThreadContext& current, uint64_t base);
void load_user_gs_base(ThreadContext& current, uint64_t base);

} // namespace charon::arch

// Called by a new thread right after its first switch-in, before anything
// else (kernel/sched: releases the scheduler lock the switch was made under).
extern "C" void sched_after_first_switch();
