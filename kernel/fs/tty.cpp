#include "fs/tty.h"

#include <new>

#include "fs/inode.h"
#include "fs/open_file.h"
#include "lib/string_util.h"

namespace charon {

using namespace tty;

KernelTermios tty::default_termios() {
    KernelTermios t = {};
    t.c_iflag = kICRNL | kIXON;
    t.c_oflag = kOPOST | kONLCR;
    t.c_cflag = kB38400 | kCS8 | kCREAD | kHUPCL | kCLOCAL;
    t.c_lflag = kISIG | kICANON | kECHO | kECHOE | kECHOK | kECHOCTL | kECHOKE | kIEXTEN;
    // Linux's INIT_C_CC: ^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, ^Q ^S ^Z, ^R ^O ^W ^V.
    const uint8_t cc[19] = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0};
    for (size_t i = 0; i < sizeof cc; ++i)
        t.c_cc[i] = cc[i];
    return t;
}

// --- LineDiscipline ----------------------------------------------------------

LineDiscipline::LineDiscipline(OutputSink sink, void* context)
    : m_termios(default_termios()), m_sink(sink), m_context(context) {}

void LineDiscipline::set_termios(const KernelTermios& termios) {
    bool was_canonical = canonical();
    bool had_ixon = iflag(kIXON);
    m_termios = termios;
    // n_tty_set_termios: clearing IXON restarts output stopped by ^S.
    if (had_ixon && !iflag(kIXON))
        restart_output();
    if (was_canonical == canonical())
        return;
    // n_tty_set_termios: leaving canonical mode makes the partial line
    // readable; entering it turns what is buffered into one pushed line.
    if (canonical() && m_length > 0)
        m_flags[m_length - 1] |= kDelimiter;
    m_line_start = m_length;
    m_literal_next = false;
}

void LineDiscipline::put(char c, uint8_t flags) {
    m_buffer[m_length] = c;
    m_flags[m_length] = flags;
    ++m_length;
    if (!canonical())
        m_line_start = m_length;
}

size_t LineDiscipline::write(const char* chars, size_t length) {
    bool opost = (m_termios.c_oflag & kOPOST) != 0;
    if (m_stopped) {
        // Held byte by byte, each with its processed form whole, as long as
        // it fits (Linux: the driver's transmit buffer fills, then writers
        // wait for a restart).
        size_t i = 0;
        for (; i < length; ++i) {
            char c = chars[i];
            const char* out = &chars[i];
            size_t n = 1;
            if (opost && c == '\n' && (m_termios.c_oflag & kONLCR))
                out = "\r\n", n = 2;
            else if (opost && c == '\r' && (m_termios.c_oflag & kOCRNL))
                out = "\n";
            if (kHoldSize - m_held < n)
                break;
            for (size_t k = 0; k < n; ++k)
                m_hold[m_held++] = out[k];
        }
        return i;
    }
    if (!opost) {
        m_sink(m_context, chars, length);
        return length;
    }
    // Runs of ordinary bytes go out as they are; NL and CR are mapped.
    size_t start = 0;
    for (size_t i = 0; i < length; ++i) {
        char c = chars[i];
        if (c == '\n' && (m_termios.c_oflag & kONLCR)) {
            m_sink(m_context, chars + start, i - start);
            m_sink(m_context, "\r\n", 2);
            start = i + 1;
        } else if (c == '\r' && (m_termios.c_oflag & kOCRNL)) {
            m_sink(m_context, chars + start, i - start);
            m_sink(m_context, "\n", 1);
            start = i + 1;
        }
    }
    if (start < length)
        m_sink(m_context, chars + start, length - start);
    return length;
}

// Linux __stop_tty / __start_tty with TCXONC's tco_stopped on top.
void LineDiscipline::stop_output(bool by_program) {
    if (by_program)
        m_tco_stopped = true;
    m_stopped = true;
}

void LineDiscipline::start_output(bool by_program) {
    if (by_program) {
        if (!m_tco_stopped)
            return;
        m_tco_stopped = false;
    }
    restart_output();
}

void LineDiscipline::restart_output() {
    if (!m_stopped || m_tco_stopped)
        return;
    m_stopped = false;
    if (m_held)
        m_sink(m_context, m_hold, m_held);
    m_held = 0;
}

void LineDiscipline::echo_raw(char c) { (void)write(&c, 1); }

static bool is_control(char c) {
    auto u = static_cast<uint8_t>(c);
    return (u < 0x20 && c != '\t' && c != '\n') || u == 0x7f;
}

