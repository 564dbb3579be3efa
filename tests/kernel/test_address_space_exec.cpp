// Address spaces in use: an execve image built from a real load plan and
// initial stack, and faults that arrive through the hardware (#PF in the
// checked user copies, resolved by the memory manager's trap hook).
#include "arch/x86_64/paging.h"
#include "exec/elf.h"
#include "exec/initial_stack.h"
#include "ktest.h"
#include "lib/string_util.h"
#include "mm/address_space.h"
#include "mm/exec_image.h"
#include "mm/frame_allocator.h"
#include "mm/inode_backing.h"
#include "fs/inode.h"
#include "sched/scheduler.h"
#include "syscall/user_ptr.h"

using namespace charon;
using namespace charon::mm;

namespace {

constexpr uint64_t P = page_size;

// A minimal static x86_64 executable: text (R+X) with the headers at
// 0x400000, code at 0x401000; data (R+W) at 0x402000 with 8 file bytes and
// 3 pages of bss.
constexpr uint64_t text_vaddr = 0x400000, data_vaddr = 0x402000, entry = 0x401000;
constexpr size_t image_size = 0x2008;
uint8_t g_image[image_size];

template <typename T>
void put(size_t offset, const T& value) {
    __builtin_memcpy(g_image + offset, &value, sizeof value);
}

void build_image() {
    __builtin_memset(g_image, 0, sizeof g_image);
    Elf64Header header{};
    const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT};
    __builtin_memcpy(header.e_ident, ident, sizeof ident);
    header.e_type = ET_EXEC;
    header.e_machine = EM_X86_64;
    header.e_version = EV_CURRENT;
    header.e_entry = entry;
    header.e_phoff = sizeof(Elf64Header);
    header.e_ehsize = sizeof(Elf64Header);
    header.e_phentsize = sizeof(Elf64ProgramHeader);
    header.e_phnum = 2;
    put(0, header);
    Elf64ProgramHeader text{PT_LOAD, PF_R | PF_X, 0, text_vaddr, text_vaddr, 0x1010, 0x1010, 0x1000};
    Elf64ProgramHeader data{PT_LOAD, PF_R | PF_W, 0x2000, data_vaddr, data_vaddr, 8, 0x3000, 0x1000};
    put(sizeof(Elf64Header), text);
    put(sizeof(Elf64Header) + sizeof(Elf64ProgramHeader), data);
    for (size_t i = 0; i < 16; ++i)
        g_image[0x1000 + i] = static_cast<uint8_t>(0xc0 + i);
    put(0x2000, uint64_t{0x0123456789abcdef});
}

int error_of(const Result<void>& result) { return result.is_error() ? result.error().code() : 0; }

} // namespace

