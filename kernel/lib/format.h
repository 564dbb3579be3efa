// printf-style formatting into a caller's buffer, the same in the kernel and
// in hosted tests. Supports the conversions the kernel uses:
//   %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '+' ' ' '#', width and
//   precision (also '*'), length modifiers hh h l ll z t j.
// No floating point (the kernel has no SSE). Unknown conversions are copied
// through verbatim so a bad format string is visible rather than fatal.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace charon {

// Writes at most `size - 1` characters and a terminating NUL (if size > 0).
// Returns the length the full output would have had, like vsnprintf.
size_t vformat(char* buffer, size_t size, const char* fmt, va_list args);
size_t format(char* buffer, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

// Called for each chunk of output; lets a console format without a buffer.
using FormatSink = void (*)(void* context, const char* chars, size_t length);
size_t vformat_to(FormatSink sink, void* context, const char* fmt, va_list args);

} // namespace charon
