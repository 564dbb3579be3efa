// The rt_sigframe layout is Linux's byte for byte: musl's and glibc's
// handlers and restorers (and programs that read uc_mcontext) depend on it.
#include "task/signal_frame.h"

#include <cstddef>

#include "arch/x86_64/fpu.h"
#include "arch/x86_64/user_entry.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"

namespace charon::task {

namespace {

struct SigContext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;
    uint64_t reserved[8];
};
static_assert(sizeof(SigContext) == 256);

struct StackT {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
};

struct UContext {
    uint64_t uc_flags;
    uint64_t uc_link;
    StackT uc_stack;
    SigContext uc_mcontext;
    uint64_t uc_sigmask;
};
static_assert(sizeof(UContext) == 304);

struct RtSigframe {
    uint64_t pretcode;
    UContext uc;
    proc::SigInfo info;
};
static_assert(offsetof(RtSigframe, info) == 312);

constexpr uint64_t UC_SIGCONTEXT_SS = 0x2, UC_STRICT_RESTORE_SS = 0x4;
constexpr int SS_DISABLE = 2;
// The flags user code may change through sigreturn (Linux FIX_EFLAGS).
constexpr uint64_t fix_eflags = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;
constexpr uint64_t redzone = 128;

} // namespace

Result<void> build_signal_frame(arch::SyscallFrame& frame, int signo, const proc::SigInfo& info,
                                const proc::KSigaction& action, proc::SigSet saved_mask) {
    if (!(action.flags & proc::SA_RESTORER))
        return EFAULT; // x86_64 has no vDSO restorer to fall back on
    Task& task = current_task();
    uint64_t sp = frame.rsp - redzone;
    bool on_alt = task.altstack_size && frame.rsp - task.altstack_sp <= task.altstack_size;
    if ((action.flags & proc::SA_ONSTACK) && task.altstack_size && !on_alt)
        sp = task.altstack_sp + task.altstack_size; // no red zone on a fresh stack
    // FPU state: the registers hold this thread's user state (the kernel
    // never touches them), so fxsave takes it as the handler interrupted it.
    uint64_t fp = (sp - sizeof(arch::FpuState)) & ~63ull;
    arch::FpuState fpu;
    arch::fpu_save(fpu);
    uint64_t sf = ((fp - sizeof(RtSigframe)) & ~15ull) - 8;

    RtSigframe f{};
    f.pretcode = action.restorer;
    f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    // uc_stack: what sigaltstack would have said (sigreturn ignores it here).
    f.uc.uc_stack.ss_sp = task.altstack_sp;
    f.uc.uc_stack.ss_size = task.altstack_size;
    f.uc.uc_stack.ss_flags = task.altstack_size ? (on_alt ? 1 : 0) : SS_DISABLE;
    f.uc.uc_stack.ss_flags |= static_cast<int32_t>(task.altstack_flags);
    SigContext& c = f.uc.uc_mcontext;
    c.r8 = frame.r8, c.r9 = frame.r9, c.r10 = frame.r10, c.r11 = frame.r11;
    c.r12 = frame.r12, c.r13 = frame.r13, c.r14 = frame.r14, c.r15 = frame.r15;
    c.rdi = frame.rdi, c.rsi = frame.rsi, c.rbp = frame.rbp, c.rbx = frame.rbx;
    c.rdx = frame.rdx, c.rax = frame.rax, c.rcx = frame.rcx, c.rsp = frame.rsp;
    c.rip = frame.rip, c.eflags = frame.rflags;
    c.cs = static_cast<uint16_t>(frame.cs), c.ss = static_cast<uint16_t>(frame.ss);
    bool fault = signo == proc::SIGSEGV || signo == proc::SIGBUS || signo == proc::SIGILL ||
                 signo == proc::SIGFPE || signo == proc::SIGTRAP;
    if (fault && info.si_code > 0 && !frame.is_syscall()) {
        c.trapno = frame.vector;
        c.err = frame.vector == 14 ? frame.error_code : 0;
        c.cr2 = frame.vector == 14 ? info.f.fault.addr : 0;
    }
    c.oldmask = saved_mask.raw();
    c.fpstate = fp;
    f.uc.uc_sigmask = saved_mask.raw();
    f.info = info;

    TRY(copy_to_user(fp, &fpu, sizeof(fpu)));
    TRY(copy_to_user(sf, &f, sizeof(f)));

    frame.rdi = static_cast<uint64_t>(signo);
    frame.rsi = sf + offsetof(RtSigframe, info);
    frame.rdx = sf + offsetof(RtSigframe, uc);
    frame.rax = 0;
    frame.rsp = sf;
    frame.rip = action.handler;
    frame.rflags &= ~(0x100ull | 0x400ull | 0x40000ull); // TF, DF, AC: the ABI's clean state
    frame.cs = arch::user_code_selector;
    frame.ss = arch::user_data_selector;
    frame.forget_syscall();
    if ((action.flags & proc::SA_ONSTACK) && (task.altstack_flags & (1u << 31)) && !on_alt) {
        // SS_AUTODISARM: the handler owns the stack until sigreturn.
        task.altstack_sp = task.altstack_size = 0;
        task.altstack_flags = 0;
    }
    // A new handler starts with the default FPU control state (Linux fpu__clear_user_states).
    arch::FpuState fresh;
    arch::fpu_reset_state(fresh);
    arch::fpu_restore(fresh);
    return {};
}

