/*
 * tests/guest/platform/ap_boot.S: the application-processor start-up
 * code. smp.c copies ap_tramp..ap_tramp_end to AP_TRAMP (8000H) and
 * sends INIT and STARTUP with vector 08H: each AP starts in real-address
 * mode at 0800:0000 (SDM Vol.3 8.4.3 "MP Initialization Protocol
 * Algorithm for MP Systems"), loads the runtime's GDT, enters protected
 * mode, then IA-32e mode in the order of SDM Vol.3 9.8.5 "Initializing
 * IA-32e Mode" (PAE, CR3, EFER.LME, CR0.PG) with the BSP's page tables,
 * loads the BSP's IDT, takes the stack of its APIC ID and calls
 * ap_entry(apic_id). The code is position dependent on AP_TRAMP: its
 * addresses are AP_TRAMP + (label - ap_tramp).
 */
#include "rt_layout.h"

#define AP_TRAMP 0x8000
#define A(l) (AP_TRAMP + (l) - ap_tramp)

    .data
    .globl ap_tramp, ap_tramp_end, ap_tramp_gdtr, ap_tramp_idtr
    .globl ap_tramp_cr3, ap_tramp_entry, ap_tramp_stacks, ap_tramp_stack_size
    .code16
ap_tramp:
    cli
    mov %cs, %ax
    mov %ax, %ds
    lgdtl ap_tramp_gdtr - ap_tramp
    mov %cr0, %eax
    or $CR0_PE, %eax
    mov %eax, %cr0
    ljmpl $SEL_CODE32, $A(ap32)

    .code32
ap32:
    mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %cr4, %eax
    or $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    mov %eax, %cr4
    mov A(ap_tramp_cr3), %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    and $~(CR0_EM | CR0_TS), %eax
    or $(CR0_PE | CR0_MP | CR0_NE | CR0_PG), %eax
    mov %eax, %cr0
    ljmp $SEL_CODE64, $A(ap64)

    .code64
ap64:
    mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    lidt A(ap_tramp_idtr)
    /* Initial APIC ID: CPUID.01H:EBX[31:24]. */
    mov $1, %eax
    cpuid
    shr $24, %ebx
    mov %ebx, %edi
    lea 1(%rbx), %rax
    imul A(ap_tramp_stack_size), %rax
    add A(ap_tramp_stacks), %rax
    mov %rax, %rsp
    xor %ebp, %ebp
    call *A(ap_tramp_entry)
1:  cli
    hlt
    jmp 1b

    .balign 8
ap_tramp_gdtr:
    .word 0
    .long 0
    .word 0
ap_tramp_idtr:
    .word 0
    .quad 0
    .word 0, 0, 0
ap_tramp_cr3:
    .quad 0
ap_tramp_entry:
    .quad 0
ap_tramp_stacks:
    .quad 0
ap_tramp_stack_size:
    .quad 0
ap_tramp_end:
