// Ring 3 round trips: a fresh address space with a few instructions that
// make syscalls (test numbers 500-503, outside Linux's range), checked for
// the Linux register convention, SYSRET and IRET returns, user FPU state
// across context switches, and a user fault that ends only its thread.
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/user_entry.h"
#include "ktest.h"
#include "lib/string_util.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/kernel_vm.h"
#include "sched/scheduler.h"
#include "sched/wait.h"
#include "syscall/syscall.h"

using namespace charon;
using namespace charon::arch;

// The user programs, assembled with the kernel and copied to a user page.
// Position independent: immediates and nothing else.
asm(R"(
    .section .rodata.usermode_programs, "a"
    .globl usermode_program, usermode_program_after_first_syscall, usermode_program_end
usermode_program:
    movl $0x77, %ebx
    movl $500, %eax
    movl $0x11, %edi
    movl $0x22, %esi
    movl $0x33, %edx
    movl $0x44, %r10d
    movl $0x55, %r8d
    movl $0x66, %r9d
    syscall
usermode_program_after_first_syscall:
    movq %rax, %r12
    movq %rcx, %r13
    movq %r11, %r14
    movabsq $0x123456789abcdef0, %rax
    movq %rax, %xmm3
    movl $502, %eax
    syscall
    movl $503, %eax
    syscall
    movq %rcx, %r8
    movq %xmm3, %rdi
    movq %rbx, %rsi
    movq %r12, %rdx
    movq %r13, %r10
    movq %r14, %r9
    movl $501, %eax
    syscall
    ud2
usermode_program_end:

    .globl usermode_fault_program, usermode_fault_program_end
usermode_fault_program:
    xorl %eax, %eax
    movq (%rax), %rax
    movl $501, %eax
    syscall
usermode_fault_program_end:

    .globl usermode_tls_program, usermode_tls_program_end
usermode_tls_program:
    # arch_prctl(ARCH_SET_FS, 0x7ff800)
    movl $158, %eax
    movl $0x1002, %edi
    movl $0x7ff800, %esi
    syscall
    movq %rax, %r12
    # sched_yield()
    movl $24, %eax
    syscall
    movq %rax, %r13
    # let other threads run (FS must survive)
    movl $502, %eax
    syscall
    movq %fs:0, %r14
    # arch_prctl(ARCH_GET_FS, 0x7ff900)
    movl $158, %eax
    movl $0x1003, %edi
    movl $0x7ff900, %esi
    syscall
    movq %rax, %r15
    movq 0x7ff900, %rbx
    # arch_prctl(ARCH_SET_FS, kernel address): EPERM
    movl $158, %eax
    movl $0x1002, %edi
    movabsq $0xffff800000000000, %rsi
    syscall
    movq %rax, %r9
    movq %r14, %rdi
    movq %r12, %rsi
    movq %r13, %rdx
    movq %r15, %r10
    movq %rbx, %r8
    movl $501, %eax
    syscall
usermode_tls_program_end:

    .globl usermode_spin_program, usermode_spin_program_end
usermode_spin_program:
1:  movq 0x7ff800, %rax
    testq %rax, %rax
    jz 1b
    movl $501, %eax
    syscall
usermode_spin_program_end:

    .globl usermode_hooks_program, usermode_hooks_program_end
usermode_hooks_program:
    movl $504, %eax              # returns -ERESTARTSYS once, then 0x42
    syscall
    movq %rax, %r12
    ud2                          # the test's fault handler skips these 2 bytes
    movq %rax, %r13              # rax as the fault handler left it
    movq %r12, %rdi
    movq %r13, %rsi
    movl $501, %eax
    syscall
usermode_hooks_program_end:

    .globl usermode_exit_program, usermode_exit_program_end
usermode_exit_program:
    movl $501, %eax
    syscall
usermode_exit_program_end:
    .text
)");

extern "C" const char usermode_program[], usermode_program_after_first_syscall[], usermode_program_end[];
extern "C" const char usermode_fault_program[], usermode_fault_program_end[];
extern "C" const char usermode_tls_program[], usermode_tls_program_end[];
extern "C" const char usermode_spin_program[], usermode_spin_program_end[];
extern "C" const char usermode_hooks_program[], usermode_hooks_program_end[];
extern "C" const char usermode_exit_program[], usermode_exit_program_end[];

namespace {

constexpr uint64_t code_page = 0x400000;
constexpr uint64_t stack_page = 0x7ff000;
constexpr uint64_t ms = 1000000;

struct Record {
    uint64_t args[6];
    uint64_t number;
    uint64_t frame_rip, frame_rcx;
    bool is_syscall;
};
Record g_first, g_exit;
uint64_t g_exit_user_ns;
volatile bool g_exited;
volatile bool g_clobber;

} // namespace

