// PVH entry: QEMU (or Xen) starts us here in 32-bit protected mode, paging
// off, %ebx = physical address of the hvm_start_info. We build nothing at run
// time: the boot page tables below are static data that map the first 1 GiB
// three times (identity, for the instructions that turn paging on; at
// KERNEL_VMA, where the kernel is linked; at the direct-map base, so that
// early C++ code can reach boot data by physical address). kernel/mm replaces
// them with the kernel's own tables before anything else runs.

#define KERNEL_VMA 0xFFFFFFFF80000000
#define PHYS(sym) ((sym) - KERNEL_VMA)

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define PTE_PRESENT 0x1
#define PTE_WRITABLE 0x2
#define PTE_HUGE 0x80

#define BOOT_STACK_SIZE 16384

// The PVH ELF note: a 64-bit ELF carries the 32-bit entry as an 8-byte value.
    .section .note.Xen, "a"
    .p2align 2
    .long 4             // name size ("Xen\0")
    .long 8             // descriptor size
    .long 18            // XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .p2align 2
    .quad PHYS(pvh_start32)

    .section .boot.text, "ax"
    .code32
    .globl pvh_start32
pvh_start32:
    cli
    cld
    mov %ebx, %esi                      // hvm_start_info: survives until kernel_main

    // Zero .bss (QEMU zero-fills it too; a different loader might not).
    mov $PHYS(__bss_start), %edi
    mov $PHYS(__bss_end), %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb

    lgdt PHYS(boot_gdt_pointer)

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4

    mov $PHYS(boot_pml4), %eax
    mov %eax, %cr3

    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_NXE), %eax
    wrmsr

    mov %cr0, %eax
    or $(CR0_PE | CR0_PG | CR0_WP), %eax
    mov %eax, %cr0

    ljmp $0x08, $PHYS(start64_low)

    .code64
start64_low:
    // Still running at the physical address: jump to the linked one.
    movabs $start64_high, %rax
    jmp *%rax

start64_high:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs

    lea boot_stack_top(%rip), %rsp
    xor %ebp, %ebp                      // ends every backtrace
    mov %esi, %edi                      // zero-extends: hvm_start_info (phys)
    call kernel_main
1:  cli
    hlt
    jmp 1b

    .section .boot.data, "aw"
    .p2align 3
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF            // 0x08: 64-bit code, DPL 0
    .quad 0x00CF92000000FFFF            // 0x10: data, DPL 0
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long PHYS(boot_gdt)

    .p2align 12
boot_pml4:
    .quad PHYS(boot_pdpt_low) + (PTE_PRESENT | PTE_WRITABLE)       // identity
    .fill 255, 8, 0
    .quad PHYS(boot_pdpt_low) + (PTE_PRESENT | PTE_WRITABLE)       // direct map (256)
    .fill 254, 8, 0
    .quad PHYS(boot_pdpt_high) + (PTE_PRESENT | PTE_WRITABLE)      // kernel (511)

boot_pdpt_low:
    .quad PHYS(boot_pd) + (PTE_PRESENT | PTE_WRITABLE)
    .fill 511, 8, 0

boot_pdpt_high:
    .fill 510, 8, 0
    .quad PHYS(boot_pd) + (PTE_PRESENT | PTE_WRITABLE)             // -2 GiB
    .quad 0

boot_pd:                                // 512 x 2 MiB = the first 1 GiB
    .set i, 0
    .rept 512
    .quad (i << 21) | (PTE_PRESENT | PTE_WRITABLE | PTE_HUGE)
    .set i, i + 1
    .endr

    .section .boot.bss, "aw", @nobits
    .p2align 12
    .globl boot_stack_bottom
boot_stack_bottom:
    .skip BOOT_STACK_SIZE
    .globl boot_stack_top
boot_stack_top:
    .section .note.GNU-stack, "", @progbits
