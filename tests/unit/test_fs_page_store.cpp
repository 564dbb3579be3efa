// The writable file store (fs/page_store.h) and the regular-file writes on
// top of it: sparse pages, holes, truncation, appends, faults mid-copy,
// the copy of initramfs bytes on first write, timestamps, the unmap hook,
// and that every page goes back when the last reference does.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "fixtures/fs_fixture.h"
#include "fs/clock.h"
#include "fs/page_store.h"

using namespace charon;
using namespace charon::test;

namespace charon::page_frames {
size_t host_pages_live(); // host_support.cpp
}
namespace charon {
extern size_t g_host_unmap_calls; // host_support.cpp
}

namespace {

constexpr size_t kPage = page_frames::kSize;

std::string read_store(const PageStore& store, uint64_t offset, size_t length) {
    std::string out(length, '\0');
    KernelIoBuffer buffer(out.data(), length);
    auto n = store.read(offset, buffer, 0, length);
    EXPECT_FALSE(n.is_error());
    out.resize(n.is_error() ? 0 : n.value());
    return out;
}

size_t write_store(PageStore& store, uint64_t offset, const std::string& data, bool append = false) {
    KernelIoBuffer buffer(static_cast<const void*>(data.data()), data.size());
    auto written = store.write(offset, append, buffer, data.size());
    EXPECT_FALSE(written.is_error());
    return written.is_error() ? 0 : written.value().count;
}

// A source buffer whose bytes from `fault_at` on are not there (EFAULT).
class FaultingBuffer final : public IoBuffer {
public:
    FaultingBuffer(const std::string& data, size_t fault_at) : m_data(data), m_fault_at(fault_at) {}
    size_t size() const override { return m_data.size(); }
    Result<void> copy_to(size_t, const void*, size_t) override { return EFAULT; }
    Result<void> copy_from(size_t offset, void* destination, size_t length) const override {
        if (offset + length > m_fault_at) {
            // A partial copy before the fault, as a real user copy may leave.
            if (offset < m_fault_at)
                std::memcpy(destination, m_data.data() + offset, m_fault_at - offset);
            return EFAULT;
        }
        std::memcpy(destination, m_data.data() + offset, length);
        return {};
    }

private:
    std::string m_data;
    size_t m_fault_at;
};

struct StoreHandle {
    PageStore* store = PageStore::try_create().release_value();
    ~StoreHandle() { delete store; }
};

} // namespace

TEST(PageStore, WritesReadBackAcrossPages) {
    size_t pages_before = page_frames::host_pages_live();
    {
        StoreHandle h;
        std::string data;
        for (int i = 0; i < 3 * 4096 + 100; ++i)
            data.push_back(static_cast<char>('a' + i % 23));
        EXPECT_EQ(write_store(*h.store, 1000, data), data.size());
        EXPECT_EQ(h.store->size(), 1000 + data.size());
        EXPECT_EQ(read_store(*h.store, 1000, data.size()), data);
        // The first 1000 bytes were never written: zeros.
        EXPECT_EQ(read_store(*h.store, 0, 1000), std::string(1000, '\0'));
        // Reads stop at the end.
        EXPECT_EQ(read_store(*h.store, h.store->size() - 5, 100).size(), 5u);
        EXPECT_EQ(read_store(*h.store, h.store->size() + 5, 100).size(), 0u);
        EXPECT_EQ(h.store->page_count(), 4u);
        EXPECT_EQ(h.store->blocks(), 4u * 8);
        EXPECT_EQ(fs_stats::file_pages() >= 4, true);
    }
    EXPECT_EQ(page_frames::host_pages_live(), pages_before);
}

TEST(PageStore, SparseFileAllocatesOnlyWrittenPages) {
    size_t pages_before = page_frames::host_pages_live();
    uint64_t file_pages_before = fs_stats::file_pages();
    {
        StoreHandle h;
        uint64_t far = uint64_t(1) << 40;
        EXPECT_EQ(write_store(*h.store, far, "end"), 3u);
        EXPECT_EQ(write_store(*h.store, 5, "start"), 5u);
        EXPECT_EQ(h.store->size(), far + 3);
        EXPECT_EQ(h.store->page_count(), 2u);
        EXPECT_EQ(fs_stats::file_pages(), file_pages_before + 2);
        EXPECT_EQ(read_store(*h.store, far - 2, 5), std::string("\0\0end", 5));
        EXPECT_EQ(read_store(*h.store, 123456789, 4), std::string(4, '\0'));
        EXPECT_EQ(read_store(*h.store, 5, 5), "start");
        // The largest offset Linux allows still fits the index.
        EXPECT_EQ(write_store(*h.store, kMaxFileSize - 1, "z"), 1u);
        EXPECT_EQ(h.store->size(), kMaxFileSize);
        EXPECT_EQ(read_store(*h.store, kMaxFileSize - 1, 1), "z");
    }
    EXPECT_EQ(page_frames::host_pages_live(), pages_before);
    EXPECT_EQ(fs_stats::file_pages(), file_pages_before);
}