CHARON_SYSCALL(500, ktest_record, sys_ktest_record);
CHARON_SYSCALL(501, ktest_exit, sys_ktest_exit);
CHARON_SYSCALL(502, ktest_yield, sys_ktest_yield);
CHARON_SYSCALL(503, ktest_set_rcx, sys_ktest_set_rcx);
CHARON_SYSCALL(504, ktest_restart_once, sys_ktest_restart_once);

namespace {
unsigned g_restart_calls;
} // namespace

// Interrupted the first time (as by a signal nobody handled): the exit path
// restarts the call, which then completes.
static Result<long> sys_ktest_restart_once(SyscallArgs const&) {
    if (g_restart_calls++ == 0)
        return ERESTARTSYS;
    return 0x42;
}

static Result<long> sys_ktest_record(SyscallArgs const& args) {
    for (int i = 0; i < 6; ++i)
        g_first.args[i] = args.arg[i];
    g_first.number = args.number;
    g_first.frame_rip = args.frame->rip;
    g_first.frame_rcx = args.frame->rcx;
    g_first.is_syscall = args.frame->is_syscall();
    return 0x99;
}

// Exit-like: records and ends the thread from inside the syscall.
static Result<long> sys_ktest_exit(SyscallArgs const& args) {
    for (int i = 0; i < 6; ++i)
        g_exit.args[i] = args.arg[i];
    g_exit_user_ns = sched::current().user_ns();
    g_exited = true;
    sched::exit_current();
}

// Lets other threads (which clobber the FPU registers) run.
static Result<long> sys_ktest_yield(SyscallArgs const&) {
    for (int i = 0; i < 5; ++i)
        sched::yield();
    (void)sched::sleep_for(2 * ms);
    return 0;
}

// Changes the saved RCX: the return must go through IRET to restore it.
static Result<long> sys_ktest_set_rcx(SyscallArgs const& args) {
    args.frame->rcx = 0x5a5a;
    return 0;
}


namespace {

// A root with the program at code_page (user, executable) and a stack page.
class UserSpace {
public:
    bool set_up(const char* start, const char* end) {
        auto root = create_root();
        if (root.is_error())
            return false;
        m_root = root.value();
        auto code = mm::allocate_frame();
        auto stack = mm::allocate_frame();
        if (code.is_error() || stack.is_error())
            return false;
        __builtin_memcpy(phys_to_virt<char>(code.value()), start, static_cast<size_t>(end - start));
        m_stack_frame = stack.value();
        return !map_page(m_root, code_page, code.value(), PageUser | PageExecute).is_error() &&
               !map_page(m_root, stack_page, stack.value(), PageUser | PageWrite).is_error();
    }
    ~UserSpace() {
        if (!m_root)
            return;
        for (uint64_t page : {code_page, stack_page}) {
            auto frame = unmap_page(m_root, page);
            if (!frame.is_error())
                mm::free_frame(frame.value());
        }
        destroy_root(m_root);
    }
    PhysAddr root() const { return m_root; }
    uint64_t* stack_words() const { return phys_to_virt<uint64_t>(m_stack_frame); }

private:
    PhysAddr m_root = 0;
    PhysAddr m_stack_frame = 0;
};

template <typename Done>
bool wait_for(Done done, uint64_t limit_ms = 3000) {
    for (uint64_t i = 0; i < limit_ms; ++i) {
        if (done())
            return true;
        (void)sched::sleep_for(ms);
    }
    return done();
}

} // namespace

