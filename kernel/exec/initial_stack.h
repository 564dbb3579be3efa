// The initial user stack of a new program image, byte for byte as Linux's
// execve builds it (fs/exec.c, fs/binfmt_elf.c create_elf_tables), so that
// musl's and glibc's start code find what they expect.
//
//   stack_top ->  8 zero bytes
//                 execfn string (AT_EXECFN points here)
//                 envp strings, envp[0] lowest
//                 argv strings, argv[0] lowest          <- arg_start
//                 (aligned down to 16)
//                 "x86_64\0"                            <- AT_PLATFORM
//                 16 random bytes                       <- AT_RANDOM
//                 (padding so that rsp is 16-aligned)
//                 auxv pairs ... AT_NULL, 0
//                 NULL
//                 envp[0..envc-1]
//                 NULL
//                 argv[0..argc-1]
//   rsp ->        argc
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/io_buffer.h"
#include "lib/kstring.h"
#include "lib/result.h"
#include "lib/string_view.h"
#include "lib/vector.h"

namespace charon {

// Auxiliary vector types (include/uapi/linux/auxvec.h, asm/auxvec.h).
enum AuxvType : uint64_t {
    AT_NULL = 0,
    AT_PHDR = 3,
    AT_PHENT = 4,
    AT_PHNUM = 5,
    AT_PAGESZ = 6,
    AT_BASE = 7,
    AT_FLAGS = 8,
    AT_ENTRY = 9,
    AT_UID = 11,
    AT_EUID = 12,
    AT_GID = 13,
    AT_EGID = 14,
    AT_PLATFORM = 15,
    AT_HWCAP = 16,
    AT_CLKTCK = 17,
    AT_SECURE = 23,
    AT_RANDOM = 25,
    AT_HWCAP2 = 26,
    AT_EXECFN = 31,
    AT_SYSINFO_EHDR = 33,
    AT_MINSIGSTKSZ = 51,
};

inline constexpr size_t MAX_ARG_STRLEN = 32 * 4096;       // one string, NUL included
inline constexpr size_t MAX_ARG_STRINGS = 0x7fffffff;     // argc or envc
inline constexpr size_t kArgMax = 32 * 4096;              // ARG_MAX: the smallest total allowed
inline constexpr uint64_t kDefaultStackLimit = 8 << 20;   // RLIMIT_STACK default (_STK_LIM)

struct AuxValues {
    uint64_t phdr = 0;
    uint64_t phent = 56;
    uint64_t phnum = 0;
    uint64_t page_size = 4096;
    uint64_t base = 0;   // interpreter base: none for static programs
    uint64_t flags = 0;
    uint64_t entry = 0;
    uint64_t uid = 0, euid = 0, gid = 0, egid = 0;
    uint64_t secure = 0;
    uint64_t hwcap = 0;  // CPUID.1:EDX on x86_64
    uint64_t hwcap2 = 0; // x86: bit 1 = FSGSBASE usable
    uint64_t clock_ticks = 100;
    // Linux x86 passes the signal frame size; 0 leaves the entry out.
    uint64_t min_signal_stack_size = 0;
};

struct StackSpec {
    uint64_t stack_top = 0; // 16-aligned; first byte above the stack
    const StringView* argv = nullptr;
    size_t argc = 0;
    const StringView* envp = nullptr;
    size_t envc = 0;
    StringView execfn;      // the path given to execve
    uint8_t random[16] = {};
    StringView platform = "x86_64";
    AuxValues aux;
    uint64_t stack_limit = kDefaultStackLimit; // RLIMIT_STACK soft limit
};

struct InitialStack {
    Vector<uint8_t> image; // the bytes of [rsp, stack_top)
    uint64_t rsp = 0;
    uint64_t argv_address = 0;
    uint64_t envp_address = 0;
    uint64_t auxv_address = 0;
    uint64_t arg_start = 0, arg_end = 0; // argv strings (for /proc/pid/cmdline)
    uint64_t env_start = 0, env_end = 0;
    uint64_t execfn_address = 0;
    uint64_t platform_address = 0;
    uint64_t random_address = 0;
};

// E2BIG as Linux: a string longer than MAX_ARG_STRLEN (with its NUL), more
// than MAX_ARG_STRINGS entries, or strings plus pointers beyond the
// argument space: max(ARG_MAX, min(6 MiB, stack_limit / 4)). With argc == 0
// Linux 5.18+ supplies argv = {""}; so does this.
Result<InitialStack> build_initial_stack(const StackSpec& spec);

// Bytes of argument space (strings plus pointers) Linux allows for a given
// RLIMIT_STACK: max(ARG_MAX, min(6 MiB, stack_limit / 4)).
uint64_t argument_space_limit(uint64_t stack_limit);

// execve's copy of argv or envp out of user memory: reads the NULL-ended
// pointer array at `address` (0 means empty, as Linux tolerates) and each
// string. E2BIG past MAX_ARG_STRINGS entries, a string over MAX_ARG_STRLEN,
// or when strings and pointers exceed `budget` (decremented; start it at
// argument_space_limit() and share it between argv and envp, so a huge
// array cannot make the kernel allocate without bound). EFAULT on bad memory.
Result<Vector<KString>> copy_string_array_from_user(UserMemory& memory, uint64_t address, uint64_t& budget);

} // namespace charon