// The heap a store holds (the object and its index nodes) is counted in
// file_store_bytes while it lives and given back with it; on the host a
// block's footprint is its size.
TEST(PageStore, HeapOfStoreAndIndexIsCountedInFileStoreBytes) {
    uint64_t before = fs_stats::file_store_bytes();
    {
        StoreHandle h;
        uint64_t empty = fs_stats::file_store_bytes();
        EXPECT_EQ(empty, before + sizeof(PageStore));
        EXPECT_EQ(write_store(*h.store, 0, "a"), 1u);
        EXPECT_EQ(fs_stats::file_store_bytes(), empty); // one page: no index node yet
        EXPECT_EQ(write_store(*h.store, 64 * kPage, "b"), 1u);
        // Two levels now: the root node and the one below it for page 64.
        uint64_t nodes = fs_stats::file_store_bytes() - empty;
        EXPECT_GT(nodes, 0u);
        EXPECT_EQ(nodes % (64 * sizeof(uint64_t)), 0u);
        ASSERT_FALSE(h.store->truncate(kPage).is_error());
        EXPECT_LT(fs_stats::file_store_bytes() - empty, nodes); // the emptied node went
    }
    EXPECT_EQ(fs_stats::file_store_bytes(), before);
    auto* borrowed = new (std::nothrow) BorrowedContents(reinterpret_cast<const uint8_t*>("xyz"), 3);
    ASSERT_NE(borrowed, nullptr);
    EXPECT_EQ(fs_stats::file_store_bytes(), before + sizeof(BorrowedContents));
    delete static_cast<FileContents*>(borrowed); // through the base: the sized delete still sees the whole object
    EXPECT_EQ(fs_stats::file_store_bytes(), before);
}

TEST(PageStore, TruncateFreesPagesAndGrowsWithZeros) {
    size_t pages_before = page_frames::host_pages_live();
    StoreHandle h;
    std::string data(5 * kPage, 'x');
    write_store(*h.store, 0, data);
    EXPECT_EQ(h.store->page_count(), 5u);
    ASSERT_FALSE(h.store->truncate(kPage + 10).is_error());
    EXPECT_EQ(h.store->size(), kPage + 10);
    EXPECT_EQ(h.store->page_count(), 2u);
    EXPECT_EQ(page_frames::host_pages_live(), pages_before + 2);
    // Growing again: what was cut off reads as zeros, not the old bytes.
    ASSERT_FALSE(h.store->truncate(3 * kPage).is_error());
    EXPECT_EQ(read_store(*h.store, 0, kPage + 10), std::string(kPage + 10, 'x'));
    EXPECT_EQ(read_store(*h.store, kPage + 10, 2 * kPage - 10), std::string(2 * kPage - 10, '\0'));
    EXPECT_EQ(h.store->page_count(), 2u);
    ASSERT_FALSE(h.store->truncate(0).is_error());
    EXPECT_EQ(h.store->page_count(), 0u);
    EXPECT_EQ(page_frames::host_pages_live(), pages_before);
    EXPECT_ERRNO(h.store->truncate(kMaxFileSize + 1), EFBIG);
    // Usable after being emptied.
    EXPECT_EQ(write_store(*h.store, 0, "again"), 5u);
    EXPECT_EQ(read_store(*h.store, 0, 10), "again");
}

TEST(PageStore, TailPastTheEndStaysZero) {
    StoreHandle h;
    write_store(*h.store, 0, "0123456789");
    // A shared mapping may scribble past the end within the last page;
    // growing the file must still show zeros there.
    auto page = h.store->page_for_mapping(0).release_value();
    page_frames::data(page)[20] = 'S';
    ASSERT_FALSE(h.store->truncate(30).is_error());
    EXPECT_EQ(read_store(*h.store, 10, 20), std::string(20, '\0'));
    page_frames::unref(page);
}

