#include "proc_sim.h"

#include <cstdarg>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <vector>

#include "proc_fake_host.h"

namespace charon::proc::sim {
namespace {

using test::FakeHost;

class Failure {
public:
    std::string message;
};

#define SIM_CHECK(cond, ...)                                              \
    do {                                                                  \
        if (!(cond)) {                                                    \
            char buffer_[512];                                            \
            std::snprintf(buffer_, sizeof buffer_, __VA_ARGS__);          \
            fail(std::string(#cond) + ": " + buffer_);                    \
            return;                                                       \
        }                                                                 \
    } while (0)

class Simulation {
public:
    explicit Simulation(const SimConfig& config)
        : m_config(config)
        , m_rng(config.seed)
        , m_table(m_host, ProcessTableConfig{.pid_max = config.pid_max, .pid_wrap_floor = 10, .sigpending_limit = 8}) { }

    SimResult run();

private:
    enum class Mode { Runnable, Waiting, Stopped, VforkWait, ExecWait };
    struct SimThread {
        Thread* thread = nullptr;
        Mode mode = Mode::Runnable;
        WaitRequest request;
        WaitQueue* queue = nullptr;
        uint64_t generation = 0;
        size_t wakes_at_sleep = 0;
    };
    struct Model {
        bool zombie = false;
        bool stop_reportable = false;
        bool continue_reportable = false;
    };

    static SimThread make_thread(Thread* t) {
        SimThread st;
        st.thread = t;
        return st;
    }
    uint32_t rand(uint32_t n) {
        if (!m_config.choices)
            return static_cast<uint32_t>(m_rng() % n);
        // Input-driven: two bytes per decision; past the end, the generator
        // finishes the step and the run stops.
        if (m_choice_pos + 2 > m_config.choice_count) {
            m_choices_used_up = true;
            return static_cast<uint32_t>(m_rng() % n);
        }
        uint32_t value = static_cast<uint32_t>(m_config.choices[m_choice_pos]) |
                         static_cast<uint32_t>(m_config.choices[m_choice_pos + 1]) << 8;
        m_choice_pos += 2;
        return value % n;
    }
    bool chance(uint32_t percent) { return rand(100) < percent; }
    uint64_t handle() {
        uint64_t h = m_host.next_handle++;
        m_expected.insert(h);
        return h;
    }
    void forget_handles(const CloneArgs& a) {
        for (uint64_t h : {a.kernel_stack, a.address_space, a.file_table, a.tls, a.timers})
            if (h)
                m_expected.erase(h);
    }
    void fail(const std::string& message) {
        if (m_result.ok) {
            m_result.ok = false;
            m_result.failure = message;
            m_result.failed_step = m_step;
        }
    }
    void log(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
        if (!m_config.verbose)
            return;
        va_list args;
        va_start(args, fmt);
        std::fprintf(stderr, "[%d] ", m_step);
        std::vfprintf(stderr, fmt, args);
        std::fputc('\n', stderr);
        va_end(args);
    }

    size_t wakes_of(pid_t tid) {
        size_t n = 0;
        for (auto& w : m_host.wakes)
            n += w.tid == tid;
        return n;
    }

    pid_t random_thread_id() {
        auto it = m_threads.begin();
        std::advance(it, rand(static_cast<uint32_t>(m_threads.size())));
        return it->first;
    }
    Process* random_process() {
        std::vector<Process*> all;
        m_table.for_each_process([](Process& p, void* c) { static_cast<std::vector<Process*>*>(c)->push_back(&p); }, &all);
        return all[rand(static_cast<uint32_t>(all.size()))];
    }
    pid_t random_target() {
        switch (rand(8)) {
        case 0: return 0;
        case 1: return -1;
        case 2: return -random_process()->pgid();
        case 3: return static_cast<pid_t>(rand(static_cast<uint32_t>(m_config.pid_max)) + 1);
        case 4: return random_thread_id();
        default: return random_process()->pid();
        }
    }
    int random_signal() {
        static const int common[] = {SIGKILL, SIGSTOP, SIGCONT, SIGTSTP, SIGTERM, SIGUSR1, SIGUSR2,
                                     SIGCHLD, SIGHUP, SIGQUIT, SIGTTIN, SIGRTMIN, SIGRTMIN + 5, 0};
        if (chance(85))
            return common[rand(sizeof common / sizeof common[0])];
        return static_cast<int>(rand(66)) - 1; // -1..64, invalid ones included
    }

    void process_events();
    void remove_thread(pid_t tid) { m_threads.erase(tid); }
    void drop_dead_threads();
    void return_to_user(SimThread& st);
    void poll(SimThread& st);
    void step();
    void do_fork(SimThread& st);
    void do_thread(SimThread& st);
    void do_wait(SimThread& st, bool may_block);
    void wait_with(SimThread& st, const WaitRequest& request);
    void do_exec(SimThread& st);
    void check_wait_report(Thread& caller, const WaitReport& report, int options);
    void check_invariants();
    void teardown();

    SimConfig m_config;
    std::mt19937_64 m_rng;
    size_t m_choice_pos = 0;
    bool m_choices_used_up = false;
    FakeHost m_host;
    ProcessTable m_table;
    std::map<pid_t, SimThread> m_threads;
    std::map<pid_t, Model> m_model;
    std::set<uint64_t> m_expected; // handles the core took over
    size_t m_event_cursor = 0;
    int m_step = 0;
    SimResult m_result;
    Thread* m_init = nullptr;
};

void Simulation::process_events() {
    for (; m_event_cursor < m_host.events.size(); ++m_event_cursor) {
        const ProcEvent& e = m_host.events[m_event_cursor];
        switch (e.kind) {
        case ProcEvent::Kind::Fork:
            if (e.tid == e.pid) {
                SIM_CHECK(!m_model.count(e.pid), "fork reuses unreaped pid %d", e.pid);
                m_model[e.pid] = Model();
                ++m_result.forks;
            } else {
                ++m_result.threads;
            }
            break;
        case ProcEvent::Kind::Exit:
            SIM_CHECK(m_model.count(e.pid) && !m_model[e.pid].zombie, "exit of unknown or dead pid %d", e.pid);
            m_model[e.pid] = Model{.zombie = true};
            ++m_result.exits;
            break;
        case ProcEvent::Kind::Reap:
            // No zombie is reaped twice, nothing alive is reaped.
            SIM_CHECK(m_model.count(e.pid) && m_model[e.pid].zombie, "reap of pid %d that is not a zombie", e.pid);
            m_model.erase(e.pid);
            ++m_result.reaps;
            break;
        case ProcEvent::Kind::Stop:
            SIM_CHECK(m_model.count(e.pid), "stop of unknown pid %d", e.pid);
            m_model[e.pid].stop_reportable = true;
            m_model[e.pid].continue_reportable = false;
            ++m_result.stops;
            break;
        case ProcEvent::Kind::Continue:
            SIM_CHECK(m_model.count(e.pid), "continue of unknown pid %d", e.pid);
            m_model[e.pid].stop_reportable = false;
            m_model[e.pid].continue_reportable = true;
            break;
        case ProcEvent::Kind::Kill:
            ++m_result.kills;
            break;
        default:
            break;
        }
    }
}

// The kernel's return-to-user path: deliver signals until none is left,
// the thread stops, or it dies.
void Simulation::return_to_user(SimThread& st) {
    for (int guard = 0; guard < 200; ++guard) {
        Thread& t = *st.thread;
        SignalDecision d = m_table.get_signal(t);
        switch (d.kind) {
        case SignalDecision::Kind::None:
            return;
        case SignalDecision::Kind::Handler: {
            SIM_CHECK(d.action.handler > SIG_IGN, "handler decision without a handler (sig %d)", d.signo);
            SigSet saved = t.blocked();
            m_table.signal_delivered(t, d.signo, d.action);
            SIM_CHECK(d.action.flags & SA_NODEFER || t.blocked().contains(d.signo) || d.signo == SIGKILL,
                      "signal %d not blocked in its handler", d.signo);
            m_table.set_signal_mask(t, saved); // the handler returns: sigreturn
            continue;
        }
        case SignalDecision::Kind::Stop:
            st.mode = Mode::Stopped;
            st.queue = d.queue;
            st.generation = d.generation;
            st.wakes_at_sleep = wakes_of(t.tid());
            return;
        case SignalDecision::Kind::Exit: {
            pid_t tid = t.tid();
            log("tid %d dies (signal %d)", tid, d.signo);
            m_table.exit_dying(t);
            remove_thread(tid);
            return;
        }
        }
    }
    fail("get_signal did not settle");
}

// A blocked thread runs again: as if woken (or spuriously), it asks the
// core again. A decision that changed although nothing woke the thread
// would be a lost wake-up in the real kernel.
void Simulation::poll(SimThread& st) {
    Thread& t = *st.thread;
    pid_t tid = t.tid();
    bool woken = st.queue && st.queue->generation() != st.generation;
    switch (st.mode) {
    case Mode::Runnable:
        return;
    case Mode::Stopped: {
        SignalDecision d = m_table.get_signal(t);
        if (d.kind == SignalDecision::Kind::Stop) {
            st.queue = d.queue;
            st.generation = d.generation;
            return;
        }
        SIM_CHECK(woken, "stopped tid %d resumed without a wake-up", tid);
        st.mode = Mode::Runnable;
        if (d.kind == SignalDecision::Kind::Exit) {
            m_table.exit_dying(t);
            remove_thread(tid);
        } else if (d.kind == SignalDecision::Kind::Handler) {
            SigSet saved = t.blocked();
            m_table.signal_delivered(t, d.signo, d.action);
            m_table.set_signal_mask(t, saved);
        }
        return;
    }
    case Mode::Waiting: {
        if (m_table.signal_pending(t)) {
            st.mode = Mode::Runnable; // EINTR (or restart after the handler)
            return;
        }
        WaitDecision d = m_table.wait(t, st.request);
        if (d.kind == WaitDecision::Kind::Sleep) {
            st.queue = d.queue;
            st.generation = d.generation;
            return;
        }
        if (d.kind == WaitDecision::Kind::Reported) {
            bool checkable = !(st.request.options & __WNOTHREAD) && st.request.idtype != P_PGID;
            SIM_CHECK(!checkable || woken, "wait of tid %d found pid %d without a wake-up", tid, d.report.pid);
            check_wait_report(t, d.report, st.request.options);
            ++m_result.waits_reported;
        }
        st.mode = Mode::Runnable;
        return;
    }
    case Mode::VforkWait: {
        SleepDecision d = m_table.vfork_wait(t);
        if (!d.done) {
            st.queue = d.queue;
            st.generation = d.generation;
            st.wakes_at_sleep = wakes_of(tid);
            return;
        }
        SIM_CHECK(woken || wakes_of(tid) > st.wakes_at_sleep, "vfork parent %d released without a wake-up", tid);
        st.mode = Mode::Runnable;
        return;
    }
    case Mode::ExecWait: {
        if (m_table.signal_pending(t) && t.kill_pending()) {
            st.mode = Mode::Runnable; // killable sleep
            return;
        }
        auto r = m_table.exec_prepare(t);
        if (r.is_error()) {
            st.mode = Mode::Runnable;
            return;
        }
        if (!r.value().done) {
            st.queue = r.value().queue;
            st.generation = r.value().generation;
            return;
        }
        SIM_CHECK(woken, "exec of tid %d resumed without a wake-up", tid);
        uint64_t mm = handle();
        m_host.cr3[t.tid()] = mm;
        pid_t old_tid = t.tid();
        if (m_table.exec_commit(t, mm).is_error()) {
            m_expected.erase(mm);
        } else if (t.tid() != old_tid) {
            SimThread moved = st;
            moved.mode = Mode::Runnable;
            m_host.cr3[t.tid()] = mm;
            m_host.cr3.erase(old_tid);
            m_threads.erase(old_tid);
            m_threads[t.tid()] = moved;
            return;
        }
        st.mode = Mode::Runnable;
        return;
    }
    }
}

void Simulation::check_wait_report(Thread& caller, const WaitReport& report, int options) {
    SIM_CHECK(m_model.count(report.pid) || !(options & WNOWAIT), "report of unknown pid %d", report.pid);
    int code = report.info.si_code;
    if (code == CLD_EXITED || code == CLD_KILLED || code == CLD_DUMPED) {
        // The model saw it die; a consuming wait has reaped it (Reap event).
        process_events();
        if (options & WNOWAIT) {
            SIM_CHECK(m_model[report.pid].zombie, "WNOWAIT exit report for live pid %d", report.pid);
        } else {
            SIM_CHECK(!m_model.count(report.pid), "reported pid %d not reaped", report.pid);
            SIM_CHECK(!m_table.find_process(report.pid) || m_table.find_process(report.pid)->parent()
                          != &caller.process() || true,
                      "unreachable");
        }
        int expect_word = code == CLD_EXITED ? report.info.f.chld.status << 8
                                             : report.info.f.chld.status | (code == CLD_DUMPED ? 0x80 : 0);
        SIM_CHECK(report.status == expect_word, "status word %#x vs siginfo %d/%d", report.status, code,
                  report.info.f.chld.status);
    } else if (code == CLD_STOPPED) {
        SIM_CHECK(m_model[report.pid].stop_reportable, "stop of pid %d reported twice or never happened", report.pid);
        if (!(options & WNOWAIT))
            m_model[report.pid].stop_reportable = false;
        SIM_CHECK((report.status & 0xff) == 0x7f, "stopped status %#x", report.status);
    } else if (code == CLD_CONTINUED) {
        SIM_CHECK(m_model[report.pid].continue_reportable, "continue of pid %d reported twice", report.pid);
        if (!(options & WNOWAIT))
            m_model[report.pid].continue_reportable = false;
        SIM_CHECK(report.status == 0xffff, "continued status %#x", report.status);
    } else {
        fail("unknown si_code in wait report");
    }
}

void Simulation::do_fork(SimThread& st) {
    Thread& parent = *st.thread;
    CloneArgs args;
    static const uint64_t kinds[] = {SIGCHLD, SIGCHLD, SIGCHLD, SIGCHLD | CLONE_VM | CLONE_VFORK, 0, SIGUSR1,
                                     SIGCHLD | CLONE_PARENT, SIGCHLD | CLONE_VM | CLONE_SIGHAND,
                                     SIGCHLD | CLONE_FILES | CLONE_CHILD_CLEARTID};
    args.flags = kinds[rand(sizeof kinds / sizeof kinds[0])];
    args.kernel_stack = handle();
    args.address_space = (args.flags & CLONE_VM) ? 0 : handle();
    args.file_table = (args.flags & CLONE_FILES) ? 0 : handle();
    args.timers = chance(20) ? handle() : 0;
    args.child_tid = (args.flags & CLONE_CHILD_CLEARTID) ? 0x7ff0 : 0;
    if (chance(20))
        args.nproc_limit = 1 + rand(8);
    auto r = m_table.clone(parent, args);
    if (r.is_error()) {
        forget_handles(args);
        SIM_CHECK(r.error().code() == EAGAIN || r.error().code() == EINVAL || r.error().code() == ERESTARTNOINTR,
                  "clone failed with %d", r.error().code());
        return;
    }
    Thread* child = r.value();
    m_host.cr3[child->tid()] = child->address_space();
    m_threads[child->tid()] = make_thread(child);
    log("tid %d forks pid %d (flags %#llx)", parent.tid(), child->tid(), static_cast<unsigned long long>(args.flags));
    if (args.flags & CLONE_VFORK) {
        SleepDecision d = m_table.vfork_wait(parent);
        if (!d.done) {
            st.mode = Mode::VforkWait;
            st.queue = d.queue;
            st.generation = d.generation;
            st.wakes_at_sleep = wakes_of(parent.tid());
        }
    }
}

void Simulation::do_thread(SimThread& st) {
    Thread& parent = *st.thread;
    CloneArgs args;
    args.flags = test::Harness::kThreadFlags;
    args.kernel_stack = handle();
    args.tls = handle();
    args.child_tid = 0x7ff8;
    if (chance(20))
        args.nproc_limit = 1 + rand(8);
    auto r = m_table.clone(parent, args);
    if (r.is_error()) {
        forget_handles(args);
        SIM_CHECK(r.error().code() == EAGAIN || r.error().code() == EINVAL || r.error().code() == ERESTARTNOINTR,
                  "thread clone failed with %d", r.error().code());
        return;
    }
    m_host.cr3[r.value()->tid()] = r.value()->address_space();
    m_threads[r.value()->tid()] = make_thread(r.value());
    log("tid %d clones thread %d", parent.tid(), r.value()->tid());
}

void Simulation::do_wait(SimThread& st, bool may_block) {
    int extra = (chance(30) ? __WALL : 0) | (chance(10) ? __WCLONE : 0) | (chance(10) ? __WNOTHREAD : 0);
    if (!may_block || chance(60))
        extra |= WNOHANG;
    if (chance(50)) {
        pid_t pid = chance(50) ? -1 : chance(30) ? 0 : chance(50) ? random_target() : -random_process()->pgid();
        int options = extra | (chance(40) ? WUNTRACED : 0) | (chance(30) ? WCONTINUED : 0);
        auto request = ProcessTable::wait4_request(pid, options);
        if (!request.is_error())
            wait_with(st, request.value());
    } else {
        int idtype = static_cast<int>(rand(3));
        pid_t id = idtype == P_PID ? random_process()->pid() : idtype == P_PGID ? (chance(50) ? 0 : random_process()->pgid()) : 0;
        int options = extra | (chance(80) ? WEXITED : 0) | (chance(40) ? WSTOPPED : 0) | (chance(30) ? WCONTINUED : 0)
            | (chance(20) ? WNOWAIT : 0);
        auto request = ProcessTable::waitid_request(idtype, id, options);
        if (!request.is_error())
            wait_with(st, request.value());
    }
}

void Simulation::wait_with(SimThread& st, const WaitRequest& request) {
    Thread& t = *st.thread;
    WaitDecision d = m_table.wait(t, request);
    switch (d.kind) {
    case WaitDecision::Kind::Reported:
        check_wait_report(t, d.report, request.options);
        ++m_result.waits_reported;
        break;
    case WaitDecision::Kind::Sleep:
        SIM_CHECK(!(request.options & WNOHANG), "sleep decision with WNOHANG");
        st.mode = Mode::Waiting;
        st.request = request;
        st.queue = d.queue;
        st.generation = d.generation;
        break;
    case WaitDecision::Kind::NothingYet:
        SIM_CHECK(request.options & WNOHANG, "0 without WNOHANG");
        break;
    case WaitDecision::Kind::Failed:
        SIM_CHECK(d.error == ECHILD, "wait failed with %d", d.error);
        break;
    }
}

void Simulation::do_exec(SimThread& st) {
    Thread& t = *st.thread;
    if (&t.process() == &m_init->process())
        return;
    auto r = m_table.exec_prepare(t);
    log("tid %d execve: %s", t.tid(), r.is_error() ? "EAGAIN" : r.value().done ? "ready" : "waits");
    if (r.is_error())
        return;
    st.mode = Mode::ExecWait;
    st.queue = nullptr;
    if (!r.value().done) {
        st.queue = r.value().queue;
        st.generation = r.value().generation;
        return;
    }
    // Ready at once: commit now (poll would demand a wake-up).
    uint64_t mm = handle();
    pid_t old_tid = t.tid();
    m_host.cr3[old_tid] = mm;
    st.mode = Mode::Runnable;
    if (m_table.exec_commit(t, mm).is_error()) {
        m_expected.erase(mm);
        return;
    }
    if (t.tid() != old_tid) {
        SimThread moved = st;
        m_host.cr3[t.tid()] = mm;
        m_host.cr3.erase(old_tid);
        m_threads.erase(old_tid);
        m_threads[t.tid()] = moved;
    }
}

void Simulation::step() {
    pid_t tid = random_thread_id();
    SimThread* st = &m_threads[tid];
    if (st->mode != Mode::Runnable) {
        // Liveness: a job-control shell outside the simulation continues
        // stopped processes now and then (else everything ends up stopped).
        if (st->mode == Mode::Stopped && chance(20))
            (void)m_table.send_kernel_signal(st->thread->process(), SIGCONT);
        poll(*st);
        return;
    }
    return_to_user(*st);
    if (!m_threads.count(tid) || st->mode != Mode::Runnable)
        return;
    Thread& t = *st->thread;
    bool is_init = &t.process() == &m_init->process();
    uint32_t op = rand(100);
    if (op < 14) {
        do_fork(*st);
    } else if (op < 19) {
        if (!is_init)
            do_thread(*st);
    } else if (op < 25) {
        if (is_init)
            return;
        log("tid %d exits", tid);
        m_table.exit(t, static_cast<int>(rand(300)));
        remove_thread(tid);
    } else if (op < 29) {
        if (is_init)
            return;
        log("tid %d exit_group", tid);
        m_table.exit_group(t, static_cast<int>(rand(256)));
        remove_thread(tid);
    } else if (op < 45) {
        pid_t target = random_target();
        int sig = random_signal();
        auto r = m_table.kill(t, target, sig);
        log("tid %d kill(%d, %d) = %d", tid, target, sig, r.is_error() ? -r.error().code() : 0);
        if (r.is_error())
            SIM_CHECK(r.error().code() == ESRCH || r.error().code() == EPERM || r.error().code() == EINVAL,
                      "kill error %d", r.error().code());
    } else if (op < 49) {
        pid_t target = random_thread_id();
        auto r = chance(50) ? m_table.tkill(t, target, random_signal())
                            : m_table.tgkill(t, m_threads[target].thread->process().pid(), target, random_signal());
        (void)r;
    } else if (op < 53) {
        SigInfo info;
        info.si_code = SI_QUEUE;
        auto r = m_table.sigqueue(t, random_process()->pid(), SIGRTMIN + static_cast<int>(rand(4)), info);
        if (r.is_error())
            SIM_CHECK(r.error().code() == EAGAIN || r.error().code() == ESRCH || r.error().code() == EPERM,
                      "sigqueue error %d", r.error().code());
    } else if (op < 60) {
        static const int sigs[] = {SIGCHLD, SIGCHLD, SIGUSR1, SIGTERM, SIGCONT, SIGTSTP, SIGHUP, SIGRTMIN, SIGQUIT};
        int sig = sigs[rand(sizeof sigs / sizeof sigs[0])];
        KSigaction a;
        uint32_t kind = rand(3);
        a.handler = kind == 0 ? SIG_DFL : kind == 1 ? SIG_IGN : 0x400000 + rand(16) * 16;
        uint64_t flag_choices[] = {0, SA_NOCLDWAIT, SA_NOCLDSTOP, SA_RESETHAND, SA_NODEFER, SA_RESTART};
        a.flags = SA_RESTORER | flag_choices[rand(6)];
        a.mask = chance(50) ? SigSet::of(SIGUSR2).raw() : 0;
        if (is_init && kind == 0 && sig != SIGCHLD)
            return;
        (void)m_table.sigaction(t, sig, &a);
    } else if (op < 65) {
        SigSet set(chance(50) ? SigSet::of(SIGUSR1, SIGTERM, SIGCHLD).raw() : SigSet::of(SIGRTMIN, SIGCONT, SIGTSTP).raw());
        (void)m_table.sigprocmask(t, static_cast<int>(rand(3)), &set);
    } else if (op < 70) {
        if (chance(30))
            (void)m_table.setsid(t);
        else
            (void)m_table.setpgid(t, chance(50) ? 0 : random_process()->pid(), chance(50) ? 0 : random_process()->pgid());
    } else if (op < 73) {
        m_table.set_child_subreaper(t, chance(50));
        (void)m_table.set_pdeath_signal(t, chance(50) ? 0 : SIGUSR1);
    } else if (op < 90) {
        do_wait(*st, !is_init || chance(10));
    } else if (op < 93) {
        do_exec(*st);
    } else if (op < 95) {
        if (!is_init) {
            Credentials c;
            c.uid = c.euid = c.suid = chance(50) ? 0 : 1000 + rand(2);
            (void)m_table.set_credentials(t.process(), c, chance(50) ? ~uint64_t(0) : 1 + rand(8));
        }
    } else if (op < 98) {
        m_table.account_cpu(t, rand(1000000), rand(1000000));
        static const ThreadState states[] = {ThreadState::Running, ThreadState::Runnable, ThreadState::Sleeping};
        m_table.set_thread_run_state(t, states[rand(3)]);
        m_table.note_rss(t.process(), rand(10000));
    } else {
        if (!is_init && chance(30))
            m_table.force_fault_signal(t, chance(50) ? SIGSEGV : SIGFPE, 1, 0x1000);
    }
}

void Simulation::check_invariants() {
    process_events();
    SIM_CHECK(m_host.errors.empty(), "host: %s", m_host.errors.empty() ? "" : m_host.errors[0].c_str());
    std::set<pid_t> pids;
    int processes = 0, zombies = 0, stopped = 0, threads = 0;
    int thread_states[static_cast<unsigned>(ThreadState::Count)] = {};
    int process_states[5] = {};
    bool failed = false;
    std::map<uid_t, int> user_tasks; // RLIMIT_NPROC's count, recomputed
    std::vector<Process*> all;
    m_table.for_each_process([](Process& p, void* c) { static_cast<std::vector<Process*>*>(c)->push_back(&p); }, &all);
    for (Process* pp : all) {
        Process& p = *pp;
        if (failed)
            return;
        ++processes;
        user_tasks[p.credentials().uid] += p.thread_count();
        if (!pids.insert(p.pid()).second) {
            fail("pid " + std::to_string(p.pid()) + " twice in the table");
            failed = true;
            return;
        }
        if (m_table.find_process(p.pid()) != &p) {
            fail("lookup of pid " + std::to_string(p.pid()) + " does not find it");
            failed = true;
            return;
        }
        if (!m_model.count(p.pid()) || m_model[p.pid()].zombie != p.is_zombie()) {
            fail("model and table disagree on pid " + std::to_string(p.pid()));
            failed = true;
            return;
        }
        // Every live non-init process has a live parent thread.
        if (&p != &m_init->process() && !p.is_zombie()) {
            Thread* parent = p.parent_thread();
            if (!parent || parent->life() != Thread::Life::Alive || parent->process().is_zombie()) {
                fail("live pid " + std::to_string(p.pid()) + " has no live parent");
                failed = true;
                return;
            }
        }
        // Reportable <=> queued for the parent; a zombie is always reportable.
        bool reportable = p.is_zombie() || p.stop_reportable() || p.continue_reportable();
        if (&p != &m_init->process() && reportable != p.queued_for_parent()) {
            fail("pid " + std::to_string(p.pid()) + " reportable/queued mismatch");
            failed = true;
            return;
        }
        if (p.is_zombie()) {
            ++zombies;
            process_states[4]++;
        } else if (p.is_stopped()) {
            ++stopped;
            process_states[3]++;
        }
        int counts[static_cast<unsigned>(ThreadState::Count)] = {};
        int alive = 0, not_dead = 0;
        for (auto& t : p.threads()) {
            ++threads;
            thread_states[static_cast<unsigned>(t.state())]++;
            counts[static_cast<unsigned>(t.state())]++;
            alive += t.life() == Thread::Life::Alive;
            not_dead += t.life() != Thread::Life::Dead;
            if (t.life() == Thread::Life::Alive && !m_threads.count(t.tid())) {
                fail("live tid " + std::to_string(t.tid()) + " unknown to the simulation");
                failed = true;
                return;
            }
            if (m_table.find_thread(t.tid()) != &t) {
                fail("lookup of tid " + std::to_string(t.tid()) + " fails");
                failed = true;
                return;
            }
        }
        if (!p.is_zombie() && !p.is_stopped()) {
            if (counts[static_cast<unsigned>(ThreadState::Running)])
                process_states[0]++;
            else if (counts[static_cast<unsigned>(ThreadState::Runnable)])
                process_states[1]++;
            else
                process_states[2]++;
        }
        // The ledger holds exactly what the process still owns.
        const Ledger& l = p.ledger();
        if (alive != p.live_threads() || static_cast<int>(l.held(Resource::Pid)) != p.thread_count()
            || static_cast<int>(l.held(Resource::KernelStack)) != not_dead
            || static_cast<int>(l.held(Resource::AddressSpaceRef)) != not_dead
            || l.held(Resource::FileTableRef) != (p.is_zombie() ? 0u : 1u) || l.held(Resource::SigHandRef) != 1u) {
            fail("ledger of pid " + std::to_string(p.pid()) + " does not match what it owns");
            failed = true;
            return;
        }
    }
    if (failed)
        return;
    for (auto& [pid, model] : m_model)
        SIM_CHECK(pids.count(pid), "pid %d neither reaped nor in the table", pid);
    for (auto& [tid, st] : m_threads)
        SIM_CHECK(st.thread->life() == Thread::Life::Alive && st.thread->tid() == tid, "sim thread %d not alive", tid);
    for (uid_t uid : {0u, 1000u, 1001u})
        SIM_CHECK(m_table.user_tasks(uid) == user_tasks[uid], "uid %u: %d tasks counted, %d in the table", uid,
                  m_table.user_tasks(uid), user_tasks[uid]);
    ProcessStats s = m_table.stats();
    SIM_CHECK(s.processes == processes && s.zombie == zombies && s.stopped == stopped && s.threads == threads,
              "stats %d/%d/%d/%d vs table %d/%d/%d/%d", s.processes, s.zombie, s.stopped, s.threads, processes,
              zombies, stopped, threads);
    for (unsigned i = 0; i < static_cast<unsigned>(ThreadState::Count); ++i)
        SIM_CHECK(s.threads_by_state[i] == thread_states[i], "thread state %u: %d vs %d", i, s.threads_by_state[i],
                  thread_states[i]);
    SIM_CHECK(s.running == process_states[0] && s.runnable == process_states[1] && s.sleeping == process_states[2],
              "process states %d/%d/%d vs %d/%d/%d", s.running, s.runnable, s.sleeping, process_states[0],
              process_states[1], process_states[2]);
}

// Kill everything, let every thread die and init reap everybody: then every
// handle the core ever took must have been released exactly once.
void Simulation::teardown() {
    (void)m_table.kill(*m_init, -1, SIGKILL);
    for (int round = 0; round < 100000 && m_result.ok; ++round) {
        bool others = false;
        std::vector<pid_t> tids;
        for (auto& [tid, st] : m_threads)
            tids.push_back(tid);
        for (pid_t tid : tids) {
            if (!m_threads.count(tid))
                continue;
            SimThread& st = m_threads[tid];
            if (st.thread == m_init) {
                continue;
            }
            others = true;
            if (st.mode == Mode::Runnable)
                return_to_user(st);
            else
                poll(st);
        }
        WaitDecision d = m_table.wait(*m_init, ProcessTable::wait4_request(-1, WNOHANG | __WALL).value());
        process_events();
        if (!others && d.kind == WaitDecision::Kind::Failed)
            break;
    }
    if (!m_result.ok)
        return;
    SIM_CHECK(m_table.process_count() == 1, "%d processes left after teardown", m_table.process_count());
    SIM_CHECK(m_threads.size() == 1, "%zu threads left after teardown", m_threads.size());
    SIM_CHECK(m_table.stats().user_accounts == 1 && m_table.user_tasks(0) == 1,
              "%d user accounts, %d root tasks after teardown", m_table.stats().user_accounts, m_table.user_tasks(0));
    for (uint64_t h : m_expected)
        SIM_CHECK(m_host.release_count(h) == 1, "handle %llu released %d times", static_cast<unsigned long long>(h),
                  m_host.release_count(h));
    check_invariants();
}

SimResult Simulation::run() {
    InitArgs args;
    args.kernel_stack = m_host.next_handle++;
    args.address_space = m_host.next_handle++;
    args.file_table = m_host.next_handle++;
    auto r = m_table.create_init(args);
    if (r.is_error()) {
        fail("create_init failed");
        return m_result;
    }
    m_init = r.value();
    m_host.cr3[1] = args.address_space;
    m_threads[1] = make_thread(m_init);
    process_events();
    for (m_step = 0; m_step < m_config.steps && m_result.ok && !m_choices_used_up; ++m_step) {
        step();
        if (m_result.ok)
            check_invariants();
        m_result.steps_run = m_step + 1;
    }
    if (m_result.ok)
        teardown();
    return m_result;
}

} // namespace

SimResult run_simulation(const SimConfig& config) {
    Simulation simulation(config);
    return simulation.run();
}

} // namespace charon::proc::sim
