/*
 * tests/guest/vmx/nonroot_asm.S: world switch and guest code snippets for
 * test_vmx_nonroot.c.
 *
 * uint64_t nr_run(int launch): saves the callee-saved registers and RSP,
 * loads the guest's RAX, RBX, RCX, RDX, RSI, RDI from nr_in[0..5] (VM
 * entry loads no GPRs, SDM Vol.3 26.3.2), executes VMLAUNCH (launch != 0)
 * or VMRESUME. A VMfail returns RFLAGS with bit 63 clear. A VM exit
 * continues at nr_exit (HOST_RIP), stores the guest's six registers in
 * nr_out[0..5] and returns with bit 63 set.
 *
 * Each guest snippet ends in VMCALL (an unconditional VM exit, SDM 25.1.2)
 * so the host sees where it got to.
 */
    .text
    .globl nr_run, nr_exit, nr_in, nr_out
nr_run:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, nr_saved_rsp(%rip)
    mov %edi, %r12d
    mov nr_in+0(%rip), %rax
    mov nr_in+8(%rip), %rbx
    mov nr_in+16(%rip), %rcx
    mov nr_in+24(%rip), %rdx
    mov nr_in+32(%rip), %rsi
    mov nr_in+40(%rip), %rdi
    test %r12d, %r12d
    jz 1f
    vmlaunch
    jmp 2f
1:  vmresume
2:  pushfq
    pop %rax
    btr $63, %rax
    jmp 3f
nr_exit:
    mov %rax, nr_out+0(%rip)
    mov %rbx, nr_out+8(%rip)
    mov %rcx, nr_out+16(%rip)
    mov %rdx, nr_out+24(%rip)
    mov %rsi, nr_out+32(%rip)
    mov %rdi, nr_out+40(%rip)
    mov nr_saved_rsp(%rip), %rsp
    mov $1, %eax
    shl $63, %rax
3:  pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

/* ---- guest snippets ---- */
    .globl g_cr_read, g_cr0_write, g_cr4_write, g_clts, g_lmsw
    .globl g_rdtsc, g_rdtscp, g_rdmsr_tsc, g_cr8, g_cr8_low, g_cr8_low_next
    .globl g_loop, g_hlt, g_hlt_next, g_nops, g_nop2, g_nop3, g_tf, g_tf_nop, g_tf_after
    .globl g_int40, g_vmcall, g_sti, g_sti_vmcall, g_movss, g_movss_vmcall
    .globl g_iret, g_iret_next, g_sti_nop, g_sti_nop_next, g_invpcid, g_xsaves
    .globl g_isr, g_isr_vmcall

/* MOV from CR0/CR4 and SMSW (SDM 25.3). */
g_cr_read:
    mov %cr0, %rax
    mov %cr4, %rbx
    smsw %rcx
    vmcall

/* MOV to CR0 / CR4 with RDI, then read back. */
g_cr0_write:
    mov %rdi, %cr0
    mov %cr0, %rax
    vmcall
g_cr4_write:
    mov %rdi, %cr4
    mov %cr4, %rax
    vmcall

    .globl g_cr3_write
g_cr3_write:
    mov %rdi, %cr3
    vmcall

g_clts:
    clts
    vmcall

g_lmsw:
    lmsw %di
    vmcall

g_rdtsc:
    rdtsc
    vmcall
g_rdtscp:
    rdtscp
    vmcall
g_rdmsr_tsc:
    mov $0x10, %ecx
    rdmsr
    vmcall

/* CR8 with the TPR shadow: read, write RDI, read again, then write RSI
 * (the host makes that one drop below the threshold). */
g_cr8:
    mov %cr8, %rax
    mov %rdi, %cr8
    mov %cr8, %rbx
g_cr8_low:
    mov %rsi, %cr8
g_cr8_low_next:
    mov %cr8, %rcx
    vmcall

/* A loop the VMX-preemption timer interrupts; RAX counts iterations. */
g_loop:
    inc %rax
    jmp g_loop

g_hlt:
    hlt
g_hlt_next:
    vmcall

/* Single instructions for the monitor trap flag. */
g_nops:
    nop
g_nop2:
    nop
g_nop3:
    nop
    vmcall

/* Set RFLAGS.TF, then one instruction with TF = 1. */
g_tf:
    pushfq
    orq $0x100, (%rsp)
    popfq
g_tf_nop:
    nop
g_tf_after:
    pushfq
    andq $~0x100, (%rsp)
    popfq
    vmcall

g_int40:
    int $0x40
g_vmcall:
    vmcall

/* STI (with IF = 0) and MOV SS: the blocking they leave when the next
 * instruction exits (SDM 24.4.2 interruptibility state). */
g_sti:
    sti
g_sti_vmcall:
    vmcall
g_movss:
    mov %ss, %ax
    mov %ax, %ss
g_movss_vmcall:
    vmcall

/* IRETQ to the next instruction: ends (virtual-)NMI blocking. */
g_iret:
    mov %ss, %eax
    push %rax
    lea 8(%rsp), %rax
    push %rax
    pushfq
    mov %cs, %eax
    push %rax
    lea g_iret_next(%rip), %rax
    push %rax
    iretq
g_iret_next:
    vmcall

/* IRETQ with a null CS in its frame: #GP(0) during IRET. */
    .globl g_iret_bad
g_iret_bad:
    mov %ss, %eax
    push %rax
    lea 8(%rsp), %rax
    push %rax
    pushfq
    push $0
    lea g_iret_next(%rip), %rax
    push %rax
    iretq

g_sti_nop:
    sti
    nop
g_sti_nop_next:
    vmcall

/* INVPCID type RDI with the descriptor at RSI; XSAVES to RSI. */
g_invpcid:
    invpcid (%rsi), %rdi
    vmcall
g_xsaves:
    xsaves (%rsi)
    vmcall

/* Self-NMI through the local APIC ICR at RSI (xAPIC page): physical
 * destination RDI (APIC ID << 24 in ICR high), delivery mode NMI. */
    .globl g_self_nmi, g_self_nmi_next
g_self_nmi:
    mov %edi, 0x310(%rsi)
    movl $0x400, 0x300(%rsi)
g_self_nmi_next:
    nop
    vmcall

/* Every vector of the guest IDT lands here; the host reads the frame. */
    .balign 16
g_isr:
g_isr_vmcall:
    vmcall

    .data
    .balign 8
nr_saved_rsp: .quad 0
nr_in: .quad 0, 0, 0, 0, 0, 0
nr_out: .quad 0, 0, 0, 0, 0, 0
