// The line discipline (fs/tty.h) on its own: input processing, canonical
// editing and its echo, VMIN/VTIME, output processing; and TtyDevice over a
// fake host (job control asked before reads and writes, except through
// /dev/console; typed signals; /dev/tty). Expected echo bytes are what
// Linux's n_tty sends for the same input (checked on a host pty by the tty
// suite, tests/tty/scenarios.py).
#include <gtest/gtest.h>

#include <string>

#include "fs/blocking.h"
#include "fs/inode.h"
#include "fs/open_file.h"
#include "fs/tty.h"

namespace charon {
namespace {

using namespace tty;

struct Line {
    Line() : discipline(sink, &output) {}
    static void sink(void* context, const char* chars, size_t length) {
        static_cast<std::string*>(context)->append(chars, length);
    }
    // Types `input`; returns the last signal raised (0 if none).
    int type(const std::string& input, uint64_t now = 0) {
        int raised = 0;
        for (char c : input)
            if (int sig = discipline.receive_char(c, now))
                raised = sig;
        return raised;
    }
    // One read of up to `length` bytes; "<wait>" if it would wait.
    std::string read(size_t length = 100, uint64_t now = 0) {
        char buffer[LineDiscipline::kBufferSize];
        size_t taken = 0;
        if (!discipline.read(buffer, length, now, deadline, taken))
            return "<wait>";
        return std::string(buffer, taken);
    }
    std::string take_output() {
        std::string out;
        out.swap(output);
        return out;
    }
    void set(uint32_t lflag_off, uint32_t lflag_on, int vmin = -1, int vtime = -1) {
        KernelTermios t = discipline.termios();
        t.c_lflag = (t.c_lflag & ~lflag_off) | lflag_on;
        if (vmin >= 0)
            t.c_cc[kVMIN] = static_cast<uint8_t>(vmin);
        if (vtime >= 0)
            t.c_cc[kVTIME] = static_cast<uint8_t>(vtime);
        discipline.set_termios(t);
    }

