// Fault injection for robustness tests (docs/robustness.md): frame and heap
// allocations made to fail on purpose, so that every ENOMEM path runs.
//
// Chosen on the kernel command line, off unless asked for:
//   fault_every=N   fail every Nth candidate allocation (N >= 1)
//   fault_seed=S    instead, fail each candidate with probability 1/N,
//                   from a generator seeded with S (reproducible per seed)
//   fault_sites=frame | heap | frame,heap   which allocators (default both)
// and armed per process from user space with charon_fault (syscall 512;
// like Linux's /proc/self/make-it-fail, inherited by fork), so that boot,
// init and the test's own supervisor never see a failure. Candidates are
// the allocations made while a thread of an armed process is current (its
// syscalls, faults and signal delivery): kernel threads never fail.
#pragma once

#include <cstddef>
#include <cstdint>

namespace charon {
class CommandLine;
}

namespace charon::mm {

enum class FaultSite : uint8_t { Frame = 1, Heap = 2 };

// Reads the fault_* words. Boot calls it once, before anything is armed.
void fault_injection_init(const CommandLine&);
bool fault_injection_configured();
// Failures injected since boot.
uint64_t fault_injection_count();
// Whether the current context is armed: installed by the task layer (mm
// cannot see processes). Until then nothing is a candidate.
void set_fault_injection_filter(bool (*armed_context)());

// The hook: true if this allocation must fail. Cheap when not configured.
bool should_inject_fault(FaultSite);

} // namespace charon::mm