// ECHOCTL shows a control character as ^X (DEL as ^?).
void LineDiscipline::echo(char c) {
    if (lflag(kECHOCTL) && is_control(c)) {
        char shown[2] = {'^', static_cast<char>(c == 0x7f ? '?' : c ^ 0x40)};
        (void)write(shown, 2);
        return;
    }
    echo_raw(c);
}

size_t LineDiscipline::echo_width(char c) const { return lflag(kECHOCTL) && is_control(c) ? 2 : 1; }

void LineDiscipline::reprint() {
    for (size_t i = m_line_start; i < m_length; ++i)
        echo(m_buffer[i]);
}

// n_tty's eraser. Echo undoes characters on the screen ("\b \b") when ECHOE
// is set (for KILL also ECHOK and ECHOKE), else shows the editing character.
// Tabs are undone as one column (Linux computes the column; not done yet).
void LineDiscipline::erase(int kind) {
    if (m_length == m_line_start)
        return;
    if (kind == kVKILL) {
        if (!lflag(kECHO)) {
            m_length = m_line_start;
            return;
        }
        if (!lflag(kECHOK) || !lflag(kECHOKE) || !lflag(kECHOE)) {
            m_length = m_line_start;
            echo(static_cast<char>(m_termios.c_cc[kVKILL]));
            if (lflag(kECHOK))
                echo_raw('\n');
            return;
        }
    }
    bool seen_word = false;
    while (m_length > m_line_start) {
        char c = m_buffer[m_length - 1];
        if (kind == kVWERASE) {
            // BSD's ALTWERASE, as Linux: a word is letters, digits and '_'.
            bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            if (word)
                seen_word = true;
            else if (seen_word)
                break;
        }
        --m_length;
        if (lflag(kECHO)) {
            if (kind == kVERASE && !lflag(kECHOE)) {
                echo(static_cast<char>(m_termios.c_cc[kVERASE]));
            } else {
                for (size_t i = echo_width(c); i > 0; --i)
                    write("\b \b", 3);
            }
        }
        if (kind == kVERASE)
            break;
    }
}

int LineDiscipline::receive_char(char c, uint64_t now_ns) {
    m_last_input_ns = now_ns;
    if (iflag(kISTRIP))
        c = static_cast<char>(c & 0x7f);
    if (m_literal_next) {
        // The character after ^V is data whatever it is.
        m_literal_next = false;
        if (iflag(kIXON) && iflag(kIXANY))
            restart_output();
        if (m_length < kBufferSize - (canonical() ? 1 : 0)) {
            if (lflag(kECHO))
                echo(c);
            put(c, 0);
        }
        return 0;
    }
    // IXON: the start and stop characters control output and are consumed
    // (n_tty_receive_char_flow_ctrl; START wins if both are the same).
    if (iflag(kIXON)) {
        if (is_char(c, kVSTART)) {
            restart_output();
            return 0;
        }
        if (is_char(c, kVSTOP)) {
            stop_output(false);
            return 0;
        }
    }
    if (lflag(kISIG)) {
        int sig = is_char(c, kVINTR) ? kSIGINT : is_char(c, kVQUIT) ? kSIGQUIT : is_char(c, kVSUSP) ? kSIGTSTP : 0;
        if (sig) {
            // n_tty isig(): the pending input and the output not yet sent
            // go unless NOFLSH; under IXON output restarts; then the
            // character is echoed (^C).
            if (!lflag(kNOFLSH)) {
                flush_input();
                flush_output();
            }
            if (iflag(kIXON))
                restart_output();
            if (lflag(kECHO))
                echo(c);
            return sig;
        }
    }
    // IXANY: any other byte restarts output too, and is then processed.
    if (iflag(kIXON) && iflag(kIXANY))
        restart_output();
    if (c == '\r') {
        if (iflag(kIGNCR))
            return 0;
        if (iflag(kICRNL))
            c = '\n';
    } else if (c == '\n' && iflag(kINLCR)) {
        c = '\r';
    }
    if (canonical()) {
        if (is_char(c, kVERASE) || is_char(c, kVKILL) || (lflag(kIEXTEN) && is_char(c, kVWERASE))) {
            erase(is_char(c, kVERASE) ? kVERASE : is_char(c, kVKILL) ? kVKILL : kVWERASE);
            return 0;
        }
        if (lflag(kIEXTEN) && is_char(c, kVLNEXT)) {
            m_literal_next = true;
            if (lflag(kECHO) && lflag(kECHOCTL))
                write("^\b", 2);
            return 0;
        }
        if (lflag(kIEXTEN) && is_char(c, kVREPRINT)) {
            if (lflag(kECHO)) {
                echo(c);
                echo_raw('\n');
                reprint();
            }
            return 0;
        }
        bool newline = c == '\n';
        bool eof = is_char(c, kVEOF);
        bool eol = is_char(c, kVEOL) || is_char(c, kVEOL2);
        if (newline || eof || eol) {
            if (m_length >= kBufferSize)
                return 0;
            if (newline && (lflag(kECHO) || lflag(kECHONL)))
                echo_raw('\n');
            else if (eol && lflag(kECHO))
                echo(c);
            // EOF is not echoed; its place in the buffer ends the line
            // and is never read.
            put(c, static_cast<uint8_t>(kDelimiter | (eof ? kEofMark : 0)));
            commit_line();
            return 0;
        }
        // Leave room for the line's delimiter.
        if (m_length >= kBufferSize - 1)
            return 0;
    } else if (m_length >= kBufferSize) {
        return 0;
    }
    if (lflag(kECHO))
        echo(c);
    put(c, 0);
    return 0;
}

