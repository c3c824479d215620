/*
 * tests/guest/vmx/exits_asm.S: 32-bit guest code for test_exits.c. The
 * guest runs in 32-bit protected mode with PAE paging and executes a far
 * JMP to the available TSS descriptor test_exits.c puts in the runtime's
 * first free GDT slot (SEL_TEST0): task switches cause VM exits
 * unconditionally (SDM Vol.3 25.1.2, 25.4.2).
 */
#include "rt_layout.h"
    .text
    .code32
    .globl g32_task_jmp
g32_task_jmp:
    ljmp $SEL_TEST0, $0
1:  hlt
    jmp 1b
    .code64
