#include "init/crash.h"

#include <cstdint>

#include "lib/log.h"
#include "lib/verify.h"

namespace charon {

namespace {

// noinline, so the report's backtrace shows these names.
// The address goes through a volatile so the compiler cannot see the null
// (it would delete the store as undefined behaviour).
[[gnu::noinline]] void crash_null_dereference() {
    volatile uintptr_t address = 0;
    *reinterpret_cast<volatile uint64_t*>(address) = 0xdead;
}

[[gnu::noinline]] void crash_invalid_opcode() { asm volatile("ud2"); }

[[gnu::noinline]] void crash_non_canonical_access() {
    volatile uintptr_t address = 0x8000000000000000ull;
    (void)*reinterpret_cast<volatile uint64_t*>(address);
}

// In asm: the compiler rewrites 1 / x as x == 1, which never traps.
[[gnu::noinline]] void crash_divide_by_zero() {
    uint64_t zero = 0, high = 0, low = 1;
    asm volatile("divq %2" : "+a"(low), "+d"(high) : "r"(zero));
}

[[gnu::noinline]] uint64_t crash_stack_overflow(uint64_t depth) {
    // Each frame touches its own 512 bytes, so the recursion really walks
    // the stack down into the guard page.
    volatile uint8_t frame[512];
    frame[0] = static_cast<uint8_t>(depth);
    // The depth check never ends the recursion in practice (the stack runs
    // out first); it keeps the compiler from calling this infinite.
    if (depth > (1ull << 40))
        return frame[0];
    return crash_stack_overflow(depth + 1) + frame[0];
}

[[gnu::noinline]] void crash_verify_failure() {
    volatile int answer = 41;
    VERIFY(answer == 42);
}

} // namespace

void crash_on_request(StringView kind) {
    log_info("crash: deliberately triggering '%.*s'", static_cast<int>(kind.length()), kind.chars());
    if (kind == "null")
        crash_null_dereference();
    else if (kind == "ud")
        crash_invalid_opcode();
    else if (kind == "gp")
        crash_non_canonical_access();
    else if (kind == "divide")
        crash_divide_by_zero();
    else if (kind == "stack")
        crash_stack_overflow(0);
    else if (kind == "verify")
        crash_verify_failure();
    else
        log_warn("crash: unknown kind (null, ud, gp, divide, stack, verify)");
}

} // namespace charon