bool LineDiscipline::input_ready() const {
    if (canonical())
        return m_line_start > 0;
    size_t min = m_termios.c_cc[kVMIN];
    // n_tty_poll: with VTIME 0 and VMIN set, VMIN bytes make it readable.
    size_t want = (m_termios.c_cc[kVTIME] == 0 && min > 0) ? min : 1;
    return m_length >= want;
}

size_t LineDiscipline::input_count() const {
    if (!canonical())
        return m_length;
    // TIOCINQ in canonical mode: complete lines, EOF marks not counted.
    size_t count = 0;
    for (size_t i = 0; i < m_line_start; ++i)
        if (!(m_flags[i] & kEofMark))
            ++count;
    return count;
}

void LineDiscipline::flush_input() {
    m_length = 0;
    m_line_start = 0;
    m_literal_next = false;
}

bool LineDiscipline::read(char* out, size_t length, uint64_t now_ns, uint64_t& deadline_ns, size_t& taken) {
    taken = 0;
    size_t consumed = 0;
    if (canonical()) {
        if (m_line_start == 0)
            return false;
        size_t end = 0; // the first delimiter
        while (!(m_flags[end] & kDelimiter))
            ++end;
        bool eof = (m_flags[end] & kEofMark) != 0;
        size_t line = eof ? end : end + 1; // what the reader may see
        taken = length < line ? length : line;
        __builtin_memcpy(out, m_buffer, taken);
        consumed = taken;
        if (eof && taken == line)
            consumed = end + 1; // the EOF mark goes with the line
    } else {
        size_t min = m_termios.c_cc[kVMIN];
        uint64_t time_ns = uint64_t(m_termios.c_cc[kVTIME]) * 100'000'000;
        size_t want = min < length ? min : length;
        bool ready;
        if (min == 0 && time_ns == 0) {
            ready = true; // polling read: whatever is there, maybe nothing
        } else if (min == 0) {
            // A read timer from the start of the read: the first byte or 0.
            if (deadline_ns == 0)
                deadline_ns = now_ns + time_ns;
            ready = m_length > 0 || now_ns >= deadline_ns;
        } else if (m_length >= want) {
            ready = true;
        } else if (time_ns != 0 && m_length > 0) {
            // The inter-byte timer runs from the last byte received.
            deadline_ns = m_last_input_ns + time_ns;
            ready = now_ns >= deadline_ns;
        } else {
            deadline_ns = 0;
            ready = false;
        }
        if (!ready)
            return false;
        taken = length < m_length ? length : m_length;
        __builtin_memcpy(out, m_buffer, taken);
        consumed = taken;
    }
    __builtin_memmove(m_buffer, m_buffer + consumed, m_length - consumed);
    __builtin_memmove(m_flags, m_flags + consumed, m_length - consumed);
    m_length -= consumed;
    m_line_start -= consumed;
    return true;
}

// --- TtyDevice -----------------------------------------------------------------

TtyDevice::TtyDevice(LineDiscipline::OutputSink sink, void* context)
    : m_discipline(sink, context), m_sink(sink), m_sink_context(context) {
    m_terminal.set_hang_up([](void* device) { static_cast<TtyDevice*>(device)->hang_up(); }, this);
}

