// Address spaces from ring 3: a user program (in an AddressSpace built with
// the mm API) calls mmap, brk, mprotect and munmap through the real syscall
// path and touches memory that only exists after demand-zero faults and
// stack growth taken from user mode.
#include "arch/x86_64/user_entry.h"
#include "ktest.h"
#include "mm/address_space.h"
#include "sched/scheduler.h"
#include "sched/wait.h"
#include "syscall/syscall.h"

using namespace charon;
using namespace charon::mm;

asm(R"(
    .section .rodata.mm_user_programs, "a"
    .globl mm_user_program, mm_user_program_end
mm_user_program:
    # mmap(0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
    movl $9, %eax
    xorl %edi, %edi
    movl $8192, %esi
    movl $3, %edx
    movl $0x22, %r10d
    movq $-1, %r8
    xorl %r9d, %r9d
    syscall
    movq %rax, %r12
    # demand-zero write and read from ring 3
    movq $0x1234, %rbx
    movq %rbx, 4096(%r12)
    movq 4096(%r12), %r13
    movq (%r12), %r14
    # brk(0), then brk(old + 4104) and a write into the new heap page
    movl $12, %eax
    xorl %edi, %edi
    syscall
    movq %rax, %r15
    leaq 4104(%r15), %rdi
    movl $12, %eax
    syscall
    movq %rax, %rbp
    movq $0x55, 4096(%r15)
    # mprotect(mapping, 4096, PROT_READ) = 0, then mprotect(mapping + 1, ...) = -EINVAL
    movl $10, %eax
    movq %r12, %rdi
    movl $4096, %esi
    movl $1, %edx
    syscall
    movq %rax, %rbx
    movl $10, %eax
    leaq 1(%r12), %rdi
    movl $4096, %esi
    movl $1, %edx
    syscall
    shlq $16, %rax
    orq %rax, %rbx
    # munmap(mapping + 4096, 4096)
    movl $11, %eax
    leaq 4096(%r12), %rdi
    movl $4096, %esi
    syscall
    # the stack grows: touch 64 KiB below the initial stack pointer
    movq $0x77, -65536(%rsp)
    # report: mapping, read back, fresh page, old brk, new brk, mprotect results
    movq %r12, %rdi
    movq %r13, %rsi
    movq %r14, %rdx
    movq %r15, %r10
    movq %rbp, %r8
    movq %rbx, %r9
    movl $510, %eax
    syscall
    ud2
mm_user_program_end:
    .text
)");

extern "C" const char mm_user_program[], mm_user_program_end[];

namespace {

uint64_t g_report[6];
volatile bool g_reported;
constexpr uint64_t ms = 1000000;

} // namespace

CHARON_SYSCALL(510, ktest_mm_report, sys_ktest_mm_report);
static Result<long> sys_ktest_mm_report(SyscallArgs const& args) {
    for (int i = 0; i < 6; ++i)
        g_report[i] = args.arg[i];
    g_reported = true;
    sched::exit_current();
}

KERNEL_TEST(as_ring3_memory_syscalls_and_faults) {
    constexpr uint64_t code = 0x400000, heap = 0x600000;
    uint64_t reaped = sched::reaped_thread_count();
    AddressSpace* space = KASSERT_OK(AddressSpace::create());
    KASSERT_OK(space->map_anonymous_fixed(code, code + page_size, VmProtRead | VmProtExec, 0));
    KASSERT_OK(space->write(code, mm_user_program, static_cast<size_t>(mm_user_program_end - mm_user_program),
                            /*force=*/true));
    // One page of stack to start with; the program's touch 64 KiB lower grows it.
    KASSERT_OK(space->map_anonymous_fixed(user_stack_top - page_size, user_stack_top, VmProtRead | VmProtWrite,
                                          VmaGrowsDown | VmaStack));
    space->set_initial_brk(heap);
    MmStats before = mm_stats();

    g_reported = false;
    arch::SyscallFrame frame = arch::initial_user_frame(code, user_stack_top - 64);
    auto thread = sched::create_user_thread("mm-user-test", space->root(), frame);
    KASSERT(!thread.is_error());
    sched::start(*thread.value());
    for (int i = 0; i < 3000 && !(g_reported && sched::reaped_thread_count() > reaped); ++i)
        (void)sched::sleep_for(ms);
    bool done = g_reported && sched::reaped_thread_count() > reaped;
    MmStats after = mm_stats();

    if (done) {
        uint64_t mapping = g_report[0];
        KEXPECT_EQ(mapping, space->mmap_base() - 2 * page_size); // top-down below mmap_base
        KEXPECT_EQ(g_report[1], 0x1234u);                         // written and read back
        KEXPECT_EQ(g_report[2], 0u);                              // a fresh page reads zero
        KEXPECT_EQ(g_report[3], heap);                            // brk(0)
        KEXPECT_EQ(g_report[4], heap + 4104);                     // grown
        KEXPECT_EQ(g_report[5] & 0xffff, 0u);                     // mprotect ok
        KEXPECT_EQ(static_cast<int64_t>(g_report[5]) >> 16, -22); // unaligned: -EINVAL
        KEXPECT_EQ(space->vma_at(mapping).prot, VmProtRead);
        KEXPECT_EQ(space->vma_at(mapping + page_size).end, 0u); // unmapped
        uint64_t heap_word = 0;
        KEXPECT(!space->read(heap + page_size, &heap_word, sizeof heap_word).is_error());
        KEXPECT_EQ(heap_word, 0x55u);
        KEXPECT_LE(space->vma_at(user_stack_top - page_size).start, user_stack_top - 64 - 65536);
        // Faults from ring 3: the two mapping pages, the heap page, the grown stack page.
        KEXPECT_GE(after.demand_faults - before.demand_faults, 4u);
    }
    KEXPECT(done);
    if (done)
        space->unref(); // the thread switched to the kernel root before it was reaped
}