TEST(PageStore, AppendWritesAtTheEnd) {
    StoreHandle h;
    write_store(*h.store, 0, "abc");
    KernelIoBuffer buffer(static_cast<const void*>("def"), 3);
    auto written = h.store->write(0, true, buffer, 3).release_value();
    EXPECT_EQ(written.count, 3u);
    EXPECT_EQ(written.offset, 3u);
    EXPECT_EQ(read_store(*h.store, 0, 10), "abcdef");
}

TEST(PageStore, FaultMidWriteReturnsPartialCountAndKeepsZerosPastTheEnd) {
    StoreHandle h;
    std::string data(2 * kPage, 'w');
    // The fault falls in the second page: the first page went in.
    FaultingBuffer faulting(data, kPage + 100);
    auto written = h.store->write(0, false, faulting, data.size());
    ASSERT_FALSE(written.is_error());
    EXPECT_EQ(written.value().count, kPage);
    EXPECT_EQ(h.store->size(), kPage);
    // The partial copy into the second page is not visible when growing.
    ASSERT_FALSE(h.store->truncate(2 * kPage).is_error());
    EXPECT_EQ(read_store(*h.store, kPage, kPage), std::string(kPage, '\0'));
    // A fault before any byte: EFAULT.
    FaultingBuffer at_once(data, 0);
    EXPECT_ERRNO(h.store->write(0, false, at_once, 10), EFAULT);
}

TEST(PageStore, MappingPagesAreTheFilesPages) {
    StoreHandle h;
    write_store(*h.store, 0, std::string(kPage + 1, 'm'));
    EXPECT_ERRNO(h.store->page_for_mapping(2 * kPage), EIO);
    auto second = h.store->page_for_mapping(kPage).release_value();
    // Writes through "the mapping" are seen by read, and the other way.
    page_frames::data(second)[0] = 'Q';
    EXPECT_EQ(read_store(*h.store, kPage, 1), "Q");
    write_store(*h.store, kPage, "R");
    EXPECT_EQ(page_frames::data(second)[0], 'R');
    // The mapping's reference keeps the page alive past a truncate.
    ASSERT_FALSE(h.store->truncate(0).is_error());
    EXPECT_EQ(page_frames::data(second)[0], 'R');
    page_frames::unref(second);
}

TEST(PageStore, CopyOfBorrowedBytes) {
    std::string archive(2 * kPage + 7, 'b');
    archive[kPage] = 'X';
    BorrowedContents borrowed(reinterpret_cast<const uint8_t*>(archive.data()), archive.size());
    PageStore* store = PageStore::try_create_copy(borrowed).release_value();
    EXPECT_EQ(store->size(), archive.size());
    EXPECT_EQ(read_store(*store, 0, archive.size()), archive);
    write_store(*store, kPage, "Y");
    EXPECT_EQ(archive[kPage], 'X'); // the archive is never written
    delete store;
}

// ---------------------------------------------------------------------------
// Through the Vfs and open files, on a writable root.

namespace {

Timespec g_fake_now{1000, 5};
Timespec fake_clock() { return g_fake_now; }

class FsWrite : public FsFixture {
protected:
    void SetUp() override {
        FsFixture::SetUp();
        vfs.root_fs().set_read_only(false);
        set_file_clock(fake_clock);
    }
    void TearDown() override {
        set_file_clock(nullptr);
        FsFixture::TearDown();
    }
    size_t write(int fd, const std::string& data) {
        auto file = fds->get(fd).release_value();
        KernelIoBuffer io(static_cast<const void*>(data.data()), data.size());
        IoContext context;
        auto n = file->write(io, data.size(), context);
        EXPECT_FALSE(n.is_error());
        return n.is_error() ? 0 : n.value();
    }
    std::string contents(const char* path) {
        int fd = open(path, O_RDONLY).release_value();
        std::string out = read_all(fd);
        EXPECT_FALSE(fds->close(fd).is_error());
        return out;
    }
};

} // namespace

TEST_F(FsWrite, WriteReplacesInitramfsBytesWithACopy) {
    int fd = open("/etc/passwd", O_RDWR).release_value();
    EXPECT_EQ(write(fd, "ROOT"), 4u);
    EXPECT_EQ(contents("/etc/passwd"), "ROOT:x:0:0:root:/root:/bin/sh\n");
    auto file = fds->get(fd).release_value();
    EXPECT_EQ(file->offset(), 4u);
    LinuxStat st = stat("/etc/passwd").release_value();
    EXPECT_EQ(st.st_mtime_sec, 1000u);
    EXPECT_EQ(st.st_ctime_nsec, 5u);
    EXPECT_EQ(st.st_blocks, 8);
}

