#include "fs/procfs/procfs.h"

#include <new>

#include "fs/mount.h"
#include "fs/vfs.h"
#include "lib/format.h"

namespace charon::procfs {

namespace {

// What register_type was given: every "proc" instance shows this source,
// and its mounts and file-system types are this Vfs's.
ProcSource* g_source = nullptr;
Vfs* g_vfs = nullptr;

enum class Kind : uint8_t {
    Root = 1,
    Self,
    ThreadSelf,
    Version,
    Uptime,
    Loadavg,
    Meminfo,
    SystemStat,
    Mounts,
    Filesystems,
    Cpuinfo,
    // Per process (/proc/PID) and per thread (/proc/PID/task/TID).
    PidDir,
    TaskDir,
    TidDir,
    FdDir,
    FdLink,
    FdInfoDir,
    FdInfo,
    Exe,
    Cwd,
    RootLink,
    Stat,
    Status,
    Statm,
    Cmdline,
    Comm,
    Environ,
    Maps,
};

struct Entry {
    const char* name;
    Kind kind;
    InodeType type;
    uint32_t permissions;
};

constexpr Entry kRootEntries[] = {
    {"self", Kind::Self, InodeType::Symlink, 0777},
    {"thread-self", Kind::ThreadSelf, InodeType::Symlink, 0777},
    {"version", Kind::Version, InodeType::Regular, 0444},
    {"uptime", Kind::Uptime, InodeType::Regular, 0444},
    {"loadavg", Kind::Loadavg, InodeType::Regular, 0444},
    {"meminfo", Kind::Meminfo, InodeType::Regular, 0444},
    {"stat", Kind::SystemStat, InodeType::Regular, 0444},
    {"mounts", Kind::Mounts, InodeType::Symlink, 0777},
    {"filesystems", Kind::Filesystems, InodeType::Regular, 0444},
    {"cpuinfo", Kind::Cpuinfo, InodeType::Regular, 0444},
};

// /proc/PID, in Linux's order (tgid_base_stuff).
constexpr Entry kPidEntries[] = {
    {"task", Kind::TaskDir, InodeType::Directory, 0555},  {"fd", Kind::FdDir, InodeType::Directory, 0500},
    {"fdinfo", Kind::FdInfoDir, InodeType::Directory, 0555},
    {"environ", Kind::Environ, InodeType::Regular, 0400}, {"status", Kind::Status, InodeType::Regular, 0444},
    {"comm", Kind::Comm, InodeType::Regular, 0444},       {"cmdline", Kind::Cmdline, InodeType::Regular, 0444},
    {"stat", Kind::Stat, InodeType::Regular, 0444},       {"statm", Kind::Statm, InodeType::Regular, 0444},
    {"maps", Kind::Maps, InodeType::Regular, 0444},       {"cwd", Kind::Cwd, InodeType::Symlink, 0777},
    {"root", Kind::RootLink, InodeType::Symlink, 0777},   {"exe", Kind::Exe, InodeType::Symlink, 0777},
    {"mounts", Kind::Mounts, InodeType::Regular, 0444},
};

// /proc/PID/task/TID (tid_base_stuff, the part Charon has).
constexpr Entry kTidEntries[] = {
    {"fd", Kind::FdDir, InodeType::Directory, 0500},      {"fdinfo", Kind::FdInfoDir, InodeType::Directory, 0555},
    {"environ", Kind::Environ, InodeType::Regular, 0400},
    {"status", Kind::Status, InodeType::Regular, 0444},   {"comm", Kind::Comm, InodeType::Regular, 0444},
    {"cmdline", Kind::Cmdline, InodeType::Regular, 0444}, {"stat", Kind::Stat, InodeType::Regular, 0444},
    {"statm", Kind::Statm, InodeType::Regular, 0444},     {"maps", Kind::Maps, InodeType::Regular, 0444},
    {"cwd", Kind::Cwd, InodeType::Symlink, 0777},         {"root", Kind::RootLink, InodeType::Symlink, 0777},
    {"exe", Kind::Exe, InodeType::Symlink, 0777},
};

// Inode numbers are a function of what the inode shows, so that two
// lookups of the same name agree (ls -i, find's loop detection).
uint64_t inode_number(Kind kind, pid_t tgid, pid_t tid, int fd) {
    if (kind == Kind::Root)
        return 1;
    uint64_t number = static_cast<uint64_t>(kind);
    number |= static_cast<uint64_t>(static_cast<uint32_t>(fd + 1) & 0xffffff) << 8;
    number |= static_cast<uint64_t>(static_cast<uint32_t>(tid) & 0xffff) << 32;
    number |= static_cast<uint64_t>(static_cast<uint32_t>(tgid) & 0xffff) << 48;
    return number;
}

// "123" -> 123; no sign, no leading zero, no overflow (Linux's name_to_int).
bool parse_number(StringView name, int& value) {
    if (name.is_empty() || name.length() > 9 || (name[0] == '0' && name.length() > 1))
        return false;
    int result = 0;
    for (size_t i = 0; i < name.length(); ++i) {
        if (name[i] < '0' || name[i] > '9')
            return false;
        result = result * 10 + (name[i] - '0');
    }
    value = result;
    return true;
}

Result<KString> number_string(long value) {
    char text[24];
    size_t length = format(text, sizeof text, "%ld", value);
    return KString::try_create({text, length});
}

class Node final : public InodeProvider {
public:
    Node(ProcSource& source, Kind kind, pid_t tgid, pid_t tid, int fd, KString name)
        : m_source(source), m_kind(kind), m_tgid(tgid), m_tid(tid), m_fd(fd), m_name(std::move(name)) {}

