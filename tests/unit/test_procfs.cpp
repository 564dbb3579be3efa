// procfs over a fake source: the layout, the Linux text formats, seq_file
// snapshots, generated directories and links, and that every generated
// inode is freed again.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "fixtures/fs_fixture.h"
#include "fs/procfs/procfs.h"

using namespace charon;
using namespace charon::test;

namespace {

class FakeSource final : public procfs::ProcSource {
public:
    procfs::pid_t self = 7;
    std::map<procfs::pid_t, procfs::TaskInfo> tasks; // by tid
    std::string memory = std::string("prog\0-v\0", 8);
    int generation = 0;

    procfs::pid_t caller_tgid() override { return self; }
    procfs::pid_t caller_tid() override { return self; }
    Result<void> processes(Vector<procfs::pid_t>& out) override {
        for (auto& [tid, task] : tasks)
            if (tid == task.tgid)
                TRY(out.try_append(tid));
        return {};
    }
    Result<procfs::pid_t> tgid_of(procfs::pid_t tid) override {
        auto it = tasks.find(tid);
        if (it == tasks.end())
            return ESRCH;
        return it->second.tgid;
    }
    Result<void> threads(procfs::pid_t tgid, Vector<procfs::pid_t>& out) override {
        for (auto& [tid, task] : tasks)
            if (task.tgid == tgid)
                TRY(out.try_append(tid));
        return {};
    }
    Result<procfs::TaskInfo> task(procfs::pid_t tgid, procfs::pid_t tid) override {
        auto it = tasks.find(tid ? tid : tgid);
        if (it == tasks.end() || it->second.tgid != tgid)
            return ESRCH;
        procfs::TaskInfo info = it->second;
        info.utime_ns = static_cast<uint64_t>(generation) * procfs::kNsPerTick;
        return info;
    }
    Result<void> read_memory(procfs::pid_t, uint64_t start, uint64_t end, TextBuffer& out) override {
        out.append(memory.data() + start, end - start);
        return {};
    }
    Result<void> maps(procfs::pid_t, Vector<procfs::MapInfo>& out) override {
        procfs::MapInfo heap;
        heap.start = 0x600000;
        heap.end = 0x602000;
        heap.prot = 3;
        heap.name = KString::try_create("[heap]").release_value();
        TRY(out.try_append(std::move(heap)));
        procfs::MapInfo anon;
        anon.start = 0x7f0000000000;
        anon.end = 0x7f0000001000;
        anon.prot = 1;
        anon.shared = true;
        return out.try_append(std::move(anon));
    }
    Result<void> fds(procfs::pid_t, Vector<procfs::FdInfo>& out) override {
        procfs::FdInfo fd;
        fd.fd = 3;
        fd.target = KString::try_create("pipe:[12]").release_value();
        return out.try_append(std::move(fd));
    }
    Result<KString> fd_target(procfs::pid_t, int fd) override {
        if (fd != 3)
            return ENOENT;
        return KString::try_create("pipe:[12]");
    }
    Result<void> fdinfo(procfs::pid_t, int fd, TextBuffer& out) override {
        if (fd != 3)
            return ENOENT;
        procfs::FdDetails d;
        d.pos = 5;
        d.flags = 02000001; // O_WRONLY, FD_CLOEXEC
        d.mnt_id = 2;
        d.ino = 12;
        procfs::format_fdinfo(d, out);
        out.append("Pid:\t-1\n"); // what the file adds
        return {};
    }
    Result<KString> exe(procfs::pid_t) override { return KString::try_create("/bin/sh"); }
    Result<KString> cwd(procfs::pid_t) override { return KString::try_create("/etc"); }
    procfs::SystemInfo system() override {
        procfs::SystemInfo s;
        s.uptime_ns = 12340000000ull;
        s.idle_ns = 5000000000ull;
        s.total_bytes = 128 << 20;
        s.free_bytes = 100 << 20;
        s.loadavg[0] = 2048 + 1024; // 1.50
        s.running = 1;
        s.threads = 4;
        s.last_pid = 9;
        s.shmem_bytes = 3 * 4096;
        return s;
    }
};

procfs::TaskInfo make_task(procfs::pid_t tgid, procfs::pid_t tid, const char* comm, char state) {
    procfs::TaskInfo t;
    t.tgid = tgid;
    t.tid = tid;
    t.ppid = 1;
    t.pgrp = tgid;
    t.session = 1;
    t.state = state;
    snprintf(t.comm, sizeof t.comm, "%s", comm);
    t.has_mm = state != 'Z';
    t.vsize = 8192;
    t.rss_pages = 1;
    t.arg_start = 0;
    t.arg_end = 8;
    return t;
}

class ProcfsTest : public FsFixture {
protected:
    void SetUp() override {
        FsFixture::SetUp();
        source.tasks[7] = make_task(7, 7, "sh", 'S');
        source.tasks[8] = make_task(7, 8, "sh", 'R');
        source.tasks[9] = make_task(9, 9, "zombie", 'Z');
        auto p = process();
        (void)vfs.mkdir_at(p, AT_FDCWD, "/proc", 0555); // the archive may have it
        baseline = LeakBaseline{}; // the archive's tree is there already
        ASSERT_FALSE(procfs::register_type(vfs, source).is_error());
        ASSERT_FALSE(vfs.mount(p, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "").is_error());
    }
    void TearDown() override {
        cwd = vfs.root();
        auto p = process();
        ASSERT_FALSE(vfs.umount(p, "/proc", 0).is_error()); // nothing of it is in use
        vfs.reap_detached_mounts();
        baseline.expect_back(); // every generated inode and open file is gone
        FsFixture::TearDown();
    }

