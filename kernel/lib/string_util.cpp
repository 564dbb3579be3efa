#include "string_util.h"

namespace charon {

size_t string_length(const char* s) {
    size_t n = 0;
    while (s[n])
        ++n;
    return n;
}

size_t string_length_bounded(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n])
        ++n;
    return n;
}

bool memory_equal(const void* a, const void* b, size_t length) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < length; ++i) {
        if (x[i] != y[i])
            return false;
    }
    return true;
}

bool string_equal(const char* a, const char* b) {
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

int string_compare(const char* a, const char* b) {
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return static_cast<int>(static_cast<unsigned char>(*a)) - static_cast<int>(static_cast<unsigned char>(*b));
}

bool string_starts_with(const char* s, const char* prefix) {
    while (*prefix) {
        if (*s++ != *prefix++)
            return false;
    }
    return true;
}

size_t string_copy(char* destination, const char* source, size_t size) {
    size_t length = string_length(source);
    if (size) {
        size_t n = length < size - 1 ? length : size - 1;
        for (size_t i = 0; i < n; ++i)
            destination[i] = source[i];
        destination[n] = '\0';
    }
    return length;
}

} // namespace charon
