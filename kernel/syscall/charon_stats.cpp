// charon_stats(buf, size): Charon's own counters for leak tests (Charon-only
// guest tests, tests/guest/charon_*.c). Number 511: a private slot at the
// end of the table, far above Linux's last x86_64 number (the 460s), so a
// native Linux answers ENOSYS and those tests skip. docs/syscalls/charon_stats.md.
#include "arch/x86_64/paging.h"
#include "fs/stats.h"
#include "fs/timerfd.h"
#include "mm/address_space.h"
#include "mm/fault_inject.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/kernel_vm.h"
#include "sched/scheduler.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"

namespace charon {

namespace {
struct CharonStats {
    uint64_t version;            // 1 (fields are only appended: the returned size tells which exist)
    uint64_t free_frames;
    uint64_t usable_frames;
    uint64_t live_kernel_stacks;
    uint64_t live_kernel_threads; // sched threads not yet reaped (idle, reaper, timer included)
    uint64_t processes;           // unreaped, zombies included
    uint64_t zombies;
    uint64_t threads;             // lifecycle threads
    uint64_t tasks;               // kernel per-thread objects (task.h)
    uint64_t file_tables;
    uint64_t open_files;
    uint64_t pipes;
    uint64_t inodes;
    uint64_t address_spaces;
    uint64_t mapped_user_pages;
    uint64_t page_table_pages;
    uint64_t heap_bytes;          // kernel heap in use (objects, not slack)
    uint64_t heap_slab_frames;    // frames the heap keeps for its slabs (never given back)
    uint64_t kernel_page_table_pages; // of page_table_pages, the kernel half's (kept once made)
    uint64_t file_pages;          // regular-file data pages (fs/page_store.h)
    uint64_t shared_anonymous_pages; // pages of MAP_SHARED|MAP_ANONYMOUS objects
    uint64_t file_store_bytes;    // of heap_bytes, what holds file data (contents objects, index nodes)
    uint64_t user_accounts;       // per-uid accounts of the lifecycle core (real uids in use)
    uint64_t user_tasks;          // RLIMIT_NPROC's count for the caller's real uid
    uint64_t posix_timers;        // timer_create timers alive
    uint64_t pid_refs;            // pidfd identities (proc::PidRef) alive
    uint64_t timerfds;            // timerfd files alive (fs/timerfd.h)
};
} // namespace

CHARON_SYSCALL(511, charon_stats, sys_charon_stats);
static Result<long> sys_charon_stats(SyscallArgs const& args) {
    CharonStats s{};
    s.version = 1;
    s.free_frames = mm::free_frame_count();
    s.usable_frames = mm::usable_frame_count();
    s.live_kernel_stacks = mm::live_kernel_stack_count();
    s.live_kernel_threads = sched::live_thread_count();
    proc::ProcessStats ps = task::table().stats();
    s.processes = static_cast<uint64_t>(ps.processes);
    s.zombies = static_cast<uint64_t>(ps.zombie);
    s.threads = static_cast<uint64_t>(ps.threads);
    s.tasks = task::live_tasks();
    s.file_tables = fs_stats::live_fd_tables();
    s.open_files = fs_stats::live_open_files();
    s.pipes = fs_stats::live_pipes();
    s.inodes = fs_stats::live_inodes();
    mm::MmStats ms = mm::mm_stats();
    s.address_spaces = ms.live_address_spaces;
    s.mapped_user_pages = ms.mapped_user_pages;
    s.page_table_pages = ms.page_table_pages;
    s.heap_bytes = mm::heap_bytes_in_use();
    s.heap_slab_frames = mm::heap_slab_frame_count();
    s.kernel_page_table_pages = arch::kernel_page_table_page_count();
    s.file_pages = fs_stats::file_pages();
    s.shared_anonymous_pages = ms.shared_anonymous_pages;
    s.file_store_bytes = fs_stats::file_store_bytes();
    s.user_accounts = static_cast<uint64_t>(ps.user_accounts);
    s.user_tasks = static_cast<uint64_t>(task::current_thread().process().user_tasks());
    s.posix_timers = ps.posix_timers;
    s.pid_refs = static_cast<uint64_t>(ps.pid_refs);
    s.timerfds = timerfd::live_count();
    size_t size = args.arg[1] < sizeof(s) ? args.arg[1] : sizeof(s);
    TRY(copy_to_user(args.arg[0], &s, size));
    return static_cast<long>(sizeof(s));
}

// charon_fault(op): arms (1) or disarms (0) the calling process (and the
// children it forks from then on) for the fault injection chosen on the
// kernel command line (fault_every=..., mm/fault_inject.h), or only reports
// (2); returns the failures injected since boot. Number 512, next to
// charon_stats; Linux answers ENOSYS. docs/syscalls/charon_fault.md.
CHARON_SYSCALL(512, charon_fault, sys_charon_fault);
static Result<long> sys_charon_fault(SyscallArgs const& args) {
    uint64_t op = args.arg[0];
    if (op > 2)
        return EINVAL;
    if (!mm::fault_injection_configured())
        return EOPNOTSUPP;
    if (op != 2 && task::current_thread().process().credentials().euid != 0)
        return EPERM;
    if (op != 2)
        task::extra_of(task::current_thread().process()).make_it_fail = op == 1;
    return static_cast<long>(mm::fault_injection_count());
}

} // namespace charon
