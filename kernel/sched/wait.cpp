#include "sched/wait.h"

namespace charon::sched {

Result<void> sleep_on(Waiter& waiter, BlockMode mode, Deadline deadline) {
    return sleep_until([&] { return waiter.woken; }, mode, deadline);
}

Result<void> sleep_on_any(Waiter* const* waiters, size_t count, BlockMode mode, Deadline deadline) {
    return sleep_until(
        [&] {
            for (size_t i = 0; i < count; ++i) {
                if (waiters[i]->woken)
                    return true;
            }
            return false;
        },
        mode, deadline);
}

Result<void> sleep_if_unchanged(WaitQueue& queue, uint64_t generation, BlockMode mode, Deadline deadline) {
    Waiter waiter;
    waiter.sleeper = &current();
    {
        detail::InterruptsOff off;
        queue.add(waiter);
    }
    auto result = sleep_until([&] { return waiter.woken || queue.generation() != generation; }, mode, deadline);
    detail::InterruptsOff off;
    queue.remove(waiter);
    return result;
}

Result<void> sleep_for(uint64_t nanoseconds, BlockMode mode) {
    auto result = sleep_until([] { return false; }, mode, Deadline::after(nanoseconds));
    if (result.is_error() && result.error().code() == ETIMEDOUT)
        return {};
    return result;
}

} // namespace charon::sched