    std::string read_path(const char* path) {
        auto fd = open(path, O_RDONLY);
        EXPECT_FALSE(fd.is_error()) << path;
        if (fd.is_error())
            return "";
        std::string text = read_all(fd.value());
        (void)fds->close(fd.value());
        return text;
    }
    std::vector<std::string> list(const char* path) {
        auto fd = open(path, O_RDONLY | O_DIRECTORY);
        EXPECT_FALSE(fd.is_error()) << path;
        std::vector<std::string> names;
        uint8_t buffer[256]; // small: several getdents64 calls
        for (;;) {
            auto p = process();
            KernelIoBuffer io(buffer, sizeof buffer);
            auto n = vfs.getdents64(p, fd.value(), io, sizeof buffer);
            EXPECT_FALSE(n.is_error());
            if (n.is_error() || n.value() == 0)
                break;
            for (size_t at = 0; at < n.value();) {
                uint16_t reclen;
                memcpy(&reclen, buffer + at + 16, 2);
                names.emplace_back(reinterpret_cast<const char*>(buffer + at + 19));
                at += reclen;
            }
        }
        (void)fds->close(fd.value());
        return names;
    }
    std::string readlink(const char* path) {
        char buffer[256];
        KernelIoBuffer io(buffer, sizeof buffer);
        auto p = process();
        auto n = vfs.readlink_at(p, AT_FDCWD, path, io, sizeof buffer);
        EXPECT_FALSE(n.is_error()) << path;
        return n.is_error() ? "" : std::string(buffer, n.value());
    }

    LeakBaseline baseline;
    FakeSource source;
};

} // namespace

TEST(ProcfsFormat, StatHasLinuxFieldOrder) {
    procfs::TaskInfo t = make_task(42, 42, "my prog", 'T');
    t.ppid = 3;
    t.pgrp = 40;
    t.session = 30;
    t.tty_nr = 0x501;
    t.tpgid = 40;
    t.utime_ns = 250000000; // 25 ticks
    t.num_threads = 2;
    t.start_ns = 1000000000;
    TextBuffer out;
    procfs::format_stat(t, out);
    std::string text(out.data(), out.size());
    EXPECT_EQ(text.rfind("42 (my prog) T 3 40 30 1281 40 0 0 0 0 0 25 0 0 0 20 0 "
                         "2 0 100 8192 1 ",
                         0),
              0u)
        << text;
    size_t fields = 2;
    for (size_t i = text.find(')'); i < text.size(); ++i)
        fields += text[i] == ' ';
    EXPECT_EQ(fields, 52u) << text;
    EXPECT_EQ(text.back(), '\n');
}

