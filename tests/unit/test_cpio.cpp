#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures/cpio_writer.h"
#include "fs/cpio.h"
#include "fs/inode.h"
#include "fs/stats.h"

using namespace charon;
using charon::test::CpioWriter;

namespace {

std::vector<CpioEntry> read_all(const std::vector<uint8_t>& archive, Errno* error = nullptr) {
    std::vector<CpioEntry> entries;
    CpioReader reader(archive.data(), archive.size());
    CpioEntry entry;
    for (;;) {
        auto result = reader.next(entry);
        if (result.is_error()) {
            if (error)
                *error = result.error().code();
            return entries;
        }
        if (!result.value())
            break;
        entries.push_back(entry);
    }
    if (error)
        *error = Errno(0);
    return entries;
}

std::string name_of(const CpioEntry& entry) { return std::string(entry.name.chars(), entry.name.length()); }

} // namespace

TEST(Cpio, ParsesMembersAndFields) {
    CpioWriter writer;
    writer.directory("bin", 0750, 5, 6);
    writer.add({"bin/sh", 0100755, 7, 8, 1, 1234567, 0, 0, 0, "#!x\n"});
    writer.symlink("bin/ash", "sh");
    auto& archive = writer.finish();
    Errno error;
    auto entries = read_all(archive, &error);
    ASSERT_EQ(error, Errno(0));
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(name_of(entries[0]), "bin");
    EXPECT_EQ(entries[0].mode, 0040750u);
    EXPECT_EQ(entries[0].uid, 5u);
    EXPECT_EQ(entries[0].gid, 6u);
    EXPECT_EQ(name_of(entries[1]), "bin/sh");
    EXPECT_EQ(entries[1].mtime, 1234567u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(entries[1].data), entries[1].size), "#!x\n");
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(entries[2].data), entries[2].size), "sh");
}

TEST(Cpio, PaddingOfNamesAndDataIsHonoured) {
    // Names of every length modulo 4, data of every length modulo 4.
    CpioWriter writer;
    for (int i = 1; i <= 8; ++i)
        writer.file(std::string(static_cast<size_t>(i), 'a'), std::string(static_cast<size_t>(i), 'x'));
    auto& archive = writer.finish();
    auto entries = read_all(archive);
    ASSERT_EQ(entries.size(), 8u);
    for (size_t i = 0; i < 8; ++i) {
        EXPECT_EQ(name_of(entries[i]), std::string(i + 1, 'a'));
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(entries[i].data), entries[i].size), std::string(i + 1, 'x'));
    }
}

TEST(Cpio, ConcatenatedArchivesWithZeroPadding) {
    CpioWriter writer;
    writer.file("a", "1");
    writer.finish();
    auto& bytes = writer.bytes();
    bytes.insert(bytes.end(), 512, 0); // what `cpio` pads to a block
    writer.file("b", "2");
    writer.finish();
    bytes.insert(bytes.end(), 7, 0);
    Errno error;
    auto entries = read_all(bytes, &error);
    EXPECT_EQ(error, Errno(0));
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(name_of(entries[1]), "b");
}

TEST(Cpio, EveryTruncationIsAnErrorNotACrash) {
    CpioWriter writer;
    writer.directory("etc").file("etc/passwd", "root:x:0:0::/:/bin/sh\n").symlink("l", "etc");
    std::vector<uint8_t> archive = writer.finish();
    // Cut at every length short of the trailer: each is an error (ASan
    // checks the reader stays inside the copy, which has exactly that size).
    size_t trailer_start = archive.size() - 124;
    for (size_t length = 0; length < trailer_start + 110; ++length) {
        std::vector<uint8_t> cut(archive.begin(), archive.begin() + static_cast<long>(length));
        Errno error;
        read_all(cut, &error);
        EXPECT_EQ(error, EINVAL) << "length " << length;
    }
}

