/*
 * tests/guest/runtime/rt_layout.h: constants shared by the runtime's
 * assembly and C: GDT selectors, stack sizes, and the architectural bits
 * the boot stub sets (SDM Vol.3 2.5 "Control Registers", Vol.4 MSR
 * C000_0080H IA32_EFER).
 */
#ifndef RT_LAYOUT_H
#define RT_LAYOUT_H

#define SEL_CODE64   0x08
#define SEL_DATA     0x10
#define SEL_CODE32   0x18
#define SEL_UCODE32  0x20
#define SEL_UDATA    0x28
#define SEL_UCODE64  0x30
#define SEL_TSS      0x38
#define SEL_CODE16   0x48
#define SEL_DATA16   0x50
#define SEL_TEST0    0x58      /* first of GDT_TEST_SLOTS free entries */
#define GDT_TEST_SLOTS 8
#define GDT_ENTRIES  (11 + GDT_TEST_SLOTS)

#define RT_STACK_SIZE 32768    /* ring-0 stack of the test */
#define RT_EXC_STACK_SIZE 8192 /* RSP0 and each IST stack */

#define CR0_PE  0x00000001
#define CR0_MP  0x00000002
#define CR0_EM  0x00000004
#define CR0_TS  0x00000008
#define CR0_NE  0x00000020
#define CR0_WP  0x00010000
#define CR0_AM  0x00040000
#define CR0_PG  0x80000000
#define CR4_PSE 0x00000010
#define CR4_PAE 0x00000020
#define CR4_PGE 0x00000080
#define CR4_OSFXSR 0x00000200
#define CR4_OSXMMEXCPT 0x00000400
#define CR4_SMEP 0x00100000
#define CR4_SMAP 0x00200000
#define MSR_EFER 0xC0000080
#define EFER_SCE 0x00000001
#define EFER_LME 0x00000100
#define EFER_LMA 0x00000400
#define EFER_NXE 0x00000800

#endif
