// What the compiler and the C++ runtime expect from a freestanding kernel:
// the mem* functions (GCC emits calls to them for struct copies and loops),
// global constructors, and the handful of ABI hooks.
#include <cstddef>
#include <cstdint>

#include "arch/x86_64/cpu.h"
#include "lib/spinlock.h"
#include "lib/verify.h"

extern "C" {

// rep movsb/stosb: fast on every CPU since Ivy Bridge (ERMSB) and fine under
// TCG; written in asm so the compiler cannot turn them back into calls.
void* memcpy(void* destination, const void* source, size_t length) {
    void* result = destination;
    asm volatile("rep movsb" : "+D"(destination), "+S"(source), "+c"(length)::"memory");
    return result;
}

void* memset(void* destination, int value, size_t length) {
    void* result = destination;
    asm volatile("rep stosb" : "+D"(destination), "+c"(length) : "a"(value) : "memory");
    return result;
}

void* memmove(void* destination, const void* source, size_t length) {
    auto d = reinterpret_cast<uintptr_t>(destination);
    auto s = reinterpret_cast<uintptr_t>(source);
    if (d <= s || d >= s + length)
        return memcpy(destination, source, length);
    // Overlap with destination above source: copy backwards.
    void* result = destination;
    auto* dst_end = static_cast<char*>(destination) + length - 1;
    auto* src_end = static_cast<const char*>(source) + length - 1;
    asm volatile("std; rep movsb; cld" : "+D"(dst_end), "+S"(src_end), "+c"(length)::"memory");
    return result;
}

int memcmp(const void* a, const void* b, size_t length) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < length; ++i) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

// The kernel never exits, so static destructors never run.
int atexit(void (*)()) { return 0; }
void* __dso_handle = nullptr;

void __cxa_pure_virtual() { charon::panic("pure virtual function called"); }

} // extern "C"

namespace charon {

uint64_t interrupts_save_and_disable() {
    uint64_t flags = arch::read_rflags();
    arch::cli();
    return flags & arch::rflags_interrupt_enable;
}

void interrupts_restore(uint64_t saved) {
    if (saved & arch::rflags_interrupt_enable)
        arch::sti();
}

namespace arch {

void halt_forever() {
    for (;;) {
        cli();
        hlt();
    }
}

} // namespace arch

} // namespace charon

extern "C" void (*__init_array_start[])();
extern "C" void (*__init_array_end[])();

namespace charon::arch {
void run_global_constructors() {
    for (auto* constructor = __init_array_start; constructor != __init_array_end; ++constructor)
        (*constructor)();
}
} // namespace charon::arch