namespace {
void exec_image_scenario(ktest::Context& ktest_context) {
    {
        LoadPlan plan = KASSERT_OK(plan_elf_load(g_image, image_size, 0));
        StringView argv[] = {"prog", "arg1"};
        StringView envp[] = {"A=1"};
        StackSpec spec;
        spec.stack_top = user_stack_top;
        spec.argv = argv;
        spec.argc = 2;
        spec.envp = envp;
        spec.envc = 1;
        spec.execfn = "/bin/prog";
        spec.aux.entry = plan.entry;
        InitialStack stack = KASSERT_OK(build_initial_stack(spec));
        MemoryElfSource source(g_image, image_size);
        AddressSpace* space = KASSERT_OK(build_exec_address_space(source, plan, stack));

        uint8_t code[16] = {};
        KASSERT_OK(space->read(entry, code, sizeof code));
        for (size_t i = 0; i < 16; ++i)
            KEXPECT_EQ(code[i], 0xc0 + i);
        uint64_t word = 0;
        KASSERT_OK(space->read(data_vaddr, &word, sizeof word));
        KEXPECT_EQ(word, 0x0123456789abcdefu);
        // The bss and the rest of the last file page are zero.
        bool zero = true;
        for (uint64_t address = data_vaddr + 8; address < data_vaddr + 0x3000; address += 8) {
            KASSERT_OK(space->read(address, &word, sizeof word));
            zero = zero && word == 0;
        }
        KEXPECT(zero);
        // Protections from the plan: text R+X, data R+W.
        KEXPECT_EQ(error_of(space->handle_page_fault(entry, FaultAccess{.write = true, .user = true})), EACCES);
        KEXPECT_EQ(error_of(space->handle_page_fault(entry, FaultAccess{.exec = true, .user = true})), 0);
        KEXPECT_EQ(error_of(space->handle_page_fault(data_vaddr, FaultAccess{.exec = true, .user = true})), EACCES);
        KEXPECT_EQ(error_of(space->handle_page_fault(data_vaddr, FaultAccess{.write = true, .user = true})), 0);
        // The areas as /proc/PID/maps shows them (Linux's load_elf_binary):
        // text at file offset 0, the data's file page at 0x2000, the bss
        // past that page anonymous, with no file offset.
        Vma text_area = space->vma_at(text_vaddr);
        KEXPECT_EQ(text_area.end, text_vaddr + 2 * P);
        KEXPECT(text_area.flags & VmaImage);
        KEXPECT_EQ(text_area.offset, 0u);
        Vma data_area = space->vma_at(data_vaddr);
        KEXPECT_EQ(data_area.end, data_vaddr + P);
        KEXPECT(data_area.flags & VmaImage);
        KEXPECT_EQ(data_area.offset, 0x2000u);
        Vma bss_area = space->vma_at(data_vaddr + P);
        KEXPECT_EQ(bss_area.start, data_vaddr + P);
        KEXPECT_EQ(bss_area.end, data_vaddr + 3 * P);
        KEXPECT(!(bss_area.flags & VmaImage));
        KEXPECT_EQ(bss_area.offset, 0u);
        KEXPECT_EQ(bss_area.prot, VmProtRead | VmProtWrite);
        // Two image areas with offsets that do not continue stay apart.
        Vma after_text;
        after_text.start = text_vaddr + 2 * P;
        after_text.end = text_vaddr + 3 * P;
        after_text.prot = text_area.prot;
        after_text.flags = text_area.flags;
        after_text.offset = 0x5000;
        KEXPECT(!VmaSet::can_merge(text_area, after_text));
        after_text.offset = 0x2000;
        KEXPECT(VmaSet::can_merge(text_area, after_text));
        // The high-water marks: VmHWM survives an munmap of touched pages.
        MemoryUsage before = space->usage();
        KEXPECT_EQ(before.peak_resident, before.resident);
        KEXPECT_EQ(before.peak_mapped, before.mapped);
        KEXPECT(before.exec >= 2 * P);
        KEXPECT(before.page_tables >= 3 * P); // a PDPT, a PD and a PT at least
        // The stack: the image at rsp (argc first), grows down, not executable.
        uint64_t argc = 0;
        KASSERT_OK(space->read(stack.rsp, &argc, sizeof argc));
        KEXPECT_EQ(argc, 2u);
        uint8_t bytes[64];
        KASSERT_OK(space->read(stack.rsp, bytes, sizeof bytes));
        KEXPECT(memory_equal(bytes, stack.image.data(), sizeof bytes));
        Vma vma = space->vma_at(user_stack_top - 1);
        KEXPECT_EQ(vma.end, user_stack_top);
        KEXPECT(vma.flags & VmaGrowsDown);
        KEXPECT_EQ(vma.prot, VmProtRead | VmProtWrite);
        KEXPECT_LE(vma.start, align_down(stack.rsp, P) - 128 * 1024);
        // mmap allocates below the stack's reservation.
        KEXPECT_EQ(space->mmap_base(), mmap_base_for(default_stack_limit));
        // brk starts at the end of the image.
        KEXPECT_EQ(space->brk(0), plan.brk_start);
        KEXPECT_EQ(plan.brk_start, data_vaddr + 0x3000);
        // Grow the break, touch it, give it back: the peaks stay.
        KEXPECT_EQ(space->brk(plan.brk_start + 4 * P), plan.brk_start + 4 * P);
        for (uint64_t page = 0; page < 4; ++page)
            KASSERT_OK(space->write(plan.brk_start + page * P, &word, sizeof word));
        MemoryUsage grown = space->usage();
        KEXPECT_EQ(grown.resident, before.resident + 4 * P);
        KEXPECT_EQ(space->brk(plan.brk_start), plan.brk_start);
        MemoryUsage after = space->usage();
        KEXPECT_EQ(after.resident, before.resident);
        KEXPECT_EQ(after.peak_resident, grown.resident);
        KEXPECT_EQ(after.peak_mapped, grown.mapped);
        KEXPECT_EQ(after.mapped, before.mapped);
        space->unref();

        // A stack image for another stack top is refused, and nothing leaks.
        ExecLayout wrong;
        wrong.stack_top = user_stack_top - 16 * P;
        auto refused = build_exec_address_space(source, plan, stack, wrong);
        KEXPECT(refused.is_error() && refused.error().code() == EINVAL);
    }
}
} // namespace

