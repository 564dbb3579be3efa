// ELF64 validation and load plans: synthetic images for every rule, plus a
// real static musl binary.
#include <gtest/gtest.h>

#include <map>

#include "exec/elf.h"
#include "fixtures/elf_builder.h"
#include "fixtures/fs_fixture.h"
#include "fixtures/musl_tls_static.h"

using namespace charon;
using namespace charon::test;

namespace {

Result<LoadPlan> plan(const std::vector<uint8_t>& image, uint64_t pie_base = 0x555555554000) {
    return plan_elf_load(image.data(), image.size(), pie_base);
}

// Simulates what the kernel does with a plan: zeroed pages per region, the
// file bytes copied to each segment's vaddr.
struct FakeAddressSpace {
    std::map<uint64_t, std::vector<uint8_t>> pages; // page address -> bytes
    std::map<uint64_t, int> prot;

    void load(const LoadPlan& p, const uint8_t* file) {
        LoadRegion regions[kMaxLoadRegions];
        size_t count = p.regions(regions, kMaxLoadRegions);
        for (size_t r = 0; r < count; ++r) {
            for (uint64_t page = regions[r].start; page < regions[r].end; page += 4096) {
                EXPECT_EQ(pages.count(page), 0u) << "page mapped twice";
                pages[page].assign(4096, 0);
                prot[page] = regions[r].prot;
            }
        }
        for (size_t i = 0; i < p.segment_count; ++i) {
            const LoadSegment& s = p.segments[i];
            for (uint64_t b = 0; b < s.file_size; ++b)
                byte(s.vaddr + b) = file[s.file_offset + b];
        }
    }
    uint8_t& byte(uint64_t address) {
        auto it = pages.find(address & ~4095ull);
        EXPECT_NE(it, pages.end()) << std::hex << address;
        static uint8_t dummy;
        return it == pages.end() ? dummy : it->second[address & 4095];
    }
};

} // namespace

TEST(Elf, RealMuslStaticBinary) {
    auto result = plan_elf_load(k_musl_tls_static, k_musl_tls_static_len, 0);
    ASSERT_FALSE(result.is_error()) << result.error().code();
    const LoadPlan& p = result.value();
    // Values from `readelf -lW` of the fixture.
    EXPECT_FALSE(p.is_pie);
    EXPECT_EQ(p.entry, 0x401074u);
    ASSERT_EQ(p.segment_count, 4u);
    EXPECT_EQ(p.segments[0].prot, PROT_READ);
    EXPECT_EQ(p.segments[1].prot, PROT_READ | PROT_EXEC);
    EXPECT_EQ(p.segments[3].prot, PROT_READ | PROT_WRITE);
    EXPECT_EQ(p.segments[3].vaddr, 0x403fccu);
    EXPECT_EQ(p.segments[3].map_start, 0x403000u);
    EXPECT_EQ(p.segments[3].file_page_offset, 0x2000u);
    EXPECT_EQ(p.segments[3].file_map_length, 0xfccu + 0x44u);
    EXPECT_EQ(p.segments[3].zero_start, 0x403fccu + 0x44u);
    EXPECT_EQ(p.segments[3].map_end, 0x405000u);
    EXPECT_EQ(p.brk_start, 0x405000u);
    EXPECT_EQ(p.phdr_address, 0x400040u);
    EXPECT_EQ(p.phdr_count, 7u); // 4 LOAD, TLS, GNU_STACK, GNU_RELRO
    EXPECT_EQ(p.phdr_entry_size, 56u);
    EXPECT_TRUE(p.tls.present);
    EXPECT_EQ(p.tls.vaddr, 0x403fccu);
    EXPECT_EQ(p.tls.file_size, 4u);
    EXPECT_EQ(p.tls.memory_size, 0x44u);
    EXPECT_EQ(p.tls.align, 4u);
    EXPECT_FALSE(p.executable_stack);

    // Loading it puts the program headers where AT_PHDR says, the TLS image
    // (counter = 41) where PT_TLS says, and zeros in .bss.
    FakeAddressSpace memory;
    memory.load(p, k_musl_tls_static);
    Elf64ProgramHeader first;
    for (size_t i = 0; i < sizeof first; ++i)
        reinterpret_cast<uint8_t*>(&first)[i] = memory.byte(p.phdr_address + i);
    EXPECT_EQ(first.p_type, PT_LOAD);
    uint32_t counter = 0;
    for (size_t i = 0; i < 4; ++i)
        counter |= uint32_t(memory.byte(p.tls.vaddr + i)) << (8 * i);
    EXPECT_EQ(counter, 41u);
    for (uint64_t a = p.segments[3].zero_start; a < p.segments[3].map_end; a += 97)
        EXPECT_EQ(memory.byte(a), 0) << std::hex << a;
}

