// The ChaCha20 block function (RFC 8439, section 2.3): 16 input words (the
// constants, a 256-bit key, a 32-bit block counter, a 96-bit nonce) to 64
// bytes of keystream. The kernel's random generator (drivers/random.*) is
// built on it, as Linux's is.
#pragma once

#include <cstddef>
#include <cstdint>

namespace charon {

inline constexpr size_t kChaChaBlockSize = 64;

// `key` is 8 words, `nonce` 3; the output is the serialized (little-endian)
// block.
void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                    uint8_t out[kChaChaBlockSize]);

} // namespace charon