// Read without the lock by open(); changed under it.
uint64_t TtyDevice::generation() const { return __atomic_load_n(&m_generation, __ATOMIC_RELAXED); }

bool TtyDevice::hung_up(OpenFile& file) {
    return !is_console(file) && file.device_generation() != generation();
}

void TtyDevice::hang_up() {
    SpinlockGuard guard(m_lock);
    __atomic_store_n(&m_generation, m_generation + 1, __ATOMIC_RELAXED);
    // tty_ldisc_hangup and the driver's flush: nothing typed or held
    // survives the hang-up.
    m_discipline.flush_input();
    m_discipline.flush_output();
    m_readers.wake_all();
    m_writers.wake_all();
}

bool TtyDevice::is_console(OpenFile& file) {
    Inode& inode = file.inode();
    return inode.rdev_major() == kConsoleMajor && inode.rdev_minor() == kConsoleMinor;
}

Result<void> TtyDevice::open(Inode& node, int flags) {
    if (!m_host)
        return {};
    // Linux's tty_open: /dev/tty is the caller's controlling terminal
    // (ENXIO without one) and acquires nothing; /dev/console never
    // becomes a controlling terminal by open(); any other terminal does
    // for a session leader without one, unless O_NOCTTY.
    bool current_tty = node.rdev_major() == kTtyMajor && node.rdev_minor() == kTtyMinor;
    bool console = node.rdev_major() == kConsoleMajor && node.rdev_minor() == kConsoleMinor;
    bool make_controlling = !current_tty && !console && !(flags & O_NOCTTY);
    return m_host->open(*this, make_controlling, current_tty);
}

Result<void> TtyDevice::check_change(int sig) {
    if (!m_host)
        return {};
    return m_host->check_change(*this, sig);
}

Result<void> TtyDevice::job_control(OpenFile& file, int sig) {
    if (is_console(file))
        return {};
    return check_change(sig);
}

Result<size_t> TtyDevice::read(OpenFile& file, IoBuffer& buffer, size_t length, IoContext& context) {
    if (hung_up(file))
        return size_t(0); // hung_up_tty_read
    // Job control at the start of every attempt (POSIX wants it after
    // every sleep too), except through /dev/console (Linux job_control()).
    TRY(job_control(file, kSIGTTIN));
    if (length == 0)
        return size_t(0);
    // Copied out under the lock into a bounce buffer, then to the user
    // after unlocking: a user copy never runs under the lock the receive
    // interrupt needs. The buffer holds a whole canonical line, so that one
    // read returns one line as on Linux.
    char small[256];
    size_t want = length < LineDiscipline::kBufferSize ? length : LineDiscipline::kBufferSize;
    char* chunk = small;
    if (want > sizeof small) {
        chunk = new (std::nothrow) char[want];
        if (!chunk)
            return ENOMEM;
    }
    struct Release {
        char* chunk;
        char* small;
        ~Release() {
            if (chunk != small)
                delete[] chunk;
        }
    } release{chunk, small};
    size_t taken;
    uint64_t now = m_host ? m_host->now_ns() : 0;
    {
        SpinlockGuard guard(m_lock);
        if (!m_discipline.read(chunk, want, now, context.deadline_ns, taken)) {
            if (file.is_nonblocking())
                return EAGAIN;
            context.enqueue(m_readers, m_lock);
            return EAGAIN;
        }
    }
    // Input consumed but not delivered is lost on EFAULT, as with Linux.
    TRY(buffer.copy_to(0, chunk, taken));
    return taken;
}

Result<size_t> TtyDevice::write(OpenFile& file, const IoBuffer& buffer, size_t length, IoContext& context) {
    if (hung_up(file))
        return EIO; // hung_up_tty_write
    // n_tty_write: with TOSTOP a background writer gets SIGTTOU.
    bool tostop;
    {
        SpinlockGuard guard(m_lock);
        tostop = (m_discipline.termios().c_lflag & kTOSTOP) != 0;
    }
    if (tostop)
        TRY(job_control(file, kSIGTTOU));
    char chunk[256];
    static_assert(kWriteChunk % sizeof chunk == 0);
    size_t done = 0;
    while (done < length) {
        // Linux's iterate_tty_write: a signal ends a long write after the
        // 2 KiB chunk in progress, with the count written so far, so ^C
        // stops a writer's output there and a handler runs without waiting
        // for the rest of the buffer.
        if (done && done % kWriteChunk == 0 && m_host && m_host->signal_pending()) {
            context.ended_by_signal = true;
            return done;
        }
        size_t count = length - done < sizeof chunk ? length - done : sizeof chunk;
        auto copied = buffer.copy_from(done, chunk, count);
        if (copied.is_error())
            return done ? Result<size_t>(done) : Result<size_t>(copied.error());
        {
            SpinlockGuard guard(m_lock);
            size_t taken = m_discipline.write(chunk, count);
            if (taken < count) {
                // Output is stopped (^S) and what it holds is full: the
                // writer waits for the restart, or gets EAGAIN.
                done += taken;
                if (done)
                    return done;
                if (!file.is_nonblocking())
                    context.enqueue(m_writers, m_lock);
                return EAGAIN;
            }
        }
        done += count;
    }
    return done;
}

