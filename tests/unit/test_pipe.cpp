// Pipes: ring buffer, EOF, EPIPE/SIGPIPE, O_NONBLOCK, PIPE_BUF atomicity,
// wake-ups, and the blocking loops with a fake scheduler.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "fixtures/fs_fixture.h"
#include "fs/blocking.h"

using namespace charon;
using namespace charon::test;

namespace {

class PipeTest : public FsFixture {
protected:
    void make_pipe(int flags = 0) {
        auto p = process();
        int pair[2];
        ASSERT_FALSE(vfs.pipe2(p, pair, flags).is_error());
        rfd = pair[0];
        wfd = pair[1];
        reader = fds->get(rfd).value();
        writer = fds->get(wfd).value();
        pipe = &static_cast<PipeFile&>(*reader).pipe();
    }
    void TearDown() override {
        reader = nullptr;
        writer = nullptr;
        FsFixture::TearDown();
    }
    Result<size_t> write(const std::string& data, IoContext& context) {
        KernelIoBuffer io(data.data(), data.size());
        return writer->write(io, data.size(), context);
    }
    Result<size_t> write(const std::string& data) {
        IoContext context;
        return write(data, context);
    }
    Result<std::string> read(size_t length, IoContext& context) {
        std::string buffer(length, '\0');
        KernelIoBuffer io(buffer.data(), length);
        auto n = reader->read(io, length, context);
        if (n.is_error())
            return n.error();
        buffer.resize(n.value());
        return buffer;
    }
    Result<std::string> read(size_t length) {
        IoContext context;
        return read(length, context);
    }

    int rfd = -1, wfd = -1;
    RefPtr<OpenFile> reader, writer;
    Pipe* pipe = nullptr;
};

} // namespace

TEST_F(PipeTest, CreationFlagsAndStat) {
    make_pipe(O_NONBLOCK | O_CLOEXEC);
    EXPECT_EQ(reader->status_flags(), O_RDONLY | O_NONBLOCK);
    EXPECT_EQ(writer->status_flags(), O_WRONLY | O_NONBLOCK);
    EXPECT_TRUE(fds->cloexec(rfd).value());
    LinuxStat st;
    auto p = process();
    ASSERT_FALSE(vfs.fstat(p, rfd, st).is_error());
    EXPECT_EQ(st.st_mode, S_IFIFO | 0600);
    EXPECT_EQ(st.st_nlink, 1u);
    EXPECT_EQ(st.st_size, 0);
    EXPECT_EQ(st.st_blksize, 4096);
    LinuxStat other;
    ASSERT_FALSE(vfs.fstat(p, wfd, other).is_error());
    EXPECT_EQ(other.st_ino, st.st_ino); // both ends share one inode
    EXPECT_ERRNO(reader->seek(0, SEEK_SET), ESPIPE);
    EXPECT_ERRNO(vfs.pipe2(p, reinterpret_cast<int*>(&st), O_RDWR), EINVAL);
    // Wrong directions.
    IoContext context;
    char c;
    KernelIoBuffer io(&c, 1);
    EXPECT_ERRNO(reader->write(io, 1, context), EBADF);
    EXPECT_ERRNO(writer->read(io, 1, context), EBADF);
}

TEST_F(PipeTest, DataFlowsAndWrapsAround) {
    make_pipe();
    EXPECT_EQ(write("hello").value(), 5u);
    EXPECT_EQ(read(3).value(), "hel");
    EXPECT_EQ(read(100).value(), "lo"); // returns what is there
    // Push the ring around its end several times with odd sizes.
    std::string all_in, all_out;
    for (int round = 0; round < 40; ++round) {
        std::string chunk(3000 + static_cast<size_t>(round) * 7, static_cast<char>('a' + round % 26));
        ASSERT_EQ(write(chunk).value(), chunk.size());
        all_in += chunk;
        all_out += read(2500).value();
        if (pipe->bytes_buffered() > 40000)
            all_out += read(40000).value();
    }
    while (pipe->bytes_buffered())
        all_out += read(9999).value();
    EXPECT_EQ(all_in, all_out);
    EXPECT_EQ(read(0).value(), ""); // zero-length read returns 0 at once
}

