// Terminals: Linux's line discipline (n_tty) as a pure class, and the
// terminal device built on it.
//
// LineDiscipline knows termios and bytes only: input from the line goes in
// through receive(), echo and processed output leave through an output sink,
// and what a read may take is decided by read(). It holds no lock and knows
// no processes, so the host unit tests drive it directly.
//
// TtyDevice is the character device: a LineDiscipline under a lock, the
// read wait queue, the window size, and the lifecycle core's view of the
// terminal (proc::Terminal). What needs the calling process (job control,
// the controlling terminal, signals) it asks its TtyHost, which the kernel
// implements over the core (kernel/task/tty_host.cpp) and tests fake.
// docs/tty.md describes both.
//
//   static TtyDevice console(serial_write, nullptr);
//   console.set_host(host);
//   register_char_device(kConsoleMajor, kConsoleMinor, console); // and (5,0), (4,64)
//   // in the UART interrupt handler:
//   console.push_input(bytes, count);
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/device.h"
#include "lib/spinlock.h"
#include "lib/wait_queue.h"
#include "proc/terminal.h"

namespace charon {

// The kernel's struct termios (asm-generic/termbits.h): what TCGETS/TCSETS
// move, 36 bytes (libc's larger struct termios is translated by libc).
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

namespace tty {
// c_cc indices (asm-generic/termbits.h).
inline constexpr int kVINTR = 0, kVQUIT = 1, kVERASE = 2, kVKILL = 3, kVEOF = 4, kVTIME = 5, kVMIN = 6,
                     kVSTART = 8, kVSTOP = 9, kVSUSP = 10, kVEOL = 11, kVREPRINT = 12, kVWERASE = 14,
                     kVLNEXT = 15, kVEOL2 = 16;
// c_iflag
inline constexpr uint32_t kISTRIP = 0040, kINLCR = 0100, kIGNCR = 0200, kICRNL = 0400, kIXON = 02000,
                          kIXANY = 04000;
// c_oflag
inline constexpr uint32_t kOPOST = 0001, kONLCR = 0004, kOCRNL = 0010;
// c_cflag
inline constexpr uint32_t kB38400 = 0000017, kCS8 = 0000060, kCREAD = 0000200, kHUPCL = 0002000,
                          kCLOCAL = 0004000;
// c_lflag
inline constexpr uint32_t kISIG = 0000001, kICANON = 0000002, kECHO = 0000010, kECHOE = 0000020,
                          kECHOK = 0000040, kECHONL = 0000100, kNOFLSH = 0000200, kTOSTOP = 0000400,
                          kECHOCTL = 0001000, kECHOKE = 0004000, kIEXTEN = 0100000;
// TCXONC arguments.
inline constexpr int kTCOOFF = 0, kTCOON = 1, kTCIOFF = 2, kTCION = 3;
// Signal numbers the line discipline raises (Linux x86_64).
inline constexpr int kSIGINT = 2, kSIGQUIT = 3, kSIGTSTP = 20, kSIGTTIN = 21, kSIGTTOU = 22, kSIGWINCH = 28;

// Linux's tty_std_termios for a serial line: canonical mode with echo and
// signals, CR mapped to NL on input, NL to CR NL on output.
KernelTermios default_termios();
} // namespace tty

class LineDiscipline {
public:
    using OutputSink = void (*)(void* context, const char* chars, size_t length);
    // Linux's N_TTY_BUF_SIZE: a canonical line holds at most 4095 bytes
    // plus its delimiter.
    static constexpr size_t kBufferSize = 4096;

    LineDiscipline(OutputSink sink, void* context);

    const KernelTermios& termios() const { return m_termios; }
    // Switching ICANON on makes what is buffered one line (Linux pushes
    // it); switching it off makes everything readable.
    void set_termios(const KernelTermios& termios);

    // Bytes from the line. Echo goes to the sink now. Returns the signal a
    // control character raised (ISIG: VINTR, VQUIT, VSUSP), 0 if none; the
    // caller sends it to the foreground group. Input that does not fit is
    // dropped, as Linux's n_tty drops it.
    int receive_char(char c, uint64_t now_ns);