void TtyDevice::push_input(const char* chars, size_t length) {
    uint64_t now = m_host ? m_host->now_ns() : 0;
    for (size_t i = 0; i < length; ++i) {
        int sig;
        {
            SpinlockGuard guard(m_lock);
            sig = m_discipline.receive_char(chars[i], now);
            // Readers decide for themselves (a line, VMIN, VTIME's timer).
            m_readers.wake_all();
            if (m_discipline.output_room())
                m_writers.wake_all(); // ^Q (or IXANY, a signal character)
        }
        // Signals go out without the tty lock: the core's lock ranks below it.
        if (sig && m_host)
            m_host->signal_foreground(*this, sig);
    }
}

uint32_t TtyDevice::poll(OpenFile& file, IoContext& context) {
    if (hung_up(file))
        return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM; // hung_up_tty_poll
    SpinlockGuard guard(m_lock);
    uint32_t events = 0;
    if (m_discipline.output_room())
        events |= POLLOUT | POLLWRNORM;
    if (m_discipline.input_ready())
        events |= POLLIN | POLLRDNORM;
    // One queue for both directions: a restart of output also wakes the
    // readers' queue (push_input), so a poller waiting for POLLOUT sees it.
    context.enqueue(m_readers, m_lock);
    return events;
}

KernelTermios TtyDevice::termios() {
    SpinlockGuard guard(m_lock);
    return m_discipline.termios();
}

void TtyDevice::set_termios(const KernelTermios& termios, bool flush) {
    SpinlockGuard guard(m_lock);
    if (flush)
        m_discipline.flush_input();
    m_discipline.set_termios(termios);
    // New VMIN/VTIME or ICANON may satisfy a sleeping reader; clearing
    // IXON restarts stopped output.
    m_readers.wake_all();
    if (m_discipline.output_room())
        m_writers.wake_all();
}

WinSize TtyDevice::window_size() {
    SpinlockGuard guard(m_lock);
    return m_window;
}

bool TtyDevice::set_window_size(const WinSize& size) {
    SpinlockGuard guard(m_lock);
    bool changed = !memory_equal(&size, &m_window, sizeof size);
    m_window = size;
    return changed;
}

size_t TtyDevice::input_count() {
    SpinlockGuard guard(m_lock);
    return m_discipline.input_count();
}

void TtyDevice::flush_input() {
    SpinlockGuard guard(m_lock);
    m_discipline.flush_input();
}

void TtyDevice::flush_output() {
    SpinlockGuard guard(m_lock);
    m_discipline.flush_output();
    m_writers.wake_all();
}

size_t TtyDevice::output_count() {
    SpinlockGuard guard(m_lock);
    return m_discipline.held_output();
}

bool TtyDevice::output_drained(IoContext& context) {
    SpinlockGuard guard(m_lock);
    if (m_discipline.held_output() == 0)
        return true;
    context.enqueue(m_writers, m_lock);
    return false;
}

void TtyDevice::flow(int action) {
    SpinlockGuard guard(m_lock);
    switch (action) {
    case kTCOOFF:
        m_discipline.stop_output(true);
        break;
    case kTCOON:
        m_discipline.start_output(true);
        break;
    default: {
        // TCIOFF/TCION send the STOP/START character to the other end
        // (tty_send_xchar), ahead of any held output.
        uint8_t c = m_discipline.termios().c_cc[action == kTCIOFF ? kVSTOP : kVSTART];
        if (c)
            m_sink(m_sink_context, reinterpret_cast<const char*>(&c), 1);
        break;
    }
    }
    if (m_discipline.output_room())
        m_writers.wake_all();
}

} // namespace charon
