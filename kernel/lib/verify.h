// Invariant checks. A failed VERIFY is a kernel bug: it stops the kernel (or,
// in hosted builds, aborts the test binary) with the file, line and condition.
#pragma once

namespace charon {

// Implemented once per environment: by the kernel (kernel/arch) and by the
// host test support library (tests/unit).
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace charon

#define VERIFY(cond)                                                                  \
    do {                                                                              \
        if (!(cond)) [[unlikely]]                                                     \
            ::charon::panic("VERIFY(%s) failed at %s:%d", #cond, __FILE__, __LINE__); \
    } while (0)

#define VERIFY_NOT_REACHED() ::charon::panic("unreachable code reached at %s:%d", __FILE__, __LINE__)
