#include "symbols.h"

#include "arch/x86_64/serial.h"
#include "arch/x86_64/trap.h"

extern "C" const uint8_t __ksyms_start[];
extern "C" const uint8_t __ksyms_end[];
extern "C" const char __text_start[], __text_end[];

namespace charon::arch {

namespace {

struct [[gnu::packed]] SymbolEntry {
    uint64_t address;
    uint32_t size;
    uint32_t name_offset;
};

struct Table {
    const SymbolEntry* entries = nullptr;
    uint64_t count = 0;
    const char* names = nullptr;
};

Table table() {
    // Pass 1 of the link has an empty section.
    if (__ksyms_end - __ksyms_start < 8)
        return {};
    Table t;
    t.count = *reinterpret_cast<const uint64_t*>(__ksyms_start);
    t.entries = reinterpret_cast<const SymbolEntry*>(__ksyms_start + 8);
    t.names = reinterpret_cast<const char*>(t.entries + t.count);
    return t;
}

bool is_kernel_text_address(uint64_t address) { return address >= 0xffffffff80000000ull; }

} // namespace

size_t symbol_count() { return table().count; }

bool symbolize(uint64_t address, Symbol& out) {
    Table t = table();
    if (address < reinterpret_cast<uint64_t>(__text_start) || address >= reinterpret_cast<uint64_t>(__text_end))
        return false;
    if (t.count == 0 || address < t.entries[0].address)
        return false;
    // Last entry whose address is <= the looked-up one.
    uint64_t low = 0, high = t.count;
    while (high - low > 1) {
        uint64_t middle = (low + high) / 2;
        if (t.entries[middle].address <= address)
            low = middle;
        else
            high = middle;
    }
    const SymbolEntry& entry = t.entries[low];
    uint64_t offset = address - entry.address;
    // Symbols with a size must contain the address; assembly labels have
    // none, so for them accept anything up to the next symbol.
    if (entry.size && offset >= entry.size)
        return false;
    out = {t.names + entry.name_offset, entry.address, offset};
    return true;
}

size_t capture_backtrace(uint64_t rbp, uint64_t* addresses, size_t max) {
    size_t count = 0;
    while (rbp && count < max) {
        if (rbp & 7)
            break;
        uint64_t saved_rbp, return_address;
        if (!probe_read_u64(reinterpret_cast<const void*>(rbp), &saved_rbp) ||
            !probe_read_u64(reinterpret_cast<const void*>(rbp + 8), &return_address))
            break;
        if (!is_kernel_text_address(return_address))
            break;
        addresses[count++] = return_address;
        // Frames live higher up the stack than their callees'.
        if (saved_rbp <= rbp)
            break;
        rbp = saved_rbp;
    }
    return count;
}

void print_address(uint64_t address) { print_code_address(address, false); }

void print_code_address(uint64_t address, bool is_return_address) {
    // A return address points after the call, possibly past the end of the
    // caller (a call to a noreturn function): look up the call instead.
    uint64_t lookup = is_return_address ? address - 1 : address;
    Symbol symbol;
    if (symbolize(lookup, symbol))
        console_print_unlocked("0x%016lx <%s+%#lx>", address, symbol.name, symbol.offset + (address - lookup));
    else
        console_print_unlocked("0x%016lx <?>", address);
}

void print_backtrace(uint64_t rip, uint64_t rbp, bool rip_is_return_address) {
    console_print_unlocked("backtrace:\n  #0  ");
    print_code_address(rip, rip_is_return_address);
    console_print_unlocked("\n");
    uint64_t addresses[32];
    size_t count = capture_backtrace(rbp, addresses, 32);
    for (size_t i = 0; i < count; ++i) {
        // Runaway recursion: one line for the run, not a screenful.
        size_t repeats = 0;
        while (i + repeats + 1 < count && addresses[i + repeats + 1] == addresses[i])
            ++repeats;
        console_print_unlocked("  #%-2zu ", i + 1);
        print_code_address(addresses[i], true);
        if (repeats)
            console_print_unlocked("  (and %zu more identical frames)", repeats);
        console_print_unlocked("\n");
        i += repeats;
    }
}

} // namespace charon::arch