TEST_F(FsWrite, OpenWithTruncEmptiesTheFile) {
    g_fake_now = {2000, 0};
    int fd = open("/etc/passwd", O_WRONLY | O_TRUNC).release_value();
    EXPECT_EQ(stat("/etc/passwd").release_value().st_size, 0);
    EXPECT_EQ(stat("/etc/passwd").release_value().st_mtime_sec, 2000u);
    EXPECT_EQ(write(fd, "new"), 3u);
    EXPECT_EQ(contents("/etc/passwd"), "new");
    // O_RDONLY | O_TRUNC truncates too (Linux).
    int fd2 = open("/etc/passwd", O_RDONLY | O_TRUNC).release_value();
    EXPECT_EQ(stat("/etc/passwd").release_value().st_size, 0);
    (void)fd2;
}

TEST_F(FsWrite, AppendGoesToTheEndEvenForPwrite) {
    int fd = open("/etc/secret", O_WRONLY | O_APPEND).release_value();
    auto file = fds->get(fd).release_value();
    EXPECT_EQ(write(fd, "!"), 1u);
    EXPECT_EQ(file->offset(), 7u);
    KernelIoBuffer io(static_cast<const void*>("?"), 1);
    IoContext context;
    EXPECT_EQ(file->write_at(io, 1, 0, context).value(), 1u);
    EXPECT_EQ(file->offset(), 7u); // pwrite leaves the position
    EXPECT_EQ(contents("/etc/secret"), "s3cret!?");
    // pwritev2's RWF_NOAPPEND writes where it is told.
    context.append_override = 0;
    EXPECT_EQ(file->write_at(io, 1, 0, context).value(), 1u);
    EXPECT_EQ(contents("/etc/secret"), "?3cret!?");
}

TEST_F(FsWrite, FileSizeLimitShortensThenRefuses) {
    int fd = open("/home/user/empty", O_WRONLY).release_value();
    auto file = fds->get(fd).release_value();
    KernelIoBuffer io(static_cast<const void*>("0123456789"), 10);
    IoContext context;
    context.file_size_limit = 4;
    EXPECT_EQ(file->write(io, 10, context).value(), 4u);
    EXPECT_FALSE(context.raise_sigxfsz);
    EXPECT_ERRNO(file->write(io, 10, context), EFBIG);
    EXPECT_TRUE(context.raise_sigxfsz);
    // Zero bytes at the limit is no error.
    IoContext quiet;
    quiet.file_size_limit = 4;
    EXPECT_EQ(file->write(io, 0, quiet).value(), 0u);
    EXPECT_FALSE(quiet.raise_sigxfsz);
}

TEST_F(FsWrite, TruncateUpdatesTimesOnlyOnChangeAndUnmapsMappedTail) {
    RefPtr<Inode> inode = vfs.resolve(credentials, *vfs.root(), "/etc/passwd", true).release_value();
    g_fake_now = {3000, 0};
    ASSERT_FALSE(inode->truncate(inode->size(), kMaxFileSize).is_error());
    EXPECT_NE(stat("/etc/passwd").release_value().st_mtime_sec, 3000u);
    EXPECT_ERRNO(inode->truncate(100, 50), EFBIG);
    size_t calls = g_host_unmap_calls;
    ASSERT_FALSE(inode->truncate(5, kMaxFileSize).is_error());
    EXPECT_EQ(g_host_unmap_calls, calls); // not mapped: nothing to unmap
    EXPECT_EQ(stat("/etc/passwd").release_value().st_mtime_sec, 3000u);
    inode->note_mapping(+1);
    ASSERT_FALSE(inode->truncate(2, kMaxFileSize).is_error());
    EXPECT_EQ(g_host_unmap_calls, calls + 1);
    inode->note_mapping(-1);
    EXPECT_EQ(contents("/etc/passwd"), "ro");
}

TEST_F(FsWrite, DroppingTheLastReferenceFreesEveryPage) {
    LeakBaseline baseline;
    size_t pages_before = page_frames::host_pages_live();
    {
        RefPtr<Inode> inode =
            Inode::try_create(vfs.root_fs(), InodeType::Regular, 0644, 0, 0).release_value();
        std::string data(3 * kPage, 'd');
        KernelIoBuffer io(static_cast<const void*>(data.data()), data.size());
        uint64_t at = 0;
        EXPECT_EQ(inode->write_data(0, false, io, data.size(), kMaxFileSize, &at).value(), data.size());
        EXPECT_EQ(page_frames::host_pages_live(), pages_before + 3);
    }
    EXPECT_EQ(page_frames::host_pages_live(), pages_before);
    baseline.expect_back();
}