    // A new inode for `kind` under `parent`. Per-process entries belong to
    // the process's effective ids, as on Linux.
    static Result<RefPtr<Inode>> create(ProcSource& source, Inode& parent, Kind kind, InodeType type,
                                        uint32_t permissions, pid_t tgid, pid_t tid, int fd, StringView name) {
        uint32_t uid = 0, gid = 0;
        if (tgid) {
            TaskInfo task = TRY(source.task(tgid, tid));
            uid = task.uid[1];
            gid = task.gid[1];
        }
        RefPtr<Inode> inode = TRY(Inode::try_create(parent.fs(), type, permissions, uid, gid));
        // The name first: a TRY inside the new-expression would return
        // after the allocation and leak it.
        KString node_name = TRY(KString::try_create(name));
        auto* node = new (std::nothrow) Node(source, kind, tgid, tid, fd, std::move(node_name));
        if (!node)
            return ENOMEM;
        // A directory: "." and its name, plus ".." of each subdirectory.
        uint32_t links = 1;
        if (type == InodeType::Directory)
            links = kind == Kind::PidDir ? 5 : kind == Kind::TidDir ? 4 : 2;
        inode->make_generated(node, &parent, inode_number(kind, tgid, tid, fd), links);
        return inode;
    }

    StringView name() const override { return m_name.view(); }

    Result<RefPtr<Inode>> lookup(Inode& directory, StringView name) override {
        switch (m_kind) {
        case Kind::Root: return lookup_root(directory, name);
        case Kind::PidDir: return lookup_entries(directory, name, kPidEntries, m_tgid, m_tid);
        case Kind::TidDir: return lookup_entries(directory, name, kTidEntries, m_tgid, m_tid);
        case Kind::TaskDir: {
            int tid;
            if (!parse_number(name, tid))
                return ENOENT;
            auto owner = m_source.tgid_of(tid);
            if (owner.is_error() || owner.value() != m_tgid)
                return ENOENT;
            return create(m_source, directory, Kind::TidDir, InodeType::Directory, 0555, m_tgid, tid, -1, name);
        }
        case Kind::FdDir: {
            int fd;
            if (!parse_number(name, fd))
                return ENOENT;
            if (m_source.fd_target(m_tgid, fd).is_error())
                return ENOENT;
            // Linux: the link's permission bits say how the fd was opened;
            // 0700 is what most show (an O_RDWR file).
            return create(m_source, directory, Kind::FdLink, InodeType::Symlink, 0700, m_tgid, m_tid, fd, name);
        }
        case Kind::FdInfoDir: {
            int fd;
            if (!parse_number(name, fd))
                return ENOENT;
            if (m_source.fd_target(m_tgid, fd).is_error())
                return ENOENT;
            return create(m_source, directory, Kind::FdInfo, InodeType::Regular, 0444, m_tgid, m_tid, fd, name);
        }
        default: return ENOTDIR;
        }
    }