KERNEL_TEST(as_exec_image_from_load_plan) {
    build_image();
    // Once to warm the heap up (it keeps slab frames), then against the baseline.
    exec_image_scenario(ktest_context);
    size_t frames = free_frame_count();
    uint64_t tables = arch::page_table_page_count();
    uint64_t live = mm_stats().live_address_spaces;
    exec_image_scenario(ktest_context);
    KEXPECT_EQ(free_frame_count(), frames);
    KEXPECT_EQ(arch::page_table_page_count(), tables);
    KEXPECT_EQ(mm_stats().live_address_spaces, live);
}

namespace {
// The image followed by file bytes past the data segment's p_filesz: the
// bss must not show them.
constexpr size_t file_image_size = image_size + 8;
uint8_t g_file_image[file_image_size];

AddressSpace* exec_from_file(ktest::Context& ktest_context, Inode& binary) {
    LoadPlan plan = plan_elf_load(g_file_image, file_image_size, 0).value();
    StringView argv[] = {"prog"};
    StackSpec spec;
    spec.stack_top = user_stack_top;
    spec.argv = argv;
    spec.argc = 1;
    spec.aux.entry = plan.entry;
    auto stack = build_initial_stack(spec);
    if (stack.is_error())
        return nullptr;
    ExecLayout layout;
    auto backing = InodeBacking::create(binary);
    if (backing.is_error())
        return nullptr;
    layout.binary = backing.release_value();
    MemoryElfSource source(g_file_image, file_image_size);
    auto space = build_exec_address_space(source, plan, stack.value(), layout);
    KEXPECT(!space.is_error());
    return space.is_error() ? nullptr : space.value();
}

PhysAddr frame_at(AddressSpace& space, uint64_t address) {
    auto present = arch::translate(space.root(), address);
    return present.is_error() ? 0 : align_down(present.value().phys, page_size);
}
} // namespace

KERNEL_TEST(as_exec_image_maps_the_binary_file) {
    build_image();
    __builtin_memcpy(g_file_image, g_image, image_size);
    __builtin_memset(g_file_image + image_size, 0xee, 8);
    FileSystem fs(78, true);
    RefPtr<Inode> binary = KASSERT_OK(Inode::try_create(fs, InodeType::Regular, 0755, 0, 0));
    binary->set_contents(new (std::nothrow) BorrowedContents(g_file_image, file_image_size));
    KASSERT_OK(binary->writable_store()); // what exec does first
    // Once to warm the heap up (it keeps slab frames), then the baseline.
    AddressSpace* warm = exec_from_file(ktest_context, *binary);
    KASSERT(warm);
    warm->unref();
    size_t frames = free_frame_count();

    AddressSpace* first = exec_from_file(ktest_context, *binary);
    AddressSpace* second = exec_from_file(ktest_context, *binary);
    KASSERT(first && second);
    uint8_t code[16] = {};
    KASSERT_OK(first->read(entry, code, sizeof code));
    KEXPECT_EQ(code[15], 0xcfu);
    KASSERT_OK(second->read(entry, code, sizeof code));
    // The text is the file's page in both, not a copy.
    KEXPECT_NE(frame_at(*first, entry), 0u);
    KEXPECT_EQ(frame_at(*first, entry), frame_at(*second, entry));
    Vma text_area = first->vma_at(entry);
    KEXPECT(text_area.backing && text_area.backing->file_inode() == binary.ptr());
    KEXPECT(!(text_area.flags & VmaImage));
    KEXPECT_EQ(text_area.offset, 0u);
    // The data page holds the file's 8 bytes, then zeros where the file
    // goes on (padzero): a private copy, so the file keeps its bytes.
    uint64_t word = 0;
    KASSERT_OK(first->read(data_vaddr, &word, sizeof word));
    KEXPECT_EQ(word, 0x0123456789abcdefu);
    KASSERT_OK(first->read(data_vaddr + 8, &word, sizeof word));
    KEXPECT_EQ(word, 0u);
    KEXPECT_NE(frame_at(*first, data_vaddr), frame_at(*second, data_vaddr));
    uint8_t file_bytes[8] = {};
    KernelIoBuffer buffer(file_bytes, sizeof file_bytes);
    KEXPECT_EQ(binary->read_data(image_size, buffer, sizeof file_bytes).value(), 8u);
    KEXPECT_EQ(file_bytes[0], 0xeeu);
    // Writing the text (as ptrace would) copies the page for that space only;
    // RssFile counts the file's own pages only.
    uint64_t file_resident = first->usage().file_resident;
    KEXPECT_GE(file_resident, P);
    uint8_t patch = 0x90;
    KASSERT_OK(first->write(entry, &patch, 1, /*force=*/true));
    KEXPECT_EQ(first->usage().file_resident, file_resident - P);
    KASSERT_OK(second->read(entry, code, 1));
    KEXPECT_EQ(code[0], 0xc0u);
    KEXPECT_NE(frame_at(*first, entry), frame_at(*second, entry));

    first->unref();
    second->unref();
    KEXPECT_EQ(free_frame_count(), frames);
}

