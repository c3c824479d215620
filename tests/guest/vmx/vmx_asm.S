/*
 * tests/guest/vmx/vmx_asm.S: the in-test hypervisor's world switch and the
 * guest it runs.
 *
 * uint64_t vmx_run(int launch): saves the callee-saved registers and RSP,
 * executes VMLAUNCH (launch != 0) or VMRESUME. If the instruction fails
 * (VMfail), it returns RFLAGS with bit 63 clear. After a VM exit, the
 * processor continues at vmx_exit_entry (HOST_RIP) on HOST_RSP; the guest's
 * RAX-RDX are saved in guest_regs[] and vmx_run returns bit 63 set.
 * (SDM Vol.3 27.5: a VM exit loads host RIP/RSP but no GPRs.)
 */
    .text
    .globl vmx_run, vmx_exit_entry, guest_code, guest_cpuid_insn, guest_vmcall_insn
    .globl host_saved_rsp, guest_regs
vmx_run:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, host_saved_rsp(%rip)
    test %edi, %edi
    jz 1f
    vmlaunch
    jmp 2f
1:  vmresume
2:  pushfq
    pop %rax
    btr $63, %rax
    jmp 3f
vmx_exit_entry:
    mov %rax, guest_regs+0(%rip)
    mov %rbx, guest_regs+8(%rip)
    mov %rcx, guest_regs+16(%rip)
    mov %rdx, guest_regs+24(%rip)
    mov host_saved_rsp(%rip), %rsp
    mov $1, %eax
    shl $63, %rax
3:  pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

/* The guest: CPUID (exits unconditionally, SDM 25.1.2), then VMCALL with
 * a marker in RBX (VMCALL exits in non-root operation). */
guest_code:
    xor %eax, %eax
    xor %ecx, %ecx
guest_cpuid_insn:
    cpuid
    mov $0x1234, %ebx
guest_vmcall_insn:
    vmcall
    hlt
    jmp guest_code

    .data
    .balign 8
host_saved_rsp: .quad 0
guest_regs: .quad 0, 0, 0, 0
