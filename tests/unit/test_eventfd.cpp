// eventfd's counter file (fs/eventfd.h): counter and semaphore reads, the
// 2^64-2 ceiling, sizes, nonblocking EAGAIN, the waiter queued for a
// blocking read or write and woken by the other side, poll, no leaks.
#include <gtest/gtest.h>

#include "fixtures/fs_fixture.h"
#include "fs/eventfd.h"

using namespace charon;
using namespace charon::test;

namespace {

Result<uint64_t> get(OpenFile& file, IoContext& context, size_t length = 8) {
    uint8_t buffer[16] = {};
    KernelIoBuffer io(buffer, sizeof buffer);
    size_t n = TRY(file.read(io, length, context));
    EXPECT_EQ(n, 8u);
    uint64_t value;
    std::memcpy(&value, buffer, sizeof value);
    return value;
}

Result<size_t> put(OpenFile& file, uint64_t value, IoContext& context, size_t length = 8) {
    uint8_t buffer[16] = {};
    std::memcpy(buffer, &value, sizeof value);
    KernelIoBuffer io(static_cast<const void*>(buffer), sizeof buffer);
    return file.write(io, length, context);
}

uint32_t poll(OpenFile& file) {
    IoContext context;
    uint32_t events = 0;
    EXPECT_TRUE(file.poll_events(context, events));
    return events;
}

TEST(Eventfd, CounterSemaphoreCeilingAndWakeups) {
    LeakBaseline baseline;
    {
        EXPECT_EQ(EventfdFile::try_create(Credentials::root(), 0, 8).error().code(), EINVAL);
        RefPtr<OpenFile> file = EventfdFile::try_create(Credentials::root(), 3, 0).value();
        IoContext none;
        EXPECT_EQ(poll(*file), POLLIN | POLLOUT);
        EXPECT_EQ(get(*file, none, 7).error().code(), EINVAL);
        EXPECT_EQ(put(*file, 1, none, 9).error().code(), EINVAL);
        EXPECT_EQ(put(*file, UINT64_MAX, none).error().code(), EINVAL);
        EXPECT_EQ(get(*file, none, 16).value(), 3u);
        // Empty: a blocking read queues its waiter; a write wakes it.
        Waiter reader;
        IoContext read_context;
        read_context.waiter = &reader;
        EXPECT_EQ(get(*file, read_context).error().code(), EAGAIN);
        ASSERT_NE(read_context.queued_on, nullptr);
        EXPECT_EQ(put(*file, UINT64_MAX - 1, none).value(), 8u);
        EXPECT_TRUE(reader.woken);
        EXPECT_EQ(poll(*file), POLLIN);
        // Full: a write of 1 waits; a read makes room and wakes it.
        Waiter writer;
        IoContext write_context;
        write_context.waiter = &writer;
        EXPECT_EQ(put(*file, 1, write_context).error().code(), EAGAIN);
        ASSERT_NE(write_context.queued_on, nullptr);
        EXPECT_EQ(get(*file, none).value(), UINT64_MAX - 1);
        EXPECT_TRUE(writer.woken);
        EXPECT_EQ(poll(*file), POLLOUT);
        EXPECT_EQ(put(*file, 0, none).value(), 8u);
        EXPECT_EQ(poll(*file), POLLOUT);

        RefPtr<OpenFile> semaphore =
            EventfdFile::try_create(Credentials::root(), 2, EFD_SEMAPHORE | O_NONBLOCK).value();
        EXPECT_TRUE(semaphore->is_nonblocking());
        EXPECT_EQ(get(*semaphore, none).value(), 1u);
        EXPECT_EQ(get(*semaphore, none).value(), 1u);
        // Nonblocking: EAGAIN without queueing the waiter.
        Waiter unused;
        IoContext nonblocking;
        nonblocking.waiter = &unused;
        EXPECT_EQ(get(*semaphore, nonblocking).error().code(), EAGAIN);
        EXPECT_EQ(nonblocking.queued_on, nullptr);
    }
    baseline.expect_back();
}

} // namespace
