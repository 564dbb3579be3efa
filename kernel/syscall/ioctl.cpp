// ioctl(2): the terminal requests (on the serial terminal: /dev/console,
// /dev/ttyS0, /dev/tty), and the generic requests Linux's do_vfs_ioctl
// answers for every descriptor (FIOCLEX, FIONCLEX, FIONBIO, FIONREAD on
// pipes and files). Anything else on a non-terminal is ENOTTY.
//
// The terminal's state is the fs layer's TtyDevice (line discipline,
// termios, window size); who controls it and its foreground group are the
// lifecycle core's (ProcessTable's terminal calls). docs/tty.md.
#include "fs/abi.h"
#include "fs/device.h"
#include "fs/inode.h"
#include "fs/pipe.h"
#include "fs/tty.h"
#include "proc/abi.h"
#include "proc/lifecycle.h"
#include "proc/process.h"
#include "syscall/fs_common.h"

namespace charon {

namespace {

constexpr uint32_t TCGETS = 0x5401;
constexpr uint32_t TCSETS = 0x5402;
constexpr uint32_t TCSETSW = 0x5403;
constexpr uint32_t TCSETSF = 0x5404;
constexpr uint32_t TCSBRK = 0x5409;
constexpr uint32_t TCXONC = 0x540a;
constexpr uint32_t TCFLSH = 0x540b;
constexpr uint32_t TIOCSCTTY = 0x540e;
constexpr uint32_t TIOCGPGRP = 0x540f;
constexpr uint32_t TIOCSPGRP = 0x5410;
constexpr uint32_t TIOCOUTQ = 0x5411;
constexpr uint32_t TIOCGWINSZ = 0x5413;
constexpr uint32_t TIOCSWINSZ = 0x5414;
constexpr uint32_t FIONREAD = 0x541b;
constexpr uint32_t TIOCNOTTY = 0x5422;
constexpr uint32_t TCSBRKP = 0x5425;
constexpr uint32_t FIONBIO = 0x5421;
constexpr uint32_t TIOCGSID = 0x5429;
constexpr uint32_t FIONCLEX = 0x5450;
constexpr uint32_t FIOCLEX = 0x5451;

TtyDevice* tty_of(OpenFile& file) {
    Inode& inode = file.inode();
    if (inode.type() != InodeType::CharDevice)
        return nullptr;
    CharDevice* device = find_char_device(inode.rdev_major(), inode.rdev_minor());
    return device ? device->as_tty() : nullptr;
}

Result<long> put_int(uint64_t argument, int32_t value) {
    TRY(copy_to_user(argument, &value, sizeof(value)));
    return 0;
}

// Sleeps until no output is held by a stop (^S); ERESTARTSYS on a signal.
Result<void> wait_until_sent(TtyDevice& tty) {
    Waiter waiter;
    fsys::prepare_waiter(waiter);
    for (;;) {
        IoContext context;
        context.waiter = &waiter;
        if (tty.output_drained(context))
            return {};
        auto slept = fsys::sleep_on_waiter(waiter);
        context.cancel_wait();
        if (slept.is_error())
            return slept.error();
    }
}

Result<long> tty_ioctl(TtyDevice& tty, uint32_t request, uint64_t argument) {
    proc::Thread* thread = fsys::current_proc_thread();
    proc::ProcessTable* table = fsys::lifecycle();
    if (!thread || !table)
        return ENOSYS; // kernel threads make no ioctls
    proc::Terminal& terminal = tty.terminal();
    switch (request) {
    case TCGETS: {
        KernelTermios termios = tty.termios();
        TRY(copy_to_user(argument, &termios, sizeof(termios)));
        return 0;
    }
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
        // Linux set_termios: the background check comes first; TCSETSF
        // flushes input, then TCSETSW and TCSETSF wait for held output to
        // go out (a signal: ERESTARTSYS, the settings unchanged).
        TRY(tty.check_change(tty::kSIGTTOU));
        KernelTermios termios;
        TRY(copy_from_user(&termios, argument, sizeof(termios)));
        if (request == TCSETSF)
            tty.flush_input();
        if (request != TCSETS)
            TRY(wait_until_sent(tty));
        tty.set_termios(termios, false);
        return 0;
    }
    case TCFLSH: // TCIFLUSH 0, TCOFLUSH 1, TCIOFLUSH 2
        TRY(tty.check_change(tty::kSIGTTOU));
        if (argument > 2)
            return EINVAL;
        if (argument != 1)
            tty.flush_input();
        if (argument != 0)
            tty.flush_output();
        return 0;
    case TCXONC: // TCOOFF, TCOON, TCIOFF, TCION
        TRY(tty.check_change(tty::kSIGTTOU));
        if (argument > 3)
            return EINVAL;
        tty.flow(static_cast<int>(argument));
        return 0;
    case TCSBRK:
    case TCSBRKP:
        // tcdrain (TCSBRK, argument != 0) and tcsendbreak: Linux's
        // tty_ioctl waits for held output first, and a signal ends that
        // wait with EINTR, never a restart. No break is sent (the serial
        // console has no break control; Linux then returns at once too).
        TRY(tty.check_change(tty::kSIGTTOU));
        if (wait_until_sent(tty).is_error())
            return EINTR;
        return 0;
    case TIOCOUTQ:
        return put_int(argument, static_cast<int32_t>(tty.output_count()));
    case FIONREAD:
        return put_int(argument, static_cast<int32_t>(tty.input_count()));
    case TIOCGWINSZ: {
        WinSize size = tty.window_size();
        TRY(copy_to_user(argument, &size, sizeof(size)));
        return 0;
    }
    case TIOCSWINSZ: {
        WinSize size;
        TRY(copy_from_user(&size, argument, sizeof(size)));
        // Linux's tty_do_resize signals the foreground group on a change.
        if (tty.set_window_size(size))
            table->signal_terminal_foreground(terminal, tty::kSIGWINCH);
        return 0;
    }
    case TIOCSCTTY: {
        // Argument 1 steals the terminal from another session, for
        // CAP_SYS_ADMIN (root here).
        bool steal = argument == 1 && thread->process().credentials().euid == 0;
        TRY(table->set_controlling_tty(*thread, terminal, steal));
        return 0;
    }
    case TIOCNOTTY:
        TRY(table->release_controlling_tty(*thread, terminal));
        return 0;
    case TIOCGPGRP:
        return put_int(argument, TRY(table->tty_foreground_group(*thread, terminal)));
    case TIOCGSID:
        return put_int(argument, TRY(table->tty_session(*thread, terminal)));
    case TIOCSPGRP: {
        // Linux tiocspgrp: a background caller gets SIGTTOU first; an
        // orphaned one (EIO) is told ENOTTY.
        auto checked = tty.check_change(tty::kSIGTTOU);
        if (checked.is_error())
            return checked.error().code() == EIO ? Result<long>(ENOTTY) : Result<long>(checked.error());
        if (!table->is_controlling_tty(*thread, terminal))
            return ENOTTY;
        int32_t pgid;
        TRY(copy_from_user(&pgid, argument, sizeof(pgid)));
        TRY(table->set_foreground_group(*thread, terminal, pgid));
        return 0;
    }
    default:
        return ENOTTY;
    }
}

} // namespace

