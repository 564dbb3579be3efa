// The LifecycleHost and the per-process/per-thread kernel objects (task.h).
#include "task/task.h"

#include <new>

#include "arch/x86_64/context.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/user_entry.h"
#include "exec/initial_stack.h"
#include "init/initramfs.h"
#include "lib/log.h"
#include "mm/address_space.h"
#include "mm/exec_image.h"
#include "mm/fault_inject.h"
#include "mm/frame_allocator.h"
#include "mm/inode_backing.h"
#include "mm/kernel_vm.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "syscall/user_ptr.h"
#include "task/current.h"

namespace charon::task {

namespace {

uint64_t g_live_tasks;
uint64_t g_live_file_tables;

class KernelLifecycleHost final : public proc::LifecycleHost {
public:
    void nice_changed(proc::Thread& thread, int nice) override {
        if (auto* kthread = static_cast<sched::Thread*>(thread.kernel_thread()))
            sched::set_nice(*kthread, nice);
    }

    void signal_wake(proc::Thread& thread, bool fatal) override {
        auto* kthread = static_cast<sched::Thread*>(thread.kernel_thread());
        if (!kthread)
            return;
        sched::interrupt_sleep(*kthread, fatal);
        // A thread that is not asleep (preempted, or the caller itself)
        // reaches the return-to-user hook on its own way out; make sure the
        // hook runs again even if it already ran for this return.
        sched::request_return_work(*kthread);
    }

    void stop_timers(proc::Process&, uint64_t timers) override {
        // The handle is the ProcessExtra whose life ends with the group
        // (task.h): its ITIMER_REAL goes with it.
        ProcessExtra* extra = ProcessExtra::from_handle(timers);
        cancel_real_timer(*extra);
        delete extra;
    }

    void clear_child_tid(proc::Thread&, uint64_t uaddr) override {
        // Runs on the dying thread, still on its own address space.
        uint32_t zero = 0;
        if (copy_to_user(uaddr, &zero, sizeof(zero)).is_error())
            return; // Linux ignores the fault too
        futex_wake(mm::current_address_space(), uaddr, 1, ~0u);
    }

    void leave_address_space(proc::Thread&, uint64_t handle) override {
        // exit: the dying thread still runs on these tables; execve: it
        // already switched to the new ones, nothing to do.
        mm::AddressSpace* space = mm::AddressSpace::from_handle(handle);
        if (sched::current().context().root == space->root())
            sched::set_current_root(0);
    }

    void free_address_space(uint64_t handle) override { mm::AddressSpace::from_handle(handle)->unref(); }

    void release_tls(proc::Thread&, uint64_t) override {
        // TLS is just the FS base in the thread context: nothing to free.
    }

    void free_file_table(uint64_t handle) override {
        auto* files = reinterpret_cast<FdTable*>(handle);
        files->close_all();
        files->unref();
        --g_live_file_tables;
    }

    void release_kernel_stack(proc::Thread& thread, uint64_t handle) override {
        // The sched::Thread's stack is the reaper's after exit_current();
        // what is ours is the Task.
        thread.set_kernel_thread(nullptr);
        delete Task::from_handle(handle);
        --g_live_tasks;
    }

    // No core files yet (no writable file system): the status word says
    // "killed", not "dumped", as Linux with RLIMIT_CORE 0.
    bool dump_core(proc::Thread&, int) override { return false; }

    void init_exited(int status_word) override { charon::init_exited(status_word); }