TEST_F(PipeTest, EofWhenWritersGone) {
    make_pipe();
    ASSERT_EQ(write("tail").value(), 4u);
    int dup_wfd = fds->dup(wfd, nofile_limit).value();
    writer = nullptr;
    ASSERT_FALSE(fds->close(wfd).is_error());
    EXPECT_EQ(pipe->writers(), 1u); // the dup still holds the description
    ASSERT_FALSE(fds->close(dup_wfd).is_error());
    EXPECT_EQ(pipe->writers(), 0u);
    // Buffered data first, then EOF, without blocking.
    EXPECT_EQ(read(10).value(), "tail");
    EXPECT_EQ(read(10).value(), "");
}

TEST_F(PipeTest, EpipeAndSigpipeWhenReadersGone) {
    make_pipe();
    reader = nullptr;
    ASSERT_FALSE(fds->close(rfd).is_error());
    IoContext context;
    EXPECT_ERRNO(write("x", context), EPIPE);
    EXPECT_TRUE(context.raise_sigpipe);
    // A zero-length write succeeds without looking (Linux's pipe_write).
    IoContext empty;
    EXPECT_EQ(write("", empty).value(), 0u);
    EXPECT_FALSE(empty.raise_sigpipe);
}

TEST_F(PipeTest, NonblockingEagainBothWays) {
    make_pipe(O_NONBLOCK);
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    EXPECT_ERRNO(read(10, context), EAGAIN);
    EXPECT_EQ(context.queued_on, nullptr); // O_NONBLOCK never enqueues
    std::string big(kPipeCapacity - 10, 'x');
    EXPECT_EQ(write(big).value(), big.size());
    // Small writes are all-or-nothing: 20 bytes do not fit in 10.
    EXPECT_ERRNO(write(std::string(20, 'y')), EAGAIN);
    // A large non-blocking write takes what fits.
    EXPECT_EQ(write(std::string(5000, 'z')).value(), 10u);
    EXPECT_ERRNO(write(std::string(5000, 'z')), EAGAIN);
    EXPECT_EQ(pipe->bytes_buffered(), kPipeCapacity);
}

TEST_F(PipeTest, BlockingReadEnqueuesAndIsWokenByData) {
    make_pipe();
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    EXPECT_ERRNO(read(10, context), EAGAIN);
    EXPECT_EQ(context.queued_on, &pipe->read_queue());
    EXPECT_FALSE(waiter.woken);
    ASSERT_EQ(write("data").value(), 4u);
    EXPECT_TRUE(waiter.woken);
    EXPECT_FALSE(pipe->read_queue().has_waiters());
    context.cancel_wait();
    EXPECT_EQ(read(10).value(), "data");
}

TEST_F(PipeTest, LastWriterClosingWakesReaders) {
    make_pipe();
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    EXPECT_ERRNO(read(10, context), EAGAIN);
    writer = nullptr;
    ASSERT_FALSE(fds->close(wfd).is_error());
    EXPECT_TRUE(waiter.woken);
    EXPECT_EQ(read(10).value(), ""); // EOF on retry
}

TEST_F(PipeTest, BlockingWriteWaitsForSpaceAndLastReaderWakesWriters) {
    make_pipe();
    ASSERT_EQ(write(std::string(kPipeCapacity, 'a')).value(), kPipeCapacity);
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    EXPECT_ERRNO(write("b", context), EAGAIN);
    EXPECT_EQ(context.queued_on, &pipe->write_queue());
    ASSERT_EQ(read(1).value(), "a");
    EXPECT_TRUE(waiter.woken);
    context.cancel_wait();

    Waiter second;
    IoContext again;
    again.waiter = &second;
    ASSERT_EQ(write("b").value(), 1u);
    EXPECT_ERRNO(write("c", again), EAGAIN);
    reader = nullptr;
    ASSERT_FALSE(fds->close(rfd).is_error());
    EXPECT_TRUE(second.woken);
    IoContext retry;
    EXPECT_ERRNO(write("c", retry), EPIPE);
    EXPECT_TRUE(retry.raise_sigpipe);
}

