#include "init/initramfs.h"

#include "arch/x86_64/boot_info.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/memory_layout.h"
#include "arch/x86_64/qemu.h"
#include "drivers/root_fs.h"
#include "drivers/serial_console.h"
#include "exec/exec.h"
#include "lib/log.h"

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
    const auto* bytes = phys_to_virt<const uint8_t>(module.phys);
    TRY(drivers::root_vfs().mount_initramfs(bytes, module.size));
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

    auto console = drivers::serial_console_init();
    if (console.is_error())
        log_error("/dev/console: cannot register the serial console (errno %d)", console.error().code());

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
    // What execve does before its point of no return, as pid 1 would see it:
    // root credentials, the root as cwd, no descriptors yet.
    Credentials credentials = Credentials::root();
    RefPtr<FdTable> fds = TRY(FdTable::try_create());
    RefPtr<Inode> cwd = vfs.root();
    FsProcess process{credentials, *fds, cwd};
    ExecRequest request;
    request.path = StringView(command.path.chars(), command.path.length());
    request.pie_base = kInitPieBase;
    ExecTarget target = TRY(prepare_exec(vfs, process, request, std::move(command.argv)));
    log_debug("init: %s: entry %#lx, %zu segments, image %#lx-%#lx", target.execfn.chars(), target.plan.entry,
              target.plan.segment_count, target.plan.image_start, target.plan.image_end);

    // TODO(process wiring): the rest needs the pieces being built now:
    //  1. pid 1 in the process table (kernel/proc), root credentials,
    //     default dispositions, `fds` as its (empty) table, `cwd` as cwd;
    //  2. a new address space with target.plan mapped (mm's builder; pages
    //     per plan.regions(), copy_segment()), the stack from
    //     build_initial_stack(target.argv, command.envp, target.execfn, ...);
    //  3. sched::create_user_thread("init", root,
    //     arch::initial_user_frame(target.plan.entry, stack.rsp)), start it;
    //     then this boot thread is done (kernel_main goes idle).
    // The exit path calls init_exited(status) when pid 1 exits.
    return ENOSYS;
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