    void on_event(const proc::ProcEvent& e) override {
        log_debug("proc: event %u pid %d ppid %d tid %d code %#x signo %d sender %d", static_cast<unsigned>(e.kind),
                  e.pid, e.ppid, e.tid, e.code, e.signo, e.sender);
    }
};

KernelLifecycleHost g_host;
proc::ProcessTable* g_table;

bool signal_pending_hook(sched::Thread& kthread, bool fatal_only) {
    proc::Thread* thread = kthread.proc_thread();
    if (!thread || !g_table)
        return false;
    if (fatal_only)
        return thread->kill_pending() || thread->process().is_group_exiting();
    return g_table->signal_pending(*thread);
}

void on_return_to_user(arch::SyscallFrame& frame) { return_to_user(frame); }

// mm's fault counter: the faulting thread's own count, lock-free (only the
// thread itself writes it); sync_accounting tells the core.
void count_fault() {
    proc::Thread* thread = sched::current().proc_thread();
    if (thread)
        ++task_of(*thread).minor_faults;
}

// Fault injection fails only what an armed process asked for
// (mm/fault_inject.h). A process past its group exit has no ProcessExtra.
bool in_armed_context() {
    sched::Thread& kthread = sched::current();
    proc::Thread* thread = kthread.is_user() ? kthread.proc_thread() : nullptr;
    if (!thread)
        return false;
    uint64_t extra = thread->process().timers();
    return extra && ProcessExtra::from_handle(extra)->make_it_fail;
}
void on_user_fault(arch::SyscallFrame& frame, uint64_t address) { user_fault(frame, address); }

} // namespace

proc::ProcessTable& table() {
    VERIFY(g_table);
    return *g_table;
}

void init_processes() {
    if (g_table)
        return;
    // threads-max, sized from memory like Linux's set_max_threads, which
    // lets kernel stacks take 1/8 of RAM (totalram / (8 * THREAD_SIZE /
    // PAGE_SIZE), at least 20). Charon allows 1/4: a thread costs about 11
    // frames in all (stack, page tables, heap), so a root fork bomb still
    // meets EAGAIN with memory to spare, and the guest soak's 1,000
    // concurrent processes fit in the default 128 MiB (Linux's 1/8 would
    // refuse them there).
    proc::ProcessTableConfig config;
    size_t stack_pages = mm::kernel_stack_size / page_size;
    size_t max_threads = mm::usable_frame_count() / (4 * stack_pages);
    config.max_threads = static_cast<int>(max_threads < 20 ? 20 : max_threads > 1000000 ? 1000000 : max_threads);
    g_table = new (std::nothrow) proc::ProcessTable(g_host, config);
    if (!g_table)
        panic("no memory for the process table");
    sched::set_signal_pending_hook(signal_pending_hook);
    mm::set_fault_injection_filter(in_armed_context);
    sched::set_return_to_user_hook(on_return_to_user);
    mm::set_fault_counter(count_fault);
    arch::set_user_fault_handler(on_user_fault);
}

sched::Thread& kernel_thread_of(proc::Thread& thread) { return *static_cast<sched::Thread*>(thread.kernel_thread()); }
Task& task_of(proc::Thread& thread) { return *Task::from_handle(thread.kernel_stack()); }
Task& current_task() { return task_of(current_thread()); }
FdTable& file_table_of(proc::Process& process) { return *reinterpret_cast<FdTable*>(process.file_table()); }
ProcessExtra& extra_of(proc::Process& process) { return *ProcessExtra::from_handle(process.timers()); }

uint64_t live_tasks() { return g_live_tasks; }
uint64_t live_file_tables() { return g_live_file_tables; }

void note_task_created() { ++g_live_tasks; }
void note_file_table_created() { ++g_live_file_tables; }

Result<void> unshare_file_table(proc::Process& process) {
    if (!table().file_table_shared(process))
        return {};
    RefPtr<FdTable> copy = TRY(file_table_of(process).clone());
    FdTable* mine = copy.leak_ref();
    auto old = table().unshare_file_table(process, reinterpret_cast<uint64_t>(mine));
    if (old.is_error() || old.value() == 0) {
        // Failed, or the other users left meanwhile: the table is ours already.
        mine->unref();
        if (old.is_error())
            return old.error();
        return {};
    }
    // The old table (and the core's reference to it) stays with the other
    // processes; ours is the copy.
    note_file_table_created();
    return {};
}

void sync_accounting() {
    sched::Thread& kthread = sched::current();
    proc::Thread* thread = kthread.proc_thread();
    if (!thread || !g_table)
        return;
    Task& task = task_of(*thread);
    uint64_t user = kthread.user_ns(), system = kthread.system_ns();
    if (user != task.reported_user_ns || system != task.reported_system_ns) {
        g_table->account_cpu(*thread, user - task.reported_user_ns, system - task.reported_system_ns);
        task.reported_user_ns = user;
        task.reported_system_ns = system;
    }
    for (; task.reported_voluntary < kthread.voluntary_switches(); ++task.reported_voluntary)
        g_table->account_context_switch(*thread, true);
    for (; task.reported_involuntary < kthread.involuntary_switches(); ++task.reported_involuntary)
        g_table->account_context_switch(*thread, false);
    if (task.minor_faults != task.reported_minor_faults) {
        g_table->account_page_fault(*thread, false, task.minor_faults - task.reported_minor_faults);
        task.reported_minor_faults = task.minor_faults;
    }
}

void set_comm(proc::Thread& thread, const char* path) {
    const char* name = path;
    for (const char* p = path; *p; ++p)
        if (*p == '/')
            name = p + 1;
    thread.set_comm(name);
}

void default_limits(Rlimit* limits) {
    for (int i = 0; i < RLIM_NLIMITS; ++i)
        limits[i] = {RLIM_INFINITY, RLIM_INFINITY};
    limits[RLIMIT_STACK] = {8ull << 20, RLIM_INFINITY};
    limits[RLIMIT_CORE] = {0, RLIM_INFINITY};
    limits[RLIMIT_NPROC] = {4096, 4096};
    limits[RLIMIT_NOFILE] = {kDefaultNofileLimit, 4096};
    limits[RLIMIT_MEMLOCK] = {8ull << 20, 8ull << 20};
    limits[RLIMIT_SIGPENDING] = {1024, 1024};
    limits[RLIMIT_MSGQUEUE] = {819200, 819200};
    limits[RLIMIT_NICE] = {0, 0};
    limits[RLIMIT_RTPRIO] = {0, 0};
}

Result<LoadedImage> load_image(Vfs& vfs, FsProcess& process, const ExecRequest& request, Vector<KString> argv,
                               const Vector<KString>& envp, const proc::Credentials& credentials,
                               uint64_t stack_limit) {
    ExecTarget target = TRY(prepare_exec(vfs, process, request, std::move(argv)));

    Vector<StringView> argv_views;
    Vector<StringView> envp_views;
    for (auto& s : target.argv)
        TRY(argv_views.try_append(StringView(s.chars(), s.length())));
    for (auto& s : envp)
        TRY(envp_views.try_append(StringView(s.chars(), s.length())));

    StackSpec spec;
    spec.stack_top = mm::user_stack_top;
    spec.argv = argv_views.data();
    spec.argc = argv_views.size();
    spec.envp = envp_views.data();
    spec.envc = envp_views.size();
    spec.execfn = StringView(target.execfn.chars(), target.execfn.length());
    for (int i = 0; i < 2; ++i) {
        // Not cryptographic: AT_RANDOM seeds musl's stack protector canary.
        uint64_t r = arch::rdtsc() * 0x9e3779b97f4a7c15ull + i * 0x632be59bd9b4e019ull;
        for (int b = 0; b < 8; ++b)
            spec.random[i * 8 + b] = static_cast<uint8_t>(r >> (b * 8));
    }
    spec.aux.phdr = target.plan.phdr_address;
    spec.aux.phent = target.plan.phdr_entry_size ? target.plan.phdr_entry_size : 56;
    spec.aux.phnum = target.plan.phdr_count;
    spec.aux.entry = target.plan.entry;
    spec.aux.uid = credentials.uid;
    spec.aux.euid = credentials.euid;
    spec.aux.gid = credentials.gid;
    spec.aux.egid = credentials.egid;
    spec.aux.hwcap = arch::cpuid(1).edx;
    spec.stack_limit = stack_limit;
    InitialStack stack = TRY(build_initial_stack(spec));

    InodeElfSource source(*target.binary);
    mm::ExecLayout layout;
    layout.stack_limit = stack_limit;
    // The binary's pages are mapped from its page cache (an initramfs file
    // gets one now, once; Linux's rootfs is ramfs, all page cache).
    TRY(target.binary->writable_store());
    layout.binary = TRY(mm::InodeBacking::create(*target.binary, target.binary_path));
    LoadedImage image;
    image.space = TRY(mm::build_exec_address_space(source, target.plan, stack, layout));
    image.entry = target.plan.entry;
    image.rsp = stack.rsp;
    // Linux's mm fields for /proc/PID/{stat,status,cmdline,environ,exe},
    // as load_elf_binary computes them: the code from the lowest executable
    // segment to the end of the file bytes of the highest; start_data the
    // highest segment's start, end_data the end of its file bytes.
    mm::ImageInfo info;
    for (size_t i = 0; i < target.plan.segment_count; ++i) {
        const LoadSegment& segment = target.plan.segments[i];
        uint64_t file_end = segment.vaddr + segment.file_size;
        if (segment.prot & mm::VmProtExec) {
            if (!info.start_code || segment.vaddr < info.start_code)
                info.start_code = segment.vaddr;
            if (file_end > info.end_code)
                info.end_code = file_end;
        }
        if (segment.vaddr > info.start_data)
            info.start_data = segment.vaddr;
        if (file_end > info.end_data)
            info.end_data = file_end;
    }
    info.start_stack = stack.rsp;
    info.arg_start = stack.arg_start;
    info.arg_end = stack.arg_end;
    info.env_start = stack.env_start;
    info.env_end = stack.env_end;
    info.exe = target.binary_path;
    info.exe_denial = std::move(target.binary_denial);
    image.space->set_image_info(std::move(info));
    image.execfn = std::move(target.execfn);
    return image;
}

// --- current.h ----------------------------------------------------------------

proc::Thread& current_thread() {
    proc::Thread* thread = sched::current().proc_thread();
    VERIFY(thread);
    return *thread;
}

proc::Process& current_process() { return current_thread().process(); }

mm::AddressSpace& current_address_space() {
    return *mm::AddressSpace::from_handle(current_thread().address_space());
}

FsProcess current_fs_process() {
    proc::Thread& thread = current_thread();
    proc::Process& process = thread.process();
    Task& task = task_of(thread);
    // fs/inode.h has its own Credentials: convert at the boundary.
    const proc::Credentials& c = process.credentials();
    // Linux checks files against the fs ids (fsuid/fsgid, which follow the
    // effective ids unless setfsuid/setfsgid moved them) and the
    // supplementary groups; the Task keeps the group list referenced for
    // as long as this view may be used, even if another thread of the
    // process calls setgroups meanwhile.
    task.fs_groups = c.groups;
    task.fs_credentials = Credentials{c.uid, c.gid, c.fsuid, c.fsgid, c.groups ? c.groups->ids() : nullptr,
                                      c.group_count()};
    uint64_t nofile = kDefaultNofileLimit;
    if (process.timers())
        nofile = extra_of(process).limits[RLIMIT_NOFILE].cur;
    FsProcess fs_process{task.fs_credentials, file_table_of(process), task.fs->cwd, nofile};
    fs_process.umask = task.fs->umask;
    // A FIFO open waits for its partner interruptibly (ERESTARTSYS: the
    // signal path restarts it or returns EINTR, as Linux's fifo_open).
    fs_process.sleep = [](Waiter& waiter) { return sched::sleep_on(waiter, sched::BlockMode::Interruptible); };
    fs_process.sleeper = &sched::current();
    return fs_process;
}

} // namespace charon::task
