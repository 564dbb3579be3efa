// getrandom(2). Charon has no entropy pool: bytes come from a xorshift128+
// generator seeded from the TSC at first use and stirred with the TSC on
// every call. Good enough for hash seeds, malloc canaries and temporary
// names; not for keys (docs/syscalls/getrandom.md).
#include "arch/x86_64/cpu.h"
#include "fs/io_buffer.h"
#include "sched/scheduler.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"

namespace charon {

namespace {

constexpr unsigned GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

uint64_t g_state[2];

uint64_t splitmix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t next_random() {
    uint64_t s1 = g_state[0];
    const uint64_t s0 = g_state[1];
    g_state[0] = s0;
    s1 ^= s1 << 23;
    g_state[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return g_state[1] + s0;
}

void stir() {
    uint64_t seed = arch::rdtsc() ^ g_state[0];
    g_state[0] ^= splitmix(seed);
    g_state[1] ^= splitmix(seed);
    if (!g_state[0] && !g_state[1])
        g_state[1] = 1;
}

} // namespace

CHARON_SYSCALL(318, getrandom, sys_getrandom);
static Result<long> sys_getrandom(SyscallArgs const& args) {
    uint64_t buffer = args.arg[0];
    uint64_t count = args.arg[1];
    auto flags = static_cast<unsigned>(args.arg[2]);
    if (args.arg[2] & ~uint64_t(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return EINVAL;
    if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
        return EINVAL;
    if (count > kMaxRwCount)
        count = kMaxRwCount;
    stir();
    // Never blocks: the generator is always "initialised".
    uint64_t done = 0;
    uint64_t words[32];
    while (done < count) {
        for (auto& word : words)
            word = next_random();
        size_t chunk = count - done < sizeof words ? count - done : sizeof words;
        auto copied = copy_to_user(buffer + done, words, chunk);
        if (copied.is_error()) {
            // Linux returns what it copied before the fault, EFAULT if nothing.
            if (done)
                return static_cast<long>(done);
            return copied.error();
        }
        done += chunk;
        if (done < count)
            sched::cond_resched(); // a large request must not hold the CPU
    }
    return static_cast<long>(done);
}

} // namespace charon
