/*
 * tests/guest/runtime/mode.S: calls into 32-bit code from the 64-bit
 * runtime.
 *
 * rt_call_compat(fn, arg) runs fn in compatibility mode (IA-32e mode,
 * CS.L = 0, paging stays on; SDM Vol.3 2.2 "Modes of Operation").
 * rt_call32(fn, arg) leaves IA-32e mode for legacy 32-bit protected mode
 * with paging off, following SDM Vol.3 10.8.5.4 "Switching Out of IA-32e
 * Mode Operation" (compatibility mode, clear CR0.PG, clear EFER.LME), runs
 * fn with the 32-bit IDT below, then re-enters 64-bit mode as boot.S does
 * (10.8.5 "Initializing IA-32e Mode"). fn is cdecl: uint32_t fn(uint32_t).
 * The code and stack must lie below 4 GiB, as the whole image does.
 *
 * The 32-bit IDT (interrupt gates, SDM Vol.3 6.11 "IDT Descriptors")
 * records the vector, error code, EIP and CR2 of an exception in
 * rt_exc32 and resumes at rt_exc32.fixup; a zero fixup stops the image.
 */
#include "rt_layout.h"

    .text
    .code64
    .globl rt_call_compat
rt_call_compat:
    push %rbx
    push %rbp
    mov %rsp, %rbp
    and $-16, %rsp
    mov %edi, %ebx
    sub $16, %rsp
    mov %esi, (%rsp)                        /* the argument, cdecl */
    pushq $SEL_CODE32
    lea 1f(%rip), %rax
    push %rax
    lretq
    .code32
1:  call *%ebx
    ljmp $SEL_CODE64, $2f
    .code64
2:  mov %rbp, %rsp
    pop %rbp
    pop %rbx
    ret

    .globl rt_call32
rt_call32:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, rt_saved_rsp(%rip)
    sidt rt_saved_idtr(%rip)
    mov %cr4, %rax
    mov %rax, rt_saved_cr4(%rip)
    mov %cr0, %rax
    mov %rax, rt_saved_cr0(%rip)
    mov %edi, %ebx
    mov %esi, %ebp
    and $-16, %rsp
    pushq $SEL_CODE32
    lea 1f(%rip), %rax
    push %rax
    lretq
    .code32
1:  mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %cr0, %eax                          /* leave IA-32e mode */
    and $~CR0_PG, %eax
    mov %eax, %cr0
    mov $MSR_EFER, %ecx
    rdmsr
    and $~EFER_LME, %eax
    wrmsr
    lidt rt_idtr32
    sub $12, %esp
    push %ebp
    call *%ebx
    mov %eax, %ebx                          /* result */
    mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %cr0, %eax                          /* paging off, whatever fn did */
    and $~CR0_PG, %eax
    mov %eax, %cr0
    mov rt_saved_cr4, %eax
    mov %eax, %cr4
    mov $rt_pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov rt_saved_cr0, %eax
    mov %eax, %cr0
    ljmp $SEL_CODE64, $2f
    .code64
2:  mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov rt_saved_rsp(%rip), %rsp
    lidt rt_saved_idtr(%rip)
    mov %ebx, %eax
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

/* 32-bit exception stubs for vectors 0..31 */
    .code32
    .macro rt_stub32 vec
    .balign 16
rt_stub32_\vec:
    .if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushl $0
    .endif
    pushl $\vec
    jmp rt_isr32_common
    .endm
    .altmacro
    .set vec, 0
    .rept 32
    rt_stub32 %vec
    .set vec, vec + 1
    .endr

/* Frame: vector, error code, EIP, CS, EFLAGS (SDM Vol.3 6.12.1 Figure
 * 6-4, no privilege change). */
rt_isr32_common:
    push %eax
    mov 4(%esp), %eax
    mov %eax, rt_exc32
    mov 8(%esp), %eax
    mov %eax, rt_exc32 + 4
    mov 12(%esp), %eax
    mov %eax, rt_exc32 + 8
    mov %cr2, %eax
    mov %eax, rt_exc32 + 12
    incl rt_exc32 + 20
    mov rt_exc32 + 16, %eax
    test %eax, %eax
    jz 3f
    mov %eax, 12(%esp)
    movl $0, rt_exc32 + 16                  /* a fixup is used once */
    pop %eax
    add $8, %esp
    iret
3:  mov $'!', %al
    outb %al, $0xe9
    mov $0x3f8, %dx
    outb %al, %dx
    mov $1, %eax
    outl %eax, $0xf4
    cli
    hlt

    .code64
    .data
    .balign 16                              /* SysV ABI: arrays >= 16 bytes */
    .globl rt_idt32
rt_idt32:
    .fill 32, 8, 0
rt_idtr32:
    .word 32 * 8 - 1
    .long rt_idt32
    .balign 16                              /* SysV ABI: arrays >= 16 bytes */
    .globl rt_exc32
rt_exc32:                                   /* RtExc32 in rt.h */
    .fill 6, 4, 0
rt_saved_rsp: .quad 0
rt_saved_cr4: .quad 0
rt_saved_cr0: .quad 0
rt_saved_idtr: .fill 10, 1, 0

    .section .rodata
    .balign 16                              /* SysV ABI: arrays >= 16 bytes */
    .globl rt_stub32_table
rt_stub32_table:
    .macro rt_stub32_addr vec
    .long rt_stub32_\vec
    .endm
    .set vec, 0
    .rept 32
    rt_stub32_addr %vec
    .set vec, vec + 1
    .endr
