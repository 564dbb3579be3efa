// Return to user mode: ask the core for the next signal and act on it
// (docs/proc-api.md), and user CPU faults turned into the core's
// synchronous signals.
#include "arch/x86_64/memory_layout.h"
#include "arch/x86_64/user_entry.h"
#include "lib/log.h"
#include "mm/address_space.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "task/current.h"
#include "task/signal_frame.h"
#include "task/task.h"

namespace charon::task {

namespace {

// x86 exception vectors.
constexpr uint64_t vec_divide = 0, vec_debug = 1, vec_breakpoint = 3, vec_overflow = 4, vec_bound = 5,
                   vec_invalid_opcode = 6, vec_device = 7, vec_segment = 11, vec_stack = 12, vec_gp = 13,
                   vec_page_fault = 14, vec_x87 = 16, vec_alignment = 17, vec_simd = 19;

constexpr int ILL_ILLOPN = 2, FPE_INTDIV = 1, FPE_FLTINV = 7, TRAP_BRKPT = 1, BUS_ADRALN = 1, BUS_ADRERR = 2,
              SEGV_MAPERR = 1;

// The syscall was interrupted and a handler runs: Linux's restart rules.
void handler_restart(arch::SyscallFrame& frame, const proc::KSigaction& action) {
    if (!frame.is_syscall())
        return;
    auto value = static_cast<int64_t>(frame.rax);
    switch (value) {
    case -ERESTART_RESTARTBLOCK:
    case -ERESTARTNOHAND:
        frame.rax = static_cast<uint64_t>(-EINTR);
        break;
    case -ERESTARTSYS:
        if (!(action.flags & proc::SA_RESTART)) {
            frame.rax = static_cast<uint64_t>(-EINTR);
            break;
        }
        [[fallthrough]];
    case -ERESTARTNOINTR:
        frame.rax = frame.orig_rax();
        frame.rip -= 2;
        break;
    default:
        break;
    }
    frame.forget_syscall();
}

} // namespace

[[noreturn]] void finish_exit() {
    // The core has torn down everything but the sched::Thread, whose stack
    // we run on: the reaper frees it after this final switch.
    sched::exit_current();
}

void return_to_user(arch::SyscallFrame& frame) {
    sched::Thread& kthread = sched::current();
    proc::Thread* thread = kthread.proc_thread();
    if (!thread) {
        // A user thread the core never adopted (clone failed after the
        // thread was created): it must never reach user mode.
        if (kthread.is_user())
            sched::exit_current();
        return;
    }
    proc::ProcessTable& t = table();
    sync_accounting();
    while (t.signal_pending(*thread)) {
        proc::SignalDecision d = t.get_signal(*thread);
        switch (d.kind) {
        case proc::SignalDecision::Kind::None:
            goto out;
        case proc::SignalDecision::Kind::Exit:
            sync_accounting();
            exit_robust_futexes();
            t.exit_dying(*thread);
            finish_exit();
        case proc::SignalDecision::Kind::Stop:
            (void)sched::sleep_if_unchanged(*d.queue, d.generation, sched::BlockMode::Killable);
            continue;
        case proc::SignalDecision::Kind::Handler: {
            handler_restart(frame, d.action);
            Task& task = task_of(*thread);
            proc::SigSet saved = task.has_saved_mask ? proc::SigSet(task.saved_mask) : thread->blocked();
            auto built = build_signal_frame(frame, d.signo, d.info, d.action, saved);
            if (built.is_error()) {
                // Linux's signal_setup_done failure: force_sigsegv. When the
                // signal was SIGSEGV itself its handler goes (force_fatal_sig):
                // blocking it first makes force_fault_signal reset it, else a
                // SA_NODEFER SIGSEGV handler would be retried forever.
                if (d.signo == proc::SIGSEGV) {
                    proc::SigSet mask = thread->blocked();
                    mask.add(proc::SIGSEGV);
                    t.set_signal_mask(*thread, mask);
                }
                t.force_fault_signal(*thread, proc::SIGSEGV, proc::SI_KERNEL, 0);
                continue;
            }
            if (task.has_saved_mask) {
                // The suspend mask was in force for the delivery; the
                // handler runs with the original one plus its own.
                task.has_saved_mask = false;
                t.set_signal_mask(*thread, saved);
            }
            t.signal_delivered(*thread, d.signo, d.action);
            if (frame.rip >= user_space_end) {
                // A handler at a non-canonical address: on Linux the IRET
                // faults and the fault becomes the thread's SIGSEGV
                // (SI_KERNEL), with the handler's frame already pushed. The
                // handler's signal is blocked now, so a SIGSEGV handler that
                // is itself bad falls back to the default and kills.
                t.force_fault_signal(*thread, proc::SIGSEGV, proc::SI_KERNEL, 0);
                continue;
            }
            return;
        }
        }
    }
out:
    // rt_sigsuspend woke for a signal that needed no handler: back to the
    // original mask.
    if (task_of(*thread).has_saved_mask) {
        task_of(*thread).has_saved_mask = false;
        t.set_signal_mask(*thread, proc::SigSet(task_of(*thread).saved_mask));
    }
}

void user_fault(arch::SyscallFrame& frame, uint64_t address) {
    proc::Thread* thread = sched::current().proc_thread();
    if (!thread) {
        log_warn("user fault (vector %lu) in a thread without a process: ended", frame.vector);
        sched::exit_current();
    }
    int sig = proc::SIGSEGV, code = proc::SI_KERNEL;
    uint64_t addr = 0;
    switch (frame.vector) {
    case vec_page_fault: {
        unsigned access = arch::FaultUser;
        if (frame.error_code & 2)
            access |= arch::FaultWrite;
        if (frame.error_code & 16)
            access |= arch::FaultExecute;
        if (frame.error_code & 1)
            access |= arch::FaultPresent;
        code = mm::user_fault_signal_code(address, access);
        if (code == 0) {
            // The VMA allows it but it could not be filled (no memory, I/O).
            sig = proc::SIGBUS;
            code = BUS_ADRERR;
        }
        addr = address;
        break;
    }
    case vec_divide:
        sig = proc::SIGFPE, code = FPE_INTDIV, addr = frame.rip;
        break;
    case vec_x87:
    case vec_simd:
        sig = proc::SIGFPE, code = FPE_FLTINV, addr = frame.rip;
        break;
    case vec_invalid_opcode:
        sig = proc::SIGILL, code = ILL_ILLOPN, addr = frame.rip;
        break;
    case vec_debug:
    case vec_breakpoint:
        // int3 reports SI_KERNEL on x86_64 (do_int3_user), a debug trap TRAP_BRKPT.
        sig = proc::SIGTRAP, code = frame.vector == vec_debug ? TRAP_BRKPT : proc::SI_KERNEL;
        break;
    case vec_alignment:
        sig = proc::SIGBUS, code = BUS_ADRALN;
        break;
    case vec_overflow:
    case vec_bound:
    case vec_device:
    case vec_segment:
    case vec_stack:
    case vec_gp:
    default:
        sig = proc::SIGSEGV, code = proc::SI_KERNEL;
        break;
    }
    (void)SEGV_MAPERR;
    table().force_fault_signal(*thread, sig, code, addr);
    // The return-to-user path that follows delivers it (or exits).
    sched::request_return_work(sched::current());
}

} // namespace charon::task
