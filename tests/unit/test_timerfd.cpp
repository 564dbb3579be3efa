// Timerfds (kernel/fs/timerfd.cpp) on a fake clock: the expiration count,
// periodic overruns, settime's old value and discarded count, gettime, the
// 8-byte read (EINVAL, EAGAIN, waiter queued and woken), poll readiness, the
// deadline heaps with many timerfds, equal deadlines and files closed while
// armed, and every count back to zero.
#include <gtest/gtest.h>

#include <vector>

#include "fs/timerfd.h"

using namespace charon;
using namespace charon::timerfd;

namespace {

constexpr uint64_t ms = 1000000;
constexpr uint64_t kEpoch = 1700000000ull * 1000 * ms; // realtime at monotonic 0

uint64_t g_now; // monotonic = boottime
int g_armed_calls;

Clocks clocks_at(uint64_t t) { return Clocks{kEpoch + t, t, t}; }

class TimerfdTest : public ::testing::Test {
protected:
    void SetUp() override {
        g_now = 0;
        g_armed_calls = 0;
        set_host(Host{[] { return clocks_at(g_now); }, [] { g_armed_calls++; }});
        live_before = live_count();
    }
    void TearDown() override {
        EXPECT_EQ(live_count(), live_before);
        EXPECT_EQ(armed_count(), 0u);
    }
    RefPtr<OpenFile> make(int clock = kClockMonotonic, int flags = kNonblock) { return create(clock, flags).value(); }
    // read(2) of 8 bytes: the count, or -errno.
    int64_t read_count(OpenFile& f, size_t length = 8, Waiter* waiter = nullptr, IoContext* out = nullptr) {
        uint64_t buffer[2] = {~0ull, ~0ull};
        KernelIoBuffer io(buffer, sizeof(buffer));
        IoContext context;
        context.waiter = waiter;
        auto n = f.read(io, length, context);
        if (out)
            *out = context;
        else
            context.cancel_wait();
        if (n.is_error())
            return -static_cast<int64_t>(n.error().code());
        EXPECT_EQ(n.value(), 8u);
        return static_cast<int64_t>(buffer[0]);
    }
    uint64_t live_before = 0;
};

} // namespace

TEST_F(TimerfdTest, OneShotCountsOnceThenReadsEagain) {
    auto f = make();
    EXPECT_EQ(read_count(*f), -EAGAIN); // disarmed
    EXPECT_FALSE(settime(*f, false, Setting{20 * ms, 0}).is_error());
    EXPECT_EQ(g_armed_calls, 1);
    EXPECT_EQ(expire(clocks_at(5 * ms)), 15 * ms);
    EXPECT_EQ(read_count(*f), -EAGAIN);
    EXPECT_EQ(read_count(*f, 7), -EINVAL); // a short buffer, whatever is due
    EXPECT_EQ(expire(clocks_at(20 * ms)), ~0ull);
    EXPECT_EQ(read_count(*f, 4), -EINVAL);
    EXPECT_EQ(read_count(*f), 1);
    EXPECT_EQ(read_count(*f), -EAGAIN);
    EXPECT_EQ(gettime(*f).value().value, 0u);
}

TEST_F(TimerfdTest, PeriodicCountsOverrunsAndReadSeesWhatIsDueNow) {
    auto f = make();
    ASSERT_FALSE(settime(*f, false, Setting{10 * ms, 10 * ms}).is_error());
    EXPECT_EQ(expire(clocks_at(55 * ms)), 5 * ms); // 10..50: five
    EXPECT_EQ(read_count(*f), 5);
    // No expire() since: the read itself counts what is due at its time.
    g_now = 81 * ms;
    EXPECT_EQ(read_count(*f), 3); // 60, 70, 80
    Setting s = gettime(*f).value();
    EXPECT_EQ(s.value, 9 * ms);
    EXPECT_EQ(s.interval, 10 * ms);
    ASSERT_FALSE(settime(*f, false, Setting{}).is_error());
}

TEST_F(TimerfdTest, SettimeReturnsOldDiscardsCountAndKeepsInterval) {
    auto f = make(kClockRealtime);
    ASSERT_FALSE(settime(*f, false, Setting{30 * ms, 7 * ms}).is_error());
    g_now = 40 * ms;
    // Old: due 30, 37, next 44 ms: 4 ms left; the count (2) is dropped.
    Setting old = settime(*f, false, Setting{0, 5 * ms}).value();
    EXPECT_EQ(old.value, 4 * ms);
    EXPECT_EQ(old.interval, 7 * ms);
    EXPECT_EQ(read_count(*f), -EAGAIN);
    // Disarmed, and (as Linux) the new interval is still reported.
    Setting now = gettime(*f).value();
    EXPECT_EQ(now.value, 0u);
    EXPECT_EQ(now.interval, 5 * ms);
    EXPECT_EQ(expire(clocks_at(10000 * ms)), ~0ull);
}