TEST(Elf, TypicalSyntheticImage) {
    auto image = ElfBuilder().typical().build();
    auto result = plan(image);
    ASSERT_FALSE(result.is_error());
    const LoadPlan& p = result.value();
    EXPECT_EQ(p.segment_count, 3u);
    EXPECT_EQ(p.entry, 0x401000u);
    EXPECT_EQ(p.brk_start, 0x404000u); // 0x402000 + 0x1900, page-aligned
    EXPECT_EQ(p.image_start, 0x400000u);
    EXPECT_EQ(p.phdr_address, 0x400040u);
    EXPECT_FALSE(p.tls.present);
    LoadRegion regions[kMaxLoadRegions];
    ASSERT_EQ(p.regions(regions, kMaxLoadRegions), 3u);
    EXPECT_EQ(regions[2].start, 0x402000u);
    EXPECT_EQ(regions[2].end, 0x404000u);
    FakeAddressSpace memory;
    memory.load(p, image.data());
    EXPECT_EQ(memory.byte(0x401010), static_cast<uint8_t>(0x1010 * 7));
    EXPECT_EQ(memory.byte(0x4020ff), static_cast<uint8_t>(0x20ff * 7));
    EXPECT_EQ(memory.byte(0x402100), 0); // bss starts right after the file bytes
}