    // What read(2) may take now. `deadline_ns` is in/out: 0 or the
    // deadline an earlier attempt of the same read chose (VTIME); on a
    // false return it says when to look again (0: only on new input).
    // Canonical: one line at most, a line ended by EOF (^D) without the ^D,
    // 0 bytes at EOF. Non-canonical: VMIN/VTIME as termios(3) says.
    bool read(char* out, size_t length, uint64_t now_ns, uint64_t& deadline_ns, size_t& taken);
    // poll(2)'s POLLIN, FIONREAD.
    bool input_ready() const;
    size_t input_count() const;
    void flush_input();
    // Processed output (OPOST: ONLCR, OCRNL) to the sink. While output is
    // stopped it is held instead, up to kHoldSize processed bytes; returns
    // how many of `chars` were taken (fewer only while stopped and full).
    size_t write(const char* chars, size_t length);

    // Output flow control. IXON's VSTOP (^S) stops output and VSTART (^Q)
    // restarts it (so do a signal character, and with IXANY any byte);
    // TCXONC's TCOOFF/TCOON do the same from a program, and only TCOON
    // undoes TCOOFF (Linux flow.stopped / flow.tco_stopped). Restarting
    // sends what was held.
    bool output_stopped() const { return m_stopped; }
    void stop_output(bool by_program);
    void start_output(bool by_program);
    size_t held_output() const { return m_held; } // TIOCOUTQ
    void flush_output() { m_held = 0; }           // TCOFLUSH
    bool output_room() const { return !m_stopped || m_held < kHoldSize; }
    // Linux's UART transmit buffer: what a stopped line keeps.
    static constexpr size_t kHoldSize = 4096;

private:
    bool lflag(uint32_t flag) const { return (m_termios.c_lflag & flag) != 0; }
    bool iflag(uint32_t flag) const { return (m_termios.c_iflag & flag) != 0; }
    bool is_char(char c, int index) const {
        // NUL is _POSIX_VDISABLE: a c_cc entry of 0 matches nothing.
        return m_termios.c_cc[index] != 0 && static_cast<uint8_t>(c) == m_termios.c_cc[index];
    }
    bool canonical() const { return lflag(tty::kICANON); }
    void put(char c, uint8_t flags);
    bool emit(const char* chars, size_t length); // to the sink, or held
    void restart_output();                       // start_output by the line
    void commit_line() { m_line_start = m_length; }
    void echo(char c);     // as ECHOCTL shows it
    void echo_raw(char c); // through output processing
    void erase(int kind);  // kVERASE, kVWERASE, kVKILL
    void reprint();
    size_t echo_width(char c) const;

    static constexpr uint8_t kDelimiter = 1, kEofMark = 2;
    KernelTermios m_termios;
    OutputSink m_sink;
    void* m_context;
    char m_buffer[kBufferSize] = {};
    uint8_t m_flags[kBufferSize] = {};
    size_t m_length = 0;     // bytes buffered
    size_t m_line_start = 0; // canonical: bytes of complete lines; else m_length
    bool m_literal_next = false;
    uint64_t m_last_input_ns = 0; // VTIME's inter-byte timer
    bool m_stopped = false;     // output stopped (^S or TCOOFF)
    bool m_tco_stopped = false; // by TCOOFF: only TCOON restarts it
    char m_hold[kHoldSize] = {};
    size_t m_held = 0;
};

class TtyDevice;

// What a terminal needs from the kernel: the calling process and the
// lifecycle core (kernel/task/tty_host.cpp).
class TtyHost {
public:
    // The job-control check (proc ProcessTable::tty_check_change) for the
    // calling thread: ok, EIO, or ERESTARTSYS once its group was signalled.
    virtual Result<void> check_change(TtyDevice& tty, int sig) = 0;
    // `sig` to the foreground group; may run in the receive interrupt.
    virtual void signal_foreground(TtyDevice& tty, int sig) = 0;
    // open(): `make_controlling` for a terminal opened without O_NOCTTY
    // (the caller may acquire it); `current_tty` for /dev/tty, which is
    // ENXIO unless this is the caller's controlling terminal.
    virtual Result<void> open(TtyDevice& tty, bool make_controlling, bool current_tty) = 0;
    virtual uint64_t now_ns() = 0;
    // Whether the calling thread has a signal to take now (Linux's
    // signal_pending(current)): a long write stops at a chunk boundary.
    virtual bool signal_pending() = 0;

protected:
    ~TtyHost() = default;
};

class TtyDevice final : public CharDevice {
public:
    TtyDevice(LineDiscipline::OutputSink sink, void* context);

