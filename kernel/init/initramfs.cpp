#include "init/initramfs.h"

#include "arch/x86_64/boot_info.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/memory_layout.h"
#include "arch/x86_64/qemu.h"
#include "arch/x86_64/user_entry.h"
#include "drivers/root_fs.h"
#include "drivers/random.h"
#include "drivers/serial_console.h"
#include "task/tty_host.h"
#include "exec/exec.h"
#include "fs/clock.h"
#include "fs/mount.h"
#include "lib/log.h"
#include "mm/address_space.h"
#include "mm/frame_allocator.h"
#include "sched/scheduler.h"
#include "task/proc_source.h"
#include "task/task.h"

namespace charon {

namespace {

// Where a static-PIE init goes (ET_EXEC ignores it); Linux would put it
// where mmap starts, this is ELF_ET_DYN_BASE's spirit: clear of the null
// guard, far below the stack.
constexpr uint64_t kInitPieBase = 0x555555554000;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Calls `word(view)` for each space-separated word of `line`.
template <typename F>
Result<void> for_each_word(StringView line, F word) {
    size_t i = 0;
    while (i < line.length()) {
        while (i < line.length() && is_space(line[i]))
            ++i;
        size_t start = i;
        while (i < line.length() && !is_space(line[i]))
            ++i;
        if (i > start)
            TRY(word(line.substring(start, i - start)));
    }
    return {};
}

Result<void> append(Vector<KString>& strings, StringView view) {
    return strings.try_append(TRY(KString::try_create(view)));
}

// The PVH module (QEMU's -initrd), through the direct map: its frames stay
// reserved (never given to the frame allocator), and the fs layer borrows
// file contents from it for as long as the kernel runs.
Result<void> mount_root_from_module(const arch::BootModule& module) {
    // What the portable fs layer cannot know by itself: the wall clock for
    // inode times, and memory for tmpfs's statfs.
    set_file_clock([] {
        uint64_t ns = task::realtime_ns();
        return Timespec{static_cast<int64_t>(ns / 1'000'000'000), static_cast<int64_t>(ns % 1'000'000'000)};
    });
    set_memory_reporter([] { return MemoryReport{mm::usable_frame_count(), mm::free_frame_count()}; });
    const auto* bytes = phys_to_virt<const uint8_t>(module.phys);
    TRY(drivers::root_vfs().mount_initramfs(bytes, module.size));
    TRY(task::mount_proc(drivers::root_vfs()));
    drivers::set_root_mounted();
    return {};
}

[[noreturn]] void power_off(uint8_t value) {
    arch::qemu_exit(static_cast<arch::QemuExit>(value));
    // No isa-debug-exit (not QEMU, or not configured): stop here.
    arch::cli();
    for (;;)
        arch::hlt();
}

} // namespace

Result<InitCommand> parse_init_command(const char* cmdline) {
    InitCommand command;
    StringView path = kDefaultInitPath;
    bool after_separator = false;
    Vector<StringView> arguments;
    TRY(for_each_word(StringView(cmdline), [&](StringView word) -> Result<void> {
        if (after_separator)
            return arguments.try_append(word);
        if (word == StringView("--"))
            after_separator = true;
        else if (word.starts_with("init=") && word.length() > 5)
            path = word.substring(5); // the last init= wins, as with find_value
        return {};
    }));
    command.path = TRY(KString::try_create(path));
    TRY(append(command.argv, path));
    for (StringView argument : arguments)
        TRY(append(command.argv, argument));
    TRY(append(command.envp, "HOME=/"));
    TRY(append(command.envp, "TERM=linux"));
    return command;
}

void start_userland() {
    const arch::BootInfo& info = arch::boot_info();
    if (info.module_count == 0) {
        log_warn("no initramfs (QEMU -initrd): no init to run");
        return;
    }
    if (info.module_count > 1)
        log_warn("%zu boot modules: using the first as the initramfs", info.module_count);

    auto console = drivers::serial_console_init(task::tty_host());
    if (console.is_error())
        log_error("/dev/console: cannot register the serial console (errno %d)", console.error().code());

    // The wall clock at boot differs from run to run: mixed into the
    // random generator's seed.
    uint64_t boot_time_ns = task::realtime_ns();
    drivers::random_add_entropy(&boot_time_ns, sizeof boot_time_ns);
    auto random = drivers::random_init();
    if (random.is_error())
        log_error("/dev/random: cannot register (errno %d)", random.error().code());

    auto mounted = mount_root_from_module(info.modules[0]);
    if (mounted.is_error()) {
        log_error("initramfs: %lu bytes at %#lx: not a valid newc archive (errno %d)", info.modules[0].size,
                  info.modules[0].phys, mounted.error().code());
        power_off(kInitStartFailedExit);
    }
    log_debug("initramfs: %lu bytes mounted read-only at /", info.modules[0].size);

    auto command = parse_init_command(info.cmdline.line());
    if (command.is_error()) {
        log_error("cannot start init: out of memory for its arguments");
        power_off(kInitStartFailedExit);
    }
    auto launched = launch_init(drivers::root_vfs(), command.value());
    // launch_init returns only on failure.
    int code = launched.is_error() ? launched.error().code() : 0;
    log_error("cannot start %s (errno %d%s): no working init", command.value().path.chars(), code,
              code == ENOSYS ? ", ENOSYS: the kernel cannot run user programs yet" : "");
    power_off(kInitStartFailedExit);
}

Result<void> launch_init(Vfs& vfs, InitCommand& command) {
    task::init_processes();
    task::start_timer_thread();
    // What execve does before its point of no return, as pid 1 would see it:
    // root credentials, the root as cwd, no descriptors yet (init opens
    // /dev/console itself).
    proc::Credentials credentials; // root
    RefPtr<FdTable> fds = TRY(FdTable::try_create());
    auto* fs = new (std::nothrow) task::FsState;
    if (!fs)
        return ENOMEM;
    RefPtr<task::FsState> fs_state = adopt_ref(fs);
    fs_state->cwd = vfs.root();
    Credentials fs_credentials = Credentials::root();
    FsProcess process{fs_credentials, *fds, fs_state->cwd};

    auto* extra = new (std::nothrow) task::ProcessExtra;
    if (!extra)
        return ENOMEM;
    task::default_limits(extra->limits);

    ExecRequest request;
    request.path = StringView(command.path.chars(), command.path.length());
    request.pie_base = kInitPieBase;
    auto loaded = task::load_image(vfs, process, request, std::move(command.argv), command.envp, credentials,
                                   extra->limits[task::RLIMIT_STACK].cur);
    if (loaded.is_error()) {
        delete extra;
        return loaded.error();
    }
    task::LoadedImage image = std::move(loaded.value());
    log_debug("init: %s: entry %#lx, rsp %#lx", image.execfn.chars(), image.entry, image.rsp);

    auto* init_task = new (std::nothrow) task::Task;
    auto kthread = sched::create_user_thread("init", image.space->root(), arch::initial_user_frame(image.entry, image.rsp));
    if (!init_task || kthread.is_error()) {
        // (A created-but-never-started sched thread cannot be destroyed; at
        // boot this only happens out of memory, and we power off anyway.)
        delete init_task;
        delete extra;
        image.space->unref();
        return ENOMEM;
    }
    init_task->kthread = kthread.value();
    init_task->fs = fs_state;

    proc::InitArgs args;
    args.credentials = credentials;
    args.kernel_stack = init_task->handle();
    args.address_space = image.space->handle();
    args.file_table = reinterpret_cast<uint64_t>(fds.leak_ref());
    args.timers = extra->handle();
    args.kernel_thread = kthread.value();
    auto thread = task::table().create_init(args);
    if (thread.is_error()) {
        reinterpret_cast<FdTable*>(args.file_table)->unref();
        delete init_task;
        delete extra;
        image.space->unref();
        return thread.error();
    }
    task::note_task_created();
    task::set_comm(*thread.value(), command.path.chars());
    extra->pid = 1;
    task::note_file_table_created();
    kthread.value()->set_proc_thread(thread.value());
    sched::start(*kthread.value());
    // The boot thread's work is done: init runs from here on, and its exit
    // powers the machine off (init_exited).
    sched::exit_current();
}

uint8_t init_exit_code(int wait_status) {
    int signal = wait_status & 0x7f;
    if (signal == 0) {
        int code = (wait_status >> 8) & 0xff;
        return static_cast<uint8_t>(0x20 + (code < 31 ? code : 31));
    }
    return static_cast<uint8_t>(0x40 + (signal < 63 ? signal : 63));
}

void init_exited(int wait_status) {
    int signal = wait_status & 0x7f;
    if (signal == 0)
        log_info("init exited with status %d", (wait_status >> 8) & 0xff);
    else
        log_info("init killed by signal %d", signal);
    power_off(init_exit_code(wait_status));
}

} // namespace charon
