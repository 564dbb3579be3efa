// Page tables: map, translate, protect, unmap on any root; the shared kernel
// half; the removed boot identity map; guard pages under kernel stacks.
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "ktest.h"
#include "mm/frame_allocator.h"
#include "mm/kernel_vm.h"

using namespace charon;
using namespace charon::arch;

extern "C" char __text_start[], __rodata_start[], __data_start[];

KERNEL_TEST(paging_map_translate_unmap) {
    size_t frames_before = mm::free_frame_count();
    uint64_t tables_before = page_table_page_count();
    PhysAddr root = KASSERT_OK(create_root());
    PhysAddr frame = KASSERT_OK(mm::allocate_frame());
    constexpr VirtAddr where = 0x400000;

    KASSERT_OK(map_page(root, where, frame, PageWrite | PageUser));
    Translation t = KASSERT_OK(translate(root, where + 0x123));
    KEXPECT_EQ(t.phys, frame + 0x123);
    KEXPECT_EQ(t.access, static_cast<unsigned>(PageWrite | PageUser));

    auto again = map_page(root, where, frame, PageRead);
    KEXPECT(again.is_error() && again.error().code() == EEXIST);

    KASSERT_OK(protect_page(root, where, PageUser));
    t = KASSERT_OK(translate(root, where));
    KEXPECT_EQ(t.access, static_cast<unsigned>(PageUser));

    PhysAddr unmapped = KASSERT_OK(unmap_page(root, where));
    KEXPECT_EQ(unmapped, frame);
    auto gone = translate(root, where);
    KEXPECT(gone.is_error() && gone.error().code() == EFAULT);
    auto twice = unmap_page(root, where);
    KEXPECT(twice.is_error() && twice.error().code() == EFAULT);

    mm::free_frame(frame);
    destroy_root(root);
    KEXPECT_EQ(page_table_page_count(), tables_before);
    KEXPECT_EQ(mm::free_frame_count(), frames_before);
}

KERNEL_TEST(paging_rejects_bad_arguments) {
    PhysAddr root = KASSERT_OK(create_root());
    PhysAddr frame = KASSERT_OK(mm::allocate_frame());
    auto misaligned = map_page(root, 0x400010, frame, PageRead);
    KEXPECT(misaligned.is_error() && misaligned.error().code() == EINVAL);
    auto non_canonical = map_page(root, 0x0000900000000000, frame, PageRead);
    KEXPECT(non_canonical.is_error() && non_canonical.error().code() == EINVAL);
    auto user_in_kernel_half = map_page(root, stack_region_base - page_size, frame, PageUser);
    KEXPECT(user_in_kernel_half.is_error() && user_in_kernel_half.error().code() == EINVAL);
    auto bad_translate = translate(root, 0x0000900000000000);
    KEXPECT(bad_translate.is_error());
    mm::free_frame(frame);
    destroy_root(root);
}

KERNEL_TEST(paging_kernel_half_shared) {
    PhysAddr root = KASSERT_OK(create_root());
    auto text = reinterpret_cast<VirtAddr>(__text_start);
    Translation in_new = KASSERT_OK(translate(root, text));
    Translation in_kernel = KASSERT_OK(translate(kernel_root(), text));
    KEXPECT_EQ(in_new.phys, in_kernel.phys);
    KEXPECT_EQ(in_new.phys, text - kernel_image_base);

    // A kernel stack allocated after the root was created is visible in it.
    mm::KernelStack stack = KASSERT_OK(mm::allocate_kernel_stack());
    Translation stack_new = KASSERT_OK(translate(root, stack.base));
    Translation stack_kernel = KASSERT_OK(translate(kernel_root(), stack.base));
    KEXPECT_EQ(stack_new.phys, stack_kernel.phys);
    mm::free_kernel_stack(stack);
    destroy_root(root);
}

