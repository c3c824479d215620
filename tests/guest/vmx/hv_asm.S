/*
 * tests/guest/vmx/hv_asm.S: the world switch of the test hypervisor
 * (hv.h) and the guest trampoline.
 *
 * uint64_t hv_run(int launch): saves the callee-saved registers and RSP,
 * loads the guest's general-purpose registers from hv_gpr[] and executes
 * VMLAUNCH (launch != 0) or VMRESUME. On VMfail the instruction falls
 * through with the host's RSP intact: hv_run returns RFLAGS, bit 63 clear.
 * After a VM exit the processor continues at hv_exit_entry (HOST_RIP) on
 * HOST_RSP (SDM Vol.3 27.5.3); the guest's registers go to hv_gpr[] and
 * hv_run returns with bit 63 set.
 */
    .text
    .globl hv_run, hv_exit_entry, hv_guest_entry, hv_gpr
hv_run:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, hv_host_saved_rsp(%rip)
    mov %edi, hv_launch_flag(%rip)
    mov hv_gpr+8(%rip), %rcx
    mov hv_gpr+16(%rip), %rdx
    mov hv_gpr+24(%rip), %rbx
    mov hv_gpr+40(%rip), %rbp
    mov hv_gpr+48(%rip), %rsi
    mov hv_gpr+56(%rip), %rdi
    mov hv_gpr+64(%rip), %r8
    mov hv_gpr+72(%rip), %r9
    mov hv_gpr+80(%rip), %r10
    mov hv_gpr+88(%rip), %r11
    mov hv_gpr+96(%rip), %r12
    mov hv_gpr+104(%rip), %r13
    mov hv_gpr+112(%rip), %r14
    mov hv_gpr+120(%rip), %r15
    cmpl $0, hv_launch_flag(%rip)
    mov hv_gpr+0(%rip), %rax
    jz 1f
    vmlaunch
    jmp 2f
1:  vmresume
2:  pushfq
    pop %rax
    btr $63, %rax
    mov hv_host_saved_rsp(%rip), %rsp
    jmp 3f
hv_exit_entry:
    mov %rax, hv_gpr+0(%rip)
    mov %rcx, hv_gpr+8(%rip)
    mov %rdx, hv_gpr+16(%rip)
    mov %rbx, hv_gpr+24(%rip)
    mov %rbp, hv_gpr+40(%rip)
    mov %rsi, hv_gpr+48(%rip)
    mov %rdi, hv_gpr+56(%rip)
    mov %r8, hv_gpr+64(%rip)
    mov %r9, hv_gpr+72(%rip)
    mov %r10, hv_gpr+80(%rip)
    mov %r11, hv_gpr+88(%rip)
    mov %r12, hv_gpr+96(%rip)
    mov %r13, hv_gpr+104(%rip)
    mov %r14, hv_gpr+112(%rip)
    mov %r15, hv_gpr+120(%rip)
    mov hv_host_saved_rsp(%rip), %rsp
    mov $1, %eax
    shl $63, %rax
3:  pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

/* The guest starts here with RDI = fn, RSI = arg and a 16-byte aligned
 * stack; it calls fn(arg) and then VMCALLs (exit reason 18) forever. */
hv_guest_entry:
    mov %rdi, %rax
    mov %rsi, %rdi
    call *%rax
4:  vmcall
    jmp 4b

    .data
    .balign 8
hv_host_saved_rsp: .quad 0
hv_launch_flag: .quad 0
hv_gpr: .fill 16, 8, 0
