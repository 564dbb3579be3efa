// proc_sim: run the lifecycle simulation for one seed (or a range) from the
// command line, so a failing CTest seed reproduces outside the test runner.
//     proc_sim --seed N [--steps M] [--seeds K] [--pid-max P] [--verbose]
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "proc_sim.h"

int main(int argc, char** argv) {
    charon::proc::sim::SimConfig config;
    uint64_t seeds = 1;
    for (int i = 1; i < argc; ++i) {
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", argv[i]);
                std::exit(2);
            }
            return argv[++i];
        };
        if (!std::strcmp(argv[i], "--seed"))
            config.seed = std::strtoull(next(), nullptr, 0);
        else if (!std::strcmp(argv[i], "--steps"))
            config.steps = std::atoi(next());
        else if (!std::strcmp(argv[i], "--seeds"))
            seeds = std::strtoull(next(), nullptr, 0);
        else if (!std::strcmp(argv[i], "--pid-max"))
            config.pid_max = std::atoi(next());
        else if (!std::strcmp(argv[i], "--verbose"))
            config.verbose = true;
        else {
            std::fprintf(stderr, "usage: %s --seed N [--steps M] [--seeds K] [--pid-max P] [--verbose]\n", argv[0]);
            return 2;
        }
    }
    int failures = 0;
    uint64_t first = config.seed;
    for (uint64_t s = first; s < first + seeds; ++s) {
        config.seed = s;
        auto r = charon::proc::sim::run_simulation(config);
        if (r.ok) {
            std::printf("seed %llu: ok (%d steps, %d forks, %d threads, %d exits, %d reaps, %d kills, %d reports, %d stops)\n",
                        static_cast<unsigned long long>(s), r.steps_run, r.forks, r.threads, r.exits, r.reaps, r.kills,
                        r.waits_reported, r.stops);
        } else {
            ++failures;
            std::printf("seed %llu: FAILED at step %d: %s\n", static_cast<unsigned long long>(s), r.failed_step,
                        r.failure.c_str());
        }
    }
    return failures ? 1 : 0;
}