    Result<void> list(Inode&, Vector<GeneratedEntry>& entries) override {
        switch (m_kind) {
        case Kind::Root: {
            for (auto& entry : kRootEntries)
                TRY(append(entries, entry.name, inode_number(entry.kind, 0, 0, -1), entry.type));
            Vector<pid_t> pids;
            TRY(m_source.processes(pids));
            for (pid_t pid : pids) {
                KString name = TRY(number_string(pid));
                TRY(append(entries, name.view(), inode_number(Kind::PidDir, pid, 0, -1), InodeType::Directory));
            }
            return {};
        }
        case Kind::PidDir:
            for (auto& entry : kPidEntries)
                TRY(append(entries, entry.name, inode_number(entry.kind, m_tgid, m_tid, -1), entry.type));
            return {};
        case Kind::TidDir:
            for (auto& entry : kTidEntries)
                TRY(append(entries, entry.name, inode_number(entry.kind, m_tgid, m_tid, -1), entry.type));
            return {};
        case Kind::TaskDir: {
            Vector<pid_t> tids;
            TRY(m_source.threads(m_tgid, tids));
            for (pid_t tid : tids) {
                KString name = TRY(number_string(tid));
                TRY(append(entries, name.view(), inode_number(Kind::TidDir, m_tgid, tid, -1), InodeType::Directory));
            }
            return {};
        }
        case Kind::FdDir:
        case Kind::FdInfoDir: {
            bool links = m_kind == Kind::FdDir;
            Vector<FdInfo> fds;
            TRY(m_source.fds(m_tgid, fds));
            for (auto& fd : fds) {
                KString name = TRY(number_string(fd.fd));
                TRY(append(entries, name.view(),
                           inode_number(links ? Kind::FdLink : Kind::FdInfo, m_tgid, m_tid, fd.fd),
                           links ? InodeType::Symlink : InodeType::Regular));
            }
            return {};
        }
        default: return ENOTDIR;
        }
    }

    Result<KString> link_target(Inode&) override {
        switch (m_kind) {
        case Kind::Self: {
            pid_t tgid = m_source.caller_tgid();
            if (!tgid)
                return ENOENT; // a kernel thread has no self
            return number_string(tgid);
        }
        case Kind::ThreadSelf: {
            pid_t tgid = m_source.caller_tgid();
            if (!tgid)
                return ENOENT;
            char text[48];
            size_t length = format(text, sizeof text, "%d/task/%d", tgid, m_source.caller_tid());
            return KString::try_create({text, length});
        }
        case Kind::Mounts: return KString::try_create("self/mounts");
        case Kind::Exe: return m_source.exe(m_tgid);
        case Kind::Cwd: return m_source.cwd(m_tgid);
        case Kind::RootLink: {
            TRY(m_source.task(m_tgid, m_tid)); // ESRCH once gone
            return KString::try_create("/");
        }
        case Kind::FdLink: return m_source.fd_target(m_tgid, m_fd);
        default: return EINVAL;
        }
    }

    Result<void> generate(Inode&, TextBuffer& out) override {
        switch (m_kind) {
        case Kind::Version: out.append("Linux version 6.1.0-charon (charon@charon) (g++) #1 Charon\n"); return {};
        case Kind::Uptime: format_uptime(m_source.system(), out); return {};
        case Kind::Loadavg: format_loadavg(m_source.system(), out); return {};
        case Kind::Meminfo: format_meminfo(m_source.system(), out); return {};
        case Kind::SystemStat: format_system_stat(m_source.system(), out); return {};
        case Kind::Mounts: return g_vfs ? format_mounts(*g_vfs, out) : Result<void>(ENOENT);
        case Kind::Filesystems:
            // Every type mount(2) knows, and pipefs (pipes' f_type): all
            // without a device. rootfs is not one (Linux 6.x: not listed).
            if (g_vfs)
                g_vfs->for_each_file_system_type([&](const FileSystemType& type) { out.appendf("nodev\t%s\n", type.name); });
            out.append("nodev\tpipefs\n");
            return {};
        case Kind::Cpuinfo:
            out.append("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: "
                       "QEMU TCG CPU\n"
                       "cpu cores\t: 1\nflags\t\t: fpu tsc sse sse2 syscall lm\n\n");
            return {};
        case Kind::Stat: format_stat(TRY(m_source.task(m_tgid, m_tid)), out); return {};
        case Kind::Status: format_status(TRY(m_source.task(m_tgid, m_tid)), out); return {};
        case Kind::Statm: format_statm(TRY(m_source.task(m_tgid, m_tid)), out); return {};
        case Kind::Comm: {
            TaskInfo task = TRY(m_source.task(m_tgid, m_tid));
            out.append(StringView(task.comm));
            out.append_char('\n');
            return {};
        }
        case Kind::Cmdline:
        case Kind::Environ: {
            TaskInfo task = TRY(m_source.task(m_tgid, m_tid));
            if (!task.has_mm)
                return {}; // a zombie's is empty
            if (m_kind == Kind::Cmdline)
                return m_source.read_memory(m_tgid, task.arg_start, task.arg_end, out);
            return m_source.read_memory(m_tgid, task.env_start, task.env_end, out);
        }
        case Kind::Maps: {
            Vector<MapInfo> maps;
            TRY(m_source.maps(m_tgid, maps));
            format_maps(maps, out);
            return {};
        }
        case Kind::FdInfo: return m_source.fdinfo(m_tgid, m_fd, out);
        default: return EINVAL;
        }
    }

