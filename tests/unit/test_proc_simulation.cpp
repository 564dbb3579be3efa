// The randomized simulation under CTest: many seeds, 10,000 steps each.
// Reproduce a failing seed with: proc_sim --seed N --steps M --verbose
#include <gtest/gtest.h>

#include "proc_sim.h"

namespace charon::proc::sim {

class ProcSimulation : public ::testing::TestWithParam<uint64_t> { };

TEST_P(ProcSimulation, InvariantsHoldForTenThousandSteps) {
    SimConfig config;
    config.seed = GetParam();
    config.steps = 10000;
    SimResult r = run_simulation(config);
    EXPECT_TRUE(r.ok) << "seed " << config.seed << " step " << r.failed_step << ": " << r.failure
                      << "\nreproduce: proc_sim --seed " << config.seed << " --steps " << r.failed_step + 1
                      << " --verbose";
    // The run must have exercised the lifecycle, not idled.
    EXPECT_GT(r.forks, 100);
    EXPECT_GT(r.reaps, 50);
    EXPECT_GT(r.waits_reported, 50);
    EXPECT_GT(r.kills, 100);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ProcSimulation, ::testing::Range<uint64_t>(1, 21));

TEST(ProcSimulationDriver, SameSeedSameRun) {
    SimConfig config;
    config.seed = 77;
    config.steps = 2000;
    SimResult a = run_simulation(config);
    SimResult b = run_simulation(config);
    EXPECT_TRUE(a.ok) << a.failure;
    EXPECT_EQ(a.forks, b.forks);
    EXPECT_EQ(a.reaps, b.reaps);
    EXPECT_EQ(a.kills, b.kills);
    EXPECT_EQ(a.waits_reported, b.waits_reported);
}

} // namespace charon::proc::sim