namespace {
void run_round_trip(ktest::Context& ktest_context) {
    uint64_t reaped = sched::reaped_thread_count();
    {
        UserSpace space;
        KASSERT(space.set_up(usermode_program, usermode_program_end));
        g_exited = false;
        g_first = {};
        g_exit = {};

        // Meanwhile a kernel thread keeps loading another value into xmm3.
        g_clobber = true;
        auto clobberer = sched::create_kernel_thread(
            "clobber",
            [](void*) {
                while (g_clobber) {
                    asm volatile("movq %0, %%xmm3" ::"r"(0xdeadbeefdeadbeefull));
                    sched::yield();
                }
            },
            nullptr);
        KASSERT(!clobberer.is_error());
        sched::start(*clobberer.value());

        SyscallFrame frame = initial_user_frame(code_page, stack_page + page_size);
        auto thread = sched::create_user_thread("usermode-test", space.root(), frame);
        KASSERT(!thread.is_error());
        sched::start(*thread.value());
        bool exited = wait_for([] { return g_exited; });
        g_clobber = false;
        KASSERT(exited);
        KASSERT(wait_for([&] { return sched::reaped_thread_count() >= reaped + 2; }));
    }
    // syscall 500 got the Linux argument registers and its number.
    KEXPECT_EQ(g_first.number, 500u);
    for (int i = 0; i < 6; ++i)
        KEXPECT_EQ(g_first.args[i], 0x11u * (i + 1));
    uint64_t after_syscall = code_page + (usermode_program_after_first_syscall - usermode_program);
    KEXPECT(g_first.is_syscall);
    KEXPECT_EQ(g_first.frame_rip, after_syscall);
    KEXPECT_EQ(g_first.frame_rcx, after_syscall);
    // What user mode saw afterwards (passed back through syscall 501).
    KEXPECT_EQ(g_exit.args[0], 0x123456789abcdef0u); // xmm3 survived the switches
    KEXPECT_EQ(g_exit.args[1], 0x77u);               // rbx preserved
    KEXPECT_EQ(g_exit.args[2], 0x99u);               // the return value in rax
    KEXPECT_EQ(g_exit.args[3], after_syscall);       // rcx = return address (SYSRET)
    KEXPECT_EQ(g_exit.args[4], 0x5a5au);             // a modified rcx restored (IRET)
    KEXPECT(g_exit.args[5] & rflags_interrupt_enable); // r11 = user RFLAGS
}
} // namespace

KERNEL_TEST(usermode_syscall_round_trip) {
    run_round_trip(ktest_context);
    // Again, now that slabs and kernel page tables exist: everything the
    // run used must come back.
    size_t frames = mm::free_frame_count();
    size_t stacks = mm::live_kernel_stack_count();
    size_t heap = mm::heap_bytes_in_use();
    run_round_trip(ktest_context);
    KEXPECT_EQ(mm::free_frame_count(), frames);
    KEXPECT_EQ(mm::live_kernel_stack_count(), stacks);
    KEXPECT_EQ(mm::heap_bytes_in_use(), heap);
}

KERNEL_TEST(usermode_fault_ends_the_thread_not_the_kernel) {
    uint64_t reaped = sched::reaped_thread_count();
    UserPageFaultHandler mm_handler = user_page_fault_handler();
    set_user_page_fault_handler(nullptr);
    {
        UserSpace space;
        KASSERT(space.set_up(usermode_fault_program, usermode_fault_program_end));
        g_exited = false;
        auto thread = sched::create_user_thread("usermode-fault", space.root(),
                                                initial_user_frame(code_page, stack_page + page_size));
        KASSERT(!thread.is_error());
        sched::start(*thread.value());
        KEXPECT(wait_for([&] { return sched::reaped_thread_count() >= reaped + 1; }));
    }
    set_user_page_fault_handler(mm_handler);
    KEXPECT(!g_exited); // died at the null dereference, never reached its exit call
}

KERNEL_TEST(usermode_unknown_syscall_is_enosys) {
    SyscallArgs args{};
    args.number = 499;
    KEXPECT_EQ(dispatch_syscall(args), -static_cast<long>(ENOSYS));
    args.number = 100000;
    KEXPECT_EQ(dispatch_syscall(args), -static_cast<long>(ENOSYS));
    KEXPECT(string_equal(syscall_name(500), "ktest_record"));
    KEXPECT(syscall_name(499) == nullptr);
}

KERNEL_TEST(usermode_arch_prctl_fs_base_and_sched_yield) {
    uint64_t reaped = sched::reaped_thread_count();
    {
        UserSpace space;
        KASSERT(space.set_up(usermode_tls_program, usermode_tls_program_end));
        space.stack_words()[0x800 / 8] = 0xfeedfacecafebeef; // what %fs:0 will read
        g_exited = false;
        g_exit = {};
        auto thread = sched::create_user_thread("usermode-tls", space.root(),
                                                initial_user_frame(code_page, stack_page + page_size));
        KASSERT(!thread.is_error());
        sched::start(*thread.value());
        KASSERT(wait_for([] { return g_exited; }));
        KASSERT(wait_for([&] { return sched::reaped_thread_count() >= reaped + 1; }));
    }
    KEXPECT_EQ(g_exit.args[0], 0xfeedfacecafebeefu); // %fs:0 through the new base, after switches
    KEXPECT_EQ(g_exit.args[1], 0u);                  // ARCH_SET_FS
    KEXPECT_EQ(g_exit.args[2], 0u);                  // sched_yield
    KEXPECT_EQ(g_exit.args[3], 0u);                  // ARCH_GET_FS
    KEXPECT_EQ(g_exit.args[4], 0x7ff800u);           // ... wrote the base
    KEXPECT_EQ(g_exit.args[5], static_cast<uint64_t>(-EPERM));
    // The kernel's own FS base is untouched by the user's.
    KEXPECT_EQ(sched::current().context().fs_base, 0u);
}

