// ELF64 x86_64 executables: validation and the load plan execve follows.
//
// The loader front half only reads bytes and decides; it maps nothing. The
// kernel turns the plan into memory: map each region of
// LoadPlan::regions() as zeroed pages, copy each segment's file bytes to its
// vaddr, then apply the protections (see docs/exec.md).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"

#if defined(CHARON_HOSTED)
// Hosted builds may have <elf.h>/<sys/mman.h> around; their macros would
// rewrite these names (see lib/errno.h for the same trick).
#include <elf.h>
#include <sys/mman.h>
#undef ELFCLASS64
#undef ELFDATA2LSB
#undef EV_CURRENT
#undef ET_EXEC
#undef ET_DYN
#undef EM_X86_64
#undef PT_NULL
#undef PT_LOAD
#undef PT_DYNAMIC
#undef PT_INTERP
#undef PT_NOTE
#undef PT_PHDR
#undef PT_TLS
#undef PT_GNU_STACK
#undef PT_GNU_RELRO
#undef PF_X
#undef PF_W
#undef PF_R
#undef PROT_READ
#undef PROT_WRITE
#undef PROT_EXEC
#endif

namespace charon {

inline constexpr uint8_t ELFCLASS64 = 2;
inline constexpr uint8_t ELFDATA2LSB = 1;
inline constexpr uint8_t EV_CURRENT = 1;
inline constexpr uint16_t ET_EXEC = 2;
inline constexpr uint16_t ET_DYN = 3;
inline constexpr uint16_t EM_X86_64 = 62;
inline constexpr uint32_t PT_NULL = 0;
inline constexpr uint32_t PT_LOAD = 1;
inline constexpr uint32_t PT_DYNAMIC = 2;
inline constexpr uint32_t PT_INTERP = 3;
inline constexpr uint32_t PT_NOTE = 4;
inline constexpr uint32_t PT_PHDR = 6;
inline constexpr uint32_t PT_TLS = 7;
inline constexpr uint32_t PT_GNU_STACK = 0x6474e551;
inline constexpr uint32_t PT_GNU_RELRO = 0x6474e552;
inline constexpr uint32_t PF_X = 1;
inline constexpr uint32_t PF_W = 2;
inline constexpr uint32_t PF_R = 4;
inline constexpr int PROT_READ = 1;
inline constexpr int PROT_WRITE = 2;
inline constexpr int PROT_EXEC = 4;

struct Elf64Header {
    uint8_t e_ident[16];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};
static_assert(sizeof(Elf64Header) == 64);

struct Elf64ProgramHeader {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};
static_assert(sizeof(Elf64ProgramHeader) == 56);

inline constexpr uint64_t kElfPageSize = 4096;
// Highest user address + 1 that a mapping may reach: Linux's TASK_SIZE_MAX
// on x86_64 with 4-level paging (the last page below 2^47 is a guard).
inline constexpr uint64_t kUserAddressEnd = 0x00007ffffffff000;
// vm.mmap_min_addr default: nothing is mapped below 64 KiB.
inline constexpr uint64_t kMinUserAddress = 0x10000;
// Linux refuses program header tables over 64 KiB (ELF_MIN_ALIGN).
inline constexpr size_t kMaxProgramHeaderBytes = 65536;
inline constexpr size_t kMaxLoadSegments = 16;
inline constexpr size_t kMaxLoadRegions = 2 * kMaxLoadSegments;

struct LoadSegment {
    // The segment as the file says (bias applied to vaddr).
    uint64_t vaddr;
    uint64_t memory_size;
    uint64_t file_offset;
    uint64_t file_size;
    int prot; // PROT_* from p_flags

    // Page-granular view, for mapping: pages [map_start, map_end) hold the
    // segment; a file-backed mapping would map file_page_offset at
    // map_start for file_map_length bytes; from zero_start to map_end the
    // memory is zero (the tail of the last file page, then the bss pages).
    uint64_t map_start;
    uint64_t map_end;
    uint64_t file_page_offset;
    uint64_t file_map_length;
    uint64_t zero_start;
};

// A page range to map, merged over segments: a page two segments share
// gets the union of their protections (Linux maps the later segment over
// the earlier one; the union keeps both segments' bytes accessible).
struct LoadRegion {
    uint64_t start;
    uint64_t end;
    int prot;
};

struct TlsTemplate {
    bool present = false;
    uint64_t vaddr = 0;       // of the initialisation image (bias applied)
    uint64_t file_size = 0;   // .tdata
    uint64_t memory_size = 0; // .tdata + .tbss
    uint64_t align = 0;
};

struct LoadPlan {
    bool is_pie = false;
    uint64_t load_bias = 0;
    uint64_t entry = 0;
    // AT_PHDR: where the program headers are visible in memory, or 0 if no
    // PT_PHDR and no PT_LOAD covers them (Linux passes 0 too).
    uint64_t phdr_address = 0;
    uint16_t phdr_entry_size = 0; // AT_PHENT
    uint16_t phdr_count = 0;      // AT_PHNUM
    LoadSegment segments[kMaxLoadSegments];
    size_t segment_count = 0;
    TlsTemplate tls;
    // PT_GNU_STACK with PF_X. Without PT_GNU_STACK, Linux 5.8+ on x86_64
    // gives 64-bit programs a non-executable stack too.
    bool executable_stack = false;
    // Page-aligned end of the highest segment: where brk starts.
    uint64_t brk_start = 0;
    // Lowest mapped address and end of the highest (page-aligned).
    uint64_t image_start = 0;
    uint64_t image_end = 0;

    // The page ranges to map, sorted and non-overlapping; `capacity` must be
    // at least kMaxLoadRegions. Returns the count.
    size_t regions(LoadRegion* out, size_t capacity) const;
};

// Validates `image` (the whole file) and plans its load. ET_DYN images
// (static PIE) are placed so their lowest page lands at `pie_base` (page
// aligned; the kernel picks it, Linux puts a static PIE where mmap would).
// Errors as Linux: ENOEXEC for what is not a loadable x86_64 ELF (bad
// magic, class, byte order, type, machine, program header size or count,
// headers or segments outside the file, misaligned segments, a dynamic
// interpreter, which Charon does not support), EINVAL for segments that do
// not fit the user address space or have filesz > memsz, EPERM for pages
// below mmap_min_addr.
Result<LoadPlan> plan_elf_load(const uint8_t* image, size_t size, uint64_t pie_base);

// Where the loader reads the file from: memory (tests, or a file whose
// bytes are at hand) or an inode (exec/exec.h). Reads must be exact: a short
// read is an error.
class ElfSource {
public:
    virtual uint64_t size() const = 0;
    virtual Result<void> read(uint64_t offset, void* destination, size_t length) const = 0;

protected:
    ~ElfSource() = default;
};

class MemoryElfSource final : public ElfSource {
public:
    MemoryElfSource(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}
    uint64_t size() const override { return m_size; }
    Result<void> read(uint64_t offset, void* destination, size_t length) const override {
        if (offset > m_size || length > m_size - offset)
            return ENOEXEC;
        if (length)
            __builtin_memcpy(destination, m_data + offset, length);
        return {};
    }

private:
    const uint8_t* m_data;
    size_t m_size;
};

Result<LoadPlan> plan_elf_load(const ElfSource& source, uint64_t pie_base);

// Quick check used to choose a binary format: starts with "\x7fELF".
bool looks_like_elf(const uint8_t* head, size_t size);

} // namespace charon
