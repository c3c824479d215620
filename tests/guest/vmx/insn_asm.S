/*
 * tests/guest/vmx/insn_asm.S: one-instruction routines for the VMX
 * instruction fault tests (test_insn.c): each executes a single VMX
 * instruction and returns. The 64-bit set runs at CPL 3 through run_user
 * (memory operands on the user stack); the .code32 set runs in
 * compatibility mode through rt_call_compat. SDM Vol.3 30.3: every VMX
 * instruction is #UD in compatibility mode and #GP(0) at CPL > 0.
 */
    .text
    .code64
#define U(name, ...) .globl u_##name; u_##name: __VA_ARGS__; ret
U(vmxon,    vmxon 8(%rsp))
U(vmxoff,   vmxoff)
U(vmclear,  vmclear 8(%rsp))
U(vmptrld,  vmptrld 8(%rsp))
U(vmptrst,  vmptrst 8(%rsp))
U(vmread,   vmread %rax, %rbx)
U(vmwrite,  vmwrite %rbx, %rax)
U(vmlaunch, vmlaunch)
U(vmresume, vmresume)
U(vmcall,   vmcall)
U(invept,   invept 8(%rsp), %rax)
U(invvpid,  invvpid 8(%rsp), %rax)
    .globl u_end
u_end:

    .code32
#define C(name, ...) .globl c32_##name; c32_##name: __VA_ARGS__; ret
C(vmxon,    vmxon 4(%esp))
C(vmxoff,   vmxoff)
C(vmclear,  vmclear 4(%esp))
C(vmptrld,  vmptrld 4(%esp))
C(vmptrst,  vmptrst 4(%esp))
C(vmread,   vmread %eax, %ebx)
C(vmwrite,  vmwrite %ebx, %eax)
C(vmlaunch, vmlaunch)
C(vmresume, vmresume)
C(vmcall,   vmcall)
C(invept,   invept 4(%esp), %eax)
C(invvpid,  invvpid 4(%esp), %eax)
    .code64