KERNEL_TEST(usermode_busy_user_thread_is_preempted) {
    uint64_t reaped = sched::reaped_thread_count();
    {
        UserSpace space;
        KASSERT(space.set_up(usermode_spin_program, usermode_spin_program_end));
        volatile uint64_t* flag = &space.stack_words()[0x800 / 8];
        *flag = 0;
        g_exited = false;
        auto thread = sched::create_user_thread("usermode-spin", space.root(),
                                                initial_user_frame(code_page, stack_page + page_size));
        KASSERT(!thread.is_error());
        sched::start(*thread.value());
        // We run again only if the timer preempts the spinning user thread.
        (void)sched::sleep_for(40 * ms);
        KEXPECT(!g_exited);
        *flag = 1;
        KASSERT(wait_for([] { return g_exited; }));
        KASSERT(wait_for([&] { return sched::reaped_thread_count() >= reaped + 1; }));
    }
    // Its spinning was charged as user time (ticks that interrupted it in
    // user mode; how many depends on how promptly the host runs QEMU's timers).
    KEXPECT_GT(g_exit_user_ns, 0u);
}

namespace {
unsigned g_hook_calls;
unsigned g_faults;
uint64_t g_fault_vector;
void counting_return_hook(SyscallFrame&) { ++g_hook_calls; }
// What signal delivery will do: change the frame and resume user mode.
void skipping_fault_handler(SyscallFrame& frame, uint64_t) {
    ++g_faults;
    g_fault_vector = frame.vector;
    frame.rip += 2; // over the ud2
    frame.rax = 0x1234;
}
} // namespace

KERNEL_TEST(usermode_hooks_restart_and_fault_handler) {
    uint64_t reaped = sched::reaped_thread_count();
    g_restart_calls = g_hook_calls = g_faults = 0;
    g_fault_vector = 0;
    sched::set_return_to_user_hook(counting_return_hook);
    UserFaultHandler default_handler = user_fault_handler();
    set_user_fault_handler(skipping_fault_handler);
    {
        UserSpace space;
        KASSERT(space.set_up(usermode_hooks_program, usermode_hooks_program_end));
        g_exited = false;
        g_exit = {};
        auto thread = sched::create_user_thread("usermode-hooks", space.root(),
                                                initial_user_frame(code_page, stack_page + page_size));
        KASSERT(!thread.is_error());
        sched::start(*thread.value());
        KEXPECT(wait_for([] { return g_exited; }));
        KEXPECT(wait_for([&] { return sched::reaped_thread_count() >= reaped + 1; }));
    }
    sched::set_return_to_user_hook(nullptr);
    set_user_fault_handler(default_handler);
    KEXPECT_EQ(g_restart_calls, 2u);   // restarted once
    KEXPECT_EQ(g_exit.args[0], 0x42u); // and user mode saw only the final result
    KEXPECT_EQ(g_faults, 1u);
    KEXPECT_EQ(g_fault_vector, 6u);    // #UD
    KEXPECT_EQ(g_exit.args[1], 0x1234u);
    // First entry, two returns from 504, one from the fault: at least four.
    KEXPECT_GE(g_hook_calls, 4u);
}

KERNEL_TEST(usermode_many_thread_lifetimes_leak_nothing) {
    UserSpace space;
    KASSERT(space.set_up(usermode_exit_program, usermode_exit_program_end));
    auto run_batch = [&](int threads) {
        uint64_t reaped = sched::reaped_thread_count();
        for (int i = 0; i < threads; ++i) {
            auto thread = sched::create_user_thread("usermode-life", space.root(),
                                                    initial_user_frame(code_page, stack_page + page_size));
            if (thread.is_error())
                return false;
            sched::start(*thread.value());
        }
        return wait_for([&] { return sched::reaped_thread_count() >= reaped + threads; });
    };
    KASSERT(run_batch(16)); // warm-up: slabs, kernel page tables for the stack slots
    size_t frames = mm::free_frame_count();
    size_t stacks = mm::live_kernel_stack_count();
    size_t heap = mm::heap_bytes_in_use();
    size_t threads = sched::live_thread_count();
    for (int batch = 0; batch < 10; ++batch)
        KASSERT(run_batch(16));
    KEXPECT_EQ(mm::free_frame_count(), frames);
    KEXPECT_EQ(mm::live_kernel_stack_count(), stacks);
    KEXPECT_EQ(mm::heap_bytes_in_use(), heap);
    KEXPECT_EQ(sched::live_thread_count(), threads);
}