TEST(Cpio, MalformedHeadersAreRejected) {
    auto expect_invalid = [](std::string header_text, std::string rest) {
        std::vector<uint8_t> bytes(header_text.begin(), header_text.end());
        bytes.insert(bytes.end(), rest.begin(), rest.end());
        while (bytes.size() % 4)
            bytes.push_back(0);
        Errno error;
        read_all(bytes, &error);
        EXPECT_EQ(error, EINVAL) << header_text;
    };
    CpioWriter::Member member{"abc", 0100644, 0, 0, 1, 0, 1, 0, 0, ""};
    // Wrong magic.
    expect_invalid(CpioWriter::header(member, 0, 4, "070707"), std::string("abc\0", 4));
    // Non-hex digit in a field.
    std::string bad = CpioWriter::header(member, 0, 4);
    bad[20] = 'g';
    expect_invalid(bad, std::string("abc\0", 4));
    // Name size not matching the NUL.
    expect_invalid(CpioWriter::header(member, 0, 3), std::string("abc\0", 4));
    expect_invalid(CpioWriter::header(member, 0, 4), std::string("abcd", 4));
    // Name size zero, and one huge enough to overflow offsets.
    expect_invalid(CpioWriter::header(member, 0, 0), "");
    std::string huge_name = CpioWriter::header(member, 0, 4);
    huge_name.replace(94, 8, "FFFFFFFF");
    expect_invalid(huge_name, std::string("abc\0", 4));
    // File size past the end.
    expect_invalid(CpioWriter::header(member, 0xFFFFFFFF, 4), std::string("abc\0", 4));
    // No trailer at all: an empty input is not an archive either.
    std::vector<uint8_t> empty;
    Errno error;
    read_all(empty, &error);
    EXPECT_EQ(error, EINVAL);
}

TEST(Cpio, ChecksumFormatIsVerified) {
    CpioWriter::Member member{"f", 0100644, 0, 0, 1, 0, 1, 0, 0, "ab"};
    uint32_t sum = 'a' + 'b';
    for (uint32_t check : {sum, sum + 1}) {
        std::string text = CpioWriter::header(member, 2, 2, "070702", check);
        std::vector<uint8_t> bytes(text.begin(), text.end());
        bytes.insert(bytes.end(), {'f', 0, 'a', 'b', 0, 0}); // data at 112, padded to 116
        CpioWriter trailer;
        auto& end = trailer.finish();
        bytes.insert(bytes.end(), end.begin(), end.end());
        Errno error;
        auto entries = read_all(bytes, &error);
        if (check == sum) {
            EXPECT_EQ(error, Errno(0));
            EXPECT_EQ(entries.size(), 1u);
        } else {
            EXPECT_EQ(error, EINVAL);
        }
    }
}

TEST(Cpio, RandomCorruptionNeverCrashes) {
    CpioWriter writer;
    writer.directory("a").file("a/b", std::string(100, 'z')).symlink("a/c", "b").char_device("d", 1, 3);
    std::vector<uint8_t> archive = writer.finish();
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; ++round) {
        std::vector<uint8_t> copy = archive;
        for (int flips = 0; flips < 3; ++flips) {
            seed = seed * 1103515245 + 12345;
            copy[(seed >> 8) % copy.size()] = static_cast<uint8_t>(seed >> 20);
        }
        FileSystem fs(1, false);
        auto root = Inode::try_create(fs, InodeType::Directory, 0755, 0, 0).release_value();
        root->make_root();
        (void)unpack_cpio(fs, *root, copy.data(), copy.size());
    }
}