TEST_F(PipeTest, CancelledWaitLeavesNoWaiter) {
    make_pipe();
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    EXPECT_ERRNO(read(1, context), EAGAIN);
    EXPECT_TRUE(pipe->read_queue().has_waiters());
    context.cancel_wait(); // e.g. a signal arrived
    EXPECT_FALSE(pipe->read_queue().has_waiters());
    context.cancel_wait(); // idempotent
}

TEST_F(PipeTest, AtomicWritesUpToPipeBuf) {
    make_pipe();
    // Leave exactly PIPE_BUF - 1 bytes of space.
    ASSERT_EQ(write(std::string(kPipeCapacity - PIPE_BUF + 1, 'a')).value(), kPipeCapacity - PIPE_BUF + 1);
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    EXPECT_ERRNO(write(std::string(PIPE_BUF, 'b'), context), EAGAIN);
    EXPECT_EQ(pipe->bytes_buffered(), kPipeCapacity - PIPE_BUF + 1); // nothing went in
    context.cancel_wait();
    // One byte more than PIPE_BUF is not atomic: what fits goes in.
    EXPECT_EQ(write(std::string(PIPE_BUF + 1, 'c')).value(), PIPE_BUF - 1);
}

TEST_F(PipeTest, BlockingWriteLoopWithFakeScheduler) {
    make_pipe();
    // 200 KiB through a 64 KiB pipe: each time the writer sleeps, the
    // "reader thread" drains some, which wakes the writer.
    std::string data(200 * 1024, '\0');
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>(i * 31 + 7);
    std::string received;
    int sleeps = 0;
    auto sleep = [&](Waiter& waiter) -> Result<void> {
        ++sleeps;
        EXPECT_FALSE(waiter.woken);
        received += read(30000).value();
        EXPECT_TRUE(waiter.woken); // the read woke us: no lost wake-up
        return {};
    };
    Waiter waiter;
    bool sigpipe = true;
    KernelIoBuffer io(data.data(), data.size());
    auto written = write_blocking(*writer, io, data.size(), waiter, sleep, sigpipe);
    ASSERT_FALSE(written.is_error());
    EXPECT_EQ(written.value(), data.size());
    EXPECT_FALSE(sigpipe);
    EXPECT_GT(sleeps, 3);
    while (pipe->bytes_buffered())
        received += read(65536).value();
    EXPECT_EQ(received, data);
    EXPECT_FALSE(pipe->write_queue().has_waiters());
}

TEST_F(PipeTest, BlockingWriteInterruptedReturnsPartialCount) {
    make_pipe();
    ASSERT_EQ(write(std::string(kPipeCapacity - 100, 'a')).value(), kPipeCapacity - 100);
    auto interrupted = [](Waiter&) -> Result<void> { return EINTR; };
    Waiter waiter;
    bool sigpipe = false;
    std::string data(10000, 'b');
    KernelIoBuffer io(data.data(), data.size());
    // 100 bytes fit, then the sleep is interrupted: the count is returned.
    EXPECT_EQ(write_blocking(*writer, io, data.size(), waiter, interrupted, sigpipe).value(), 100u);
    EXPECT_FALSE(pipe->write_queue().has_waiters());
    // With nothing written, the interruption is the result.
    EXPECT_ERRNO(write_blocking(*writer, io, data.size(), waiter, interrupted, sigpipe), EINTR);
}

TEST_F(PipeTest, BlockingWriteHitsBrokenPipeMidway) {
    make_pipe();
    ASSERT_EQ(write(std::string(kPipeCapacity - 10, 'a')).value(), kPipeCapacity - 10);
    auto reader_dies = [&](Waiter&) -> Result<void> {
        reader = nullptr;
        EXPECT_FALSE(fds->close(rfd).is_error());
        return {};
    };
    Waiter waiter;
    bool sigpipe = false;
    std::string data(5000, 'b');
    KernelIoBuffer io(data.data(), data.size());
    EXPECT_EQ(write_blocking(*writer, io, data.size(), waiter, reader_dies, sigpipe).value(), 10u);
    EXPECT_TRUE(sigpipe); // Linux sends SIGPIPE even though a count is returned
}

