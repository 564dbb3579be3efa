#include "drivers/random.h"

#include "arch/x86_64/cpu.h"
#include "fs/device.h"
#include "fs/open_file.h"
#include "lib/chacha20.h"
#include "lib/spinlock.h"

namespace charon::drivers {

namespace {

Spinlock g_lock{"random", LockRank::Random};
uint32_t g_key[8];
uint64_t g_counter;

bool has_rdrand() { return arch::cpuid(1).ecx & (1u << 30); }

bool rdrand(uint64_t& value) {
    // Intel recommends ten retries before giving up on a transient underflow.
    for (int i = 0; i < 10; ++i) {
        unsigned char ok;
        asm volatile("rdrand %0; setc %1" : "=r"(value), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

// One keystream block from the current key (caller holds g_lock).
void next_block_locked(uint8_t out[kChaChaBlockSize]) {
    uint32_t nonce[3] = {static_cast<uint32_t>(g_counter >> 32), 0x63686172 /* "char" */, 0};
    chacha20_block(g_key, static_cast<uint32_t>(g_counter), nonce, out);
    ++g_counter;
}

// Fast key erasure: the next key is keystream nobody has seen.
void rekey_locked() {
    uint8_t block[kChaChaBlockSize];
    next_block_locked(block);
    __builtin_memcpy(g_key, block, sizeof g_key);
    __builtin_memset(block, 0, sizeof block);
}

class RandomDevice final : public CharDevice {
public:
    Result<size_t> read(OpenFile&, IoBuffer& buffer, size_t length, IoContext&) override {
        uint8_t chunk[256];
        auto done = transfer_in_chunks(length, sizeof chunk, [&](size_t offset, size_t n) {
            random_bytes(chunk, n);
            return buffer.copy_to(offset, chunk, n);
        });
        __builtin_memset(chunk, 0, sizeof chunk);
        return done;
    }
    // Writes are accepted and mixed in (Linux credits no entropy for them
    // either).
    Result<size_t> write(OpenFile&, const IoBuffer& buffer, size_t length, IoContext&) override {
        uint8_t chunk[256];
        return transfer_in_chunks(length, sizeof chunk, [&](size_t offset, size_t n) -> Result<void> {
            TRY(buffer.copy_from(offset, chunk, n));
            random_add_entropy(chunk, n);
            return {};
        });
    }
    // Linux's noop_llseek: the position stays what it is, no error.
    Result<int64_t> seek(OpenFile& file, int64_t, int) override { return static_cast<int64_t>(file.offset()); }
    bool is_positional() const override { return true; }
};

RandomDevice g_random_device;

} // namespace

void random_add_entropy(const void* bytes, size_t length) {
    const auto* in = static_cast<const uint8_t*>(bytes);
    SpinlockGuard guard(g_lock);
    while (length) {
        // Absorb up to 32 bytes into the key, then stir: key' = ChaCha(key ^ input).
        uint8_t* key = reinterpret_cast<uint8_t*>(g_key);
        size_t n = length < sizeof g_key ? length : sizeof g_key;
        for (size_t i = 0; i < n; ++i)
            key[i] ^= in[i];
        rekey_locked();
        in += n;
        length -= n;
    }
}

void random_bytes(void* out, size_t length) {
    auto* bytes = static_cast<uint8_t*>(out);
    uint64_t jitter = arch::rdtsc();
    SpinlockGuard guard(g_lock);
    g_key[7] ^= static_cast<uint32_t>(jitter);
    while (length) {
        uint8_t block[kChaChaBlockSize];
        next_block_locked(block);
        size_t n = length < sizeof block ? length : sizeof block;
        __builtin_memcpy(bytes, block, n);
        __builtin_memset(block, 0, sizeof block);
        bytes += n;
        length -= n;
    }
    rekey_locked();
}

Result<void> random_init() {
    uint64_t seed[16] = {};
    bool hardware = has_rdrand();
    for (int round = 0; round < 4; ++round) {
        for (auto& word : seed) {
            uint64_t value = 0;
            if (hardware && rdrand(value))
                word ^= value;
            // The TSC's low bits vary with everything that came before
            // (on real hardware and under TCG without -icount).
            word = (word << 7 | word >> 57) ^ arch::rdtsc();
        }
        random_add_entropy(seed, sizeof seed);
    }
    __builtin_memset(seed, 0, sizeof seed);
    TRY(register_char_device(kMemMajor, kRandomMinor, g_random_device));
    TRY(register_char_device(kMemMajor, kUrandomMinor, g_random_device));
    return {};
}

} // namespace charon::drivers