    std::string output;
    LineDiscipline discipline;
    uint64_t deadline = 0;
};

TEST(LineDiscipline, DefaultsAreLinuxsStdTermios) {
    KernelTermios t = default_termios();
    EXPECT_EQ(t.c_iflag, kICRNL | kIXON);
    EXPECT_EQ(t.c_oflag, kOPOST | kONLCR);
    EXPECT_EQ(t.c_lflag, kISIG | kICANON | kECHO | kECHOE | kECHOK | kECHOCTL | kECHOKE | kIEXTEN);
    EXPECT_EQ(t.c_cc[kVINTR], 3);
    EXPECT_EQ(t.c_cc[kVERASE], 127);
    EXPECT_EQ(t.c_cc[kVMIN], 1);
}

TEST(LineDiscipline, CanonicalLineWithEchoAndCrMapping) {
    Line l;
    l.type("ab");
    EXPECT_EQ(l.read(), "<wait>"); // no line yet
    EXPECT_FALSE(l.discipline.input_ready());
    l.type("c\r");
    EXPECT_EQ(l.take_output(), "abc\r\n"); // echo, ICRNL, ONLCR
    EXPECT_TRUE(l.discipline.input_ready());
    EXPECT_EQ(l.discipline.input_count(), 4u);
    EXPECT_EQ(l.read(), "abc\n");
    EXPECT_EQ(l.read(), "<wait>");
}

TEST(LineDiscipline, OneLinePerReadAndShortReads) {
    Line l;
    l.type("one\rtwo\r");
    EXPECT_EQ(l.read(2), "on");
    EXPECT_EQ(l.read(), "e\n");
    EXPECT_EQ(l.read(), "two\n");
}

TEST(LineDiscipline, EraseWordEraseAndKill) {
    Line l;
    l.type("abx\x7f");
    EXPECT_EQ(l.take_output(), "abx\b \b");
    l.type("c\r");
    EXPECT_EQ(l.read(), "abc\n");
    l.take_output();
    l.type("foo bar\x17");
    EXPECT_EQ(l.take_output(), "foo bar\b \b\b \b\b \b");
    l.type("baz\r");
    EXPECT_EQ(l.read(), "foo baz\n");
    l.take_output();
    l.type("junk\x15");
    EXPECT_EQ(l.take_output(), "junk\b \b\b \b\b \b\b \b"); // ECHOKE: erased on screen
    l.type("ok\r");
    EXPECT_EQ(l.read(), "ok\n");
    // Nothing to erase: nothing happens, nothing is echoed.
    l.take_output();
    l.type("\x7f\x15\x17");
    EXPECT_EQ(l.take_output(), "");
}

TEST(LineDiscipline, KillWithoutEchokeEchoesTheCharacterAndANewline) {
    Line m;
    m.set(kECHOKE, 0);
    m.type("abc\x15");
    EXPECT_EQ(m.take_output(), "abc^U\r\n");
    m.type("d\r");
    EXPECT_EQ(m.read(), "d\n");
}

TEST(LineDiscipline, EraseOnlyStopsAtTheLineStart) {
    Line l;
    l.type("ab\r");
    l.type("\x7f\x7f\x7f");
    EXPECT_EQ(l.read(), "ab\n"); // a committed line cannot be edited
}

TEST(LineDiscipline, ControlCharactersEchoAsCaretAndEraseTwoColumns) {
    Line l;
    l.type("a\x01");
    EXPECT_EQ(l.take_output(), "a^A");
    l.type("\x7f");
    EXPECT_EQ(l.take_output(), "\b \b\b \b");
    l.type("\x08\r"); // ^H is data while VERASE is DEL
    EXPECT_EQ(l.read(), "a\x08\n");
}

TEST(LineDiscipline, LiteralNextAndReprint) {
    Line l;
    l.type("\x16\x15");
    EXPECT_EQ(l.take_output(), "^\b^U");
    l.type("x\x12");
    EXPECT_EQ(l.take_output(), "x^R\r\n^Ux");
    l.type("\r");
    EXPECT_EQ(l.read(), "\x15x\n");
}

TEST(LineDiscipline, EndOfFile) {
    Line l;
    l.type("par\x04");
    EXPECT_EQ(l.take_output(), "par"); // ^D is not echoed
    EXPECT_EQ(l.discipline.input_count(), 3u);
    EXPECT_EQ(l.read(), "par");
    l.type("\x04");
    EXPECT_EQ(l.read(), ""); // EOF: a read of 0
    EXPECT_EQ(l.read(), "<wait>");
}

TEST(LineDiscipline, SignalsFlushInputUnlessNoflsh) {
    Line l;
    l.type("done\rpartial");
    EXPECT_EQ(l.type("\x03"), kSIGINT);
    EXPECT_EQ(l.take_output(), "done\r\npartial^C");
    EXPECT_EQ(l.read(), "<wait>"); // both the line and the partial one are gone
    EXPECT_EQ(l.type("\x1c"), kSIGQUIT);
    EXPECT_EQ(l.type("\x1a"), kSIGTSTP);
    l.set(0, kNOFLSH);
    l.type("keep\r");
    EXPECT_EQ(l.type("\x03"), kSIGINT);
    EXPECT_EQ(l.read(), "keep\n");
    l.set(kISIG, 0);
    EXPECT_EQ(l.type("\x03\r"), 0); // without ISIG ^C is data
    EXPECT_EQ(l.read(), "\x03\n");
}

TEST(LineDiscipline, NoEchoButEchonl) {
    Line l;
    l.set(kECHO, kECHONL);
    l.type("secret\r");
    EXPECT_EQ(l.take_output(), "\r\n");
    EXPECT_EQ(l.read(), "secret\n");
}

TEST(LineDiscipline, InputMapping) {
    Line l;
    KernelTermios t = l.discipline.termios();
    t.c_iflag = kIGNCR;
    l.discipline.set_termios(t);
    l.type("a\rb\n");
    EXPECT_EQ(l.read(), "ab\n");
    t.c_iflag = kISTRIP;
    l.discipline.set_termios(t);
    l.type("\xc1\n");
    EXPECT_EQ(l.read(), "A\n");
    t.c_iflag = kIXON;
    l.discipline.set_termios(t);
    l.type("x\x13y\x11\n"); // ^S and ^Q are consumed
    EXPECT_EQ(l.read(), "xy\n");
    EXPECT_FALSE(l.discipline.output_stopped());
}

TEST(LineDiscipline, CanonicalLineIsBounded) {
    Line l;
    l.set(kECHO, 0);
    l.type(std::string(5000, 'x'));
    l.type("\r");
    std::string line = l.read(LineDiscipline::kBufferSize);
    EXPECT_EQ(line.size(), LineDiscipline::kBufferSize);
    EXPECT_EQ(line.back(), '\n');
}

TEST(LineDiscipline, NonCanonicalVminVtime) {
    Line l;
    l.set(kICANON | kECHO, 0, 0, 0);
    EXPECT_EQ(l.read(), ""); // VMIN 0 VTIME 0: a poll
    l.set(0, 0, 3, 0);
    l.type("12");
    EXPECT_EQ(l.read(), "<wait>");
    EXPECT_EQ(l.read(1), "1"); // a read smaller than VMIN needs only its size
    l.type("34");
    EXPECT_EQ(l.read(), "234");
    // VMIN 0, VTIME 5: a timer from the start of the read.
    l.set(0, 0, 0, 5);
    l.deadline = 0;
    EXPECT_EQ(l.read(100, 1000), "<wait>");
    EXPECT_EQ(l.deadline, 1000 + 500'000'000u);
    EXPECT_EQ(l.read(100, 2000), "<wait>");
    EXPECT_EQ(l.read(100, 1000 + 500'000'000), "");
    // VMIN 4, VTIME 2: no timer before the first byte, then an inter-byte one.
    l.set(0, 0, 4, 2);
    l.deadline = 0;
    EXPECT_EQ(l.read(100, 0), "<wait>");
    EXPECT_EQ(l.deadline, 0u);
    l.type("ab", 7000);
    EXPECT_EQ(l.read(100, 8000), "<wait>");
    EXPECT_EQ(l.deadline, 7000 + 200'000'000u);
    EXPECT_EQ(l.read(100, 7000 + 200'000'000), "ab");
}

TEST(LineDiscipline, SwitchingModesKeepsTheData) {
    Line l;
    l.type("par");
    l.set(kICANON, 0, 1, 0);
    EXPECT_EQ(l.read(), "par"); // the partial line becomes readable
    l.type("raw");
    l.set(0, kICANON);
    EXPECT_EQ(l.read(), "raw"); // buffered bytes become one line
}

TEST(LineDiscipline, OutputProcessing) {
    Line l;
    l.discipline.write("a\nb", 3);
    EXPECT_EQ(l.take_output(), "a\r\nb");
    KernelTermios t = l.discipline.termios();
    t.c_oflag = kOPOST | kOCRNL;
    l.discipline.set_termios(t);
    l.discipline.write("a\rb\n", 4);
    EXPECT_EQ(l.take_output(), "a\nb\n");
    t.c_oflag = kONLCR; // without OPOST nothing is processed
    l.discipline.set_termios(t);
    l.discipline.write("a\n", 2);
    EXPECT_EQ(l.take_output(), "a\n");
}

TEST(LineDiscipline, StopAndStartHoldOutputAndEcho) {
    Line l;
    l.type("\x13"); // ^S
    EXPECT_TRUE(l.discipline.output_stopped());
    EXPECT_EQ(l.discipline.write("a\nb", 3), 3u);
    l.type("x");                      // the echo is held too
    EXPECT_EQ(l.take_output(), "");
    EXPECT_EQ(l.discipline.held_output(), 5u); // processed: a CR NL b x
    l.type("\x11");                   // ^Q sends it, in order
    EXPECT_FALSE(l.discipline.output_stopped());
    EXPECT_EQ(l.take_output(), "a\r\nbx");
    EXPECT_EQ(l.discipline.held_output(), 0u);
    l.type("\r");
    EXPECT_EQ(l.read(), "x\n"); // ^S and ^Q are not input
    EXPECT_EQ(l.take_output(), "\r\n");
}

TEST(LineDiscipline, StoppedOutputHoldsOnlyWhatFits) {
    Line l;
    l.type("\x13");
    std::string big(LineDiscipline::kHoldSize - 1, 'z');
    EXPECT_EQ(l.discipline.write(big.data(), big.size()), big.size());
    EXPECT_TRUE(l.discipline.output_room()); // one byte left
    // A NL needs two bytes (CR NL) and one is left: it waits whole.
    EXPECT_EQ(l.discipline.write("\n", 1), 0u);
    EXPECT_EQ(l.discipline.write("y", 1), 1u);
    EXPECT_FALSE(l.discipline.output_room());
    EXPECT_EQ(l.discipline.write("w", 1), 0u);
    l.type("\x11");
    EXPECT_EQ(l.take_output(), big + "y");
    EXPECT_TRUE(l.discipline.output_room());
}

TEST(LineDiscipline, SignalCharacterRestartsAndFlushesOutput) {
    Line l;
    l.type("\x13");
    l.discipline.write("lost", 4);
    EXPECT_EQ(l.type("\x03"), kSIGINT);
    EXPECT_FALSE(l.discipline.output_stopped());
    EXPECT_EQ(l.take_output(), "^C"); // the held output went with the input
    // NOFLSH keeps it.
    l.set(0, kNOFLSH);
    l.type("\x13");
    l.discipline.write("kept", 4);
    l.type("\x03");
    EXPECT_EQ(l.take_output(), "kept^C");
}

TEST(LineDiscipline, IxanyAndClearingIxonRestart) {
    Line l;
    l.type("\x13");
    l.discipline.write("o", 1);
    l.type("q"); // without IXANY another byte does not restart
    EXPECT_TRUE(l.discipline.output_stopped());
    KernelTermios t = l.discipline.termios();
    t.c_iflag |= kIXANY;
    l.discipline.set_termios(t);
    l.type("r");
    EXPECT_FALSE(l.discipline.output_stopped());
    EXPECT_EQ(l.take_output(), "oqr"); // q's held echo, then r's
    l.type("\x13");
    l.discipline.write("p", 1);
    t.c_iflag &= ~kIXON; // clearing IXON restarts
    l.discipline.set_termios(t);
    EXPECT_EQ(l.take_output(), "p");
    l.type("\x13"); // no IXON: ^S is data
    EXPECT_FALSE(l.discipline.output_stopped());
    EXPECT_EQ(l.take_output(), "^S");
}

TEST(LineDiscipline, TcooffNeedsTcoon) {
    Line l;
    l.discipline.stop_output(true);
    l.discipline.write("t", 1);
    l.type("\x11"); // ^Q does not undo TCOOFF
    EXPECT_TRUE(l.discipline.output_stopped());
    EXPECT_EQ(l.take_output(), "");
    l.discipline.start_output(false);
    EXPECT_TRUE(l.discipline.output_stopped());
    l.discipline.start_output(true);
    EXPECT_FALSE(l.discipline.output_stopped());
    EXPECT_EQ(l.take_output(), "t");
    l.discipline.start_output(true); // TCOON without TCOOFF: nothing
    EXPECT_FALSE(l.discipline.output_stopped());
}

// --- TtyDevice over a fake host -------------------------------------------------

struct FakeTtyHost final : TtyHost {
    Result<void> check_change(TtyDevice&, int sig) override {
        checks += std::to_string(sig) + " ";
        return check_result;
    }
    void signal_foreground(TtyDevice&, int sig) override { signals += std::to_string(sig) + " "; }
    Result<void> open(TtyDevice&, bool make_controlling, bool current_tty) override {
        opens += std::string(make_controlling ? "ctty" : "-") + (current_tty ? "/tty " : " ");
        return current_tty && !has_ctty ? Result<void>(ENXIO) : Result<void>();
    }
    uint64_t now_ns() override { return 0; }
    bool signal_pending() override {
        ++signal_queries;
        return signal;
    }
    std::string checks, signals, opens;
    bool signal = false;
    int signal_queries = 0;
    Result<void> check_result;
    bool has_ctty = false;
};

struct Device {
    Device() : tty(Line::sink, &output) { tty.set_host(&host); }
    // A device node (a character-special inode) for major:minor.
    RefPtr<Inode> node(uint32_t major, uint32_t minor) {
        RefPtr<Inode> n = Inode::try_create(fs, InodeType::CharDevice, 0666, 0, 0).value();
        n->set_device(major, minor);
        return n;
    }
    std::string output;
    FakeTtyHost host;
    TtyDevice tty;
    FileSystem fs{1, false};
};

TEST(TtyDevice, OpenRules) {
    Device d;
    EXPECT_FALSE(d.tty.open(*d.node(kSerialMajor, kSerialMinor), O_RDWR).is_error());
    EXPECT_FALSE(d.tty.open(*d.node(kSerialMajor, kSerialMinor), O_RDWR | O_NOCTTY).is_error());
    EXPECT_FALSE(d.tty.open(*d.node(kConsoleMajor, kConsoleMinor), O_RDWR).is_error());
    EXPECT_EQ(d.tty.open(*d.node(kTtyMajor, kTtyMinor), O_RDWR).error().code(), ENXIO);
    // ttyS0 acquires, with O_NOCTTY not; /dev/console never; /dev/tty looks.
    EXPECT_EQ(d.host.opens, "ctty - - -/tty ");
}

TEST(TtyDevice, TypedSignalsGoToTheHost) {
    Device d;
    d.tty.push_input("ab\x03", 3);
    EXPECT_EQ(d.host.signals, "2 ");
    EXPECT_EQ(d.output, "ab^C");
    EXPECT_EQ(d.tty.input_count(), 0u);
}

TEST(TtyDevice, JobControlOnReadAndWriteButNotThroughTheConsole) {
    Device d;
    RefPtr<Inode> serial = d.node(kSerialMajor, kSerialMinor);
    RefPtr<Inode> console = d.node(kConsoleMajor, kConsoleMinor);
    ASSERT_FALSE(register_char_device(kSerialMajor, kSerialMinor, d.tty).is_error());
    ASSERT_FALSE(register_char_device(kConsoleMajor, kConsoleMinor, d.tty).is_error());
    auto tty_file = DeviceFile::try_create(serial, O_RDWR).value();
    auto console_file = DeviceFile::try_create(console, O_RDWR).value();

    d.tty.push_input("x\r", 2);
    char buffer[8];
    KernelIoBuffer in(buffer, sizeof buffer);
    IoContext context;
    d.host.check_result = Result<void>(EIO);
    EXPECT_EQ(tty_file->read(in, sizeof buffer, context).error().code(), EIO);
    EXPECT_EQ(d.host.checks, "21 ");
    EXPECT_EQ(console_file->read(in, sizeof buffer, context).value(), 2u); // no check
    EXPECT_EQ(d.host.checks, "21 ");
    // Writes are checked only under TOSTOP.
    KernelIoBuffer out("hi\n", 3);
    EXPECT_EQ(tty_file->write(out, 3, context).value(), 3u);
    EXPECT_EQ(d.host.checks, "21 ");
    KernelTermios t = d.tty.termios();
    t.c_lflag |= kTOSTOP;
    d.tty.set_termios(t, false);
    EXPECT_EQ(tty_file->write(out, 3, context).error().code(), EIO);
    EXPECT_EQ(d.host.checks, "21 22 ");
    EXPECT_EQ(console_file->write(out, 3, context).value(), 3u);
    unregister_char_device(kSerialMajor, kSerialMinor);
    unregister_char_device(kConsoleMajor, kConsoleMinor);
}

TEST(TtyDevice, ASignalEndsALongWriteAfterTheChunkInProgress) {
    Device d;
    RefPtr<Inode> serial = d.node(kSerialMajor, kSerialMinor);
    ASSERT_FALSE(register_char_device(kSerialMajor, kSerialMinor, d.tty).is_error());
    auto file = DeviceFile::try_create(serial, O_RDWR).value();
    std::string data(5000, 'x');
    KernelIoBuffer out(data.data(), data.size());
    IoContext context;
    // No signal: all of it, the host asked at each 2 KiB boundary.
    EXPECT_EQ(file->write(out, data.size(), context).value(), 5000u);
    EXPECT_EQ(d.output.size(), 5000u);
    EXPECT_EQ(d.host.signal_queries, 2);
    EXPECT_FALSE(context.ended_by_signal);
    // A signal pending (^C typed meanwhile): the first chunk only, and its
    // count (Linux's iterate_tty_write); write(2)'s loop stops there too.
    d.output.clear();
    d.host.signal = true;
    EXPECT_EQ(file->write(out, data.size(), context).value(), 2048u);
    EXPECT_TRUE(context.ended_by_signal);
    EXPECT_EQ(d.output, std::string(2048, 'x'));
    d.output.clear();
    Waiter waiter;
    bool sigpipe = false;
    auto no_sleep = [](Waiter&) -> Result<void> { return EINTR; };
    EXPECT_EQ(write_blocking(*file, out, data.size(), waiter, no_sleep, sigpipe).value(), 2048u);
    EXPECT_EQ(d.output.size(), 2048u);
    // A write that fits one chunk is never cut.
    d.output.clear();
    IoContext small;
    EXPECT_EQ(file->write(out, 2048, small).value(), 2048u);
    EXPECT_FALSE(small.ended_by_signal);
    EXPECT_EQ(d.output.size(), 2048u);
    unregister_char_device(kSerialMajor, kSerialMinor);
}

TEST(TtyDevice, ReadWaitsAndNonBlockingIsEagain) {
    Device d;
    RefPtr<Inode> serial = d.node(kSerialMajor, kSerialMinor);
    ASSERT_FALSE(register_char_device(kSerialMajor, kSerialMinor, d.tty).is_error());
    auto file = DeviceFile::try_create(serial, O_RDWR).value();
    char buffer[8];
    KernelIoBuffer in(buffer, sizeof buffer);
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    EXPECT_EQ(file->read(in, sizeof buffer, context).error().code(), EAGAIN);
    EXPECT_EQ(context.queued_on, &d.tty.input_queue());
    d.tty.push_input("ok\r", 3);
    EXPECT_TRUE(waiter.woken);
    context.cancel_wait();
    IoContext again;
    EXPECT_EQ(file->read(in, sizeof buffer, again).value(), 3u);
    EXPECT_EQ(std::string(buffer, 3), "ok\n");
    // A long canonical line comes back whole in one read.
    std::string line(300, 'l');
    d.tty.push_input(line.data(), line.size());
    d.tty.push_input("\r", 1);
    std::string big(1000, '\0');
    KernelIoBuffer big_in(big.data(), big.size());
    IoContext long_read;
    EXPECT_EQ(file->read(big_in, big.size(), long_read).value(), 301u);
    file->set_status_flags(O_RDWR | O_NONBLOCK);
    IoContext nonblocking;
    nonblocking.waiter = &waiter;
    EXPECT_EQ(file->read(in, sizeof buffer, nonblocking).error().code(), EAGAIN);
    EXPECT_EQ(nonblocking.queued_on, nullptr);
    unregister_char_device(kSerialMajor, kSerialMinor);
}

TEST(TtyDevice, HangUpEndsTheFilesOpenNow) {
    Device d;
    ASSERT_FALSE(register_char_device(kSerialMajor, kSerialMinor, d.tty).is_error());
    ASSERT_FALSE(register_char_device(kConsoleMajor, kConsoleMinor, d.tty).is_error());
    auto old_file = DeviceFile::try_create(d.node(kSerialMajor, kSerialMinor), O_RDWR).value();
    auto console_file = DeviceFile::try_create(d.node(kConsoleMajor, kConsoleMinor), O_RDWR).value();
    char buffer[8];
    KernelIoBuffer in(buffer, sizeof buffer);
    Waiter waiter;
    IoContext reading;
    reading.waiter = &waiter;
    EXPECT_EQ(old_file->read(in, sizeof buffer, reading).error().code(), EAGAIN); // waits for a line
    d.tty.push_input("half", 4);
    d.tty.hang_up();
    EXPECT_TRUE(waiter.woken); // the sleeping reader comes back to see EOF
    reading.cancel_wait();
    EXPECT_TRUE(d.tty.hung_up(*old_file));
    IoContext context;
    EXPECT_EQ(old_file->read(in, sizeof buffer, context).value(), 0u);
    KernelIoBuffer out("x", 1);
    EXPECT_EQ(old_file->write(out, 1, context).error().code(), EIO);
    EXPECT_EQ(d.tty.poll(*old_file, context), POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM);
    EXPECT_EQ(context.queued_on, nullptr);
    EXPECT_EQ(d.tty.input_count(), 0u); // the typed half line is gone
    // /dev/console is exempt; a file opened afterwards works.
    EXPECT_FALSE(d.tty.hung_up(*console_file));
    d.output.clear();
    EXPECT_EQ(console_file->write(out, 1, context).value(), 1u);
    auto new_file = DeviceFile::try_create(d.node(kSerialMajor, kSerialMinor), O_RDWR).value();
    EXPECT_FALSE(d.tty.hung_up(*new_file));
    EXPECT_EQ(new_file->write(out, 1, context).value(), 1u);
    EXPECT_EQ(d.output, "xx");
    d.tty.push_input("ok\r", 3);
    EXPECT_EQ(new_file->read(in, sizeof buffer, context).value(), 3u);
    unregister_char_device(kSerialMajor, kSerialMinor);
    unregister_char_device(kConsoleMajor, kConsoleMinor);
}

TEST(TtyDevice, DrainWaitsForHeldOutput) {
    Device d;
    RefPtr<Inode> serial = d.node(kSerialMajor, kSerialMinor);
    ASSERT_FALSE(register_char_device(kSerialMajor, kSerialMinor, d.tty).is_error());
    auto file = DeviceFile::try_create(serial, O_RDWR).value();
    Waiter waiter;
    IoContext idle;
    idle.waiter = &waiter;
    EXPECT_TRUE(d.tty.output_drained(idle)); // nothing held: no wait
    EXPECT_EQ(idle.queued_on, nullptr);
    d.tty.push_input("\x13", 1);
    KernelIoBuffer out("held", 4);
    IoContext write_context;
    EXPECT_EQ(file->write(out, 4, write_context).value(), 4u);
    // Held: tcdrain waits, until ^Q sends it ...
    IoContext drain;
    drain.waiter = &waiter;
    EXPECT_FALSE(d.tty.output_drained(drain));
    EXPECT_NE(drain.queued_on, nullptr);
    EXPECT_FALSE(waiter.woken);
    d.tty.push_input("\x11", 1);
    EXPECT_TRUE(waiter.woken);
    drain.cancel_wait();
    IoContext again;
    again.waiter = &waiter;
    EXPECT_TRUE(d.tty.output_drained(again));
    EXPECT_EQ(d.output, "held");
    // ... or a flush drops it.
    d.tty.flow(kTCOOFF);
    EXPECT_EQ(file->write(out, 4, write_context).value(), 4u);
    IoContext flushed;
    flushed.waiter = &waiter;
    EXPECT_FALSE(d.tty.output_drained(flushed));
    d.tty.flush_output();
    EXPECT_TRUE(waiter.woken);
    flushed.cancel_wait();
    IoContext last;
    EXPECT_TRUE(d.tty.output_drained(last));
    unregister_char_device(kSerialMajor, kSerialMinor);
}

TEST(TtyDevice, WriterWaitsWhileOutputIsStopped) {
    Device d;
    RefPtr<Inode> serial = d.node(kSerialMajor, kSerialMinor);
    ASSERT_FALSE(register_char_device(kSerialMajor, kSerialMinor, d.tty).is_error());
    auto file = DeviceFile::try_create(serial, O_RDWR).value();
    d.tty.push_input("\x13", 1);
    std::string big(LineDiscipline::kHoldSize + 10, 'b');
    KernelIoBuffer out(big.data(), big.size());
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    // What fits is taken (a short count), then the writer waits.
    EXPECT_EQ(file->write(out, big.size(), context).value(), LineDiscipline::kHoldSize);
    EXPECT_EQ(d.tty.output_count(), LineDiscipline::kHoldSize);
    KernelIoBuffer rest(big.data(), 10);
    EXPECT_EQ(file->write(rest, 10, context).error().code(), EAGAIN);
    EXPECT_NE(context.queued_on, nullptr);
    EXPECT_EQ(d.output, "");
    Waiter poller;
    IoContext poll_context;
    poll_context.waiter = &poller;
    EXPECT_EQ(d.tty.poll(*file, poll_context) & POLLOUT, 0u);
    d.tty.push_input("\x11", 1); // ^Q: the held bytes go out, writer and poller wake
    EXPECT_TRUE(waiter.woken);
    EXPECT_TRUE(poller.woken);
    context.cancel_wait();
    poll_context.cancel_wait();
    EXPECT_NE(d.tty.poll(*file, poll_context) & POLLOUT, 0u);
    poll_context.cancel_wait();
    EXPECT_EQ(d.output.size(), LineDiscipline::kHoldSize);
    IoContext third;
    EXPECT_EQ(file->write(rest, 10, third).value(), 10u);
    // TCOFLUSH discards what is held; TCOOFF/TCOON; TCIOFF sends ^S.
    d.tty.flow(kTCOOFF);
    IoContext fourth;
    EXPECT_EQ(file->write(rest, 10, fourth).value(), 10u);
    EXPECT_EQ(d.tty.output_count(), 10u);
    d.tty.flush_output();
    EXPECT_EQ(d.tty.output_count(), 0u);
    d.output.clear();
    d.tty.flow(kTCIOFF);
    EXPECT_EQ(d.output, "\x13");
    d.tty.flow(kTCOON);
    file->set_status_flags(O_RDWR | O_NONBLOCK);
    d.tty.push_input("\x13", 1);
    std::string fill(LineDiscipline::kHoldSize, 'f');
    KernelIoBuffer fill_out(fill.data(), fill.size());
    IoContext nb;
    nb.waiter = &waiter;
    EXPECT_EQ(file->write(fill_out, fill.size(), nb).value(), fill.size());
    EXPECT_EQ(file->write(rest, 10, nb).error().code(), EAGAIN);
    EXPECT_EQ(nb.queued_on, nullptr); // non-blocking: never queued
    unregister_char_device(kSerialMajor, kSerialMinor);
}

} // namespace
} // namespace charon
