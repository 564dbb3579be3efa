// The system-call table: handlers register themselves by Linux x86_64 number,
// one family per file (kernel/syscall/<family>.cpp), with
//
//   CHARON_SYSCALL(39, getpid, sys_getpid);
//   static Result<long> sys_getpid(SyscallArgs const&) { ... }
//
// A handler returns its value, or an Error that the dispatcher turns into
// -errno in rax. Kernel-internal restart codes (ERESTARTSYS ...) are resolved
// by the signal-delivery path on the way out and never reach user space.
// Numbers nobody registered return -ENOSYS and are logged once each.
#pragma once

#include <cstdint>

#include "lib/result.h"

namespace charon::arch {
struct SyscallFrame; // the saved user registers (kernel/arch/x86_64)
}

namespace charon {

struct SyscallArgs {
    uint64_t number;
    uint64_t arg[6];              // rdi, rsi, rdx, r10, r8, r9
    arch::SyscallFrame* frame;    // for fork/clone/execve/rt_sigreturn only
};

using SyscallHandler = Result<long> (*)(SyscallArgs const&);

struct SyscallEntry {
    uint32_t number;
    const char* name;
    SyscallHandler handler;
};
static_assert(sizeof(SyscallEntry) == 24);

// Linux numbers end in the 460s; 511 and 512 are Charon's own (charon_stats,
// charon_fault). A multiple of 64 (the unknown-number log is a bitmap).
constexpr uint32_t syscall_table_size = 576;

// Dispatch by number (called by the arch entry path with interrupts on).
long dispatch_syscall(SyscallArgs const&);

// For /proc and logs: the registered name of a number, or nullptr.
const char* syscall_name(uint64_t number);

} // namespace charon

#define CHARON_SYSCALL_CONCAT2(a, b) a##b
#define CHARON_SYSCALL_CONCAT(a, b) CHARON_SYSCALL_CONCAT2(a, b)
// Places one SyscallEntry in the .syscall_table section; the dispatcher
// builds its array from that section at boot. The explicit alignment keeps
// the section a plain array: without it GCC aligns these 24-byte objects to
// 16, leaving holes the dispatcher would read as entries.
#define CHARON_SYSCALL(nr, name, handler)                                                     \
    static ::charon::Result<long> handler(::charon::SyscallArgs const&);                      \
    [[gnu::used, gnu::section(".syscall_table"), gnu::aligned(8)]] static const ::charon::SyscallEntry \
        CHARON_SYSCALL_CONCAT(syscall_entry_, __LINE__) = {nr, #name, handler}