TEST_F(TimerfdTest, AbsoluteTimesOnEachClock) {
    auto rt = make(kClockRealtime);
    auto mono = make(kClockMonotonic);
    auto boot = make(kClockBoottimeAlarm);
    g_now = 100 * ms;
    // Already past: one expiration at once.
    ASSERT_FALSE(settime(*rt, true, Setting{kEpoch + 50 * ms, 0}).is_error());
    EXPECT_EQ(read_count(*rt), 1);
    ASSERT_FALSE(settime(*mono, true, Setting{130 * ms, 0}).is_error());
    ASSERT_FALSE(settime(*boot, true, Setting{120 * ms, 0}).is_error());
    ASSERT_FALSE(settime(*rt, true, Setting{kEpoch + 110 * ms, 0}).is_error());
    EXPECT_EQ(gettime(*rt).value().value, 10 * ms);
    EXPECT_EQ(expire(clocks_at(100 * ms)), 10 * ms);
    EXPECT_EQ(expire(clocks_at(115 * ms)), 5 * ms);
    EXPECT_EQ(read_count(*rt), 1);
    EXPECT_EQ(read_count(*boot), -EAGAIN);
    EXPECT_EQ(expire(clocks_at(125 * ms)), 5 * ms);
    EXPECT_EQ(read_count(*boot), 1);
    EXPECT_EQ(expire(clocks_at(130 * ms)), ~0ull);
    EXPECT_EQ(read_count(*mono), 1);
}

TEST_F(TimerfdTest, BlockingReadQueuesAndExpiryWakes) {
    auto f = make(kClockMonotonic, 0);
    ASSERT_FALSE(settime(*f, false, Setting{10 * ms, 0}).is_error());
    Waiter waiter;
    IoContext context;
    EXPECT_EQ(read_count(*f, 8, &waiter, &context), -EAGAIN);
    ASSERT_NE(context.queued_on, nullptr);
    EXPECT_FALSE(waiter.woken);
    (void)expire(clocks_at(9 * ms));
    EXPECT_FALSE(waiter.woken);
    (void)expire(clocks_at(10 * ms));
    EXPECT_TRUE(waiter.woken);
    context.cancel_wait();
    EXPECT_EQ(read_count(*f, 8, &waiter), 1);
    // Nonblocking files never queue.
    auto nb = make();
    IoContext nbc;
    EXPECT_EQ(read_count(*nb, 8, &waiter, &nbc), -EAGAIN);
    EXPECT_EQ(nbc.queued_on, nullptr);
}

TEST_F(TimerfdTest, PollIsReadableWhileExpirationsAreUnread) {
    auto f = make();
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    uint32_t events = ~0u;
    ASSERT_TRUE(f->poll_events(context, events));
    EXPECT_EQ(events, 0u);
    context.cancel_wait();
    ASSERT_FALSE(settime(*f, false, Setting{ms, 0}).is_error());
    g_now = ms;
    IoContext c2;
    ASSERT_TRUE(f->poll_events(c2, events));
    EXPECT_EQ(events, POLLIN | POLLRDNORM);
    EXPECT_EQ(read_count(*f), 1);
    ASSERT_TRUE(f->poll_events(c2, events));
    EXPECT_EQ(events, 0u);
}

TEST_F(TimerfdTest, NotATimerfd) {
    // A timerfd's own settime/gettime reject other files: any OpenFile that
    // is not one. (The syscall maps this to EINVAL, a bad fd to EBADF.)
    auto f = make();
    EXPECT_EQ(clock_of(*f), kClockMonotonic);
    EXPECT_TRUE(valid_clock(kClockRealtimeAlarm));
    EXPECT_FALSE(valid_clock(11)); // TAI
    EXPECT_FALSE(valid_clock(2));  // a CPU clock
    EXPECT_FALSE(valid_clock(-1));
}

// Many timerfds over three clocks: each expire visits the due ones; equal
// deadlines all count; a file closed while armed leaves its heap.
TEST_F(TimerfdTest, ManyTimerfdsEqualDeadlinesAndCloseWhileArmed) {
    constexpr int N = 300;
    std::vector<RefPtr<OpenFile>> files;
    static constexpr int clocks[3] = {kClockRealtime, kClockMonotonic, kClockBoottime};
    for (int i = 0; i < N; ++i) {
        files.push_back(make(clocks[i % 3]));
        uint64_t at = static_cast<uint64_t>(i % 10 + 1) * 10 * ms; // ten groups of equal deadlines
        ASSERT_FALSE(settime(*files.back(), false, Setting{at, i % 10 == 0 ? 100 * ms : 0}).is_error());
    }
    EXPECT_EQ(armed_count(), static_cast<uint64_t>(N));
    for (int i = 1; i < N; i += 10)
        files[static_cast<size_t>(i)] = nullptr; // group 1 closed while armed
    EXPECT_EQ(armed_count(), static_cast<uint64_t>(N - N / 10));
    EXPECT_EQ(expire(clocks_at(10 * ms)), 20 * ms); // group 2 next
    for (int i = 0; i < N; ++i) {
        if (files[static_cast<size_t>(i)]) {
            EXPECT_EQ(read_count(*files[static_cast<size_t>(i)]), i % 10 == 0 ? 1 : -EAGAIN) << i;
        }
    }
    EXPECT_EQ(expire(clocks_at(205 * ms)), 5 * ms); // group 0 periodic: 110, 210
    for (int i = 0; i < N; ++i) {
        if (files[static_cast<size_t>(i)]) {
            EXPECT_EQ(read_count(*files[static_cast<size_t>(i)]), 1) << i; // 110 for group 0
        }
    }
    EXPECT_EQ(armed_count(), static_cast<uint64_t>(N / 10)); // the periodic ones
    files.clear();
}