TEST(ProcfsFormat, StatusLinesAndZombie) {
    procfs::TaskInfo t = make_task(5, 6, "worker", 'S');
    t.blocked = 1ull << 9;
    t.num_threads = 3;
    TextBuffer out;
    procfs::format_status(t, out);
    std::string text(out.data(), out.size());
    EXPECT_EQ(text.rfind("Name:\tworker\nUmask:\t0022\nState:\tS "
                         "(sleeping)\nTgid:\t5\nNgid:\t0\nPid:\t6\nPPid:\t1\n",
                         0),
              0u)
        << text;
    EXPECT_NE(text.find("\nThreads:\t3\n"), std::string::npos);
    EXPECT_NE(text.find("\nSigBlk:\t0000000000000200\n"), std::string::npos);
    EXPECT_NE(text.find("\nVmRSS:\t       4 kB\n"), std::string::npos) << text; // tab, then width 8

    TextBuffer zombie;
    procfs::format_status(make_task(9, 9, "z", 'Z'), zombie);
    std::string z(zombie.data(), zombie.size());
    EXPECT_NE(z.find("State:\tZ (zombie)\n"), std::string::npos);
    EXPECT_EQ(z.find("VmRSS"),
              std::string::npos); // no memory lines without an mm
}

TEST(ProcfsFormat, MapsUptimeLoadavgMeminfo) {
    Vector<procfs::MapInfo> maps;
    procfs::MapInfo m;
    m.start = 0x400000;
    m.end = 0x401000;
    m.prot = 5;
    m.name = KString::try_create("[heap]").release_value();
    ASSERT_FALSE(maps.try_append(std::move(m)).is_error());
    TextBuffer out;
    procfs::format_maps(maps, out);
    std::string line(out.data(), out.size());
    EXPECT_EQ(line, "00400000-00401000 r-xp 00000000 00:00 0" + std::string(73 - 39, ' ') + "[heap]\n");

    FakeSource source;
    TextBuffer uptime, loadavg, meminfo;
    procfs::format_uptime(source.system(), uptime);
    EXPECT_EQ(std::string(uptime.data(), uptime.size()), "12.34 5.00\n");
    procfs::format_loadavg(source.system(), loadavg);
    EXPECT_EQ(std::string(loadavg.data(), loadavg.size()), "1.50 0.00 0.00 1/4 9\n");
    procfs::format_meminfo(source.system(), meminfo);
    std::string mem(meminfo.data(), meminfo.size());
    EXPECT_EQ(mem.rfind("MemTotal:         131072 kB\nMemFree:          102400 kB\n", 0), 0u) << mem;
    EXPECT_NE(mem.find("\nShmem:                12 kB\n"), std::string::npos) << mem;
}

