// The exception path: faults in listed instructions are fixed up, the
// symbol table is embedded and right, backtraces walk real frames. (That an
// unhandled fault prints a full report and stops is checked from outside by
// tools/suites/kernel.sh, which boots with crash=... .)
#include "arch/x86_64/symbols.h"
#include "arch/x86_64/trap.h"
#include "ktest.h"
#include "lib/string_util.h"

using namespace charon;
using namespace charon::arch;

KERNEL_TEST(exceptions_probe_fixup) {
    uint64_t before = fixed_up_fault_count();
    uint64_t value = 0;
    KEXPECT(!probe_read_u64(nullptr, &value));                                         // #PF
    KEXPECT(!probe_read_u64(reinterpret_cast<const void*>(0x8000000000000000), &value)); // #GP
    KEXPECT_EQ(fixed_up_fault_count(), before + 2);
    uint64_t readable = 0x5a5a;
    KEXPECT(probe_read_u64(&readable, &value));
    KEXPECT_EQ(value, 0x5a5au);
    KEXPECT_EQ(fixed_up_fault_count(), before + 2);
}

KERNEL_TEST(exceptions_symbol_table_names_functions) {
    KEXPECT_GT(symbol_count(), 50u);
    Symbol symbol;
    auto address = reinterpret_cast<uint64_t>(&probe_read_u64);
    KASSERT(symbolize(address + 1, symbol));
    KEXPECT_EQ(symbol.address, address);
    KEXPECT_EQ(symbol.offset, 1u);
    KEXPECT(string_starts_with(symbol.name, "charon::arch::probe_read_u64"));
    KEXPECT(!symbolize(0x1000, symbol));
}

namespace {
[[gnu::noinline]] size_t capture_from_here(uint64_t* addresses, size_t max) {
    size_t count = capture_backtrace(reinterpret_cast<uint64_t>(__builtin_frame_address(0)), addresses, max);
    asm volatile("" ::: "memory"); // not a tail call: keep this frame
    return count;
}
} // namespace

KERNEL_TEST(exceptions_backtrace_walks_frames) {
    uint64_t addresses[8];
    size_t count = capture_from_here(addresses, 8);
    KASSERT(count >= 2);
    // Frame 1 is the return into this test function.
    Symbol symbol;
    KASSERT(symbolize(addresses[0] - 1, symbol));
    KEXPECT(string_starts_with(symbol.name, "kernel_test_exceptions_backtrace_walks_frames"));
}
