// Process lifecycle syscalls: fork/vfork/clone, execve, exit, wait, ids.
// The lifecycle core (kernel/proc) decides; this file creates and frees the
// kernel objects behind its handles (kernel/task/task.h) and sleeps where
// the core says so (docs/proc-api.md).
#include <new>

#include "arch/x86_64/context.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/user_entry.h"
#include "drivers/root_fs.h"
#include "exec/initial_stack.h"
#include "lib/log.h"
#include "mm/address_space.h"
#include "mm/exec_image.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "syscall/pidfd.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"

namespace charon {

namespace {

using namespace task;

// Where a static PIE goes (as for init; Linux puts it at ELF_ET_DYN_BASE).
constexpr uint64_t kPieBase = 0x555555554000;
constexpr size_t kPathMax = 4096;

// `pidfd_file`/`pidfd`: CLONE_PIDFD's file, already installed at that
// descriptor (do_clone), to be attached to the child's identity.
Result<long> clone_child(arch::SyscallFrame& frame, uint64_t flags, uint64_t newsp, uint64_t parent_tid,
                         uint64_t child_tid, uint64_t tls, OpenFile* pidfd_file, int pidfd) {
    proc::Thread& parent = current_thread();
    proc::Process& process = parent.process();
    Task& parent_task = task_of(parent);
    sched::Thread& parent_kthread = sched::current();

    // Flag combinations the core does not see the reason for (Linux
    // copy_process's checks are in the core; these are the kernel's own).
    if ((flags & proc::CLONE_FS) && (flags & proc::CLONE_NEWNS))
        return EINVAL;

    // Linux copy_thread -> do_set_thread_area_64: a TLS base at or above
    // TASK_SIZE_MAX is EPERM, as for arch_prctl(ARCH_SET_FS).
    if ((flags & proc::CLONE_SETTLS) && tls >= arch::user_address_limit)
        return EPERM;

    mm::AddressSpace* space = nullptr;
    PhysAddr root = parent_kthread.context().root;
    if (!(flags & proc::CLONE_VM)) {
        space = TRY(current_address_space().clone_for_fork());
        root = space->root();
    }
    // The descriptor table is the process's: a thread created without
    // CLONE_FILES shares it too (Linux would give that thread a private
    // copy; docs/syscalls/clone.md). Copying it here for the core to ignore
    // leaked the copy (found by the syscall fuzzer).
    FdTable* files = nullptr;
    if (!(flags & proc::CLONE_FILES) && !(flags & proc::CLONE_THREAD)) {
        auto copy = file_table_of(process).clone();
        if (copy.is_error()) {
            if (space)
                space->unref();
            return copy.error();
        }
        files = copy.value().leak_ref();
        // Linux installs the pidfd only after copying the table: the child
        // does not inherit its own pidfd.
        if (pidfd_file)
            (void)files->close(pidfd);
    }
    ProcessExtra* extra = nullptr;
    Task* child_task = new (std::nothrow) Task;
    FsState* fs = nullptr;
    bool ok = child_task;
    if (ok && !(flags & proc::CLONE_THREAD)) {
        extra = new (std::nothrow) ProcessExtra(extra_of(process));
        ok = extra;
        if (extra) // interval timers are not inherited (POSIX fork)
            extra->itimer_node = HeapNode{}, extra->real_deadline = 0, extra->real_interval = 0,
            extra->armed = false;
    }
    if (ok && !(flags & proc::CLONE_FS)) {
        fs = new (std::nothrow) FsState;
        ok = fs;
    }
    arch::SyscallFrame child_frame = frame;
    child_frame.rax = 0;
    if (newsp)
        child_frame.rsp = newsp;
    sched::Thread* created = nullptr;
    if (ok) {
        auto kthread = sched::create_user_thread("user", root, child_frame);
        if (!kthread.is_error())
            created = kthread.value();
    }
    if (!created) {
        delete fs;
        delete extra;
        delete child_task;
        if (files)
            files->unref();
        if (space)
            space->unref();
        return ENOMEM;
    }
    if (fs) {
        fs->cwd = parent_task.fs->cwd;
        fs->umask = parent_task.fs->umask;
        child_task->fs = adopt_ref(fs);
    } else {
        child_task->fs = parent_task.fs;
    }
    // Linux: a thread sharing the memory (but not vfork) starts without the
    // alternate signal stack; anything else inherits it.
    if (!(flags & proc::CLONE_VM) || (flags & proc::CLONE_VFORK)) {
        child_task->altstack_sp = parent_task.altstack_sp;
        child_task->altstack_size = parent_task.altstack_size;
        child_task->altstack_flags = parent_task.altstack_flags;
    }
    sched::Thread& child_kthread = *created;
    child_task->kthread = &child_kthread;
    arch::ThreadContext& context = child_kthread.context();
    context.fs_base = (flags & proc::CLONE_SETTLS) ? tls : parent_kthread.context().fs_base;
    context.user_gs_base = parent_kthread.context().user_gs_base;
    arch::fpu_save(context.fpu); // the registers hold the caller's user FPU state

    proc::CloneArgs args;
    args.flags = flags;
    args.kernel_stack = child_task->handle();
    args.address_space = space ? space->handle() : 0;
    args.file_table = reinterpret_cast<uint64_t>(files);
    args.timers = extra ? extra->handle() : 0;
    args.child_tid = (flags & proc::CLONE_CHILD_CLEARTID) ? child_tid : 0;
    // The core checks RLIMIT_NPROC against its per-user count.
    args.nproc_limit = extra_of(process).limits[RLIMIT_NPROC].cur;
    args.kernel_thread = &child_kthread;
    proc::PidRef* pid_ref = nullptr;
    if (pidfd_file)
        args.pid_ref = &pid_ref;
    auto cloned = table().clone(parent, args);
    if (cloned.is_error()) {
        delete extra;
        delete child_task;
        if (files)
            files->unref();
        // Never run: with its own address space just released, its root
        // page table is gone (the fuzzer found the triple fault that
        // starting it caused).
        sched::destroy_unstarted(child_kthread);
        if (space)
            space->unref();
        return cloned.error();
    }
    proc::Thread& child = *cloned.value();
    note_task_created();
    if (extra)
        extra->pid = child.tid();
    if (files)
        note_file_table_created();
    proc::pid_t tid = child.tid();
    child_kthread.set_proc_thread(&child);
    if (pidfd_file)
        pidfd::attach(*pidfd_file, pid_ref);

    if (flags & proc::CLONE_PARENT_SETTID)
        (void)copy_to_user(parent_tid, &tid, sizeof(tid)); // Linux ignores this fault too
    if (flags & proc::CLONE_CHILD_SETTID) {
        if (space)
            (void)mm::AddressSpaceMemory(*space).copy_to_user(child_tid, &tid, sizeof(tid));
        else
            (void)copy_to_user(child_tid, &tid, sizeof(tid));
    }
    sched::start(child_kthread);

    if (flags & proc::CLONE_VFORK) {
        for (;;) {
            proc::SleepDecision d = table().vfork_wait(parent);
            if (d.done)
                break;
            (void)sched::sleep_if_unchanged(*d.queue, d.generation, sched::BlockMode::Killable);
        }
    }
    return tid;
}

// CLONE_PIDFD (Linux copy_process): the descriptor is reserved and its
// number written to `pidfd_address` before the child exists, so EFAULT (or
// EMFILE) leaves no child behind; a failed clone takes the descriptor back.
Result<long> do_clone(arch::SyscallFrame& frame, uint64_t flags, uint64_t newsp, uint64_t parent_tid,
                      uint64_t child_tid, uint64_t tls, uint64_t pidfd_address = 0) {
    if (!(flags & proc::CLONE_PIDFD))
        return clone_child(frame, flags, newsp, parent_tid, child_tid, tls, nullptr, -1);
    // CLONE_DETACHED is kept for a future CLONE_PIDFD meaning; the pidfd and
    // the parent tid cannot share one slot.
    if (flags & proc::CLONE_DETACHED)
        return EINVAL;
    if ((flags & proc::CLONE_PARENT_SETTID) && pidfd_address == parent_tid)
        return EINVAL;
    FsProcess fs = current_fs_process();
    // A thread's pidfd is a PIDFD_THREAD one (Linux 6.9+).
    RefPtr<OpenFile> file = TRY(pidfd::create_file(nullptr, (flags & proc::CLONE_THREAD) ? pidfd::kThread : 0));
    int pidfd = TRY(fs.fds.allocate(file, true, fs.nofile_limit));
    auto result = copy_to_user(pidfd_address, &pidfd, sizeof(pidfd)).is_error()
        ? Result<long>(EFAULT)
        : clone_child(frame, flags, newsp, parent_tid, child_tid, tls, file.ptr(), pidfd);
    if (result.is_error())
        (void)current_fs_process().fds.close(pidfd);
    return result;
}

} // namespace

CHARON_SYSCALL(57, fork, sys_fork);
static Result<long> sys_fork(SyscallArgs const& args) { return do_clone(*args.frame, proc::SIGCHLD, 0, 0, 0, 0); }

CHARON_SYSCALL(58, vfork, sys_vfork);
static Result<long> sys_vfork(SyscallArgs const& args) {
    return do_clone(*args.frame, proc::CLONE_VFORK | proc::CLONE_VM | proc::SIGCHLD, 0, 0, 0, 0);
}

// clone(flags, newsp, parent_tid, child_tid, tls): the x86_64 argument order.
CHARON_SYSCALL(56, clone, sys_clone);
static Result<long> sys_clone(SyscallArgs const& args) {
    // CLONE_PIDFD puts the pidfd where the parent tid would go.
    return do_clone(*args.frame, args.arg[0], args.arg[1], args.arg[2], args.arg[3], args.arg[4], args.arg[2]);
}

// clone3(args, size): struct clone_args (Linux 5.3+; 64 bytes for version
// 0, up to 88 with set_tid and cgroup).
CHARON_SYSCALL(435, clone3, sys_clone3);
static Result<long> sys_clone3(SyscallArgs const& args) {
    struct CloneArgs3 {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
            cgroup;
    } ca{};
    size_t size = args.arg[1];
    if (size < 64)
        return EINVAL;
    if (size > 4096)
        return E2BIG;
    // Bytes past what we know must be zero (Linux copy_struct_from_user).
    for (size_t offset = sizeof(ca); offset < size; ++offset) {
        uint8_t byte;
        TRY(copy_from_user(&byte, args.arg[0] + offset, 1));
        if (byte)
            return E2BIG;
    }
    TRY(copy_from_user(&ca, args.arg[0], size < sizeof(ca) ? size : sizeof(ca)));
    if ((ca.flags & proc::CSIGNAL) || ca.exit_signal > 64 || (ca.flags >> 32))
        return EINVAL;
    if (ca.set_tid || ca.set_tid_size || (ca.flags & 0x200000000ull /* CLONE_INTO_CGROUP */))
        return EINVAL; // no pid namespaces or cgroups yet
    if ((ca.stack == 0) != (ca.stack_size == 0))
        return EINVAL;
    uint64_t sp = ca.stack ? ca.stack + ca.stack_size : 0;
    return do_clone(*args.frame, ca.flags | ca.exit_signal, sp, ca.parent_tid, ca.child_tid, ca.tls, ca.pidfd);
}

namespace {

Result<long> do_execve(SyscallArgs const& args, int dirfd, uint64_t path_address, uint64_t argv_address,
                       uint64_t envp_address, int flags) {
    proc::Thread& thread = current_thread();
    proc::Process& process = thread.process();
    // First, as in Linux: a setuid into a user over RLIMIT_NPROC fails here.
    TRY(table().exec_check_nproc(process, extra_of(process).limits[RLIMIT_NPROC].cur));
    char* path = new (std::nothrow) char[kPathMax];
    if (!path)
        return ENOMEM;
    auto length = copy_string_from_user(path, path_address, kPathMax);
    if (length.is_error()) {
        delete[] path;
        return length.error().code() == ERANGE ? ENAMETOOLONG : length.error();
    }
    uint64_t stack_limit = extra_of(process).limits[RLIMIT_STACK].cur;
    uint64_t budget = argument_space_limit(stack_limit);
    mm::AddressSpaceMemory memory(current_address_space());
    auto argv = copy_string_array_from_user(memory, argv_address, budget);
    if (argv.is_error()) {
        delete[] path;
        return argv.error();
    }
    auto envp = copy_string_array_from_user(memory, envp_address, budget);
    if (envp.is_error()) {
        delete[] path;
        return envp.error();
    }

    FsProcess fs = current_fs_process();
    ExecRequest request;
    request.dirfd = dirfd;
    request.path = StringView(path, length.value());
    request.flags = flags;
    request.pie_base = kPieBase;
    auto loaded = load_image(drivers::root_vfs(), fs, request, std::move(argv.value()), envp.value(),
                             process.credentials(), stack_limit);
    if (loaded.is_error()) {
        delete[] path;
        return loaded.error();
    }
    LoadedImage image = std::move(loaded.value());

    // unshare_files (before the point of no return: it may fail): a table
    // shared with another process (CLONE_FILES) must keep that process's
    // descriptors, so close-on-exec acts on a private copy.
    if (auto unshared = unshare_file_table(process); unshared.is_error()) {
        delete[] path;
        image.space->unref();
        return unshared.error();
    }

    // de_thread: the other threads die first.
    for (;;) {
        auto prepared = table().exec_prepare(thread);
        if (prepared.is_error()) {
            delete[] path;
            image.space->unref();
            if (prepared.error().code() == EAGAIN) {
                // The group is exiting (another thread's exit_group or exec
                // won) and our kill is pending: restart, and die on the way
                // out, as clone does. Exiting from here never ran this
                // function's destructors (the image's execfn string, envp):
                // the fuzzer saw 16 heap bytes lost.
                return ERESTARTNOINTR;
            }
            return prepared.error();
        }
        if (prepared.value().done)
            break;
        (void)sched::sleep_if_unchanged(*prepared.value().queue, prepared.value().generation,
                                        sched::BlockMode::Killable);
    }

    // Linux's exec_mm_release: robust futexes of the old image are released
    // while it is still mapped (the list is not carried over).
    exit_robust_futexes();
    PhysAddr old_root = sched::current().context().root;
    sched::set_current_root(image.space->root());
    auto committed = table().exec_commit(thread, image.space->handle());
    if (committed.is_error()) {
        sched::set_current_root(old_root);
        image.space->unref();
        delete[] path;
        return committed.error();
    }
    // Past the point of no return: the (now private) table closes its
    // FD_CLOEXEC descriptors.
    file_table_of(process).close_on_exec();
    set_comm(thread, path);
    task_of(thread).altstack_sp = task_of(thread).altstack_size = 0;
    task_of(thread).altstack_flags = 0;
    delete[] path;
    arch::ThreadContext& context = sched::current().context();
    arch::load_fs_base(context, 0);
    arch::load_user_gs_base(context, 0);
    arch::FpuState fpu;
    arch::fpu_reset_state(fpu);
    arch::fpu_restore(fpu);
    *args.frame = arch::initial_user_frame(image.entry, image.rsp);
    args.frame->forget_syscall();
    return 0;
}

} // namespace

CHARON_SYSCALL(59, execve, sys_execve);
static Result<long> sys_execve(SyscallArgs const& args) {
    return do_execve(args, AT_FDCWD, args.arg[0], args.arg[1], args.arg[2], 0);
}

// execveat(dirfd, path, argv, envp, flags)
CHARON_SYSCALL(322, execveat, sys_execveat);
static Result<long> sys_execveat(SyscallArgs const& args) {
    return do_execve(args, static_cast<int>(args.arg[0]), args.arg[1], args.arg[2], args.arg[3],
                     static_cast<int>(args.arg[4]));
}

CHARON_SYSCALL(60, exit, sys_exit);
static Result<long> sys_exit(SyscallArgs const& args) {
    sync_accounting();
    exit_robust_futexes();
    table().exit(current_thread(), static_cast<int>(args.arg[0] & 0xff));
    finish_exit();
}

CHARON_SYSCALL(231, exit_group, sys_exit_group);
static Result<long> sys_exit_group(SyscallArgs const& args) {
    sync_accounting();
    exit_robust_futexes();
    table().exit_group(current_thread(), static_cast<int>(args.arg[0] & 0xff));
    finish_exit();
}

namespace {

// The core's wait loop; `report` filled when it returns a pid.
Result<proc::WaitDecision> wait_loop(const proc::WaitRequest& request) {
    proc::Thread& thread = current_thread();
    for (;;) {
        proc::WaitDecision d = table().wait(thread, request);
        if (d.kind != proc::WaitDecision::Kind::Sleep)
            return d;
        auto slept = sched::sleep_if_unchanged(*d.queue, d.generation, sched::BlockMode::Interruptible);
        if (slept.is_error())
            return ERESTARTSYS;
    }
}

} // namespace

// wait4(pid, wstatus, options, rusage)
CHARON_SYSCALL(61, wait4, sys_wait4);
static Result<long> sys_wait4(SyscallArgs const& args) {
    auto request = TRY(proc::ProcessTable::wait4_request(static_cast<proc::pid_t>(args.arg[0]), static_cast<int>(args.arg[2])));
    proc::WaitDecision d = TRY(wait_loop(request));
    switch (d.kind) {
    case proc::WaitDecision::Kind::Reported:
        if (args.arg[1])
            TRY(copy_to_user(args.arg[1], &d.report.status, sizeof(int)));
        if (args.arg[3])
            TRY(copy_to_user(args.arg[3], &d.report.rusage, sizeof(proc::RUsage)));
        return d.report.pid;
    case proc::WaitDecision::Kind::NothingYet:
        return 0;
    default:
        return d.error;
    }
}

// waitid(idtype, id, infop, options, rusage)
CHARON_SYSCALL(247, waitid, sys_waitid);
static Result<long> sys_waitid(SyscallArgs const& args) {
    int idtype = static_cast<int>(args.arg[0]);
    int options = static_cast<int>(args.arg[3]);
    auto request = TRY(proc::ProcessTable::waitid_request(idtype, static_cast<proc::pid_t>(args.arg[1]), options));
    // P_PIDFD: the identity behind the descriptor (EBADF if it is none),
    // pinned by the file for the whole wait. A PIDFD_NONBLOCK pidfd makes
    // the wait WNOHANG, and "nothing yet" EAGAIN unless the caller asked for
    // WNOHANG itself (Linux 5.10+).
    RefPtr<OpenFile> pidfd_file;
    bool nonblocking_pidfd = false;
    if (idtype == proc::P_PIDFD) {
        FsProcess fs = current_fs_process();
        pidfd_file = TRY(fs.fds.get(static_cast<int>(args.arg[1])));
        request.pid_ref = pidfd::ref_of(*pidfd_file);
        if (!request.pid_ref)
            return EBADF;
        if (pidfd_file->is_nonblocking() && !(options & proc::WNOHANG)) {
            nonblocking_pidfd = true;
            request.options |= proc::WNOHANG;
        }
    }
    proc::WaitDecision d = TRY(wait_loop(request));
    switch (d.kind) {
    case proc::WaitDecision::Kind::Reported:
        if (args.arg[2])
            TRY(copy_to_user(args.arg[2], &d.report.info, sizeof(proc::SigInfo)));
        if (args.arg[4])
            TRY(copy_to_user(args.arg[4], &d.report.rusage, sizeof(proc::RUsage)));
        return 0;
    case proc::WaitDecision::Kind::NothingYet:
        // Linux zeroes the siginfo but copies the rusage only for a
        // reported child.
        if (args.arg[2])
            TRY(clear_user(args.arg[2], sizeof(proc::SigInfo)));
        return nonblocking_pidfd ? Result<long>(EAGAIN) : Result<long>(0);
    default:
        return d.error;
    }
}

CHARON_SYSCALL(39, getpid, sys_getpid);
static Result<long> sys_getpid(SyscallArgs const&) { return current_process().pid(); }

CHARON_SYSCALL(110, getppid, sys_getppid);
static Result<long> sys_getppid(SyscallArgs const&) {
    SpinlockGuard guard(table().lock()); // the parent pointer moves on reparenting
    return current_process().ppid();
}

CHARON_SYSCALL(186, gettid, sys_gettid);
static Result<long> sys_gettid(SyscallArgs const&) { return current_thread().tid(); }

CHARON_SYSCALL(218, set_tid_address, sys_set_tid_address);
static Result<long> sys_set_tid_address(SyscallArgs const& args) {
    table().set_clear_child_tid(current_thread(), args.arg[0]);
    return current_thread().tid();
}

} // namespace charon