    void set_host(TtyHost* host) { m_host = host; }

    Result<void> open(Inode& node, int flags) override;
    uint64_t generation() const override;
    Result<size_t> read(OpenFile& file, IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<size_t> write(OpenFile& file, const IoBuffer& buffer, size_t length, IoContext& context) override;
    TtyDevice* as_tty() override { return this; }

    // From the receive interrupt: runs the line discipline over the bytes,
    // wakes readers, raises the signals typed.
    void push_input(const char* chars, size_t length);
    // poll(2): POLLIN|POLLRDNORM when a read would not wait, POLLOUT|
    // POLLWRNORM while output is not stopped and full; queues
    // `context.waiter` under the lock. A hung-up file: everything, at once.
    uint32_t poll(OpenFile& file, IoContext& context);

    // Linux's tty hang-up (__tty_hangup) for the files open now: from
    // then on they read 0 bytes, fail writes and ioctls with EIO (ioctl:
    // see hung_up), and poll ready with POLLHUP|POLLERR; files opened
    // later are not affected. Files opened through /dev/console are
    // exempt, as on Linux (their f_op is the console's). Pending input and
    // held output are dropped and sleepers woken.
    void hang_up();
    bool hung_up(OpenFile& file);

    // The ioctls (kernel/syscall/ioctl.cpp calls these after copying in).
    KernelTermios termios();
    // TCSETS/TCSETSW/TCSETSF (`flush`): after the job-control check.
    void set_termios(const KernelTermios& termios, bool flush);
    WinSize window_size();
    bool set_window_size(const WinSize& size); // true if it changed
    size_t input_count();
    void flush_input();
    void flush_output();  // TCOFLUSH: what a stopped line held
    size_t output_count(); // TIOCOUTQ
    // Linux tty_wait_until_sent (tcdrain, TCSETSW, TCSETSF): true once no
    // output is held by a stop (sent at ^Q, or dropped by a flush or a
    // hang-up); else queues `context.waiter` on the writers' queue, which
    // each of those wakes.
    bool output_drained(IoContext& context);
    // TCXONC: tty::kTCOOFF, kTCOON, kTCIOFF, kTCION.
    void flow(int action);
    // Linux's tty_check_change before a settings change (tcsetattr,
    // tcsetpgrp, tcflush ...): SIGTTOU for a background caller.
    Result<void> check_change(int sig);

    proc::Terminal& terminal() { return m_terminal; }
    WaitQueue& input_queue() { return m_readers; }

private:
    static bool is_console(OpenFile& file);
    // Reads and writes: check_change, except through /dev/console, which
    // Linux exempts from job control (job_control(), n_tty_write).
    Result<void> job_control(OpenFile& file, int sig);

    // Linux's tty write chunk (iterate_tty_write): a pending signal is
    // looked for between chunks.
    static constexpr size_t kWriteChunk = 2048;

    // Rank Tty: taken with no fs lock held; echo takes the serial console's
    // lock (rank Console) and wakes take the scheduler's, both above it.
    Spinlock m_lock{"Tty", LockRank::Tty};
    LineDiscipline m_discipline;
    WaitQueue m_readers;
    WaitQueue m_writers; // waiting for stopped output to restart
    uint64_t m_generation = 1; // hang-ups so far, + 1 (files: 0 is "not a device")
    LineDiscipline::OutputSink m_sink;
    void* m_sink_context;
    WinSize m_window = {24, 80, 0, 0};
    TtyHost* m_host = nullptr;
    proc::Terminal m_terminal;
};

} // namespace charon
