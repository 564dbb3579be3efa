// Test fakes for the lifecycle core: a LifecycleHost that records every call
// (and checks the resource rules: each handle released exactly once, never
// free the address space a thread's CR3 still holds), plus a harness that
// plays the kernel's part (creating handles for fork, looping on
// get_signal, translating wait decisions into syscall return values).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "proc/lifecycle.h"

namespace charon::proc::test {

class FakeHost final : public LifecycleHost {
public:
    void signal_wake(Thread& thread, bool fatal) override {
        wakes.push_back({thread.tid(), fatal});
    }
    void nice_changed(Thread& thread, int nice) override { nices[thread.tid()] = nice; }
    void stop_timers(Process&, uint64_t timers) override { release(timers, "timers"); }
    void clear_child_tid(Thread& thread, uint64_t uaddr) override {
        // Must happen while the thread still runs on its address space.
        if (cr3[thread.tid()] == 0)
            errors.push_back("clear_child_tid after leaving the address space");
        cleared_tids.push_back({thread.tid(), uaddr});
        order.push_back("clear_child_tid");
    }
    void leave_address_space(Thread& thread, uint64_t address_space) override {
        if (cr3[thread.tid()] == address_space)
            cr3[thread.tid()] = 0; // kernel page tables
        order.push_back("leave_address_space");
    }
    void free_address_space(uint64_t address_space) override {
        for (auto& [tid, loaded] : cr3)
            if (loaded == address_space)
                errors.push_back("freed address space still in CR3 of tid " + std::to_string(tid));
        release(address_space, "address_space");
        order.push_back("free_address_space");
    }
    void release_tls(Thread&, uint64_t tls) override {
        release(tls, "tls");
        order.push_back("release_tls");
    }
    void free_file_table(uint64_t file_table) override {
        release(file_table, "file_table");
        order.push_back("free_file_table");
    }
    void release_kernel_stack(Thread& thread, uint64_t kernel_stack) override {
        release(kernel_stack, "kernel_stack");
        order.push_back("release_kernel_stack");
        cr3.erase(thread.tid());
    }
    void on_event(const ProcEvent& event) override {
        events.push_back(event);
        if (event.kind == ProcEvent::Kind::Exit)
            order.push_back("event:exit");
    }

    void release(uint64_t handle, const char* what) {
        if (handle == 0) {
            errors.push_back(std::string("release of null ") + what);
            return;
        }
        if (++released[handle] > 1)
            errors.push_back(std::string("double release of ") + what + " " + std::to_string(handle));
    }
    int release_count(uint64_t handle) const {
        auto it = released.find(handle);
        return it == released.end() ? 0 : it->second;
    }
    size_t count_events(ProcEvent::Kind kind) const {
        size_t n = 0;
        for (auto& e : events)
            n += e.kind == kind;
        return n;
    }
    const ProcEvent* last_event(ProcEvent::Kind kind) const {
        for (auto it = events.rbegin(); it != events.rend(); ++it)
            if (it->kind == kind)
                return &*it;
        return nullptr;
    }

    struct Wake {
        pid_t tid;
        bool fatal;
    };
    std::vector<Wake> wakes;
    std::vector<std::pair<pid_t, uint64_t>> cleared_tids;
    std::vector<std::string> order;
    std::vector<std::string> errors;
    std::vector<ProcEvent> events;
    std::map<uint64_t, int> released;
    std::map<pid_t, int> nices; // the last nice_changed per tid
    std::map<pid_t, uint64_t> cr3; // tid -> address space loaded (0 = kernel tables)
    uint64_t next_handle = 0x1000;
};

// Result of a wait in syscall terms.
struct WaitOutcome {
    long ret = 0; // pid, 0 (WNOHANG), -errno, or kSleep
    int status = 0;
    SigInfo info;
    RUsage rusage;
    static constexpr long kSleep = -100000;
};

class Harness {
public:
    explicit Harness(const ProcessTableConfig& config = {}) : table(host, config) {
        InitArgs args;
        args.kernel_stack = handle();
        args.address_space = handle();
        args.file_table = handle();
        auto r = table.create_init(args);
        VERIFY(!r.is_error());
        init = r.value();
        host.cr3[init->tid()] = args.address_space;
    }