    // fdinfo (the directory and its files): Linux 5.14+'s
    // proc_fdinfo_permission and seq_fdinfo_open ask ptrace_may_access
    // (PTRACE_MODE_READ_FSCREDS): the process itself, root (CAP_SYS_PTRACE),
    // or a caller whose ids equal all of the target's real, effective and
    // saved uids and gids; anyone else gets EACCES although the mode bits
    // say 0555/0444. (Linux also refuses a non-dumpable target: not
    // modelled.)
    Result<void> check_access(const Inode&, uint32_t uid, uint32_t gid) override {
        if (m_kind != Kind::FdInfoDir && m_kind != Kind::FdInfo)
            return {};
        if (uid == 0 || m_source.caller_tgid() == m_tgid)
            return {};
        auto task = m_source.task(m_tgid, m_tid);
        if (task.is_error())
            return {}; // gone: the lookup or read answers that
        for (int i = 0; i < 3; ++i) {
            if (task.value().uid[i] != uid || task.value().gid[i] != gid)
                return EACCES;
        }
        return {};
    }

private:
    static Result<void> append(Vector<GeneratedEntry>& entries, StringView name, uint64_t ino, InodeType type) {
        GeneratedEntry entry;
        entry.name = TRY(KString::try_create(name));
        entry.ino = ino;
        entry.type = type;
        return entries.try_append(std::move(entry));
    }

    template <size_t N>
    Result<RefPtr<Inode>> lookup_entries(Inode& directory, StringView name, const Entry (&table)[N], pid_t tgid,
                                         pid_t tid) {
        for (auto& entry : table) {
            if (StringView(entry.name) == name)
                return create(m_source, directory, entry.kind, entry.type, entry.permissions, tgid, tid, -1, name);
        }
        return ENOENT;
    }

    Result<RefPtr<Inode>> lookup_root(Inode& directory, StringView name) {
        for (auto& entry : kRootEntries) {
            if (StringView(entry.name) == name)
                return create(m_source, directory, entry.kind, entry.type, entry.permissions, 0, 0, -1, name);
        }
        int pid;
        if (!parse_number(name, pid))
            return ENOENT;
        // Any thread id works (Linux lets /proc/TID be looked up, though
        // only thread-group leaders are listed).
        auto owner = m_source.tgid_of(pid);
        if (owner.is_error())
            return ENOENT;
        pid_t tgid = owner.value();
        return create(m_source, directory, tgid == pid ? Kind::PidDir : Kind::TidDir, InodeType::Directory, 0555, tgid,
                      tgid == pid ? 0 : pid, -1, name);
    }

