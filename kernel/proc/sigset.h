// A set of signals 1..64 (bit sig-1, the layout of the kernel sigset_t) and
// the classification tables Linux applies to signal numbers.
#pragma once

#include <cstdint>

#include "proc/abi.h"

namespace charon::proc {

constexpr bool valid_signal(int sig) { return sig >= 1 && sig <= NSIG; }

class SigSet {
public:
    constexpr SigSet() = default;
    constexpr explicit SigSet(uint64_t bits) : m_bits(bits) {}
    static constexpr SigSet of(int sig) { return SigSet(bit(sig)); }
    template <typename... Sigs>
    static constexpr SigSet of(int sig, Sigs... more) { return SigSet(bit(sig) | of(more...).raw()); }

    constexpr uint64_t raw() const { return m_bits; }
    constexpr bool is_empty() const { return m_bits == 0; }
    constexpr bool contains(int sig) const { return (m_bits & bit(sig)) != 0; }
    constexpr void add(int sig) { m_bits |= bit(sig); }
    constexpr void remove(int sig) { m_bits &= ~bit(sig); }
    constexpr SigSet operator|(SigSet o) const { return SigSet(m_bits | o.m_bits); }
    constexpr SigSet operator&(SigSet o) const { return SigSet(m_bits & o.m_bits); }
    constexpr SigSet operator~() const { return SigSet(~m_bits); }
    constexpr SigSet without(SigSet o) const { return SigSet(m_bits & ~o.m_bits); }
    constexpr bool operator==(const SigSet&) const = default;
    // Lowest-numbered member, 0 when empty.
    constexpr int first() const { return m_bits ? __builtin_ctzll(m_bits) + 1 : 0; }

private:
    static constexpr uint64_t bit(int sig) { return 1ull << (sig - 1); }
    uint64_t m_bits = 0;
};

// The classes of kernel/signal.c.
inline constexpr SigSet kStopSignals = SigSet::of(SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU);
inline constexpr SigSet kUncatchable = SigSet::of(SIGKILL, SIGSTOP);
inline constexpr SigSet kCoreDumpSignals =
    SigSet::of(SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS);
// Default action "ignore" (SIGCONT's default continue happens at generation).
inline constexpr SigSet kDefaultIgnore = SigSet::of(SIGCONT, SIGCHLD, SIGWINCH, SIGURG);
// Faults raised by the instruction stream: delivered before anything else.
inline constexpr SigSet kSynchronous = SigSet::of(SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS);

enum class DefaultAction { Terminate, CoreDump, Stop, Ignore };

constexpr DefaultAction default_action(int sig) {
    if (kStopSignals.contains(sig))
        return DefaultAction::Stop;
    if (kDefaultIgnore.contains(sig))
        return DefaultAction::Ignore;
    if (kCoreDumpSignals.contains(sig))
        return DefaultAction::CoreDump;
    return DefaultAction::Terminate; // includes every real-time signal
}

constexpr bool is_realtime(int sig) { return sig >= SIGRTMIN; }

} // namespace charon::proc
