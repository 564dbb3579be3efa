// User-memory I/O buffers: single ranges and iovec arrays (readv/writev).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "fixtures/fs_fixture.h"
#include "fs/io_buffer.h"

using namespace charon;
using namespace charon::test;

namespace {

// Two mapped ranges with a hole between them.
struct FakeUserMemory final : UserMemory {
    struct Range {
        uint64_t base;
        std::vector<uint8_t> bytes;
    };
    std::vector<Range> ranges = {{0x10000, std::vector<uint8_t>(0x1000, 0)}, {0x20000, std::vector<uint8_t>(0x1000, 0)}};
    uint8_t* find(uint64_t address, size_t length) {
        for (auto& r : ranges) {
            if (address >= r.base && address - r.base <= r.bytes.size() && length <= r.bytes.size() - (address - r.base))
                return r.bytes.data() + (address - r.base);
        }
        return nullptr;
    }
    Result<void> copy_to_user(uint64_t address, const void* source, size_t length) override {
        uint8_t* at = find(address, length);
        if (!at)
            return EFAULT;
        std::memcpy(at, source, length);
        return {};
    }
    Result<void> copy_from_user(void* destination, uint64_t address, size_t length) override {
        uint8_t* at = find(address, length);
        if (!at)
            return EFAULT;
        std::memcpy(destination, at, length);
        return {};
    }
};

} // namespace

TEST(FsIoBuffer, UserRange) {
    FakeUserMemory memory;
    UserIoBuffer buffer(memory, 0x10ff0, 0x10);
    EXPECT_EQ(buffer.size(), 0x10u);
    EXPECT_FALSE(buffer.copy_to(0, "abcd", 4).is_error());
    EXPECT_EQ(std::memcmp(memory.find(0x10ff0, 4), "abcd", 4), 0);
    EXPECT_EQ(buffer.copy_to(0xe, "abcd", 4).error().code(), EFAULT); // past the buffer
    UserIoBuffer unmapped(memory, 0x11ff0, 0x20);
    EXPECT_EQ(unmapped.copy_to(0, "x", 1).error().code(), EFAULT);
    char out[4];
    EXPECT_FALSE(buffer.copy_from(0, out, 4).is_error());
    EXPECT_EQ(std::memcmp(out, "abcd", 4), 0);
}

TEST(FsIoBuffer, IoVecScatterGather) {
    FakeUserMemory memory;
    LinuxIoVec vectors[] = {{0x10000, 3}, {0x10100, 0}, {0x20000, 5}, {0x10200, 4}};
    ASSERT_FALSE(UserIoVecBuffer::validate(vectors, 4).is_error());
    UserIoVecBuffer buffer(memory, vectors, 4);
    EXPECT_EQ(buffer.size(), 12u);
    EXPECT_FALSE(buffer.copy_to(0, "0123456789AB", 12).is_error());
    EXPECT_EQ(std::memcmp(memory.find(0x10000, 3), "012", 3), 0);
    EXPECT_EQ(std::memcmp(memory.find(0x20000, 5), "34567", 5), 0);
    EXPECT_EQ(std::memcmp(memory.find(0x10200, 4), "89AB", 4), 0);
    // A copy starting in the middle crosses segments correctly.
    char out[6] = {};
    EXPECT_FALSE(buffer.copy_from(2, out, 6).is_error());
    EXPECT_EQ(std::string(out, 6), "234567");
    EXPECT_EQ(buffer.copy_from(10, out, 3).error().code(), EFAULT);
}

TEST(FsIoBuffer, IoVecValidationAndFaults) {
    FakeUserMemory memory;
    std::vector<LinuxIoVec> many(UIO_MAXIOV + 1, {0x10000, 1});
    EXPECT_EQ(UserIoVecBuffer::validate(many.data(), many.size()).error().code(), EINVAL);
    EXPECT_FALSE(UserIoVecBuffer::validate(many.data(), UIO_MAXIOV).is_error());
    LinuxIoVec negative[] = {{0x10000, 1ull << 63}};
    EXPECT_EQ(UserIoVecBuffer::validate(negative, 1).error().code(), EINVAL);
    // The total is clamped to MAX_RW_COUNT, as Linux does.
    LinuxIoVec huge[] = {{0x10000, 0x7fffffff}, {0x20000, 0x7fffffff}};
    EXPECT_EQ(UserIoVecBuffer(memory, huge, 2).size(), kMaxRwCount);
    // A bad segment faults when reached, not before.
    LinuxIoVec holes[] = {{0x10000, 2}, {0x15000, 2}};
    UserIoVecBuffer buffer(memory, holes, 2);
    EXPECT_FALSE(buffer.copy_to(0, "ab", 2).is_error());
    EXPECT_EQ(buffer.copy_to(0, "abcd", 4).error().code(), EFAULT);
}

using FsIoVecPipe = FsFixture;

TEST_F(FsIoVecPipe, WritevIntoAPipeIsOneAtomicWrite) {
    FakeUserMemory memory;
    std::memcpy(memory.find(0x10000, 3), "abc", 3);
    std::memcpy(memory.find(0x20000, 3), "def", 3);
    auto p = process();
    int pipe_fds[2];
    ASSERT_FALSE(vfs.pipe2(p, pipe_fds, 0).is_error());
    auto writer = fds->get(pipe_fds[1]).value();
    auto reader = fds->get(pipe_fds[0]).value();
    LinuxIoVec vectors[] = {{0x10000, 3}, {0x20000, 3}};
    UserIoVecBuffer source(memory, vectors, 2);
    IoContext context;
    EXPECT_EQ(writer->write(source, source.size(), context).value(), 6u);
    // readv into two other segments.
    LinuxIoVec targets[] = {{0x10800, 4}, {0x20800, 10}};
    UserIoVecBuffer destination(memory, targets, 2);
    EXPECT_EQ(reader->read(destination, destination.size(), context).value(), 6u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(memory.find(0x10800, 4)), 4), "abcd");
    EXPECT_EQ(std::string(reinterpret_cast<char*>(memory.find(0x20800, 2)), 2), "ef");
}

// The chunked device transfer (/dev/zero, /dev/random): a fault past the
// first chunk is a short count, on the first chunk the error.
TEST(TransferInChunks, PartialOnLaterFaultErrorOnFirst) {
    uint8_t target[10];
    std::memset(target, 0xff, sizeof target);
    KernelIoBuffer buffer(target, sizeof target);
    const uint8_t source[4] = {1, 2, 3, 4};
    auto step = [&](size_t offset, size_t n) { return buffer.copy_to(offset, source, n); };
    auto done = transfer_in_chunks(25, 4, step);
    ASSERT_FALSE(done.is_error());
    EXPECT_EQ(done.value(), 8u); // 0-4, 4-8; 8-12 runs past the 10 bytes
    EXPECT_EQ(target[7], 4);
    EXPECT_EQ(target[8], 0xff);
    EXPECT_EQ(transfer_in_chunks(10, 4, step).value(), 10u); // the last chunk is short
    EXPECT_EQ(target[9], 2);
    KernelIoBuffer tiny(target, 2);
    auto failed = transfer_in_chunks(4, 4, [&](size_t offset, size_t n) { return tiny.copy_to(offset, source, n); });
    ASSERT_TRUE(failed.is_error());
    EXPECT_EQ(failed.error().code(), EFAULT);
    EXPECT_EQ(transfer_in_chunks(0, 4, step).value(), 0u);
}