    ProcSource& m_source;
    Kind m_kind;
    pid_t m_tgid;
    pid_t m_tid; // 0: the whole process
    int m_fd;
    KString m_name;
};

uint64_t align_up_page(uint64_t value) {
    return (value + 4095) & ~4095ull;
}

// Clock ticks (USER_HZ) from nanoseconds.
uint64_t ticks(uint64_t ns) {
    return ns / kNsPerTick;
}

const char* state_word(char state) {
    switch (state) {
    case 'R': return "running";
    case 'S': return "sleeping";
    case 'D': return "disk sleep";
    case 'T': return "stopped";
    case 't': return "tracing stop";
    case 'X': return "dead";
    case 'Z': return "zombie";
    default: return "unknown";
    }
}

// /proc/meminfo: the label padded to 16 columns, the value to 8.
void kb_line(TextBuffer& out, const char* label, uint64_t bytes) {
    out.appendf("%-16s%8lu kB\n", label, bytes >> 10);
}
// /proc/PID/status: "VmRSS:\t    1234 kB".
void vm_line(TextBuffer& out, const char* label, uint64_t bytes) {
    out.appendf("%s\t%8lu kB\n", label, bytes >> 10);
}

} // namespace

namespace {

Result<RefPtr<Inode>> create_root(ProcSource& source, FileSystem& fs) {
    RefPtr<Inode> root = TRY(Inode::try_create(fs, InodeType::Directory, 0555, 0, 0));
    KString name = TRY(KString::try_create("proc"));
    auto* node = new (std::nothrow) Node(source, Kind::Root, 0, 0, -1, std::move(name));
    if (!node)
        return ENOMEM;
    root->make_generated(node, nullptr, 1, 1);
    // A mounted root: ".." is its own until the walk crosses to the
    // mountpoint.
    root->make_root();
    return root;
}

// mount -t proc: a new instance on its own anonymous device, as Linux
// (since 5.8) gives each proc mount its own superblock. Linux's options
// (hidepid=, gid=, subset=) are not supported: EINVAL, as Linux says for
// an unknown one.
Result<FileSystemType::Instance> create_instance(const FileSystemType& type, uint64_t device_id,
                                                 const MountRequest& request) {
    if (!g_source)
        return ENODEV;
    if (!request.options.is_empty())
        return EINVAL;
    auto* fs = new (std::nothrow) FileSystem(device_id, request.flags & MS_RDONLY, &type);
    if (!fs)
        return ENOMEM;
    auto root = create_root(*g_source, *fs);
    if (root.is_error()) {
        delete fs;
        return root.error();
    }
    FileSystemType::Instance instance;
    instance.fs = fs;
    instance.root = root.release_value();
    return instance;
}

// Linux's proc_fill_super: f_bsize PAGE_SIZE, NAME_MAX names, no blocks.
void proc_statfs(const FileSystem&, LinuxStatfs& out) {
    out.f_bsize = 4096;
    out.f_namelen = 255;
}

const FileSystemType g_proc_type{"proc", PROC_SUPER_MAGIC, create_instance, proc_statfs, nullptr, nullptr};

// A /proc/mounts field: space, tab, newline and backslash as octal escapes
// (Linux's mangle()), so the line still splits into six fields.
void append_mangled(TextBuffer& out, StringView text) {
    for (size_t i = 0; i < text.length(); ++i) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\\')
            out.appendf("\\%03o", static_cast<unsigned>(static_cast<unsigned char>(c)));
        else
            out.append_char(c);
    }
}

} // namespace

Result<void> register_type(Vfs& vfs, ProcSource& source) {
    g_source = &source;
    g_vfs = &vfs;
    return vfs.register_file_system_type(g_proc_type);
}

// /proc/mounts (show_vfsmnt): "SOURCE PATH TYPE OPTIONS 0 0", the options
// in Linux's order: rw/ro, then the per-mount flags.
Result<void> format_mounts(Vfs& vfs, TextBuffer& out) {
    return vfs.for_each_mount([&](const MountInfo& mount) {
        append_mangled(out, mount.source);
        out.append_char(' ');
        append_mangled(out, mount.path);
        out.append_char(' ');
        append_mangled(out, mount.type);
        out.append(mount.flags & MS_RDONLY ? " ro" : " rw");
        static constexpr struct {
            uint64_t flag;
            const char* name;
        } kOptions[] = {{MS_NOSUID, ",nosuid"},     {MS_NODEV, ",nodev"},       {MS_NOEXEC, ",noexec"},
                        {MS_NOATIME, ",noatime"},   {MS_NODIRATIME, ",nodiratime"}, {MS_RELATIME, ",relatime"},
                        {MS_NOSYMFOLLOW, ",nosymfollow"}};
        for (auto& option : kOptions) {
            if (mount.flags & option.flag)
                out.append(option.name);
        }
        out.append(" 0 0\n");
    });
}

