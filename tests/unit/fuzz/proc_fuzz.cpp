// libFuzzer target over the lifecycle core's operation API: the fuzzer's
// input drives every decision of the randomized simulation (proc_sim.cpp:
// fork, clone, exit, exit_group, kill, tkill, sigqueue, sigaction, masks,
// setpgid/setsid, subreaper, wait, exec, credentials, stop/continue, faults),
// and the simulation checks its invariants after every step and that
// teardown gives back every handle. A broken invariant aborts, which
// libFuzzer reports as a crash with the input that caused it; ASan and
// UBSan catch memory errors on the way. Built and run by
// tools/suites/libfuzzer.sh (docs/robustness.md):
//     BUILD/libfuzzer/proc_fuzz -max_total_time=60 CORPUS_DIR
//     BUILD/libfuzzer/proc_fuzz crash-<hash>      replays one input
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "proc_sim.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    charon::proc::sim::SimConfig config;
    config.choices = data;
    config.choice_count = size;
    config.steps = 4000;
    config.pid_max = 32 + (size ? data[0] % 64 : 0);
    auto result = charon::proc::sim::run_simulation(config);
    if (!result.ok) {
        std::fprintf(stderr, "proc_fuzz: invariant broken at step %d: %s\n", result.failed_step,
                     result.failure.c_str());
        std::abort();
    }
    return 0;
}
