#include "exec/elf.h"

namespace charon {

namespace {

constexpr uint64_t page_down(uint64_t value) { return value & ~(kElfPageSize - 1); }
// Callers guarantee value <= kUserAddressEnd, so this cannot overflow.
constexpr uint64_t page_up(uint64_t value) { return (value + kElfPageSize - 1) & ~(kElfPageSize - 1); }

int prot_from_flags(uint32_t flags) {
    int prot = 0;
    if (flags & PF_R)
        prot |= PROT_READ;
    if (flags & PF_W)
        prot |= PROT_WRITE;
    if (flags & PF_X)
        prot |= PROT_EXEC;
    return prot;
}

// [offset, offset + length) inside a file of `size` bytes, without overflow.
bool within_file(uint64_t offset, uint64_t length, uint64_t size) { return offset <= size && length <= size - offset; }

} // namespace

bool looks_like_elf(const uint8_t* head, size_t size) {
    return size >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
}

Result<LoadPlan> plan_elf_load(const uint8_t* image, size_t size, uint64_t pie_base) {
    return plan_elf_load(MemoryElfSource(image, size), pie_base);
}

Result<LoadPlan> plan_elf_load(const ElfSource& source, uint64_t pie_base) {
    uint64_t size = source.size();
    if (size < sizeof(Elf64Header))
        return ENOEXEC;
    Elf64Header header;
    TRY(source.read(0, &header, sizeof header));
    if (!looks_like_elf(header.e_ident, sizeof header.e_ident))
        return ENOEXEC;
    if (header.e_ident[4] != ELFCLASS64 || header.e_ident[5] != ELFDATA2LSB)
        return ENOEXEC;
    if (header.e_type != ET_EXEC && header.e_type != ET_DYN)
        return ENOEXEC;
    if (header.e_machine != EM_X86_64)
        return ENOEXEC;
    if (header.e_phentsize != sizeof(Elf64ProgramHeader))
        return ENOEXEC;
    if (header.e_phnum < 1 || size_t(header.e_phnum) * sizeof(Elf64ProgramHeader) > kMaxProgramHeaderBytes)
        return ENOEXEC;
    uint64_t table_size = uint64_t(header.e_phnum) * sizeof(Elf64ProgramHeader);
    if (!within_file(header.e_phoff, table_size, size))
        return ENOEXEC;

    LoadPlan plan;
    plan.is_pie = header.e_type == ET_DYN;
    plan.phdr_entry_size = header.e_phentsize;
    plan.phdr_count = header.e_phnum;

    // First pass: find the lowest PT_LOAD (for the bias) and refuse an
    // interpreter.
    bool have_load = false;
    uint64_t first_vaddr = 0;
    for (size_t i = 0; i < header.e_phnum; ++i) {
        Elf64ProgramHeader ph;
        TRY(source.read(header.e_phoff + i * sizeof ph, &ph, sizeof ph));
        if (ph.p_type == PT_INTERP)
            return ENOEXEC; // dynamic linking is not supported
        if (ph.p_type == PT_LOAD && !have_load) {
            have_load = true;
            first_vaddr = ph.p_vaddr;
        }
    }
    if (!have_load)
        return ENOEXEC;
    if (plan.is_pie) {
        if (pie_base & (kElfPageSize - 1))
            return EINVAL;
        plan.load_bias = pie_base - page_down(first_vaddr); // modular: vaddr + bias = address
    }
    uint64_t bias = plan.load_bias;

    uint64_t previous_end = 0;
    bool have_phdr_segment = false;
    for (size_t i = 0; i < header.e_phnum; ++i) {
        Elf64ProgramHeader ph;
        TRY(source.read(header.e_phoff + i * sizeof ph, &ph, sizeof ph));
        switch (ph.p_type) {
        case PT_LOAD: {
            if (ph.p_filesz > ph.p_memsz)
                return EINVAL;
            if (ph.p_memsz == 0)
                continue; // nothing to map; Linux skips these too
            if (!within_file(ph.p_offset, ph.p_filesz, size))
                return ENOEXEC;
            if (ph.p_align > 1) {
                if (ph.p_align & (ph.p_align - 1))
                    return ENOEXEC;
                if ((ph.p_offset & (ph.p_align - 1)) != (ph.p_vaddr & (ph.p_align - 1)))
                    return ENOEXEC;
            }
            // mmap needs file offset and address congruent modulo the page.
            if ((ph.p_offset & (kElfPageSize - 1)) != (ph.p_vaddr & (kElfPageSize - 1)))
                return ENOEXEC;
            uint64_t vaddr = ph.p_vaddr + bias;
            if (plan.is_pie && vaddr < ph.p_vaddr)
                return EINVAL; // wrapped around
            if (vaddr >= kUserAddressEnd || ph.p_memsz > kUserAddressEnd - vaddr)
                return EINVAL;
            if (page_down(vaddr) < kMinUserAddress)
                return EPERM;
            // Segments come in ascending order and do not overlap (they
            // may share a page).
            if (plan.segment_count && vaddr < previous_end)
                return ENOEXEC;
            if (plan.segment_count == kMaxLoadSegments)
                return ENOEXEC;
            LoadSegment& segment = plan.segments[plan.segment_count++];
            segment.vaddr = vaddr;
            segment.memory_size = ph.p_memsz;
            segment.file_offset = ph.p_offset;
            segment.file_size = ph.p_filesz;
            segment.prot = prot_from_flags(ph.p_flags);
            segment.map_start = page_down(vaddr);
            segment.map_end = page_up(vaddr + ph.p_memsz);
            segment.file_page_offset = page_down(ph.p_offset);
            segment.file_map_length = (vaddr - segment.map_start) + ph.p_filesz;
            segment.zero_start = vaddr + ph.p_filesz;
            previous_end = vaddr + ph.p_memsz;
            break;
        }
        case PT_TLS:
            if (plan.tls.present || ph.p_filesz > ph.p_memsz || !within_file(ph.p_offset, ph.p_filesz, size))
                return ENOEXEC;
            if (ph.p_align > 1 && (ph.p_align & (ph.p_align - 1)))
                return ENOEXEC;
            plan.tls = {true, ph.p_vaddr + bias, ph.p_filesz, ph.p_memsz, ph.p_align};
            break;
        case PT_GNU_STACK: plan.executable_stack = ph.p_flags & PF_X; break;
        case PT_PHDR:
            have_phdr_segment = true;
            plan.phdr_address = ph.p_vaddr + bias;
            break;
        default: break;
        }
    }
    if (plan.segment_count == 0)
        return ENOEXEC;

    if (!have_phdr_segment) {
        // Where the table lands in memory: the PT_LOAD whose file bytes
        // contain e_phoff (Linux's load_elf_binary does the same).
        for (size_t i = 0; i < plan.segment_count; ++i) {
            const LoadSegment& segment = plan.segments[i];
            if (segment.file_offset <= header.e_phoff && header.e_phoff < segment.file_offset + segment.file_size) {
                plan.phdr_address = segment.vaddr + (header.e_phoff - segment.file_offset);
                break;
            }
        }
    }

    plan.entry = header.e_entry + bias;
    if (plan.entry >= kUserAddressEnd)
        return EINVAL;
    plan.image_start = plan.segments[0].map_start;
    plan.image_end = plan.segments[plan.segment_count - 1].map_end;
    plan.brk_start = plan.image_end;
    return plan;
}

size_t LoadPlan::regions(LoadRegion* out, size_t capacity) const {
    size_t count = 0;
    auto push = [&](uint64_t start, uint64_t end, int prot) {
        VERIFY(count < capacity);
        out[count++] = {start, end, prot};
    };
    for (size_t i = 0; i < segment_count; ++i) {
        const LoadSegment& segment = segments[i];
        uint64_t start = segment.map_start;
        if (count && start < out[count - 1].end) {
            // The segment's first page is the previous region's last page
            // (segments never overlap by more than that page): split that
            // page off and give it both protections.
            LoadRegion& previous = out[count - 1];
            VERIFY(start == previous.end - kElfPageSize);
            if (previous.start < start) {
                int previous_prot = previous.prot;
                previous.end = start;
                push(start, start + kElfPageSize, previous_prot | segment.prot);
            } else {
                previous.prot |= segment.prot;
            }
            start += kElfPageSize;
            if (start >= segment.map_end)
                continue;
        }
        push(start, segment.map_end, segment.prot);
    }
    return count;
}

} // namespace charon
