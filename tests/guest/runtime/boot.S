/*
 * tests/guest/runtime/boot.S: Multiboot 1 entry of every guest image and
 * the switch from 32-bit protected mode to 64-bit mode.
 *
 * The loader enters rt_start32 in 32-bit protected mode with paging off,
 * EAX = 0x2BADB002 and EBX = the Multiboot information (Multiboot
 * Specification 0.6.96 section 3.2 "Machine state"). The stub loads the
 * runtime GDT, identity-maps the first 4 GiB with 2 MiB pages, enables
 * IA-32e mode in the order SDM Vol.3 10.8.5 "Initializing IA-32e Mode"
 * gives (CR4.PAE, CR3, IA32_EFER.LME, CR0.PG), far-jumps into the 64-bit
 * code segment and calls rt_main(magic, info).
 */
#include "rt_layout.h"

/* Multiboot header, a.out kludge (flag bit 16: use the address fields),
 * so that loaders which refuse ELF64 (QEMU) load the image as well.
 * Multiboot Specification 0.6.96 section 3.1.1 "The layout of Multiboot
 * header". */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS ((1 << 1) | (1 << 16))     /* memory info, address fields */

    .section .multiboot, "a"
    .balign 4
rt_multiboot_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long rt_multiboot_header               /* header_addr */
    .long rt_image_start                    /* load_addr */
    .long rt_data_end                       /* load_end_addr */
    .long rt_bss_end                        /* bss_end_addr */
    .long rt_start32                        /* entry_addr */

    .section .text.boot, "ax"
    .code32
    .globl rt_start32
rt_start32:
    cli
    cld
    mov %eax, %esi                          /* Multiboot magic */
    mov %ebx, %edi                          /* Multiboot information */
    lgdt rt_gdtr32
    ljmp $SEL_CODE32, $1f
1:  mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs

    /* Zero the BSS ourselves: the page tables and stacks live there. */
    mov %edi, %ebp
    mov $rt_data_end, %edi
    mov $rt_bss_end, %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl
    mov %ebp, %edi

    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages.
     * Non-leaf entries carry P, R/W and U/S so that a test can grant user
     * access by setting U/S in one leaf (SDM Vol.3 5.11.3 "Determination
     * of Access Rights": the access rights are the AND over all levels). */
    mov $rt_pml4, %ebx
    lea (rt_pdpt + 7), %eax
    mov %eax, (%ebx)
    mov $rt_pdpt, %ebx
    mov $rt_pd, %eax
    or $7, %eax
    xor %ecx, %ecx
2:  mov %eax, (%ebx, %ecx, 8)
    add $4096, %eax
    inc %ecx
    cmp $4, %ecx
    jne 2b
    /* 2048 PDEs: P | R/W | PS, address i * 2 MiB; bits 32+ of the
     * address go into the high dword. */
    mov $rt_pd, %ebx
    xor %ecx, %ecx
3:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, (%ebx, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax
    mov %eax, 4(%ebx, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 3b

    /* SDM Vol.3 10.8.5: PAE first, then CR3, then LME, then paging.
     * OSFXSR/OSXMMEXCPT let compiled C use SSE (SDM Vol.3 14.1.3). */
    mov %cr4, %eax
    or $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    mov %eax, %cr4
    mov $rt_pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    and $~(CR0_EM | CR0_TS), %eax
    or $(CR0_PE | CR0_MP | CR0_NE | CR0_PG), %eax
    mov %eax, %cr0
    ljmp $SEL_CODE64, $rt_start64

    .code64
rt_start64:
    mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    lea rt_stack_top(%rip), %rsp
    xor %ebp, %ebp
    /* rt_main(uint32_t magic, uint32_t info): esi, edi hold magic, info */
    mov %esi, %eax
    mov %edi, %esi
    mov %eax, %edi
    call rt_main
4:  hlt
    jmp 4b

/* GDT shared by the boot stub and the tests. Selectors in rt_layout.h;
 * the TSS descriptor is filled in by rt_desc_init(). Descriptor format:
 * SDM Vol.3 3.4.5 "Segment Descriptors". */
    .data
    .balign 16
    .globl rt_gdt
rt_gdt:
    .quad 0                                 /* 0x00 null */
    .quad 0x00af9b000000ffff                /* 0x08 code64, DPL 0 */
    .quad 0x00cf93000000ffff                /* 0x10 data, 4 GiB, DPL 0 */
    .quad 0x00cf9b000000ffff                /* 0x18 code32, 4 GiB, DPL 0 */
    .quad 0x00cffb000000ffff                /* 0x20 code32, DPL 3 */
    .quad 0x00cff3000000ffff                /* 0x28 data, DPL 3 */
    .quad 0x00affb000000ffff                /* 0x30 code64, DPL 3 */
    .quad 0, 0                              /* 0x38 TSS (16 bytes) */
    .quad 0x00009b000000ffff                /* 0x48 code16, 64 KiB */
    .quad 0x000093000000ffff                /* 0x50 data16, 64 KiB */
    .fill GDT_TEST_SLOTS, 8, 0              /* 0x58.. free for tests */
rt_gdt_end:

    .globl rt_gdtr
rt_gdtr:
    .word rt_gdt_end - rt_gdt - 1
    .quad rt_gdt
rt_gdtr32:
    .word rt_gdt_end - rt_gdt - 1
    .long rt_gdt

    .bss
    .balign 4096
    .globl rt_pml4, rt_pdpt, rt_pd
rt_pml4:
    .skip 4096
rt_pdpt:
    .skip 4096
rt_pd:
    .skip 4 * 4096
    .balign 16
    .globl rt_stack_top
    .skip RT_STACK_SIZE
rt_stack_top:
