// procfs: /proc as a file system whose directories, files and links are
// generated from live kernel state when they are looked up, listed, read
// or followed (fs/inode.h's InodeProvider). Nothing is cached, so nothing
// goes stale and nothing is left to leak: an inode lives as long as the
// path walk, open file or cwd holding it.
//
// Portable: the layout and the exact Linux text formats live here (unit
// tested on the host with a fake source); the facts come from a
// ProcSource, which the kernel implements over the process table, the
// tasks, the address spaces and the clock (kernel/task/proc_source.cpp).
// See docs/procfs.md.
#pragma once

#include <cstdint>

#include "fs/inode.h"
#include "lib/kstring.h"
#include "lib/result.h"
#include "lib/text_buffer.h"
#include "lib/vector.h"
#include "proc/credentials.h"

namespace charon {
class Vfs;
}

namespace charon::procfs {

using pid_t = int32_t;

// USER_HZ: the clock-tick unit of /proc/PID/stat and /proc/stat.
inline constexpr uint64_t kUserHz = 100;
inline constexpr uint64_t kNsPerTick = 1000000000ull / kUserHz;

// One thread, or a whole process (thread group), as /proc/PID/stat and
// /proc/PID/status show it.
struct TaskInfo {
    pid_t tgid = 0;
    pid_t tid = 0; // the thread; the leader's tid for a process
    pid_t ppid = 0, pgrp = 0, session = 0;
    uint32_t tty_nr = 0; // controlling terminal's device (Linux's encoding), 0: none
    pid_t tpgid = -1;    // its foreground group, -1 without a terminal
    char state = 'R';    // R S T Z
    // A whole process (/proc/PID/stat) rather than one thread
    // (/proc/PID/task/TID/stat): Linux reports wchan only for a thread or a
    // single-threaded process.
    bool whole = false;
    uint32_t flags = 0; // Linux's PF_* bits (see the kPf constants)
    char comm[16] = {};
    uint32_t uid[4] = {}, gid[4] = {}; // real, effective, saved, filesystem
    RefPtr<const proc::GroupList> groups; // supplementary groups (null: none)
    int nice = 0; // the thread's (the leader's for a process), -20..19
    uint32_t umask = 022;
    bool has_fs = true; // a zombie has no fs: no Umask line
    int fd_size = 0;    // FDSize: the descriptor table's slots, 0 without one
    uint64_t utime_ns = 0, stime_ns = 0;   // own (whole group for a process)
    uint64_t cutime_ns = 0, cstime_ns = 0; // reaped children's
    uint64_t minflt = 0, majflt = 0, cminflt = 0, cmajflt = 0;
    uint64_t nvcsw = 0, nivcsw = 0;
    int num_threads = 1;
    uint64_t start_ns = 0; // since boot
    int exit_signal = 17;
    int exit_code = 0; // a zombie's wait status
    // Signals: pending for the thread, pending for the whole process,
    // blocked, ignored, caught (one bit per signal, bit 0 = signal 1).
    uint64_t sig_pending = 0, shared_pending = 0, blocked = 0, ignored = 0, caught = 0;
    int queued_signals = 0;
    uint64_t sigqueue_limit = 0;
    // Memory (has_mm false for a zombie: the address space is gone).
    bool has_mm = false;
    uint64_t vsize = 0;      // bytes mapped
    uint64_t peak_vsize = 0; // VmPeak: the most ever mapped
    uint64_t rss_pages = 0;  // resident pages
    uint64_t peak_rss_pages = 0; // VmHWM: the most ever resident
    // Of the resident pages: file pages and shared memory (RssFile,
    // RssShmem); the rest is RssAnon.
    uint64_t rss_file_pages = 0, rss_shmem_pages = 0;
    uint64_t page_table_bytes = 0; // VmPTE
    uint64_t data_bytes = 0, stack_bytes = 0, exec_bytes = 0; // exec_bytes: executable mappings (exec_vm)
    uint64_t start_code = 0, end_code = 0, start_data = 0, end_data = 0, start_stack = 0, start_brk = 0, brk = 0;
    uint64_t arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
};

// task_struct flags shown in /proc/PID/stat's flags field (Linux's PF_*).
inline constexpr uint32_t kPfExiting = 0x4;       // the task has exited (a zombie)
inline constexpr uint32_t kPfPostCoredump = 0x8;  // set by every exit (coredump_task_exit)
inline constexpr uint32_t kPfForkNoExec = 0x40;   // forked, has not exec'd since
inline constexpr uint32_t kPfSignaled = 0x400;    // killed by a signal
inline constexpr uint32_t kPfNoFreeze = 0x8000;   // set at do_task_dead

// One line of /proc/PID/maps.
struct MapInfo {
    uint64_t start = 0, end = 0, offset = 0;
    int prot = 0; // PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4
    bool shared = false;
    uint64_t device = 0, ino = 0;
    KString name; // a path, "[heap]", "[stack]", or empty
};

// One descriptor of /proc/PID/fd.
struct FdInfo {
    int fd = 0;
    KString target; // the path, or "pipe:[INO]" and the like
};

// The head of /proc/PID/fdinfo/N (Linux's seq_show in fs/proc/fd.c).
struct FdDetails {
    int64_t pos = 0;
    int flags = 0;       // the file's status flags, | O_CLOEXEC for an FD_CLOEXEC descriptor
    uint64_t mnt_id = 0; // the mount the file was opened through (statx's stx_mnt_id)
    uint64_t ino = 0;
};

// The machine-wide figures of /proc/meminfo, /proc/stat, /proc/uptime,
// /proc/loadavg.
struct SystemInfo {
    uint64_t uptime_ns = 0;
    uint64_t idle_ns = 0;                // time the CPU spent idle
    uint64_t user_ns = 0, system_ns = 0; // CPU time of all threads, ever
    uint64_t boot_time = 0;              // seconds since the epoch
    uint64_t context_switches = 0;
    uint64_t irqs[16] = {}; // interrupts per legacy IRQ line since boot
    uint64_t forks = 0;
    int running = 0; // runnable threads (the load)
    int blocked = 0; // in uninterruptible sleep
    int threads = 0; // every thread
    pid_t last_pid = 0;
    uint64_t loadavg[3] = {}; // fixed point, 11 fractional bits (Linux FSHIFT)
    uint64_t total_bytes = 0, free_bytes = 0, kernel_heap_bytes = 0, kernel_stack_bytes = 0;
    uint64_t page_table_bytes = 0, user_bytes = 0;
    uint64_t shmem_bytes = 0; // file data (tmpfs-like) and shared anonymous pages, Linux's Shmem
};

class ProcSource {
public:
    virtual ~ProcSource() = default;
    // The calling thread (for "self" and "thread-self").
    virtual pid_t caller_tgid() = 0;
    virtual pid_t caller_tid() = 0;
    // Every process (thread-group ids), ascending.
    virtual Result<void> processes(Vector<pid_t>& tgids) = 0;
    // The thread group of `tid` (ESRCH if no such thread).
    virtual Result<pid_t> tgid_of(pid_t tid) = 0;
    // The threads of a process, ascending (ESRCH).
    virtual Result<void> threads(pid_t tgid, Vector<pid_t>& tids) = 0;
    // A process (tid 0) or one of its threads (ESRCH).
    virtual Result<TaskInfo> task(pid_t tgid, pid_t tid) = 0;
    // Bytes [start, end) of the process's memory (cmdline, environ);
    // nothing for a process without memory.
    virtual Result<void> read_memory(pid_t tgid, uint64_t start, uint64_t end, TextBuffer& out) = 0;
    virtual Result<void> maps(pid_t tgid, Vector<MapInfo>& maps) = 0;
    virtual Result<void> fds(pid_t tgid, Vector<FdInfo>& fds) = 0;
    // The descriptor's target (ENOENT when closed).
    virtual Result<KString> fd_target(pid_t tgid, int fd) = 0;
    // /proc/PID/fdinfo/N: format_fdinfo's lines, then the lines the file
    // adds (a pidfd's Pid: and NSpid:). ENOENT when the fd is not open.
    virtual Result<void> fdinfo(pid_t tgid, int fd, TextBuffer& out) = 0;
    virtual Result<KString> exe(pid_t tgid) = 0; // ENOENT for a zombie
    virtual Result<KString> cwd(pid_t tgid) = 0;
    virtual SystemInfo system() = 0;
};

// Registers the "proc" file-system type with `vfs`: `mount -t proc proc
// DIR` makes an instance (its own anonymous device) showing `source`, and
// /proc/mounts and /proc/filesystems list this Vfs's mounts and types.
// Both must outlive every instance. The kernel registers it once at boot
// and mounts /proc the same way (task::mount_proc).
Result<void> register_type(Vfs& vfs, ProcSource& source);

// The lines of /proc/mounts for `vfs`.
Result<void> format_mounts(Vfs& vfs, TextBuffer& out);

// Formats, exposed for the unit tests.
void format_stat(const TaskInfo& task, TextBuffer& out);
void format_status(const TaskInfo& task, TextBuffer& out);
void format_statm(const TaskInfo& task, TextBuffer& out);
void format_maps(const Vector<MapInfo>& maps, TextBuffer& out);
void format_fdinfo(const FdDetails& details, TextBuffer& out);
void format_meminfo(const SystemInfo& system, TextBuffer& out);
void format_system_stat(const SystemInfo& system, TextBuffer& out);
void format_uptime(const SystemInfo& system, TextBuffer& out);
void format_loadavg(const SystemInfo& system, TextBuffer& out);

} // namespace charon::procfs
