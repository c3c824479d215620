/*
 * bench/vmx_exit_loop.S: the VM-exit round-trip benchmark's world.
 *
 * uint64_t vmx_exit_loop(uint64_t n): with a current VMCS whose guest RIP is
 * vmx_exit_guest, sets HOST_RSP/HOST_RIP to this stack and handler, then
 * VMLAUNCH. The guest loops on CPUID, which exits unconditionally (SDM
 * Vol.3 25.1.2). The minimal handler reads the exit reason and the
 * instruction length, advances guest RIP by the length and executes
 * VMRESUME, n times in all (10 host and 3 guest instructions per round
 * trip). Returns 0 when n round trips completed, otherwise the exit reason
 * that was not CPUID, or ~0 (bit 63) with RFLAGS if VMLAUNCH/VMRESUME
 * failed. The counter lives in R12, which neither CPUID nor a VM exit
 * changes (SDM Vol.3 27.5: no GPR is loaded on a VM exit).
 */
    .text
    .globl vmx_exit_loop, vmx_exit_guest
vmx_exit_loop:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rdi, %r12
    mov $0x6c14, %eax          /* HOST_RSP */
    vmwrite %rsp, %rax
    mov $0x6c16, %eax          /* HOST_RIP */
    lea handler(%rip), %rbx
    vmwrite %rbx, %rax
    mov $0x681e, %r13d         /* GUEST_RIP */
    mov $0x440c, %r14d         /* VM-exit instruction length */
    mov $0x4402, %r15d         /* exit reason */
    vmlaunch
    jmp failed

handler:
    vmread %r15, %rax
    cmp $10, %eax
    jne out
    vmread %r14, %rbx
    vmread %r13, %rcx
    add %rbx, %rcx
    vmwrite %rcx, %r13
    dec %r12
    jz done
    vmresume
failed:
    pushfq
    pop %rax
    bts $63, %rax
    jmp out
done:
    xor %eax, %eax
out:
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

vmx_exit_guest:
    xor %eax, %eax
    cpuid
    jmp vmx_exit_guest
