// kernel/lib/format: the kernel's printf, checked against the host's.
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>

#include "lib/format.h"

// These tests feed deliberately odd format strings (ignored flags, unknown
// conversions, a null %s) to compare edge-case behaviour.
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-overflow"

using charon::format;

namespace {

// Formats with both implementations and returns {ours, libc's}.
std::pair<std::string, std::string> both(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::pair<std::string, std::string> both(const char* fmt, ...) {
    char ours[256], theirs[256];
    va_list args, copy;
    va_start(args, fmt);
    va_copy(copy, args);
    size_t our_length = charon::vformat(ours, sizeof(ours), fmt, args);
    int their_length = std::vsnprintf(theirs, sizeof(theirs), fmt, copy);
    va_end(copy);
    va_end(args);
    EXPECT_EQ(our_length, static_cast<size_t>(their_length)) << fmt;
    return {ours, theirs};
}

#define EXPECT_LIKE_LIBC(...)                 \
    do {                                      \
        auto [ours, theirs] = both(__VA_ARGS__); \
        EXPECT_EQ(ours, theirs);              \
    } while (0)

} // namespace

TEST(Format, IntegersMatchLibc) {
    EXPECT_LIKE_LIBC("%d %i %u", 42, -42, 42u);
    EXPECT_LIKE_LIBC("%ld %lld %lu", INT64_MIN, static_cast<long long>(INT64_MAX), UINT64_MAX);
    EXPECT_LIKE_LIBC("%zu %zd", static_cast<size_t>(123456789), static_cast<ssize_t>(-5));
    EXPECT_LIKE_LIBC("%hhu %hd", 300, 70000);
    EXPECT_LIKE_LIBC("%x %X %#x %#X %o %#o", 0xbeefu, 0xbeefu, 0xbeefu, 0xbeefu, 8u, 8u);
    EXPECT_LIKE_LIBC("%#x %#o", 0u, 0u);
}

TEST(Format, WidthPrecisionFlagsMatchLibc) {
    EXPECT_LIKE_LIBC("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
    EXPECT_LIKE_LIBC("[%05d] [%-05d] [%.3d] [%8.3d] [%08.3d]", -42, -42, 7, 7, 7);
    EXPECT_LIKE_LIBC("[%.0d] [%.0x] [%5.0d]", 0, 0u, 0);
    EXPECT_LIKE_LIBC("[%#018lx] [%016lx]", 0xffffffff80100000ul, 0x1ul);
    EXPECT_LIKE_LIBC("[%*d] [%-*d] [%.*d]", 6, 1, 6, 1, 3, 1);
    EXPECT_LIKE_LIBC("[%*d]", -6, 1); // negative width means left-justify
}

TEST(Format, StringsAndCharsMatchLibc) {
    EXPECT_LIKE_LIBC("[%s] [%10s] [%-10s] [%.2s] [%.*s]", "abc", "abc", "abc", "abc", 1, "abc");
    EXPECT_LIKE_LIBC("[%c] [%3c] [%-3c] [%%]", 'x', 'y', 'z');
}

TEST(Format, PointerIsHexWithPrefix) {
    char buffer[64];
    format(buffer, sizeof(buffer), "%p", reinterpret_cast<void*>(0xffffc08000001000));
    EXPECT_STREQ(buffer, "0xffffc08000001000");
}

TEST(Format, NullStringIsMarked) {
    char buffer[32];
    format(buffer, sizeof(buffer), "[%s]", static_cast<const char*>(nullptr));
    EXPECT_STREQ(buffer, "[(null)]");
}

TEST(Format, TruncatesButReportsFullLength) {
    char buffer[8];
    size_t length = format(buffer, sizeof(buffer), "%s-%d", "abcdef", 12345);
    EXPECT_EQ(length, 12u);
    EXPECT_STREQ(buffer, "abcdef-");
    // Size 0: nothing written, length still computed.
    char untouched = 'u';
    EXPECT_EQ(format(&untouched, 0, "%d", 1234), 4u);
    EXPECT_EQ(untouched, 'u');
}

TEST(Format, UnknownConversionIsCopiedThrough) {
    char buffer[32];
    format(buffer, sizeof(buffer), "a%qb");
    EXPECT_STREQ(buffer, "a%qb");
    format(buffer, sizeof(buffer), "end%");
    EXPECT_STREQ(buffer, "end%");
}
