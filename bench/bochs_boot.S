/*
 * bench/bochs_boot.S: a floppy boot sector for the Bochs comparison. The
 * BIOS loads it at 7C00H in real mode; it enters 32-bit protected mode
 * (SDM Vol.3 10.9.1 "Switching to Protected Mode": LGDT, set CR0.PE, far
 * jump, load data segments), runs BENCH_LOOP (bench/loop_body.inc) the
 * number of times stored after the "NLOOP" marker (bench/bochs-compare.py
 * patches it), prints "checksum XXXXXXXX" on port E9H, and asks Bochs to
 * power off by writing "Shutdown" to port 8900H.
 */
#include "loop_body.inc"

    .text
    .code16
    .globl start
start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7c00, %sp
    lgdt gdtr
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmp $0x08, $pm32

    .code32
pm32:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov $0x90000, %esp
    mov nloop, %ebp
    mov $buf, %esi
    xor %ecx, %ecx
    BENCH_LOOP %esi

    mov $msg, %esi                          /* "checksum " */
2:  lodsb
    test %al, %al
    jz 3f
    outb %al, $0xe9
    jmp 2b
3:  mov $8, %edi                            /* ECX as 8 hex digits */
4:  rol $4, %ecx
    mov %ecx, %eax
    and $0xf, %eax
    movb hex(%eax), %al
    outb %al, $0xe9
    dec %edi
    jnz 4b
    mov $'\n', %al
    outb %al, $0xe9
    mov $shutdown, %esi
    mov $0x8900, %dx
5:  lodsb
    test %al, %al
    jz 6f
    outb %al, %dx
    jmp 5b
6:  cli
    hlt
    jmp 6b

    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff                /* 08: code32, 4 GiB */
    .quad 0x00cf92000000ffff                /* 10: data, 4 GiB */
gdtr:
    .word 3 * 8 - 1
    .long gdt
msg: .asciz "checksum "
hex: .ascii "0123456789abcdef"
shutdown: .asciz "Shutdown"
    .ascii "NLOOP"
nloop: .long 1000000
    .balign 4
buf: .long 1, 2, 3, 4, 5, 6, 7, 8
    .org 510
    .word 0xaa55
