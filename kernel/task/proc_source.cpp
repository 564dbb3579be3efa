// The kernel's facts behind /proc (fs/procfs/procfs.h's ProcSource): the
// process table, each thread's kernel objects, address spaces, the clock
// and the memory counters.
//
// Concurrency: the core's state is read under its lock (with_thread,
// for_each_process), and the objects behind its handles (address space,
// descriptor table, fs state) are pinned with a reference before the lock
// is dropped. Those objects are freed by an exiting thread outside the core
// lock but before it next sleeps; one CPU without preemption inside
// syscalls means no reader runs in between. An SMP port needs the core to
// clear the handles before releasing them.
#include "task/proc_source.h"

#include <new>

#include "arch/x86_64/trap.h"
#include "drivers/root_fs.h"
#include "fs/fd_table.h"
#include "fs/mount.h"
#include "fs/procfs/procfs.h"
#include "fs/stats.h"
#include "lib/format.h"
#include "lib/log.h"
#include "mm/address_space.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/kernel_vm.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "task/task.h"
#include "time/clock.h"

namespace charon::task {

namespace {

using procfs::pid_t;

// Stopped and zombie are the core's verdicts; running or sleeping is the
// scheduler's (the core's run-state counters are not fed yet).
char state_letter(const proc::Thread& thread) {
    if (thread.process().is_zombie() || thread.state() == proc::ThreadState::Zombie)
        return 'Z';
    if (thread.state() == proc::ThreadState::Stopped)
        return 'T';
    auto* kthread = static_cast<sched::Thread*>(thread.kernel_thread());
    if (!kthread || thread.life() == proc::Thread::Life::Dead)
        return 'Z'; // a leader that exited before its group: Linux shows it so
    return kthread->state() == sched::ThreadState::Sleeping ? 'S' : 'R';
}

// Linux's tty_nr encoding of a device number (new_encode_dev).
uint32_t encode_tty(uint32_t major, uint32_t minor) {
    return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

// What a visit under the core lock collects for task().
struct TaskVisit {
    pid_t want_tgid = 0;
    bool whole_process = false;
    bool found = false;
    procfs::TaskInfo info;
    mm::AddressSpace* space = nullptr; // referenced
    proc::Thread* thread = nullptr;    // valid only under the lock; for getrusage below
};

void visit_task(proc::Thread& thread, void* context) {
    auto& visit = *static_cast<TaskVisit*>(context);
    proc::Process& process = thread.process();
    if (process.pid() != visit.want_tgid)
        return;
    visit.found = true;
    proc::Thread& shown = visit.whole_process ? process.leader() : thread;
    procfs::TaskInfo& info = visit.info;
    info.tgid = process.pid();
    info.tid = shown.tid();
    info.ppid = process.ppid();
    info.pgrp = process.pgid();
    info.session = process.sid();
    const proc::Session& session = process.group().session();
    if (session.has_controlling_tty()) {
        // The one terminal is the serial line. Linux's /dev/console is a
        // redirect to the console's tty, so a session that took it as its
        // controlling terminal shows that tty's number: ttyS0, 4:64.
        info.tty_nr = encode_tty(kSerialMajor, kSerialMinor);
        info.tpgid = session.foreground_pgid();
    }
    info.state = state_letter(shown);
    info.whole = visit.whole_process;
    // Every task clone makes has PF_FORKNOEXEC until it execs: a thread
    // other than the leader never has (exec makes its caller the leader).
    // Init was exec'd by the kernel (Linux's kernel_execve clears it too).
    bool execed = process.did_exec() || process.pid() == 1;
    if (!execed || shown.tid() != process.pid())
        info.flags |= procfs::kPfForkNoExec;
    if (info.state == 'Z') {
        // What do_exit leaves in task->flags, and a zombie's exit_code: the
        // wait status.
        info.flags |= procfs::kPfExiting | procfs::kPfPostCoredump | procfs::kPfNoFreeze;
        info.exit_code = process.is_zombie() ? process.group_exit_status() : 0;
        if ((info.exit_code & 0x7f) != 0)
            info.flags |= procfs::kPfSignaled;
    }
    for (size_t i = 0; i < sizeof(info.comm); ++i)
        info.comm[i] = shown.comm()[i];
    const proc::Credentials& c = process.credentials();
    info.uid[0] = c.uid, info.uid[1] = c.euid, info.uid[2] = c.suid, info.uid[3] = c.fsuid;
    info.gid[0] = c.gid, info.gid[1] = c.egid, info.gid[2] = c.sgid, info.gid[3] = c.fsgid;
    info.groups = c.groups; // a reference (atomic): fine under the table lock
    info.nice = shown.nice();
    info.num_threads = process.is_zombie() ? 1 : process.live_threads();
    info.exit_signal = process.exit_signal();
    info.sig_pending = shown.pending().raw();
    info.shared_pending = process.shared_pending().raw();
    info.blocked = shown.blocked().raw();
    for (int sig = 1; sig <= proc::NSIG; ++sig) {
        uint64_t handler = process.action(sig).handler;
        if (handler == proc::SIG_IGN)
            info.ignored |= 1ull << (sig - 1);
        else if (handler != proc::SIG_DFL)
            info.caught |= 1ull << (sig - 1);
    }
    info.queued_signals = process.user_queued_signals();
    if (!visit.whole_process) {
        info.utime_ns = shown.user_ns();
        info.stime_ns = shown.system_ns();
    }
    if (process.timers()) {
        const ProcessExtra& extra = extra_of(process);
        info.sigqueue_limit = extra.limits[RLIMIT_SIGPENDING].cur;
    }
    info.has_fs = false;
    if (shown.kernel_thread()) {
        // The Task lives while the thread has a kernel thread.
        Task& task = task_of(shown);
        info.start_ns = task.start_ns;
        if (task.fs && !process.is_zombie()) {
            info.umask = task.fs->umask;
            info.has_fs = true;
        }
    }
    if (process.file_table() && !process.is_zombie()) {
        // Linux's fdtable max_fds: 64 (NR_OPEN_DEFAULT) until a descriptor
        // above it, then whole KiB of pointers in powers of two.
        size_t slots = file_table_of(process).slot_count();
        size_t size = 64;
        if (slots > 64) {
            size_t blocks = 1;
            while (blocks < (slots - 1) / 128 + 1)
                blocks *= 2;
            size = blocks * 128;
        }
        info.fd_size = static_cast<int>(size);
    }
    uint64_t handle = shown.address_space() ? shown.address_space() : process.leader().address_space();
    if (handle && !process.is_zombie()) {
        visit.space = mm::AddressSpace::from_handle(handle);
        visit.space->ref();
    }
    visit.thread = &shown;
}

void usage_into(procfs::TaskInfo& info, mm::AddressSpace& space) {
    mm::MemoryUsage usage = space.usage();
    const mm::ImageInfo& image = space.image_info();
    info.has_mm = true;
    info.vsize = usage.mapped;
    info.peak_vsize = usage.peak_mapped;
    info.rss_pages = usage.resident / 4096;
    info.peak_rss_pages = usage.peak_resident / 4096;
    info.data_bytes = usage.data;
    info.stack_bytes = usage.stack;
    info.exec_bytes = usage.exec;
    info.page_table_bytes = usage.page_tables;
    // Every file lives in memory, as on the tmpfs that is Linux's rootfs
    // under an initramfs: its pages are swap-backed, which Linux counts as
    // shmem (mm_counter_file), mapped shared or private. So RssFile is 0.
    info.rss_shmem_pages = (usage.shared_resident + usage.file_resident) / 4096;
    info.start_code = image.start_code;
    info.end_code = image.end_code;
    info.start_data = image.start_data;
    info.end_data = image.end_data;
    info.start_stack = image.start_stack;
    info.start_brk = space.initial_brk();
    info.brk = space.current_brk();
    info.arg_start = image.arg_start;
    info.arg_end = image.arg_end;
    info.env_start = image.env_start;
    info.env_end = image.env_end;
}

// A reference to something behind a process's handles, taken under the
// core lock.
template <typename T>
struct Pinned {
    pid_t want_tgid = 0;
    T* object = nullptr;
};

void visit_space(proc::Thread& thread, void* context) {
    auto& pin = *static_cast<Pinned<mm::AddressSpace>*>(context);
    proc::Process& process = thread.process();
    if (process.pid() != pin.want_tgid || process.is_zombie())
        return;
    uint64_t handle = thread.address_space() ? thread.address_space() : process.leader().address_space();
    if (!handle)
        return;
    pin.object = mm::AddressSpace::from_handle(handle);
    pin.object->ref();
}

void visit_files(proc::Thread& thread, void* context) {
    auto& pin = *static_cast<Pinned<FdTable>*>(context);
    proc::Process& process = thread.process();
    if (process.pid() != pin.want_tgid || !process.file_table())
        return;
    pin.object = &file_table_of(process);
    pin.object->ref();
}

void visit_fs(proc::Thread& thread, void* context) {
    auto& pin = *static_cast<Pinned<FsState>*>(context);
    proc::Process& process = thread.process();
    if (process.pid() != pin.want_tgid || process.is_zombie())
        return;
    // The thread's cwd, or a live sibling's once the leader has exited.
    proc::Thread* owner = thread.kernel_thread() ? &thread : nullptr;
    for (auto& candidate : process.threads()) {
        if (!owner && candidate.kernel_thread())
            owner = &const_cast<proc::Thread&>(candidate);
    }
    if (!owner || !task_of(*owner).fs)
        return;
    pin.object = task_of(*owner).fs.ptr();
    pin.object->ref();
}

Result<mm::AddressSpace*> pin_space(pid_t tgid) {
    Pinned<mm::AddressSpace> pin{tgid};
    TRY(table().with_thread(tgid, visit_space, &pin));
    return pin.object;
}

Result<FdTable*> pin_files(pid_t tgid) {
    Pinned<FdTable> pin{tgid};
    TRY(table().with_thread(tgid, visit_files, &pin));
    if (!pin.object)
        return ESRCH;
    return pin.object;
}

// Shell sort: the listings are a few hundred entries.
void sort_pids(Vector<pid_t>& pids) {
    size_t n = pids.size();
    for (size_t gap = n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < n; ++i)
            for (size_t j = i; j >= gap && pids[j - gap] > pids[j]; j -= gap) {
                pid_t t = pids[j];
                pids[j] = pids[j - gap];
                pids[j - gap] = t;
            }
}

// Linux's internal shmem mount (shm_mnt), the first anonymous device: what
// maps shows for MAP_SHARED anonymous memory (kernel/fs/mount.cpp keeps
// minors below 16 out of its allocator).
constexpr uint64_t kShmDevice = encode_device(0, 1);

// Called for link targets, under the namespace lock (fs/vfs.h).
Result<KString> describe_file(const OpenFile& file) {
    auto path = drivers::root_vfs().path_of_locked(file);
    if (!path.is_error())
        return path;
    // Linux names anonymous inodes by their file system and number, or
    // (anon_inode files such as pidfds) by their kind.
    char text[48];
    size_t length = file.anonymous_name()
        ? format(text, sizeof text, "anon_inode:[%s]", file.anonymous_name())
        : format(text, sizeof text, "%s:[%lu]", file.inode().type() == InodeType::Fifo ? "pipe" : "anon_inode",
                 file.inode().ino());
    return KString::try_create({text, length});
}

class KernelProcSource final : public procfs::ProcSource {
public:
    pid_t caller_tgid() override {
        proc::Thread* thread = sched::current().proc_thread();
        return thread ? thread->process().pid() : 0;
    }

    pid_t caller_tid() override {
        proc::Thread* thread = sched::current().proc_thread();
        return thread ? thread->tid() : 0;
    }

    Result<void> processes(Vector<pid_t>& tgids) override {
        struct Collect {
            Vector<pid_t>* out;
            bool failed = false;
        } collect{&tgids};
        table().for_each_process(
            [](proc::Process& process, void* context) {
                auto& c = *static_cast<Collect*>(context);
                if (c.out->try_append(process.pid()).is_error())
                    c.failed = true;
            },
            &collect);
        if (collect.failed)
            return ENOMEM;
        sort_pids(tgids);
        return {};
    }

    Result<pid_t> tgid_of(pid_t tid) override {
        pid_t tgid = 0;
        TRY(table().with_thread(
            tid, [](proc::Thread& thread, void* context) { *static_cast<pid_t*>(context) = thread.process().pid(); },
            &tgid));
        return tgid;
    }

    Result<void> threads(pid_t tgid, Vector<pid_t>& tids) override {
        struct Collect {
            pid_t tgid;
            Vector<pid_t>* out;
            bool found = false, failed = false;
        } collect{tgid, &tids};
        TRY(table().with_thread(
            tgid,
            [](proc::Thread& thread, void* context) {
                auto& c = *static_cast<Collect*>(context);
                proc::Process& process = thread.process();
                if (process.pid() != c.tgid)
                    return;
                c.found = true;
                if (process.is_zombie()) {
                    c.failed = c.failed || c.out->try_append(process.pid()).is_error();
                    return;
                }
                for (auto& t : process.threads())
                    if (t.life() != proc::Thread::Life::Dead)
                        c.failed = c.failed || c.out->try_append(t.tid()).is_error();
            },
            &collect));
        if (!collect.found)
            return ESRCH;
        if (collect.failed)
            return ENOMEM;
        sort_pids(tids);
        return {};
    }

    Result<procfs::TaskInfo> task(pid_t tgid, pid_t tid) override {
        if (tgid == caller_tgid())
            sync_accounting(); // the caller's own CPU time, up to now
        TaskVisit visit;
        visit.want_tgid = tgid;
        visit.whole_process = tid == 0;
        TRY(table().with_thread(tid ? tid : tgid, visit_task, &visit));
        if (!visit.found)
            return ESRCH;
        procfs::TaskInfo info = visit.info;
        if (visit.space) {
            usage_into(info, *visit.space);
            visit.space->unref();
        }
        // The group's CPU time and faults (exited threads included) for a
        // process, the thread's own for a thread; the reaped children's in
        // both, as Linux's do_task_stat reads them from the signal struct.
        proc::Thread* leader = table().find_thread(tgid);
        proc::Thread* shown = visit.whole_process ? leader : table().find_thread(tid);
        auto ns_of = [](const proc::TimeVal& t) { return t.tv_sec * 1000000000ull + t.tv_usec * 1000ull; };
        if (leader && shown) {
            auto self = table().getrusage(*shown, visit.whole_process ? proc::RUSAGE_SELF : proc::RUSAGE_THREAD);
            auto children = table().getrusage(*leader, proc::RUSAGE_CHILDREN);
            if (!self.is_error()) {
                const proc::RUsage& u = self.value();
                info.utime_ns = ns_of(u.ru_utime);
                info.stime_ns = ns_of(u.ru_stime);
                info.minflt = static_cast<uint64_t>(u.ru_minflt);
                info.majflt = static_cast<uint64_t>(u.ru_majflt);
                info.nvcsw = static_cast<uint64_t>(u.ru_nvcsw);
                info.nivcsw = static_cast<uint64_t>(u.ru_nivcsw);
            }
            if (!children.is_error()) {
                const proc::RUsage& u = children.value();
                info.cutime_ns = ns_of(u.ru_utime);
                info.cstime_ns = ns_of(u.ru_stime);
                info.cminflt = static_cast<uint64_t>(u.ru_minflt);
                info.cmajflt = static_cast<uint64_t>(u.ru_majflt);
            }
        }
        return info;
    }

    Result<void> read_memory(pid_t tgid, uint64_t start, uint64_t end, TextBuffer& out) override {
        mm::AddressSpace* space = TRY(pin_space(tgid));
        if (!space || end <= start)
            return {};
        // Linux caps what one read session copies; the strings are at most
        // the exec's argument space.
        uint64_t length = end - start;
        if (length > (2u << 20))
            length = 2u << 20;
        char chunk[256];
        Result<void> result;
        for (uint64_t done = 0; done < length;) {
            size_t count = length - done < sizeof chunk ? length - done : sizeof chunk;
            result = space->read(start + done, chunk, count);
            if (result.is_error())
                break;
            out.append(chunk, count);
            done += count;
        }
        space->unref();
        // Memory the process unmapped reads as the end of the strings.
        if (result.is_error() && result.error().code() != EFAULT)
            return result.error();
        return {};
    }

    Result<void> maps(pid_t tgid, Vector<procfs::MapInfo>& maps) override {
        mm::AddressSpace* space = TRY(pin_space(tgid));
        if (!space)
            return {};
        // Under the address space's lock the visitor only copies: the
        // names of mapped files are resolved afterwards, under the
        // namespace lock (path_of), which must not nest inside it.
        struct Collect {
            Vector<procfs::MapInfo>* out;
            Vector<RefPtr<PathName>>* paths; // one per line, null if none
            Vector<RefPtr<Inode>>* files;    // the mapped file of each line, null if none
            uint64_t start_brk, brk, start_stack;
            bool failed = false;
        };
        Vector<RefPtr<PathName>> paths;
        Vector<RefPtr<Inode>> files;
        Collect collect{&maps, &paths, &files, space->initial_brk(), space->current_brk(),
                        space->image_info().start_stack};
        RefPtr<PathName> exe = space->image_info().exe;
        RefPtr<Inode> exe_inode(space->image_info().exe_denial.inode());
        space->for_each_vma(
            [](const mm::Vma& vma, void* context) {
                auto& c = *static_cast<Collect*>(context);
                procfs::MapInfo info;
                info.start = vma.start;
                info.end = vma.end;
                info.prot = vma.prot;
                info.shared = vma.is_shared();
                RefPtr<PathName> path;
                RefPtr<Inode> file_ref;
                const Inode* file = vma.backing ? vma.backing->file_inode() : nullptr;
                StringView label;
                if (file) {
                    // A mapped file: its offset, device, inode and name.
                    info.offset = vma.offset;
                    info.device = file->fs().device_id();
                    info.ino = file->ino();
                    path = const_cast<PathName*>(vma.backing->file_path());
                    file_ref = RefPtr<Inode>(const_cast<Inode*>(file));
                } else if (vma.flags & mm::VmaImage) {
                    // exec's copy of the binary's file pages: Linux maps
                    // them from the file, so they show it (filled in below).
                    info.offset = vma.offset;
                    info.ino = ~0ull;
                } else if (uint64_t shmem = vma.backing ? vma.backing->shmem_ino() : 0) {
                    // MAP_SHARED anonymous memory (or /dev/zero mapped
                    // shared): Linux maps an unlinked shmem file named
                    // dev/zero on its internal mount, 0:1.
                    info.offset = vma.offset;
                    info.device = kShmDevice;
                    info.ino = shmem;
                    label = "/dev/zero (deleted)";
                } else if (vma.start < c.brk && vma.end > c.start_brk) {
                    label = "[heap]"; // Linux's vma_is_initial_heap
                } else if (vma.start <= c.start_stack && vma.end >= c.start_stack) {
                    label = "[stack]"; // vma_is_initial_stack
                }
                if (!label.is_empty()) {
                    auto text = KString::try_create(label);
                    if (text.is_error())
                        c.failed = true;
                    else
                        info.name = text.release_value();
                }
                c.failed = c.failed || c.out->try_append(std::move(info)).is_error() ||
                           c.paths->try_append(std::move(path)).is_error() ||
                           c.files->try_append(std::move(file_ref)).is_error();
            },
            &collect);
        space->unref();
        if (collect.failed)
            return ENOMEM;
        // Names as Linux's d_path, " (deleted)" for files unlinked since.
        Vfs& vfs = drivers::root_vfs();
        SpinlockGuard guard(vfs.namespace_lock());
        KString exe_path;
        if (exe && exe_inode) {
            auto path = vfs.display_path_locked(*exe, *exe_inode);
            if (!path.is_error())
                exe_path = path.release_value();
        }
        for (size_t i = 0; i < maps.size(); ++i) {
            procfs::MapInfo& info = maps[i];
            if (info.ino == ~0ull) {
                info.device = exe_inode ? exe_inode->fs().device_id() : 0;
                info.ino = exe_inode ? exe_inode->ino() : 0;
                if (exe_path.length())
                    info.name = TRY(KString::try_create(exe_path.view()));
            } else if (paths[i] && files[i]) {
                auto path = vfs.display_path_locked(*paths[i], *files[i]);
                if (!path.is_error())
                    info.name = path.release_value();
            }
        }
        return {};
    }

    Result<void> fds(pid_t tgid, Vector<procfs::FdInfo>& fds) override {
        FdTable* files = TRY(pin_files(tgid));
        Result<void> result;
        for (size_t fd = 0; fd < files->high_water() && !result.is_error(); ++fd) {
            auto file = files->get(static_cast<int>(fd));
            if (file.is_error())
                continue;
            // The listing needs the numbers only (the targets are read per
            // link, under the namespace lock that getdents64 holds here).
            procfs::FdInfo info;
            info.fd = static_cast<int>(fd);
            result = fds.try_append(std::move(info));
        }
        files->unref();
        return result;
    }

    Result<KString> fd_target(pid_t tgid, int fd) override {
        auto pinned = pin_files(tgid);
        if (pinned.is_error())
            return ENOENT;
        FdTable* files = pinned.value();
        auto file = files->get(fd);
        files->unref();
        if (file.is_error())
            return ENOENT;
        return describe_file(*file.value());
    }

    Result<void> fdinfo(pid_t tgid, int fd, TextBuffer& out) override {
        auto pinned = pin_files(tgid);
        if (pinned.is_error())
            return ENOENT;
        FdTable* files = pinned.value();
        bool cloexec = false;
        auto file = files->get(fd, cloexec);
        files->unref();
        if (file.is_error())
            return ENOENT;
        const OpenFile& f = *file.value();
        procfs::FdDetails details;
        details.pos = static_cast<int64_t>(f.offset());
        details.flags = f.status_flags() | (cloexec ? O_CLOEXEC : 0);
        details.mnt_id = f.inode().fs().mount_id;
        details.ino = f.inode().ino();
        procfs::format_fdinfo(details, out);
        f.show_fdinfo(out);
        return {};
    }

    Result<KString> exe(pid_t tgid) override {
        mm::AddressSpace* space = TRY(pin_space(tgid));
        if (!space)
            return ENOENT;
        RefPtr<PathName> exe = space->image_info().exe;
        RefPtr<Inode> inode(space->image_info().exe_denial.inode());
        space->unref();
        if (!exe)
            return ENOENT;
        if (!inode)
            return drivers::root_vfs().path_of_locked(*exe);
        return drivers::root_vfs().display_path_locked(*exe, *inode);
    }

    Result<KString> cwd(pid_t tgid) override {
        Pinned<FsState> pin{tgid};
        TRY(table().with_thread(tgid, visit_fs, &pin));
        if (!pin.object)
            return ENOENT;
        auto path = drivers::root_vfs().path_of_locked(*pin.object->cwd);
        pin.object->unref();
        return path;
    }

    procfs::SystemInfo system() override {
        procfs::SystemInfo s;
        proc::ProcessStats stats = table().stats();
        s.uptime_ns = monotonic_ns();
        sched::CpuTimes times = sched::cpu_times();
        s.idle_ns = times.idle_ns;
        s.user_ns = times.user_ns;
        s.system_ns = times.system_ns;
        s.context_switches = times.context_switches;
        for (uint8_t irq = 0; irq < 16; ++irq)
            s.irqs[irq] = arch::irq_count(irq);
        s.boot_time = (realtime_ns() - s.uptime_ns) / 1000000000ull;
        s.forks = stats.forks;
        s.running = static_cast<int>(sched::runnable_thread_count());
        s.threads = stats.threads;
        s.last_pid = table().last_pid();
        sched::load_averages(s.loadavg);
        s.total_bytes = mm::usable_frame_count() * 4096;
        s.free_bytes = mm::free_frame_count() * 4096;
        mm::MmStats mm_stats = mm::mm_stats();
        s.page_table_bytes = mm_stats.page_table_pages * 4096;
        s.user_bytes = mm_stats.mapped_user_pages * 4096;
        // What sysinfo(2) calls sharedram: every file page lives in memory only.
        s.shmem_bytes = (fs_stats::file_pages() + mm_stats.shared_anonymous_pages) * 4096;
        s.kernel_heap_bytes = mm::heap_bytes_in_use();
        s.kernel_stack_bytes = live_tasks() * mm::kernel_stack_size;
        return s;
    }
};

KernelProcSource g_source;

} // namespace

Result<void> mount_proc(Vfs& vfs) {
    TRY(procfs::register_type(vfs, g_source));
    // What `mount -t proc -o nosuid,nodev,noexec proc /proc` does, as root
    // with the root directory for cwd; the archive has /proc.
    Credentials root = Credentials::root();
    RefPtr<FdTable> fds = TRY(FdTable::try_create());
    RefPtr<Inode> cwd = vfs.root();
    FsProcess kernel{root, *fds, cwd};
    return vfs.mount(kernel, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, {});
}

} // namespace charon::task
