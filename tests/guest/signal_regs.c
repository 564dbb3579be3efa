/* Every general register, the red zone, RFLAGS.DF, MXCSR and xmm0-15 survive
 * a signal handler that clobbers them, both for a synchronous fault (ud2,
 * SIGILL, handler advances RIP) and for a signal delivered on return from a
 * system call (tkill). The handler also checks what the frame shows: the
 * interrupted registers in uc_mcontext, the xmm values in the saved FPU
 * state, a fresh MXCSR (0x1f80) and DF clear on entry, a 16-byte aligned
 * stack as after a call. */
#include "t.h"

/* Referenced by name from the asm below. */
__attribute__((used)) uint64_t g_in[15], g_out[15], g_rz[16];
__attribute__((used)) unsigned char g_xin[256], g_xout[256];
__attribute__((used)) uint64_t g_rsp_before, g_rsp_after, g_flags_out;
__attribute__((used)) uint32_t g_mxcsr_in = 0x7f80, g_mxcsr_out, g_mxcsr_default = 0x1f80;
extern char ud2_site[], syscall_site[];

static const int greg_index[15] = {REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI,
                                   REG_RDI, REG_RBP, REG_R8,  REG_R9,  REG_R10,
                                   REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
static const char *const names[15] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
                                      "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static volatile int handled;
static volatile int check_syscall_frame;

static void clobber_everything(void)
{
    __asm__ volatile("pcmpeqb %%xmm0, %%xmm0\n"
                     "movdqa %%xmm0, %%xmm1\n movdqa %%xmm0, %%xmm2\n movdqa %%xmm0, %%xmm3\n"
                     "movdqa %%xmm0, %%xmm4\n movdqa %%xmm0, %%xmm5\n movdqa %%xmm0, %%xmm6\n"
                     "movdqa %%xmm0, %%xmm7\n movdqa %%xmm0, %%xmm8\n movdqa %%xmm0, %%xmm9\n"
                     "movdqa %%xmm0, %%xmm10\n movdqa %%xmm0, %%xmm11\n movdqa %%xmm0, %%xmm12\n"
                     "movdqa %%xmm0, %%xmm13\n movdqa %%xmm0, %%xmm14\n movdqa %%xmm0, %%xmm15\n"
                     "mov $-1, %%rbx\n mov $-1, %%r12\n mov $-1, %%r13\n mov $-1, %%r14\n"
                     "mov $-1, %%r15\n mov $-1, %%rcx\n mov $-1, %%rdx\n mov $-1, %%rsi\n"
                     "mov $-1, %%rdi\n mov $-1, %%r8\n mov $-1, %%r9\n mov $-1, %%r10\n"
                     "mov $-1, %%r11\n mov $-1, %%rax\n"
                     "std\n cld\n"
                     :
                     :
                     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
                       "r13", "r14", "r15", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
                       "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
                       "xmm14", "xmm15");
    uint32_t m = 0x1f80 | 0x6000; /* round toward zero: a different MXCSR */
    __asm__ volatile("ldmxcsr %0" : : "m"(m));
}

static void check_entry_state(ucontext_t *uc, int skip_rcx_r11)
{
    __attribute__((aligned(16))) volatile char aligned_local[16];
    CHECK_EQ((uintptr_t)aligned_local % 16, 0);
    uint64_t flags;
    __asm__ volatile("pushfq\n popq %0" : "=r"(flags));
    CHECK_EQ(flags & 0x400, 0); /* DF clear for the handler */
    uint32_t mx;
    __asm__ volatile("stmxcsr %0" : "=m"(mx));
    CHECK_EQ(mx, 0x1f80); /* the handler starts with a default MXCSR */
    for (int i = 0; i < 15; i++) {
        if (skip_rcx_r11 && (greg_index[i] == REG_RCX || greg_index[i] == REG_R11))
            continue;
        if ((uint64_t)uc->uc_mcontext.gregs[greg_index[i]] != g_in[i])
            FAIL("frame %s = 0x%llx, want 0x%llx", names[i],
                 (unsigned long long)uc->uc_mcontext.gregs[greg_index[i]],
                 (unsigned long long)g_in[i]);
    }
    CHECK(uc->uc_mcontext.fpregs != NULL);
    CHECK_EQ(uc->uc_mcontext.fpregs->mxcsr, 0x7f80);
    for (int i = 0; i < 16; i++)
        if (memcmp(uc->uc_mcontext.fpregs->_xmm[i].element, g_xin + 16 * i, 16) != 0)
            FAIL("frame xmm%d differs", i);
    CHECK_EQ((uint64_t)uc->uc_mcontext.gregs[REG_RSP], g_rsp_before);
}

static void on_sigill(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    CHECK_EQ(sig, SIGILL);
    CHECK_EQ(si->si_code, ILL_ILLOPN);
    CHECK(si->si_addr == (void *)ud2_site);
    CHECK((uintptr_t)uc->uc_mcontext.gregs[REG_RIP] == (uintptr_t)ud2_site);
    CHECK(uc->uc_mcontext.gregs[REG_EFL] & 0x400); /* DF as interrupted */
    check_entry_state(uc, 0);
    clobber_everything();
    uc->uc_mcontext.gregs[REG_RIP] += 2; /* skip the ud2 */
    handled++;
}

static void on_sigusr1(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    CHECK_EQ(sig, SIGUSR1);
    CHECK_EQ(si->si_code, SI_TKILL);
    CHECK((uintptr_t)uc->uc_mcontext.gregs[REG_RIP] == (uintptr_t)syscall_site);
    CHECK_EQ(uc->uc_mcontext.gregs[REG_RAX], 0); /* tkill's return value */
    /* rax in g_in is the syscall number, replaced by the result. */
    uint64_t saved = g_in[0];
    g_in[0] = 0;
    check_entry_state(uc, 1);
    g_in[0] = saved;
    clobber_everything();
    handled++;
}

static void fill_inputs(uint64_t seed)
{
    for (int i = 0; i < 15; i++)
        g_in[i] = 0x0101010101010101ull * (uint64_t)(i + 1) ^ seed;
    for (int i = 0; i < 256; i++)
        g_xin[i] = (unsigned char)(i * 7 + seed);
    memset(g_out, 0, sizeof g_out);
    memset(g_xout, 0, sizeof g_xout);
    memset(g_rz, 0, sizeof g_rz);
}

static void run_ud2(void)
{
    __asm__ volatile("sub $256, %%rsp\n" /* stay clear of the compiler's red zone */
                     "push %%rbp\n"
                     "mov %%rsp, g_rsp_before(%%rip)\n"
                     "ldmxcsr g_mxcsr_in(%%rip)\n"
                     "movdqu g_xin+0(%%rip), %%xmm0\n"
                     "movdqu g_xin+16(%%rip), %%xmm1\n"
                     "movdqu g_xin+32(%%rip), %%xmm2\n"
                     "movdqu g_xin+48(%%rip), %%xmm3\n"
                     "movdqu g_xin+64(%%rip), %%xmm4\n"
                     "movdqu g_xin+80(%%rip), %%xmm5\n"
                     "movdqu g_xin+96(%%rip), %%xmm6\n"
                     "movdqu g_xin+112(%%rip), %%xmm7\n"
                     "movdqu g_xin+128(%%rip), %%xmm8\n"
                     "movdqu g_xin+144(%%rip), %%xmm9\n"
                     "movdqu g_xin+160(%%rip), %%xmm10\n"
                     "movdqu g_xin+176(%%rip), %%xmm11\n"
                     "movdqu g_xin+192(%%rip), %%xmm12\n"
                     "movdqu g_xin+208(%%rip), %%xmm13\n"
                     "movdqu g_xin+224(%%rip), %%xmm14\n"
                     "movdqu g_xin+240(%%rip), %%xmm15\n"
                     "movabs $0x5ed0000000000001, %%rax\n"
                     "mov %%rax, -8(%%rsp)\n"
                     "movabs $0x5ed0000000000002, %%rax\n"
                     "mov %%rax, -16(%%rsp)\n"
                     "movabs $0x5ed0000000000003, %%rax\n"
                     "mov %%rax, -24(%%rsp)\n"
                     "movabs $0x5ed0000000000004, %%rax\n"
                     "mov %%rax, -32(%%rsp)\n"
                     "movabs $0x5ed0000000000005, %%rax\n"
                     "mov %%rax, -40(%%rsp)\n"
                     "movabs $0x5ed0000000000006, %%rax\n"
                     "mov %%rax, -48(%%rsp)\n"
                     "movabs $0x5ed0000000000007, %%rax\n"
                     "mov %%rax, -56(%%rsp)\n"
                     "movabs $0x5ed0000000000008, %%rax\n"
                     "mov %%rax, -64(%%rsp)\n"
                     "movabs $0x5ed0000000000009, %%rax\n"
                     "mov %%rax, -72(%%rsp)\n"
                     "movabs $0x5ed000000000000a, %%rax\n"
                     "mov %%rax, -80(%%rsp)\n"
                     "movabs $0x5ed000000000000b, %%rax\n"
                     "mov %%rax, -88(%%rsp)\n"
                     "movabs $0x5ed000000000000c, %%rax\n"
                     "mov %%rax, -96(%%rsp)\n"
                     "movabs $0x5ed000000000000d, %%rax\n"
                     "mov %%rax, -104(%%rsp)\n"
                     "movabs $0x5ed000000000000e, %%rax\n"
                     "mov %%rax, -112(%%rsp)\n"
                     "movabs $0x5ed000000000000f, %%rax\n"
                     "mov %%rax, -120(%%rsp)\n"
                     "movabs $0x5ed0000000000010, %%rax\n"
                     "mov %%rax, -128(%%rsp)\n"
                     "mov g_in+0(%%rip), %%rax\n"
                     "mov g_in+8(%%rip), %%rbx\n"
                     "mov g_in+16(%%rip), %%rcx\n"
                     "mov g_in+24(%%rip), %%rdx\n"
                     "mov g_in+32(%%rip), %%rsi\n"
                     "mov g_in+40(%%rip), %%rdi\n"
                     "mov g_in+48(%%rip), %%rbp\n"
                     "mov g_in+56(%%rip), %%r8\n"
                     "mov g_in+64(%%rip), %%r9\n"
                     "mov g_in+72(%%rip), %%r10\n"
                     "mov g_in+80(%%rip), %%r11\n"
                     "mov g_in+88(%%rip), %%r12\n"
                     "mov g_in+96(%%rip), %%r13\n"
                     "mov g_in+104(%%rip), %%r14\n"
                     "mov g_in+112(%%rip), %%r15\n"
                     "std\n"
                     ".globl ud2_site\n"
                     "ud2_site: ud2\n"
                     "mov %%rax, g_out+0(%%rip)\n"
                     "mov %%rbx, g_out+8(%%rip)\n"
                     "mov %%rcx, g_out+16(%%rip)\n"
                     "mov %%rdx, g_out+24(%%rip)\n"
                     "mov %%rsi, g_out+32(%%rip)\n"
                     "mov %%rdi, g_out+40(%%rip)\n"
                     "mov %%rbp, g_out+48(%%rip)\n"
                     "mov %%r8, g_out+56(%%rip)\n"
                     "mov %%r9, g_out+64(%%rip)\n"
                     "mov %%r10, g_out+72(%%rip)\n"
                     "mov %%r11, g_out+80(%%rip)\n"
                     "mov %%r12, g_out+88(%%rip)\n"
                     "mov %%r13, g_out+96(%%rip)\n"
                     "mov %%r14, g_out+104(%%rip)\n"
                     "mov %%r15, g_out+112(%%rip)\n"
                     "mov -8(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+0(%%rip)\n"
                     "mov -16(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+8(%%rip)\n"
                     "mov -24(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+16(%%rip)\n"
                     "mov -32(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+24(%%rip)\n"
                     "mov -40(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+32(%%rip)\n"
                     "mov -48(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+40(%%rip)\n"
                     "mov -56(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+48(%%rip)\n"
                     "mov -64(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+56(%%rip)\n"
                     "mov -72(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+64(%%rip)\n"
                     "mov -80(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+72(%%rip)\n"
                     "mov -88(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+80(%%rip)\n"
                     "mov -96(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+88(%%rip)\n"
                     "mov -104(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+96(%%rip)\n"
                     "mov -112(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+104(%%rip)\n"
                     "mov -120(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+112(%%rip)\n"
                     "mov -128(%%rsp), %%rax\n"
                     "mov %%rax, g_rz+120(%%rip)\n"
                     "pushfq\n"
                     "cld\n"
                     "popq g_flags_out(%%rip)\n"
                     "movdqu %%xmm0, g_xout+0(%%rip)\n"
                     "movdqu %%xmm1, g_xout+16(%%rip)\n"
                     "movdqu %%xmm2, g_xout+32(%%rip)\n"
                     "movdqu %%xmm3, g_xout+48(%%rip)\n"
                     "movdqu %%xmm4, g_xout+64(%%rip)\n"
                     "movdqu %%xmm5, g_xout+80(%%rip)\n"
                     "movdqu %%xmm6, g_xout+96(%%rip)\n"
                     "movdqu %%xmm7, g_xout+112(%%rip)\n"
                     "movdqu %%xmm8, g_xout+128(%%rip)\n"
                     "movdqu %%xmm9, g_xout+144(%%rip)\n"
                     "movdqu %%xmm10, g_xout+160(%%rip)\n"
                     "movdqu %%xmm11, g_xout+176(%%rip)\n"
                     "movdqu %%xmm12, g_xout+192(%%rip)\n"
                     "movdqu %%xmm13, g_xout+208(%%rip)\n"
                     "movdqu %%xmm14, g_xout+224(%%rip)\n"
                     "movdqu %%xmm15, g_xout+240(%%rip)\n"
                     "stmxcsr g_mxcsr_out(%%rip)\n"
                     "mov %%rsp, g_rsp_after(%%rip)\n"
                     "pop %%rbp\n"
                     "add $256, %%rsp\n"
                     "ldmxcsr g_mxcsr_default(%%rip)\n"
                     :
                     :
                     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
                       "r13", "r14", "r15", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
                       "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
                       "xmm14", "xmm15");
}

static void run_syscall(void)
{
    __asm__ volatile("sub $256, %%rsp\n" /* stay clear of the compiler's red zone */
                     "push %%rbp\n"
                     "mov %%rsp, g_rsp_before(%%rip)\n"
                     "ldmxcsr g_mxcsr_in(%%rip)\n"
                     "movdqu g_xin+0(%%rip), %%xmm0\n"
                     "movdqu g_xin+16(%%rip), %%xmm1\n"
                     "movdqu g_xin+32(%%rip), %%xmm2\n"
                     "movdqu g_xin+48(%%rip), %%xmm3\n"
                     "movdqu g_xin+64(%%rip), %%xmm4\n"
                     "movdqu g_xin+80(%%rip), %%xmm5\n"
                     "movdqu g_xin+96(%%rip), %%xmm6\n"
                     "movdqu g_xin+112(%%rip), %%xmm7\n"
                     "movdqu g_xin+128(%%rip), %%xmm8\n"
                     "movdqu g_xin+144(%%rip), %%xmm9\n"
                     "movdqu g_xin+160(%%rip), %%xmm10\n"
                     "movdqu g_xin+176(%%rip), %%xmm11\n"
                     "movdqu g_xin+192(%%rip), %%xmm12\n"
                     "movdqu g_xin+208(%%rip), %%xmm13\n"
                     "movdqu g_xin+224(%%rip), %%xmm14\n"
                     "movdqu g_xin+240(%%rip), %%xmm15\n"
                     "mov g_in+0(%%rip), %%rax\n"
                     "mov g_in+8(%%rip), %%rbx\n"
                     "mov g_in+16(%%rip), %%rcx\n"
                     "mov g_in+24(%%rip), %%rdx\n"
                     "mov g_in+32(%%rip), %%rsi\n"
                     "mov g_in+40(%%rip), %%rdi\n"
                     "mov g_in+48(%%rip), %%rbp\n"
                     "mov g_in+56(%%rip), %%r8\n"
                     "mov g_in+64(%%rip), %%r9\n"
                     "mov g_in+72(%%rip), %%r10\n"
                     "mov g_in+80(%%rip), %%r11\n"
                     "mov g_in+88(%%rip), %%r12\n"
                     "mov g_in+96(%%rip), %%r13\n"
                     "mov g_in+104(%%rip), %%r14\n"
                     "mov g_in+112(%%rip), %%r15\n"
                     ".globl syscall_site\n"
                     "syscall\n"
                     "syscall_site:\n"
                     "mov %%rax, g_out+0(%%rip)\n"
                     "mov %%rbx, g_out+8(%%rip)\n"
                     "mov %%rcx, g_out+16(%%rip)\n"
                     "mov %%rdx, g_out+24(%%rip)\n"
                     "mov %%rsi, g_out+32(%%rip)\n"
                     "mov %%rdi, g_out+40(%%rip)\n"
                     "mov %%rbp, g_out+48(%%rip)\n"
                     "mov %%r8, g_out+56(%%rip)\n"
                     "mov %%r9, g_out+64(%%rip)\n"
                     "mov %%r10, g_out+72(%%rip)\n"
                     "mov %%r11, g_out+80(%%rip)\n"
                     "mov %%r12, g_out+88(%%rip)\n"
                     "mov %%r13, g_out+96(%%rip)\n"
                     "mov %%r14, g_out+104(%%rip)\n"
                     "mov %%r15, g_out+112(%%rip)\n"
                     "movdqu %%xmm0, g_xout+0(%%rip)\n"
                     "movdqu %%xmm1, g_xout+16(%%rip)\n"
                     "movdqu %%xmm2, g_xout+32(%%rip)\n"
                     "movdqu %%xmm3, g_xout+48(%%rip)\n"
                     "movdqu %%xmm4, g_xout+64(%%rip)\n"
                     "movdqu %%xmm5, g_xout+80(%%rip)\n"
                     "movdqu %%xmm6, g_xout+96(%%rip)\n"
                     "movdqu %%xmm7, g_xout+112(%%rip)\n"
                     "movdqu %%xmm8, g_xout+128(%%rip)\n"
                     "movdqu %%xmm9, g_xout+144(%%rip)\n"
                     "movdqu %%xmm10, g_xout+160(%%rip)\n"
                     "movdqu %%xmm11, g_xout+176(%%rip)\n"
                     "movdqu %%xmm12, g_xout+192(%%rip)\n"
                     "movdqu %%xmm13, g_xout+208(%%rip)\n"
                     "movdqu %%xmm14, g_xout+224(%%rip)\n"
                     "movdqu %%xmm15, g_xout+240(%%rip)\n"
                     "stmxcsr g_mxcsr_out(%%rip)\n"
                     "mov %%rsp, g_rsp_after(%%rip)\n"
                     "pop %%rbp\n"
                     "add $256, %%rsp\n"
                     "ldmxcsr g_mxcsr_default(%%rip)\n"
                     :
                     :
                     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
                       "r13", "r14", "r15", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
                       "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
                       "xmm14", "xmm15");
}

int main(void)
{
    t_sigaction(SIGILL, on_sigill, 0);
    t_sigaction(SIGUSR1, on_sigusr1, 0);
    for (int round = 0; round < 20; round++) {
        fill_inputs(0x1234567890abcdefull * (uint64_t)(round + 1));
        handled = 0;
        run_ud2();
        CHECK_EQ(handled, 1);
        for (int i = 0; i < 15; i++)
            if (g_out[i] != g_in[i])
                FAIL("after SIGILL %s = 0x%llx, want 0x%llx", names[i],
                     (unsigned long long)g_out[i], (unsigned long long)g_in[i]);
        for (int i = 0; i < 16; i++)
            if (memcmp(g_xout + 16 * i, g_xin + 16 * i, 16) != 0)
                FAIL("after SIGILL xmm%d differs", i);
        for (int i = 0; i < 16; i++)
            if (g_rz[i] != 0x5ed0000000000001ull + (uint64_t)i)
                FAIL("red zone slot %d overwritten: 0x%llx", i, (unsigned long long)g_rz[i]);
        CHECK_EQ(g_rsp_after, g_rsp_before);
        CHECK(g_flags_out & 0x400); /* DF restored */
        CHECK_EQ(g_mxcsr_out, 0x7f80);

        fill_inputs(0xfedcba0987654321ull * (uint64_t)(round + 1));
        g_in[0] = SYS_tkill;
        g_in[5] = (uint64_t)sys_gettid(); /* rdi */
        g_in[4] = SIGUSR1;                /* rsi */
        handled = 0;
        run_syscall();
        CHECK_EQ(handled, 1);
        CHECK_EQ(g_out[0], 0);
        for (int i = 1; i < 15; i++) {
            if (i == 2 || i == 10)
                continue; /* rcx and r11 belong to the syscall instruction */
            if (g_out[i] != g_in[i])
                FAIL("after tkill %s = 0x%llx, want 0x%llx", names[i], (unsigned long long)g_out[i],
                     (unsigned long long)g_in[i]);
        }
        for (int i = 0; i < 16; i++)
            if (memcmp(g_xout + 16 * i, g_xin + 16 * i, 16) != 0)
                FAIL("after tkill xmm%d differs", i);
        CHECK_EQ(g_rsp_after, g_rsp_before);
        CHECK_EQ(g_mxcsr_out, 0x7f80);
    }
    return 0;
}
