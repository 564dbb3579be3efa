#include "arch/x86_64/context.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_tables.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/user_entry.h"
#include "lib/verify.h"

extern "C" void charon_context_switch(uint64_t* save_rsp, uint64_t new_rsp);
extern "C" char charon_kernel_thread_start[];
extern "C" char charon_user_thread_start[];

namespace charon::arch {

namespace {

PerCpu g_cpu0;

// Lays out a switched-out context whose return address is `start`, with the
// return slot at `return_slot` (8 mod 16, so the stack is 16-byte aligned
// right after the `ret`, as a function entry point's caller would leave it
// minus the return address: the start routines call C functions directly).
uint64_t build_switch_frame(uint64_t return_slot, void* start, uint64_t r12, uint64_t r13) {
    VERIFY(return_slot % 16 == 8);
    auto* slot = reinterpret_cast<uint64_t*>(return_slot);
    slot[0] = reinterpret_cast<uint64_t>(start);
    slot[-1] = 0x2;  // RFLAGS: interrupts off until the scheduler lock is released
    slot[-2] = 0;    // rbp: ends backtraces
    slot[-3] = 0;    // rbx
    slot[-4] = r12;
    slot[-5] = r13;
    slot[-6] = 0;    // r14
    slot[-7] = 0;    // r15
    return return_slot - 7 * 8;
}

} // namespace

PerCpu& this_cpu() { return g_cpu0; }

void percpu_init() {
    g_cpu0.self = &g_cpu0;
    write_msr(msr_gs_base, reinterpret_cast<uint64_t>(&g_cpu0));
    write_msr(msr_kernel_gs_base, 0);
}

void prepare_kernel_thread(ThreadContext& context, void (*entry)(void*), void* argument) {
    VERIFY(context.kernel_stack_top % 16 == 0);
    fpu_reset_state(context.fpu);
    context.saved_rsp = build_switch_frame(context.kernel_stack_top - 24, charon_kernel_thread_start,
                                           reinterpret_cast<uint64_t>(entry), reinterpret_cast<uint64_t>(argument));
}

SyscallFrame& user_frame_of(const ThreadContext& context) {
    return *reinterpret_cast<SyscallFrame*>(context.kernel_stack_top - sizeof(SyscallFrame));
}

void prepare_user_thread(ThreadContext& context, const SyscallFrame& frame) {
    VERIFY(context.kernel_stack_top % 16 == 0);
    SyscallFrame& saved = user_frame_of(context);
    saved = frame;
    auto frame_address = reinterpret_cast<uint64_t>(&saved);
    context.saved_rsp = build_switch_frame(frame_address - 8, charon_user_thread_start, frame_address, 0);
}

void switch_to(ThreadContext& from, ThreadContext& to) {
    fpu_save(from.fpu);
    PhysAddr root = to.root ? to.root : kernel_root();
    if (current_root() != root)
        switch_root(root);
    set_kernel_stack_top(to.kernel_stack_top);
    g_cpu0.kernel_rsp = to.kernel_stack_top;
    if (from.fs_base != to.fs_base)
        write_msr(msr_fs_base, to.fs_base);
    if (from.user_gs_base != to.user_gs_base)
        write_msr(msr_kernel_gs_base, to.user_gs_base);
    fpu_restore(to.fpu);
    charon_context_switch(&from.saved_rsp, to.saved_rsp);
}

void load_fs_base(ThreadContext& context, uint64_t base) {
    context.fs_base = base;
    write_msr(msr_fs_base, base);
}

void load_user_gs_base(ThreadContext& context, uint64_t base) {
    context.user_gs_base = base;
    write_msr(msr_kernel_gs_base, base);
}

} // namespace charon::arch