TEST_F(PipeTest, BlockingReadLoop) {
    make_pipe();
    auto writer_writes = [&](Waiter& waiter) -> Result<void> {
        EXPECT_EQ(write("late").value(), 4u);
        EXPECT_TRUE(waiter.woken);
        return {};
    };
    Waiter waiter;
    char buffer[16];
    KernelIoBuffer io(buffer, sizeof buffer);
    EXPECT_EQ(read_blocking(*reader, io, sizeof buffer, waiter, writer_writes).value(), 4u);
    EXPECT_EQ(std::string(buffer, 4), "late");
    auto interrupted = [](Waiter&) -> Result<void> { return ERESTARTSYS; };
    EXPECT_ERRNO(read_blocking(*reader, io, sizeof buffer, waiter, interrupted), ERESTARTSYS);
    EXPECT_FALSE(pipe->read_queue().has_waiters());
}

TEST_F(PipeTest, FaultingBufferLosesNoData) {
    make_pipe();
    ASSERT_EQ(write("keep").value(), 4u);
    struct Faulty final : IoBuffer {
        size_t size() const override { return 100; }
        Result<void> copy_to(size_t, const void*, size_t) override { return EFAULT; }
        Result<void> copy_from(size_t, void*, size_t) const override { return EFAULT; }
    } faulty;
    IoContext context;
    EXPECT_ERRNO(reader->read(faulty, 100, context), EFAULT);
    EXPECT_ERRNO(writer->write(faulty, 100, context), EFAULT);
    EXPECT_EQ(read(10).value(), "keep");
}

TEST(PipeLeaks, PipesAreFreedWithTheirLastEnd) {
    LeakBaseline baseline;
    {
        Credentials credentials;
        auto ends = PipeFile::try_create_pair(credentials, 0).release_value();
        EXPECT_EQ(fs_stats::live_pipes(), baseline.pipes + 1);
        EXPECT_EQ(fs_stats::live_open_files(), baseline.open_files + 2);
        ends.read_end = nullptr;
        EXPECT_EQ(fs_stats::live_pipes(), baseline.pipes + 1);
    }
    baseline.expect_back();
}

TEST_F(PipeTest, PollEventsAndWakeups) {
    make_pipe();
    IoContext none;
    EXPECT_EQ(pipe->poll(true, false, none), 0u);                  // empty, writer present
    EXPECT_EQ(pipe->poll(false, true, none), POLLOUT | POLLWRNORM); // room
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    EXPECT_EQ(pipe->poll(true, false, context), 0u);
    EXPECT_EQ(context.queued_on, &pipe->read_queue());
    ASSERT_EQ(write("x").value(), 1u);
    EXPECT_TRUE(waiter.woken); // the data announced itself to the poller
    context.cancel_wait();
    EXPECT_EQ(pipe->poll(true, false, none), POLLIN | POLLRDNORM);
    // Full: no POLLOUT; fewer than PIPE_BUF bytes free still counts as full.
    ASSERT_EQ(write(std::string(kPipeCapacity - 1 - 100, 'f')).value(), kPipeCapacity - 101);
    EXPECT_EQ(pipe->poll(false, true, none), 0u);
    // Hang-up and error.
    writer = nullptr;
    ASSERT_FALSE(fds->close(wfd).is_error());
    EXPECT_EQ(pipe->poll(true, false, none), POLLIN | POLLRDNORM | POLLHUP);
    while (pipe->bytes_buffered())
        read(65536).value();
    EXPECT_EQ(pipe->poll(true, false, none), POLLHUP);
    EXPECT_FALSE(pipe->read_queue().has_waiters());
}

TEST_F(PipeTest, PollWriteEndSeesBrokenPipe) {
    make_pipe();
    Waiter waiter;
    IoContext context;
    context.waiter = &waiter;
    EXPECT_EQ(pipe->poll(false, true, context), POLLOUT | POLLWRNORM);
    EXPECT_EQ(context.queued_on, &pipe->write_queue());
    reader = nullptr;
    ASSERT_FALSE(fds->close(rfd).is_error());
    EXPECT_TRUE(waiter.woken);
    context.cancel_wait();
    IoContext none;
    EXPECT_EQ(pipe->poll(false, true, none), POLLOUT | POLLWRNORM | POLLERR);
}