// man 5 proc, /proc/pid/stat: the 52 fields of Linux 6.x's do_task_stat,
// for a task Charon's reader may inspect (ptrace_may_access: permitted).
void format_stat(const TaskInfo& t, TextBuffer& out) {
    // wchan is now 1 for a task not running, 0 otherwise (and 0 for a
    // process of several threads).
    int wchan = t.state != 'R' && (!t.whole || t.num_threads < 2) ? 1 : 0;
    // 1 pid 2 comm 3 state 4 ppid 5 pgrp 6 session 7 tty_nr 8 tpgid 9 flags
    // 10 minflt 11 cminflt 12 majflt 13 cmajflt 14 utime 15 stime 16 cutime
    // 17 cstime 18 priority (prio - 100: 20 for nice 0) 19 nice
    // 20 num_threads 21 itrealvalue (always 0) 22 starttime 23 vsize 24 rss
    // 25 rsslim (RLIMIT_RSS, unlimited)
    out.appendf("%d (%s) %c %d %d %d %u %d %u %lu %lu %lu %lu %lu %lu %ld %ld %d %d %d 0 %lu %lu %lu %lu", t.tid,
                t.comm, t.state, t.ppid, t.pgrp, t.session, t.tty_nr, t.tpgid, t.flags, t.minflt, t.cminflt, t.majflt,
                t.cmajflt, ticks(t.utime_ns), ticks(t.stime_ns), static_cast<long>(ticks(t.cutime_ns)),
                static_cast<long>(ticks(t.cstime_ns)), 20 + t.nice, t.nice, t.num_threads, ticks(t.start_ns), t.has_mm ? t.vsize : 0,
                t.has_mm ? t.rss_pages : 0, ~0ul);
    // 26 startcode 27 endcode 28 startstack 29 kstkesp 30 kstkeip (0 but
    // for a task dumping core) 31 signal 32 blocked 33 sigignore
    // 34 sigcatch (the thread's own pending set; the first 31 signals only,
    // in decimal: "obsolete", says Linux) 35 wchan 36 nswap 37 cnswap
    // 38 exit_signal 39 processor 40 rt_priority 41 policy (SCHED_OTHER)
    // 42 delayacct_blkio_ticks 43 guest_time 44 cguest_time
    out.appendf(" %lu %lu %lu 0 0 %lu %lu %lu %lu %d 0 0 %d 0 0 0 0 0 0", t.has_mm ? t.start_code : 0,
                t.has_mm ? t.end_code : 0, t.has_mm ? t.start_stack : 0, t.sig_pending & 0x7ffffffful,
                t.blocked & 0x7ffffffful, t.ignored & 0x7ffffffful, t.caught & 0x7ffffffful, wchan, t.exit_signal);
    // 45 start_data 46 end_data 47 start_brk 48 arg_start 49 arg_end
    // 50 env_start 51 env_end (all 0 without an mm) 52 exit_code
    if (t.has_mm)
        out.appendf(" %lu %lu %lu %lu %lu %lu %lu", t.start_data, t.end_data, t.start_brk, t.arg_start, t.arg_end,
                    t.env_start, t.env_end);
    else
        out.append(" 0 0 0 0 0 0 0");
    out.appendf(" %d\n", t.exit_code);
}