KERNEL_TEST(as_user_copies_fault_through_the_trap_hook) {
    AddressSpace* space = KASSERT_OK(AddressSpace::create());
    constexpr uint64_t base = 0x20000000;
    MmapRequest request;
    request.address = base;
    request.length = 4 * P;
    request.prot = VmProtRead | VmProtWrite;
    request.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    KASSERT_OK(space->mmap(request));
    request.address = base + 8 * P;
    request.length = P;
    request.prot = VmProtRead;
    KASSERT_OK(space->mmap(request));

    MmStats before = mm_stats();
    sched::set_current_root(space->root());
    bool current = current_address_space() == space;
    uint64_t value = 0x4242, back = 0, other = 0x7777;
    // Demand-zero pages, filled by the #PF the copy takes.
    auto wrote = copy_to_user(base + P + 8, &value, sizeof value);
    auto read = copy_from_user(&back, base + P + 8, sizeof back);
    uint64_t zero = 1;
    auto read_fresh = copy_from_user(&zero, base + 3 * P, sizeof zero);
    // Read-only and unmapped: EFAULT (the handler refuses, the fix-up runs).
    auto to_read_only = copy_to_user(base + 8 * P, &value, sizeof value);
    auto from_unmapped = copy_from_user(&back, base + 6 * P, sizeof back);
    // Copy-on-write through the hardware: fork, then write in the parent.
    auto child = space->clone_for_fork();
    auto cow_write = copy_to_user(base + P + 8, &other, sizeof other);
    uint64_t parent_sees = 0;
    auto parent_read = copy_from_user(&parent_sees, base + P + 8, sizeof parent_sees);
    sched::set_current_root(0);
    bool left = current_address_space() == nullptr;

    KEXPECT(current);
    KEXPECT(left);
    KEXPECT(!wrote.is_error());
    KEXPECT(!read.is_error());
    KEXPECT_EQ(back, value);
    KEXPECT(!read_fresh.is_error());
    KEXPECT_EQ(zero, 0u);
    KEXPECT(to_read_only.is_error() && to_read_only.error().code() == EFAULT);
    KEXPECT(from_unmapped.is_error() && from_unmapped.error().code() == EFAULT);
    KEXPECT_EQ(mm_stats().demand_faults - before.demand_faults, 2u);
    KASSERT(!child.is_error());
    KEXPECT(!cow_write.is_error());
    KEXPECT(!parent_read.is_error());
    KEXPECT_EQ(parent_sees, other);
    uint64_t child_sees = 0;
    KASSERT_OK(child.value()->read(base + P + 8, &child_sees, sizeof child_sees));
    KEXPECT_EQ(child_sees, value);
    KEXPECT_EQ(mm_stats().cow_breaks - before.cow_breaks, 1u);
    child.value()->unref();
    space->unref();
}

namespace {
// Three pages and a bit: 'A' page, 'B' page, 'C' page, then "tail".
constexpr size_t file_size = 3 * page_size + 4;
uint8_t g_file[file_size];
} // namespace

