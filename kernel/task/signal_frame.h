// Linux x86_64 signal frames (arch/x86/kernel/signal_64.c): the rt_sigframe a
// handler runs on, and rt_sigreturn's restore from it.
#pragma once

#include "lib/result.h"
#include "proc/abi.h"
#include "proc/sigset.h"

namespace charon::arch {
struct SyscallFrame;
}

namespace charon::task {

// Builds the frame on the user stack (the alternate stack is not supported
// yet) and points `frame` at the handler. `saved_mask` is the mask
// rt_sigreturn restores. EFAULT when the stack is not writable or there is
// no SA_RESTORER (the caller forces SIGSEGV, as Linux).
Result<void> build_signal_frame(arch::SyscallFrame& frame, int signo, const proc::SigInfo& info,
                                const proc::KSigaction& action, proc::SigSet saved_mask);

// rt_sigreturn: restores the registers, FPU state and mask saved by
// build_signal_frame. Returns the restored rax.
Result<long> restore_signal_frame(arch::SyscallFrame& frame);

} // namespace charon::task
