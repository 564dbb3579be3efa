// ioctl(2): the terminal requests on the console, and the generic requests
// Linux's do_vfs_ioctl answers for every descriptor (FIOCLEX, FIONCLEX,
// FIONBIO, FIONREAD on pipes). Anything else on a non-terminal is ENOTTY.
//
// The console is raw (fs/console.h: no echo, no line editing, no output
// processing). TCGETS reports that truthfully; TCSETS* store what a program
// sets (so tcgetattr gives it back, as raw-mode editors expect) without a
// line discipline acting on it yet. The foreground process group lives in
// the lifecycle core's session (its controlling-terminal hook).
#include "drivers/serial_console.h"
#include "fs/abi.h"
#include "fs/device.h"
#include "fs/inode.h"
#include "fs/pipe.h"
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
constexpr uint32_t TIOCSCTTY = 0x540e;
constexpr uint32_t TIOCGPGRP = 0x540f;
constexpr uint32_t TIOCSPGRP = 0x5410;
constexpr uint32_t TIOCGWINSZ = 0x5413;
constexpr uint32_t TIOCSWINSZ = 0x5414;
constexpr uint32_t FIONREAD = 0x541b;
constexpr uint32_t FIONBIO = 0x5421;
constexpr uint32_t TIOCGSID = 0x5429;
constexpr uint32_t FIONCLEX = 0x5450;
constexpr uint32_t FIOCLEX = 0x5451;

// The kernel's struct termios (asm-generic/termbits.h): what TCGETS/TCSETS
// move, 36 bytes (glibc's and musl's larger struct is translated by libc).
struct KernelTermios {
    uint32_t c_iflag;
    uint32_t c_oflag;
    uint32_t c_cflag;
    uint32_t c_lflag;
    uint8_t c_line;
    uint8_t c_cc[19];
};
static_assert(sizeof(KernelTermios) == 36);

struct WinSize {
    uint16_t ws_row;
    uint16_t ws_col;
    uint16_t ws_xpixel;
    uint16_t ws_ypixel;
};
static_assert(sizeof(WinSize) == 8);

// What the raw console does: 8 bits, no input/output processing, no echo,
// no canonical mode, no signals from control characters. CLOCAL: there is no
// modem line. The control characters are Linux's INIT_C_CC.
constexpr uint32_t kB38400 = 0000017, kCS8 = 0000060, kCREAD = 0000200, kCLOCAL = 0004000;
struct ConsoleTtyState {
    KernelTermios termios = {0, 0, kB38400 | kCS8 | kCREAD | kCLOCAL, 0, 0,
                             {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0}};
    WinSize window = {0, 0, 0, 0}; // a serial line knows no size: 0x0, as Linux's ttyS
};
ConsoleTtyState g_console_tty;

bool is_console(OpenFile& file) {
    Inode& inode = file.inode();
    return inode.type() == InodeType::CharDevice && inode.rdev_major() == kConsoleMajor &&
           inode.rdev_minor() == kConsoleMinor;
}

// Drops unread console input (TCSETSF, as tcsetattr(TCSAFLUSH)): reads
// without a waiter never block.
void flush_console_input(OpenFile& file) {
    char scratch[64];
    for (;;) {
        KernelIoBuffer buffer(static_cast<void*>(scratch), sizeof(scratch));
        IoContext context;
        auto read = file.read(buffer, sizeof(scratch), context);
        if (read.is_error() || read.value() == 0)
            return;
    }
}

Result<proc::Session*> caller_session() {
    proc::Thread* thread = fsys::current_proc_thread();
    if (!thread)
        return ENOSYS;
    return &thread->process().group().session();
}

Result<long> console_ioctl(OpenFile& file, uint32_t request, uint64_t argument) {
    switch (request) {
    case TCGETS:
        TRY(copy_to_user(argument, &g_console_tty.termios, sizeof(KernelTermios)));
        return 0;
    case TCSETS:
    case TCSETSW: // output is written synchronously: nothing to drain
    case TCSETSF: {
        KernelTermios termios;
        TRY(copy_from_user(&termios, argument, sizeof(termios)));
        if (request == TCSETSF)
            flush_console_input(file);
        g_console_tty.termios = termios;
        return 0;
    }
    case TIOCGWINSZ:
        TRY(copy_to_user(argument, &g_console_tty.window, sizeof(WinSize)));
        return 0;
    case TIOCSWINSZ: {
        WinSize window;
        TRY(copy_from_user(&window, argument, sizeof(window)));
        bool changed = __builtin_memcmp(&window, &g_console_tty.window, sizeof(window)) != 0;
        g_console_tty.window = window;
        // Linux's tty_do_resize signals the foreground group on a change.
        auto session_or_error = caller_session();
        proc::Session* session = session_or_error.is_error() ? nullptr : session_or_error.value();
        proc::ProcessTable* table = fsys::lifecycle();
        if (changed && session && table && session->has_controlling_tty() && session->foreground_pgid() > 0)
            (void)table->kill_group_from_kernel(session->foreground_pgid(), proc::SIGWINCH);
        return 0;
    }
    case TIOCGPGRP: {
        // Only for the caller's controlling terminal (ENOTTY otherwise); the
        // one terminal there is, is the console.
        proc::Session* session = TRY(caller_session());
        if (!session->has_controlling_tty())
            return ENOTTY;
        int32_t pgid = session->foreground_pgid();
        TRY(copy_to_user(argument, &pgid, sizeof(pgid)));
        return 0;
    }
    case TIOCGSID: {
        proc::Session* session = TRY(caller_session());
        if (!session->has_controlling_tty())
            return ENOTTY;
        int32_t sid = session->sid();
        TRY(copy_to_user(argument, &sid, sizeof(sid)));
        return 0;
    }
    case TIOCSPGRP: {
        proc::Thread* thread = fsys::current_proc_thread();
        proc::ProcessTable* table = fsys::lifecycle();
        if (!thread || !table)
            return ENOSYS;
        int32_t pgid;
        TRY(copy_from_user(&pgid, argument, sizeof(pgid)));
        TRY(table->set_foreground_group(*thread, pgid));
        return 0;
    }
    case TIOCSCTTY: {
        proc::Thread* thread = fsys::current_proc_thread();
        proc::ProcessTable* table = fsys::lifecycle();
        if (!thread || !table)
            return ENOSYS;
        TRY(table->acquire_controlling_tty(*thread));
        return 0;
    }
    case FIONREAD: {
        int32_t available = static_cast<int32_t>(drivers::serial_console().input_available());
        TRY(copy_to_user(argument, &available, sizeof(available)));
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
    if (is_console(*file))
        return console_ioctl(*file, request, argument);
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
