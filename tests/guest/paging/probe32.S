/*
 * tests/guest/paging/probe32.S: uint32_t paging_probe32(Probe32 *p), run
 * by rt_call32 in legacy protected mode: loads p->cr4 and p->cr3, sets
 * CR0.PG (with p->cr0_set, e.g. WP), performs the listed reads and writes
 * and records, for each, the value read or the exception (vector, error
 * code, CR2) that the runtime's 32-bit IDT saw; then turns paging off.
 * Enabling paging this way follows SDM Vol.3 10.9.1 "Switching to
 * Protected Mode" / 4.1.2 "Paging-Mode Enabling".
 */
#define P_CR3 0
#define P_CR4 4
#define P_CR0 8
#define P_N   12
#define P_OPS 16
#define OP_ADDR 0
#define OP_WRITE 4
#define OP_WVAL 8
#define OP_RESULT 12
#define OP_VEC 16
#define OP_ERR 20
#define OP_CR2 24
#define OP_SIZE 28

    .text
    .code32
    .globl paging_probe32
paging_probe32:
    push %ebx
    push %esi
    push %edi
    push %ebp
    mov 20(%esp), %esi
    mov P_CR4(%esi), %eax
    mov %eax, %cr4
    mov P_CR3(%esi), %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or P_CR0(%esi), %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    mov P_N(%esi), %ecx
    lea P_OPS(%esi), %edi
1:  test %ecx, %ecx
    jz 4f
    movl $-1, rt_exc32
    movl $3f, rt_exc32 + 16
    mov OP_ADDR(%edi), %ebx
    cmpl $0, OP_WRITE(%edi)
    jne 2f
    mov (%ebx), %eax
    mov %eax, OP_RESULT(%edi)
    jmp 3f
2:  mov OP_WVAL(%edi), %eax
    mov %eax, (%ebx)
3:  movl $0, rt_exc32 + 16
    mov rt_exc32, %eax
    mov %eax, OP_VEC(%edi)
    mov rt_exc32 + 4, %eax
    mov %eax, OP_ERR(%edi)
    mov rt_exc32 + 12, %eax
    mov %eax, OP_CR2(%edi)
    add $OP_SIZE, %edi
    dec %ecx
    jmp 1b
4:  mov %cr0, %eax
    and $0x7fffffff, %eax
    mov %eax, %cr0
    mov P_CR0(%esi), %ebx
    not %ebx
    and %ebx, %eax
    mov %eax, %cr0
    xor %eax, %eax
    pop %ebp
    pop %edi
    pop %esi
    pop %ebx
    ret
