#include "task/tty_host.h"

#include "proc/lifecycle.h"
#include "sched/scheduler.h"
#include "task/task.h"
#include "time/clock.h"

namespace charon::task {

namespace {

class KernelTtyHost final : public TtyHost {
public:
    Result<void> check_change(TtyDevice& tty, int sig) override {
        proc::Thread* thread = sched::current().proc_thread();
        if (!thread)
            return {}; // kernel threads (self-tests) have no terminal
        return table().tty_check_change(*thread, tty.terminal(), sig);
    }

    void signal_foreground(TtyDevice& tty, int sig) override {
        table().signal_terminal_foreground(tty.terminal(), sig);
    }

    Result<void> open(TtyDevice& tty, bool make_controlling, bool current_tty) override {
        proc::Thread* thread = sched::current().proc_thread();
        if (!thread)
            return current_tty ? Result<void>(ENXIO) : Result<void>();
        if (current_tty)
            return table().is_controlling_tty(*thread, tty.terminal()) ? Result<void>() : Result<void>(ENXIO);
        if (make_controlling)
            table().open_controlling_tty(*thread, tty.terminal());
        return {};
    }

    uint64_t now_ns() override { return monotonic_ns(); }

    bool signal_pending() override {
        proc::Thread* thread = sched::current().proc_thread();
        return thread && table().signal_pending(*thread);
    }
};

KernelTtyHost g_host;

} // namespace

TtyHost& tty_host() { return g_host; }

} // namespace charon::task