TEST(Elf, HeaderChecksAreEnoexec) {
    auto expect = [](ElfBuilder builder, Errno code, const char* what) {
        auto image = builder.build();
        auto result = plan(image);
        ASSERT_TRUE(result.is_error()) << what;
        EXPECT_EQ(result.error().code(), code) << what;
    };
    {
        ElfBuilder b;
        b.typical().header.e_ident[0] = 0x7e;
        expect(b, ENOEXEC, "magic");
    }
    {
        ElfBuilder b;
        b.typical().header.e_ident[4] = 1;
        expect(b, ENOEXEC, "32-bit class");
    }
    {
        ElfBuilder b;
        b.typical().header.e_ident[5] = 2;
        expect(b, ENOEXEC, "big endian");
    }
    {
        ElfBuilder b(1);
        expect(b.typical(), ENOEXEC, "ET_REL");
    }
    {
        ElfBuilder b;
        b.typical().header.e_machine = 3;
        expect(b, ENOEXEC, "i386");
    }
    {
        ElfBuilder b;
        b.typical().header.e_phentsize = 32;
        expect(b, ENOEXEC, "phentsize");
    }
    expect(ElfBuilder(), ENOEXEC, "no program headers");
    {
        ElfBuilder b;
        b.typical().header.e_phoff = 0x2ff0;
        expect(b, ENOEXEC, "headers past the end");
    }
    {
        ElfBuilder b;
        b.typical().header.e_phoff = ~0ull - 8;
        expect(b, ENOEXEC, "header offset overflow");
    }
    {
        ElfBuilder b;
        b.segment(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
        expect(b, ENOEXEC, "no PT_LOAD");
    }
    {
        ElfBuilder b;
        b.typical().segment(PT_INTERP, PF_R, 0x200, 0x400200, 0x1c, 0x1c, 1);
        expect(b, ENOEXEC, "dynamic interpreter");
    }
    std::vector<uint8_t> tiny(63, 0);
    EXPECT_TRUE(plan(tiny).is_error());
    std::vector<uint8_t> script = {'#', '!', '/', 'b'};
    EXPECT_EQ(plan(script).error().code(), ENOEXEC);
}

TEST(Elf, SegmentChecks) {
    auto expect = [](ElfBuilder builder, Errno code, const char* what) {
        auto image = builder.build();
        auto result = plan(image);
        ASSERT_TRUE(result.is_error()) << what;
        EXPECT_EQ(result.error().code(), code) << what;
    };
    expect(ElfBuilder().segment(PT_LOAD, PF_R, 0, 0x400000, 0x300, 0x200), EINVAL, "filesz > memsz");
    expect(ElfBuilder().segment(PT_LOAD, PF_R, 0x2000, 0x402000, 0x1001, 0x2000), ENOEXEC, "data past end of file");
    expect(ElfBuilder().segment(PT_LOAD, PF_R, 0x1000, 0x402010, 0x10, 0x10), ENOEXEC, "offset/vaddr not congruent");
    expect(ElfBuilder().segment(PT_LOAD, PF_R, 0, 0x400000, 0x10, 0x10, 0x3000), ENOEXEC, "align not a power of 2");
    expect(ElfBuilder().segment(PT_LOAD, PF_R, 0x1000, 0x402000, 0x10, 0x10, 0x200000), ENOEXEC,
           "offset % align != vaddr % align");
    expect(ElfBuilder()
               .segment(PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x2000)
               .segment(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x10, 0x10),
           ENOEXEC, "overlapping segments");
    expect(ElfBuilder()
               .segment(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x10, 0x10)
               .segment(PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200),
           ENOEXEC, "descending segments");
    expect(ElfBuilder().segment(PT_LOAD, PF_R, 0, 0xffff800000000000, 0x10, 0x10), EINVAL, "kernel half");
    expect(ElfBuilder().segment(PT_LOAD, PF_R, 0, 0x7ffffffff000, 0x10, 0x10), EINVAL, "guard page at the top");
    expect(ElfBuilder().segment(PT_LOAD, PF_R, 0, 0x7fff00000000, 0x10, 0xfffffffffffff000), EINVAL, "size overflow");
    expect(ElfBuilder().segment(PT_LOAD, PF_R, 0, 0x1000, 0x10, 0x10), EPERM, "below mmap_min_addr");
    {
        ElfBuilder b;
        b.typical().header.e_entry = 0xffffffff80000000;
        expect(b, EINVAL, "entry in the kernel half");
    }
    expect(ElfBuilder().typical().segment(PT_TLS, PF_R, 0x2000, 0x402000, 0x20, 0x10, 8), ENOEXEC, "TLS filesz > memsz");
}

TEST(Elf, GnuStackPhdrAndEmptySegments) {
    auto image = ElfBuilder()
                     .segment(PT_PHDR, PF_R, 64, 0x400040, 56 * 4, 56 * 4, 8)
                     .segment(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1100, 0x1100)
                     .segment(PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0, 0) // empty: ignored
                     .segment(PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0, 16)
                     .build();
    auto result = plan(image);
    ASSERT_FALSE(result.is_error());
    EXPECT_TRUE(result.value().executable_stack);
    EXPECT_EQ(result.value().phdr_address, 0x400040u);
    EXPECT_EQ(result.value().segment_count, 1u);
    // Without PT_GNU_STACK the stack is not executable (x86_64, Linux 5.8+).
    auto plain = ElfBuilder().segment(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x100, 0x100).build();
    EXPECT_FALSE(plan(plain).value().executable_stack);
}

TEST(Elf, StaticPieIsRelocatedToTheBase) {
    ElfBuilder b(ET_DYN);
    b.segment(PT_LOAD, PF_R, 0, 0, 0x200, 0x200)
        .segment(PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x100, 0x100)
        .segment(PT_LOAD, PF_R | PF_W, 0x2e00, 0x3e00, 0x200, 0x220)
        .segment(PT_TLS, PF_R, 0x2e00, 0x3e00, 4, 0x44, 4);
    b.header.e_entry = 0x1050;
    auto image = b.build();
    auto result = plan(image, 0x7ffff7ff0000);
    ASSERT_FALSE(result.is_error());
    const LoadPlan& p = result.value();
    EXPECT_TRUE(p.is_pie);
    EXPECT_EQ(p.load_bias, 0x7ffff7ff0000u);
    EXPECT_EQ(p.entry, 0x7ffff7ff1050u);
    EXPECT_EQ(p.segments[2].vaddr, 0x7ffff7ff3e00u);
    EXPECT_EQ(p.tls.vaddr, 0x7ffff7ff3e00u);
    EXPECT_EQ(p.phdr_address, 0x7ffff7ff0040u);
    EXPECT_EQ(p.brk_start, 0x7ffff7ff5000u);
    // A base that is not page aligned, or that puts it past the user half.
    EXPECT_EQ(plan(image, 0x7ffff7ff0010).error().code(), EINVAL);
    EXPECT_EQ(plan(image, 0x7ffffffff000).error().code(), EINVAL);
}

TEST(Elf, SegmentsSharingAPageGetMergedRegions) {
    // Text ends in page 0x401000; data starts later in that same page.
    auto image = ElfBuilder()
                     .segment(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1800, 0x1800)
                     .segment(PT_LOAD, PF_R | PF_W, 0x1900, 0x401900, 0x100, 0x2000)
                     .build();
    auto result = plan(image);
    ASSERT_FALSE(result.is_error());
    LoadRegion regions[kMaxLoadRegions];
    size_t count = result.value().regions(regions, kMaxLoadRegions);
    ASSERT_EQ(count, 3u);
    EXPECT_EQ(regions[0].start, 0x400000u);
    EXPECT_EQ(regions[0].end, 0x401000u);
    EXPECT_EQ(regions[0].prot, PROT_READ | PROT_EXEC);
    EXPECT_EQ(regions[1].start, 0x401000u);
    EXPECT_EQ(regions[1].end, 0x402000u);
    EXPECT_EQ(regions[1].prot, PROT_READ | PROT_WRITE | PROT_EXEC);
    EXPECT_EQ(regions[2].start, 0x402000u);
    EXPECT_EQ(regions[2].end, 0x404000u);
    EXPECT_EQ(regions[2].prot, PROT_READ | PROT_WRITE);
    FakeAddressSpace memory;
    memory.load(result.value(), image.data());
    EXPECT_EQ(memory.byte(0x4017ff), static_cast<uint8_t>(0x17ff * 7)); // text bytes survive
    EXPECT_EQ(memory.byte(0x401900), static_cast<uint8_t>(0x1900 * 7));
    EXPECT_EQ(memory.byte(0x401a00), 0);
}

TEST(Elf, CorruptedRealBinaryNeverCrashes) {
    std::vector<uint8_t> original(k_musl_tls_static, k_musl_tls_static + k_musl_tls_static_len);
    uint32_t seed = 99;
    int accepted = 0;
    for (int round = 0; round < 3000; ++round) {
        auto copy = original;
        for (int flips = 0; flips < 4; ++flips) {
            seed = seed * 1664525 + 1013904223;
            // Mostly the ELF header and program headers.
            size_t at = (seed >> 8) % (64 + 6 * 56);
            copy[at] = static_cast<uint8_t>(seed >> 24);
        }
        auto result = plan_elf_load(copy.data(), copy.size(), 0x555555554000);
        if (!result.is_error()) {
            ++accepted;
            const LoadPlan& p = result.value();
            for (size_t i = 0; i < p.segment_count; ++i) {
                EXPECT_LE(p.segments[i].file_offset + p.segments[i].file_size, copy.size());
                EXPECT_LE(p.segments[i].map_end, kUserAddressEnd);
            }
        }
    }
    EXPECT_GT(accepted, 0); // some mutations hit harmless fields
}