TEST(CpioUnpack, BuildsTreeWithImpliedDirectories) {
    uint64_t baseline = fs_stats::live_inodes();
    {
        CpioWriter writer;
        writer.file("./usr/lib/x", "data", 0600, 3, 4);
        writer.directory("usr", 0700, 9, 9);
        writer.symlink("/lnk", "usr/lib/x");
        writer.char_device("null", 1, 3);
        auto& archive = writer.finish();
        FileSystem fs(1, false);
        auto root = Inode::try_create(fs, InodeType::Directory, 0755, 0, 0).release_value();
        root->make_root();
        ASSERT_FALSE(unpack_cpio(fs, *root, archive.data(), archive.size()).is_error());

        auto usr = root->lookup("usr").release_value();
        EXPECT_TRUE(usr->is_directory());
        EXPECT_EQ(usr->permissions(), 0700u); // the later explicit entry updated it
        EXPECT_EQ(usr->uid(), 9u);
        auto lib = usr->lookup("lib").release_value();
        EXPECT_EQ(lib->permissions(), 0755u); // implied
        auto x = lib->lookup("x").release_value();
        EXPECT_EQ(x->size(), 4u);
        EXPECT_EQ(x->uid(), 3u);
        EXPECT_EQ(x->nlink(), 1u);
        EXPECT_EQ(lib->parent(), usr.ptr());
        // nlink: a directory has 2 plus one per subdirectory.
        EXPECT_EQ(root->nlink(), 3u);
        EXPECT_EQ(usr->nlink(), 3u);
        EXPECT_EQ(lib->nlink(), 2u);
        auto lnk = root->lookup("lnk").release_value();
        EXPECT_TRUE(lnk->is_symlink());
        EXPECT_TRUE(lnk->symlink_target() == StringView("usr/lib/x"));
        auto null = root->lookup("null").release_value();
        EXPECT_EQ(null->type(), InodeType::CharDevice);
        EXPECT_EQ(null->rdev(), 0x103u);
        EXPECT_GT(fs_stats::live_inodes(), baseline);
    }
    EXPECT_EQ(fs_stats::live_inodes(), baseline);
}

TEST(CpioUnpack, HardLinksShareOneInode) {
    CpioWriter writer;
    writer.add({"a", 0100644, 0, 0, 2, 0, 77, 0, 0, ""});
    writer.add({"b", 0100644, 0, 0, 2, 0, 77, 0, 0, "shared"});
    auto& archive = writer.finish();
    FileSystem fs(1, false);
    auto root = Inode::try_create(fs, InodeType::Directory, 0755, 0, 0).release_value();
    root->make_root();
    ASSERT_FALSE(unpack_cpio(fs, *root, archive.data(), archive.size()).is_error());
    auto a = root->lookup("a").release_value();
    auto b = root->lookup("b").release_value();
    EXPECT_EQ(a.ptr(), b.ptr());
    EXPECT_EQ(a->nlink(), 2u);
    EXPECT_EQ(a->size(), 6u);
}

TEST(CpioUnpack, LaterMemberReplacesEarlierAndBadNamesFail) {
    {
        CpioWriter writer;
        writer.file("f", "old").file("f", "newer");
        auto& archive = writer.finish();
        FileSystem fs(1, false);
        auto root = Inode::try_create(fs, InodeType::Directory, 0755, 0, 0).release_value();
        root->make_root();
        ASSERT_FALSE(unpack_cpio(fs, *root, archive.data(), archive.size()).is_error());
        EXPECT_EQ(root->lookup("f").value()->size(), 5u);
        EXPECT_EQ(root->entry_count(), 1u);
    }
    for (const char* name : {"../escape", "a/../b"}) {
        CpioWriter writer;
        writer.file(name, "x");
        auto& archive = writer.finish();
        FileSystem fs(1, false);
        auto root = Inode::try_create(fs, InodeType::Directory, 0755, 0, 0).release_value();
        root->make_root();
        auto result = unpack_cpio(fs, *root, archive.data(), archive.size());
        ASSERT_TRUE(result.is_error()) << name;
        EXPECT_EQ(result.error().code(), EINVAL);
    }
    {
        // A file used as a directory.
        CpioWriter writer;
        writer.file("f", "x").file("f/g", "y");
        auto& archive = writer.finish();
        FileSystem fs(1, false);
        auto root = Inode::try_create(fs, InodeType::Directory, 0755, 0, 0).release_value();
        root->make_root();
        auto result = unpack_cpio(fs, *root, archive.data(), archive.size());
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.error().code(), ENOTDIR);
    }
    {
        // A symlink with an empty target.
        CpioWriter writer;
        writer.symlink("l", "");
        auto& archive = writer.finish();
        FileSystem fs(1, false);
        auto root = Inode::try_create(fs, InodeType::Directory, 0755, 0, 0).release_value();
        root->make_root();
        EXPECT_TRUE(unpack_cpio(fs, *root, archive.data(), archive.size()).is_error());
    }
}
