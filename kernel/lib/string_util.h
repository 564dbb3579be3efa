// Byte and C-string helpers for portable kernel code. Named so they never
// clash with libc in hosted builds (the kernel's own memcpy & co. live in
// kernel/arch and are what the compiler calls implicitly).
#pragma once

#include <stddef.h>

namespace charon {

size_t string_length(const char* s);
size_t string_length_bounded(const char* s, size_t max);
bool memory_equal(const void* a, const void* b, size_t length);
bool string_equal(const char* a, const char* b);
// <0, 0, >0 as strcmp (bytes compared as unsigned char).
int string_compare(const char* a, const char* b);
bool string_starts_with(const char* s, const char* prefix);
// Copies at most size - 1 characters and always terminates (if size > 0).
// Returns the length of src, like strlcpy, so truncation is detectable.
size_t string_copy(char* destination, const char* source, size_t size);

} // namespace charon