    uint64_t handle() { return host.next_handle++; }

    static constexpr uint64_t kThreadFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD
        | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;

    Result<Thread*> try_clone(Thread& parent, uint64_t flags, CloneArgs* out_args = nullptr) {
        CloneArgs args;
        args.flags = flags;
        args.kernel_stack = handle();
        args.address_space = (flags & CLONE_VM) ? 0 : handle();
        args.file_table = (flags & CLONE_FILES) ? 0 : handle();
        args.tls = (flags & CLONE_SETTLS) ? handle() : 0;
        args.child_tid = (flags & CLONE_CHILD_CLEARTID) ? 0x7000 + host.next_handle : 0;
        args.nproc_limit = nproc_limit;
        if (out_args)
            *out_args = args;
        auto r = table.clone(parent, args);
        if (!r.is_error())
            host.cr3[r.value()->tid()] = r.value()->address_space();
        return r;
    }
    Thread* fork(Thread& parent, uint64_t flags = SIGCHLD) {
        auto r = try_clone(parent, flags);
        VERIFY(!r.is_error());
        return r.value();
    }
    Thread* spawn_thread(Thread& parent) { return fork(parent, kThreadFlags); }

    WaitOutcome outcome(const WaitDecision& d) {
        WaitOutcome o;
        switch (d.kind) {
        case WaitDecision::Kind::Reported:
            o.ret = d.report.pid;
            o.status = d.report.status;
            o.info = d.report.info;
            o.rusage = d.report.rusage;
            break;
        case WaitDecision::Kind::NothingYet:
            o.ret = 0;
            break;
        case WaitDecision::Kind::Sleep:
            o.ret = WaitOutcome::kSleep;
            break;
        case WaitDecision::Kind::Failed:
            o.ret = -static_cast<long>(d.error);
            break;
        }
        return o;
    }
    WaitOutcome wait4(Thread& caller, pid_t pid, int options) {
        auto request = ProcessTable::wait4_request(pid, options);
        if (request.is_error()) {
            WaitOutcome o;
            o.ret = -static_cast<long>(request.error().code());
            return o;
        }
        return outcome(table.wait(caller, request.value()));
    }
    WaitOutcome waitid(Thread& caller, int idtype, pid_t id, int options) {
        auto request = ProcessTable::waitid_request(idtype, id, options);
        if (request.is_error()) {
            WaitOutcome o;
            o.ret = -static_cast<long>(request.error().code());
            return o;
        }
        return outcome(table.wait(caller, request.value()));
    }

    // The kernel's return-to-user path for `thread`: take decisions until
    // there is nothing to do, a handler to run, a stop, or death (then exit
    // it, like the kernel would). Returns the last decision.
    SignalDecision return_to_user(Thread& thread) {
        SignalDecision d = table.get_signal(thread);
        if (d.kind == SignalDecision::Kind::Exit)
            table.exit_dying(thread);
        else if (d.kind == SignalDecision::Kind::Handler)
            table.signal_delivered(thread, d.signo, d.action);
        return d;
    }

    KSigaction handler_action(uint64_t flags = SA_RESTORER, uint64_t mask = 0) {
        KSigaction a;
        a.handler = 0x401000;
        a.flags = flags;
        a.restorer = 0x402000;
        a.mask = mask;
        return a;
    }
    void set_handler(Thread& t, int sig, uint64_t handler, uint64_t flags = 0) {
        KSigaction a;
        a.handler = handler;
        a.flags = flags;
        auto r = table.sigaction(t, sig, &a);
        VERIFY(!r.is_error());
    }

    FakeHost host;
    ProcessTable table;
    Thread* init = nullptr;
    uint64_t nproc_limit = ~uint64_t(0); // the RLIMIT_NPROC clones pass
};

} // namespace charon::proc::test