Result<long> restore_signal_frame(arch::SyscallFrame& frame) {
    // The handler's `ret` popped pretcode.
    uint64_t sf = frame.rsp - 8;
    RtSigframe f;
    auto copied = copy_from_user(&f, sf, sizeof(f));
    if (copied.is_error()) {
        table().force_fault_signal(current_thread(), proc::SIGSEGV, proc::SI_KERNEL, 0);
        return static_cast<long>(frame.rax);
    }
    const SigContext& c = f.uc.uc_mcontext;
    if (c.fpstate) {
        arch::FpuState fpu;
        if (copy_from_user(&fpu, c.fpstate, sizeof(fpu)).is_error()) {
            table().force_fault_signal(current_thread(), proc::SIGSEGV, proc::SI_KERNEL, 0);
            return static_cast<long>(frame.rax);
        }
        // A reserved MXCSR bit would make fxrstor fault in the kernel.
        fpu.bytes[26] = fpu.bytes[27] = 0;
        arch::fpu_restore(fpu);
    }
    frame.r8 = c.r8, frame.r9 = c.r9, frame.r10 = c.r10, frame.r11 = c.r11;
    frame.r12 = c.r12, frame.r13 = c.r13, frame.r14 = c.r14, frame.r15 = c.r15;
    frame.rdi = c.rdi, frame.rsi = c.rsi, frame.rbp = c.rbp, frame.rbx = c.rbx;
    frame.rdx = c.rdx, frame.rax = c.rax, frame.rcx = c.rcx, frame.rsp = c.rsp;
    frame.rip = c.rip;
    frame.rflags = (frame.rflags & ~fix_eflags) | (c.eflags & fix_eflags);
    frame.cs = arch::user_code_selector;
    frame.ss = arch::user_data_selector;
    // Linux forces RPL 3 on the saved selectors; anything but the user
    // segments then makes the IRET fault, and so does a return address
    // outside user space: SIGSEGV either way.
    if ((c.cs | 3) != arch::user_code_selector || (c.ss | 3) != arch::user_data_selector ||
        c.rip >= arch::user_address_limit) {
        frame.rip = 0;
        table().force_fault_signal(current_thread(), proc::SIGSEGV, proc::SI_KERNEL, 0);
    }
    frame.forget_syscall(); // Linux sets orig_ax = -1: no restart of what it interrupted
    // Whatever sleep the handler interrupted is over: restart_syscall from
    // here on is EINTR (Linux resets restart_block.fn the same way).
    current_task().restart.fn = nullptr;
    table().set_signal_mask(current_thread(), proc::SigSet(f.uc.uc_sigmask));
    // SS_AUTODISARM: sigreturn restores the alternate stack from uc_stack.
    if (static_cast<uint32_t>(f.uc.uc_stack.ss_flags) & (1u << 31)) {
        Task& task = current_task();
        task.altstack_sp = f.uc.uc_stack.ss_sp;
        task.altstack_size = f.uc.uc_stack.ss_size;
        task.altstack_flags = 1u << 31;
    }
    return static_cast<long>(c.rax);
}

} // namespace charon::task
