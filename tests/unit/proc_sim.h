// A deterministic randomized simulation of the lifecycle core: a seeded
// driver plays the kernel (scheduling threads, blocking and waking them) and
// user space (random fork, clone, exit, exit_group, kill, sigaction, masks,
// setpgid/setsid, subreaper, wait, exec, stop/continue), and checks the
// invariants after every step. Used by test_proc_simulation.cpp (many seeds
// under CTest) and by the proc_sim driver (tests/unit/sim/proc_sim_main.cpp):
//     proc_sim --seed N --steps M [--verbose]
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace charon::proc::sim {

struct SimConfig {
    uint64_t seed = 1;
    int steps = 10000;
    int pid_max = 48; // small, so that exhaustion and wrap-around happen
    bool verbose = false;
    // When set (the libFuzzer target, tests/unit/fuzz/proc_fuzz.cpp), every
    // random decision is read from these bytes instead of the seeded
    // generator, and the run ends when they are used up.
    const uint8_t* choices = nullptr;
    size_t choice_count = 0;
};

struct SimResult {
    bool ok = true;
    int failed_step = -1;
    std::string failure;
    // What happened, to check that the run exercised things.
    int forks = 0, threads = 0, exits = 0, reaps = 0, kills = 0, waits_reported = 0, stops = 0;
    int steps_run = 0;
};

SimResult run_simulation(const SimConfig& config);

} // namespace charon::proc::sim