// The fields after "(comm)", numbered as proc(5): [3] is the state.
std::vector<std::string> stat_fields(const std::string& text) {
    std::vector<std::string> fields = {"", text.substr(0, text.find(' ')), "comm"};
    size_t at = text.rfind(')') + 2;
    while (at < text.size()) {
        size_t end = text.find_first_of(" \n", at);
        fields.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    return fields;
}

TEST(ProcfsFormat, StatSignalsWchanAndMemoryFields) {
    procfs::TaskInfo t = make_task(5, 5, "p", 'S');
    t.whole = true;
    t.sig_pending = 1ull << 9;                  // SIGUSR1
    t.shared_pending = 1ull << 14;              // SIGTERM, process-wide: not shown
    t.blocked = (1ull << 9) | (1ull << 35);     // and SIGRTMIN+2: beyond the 31 shown
    t.ignored = 1ull << 1;
    t.caught = (1ull << 14) | (1ull << 33);
    t.start_code = 0x401000, t.end_code = 0x402347, t.start_stack = 0x7ffff000;
    t.start_data = 0x404fc0, t.end_data = 0x405110, t.start_brk = 0x406000;
    t.arg_start = 1, t.arg_end = 2, t.env_start = 3, t.env_end = 4;
    t.flags = procfs::kPfForkNoExec;
    t.minflt = 7, t.cminflt = 8;
    TextBuffer out;
    procfs::format_stat(t, out);
    auto f = stat_fields(std::string(out.data(), out.size()));
    ASSERT_EQ(f.size(), 53u);
    EXPECT_EQ(f[9], "64");
    EXPECT_EQ(f[10], "7");
    EXPECT_EQ(f[11], "8");
    EXPECT_EQ(f[25], "18446744073709551615");
    EXPECT_EQ(f[26], std::to_string(0x401000));
    EXPECT_EQ(f[27], std::to_string(0x402347));
    EXPECT_EQ(f[31], "512");
    EXPECT_EQ(f[32], "512");
    EXPECT_EQ(f[33], "2");
    EXPECT_EQ(f[34], "16384");
    EXPECT_EQ(f[35], "1"); // wchan: sleeping
    EXPECT_EQ(f[38], "17");
    EXPECT_EQ(f[39], "0"); // the one CPU
    EXPECT_EQ(f[45], std::to_string(0x404fc0));
    EXPECT_EQ(f[46], std::to_string(0x405110));
    EXPECT_EQ(f[47], std::to_string(0x406000));
    EXPECT_EQ(f[51], "4");
    EXPECT_EQ(f[52], "0");

    t.state = 'R';
    TextBuffer running;
    procfs::format_stat(t, running);
    EXPECT_EQ(stat_fields(std::string(running.data(), running.size()))[35], "0");
    t.state = 'S';
    t.num_threads = 2; // a process of two threads: no wchan
    TextBuffer group;
    procfs::format_stat(t, group);
    EXPECT_EQ(stat_fields(std::string(group.data(), group.size()))[35], "0");
}

TEST(ProcfsFormat, StatOfAZombie) {
    procfs::TaskInfo t = make_task(9, 9, "z", 'Z');
    t.whole = true;
    t.flags = procfs::kPfExiting | procfs::kPfPostCoredump | procfs::kPfNoFreeze | procfs::kPfSignaled;
    t.exit_code = 9; // killed by SIGKILL
    t.start_code = 0x401000; // what a stale copy might hold: not shown without an mm
    TextBuffer out;
    procfs::format_stat(t, out);
    auto f = stat_fields(std::string(out.data(), out.size()));
    ASSERT_EQ(f.size(), 53u);
    EXPECT_EQ(f[3], "Z");
    EXPECT_EQ(f[9], std::to_string(0x840c));
    EXPECT_EQ(f[23], "0");
    EXPECT_EQ(f[24], "0");
    for (int i : {26, 27, 28, 45, 46, 47, 48, 49, 50, 51})
        EXPECT_EQ(f[i], "0") << i;
    EXPECT_EQ(f[52], "9");
}

TEST(ProcfsFormat, GroupsFsIdsAndNice) {
    procfs::TaskInfo t = make_task(5, 5, "p", 'S');
    t.uid[0] = 1, t.uid[1] = 2, t.uid[2] = 3, t.uid[3] = 4;
    RefPtr<proc::GroupList> groups = proc::GroupList::create(3).value();
    groups->mutable_ids()[0] = 10, groups->mutable_ids()[1] = 20, groups->mutable_ids()[2] = 30;
    t.groups = groups;
    t.nice = -5;
    TextBuffer out;
    procfs::format_status(t, out);
    std::string text(out.data(), out.size());
    EXPECT_NE(text.find("\nUid:\t1\t2\t3\t4\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nGroups:\t10 20 30 \n"), std::string::npos) << text; // trailing space, as Linux
    TextBuffer stat;
    procfs::format_stat(t, stat);
    std::string line(stat.data(), stat.size());
    std::vector<std::string> fields;
    for (size_t at = line.find(')') + 2; at < line.size();) {
        size_t end = line.find_first_of(" \n", at);
        fields.push_back(line.substr(at, end - at));
        at = end + 1;
    }
    EXPECT_EQ(fields[18 - 3], "15"); // priority: 20 + nice
    EXPECT_EQ(fields[19 - 3], "-5");
}

TEST(ProcfsFormat, StatusFieldOrderAndMemory) {
    procfs::TaskInfo t = make_task(5, 5, "p", 'S');
    t.fd_size = 64;
    t.vsize = 300 << 10, t.peak_vsize = 500 << 10;
    t.rss_pages = 10, t.peak_rss_pages = 40;
    t.start_code = 0x401000, t.end_code = 0x402347;
    t.exec_bytes = 3 * 4096; // two pages of code, one more executable page
    t.page_table_bytes = 3 * 4096;
    TextBuffer out;
    procfs::format_status(t, out);
    std::string text(out.data(), out.size());
    std::vector<std::string> names;
    for (size_t at = 0; at < text.size();) {
        size_t end = text.find('\n', at);
        names.push_back(text.substr(at, text.find(':', at) - at));
        at = end + 1;
    }
    std::vector<std::string> want = {"Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid",
                                     "FDSize", "Groups", "NStgid", "NSpid", "NSpgid", "NSsid", "Kthread", "VmPeak",
                                     "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem",
                                     "VmData", "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap", "CoreDumping", "Threads",
                                     "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt", "CapInh", "CapPrm",
                                     "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Cpus_allowed",
                                     "Cpus_allowed_list", "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"};
    EXPECT_EQ(names, want);
    EXPECT_NE(text.find("\nFDSize:\t64\nGroups:\t \n"), std::string::npos) << text; // Linux's trailing space
    EXPECT_NE(text.find("\nVmPeak:\t     500 kB\nVmSize:\t     300 kB\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nVmHWM:\t     160 kB\nVmRSS:\t      40 kB\nRssAnon:\t      40 kB\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("\nVmExe:\t       8 kB\nVmLib:\t       4 kB\nVmPTE:\t      12 kB\n"), std::string::npos) << text;

    procfs::TaskInfo z = make_task(9, 9, "z", 'Z');
    z.has_fs = false;
    TextBuffer zombie;
    procfs::format_status(z, zombie);
    std::string ztext(zombie.data(), zombie.size());
    EXPECT_EQ(ztext.rfind("Name:\tz\nState:\tZ (zombie)\n", 0), 0u) << ztext; // no Umask without an fs
    EXPECT_NE(ztext.find("\nFDSize:\t0\n"), std::string::npos);
    EXPECT_EQ(ztext.find("CoreDumping"), std::string::npos);
}

TEST(ProcfsFormat, MapsOffsetDeviceAndPadding) {
    Vector<procfs::MapInfo> maps;
    procfs::MapInfo file;
    file.start = 0x7ffa6e0de000;
    file.end = 0x7ffa6e0df000;
    file.prot = 1;
    file.offset = 0x2000;
    // makedev(259, 300): the major and minor split over the glibc bits.
    file.device = (300ull & 0xff) | ((259ull & 0xfff) << 8) | ((300ull & ~0xffull) << 12);
    file.ino = 937;
    file.name = KString::try_create("/etc/services").release_value();
    ASSERT_FALSE(maps.try_append(std::move(file)).is_error());
    procfs::MapInfo bss;
    bss.start = 0x406000;
    bss.end = 0x41e000;
    bss.prot = 3;
    ASSERT_FALSE(maps.try_append(std::move(bss)).is_error());
    TextBuffer out;
    procfs::format_maps(maps, out);
    std::string first = "7ffa6e0de000-7ffa6e0df000 r--p 00002000 103:12c 937 ";
    EXPECT_EQ(std::string(out.data(), out.size()),
              first + std::string(73 - first.size(), ' ') + "/etc/services\n" +
                  "00406000-0041e000 rw-p 00000000 00:00 0 \n");
}

TEST(ProcfsFormat, SystemStatLines) {
    procfs::SystemInfo s;
    s.user_ns = 150 * procfs::kNsPerTick;
    s.system_ns = 20 * procfs::kNsPerTick;
    s.idle_ns = 830 * procfs::kNsPerTick;
    s.irqs[0] = 1000;
    s.irqs[4] = 5;
    s.context_switches = 77;
    s.boot_time = 1700000000;
    s.forks = 12;
    s.running = 1;
    TextBuffer out;
    procfs::format_system_stat(s, out);
    std::string text(out.data(), out.size());
    EXPECT_EQ(text.rfind("cpu  150 0 20 830 0 0 0 0 0 0\ncpu0 150 0 20 830 0 0 0 0 0 0\n"
                         "intr 1005 1000 0 0 0 5 0 0 0 0 0 0 0 0 0 0 0\nctxt 77\nbtime 1700000000\n"
                         "processes 12\nprocs_running 1\nprocs_blocked 0\n",
                         0),
              0u)
        << text;
}

TEST_F(ProcfsTest, RootListsFilesAndProcessesOnly) {
    auto names = list("/proc");
    std::vector<std::string> want = {".",       "..",   "self",   "thread-self", "version", "uptime", "loadavg",
                                     "meminfo", "stat", "mounts", "filesystems", "cpuinfo", "7",      "9"};
    EXPECT_EQ(names, want); // thread 8 is not listed, as on Linux
    EXPECT_EQ(readlink("/proc/self"), "7");
    EXPECT_EQ(readlink("/proc/thread-self"), "7/task/7");
    EXPECT_EQ(readlink("/proc/7/exe"), "/bin/sh");
    EXPECT_EQ(readlink("/proc/7/fd/3"), "pipe:[12]");
    EXPECT_ERRNO(open("/proc/10/stat", O_RDONLY), ENOENT);
    EXPECT_ERRNO(open("/proc/07/stat", O_RDONLY), ENOENT);
    EXPECT_ERRNO(open("/proc/7/fd/4", O_RDONLY), ENOENT);
    // A thread's id may be looked up though it is not listed.
    EXPECT_EQ(read_path("/proc/8/stat").rfind("8 (sh) R ", 0), 0u);
}

TEST_F(ProcfsTest, PidDirectories) {
    auto task = list("/proc/7/task");
    EXPECT_EQ(task, (std::vector<std::string>{".", "..", "7", "8"}));
    EXPECT_EQ(read_path("/proc/self/task/8/stat").rfind("8 (sh) R 1 7 1 ", 0), 0u);
    EXPECT_EQ(read_path("/proc/9/stat").rfind("9 (zombie) Z ", 0), 0u);
    EXPECT_EQ(read_path("/proc/7/cmdline"), std::string("prog\0-v\0", 8));
    EXPECT_EQ(read_path("/proc/9/cmdline"), ""); // a zombie has no memory
    EXPECT_EQ(read_path("/proc/7/comm"), "sh\n");
    EXPECT_EQ(list("/proc/7/fd"), (std::vector<std::string>{".", "..", "3"}));
    // The Vfs's mount table, through the self/mounts link.
    EXPECT_EQ(read_path("/proc/mounts"), "rootfs / rootfs rw 0 0\n"
                                         "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");

    auto st = stat("/proc/7");
    ASSERT_FALSE(st.is_error());
    EXPECT_EQ(st.value().st_mode & S_IFMT, static_cast<unsigned>(S_IFDIR));
    auto again = stat("/proc/7");
    EXPECT_EQ(st.value().st_ino, again.value().st_ino); // stable numbers
    EXPECT_NE(st.value().st_ino, stat("/proc/9").value().st_ino);

    // getcwd inside a generated directory, and ".." back out of it.
    auto p = process();
    ASSERT_FALSE(vfs.chdir(p, "/proc/self/fd").is_error());
    char buffer[64];
    KernelIoBuffer io(buffer, sizeof buffer);
    auto length = vfs.getcwd(p, io, sizeof buffer);
    ASSERT_FALSE(length.is_error());
    EXPECT_STREQ(buffer, "/proc/7/fd");
    ASSERT_FALSE(vfs.chdir(p, "../../..").is_error());
    EXPECT_EQ(cwd.ptr(), vfs.root().ptr());
}

TEST(ProcfsFormat, FdinfoAsLinuxSeqShow) {
    procfs::FdDetails d;
    TextBuffer out;
    procfs::format_fdinfo(d, out);
    EXPECT_EQ(std::string(out.data(), out.size()), "pos:\t0\nflags:\t00\nmnt_id:\t0\nino:\t0\n");
    d.pos = 1ll << 40;
    d.flags = 02104002; // O_CLOEXEC | O_LARGEFILE | O_NONBLOCK | O_RDWR
    d.mnt_id = 27;
    d.ino = 861;
    out.clear();
    procfs::format_fdinfo(d, out);
    EXPECT_EQ(std::string(out.data(), out.size()),
              "pos:\t1099511627776\nflags:\t02104002\nmnt_id:\t27\nino:\t861\n");
}

TEST_F(ProcfsTest, FdinfoFilesAndTheirPermission) {
    EXPECT_EQ(list("/proc/7/fdinfo"), (std::vector<std::string>{".", "..", "3"}));
    EXPECT_EQ(list("/proc/7/task/8/fdinfo"), (std::vector<std::string>{".", "..", "3"}));
    EXPECT_EQ(read_path("/proc/7/fdinfo/3"), "pos:\t5\nflags:\t02000001\nmnt_id:\t2\nino:\t12\nPid:\t-1\n");
    EXPECT_ERRNO(open("/proc/7/fdinfo/4", O_RDONLY), ENOENT);
    EXPECT_ERRNO(open("/proc/7/fdinfo/03", O_RDONLY), ENOENT);
    EXPECT_EQ(stat("/proc/7/fdinfo").value().st_mode & 07777, 0555u);
    EXPECT_EQ(stat("/proc/7/fdinfo/3").value().st_mode, static_cast<unsigned>(S_IFREG | 0444));
    // Another user (the mode bits would let them in): EACCES for the
    // directory's search and listing and for the file, as Linux's
    // ptrace_may_access; the owner with all ids equal may.
    source.self = 1; // the reader is not process 7
    source.tasks[7].uid[0] = source.tasks[7].uid[1] = source.tasks[7].uid[2] = 1000;
    source.tasks[7].gid[0] = source.tasks[7].gid[1] = source.tasks[7].gid[2] = 100;
    credentials = Credentials::user(1001, 100);
    EXPECT_ERRNO(open("/proc/7/fdinfo/3", O_RDONLY), EACCES);
    EXPECT_ERRNO(open("/proc/7/fdinfo", O_RDONLY | O_DIRECTORY), EACCES);
    EXPECT_FALSE(stat("/proc/7/fdinfo").is_error()); // stat needs no access to it
    credentials = Credentials::user(1000, 100);
    EXPECT_EQ(read_path("/proc/7/fdinfo/3").rfind("pos:\t5\n", 0), 0u);
    source.tasks[7].uid[2] = 0; // a saved uid the reader does not have
    EXPECT_ERRNO(open("/proc/7/fdinfo/3", O_RDONLY), EACCES);
    source.self = 7; // the process itself always may
    EXPECT_EQ(read_path("/proc/7/fdinfo/3").rfind("pos:\t5\n", 0), 0u);
    credentials = Credentials::root();
}

TEST_F(ProcfsTest, MountTypeProc) {
    // The type is registered: /proc/filesystems lists it with the rest.
    EXPECT_EQ(read_path("/proc/filesystems"), "nodev\ttmpfs\nnodev\tproc\nnodev\tpipefs\n");
    auto p = process();
    ASSERT_FALSE(vfs.mkdir_at(p, AT_FDCWD, "/mnt2", 0755).is_error());
    EXPECT_ERRNO(vfs.mount(p, "proc", "/mnt2", "proc", 0, "hidepid=2"), EINVAL);
    ASSERT_FALSE(vfs.mount(p, "my proc", "/mnt2", "proc", MS_RDONLY, "").is_error());
    // A second instance: the same processes, its own device.
    EXPECT_EQ(read_path("/mnt2/7/comm"), "sh\n");
    EXPECT_EQ(readlink("/mnt2/self"), "7");
    EXPECT_NE(stat("/mnt2").value().st_dev, stat("/proc").value().st_dev);
    EXPECT_NE(stat("/mnt2").value().st_dev, stat("/").value().st_dev);
    EXPECT_EQ(stat("/mnt2/7").value().st_dev, stat("/mnt2").value().st_dev);
    LinuxStatfs fs;
    ASSERT_FALSE(vfs.statfs(p, "/mnt2/self", fs).is_error());
    EXPECT_EQ(fs.f_type, int64_t(PROC_SUPER_MAGIC));
    EXPECT_EQ(read_path("/proc/mounts"), "rootfs / rootfs rw 0 0\n"
                                         "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
                                         "my\\040proc /mnt2 proc ro,relatime 0 0\n");
    // Busy while a file of it is open; ".." from its root leaves it.
    auto fd = open("/mnt2/7/stat", O_RDONLY);
    ASSERT_FALSE(fd.is_error());
    EXPECT_ERRNO(vfs.umount(p, "/mnt2", 0), EBUSY);
    ASSERT_FALSE(fds->close(fd.value()).is_error());
    ASSERT_FALSE(vfs.chdir(p, "/mnt2/7/..").is_error());
    ASSERT_FALSE(vfs.chdir(p, "..").is_error());
    EXPECT_EQ(cwd.ptr(), vfs.root().ptr());
    ASSERT_FALSE(vfs.umount(p, "/mnt2", 0).is_error());
    EXPECT_ERRNO(open("/mnt2/self", O_RDONLY), ENOENT);
    ASSERT_FALSE(vfs.unlink_at(p, AT_FDCWD, "/mnt2", AT_REMOVEDIR).is_error());
}

TEST_F(ProcfsTest, ReadsAreSnapshotsUntilRestarted) {
    auto fd = open("/proc/7/stat", O_RDONLY);
    ASSERT_FALSE(fd.is_error());
    auto file = fds->get(fd.value()).release_value();
    char buffer[8];
    IoContext context;
    KernelIoBuffer io(buffer, sizeof buffer);
    ASSERT_EQ(file->read(io, 4, context).value(), 4u); // "7 (s"
    source.generation = 5;                             // utime changes now
    std::string rest = read_all(fd.value());
    EXPECT_NE(rest.find(" 0 0 0 0 0 20 "), std::string::npos) << rest; // still the old utime
    ASSERT_EQ(file->seek(0, SEEK_SET).value(), 0);
    std::string fresh = read_all(fd.value());
    EXPECT_NE(fresh.find(" 0 0 0 0 5 0 0 0 20 "), std::string::npos) << fresh;
    EXPECT_ERRNO(file->seek(0, SEEK_END), EINVAL);
    file = nullptr;
    (void)fds->close(fd.value());

    // Opened for writing by root: write has no method, EINVAL as Linux.
    auto w = open("/proc/7/comm", O_WRONLY);
    ASSERT_FALSE(w.is_error());
    auto wfile = fds->get(w.value()).release_value();
    KernelIoBuffer in(buffer, 1);
    EXPECT_ERRNO(wfile->write(in, 1, context), EINVAL);
    wfile = nullptr;
    (void)fds->close(w.value());
    // A process that goes away: its directory entries go with it.
    source.tasks.erase(9);
    EXPECT_ERRNO(open("/proc/9/stat", O_RDONLY), ENOENT);
}