// ioctl(int fd, unsigned int request, unsigned long argument)
CHARON_SYSCALL(16, ioctl, sys_ioctl);
static Result<long> sys_ioctl(SyscallArgs const& args) {
    FsProcess process = TRY(fsys::fs_process());
    int fd = fsys::arg_int(args, 0);
    uint32_t request = static_cast<uint32_t>(args.arg[1]);
    uint64_t argument = args.arg[2];
    RefPtr<OpenFile> file = TRY(process.fds.get(fd));
    if (file->is_path_only())
        return EBADF; // fdget() does not see O_PATH descriptors
    // do_vfs_ioctl: requests every descriptor answers.
    switch (request) {
    case FIOCLEX:
        TRY(process.fds.set_cloexec(fd, true));
        return 0;
    case FIONCLEX:
        TRY(process.fds.set_cloexec(fd, false));
        return 0;
    case FIONBIO: {
        int32_t on;
        TRY(copy_from_user(&on, argument, sizeof(on)));
        int flags = file->status_flags();
        file->set_status_flags(on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
        return 0;
    }
    default:
        break;
    }
    if (TtyDevice* tty = tty_of(*file)) {
        // A hung-up terminal file answers only the generic requests above
        // (Linux hung_up_tty_ioctl).
        if (tty->hung_up(*file))
            return request == TIOCSPGRP ? ENOTTY : EIO;
        return tty_ioctl(*tty, request, argument);
    }
    if (file->inode().type() == InodeType::Fifo && request == FIONREAD) {
        auto& pipe_file = static_cast<PipeFile&>(*file);
        int32_t available = static_cast<int32_t>(pipe_file.pipe().bytes_buffered());
        TRY(copy_to_user(argument, &available, sizeof(available)));
        return 0;
    }
    // Linux: FIONREAD on a regular file is the bytes left after the offset;
    // on anything else, as every unknown request on a non-tty, ENOTTY.
    if (file->inode().is_regular() && request == FIONREAD) {
        int64_t left = static_cast<int64_t>(file->inode().size()) - static_cast<int64_t>(file->offset());
        int32_t available = left > 0x7fffffff ? 0x7fffffff : (left < 0 ? 0 : static_cast<int32_t>(left));
        TRY(copy_to_user(argument, &available, sizeof(available)));
        return 0;
    }
    return ENOTTY;
}

} // namespace charon