// /proc/PID/status in Linux 6.x's order (proc_pid_status), the lines of
// the features Charon has: no Seccomp_filters, Speculation_*, Mems_*,
// HugetlbPages, THP_enabled or untag_mask, as a kernel built without them.
void format_status(const TaskInfo& t, TextBuffer& out) {
    out.appendf("Name:\t%s\n", t.comm);
    if (t.has_fs)
        out.appendf("Umask:\t%04o\n", t.umask);
    out.appendf("State:\t%c (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", t.state,
                state_word(t.state), t.tgid, t.tid, t.ppid);
    out.appendf("Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t", t.uid[0], t.uid[1], t.uid[2],
                t.uid[3], t.gid[0], t.gid[1], t.gid[2], t.gid[3], t.fd_size);
    // Space-separated, then the trailing space Linux always puts (so an
    // empty list is "Groups:\t \n").
    for (size_t i = 0; t.groups && i < t.groups->size(); ++i)
        out.appendf(i ? " %u" : "%u", t.groups->ids()[i]);
    out.append(" \n");
    out.appendf("NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\nKthread:\t0\n", t.tgid, t.tid, t.pgrp, t.session);
    if (t.has_mm) {
        // task_mem: text is the code pages, capped by the executable
        // mappings; the rest of those is "libraries".
        uint64_t text = align_up_page(t.end_code) - (t.start_code & ~4095ull);
        if (t.end_code < t.start_code)
            text = 0;
        if (text > t.exec_bytes)
            text = t.exec_bytes;
        uint64_t rss = t.rss_pages * 4096;
        uint64_t file = t.rss_file_pages * 4096, shmem = t.rss_shmem_pages * 4096;
        vm_line(out, "VmPeak:", t.peak_vsize > t.vsize ? t.peak_vsize : t.vsize);
        vm_line(out, "VmSize:", t.vsize);
        vm_line(out, "VmLck:", 0);
        vm_line(out, "VmPin:", 0);
        vm_line(out, "VmHWM:", t.peak_rss_pages > t.rss_pages ? t.peak_rss_pages * 4096 : rss);
        vm_line(out, "VmRSS:", rss);
        vm_line(out, "RssAnon:", rss - file - shmem);
        vm_line(out, "RssFile:", file);
        vm_line(out, "RssShmem:", shmem);
        vm_line(out, "VmData:", t.data_bytes);
        vm_line(out, "VmStk:", t.stack_bytes);
        vm_line(out, "VmExe:", text);
        vm_line(out, "VmLib:", t.exec_bytes - text);
        vm_line(out, "VmPTE:", t.page_table_bytes);
        vm_line(out, "VmSwap:", 0);
        out.append("CoreDumping:\t0\n");
    }
    bool root = t.uid[1] == 0;
    out.appendf("Threads:\t%d\nSigQ:\t%d/%lu\n", t.num_threads, t.queued_signals, t.sigqueue_limit);
    out.appendf("SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n", t.sig_pending,
                t.shared_pending, t.blocked, t.ignored, t.caught);
    uint64_t caps = root ? 0x1fffffffffful : 0; // CAP_LAST_CAP 40
    out.appendf("CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t%016lx\nCapAmb:\t%016lx\n", 0ul, caps,
                caps, 0x1fffffffffful, 0ul);
    out.appendf("NoNewPrivs:\t0\nSeccomp:\t0\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n");
    out.appendf("voluntary_ctxt_switches:\t%lu\nnonvoluntary_ctxt_switches:\t%lu\n", t.nvcsw, t.nivcsw);
}

// size resident shared text lib data dt, in pages (Linux's task_statm:
// shared is the file and shmem pages, text the code pages, data the
// private writable and stack mappings; lib and dt are always 0).
void format_statm(const TaskInfo& t, TextBuffer& out) {
    uint64_t text = t.end_code >= t.start_code ? align_up_page(t.end_code) - (t.start_code & ~4095ull) : 0;
    out.appendf("%lu %lu %lu %lu 0 %lu 0\n", t.vsize / 4096, t.rss_pages, t.rss_file_pages + t.rss_shmem_pages,
                text / 4096, (t.data_bytes + t.stack_bytes) / 4096);
}

// show_map_vma: the fixed columns, then the name from column 74 (the line
// is padded to 72 characters after the inode's space, then one space).
// Devices print as MAJOR:MINOR in hex, at least two digits each.
void format_maps(const Vector<MapInfo>& maps, TextBuffer& out) {
    for (auto& map : maps) {
        size_t before = out.size();
        unsigned major = static_cast<unsigned>(((map.device >> 8) & 0xfff) | ((map.device >> 32) & ~0xfffull));
        unsigned minor = static_cast<unsigned>((map.device & 0xff) | ((map.device >> 12) & ~0xffull));
        out.appendf("%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ", map.start, map.end, (map.prot & 1) ? 'r' : '-',
                    (map.prot & 2) ? 'w' : '-', (map.prot & 4) ? 'x' : '-', map.shared ? 's' : 'p', map.offset, major,
                    minor, map.ino);
        if (map.name.length()) {
            size_t written = out.size() - before;
            for (; written < 72; ++written)
                out.append_char(' ');
            out.append_char(' ');
            out.append(map.name.view());
        }
        out.append_char('\n');
    }
}

// fs/proc/fd.c's seq_show: the position, the flags in octal with a
// leading 0 (O_CLOEXEC, 02000000, for an FD_CLOEXEC descriptor), the
// mount id and the inode number.
void format_fdinfo(const FdDetails& d, TextBuffer& out) {
    out.appendf("pos:\t%ld\nflags:\t0%o\nmnt_id:\t%lu\nino:\t%lu\n", static_cast<long>(d.pos),
                static_cast<unsigned>(d.flags), d.mnt_id, d.ino);
}

