#include "mm/fault_inject.h"

#include "lib/cmdline.h"
#include "lib/log.h"

namespace charon::mm {

namespace {

// Set once at boot, before any user thread exists; afterwards only the
// counters below change (no lock: each is one word, updated with __atomic
// operations; which CPU's allocation fails first does not matter).
uint64_t g_every; // 0: not configured
bool g_random;    // fault_seed given
uint8_t g_sites = static_cast<uint8_t>(FaultSite::Frame) | static_cast<uint8_t>(FaultSite::Heap);
bool (*g_armed_context)();

uint64_t g_candidates;
uint64_t g_rng;
uint64_t g_injected;

bool parse_number(StringView text, uint64_t& out) {
    if (text.length() == 0)
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < text.length(); ++i) {
        char c = text.chars()[i];
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    out = value;
    return true;
}

uint64_t next_random() {
    // splitmix64 over an atomic counter: reproducible for one seed and one
    // order of candidates.
    uint64_t x = __atomic_add_fetch(&g_rng, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

} // namespace

void fault_injection_init(const CommandLine& cmdline) {
    StringView value;
    if (!cmdline.find_value("fault_every", value))
        return;
    uint64_t every = 0;
    if (!parse_number(value, every) || every == 0) {
        log_warn("fault_every=%.*s: wants a number >= 1; fault injection off", static_cast<int>(value.length()),
                 value.chars());
        return;
    }
    uint64_t seed = 0;
    if (cmdline.find_value("fault_seed", value)) {
        if (!parse_number(value, seed)) {
            log_warn("fault_seed=%.*s: not a number; fault injection off", static_cast<int>(value.length()),
                     value.chars());
            return;
        }
        g_random = true;
        g_rng = seed;
    }
    if (cmdline.find_value("fault_sites", value)) {
        uint8_t sites = 0;
        size_t start = 0;
        for (size_t i = 0; i <= value.length(); ++i) {
            if (i < value.length() && value.chars()[i] != ',')
                continue;
            StringView word(value.chars() + start, i - start);
            if (word == "frame")
                sites |= static_cast<uint8_t>(FaultSite::Frame);
            else if (word == "heap")
                sites |= static_cast<uint8_t>(FaultSite::Heap);
            else
                log_warn("fault_sites: unknown site %.*s (frame, heap)", static_cast<int>(word.length()),
                         word.chars());
            start = i + 1;
        }
        if (sites)
            g_sites = sites;
    }
    g_every = every;
    log_info("fault injection: %s 1 in %lu %s%s allocations of processes that arm it (charon_fault)",
             g_random ? "randomly" : "every", every,
             (g_sites & static_cast<uint8_t>(FaultSite::Frame)) ? "frame " : "",
             (g_sites & static_cast<uint8_t>(FaultSite::Heap)) ? "heap" : "");
}

bool fault_injection_configured() { return g_every != 0; }

uint64_t fault_injection_count() { return __atomic_load_n(&g_injected, __ATOMIC_RELAXED); }

void set_fault_injection_filter(bool (*armed_context)()) { g_armed_context = armed_context; }

bool should_inject_fault(FaultSite site) {
    if (!g_every || !(g_sites & static_cast<uint8_t>(site)) || !g_armed_context || !g_armed_context())
        return false;
    bool fail;
    if (g_random)
        fail = next_random() % g_every == 0;
    else
        fail = __atomic_add_fetch(&g_candidates, 1, __ATOMIC_RELAXED) % g_every == 0;
    if (fail)
        __atomic_add_fetch(&g_injected, 1, __ATOMIC_RELAXED);
    return fail;
}

} // namespace charon::mm