KERNEL_TEST(as_private_file_mapping_copies_pages) {
    for (size_t i = 0; i < 3 * page_size; ++i)
        g_file[i] = static_cast<uint8_t>('A' + i / page_size);
    __builtin_memcpy(g_file + 3 * page_size, "tail", 4);
    FileSystem fs(77, true);
    RefPtr<Inode> inode = KASSERT_OK(Inode::try_create(fs, InodeType::Regular, 0644, 0, 0));
    inode->set_contents(new (std::nothrow) BorrowedContents(g_file, file_size));
    AddressSpace* space = KASSERT_OK(AddressSpace::create());
    MmapRequest request;
    request.length = 5 * page_size; // one page past the file's last page
    request.prot = VmProtRead | VmProtWrite;
    request.flags = MAP_PRIVATE;
    request.backing = KASSERT_OK(InodeBacking::create(*inode));
    request.offset = page_size; // from the 'B' page
    uint64_t start = KASSERT_OK(space->mmap(request));

    uint8_t byte = 0;
    KASSERT_OK(space->read(start + 10, &byte, 1));
    KEXPECT_EQ(byte, 'B');
    KASSERT_OK(space->read(start + page_size, &byte, 1));
    KEXPECT_EQ(byte, 'C');
    char tail[8] = {};
    KASSERT_OK(space->read(start + 2 * page_size, tail, sizeof tail));
    KEXPECT(memory_equal(tail, "tail\0\0\0\0", 8)); // zero after the end, within the page
    // A page wholly past the end of the file: SIGBUS (EIO), not SIGSEGV.
    auto past = space->handle_page_fault(start + 3 * page_size, FaultAccess{.user = true});
    KEXPECT(past.is_error() && past.error().code() == EIO);
    KEXPECT_EQ(segv_code_for(past.error()), 0);
    // Writes stay private: the file is unchanged, a fork child shares until it writes.
    uint8_t x = 'x';
    KASSERT_OK(space->write(start, &x, 1));
    KEXPECT_EQ(g_file[page_size], 'B');
    auto child = space->clone_for_fork();
    KASSERT(!child.is_error());
    KASSERT_OK(child.value()->read(start, &byte, 1));
    KEXPECT_EQ(byte, 'x');
    uint8_t y = 'y';
    KASSERT_OK(child.value()->write(start, &y, 1));
    KASSERT_OK(space->read(start, &byte, 1));
    KEXPECT_EQ(byte, 'x');
    child.value()->unref();
    // mmap refuses MAP_SHARED + PROT_WRITE on a file not open for writing.
    request.flags = MAP_SHARED;
    request.address = 0;
    auto shared_write = space->mmap(request);
    KEXPECT(shared_write.is_error() && shared_write.error().code() == EACCES);
    // Shared mappings map the file's own pages (a copy of the archive
    // bytes, made on the first shared mapping): a store through one is
    // what read() of the file returns; the archive never changes.
    request.backing_writable = true;
    uint64_t shared = KASSERT_OK(space->mmap(request));
    KASSERT_OK(space->read(shared + 10, &byte, 1));
    KEXPECT_EQ(byte, 'B');
    uint8_t s = 's';
    KASSERT_OK(space->write(shared + 10, &s, 1));
    KEXPECT_EQ(g_file[page_size + 10], 'B');
    uint8_t from_file = 0;
    KernelIoBuffer one(&from_file, 1);
    KEXPECT_EQ(KASSERT_OK(inode->read_data(page_size + 10, one, 1)), 1u);
    KEXPECT_EQ(from_file, 's');
    // Shrinking the file takes the pages past the end out of the mapping:
    // the next access is SIGBUS (EIO).
    KASSERT_OK(inode->truncate(page_size, UINT64_MAX));
    auto gone = space->handle_page_fault(shared + 10, FaultAccess{.user = true});
    KEXPECT(gone.is_error() && gone.error().code() == EIO);
    KASSERT_OK(space->munmap(shared, request.length));
    // Not a regular file: ENODEV.
    RefPtr<Inode> directory = KASSERT_OK(Inode::try_create(fs, InodeType::Directory, 0755, 0, 0));
    auto not_mappable = InodeBacking::create(*directory);
    KEXPECT(not_mappable.is_error() && not_mappable.error().code() == ENODEV);
    space->unref();
}