void format_meminfo(const SystemInfo& s, TextBuffer& out) {
    uint64_t used_by_kernel = s.kernel_heap_bytes + s.kernel_stack_bytes + s.page_table_bytes;
    kb_line(out, "MemTotal:", s.total_bytes);
    kb_line(out, "MemFree:", s.free_bytes);
    kb_line(out, "MemAvailable:", s.free_bytes);
    kb_line(out, "Buffers:", 0);
    kb_line(out, "Cached:", s.shmem_bytes); // Linux counts shmem/tmpfs pages in Cached too
    kb_line(out, "SwapCached:", 0);
    kb_line(out, "Active:", s.user_bytes);
    kb_line(out, "Inactive:", 0);
    kb_line(out, "Active(anon):", s.user_bytes);
    kb_line(out, "Inactive(anon):", 0);
    kb_line(out, "Active(file):", 0);
    kb_line(out, "Inactive(file):", 0);
    kb_line(out, "Unevictable:", 0);
    kb_line(out, "Mlocked:", 0);
    kb_line(out, "SwapTotal:", 0);
    kb_line(out, "SwapFree:", 0);
    kb_line(out, "Dirty:", 0);
    kb_line(out, "Writeback:", 0);
    kb_line(out, "AnonPages:", s.user_bytes);
    kb_line(out, "Mapped:", 0);
    kb_line(out, "Shmem:", s.shmem_bytes);
    kb_line(out, "KReclaimable:", 0);
    kb_line(out, "Slab:", s.kernel_heap_bytes);
    kb_line(out, "SReclaimable:", 0);
    kb_line(out, "SUnreclaim:", s.kernel_heap_bytes);
    kb_line(out, "KernelStack:", s.kernel_stack_bytes);
    kb_line(out, "PageTables:", s.page_table_bytes);
    kb_line(out, "CommitLimit:", s.total_bytes);
    kb_line(out, "Committed_AS:", s.user_bytes + used_by_kernel);
}

// show_stat: every tick of the one CPU is user, system or idle (sampled
// as Linux without VIRT_CPU_ACCOUNTING), so the columns add up to the
// time since the scheduler's first tick. Nothing waits for I/O (iowait,
// procs_blocked 0), no nice, no guests, no softirqs.
void format_system_stat(const SystemInfo& s, TextBuffer& out) {
    // user nice system idle iowait irq softirq steal guest guest_nice
    for (int line = 0; line < 2; ++line)
        out.appendf("%s %lu 0 %lu %lu 0 0 0 0 0 0\n", line == 0 ? "cpu " : "cpu0", ticks(s.user_ns), ticks(s.system_ns),
                    ticks(s.idle_ns));
    // intr: the total, then each IRQ number's count.
    uint64_t total = 0;
    for (uint64_t count : s.irqs)
        total += count;
    out.appendf("intr %lu", total);
    for (uint64_t count : s.irqs)
        out.appendf(" %lu", count);
    out.appendf("\nctxt %lu\nbtime %lu\nprocesses %lu\nprocs_running %d\nprocs_blocked %d\n"
                "softirq 0 0 0 0 0 0 0 0 0 0 0\n",
                s.context_switches, s.boot_time, s.forks, s.running, s.blocked);
}

void format_uptime(const SystemInfo& s, TextBuffer& out) {
    uint64_t up = s.uptime_ns / 10000000,
             idle = s.idle_ns / 10000000; // centiseconds
    out.appendf("%lu.%02lu %lu.%02lu\n", up / 100, up % 100, idle / 100, idle % 100);
}

void format_loadavg(const SystemInfo& s, TextBuffer& out) {
    // Linux's LOAD_INT/LOAD_FRAC after rounding by FIXED_1/200.
    uint64_t values[3];
    for (int i = 0; i < 3; ++i)
        values[i] = s.loadavg[i] + (1u << 11) / 200;
    out.appendf("%lu.%02lu %lu.%02lu %lu.%02lu %d/%d %d\n", values[0] >> 11, ((values[0] & 2047) * 100) >> 11,
                values[1] >> 11, ((values[1] & 2047) * 100) >> 11, values[2] >> 11, ((values[2] & 2047) * 100) >> 11,
                s.running, s.threads, s.last_pid);
}

} // namespace charon::procfs
