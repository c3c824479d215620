/*
 * tests/guest/modes/low16.S: the round trip 32-bit protected mode ->
 * 16-bit protected mode -> real-address mode -> 32-bit protected mode.
 *
 * modes_low(arg) is called by rt_call32 (legacy protected mode, paging
 * off). The 16-bit code (modes_blob) runs from a copy at linear 2000H,
 * below 64 KiB; CS base is 0 in both 16-bit protected mode (selector 48H)
 * and real mode (CS = 0), so its offsets are 2000H + (label - blob).
 * Leaving protected mode follows SDM Vol.3 10.9.2 "Switching Back to
 * Real-Address Mode" (jump to a 16-bit segment with a 64 KiB limit, load
 * 16-bit data segments, clear CR0.PE, far jump, load real-mode IDTR).
 * Results go to the ModesResult block at 3800H (test_modes.c).
 */
#include "rt_layout.h"

#define BLOB 0x2000
#define RES 0x3800
#define RM(l) (BLOB + (l) - modes_blob)
#define R_PUSH16  0
#define R_PE16    2
#define R_CR0RM   4
#define R_SEGOK   8
#define R_INTFLAG 10
#define R_INTSP   12
#define R_DEIP    14
#define R_DECS    16
#define R_DECOUNT 18
#define R_ESP     20
#define R_IDTR    24
#define R_OPSIZE  32
#define R_BACKPE  36

    .text
    .code32
    .globl modes_low
modes_low:
    push %ebx
    push %esi
    push %edi
    push %ebp
    mov %esp, RES + R_ESP
    sidt RES + R_IDTR
    ljmp $SEL_CODE16, $RM(pm16)

    .globl modes_back32
modes_back32:
    mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov RES + R_ESP, %esp
    lidt RES + R_IDTR
    mov %cr0, %eax
    and $1, %eax
    mov %eax, RES + R_BACKPE
    xor %eax, %eax
    pop %ebp
    pop %edi
    pop %esi
    pop %ebx
    ret

    .data
    .globl modes_blob, modes_blob_end
    .code16
modes_blob:
pm16:                                       /* 16-bit protected mode */
    mov $SEL_DATA16, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x3ff0, %sp
    /* The default operand size is 16 bits: PUSH AX moves SP by 2. */
    mov %sp, %bx
    push %ax
    sub %sp, %bx
    pop %ax
    mov %bx, RES + R_PUSH16
    smsw %ax
    and $1, %ax
    mov %ax, RES + R_PE16
    /* to real mode */
    mov %cr0, %eax
    and $~CR0_PE, %eax
    mov %eax, %cr0
    ljmp $0, $RM(real)

real:
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x3ff0, %sp
    lidt RM(rm_idtr)
    mov %cr0, %eax
    mov %eax, RES + R_CR0RM
    /* Linear address = segment * 16 + offset (SDM Vol.3 21.1.1
     * "Address Translation in Real-Address Mode"): write through
     * ES = 0300H offset 10H, read back at DS = 0 offset 3010H. */
    mov $0x0300, %ax
    mov %ax, %es
    movw $0x5a5a, %es:0x10
    xor %ax, %ax
    mov %ax, %es
    cmpw $0x5a5a, 0x3010
    sete %al
    mov %ax, RES + R_SEGOK
    /* Operand-size prefix 66H gives 32-bit operands in real mode. */
    mov $0x12345678, %eax
    mov %eax, RES + R_OPSIZE
    /* INT n through the IVT at IDTR.base = 0: vector 50H's 4-byte entry
     * holds offset:segment; INT pushes FLAGS, CS, IP (SDM Vol.3 21.1.4
     * "Interrupt and Exception Handling"). */
    movw $RM(int50), 0x50 * 4
    movw $0, 0x50 * 4 + 2
    mov %sp, %si
    int $0x50
    cmp %sp, %si
    sete %al
    xor %ah, %ah
    mov %ax, RES + R_INTSP
    /* #DE in real mode is a fault: the IVT handler sees IP = the DIV. */
    movw $RM(de_handler), 0
    movw $0, 2
    xor %cx, %cx
    mov $1, %ax
    xor %dx, %dx
de_insn:
    div %cx
    /* back to protected mode */
    cli
    mov %cr0, %eax
    or $CR0_PE, %eax
    mov %eax, %cr0
    ljmpl $SEL_CODE32, $modes_back32

int50:
    movw $1, RES + R_INTFLAG
    iret

de_handler:                                 /* frame: IP, CS, FLAGS */
    mov %sp, %bp
    mov (%bp), %ax
    mov %ax, RES + R_DEIP
    mov 2(%bp), %ax
    mov %ax, RES + R_DECS
    incw RES + R_DECOUNT
    addw $2, (%bp)                          /* skip DIV CX (F7 F1) */
    iret

rm_idtr:
    .word 0x3ff
    .long 0
    .globl modes_de_off
    .set modes_de_off, RM(de_insn)
modes_blob_end:
    .code32
