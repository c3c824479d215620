/*
 * tests/guest/runtime/isr.S: the 256 interrupt entry stubs, the common
 * save/restore path around rt_exception(), and rt_setjmp/rt_longjmp used
 * to recover from an expected exception.
 *
 * The processor pushes an error code only for vectors 8, 10-14, 17, 21,
 * 29 and 30 (SDM Vol.3 6.13 "Error Code", Table 6-1); every other stub
 * pushes a zero so that all frames share one layout (RtFrame in rt.h).
 * Note that INT n to one of those vectors pushes no error code (SDM Vol.3
 * 6.4.2 "Software-Generated Exceptions"): tests must not do that.
 */
#include "rt_layout.h"

    .text
    .altmacro
    .macro rt_stub vec
    .balign 16
rt_stub_\vec:
    .if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp rt_isr_common
    .endm

    .set vec, 0
    .rept 256
    rt_stub %vec
    .set vec, vec + 1
    .endr

    .macro rt_stub_addr vec
    .quad rt_stub_\vec
    .endm
    .section .rodata
    .balign 16                              /* SysV ABI: arrays >= 16 bytes */
    .globl rt_isr_stubs
rt_isr_stubs:
    .set vec, 0
    .rept 256
    rt_stub_addr %vec
    .set vec, vec + 1
    .endr

    .text
rt_isr_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    /* The System V ABI wants a 16-byte aligned stack at the call; the
     * processor aligns RSP to 16 before pushing the frame in 64-bit mode
     * (SDM Vol.3 6.14.2 "64-Bit Mode Stack Frame"), and the frame is
     * 22 quadwords, so RSP is aligned here already. */
    cld
    call rt_exception
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq

/* int rt_setjmp(RtJmpBuf *b): saves the callee-saved registers, RSP,
 * the return address and RFLAGS; returns 0. */
    .globl rt_setjmp
rt_setjmp:
    mov %rbx, 0(%rdi)
    mov %rbp, 8(%rdi)
    mov %r12, 16(%rdi)
    mov %r13, 24(%rdi)
    mov %r14, 32(%rdi)
    mov %r15, 40(%rdi)
    lea 8(%rsp), %rax
    mov %rax, 48(%rdi)
    mov (%rsp), %rax
    mov %rax, 56(%rdi)
    pushfq
    pop %rax
    mov %rax, 64(%rdi)
    xor %eax, %eax
    ret

/* void rt_longjmp(RtJmpBuf *b, int v): returns v from the rt_setjmp that
 * filled b, at CPL 0 with the runtime's data selectors reloaded (an
 * interrupt from CPL 3 leaves a null SS, SDM Vol.3 6.14.4 "Stack Switching
 * in IA-32e Mode"). */
    .globl rt_longjmp
rt_longjmp:
    mov $SEL_DATA, %eax
    mov %eax, %ss
    mov %eax, %ds
    mov %eax, %es
    mov 0(%rdi), %rbx
    mov 8(%rdi), %rbp
    mov 16(%rdi), %r12
    mov 24(%rdi), %r13
    mov 32(%rdi), %r14
    mov 40(%rdi), %r15
    mov 48(%rdi), %rsp
    push 64(%rdi)
    popfq
    mov %esi, %eax
    jmp *56(%rdi)
