// The kernel's random generator, behind /dev/random, /dev/urandom and
// getrandom(2): ChaCha20 (lib/chacha20.h) keyed from RDRAND when the CPU has
// it, TSC readings and whatever the boot adds (random_add_entropy: the wall
// clock). After every request the key is replaced by fresh keystream (fast
// key erasure), so earlier output cannot be recomputed from a later state.
// Like Linux since 5.18, /dev/random and /dev/urandom are the same stream
// and never block once seeded (here: at boot, before any process runs).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"

namespace charon::drivers {

// Seeds the generator and registers /dev/random (1, 8) and /dev/urandom
// (1, 9). Once, at boot.
Result<void> random_init();
// Mixes `length` bytes into the key (the current key and the bytes are
// hashed together).
void random_add_entropy(const void* bytes, size_t length);
// Fills `out` with `length` random bytes.
void random_bytes(void* out, size_t length);

} // namespace charon::drivers
