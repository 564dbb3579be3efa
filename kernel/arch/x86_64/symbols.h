// Function names for addresses, from the table the two-pass link embeds in
// the image (.ksyms, made by tools/gen-ksyms.py), and frame-pointer
// backtraces that use it. Everything here is safe to call from a fault
// handler: no locks, no allocation, and memory reads go through probes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace charon::arch {

struct Symbol {
    const char* name = nullptr;
    uint64_t address = 0;
    uint64_t offset = 0; // of the looked-up address into the function
};

// False if the address is in no known function (or the table is empty).
bool symbolize(uint64_t address, Symbol& out);
size_t symbol_count();

// Walks the rbp chain. Stops at a null or implausible frame pointer.
// Returns the number of return addresses stored.
size_t capture_backtrace(uint64_t rbp, uint64_t* addresses, size_t max);

// Prints "  #n 0x... <name+0xoff>" lines to the console, unlocked. `rip` is
// frame #0: a faulting instruction, or (from panic) a return address.
void print_backtrace(uint64_t rip, uint64_t rbp, bool rip_is_return_address = false);
void print_address(uint64_t address);
void print_code_address(uint64_t address, bool is_return_address);

} // namespace charon::arch
