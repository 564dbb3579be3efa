// The syscall table and the C side of the syscall entry.
//
// Handlers register with CHARON_SYSCALL (syscall.h), which drops a
// SyscallEntry into the .syscall_table section; the first dispatch builds a
// direct-indexed array from the section (a duplicate number is a VERIFY
// failure at boot, not a silent override).
#include <cstddef>

#include "arch/x86_64/user_entry.h"
#include "lib/log.h"
#include "lib/verify.h"
#include "syscall/names.h"
#include "syscall/syscall.h"

extern "C" const charon::SyscallEntry __syscall_table_start[];
extern "C" const charon::SyscallEntry __syscall_table_end[];

namespace charon {

namespace {

const SyscallEntry* g_table[syscall_table_size];
bool g_table_built;
uint64_t g_logged_unknown[syscall_table_size / 64];
// Numbers past the table: remember a few, so a program looping on one
// cannot flood the log.
uint64_t g_logged_large[8];
size_t g_logged_large_count;

void build_table() {
    for (const SyscallEntry* entry = __syscall_table_start; entry < __syscall_table_end; ++entry) {
        VERIFY(entry->number < syscall_table_size);
        if (g_table[entry->number])
            panic("syscall %u registered twice (%s, %s)", entry->number, g_table[entry->number]->name, entry->name);
        g_table[entry->number] = entry;
    }
    g_table_built = true;
}

// Unknown numbers are logged once each (DEVELOPERS.md): ENOSYS is a normal
// answer (programs probe for newer calls), the log says what is missing.
void log_unknown(uint64_t number) {
    if (number < syscall_table_size) {
        uint64_t bit = 1ull << (number % 64);
        if (g_logged_unknown[number / 64] & bit)
            return;
        g_logged_unknown[number / 64] |= bit;
    } else {
        for (size_t i = 0; i < g_logged_large_count; ++i) {
            if (g_logged_large[i] == number)
                return;
        }
        if (g_logged_large_count == sizeof(g_logged_large) / sizeof(g_logged_large[0]))
            return;
        g_logged_large[g_logged_large_count++] = number;
    }
    const char* name = linux_syscall_name(number);
    log_warn("unimplemented syscall %lu (%s): ENOSYS", number, name ? name : "not a Linux x86_64 syscall");
}

} // namespace

long dispatch_syscall(SyscallArgs const& args) {
    if (!g_table_built)
        build_table();
    const SyscallEntry* entry = args.number < syscall_table_size ? g_table[args.number] : nullptr;
    if (!entry) {
        log_unknown(args.number);
        return -ENOSYS;
    }
    Result<long> result = entry->handler(args);
    if (result.is_error())
        return -static_cast<long>(result.error().code());
    return result.value();
}

const char* syscall_name(uint64_t number) {
    if (!g_table_built)
        build_table();
    if (number < syscall_table_size && g_table[number])
        return g_table[number]->name;
    return nullptr;
}

} // namespace charon

// From syscall_entry.S, on the thread's kernel stack with interrupts on.
extern "C" void handle_syscall(charon::arch::SyscallFrame* frame) {
    charon::SyscallArgs args{frame->orig_rax(), {frame->rdi, frame->rsi, frame->rdx, frame->r10, frame->r8, frame->r9},
                             frame};
    frame->rax = static_cast<uint64_t>(charon::dispatch_syscall(args));
}
