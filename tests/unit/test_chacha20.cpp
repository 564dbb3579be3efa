// The ChaCha20 block function behind the kernel's random generator, against
// RFC 8439's test vector (section 2.3.2).
#include <gtest/gtest.h>

#include <cstring>

#include "lib/chacha20.h"

using namespace charon;

TEST(ChaCha20, Rfc8439BlockVector) {
    uint32_t key[8];
    for (int i = 0; i < 8; ++i) {
        uint8_t b = static_cast<uint8_t>(4 * i);
        key[i] = uint32_t(b) | uint32_t(b + 1) << 8 | uint32_t(b + 2) << 16 | uint32_t(b + 3) << 24;
    }
    const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0x00000000};
    uint8_t out[kChaChaBlockSize];
    chacha20_block(key, 1, nonce, out);
    const uint8_t expected[kChaChaBlockSize] = {
        0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
        0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
        0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
        0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
    };
    for (size_t i = 0; i < kChaChaBlockSize; ++i)
        EXPECT_EQ(out[i], expected[i]) << "byte " << i;
}

TEST(ChaCha20, CounterChangesTheBlock) {
    uint32_t key[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const uint32_t nonce[3] = {0, 0, 0};
    uint8_t a[kChaChaBlockSize], b[kChaChaBlockSize];
    chacha20_block(key, 0, nonce, a);
    chacha20_block(key, 1, nonce, b);
    EXPECT_NE(0, std::memcmp(a, b, sizeof a));
}