KERNEL_TEST(paging_mapping_is_live_in_current_root) {
    // Map a frame in the (empty) user half of the running root, write through
    // the mapping, read through the direct map; then unmap and see it fault.
    PhysAddr frame = KASSERT_OK(mm::allocate_frame());
    constexpr VirtAddr where = 0x7f0000000000;
    KASSERT_OK(map_page(current_root(), where, frame, PageWrite));
    KEXPECT(probe_write_u64(reinterpret_cast<void*>(where + 8), 0x1122334455667788));
    KEXPECT_EQ(phys_to_virt<uint64_t>(frame)[1], 0x1122334455667788u);
    KASSERT_OK(unmap_page(current_root(), where));
    uint64_t value;
    KEXPECT(!probe_read_u64(reinterpret_cast<const void*>(where + 8), &value));
    mm::free_frame(frame);
}

KERNEL_TEST(paging_boot_identity_map_removed) {
    // The kernel was loaded at 1 MiB: that physical address is no longer
    // mapped at its own virtual address.
    auto identity = translate(current_root(), 0x100000);
    KEXPECT(identity.is_error());
    uint64_t value;
    KEXPECT(!probe_read_u64(reinterpret_cast<const void*>(0x100000), &value));
    KEXPECT(!probe_read_u64(nullptr, &value));
}

KERNEL_TEST(paging_kernel_image_permissions) {
    Translation text = KASSERT_OK(translate(kernel_root(), reinterpret_cast<VirtAddr>(__text_start)));
    KEXPECT_EQ(text.access, static_cast<unsigned>(PageExecute));
    Translation rodata = KASSERT_OK(translate(kernel_root(), reinterpret_cast<VirtAddr>(__rodata_start)));
    KEXPECT_EQ(rodata.access, static_cast<unsigned>(PageRead));
    Translation data = KASSERT_OK(translate(kernel_root(), reinterpret_cast<VirtAddr>(__data_start)));
    KEXPECT_EQ(data.access, static_cast<unsigned>(PageWrite));
    // Writing to code faults (CR0.WP holds the kernel to read-only pages too).
    KEXPECT(!probe_write_u64(__text_start, 0));
}

KERNEL_TEST(paging_kernel_stack_guard_page) {
    size_t live_before = mm::live_kernel_stack_count();
    size_t frames_before = mm::free_frame_count();
    uint64_t tables_before = page_table_page_count();
    mm::KernelStack stack = KASSERT_OK(mm::allocate_kernel_stack());
    KEXPECT_EQ(mm::live_kernel_stack_count(), live_before + 1);
    KEXPECT_EQ(stack.top - stack.base, mm::kernel_stack_size);

    // The whole stack is mapped and writable...
    for (VirtAddr page = stack.base; page < stack.top; page += page_size) {
        auto t = translate(kernel_root(), page);
        KEXPECT(!t.is_error() && (t.value().access & PageWrite));
    }
    KEXPECT(probe_write_u64(reinterpret_cast<void*>(stack.top - 8), 1));
    KEXPECT(probe_write_u64(reinterpret_cast<void*>(stack.base), 1));
    // ...and the page below it is not: an overflow faults.
    KEXPECT(translate(kernel_root(), stack.guard_page()).is_error());
    KEXPECT(!probe_write_u64(reinterpret_cast<void*>(stack.base - 8), 1));

    mm::free_kernel_stack(stack);
    KEXPECT_EQ(mm::live_kernel_stack_count(), live_before);
    KEXPECT(translate(kernel_root(), stack.base).is_error());
    // The stack's frames are back; page tables for its slot may stay.
    KEXPECT_EQ(mm::free_frame_count() + (page_table_page_count() - tables_before), frames_before);
}

KERNEL_TEST(paging_kernel_stacks_reused_without_leaks) {
    // Many lifetimes: the counters come back exactly.
    mm::KernelStack warm = KASSERT_OK(mm::allocate_kernel_stack());
    mm::free_kernel_stack(warm);
    size_t live_before = mm::live_kernel_stack_count();
    size_t frames_before = mm::free_frame_count();
    for (int round = 0; round < 200; ++round) {
        mm::KernelStack a = KASSERT_OK(mm::allocate_kernel_stack());
        mm::KernelStack b = KASSERT_OK(mm::allocate_kernel_stack());
        KEXPECT_NE(a.base, b.base);
        mm::free_kernel_stack(a);
        mm::free_kernel_stack(b);
    }
    KEXPECT_EQ(mm::live_kernel_stack_count(), live_before);
    KEXPECT_EQ(mm::free_frame_count(), frames_before);
}
