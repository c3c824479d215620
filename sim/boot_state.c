/*
 * sim/boot_state.c: the boot GDT and the register state a kernel starts in.
 *
 * BOOT_PROT32 is the Multiboot 1 machine state (Multiboot Specification
 * 0.6.96, 3.2 "Machine state"): EAX = 0x2BADB002; EBX = physical address
 * of the multiboot information; CS a 32-bit read/execute code segment with
 * offset 0 and limit 0xFFFFFFFF; DS, ES, FS, GS, SS 32-bit read/write data
 * segments, offset 0, limit 0xFFFFFFFF; A20 enabled (vmxsim has no A20
 * gate); CR0.PG = 0, CR0.PE = 1; EFLAGS.VM = 0, EFLAGS.IF = 0; ESP and the
 * other registers undefined -- vmxsim leaves them 0. The specification
 * says GDTR may be invalid; vmxsim loads a valid one anyway (selectors 08H
 * code, 10H data, as GRUB uses), which the kernel may replace.
 *
 * BOOT_LONG64 (plain ELF64, vmxsim's own convention, documented in the
 * README): IA-32e mode with 4-level paging (SDM Vol.3 10.8.5
 * "Initializing IA-32e Mode"): CR0 = PE|ET|PG, CR4 = PAE, EFER = LME|LMA,
 * CR3 = identity map of the first 4 GiB with 2-MByte pages (R/W,
 * supervisor), CS = 18H (64-bit code), DS/ES/FS/GS/SS = 10H, IF = 0,
 * RIP = entry, RSP = top of a 16 KiB stack in the boot area,
 * RDI = 0x2BADB002 and RSI = multiboot information address (the
 * arguments of the Multiboot specification's example cmain(magic, addr)),
 * also in RAX and RBX.
 *
 * Descriptors follow SDM Vol.3 3.4.5 "Segment Descriptors"; the hidden
 * parts are loaded as a far jump / MOV to the segment register would.
 */
#include "sim/loader.h"

#include <string.h>

/* Flat descriptors: base 0, limit FFFFFH, G = 1, P = 1, DPL 0. */
#define GDT_CODE32 0x00cf9b000000ffffull  /* D = 1, type 1011b */
#define GDT_DATA   0x00cf93000000ffffull  /* B = 1, type 0011b */
#define GDT_CODE64 0x00af9b000000ffffull  /* L = 1, D = 0, type 1011b */
#define SEL_CODE32 0x08
#define SEL_DATA   0x10
#define SEL_CODE64 0x18
#define BOOT_GDT_LIMIT 31

void boot_gdt_build(uint8_t *gdt)
{
    static const uint64_t entries[4] = { 0, GDT_CODE32, GDT_DATA, GDT_CODE64 };
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 8; b++)
            gdt[i * 8 + b] = (uint8_t)(entries[i] >> (8 * b));
}

static void load_flat(SegReg *s, uint16_t sel, uint32_t ar)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->ar = ar;
}

void loader_enter(const BootPlan *plan, Cpu *cpu)
{
    const uint32_t ar_code32 = 0xb | AR_S | AR_P | AR_DB | AR_G;
    const uint32_t ar_code64 = 0xb | AR_S | AR_P | AR_L | AR_G;
    const uint32_t ar_data = 0x3 | AR_S | AR_P | AR_DB | AR_G;

    memset(cpu->gpr, 0, sizeof(cpu->gpr));
    cpu->gdtr.base = plan->gdt_addr;
    cpu->gdtr.limit = BOOT_GDT_LIMIT;
    cpu->rflags = RFLAGS_FIXED1;
    static const int data_segs[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS };
    for (size_t i = 0; i < G_N_ELEMENTS(data_segs); i++)
        load_flat(&cpu->seg[data_segs[i]], SEL_DATA, ar_data);

    if (plan->kind == BOOT_PROT32) {
        load_flat(&cpu->seg[SEG_CS], SEL_CODE32, ar_code32);
        cpu_set_cr0(cpu, CR0_PE | CR0_ET);
        cpu->gpr[R_RAX] = MULTIBOOT_BOOTLOADER_MAGIC;
        cpu->gpr[R_RBX] = plan->info_addr;
    } else {
        load_flat(&cpu->seg[SEG_CS], SEL_CODE64, ar_code64);
        cpu_set_cr4(cpu, CR4_PAE);
        cpu_set_cr3(cpu, plan->cr3);
        cpu_set_efer(cpu, EFER_LME);
        /* SDM Vol.3 10.8.5: setting CR0.PG with EFER.LME = 1 activates
         * IA-32e mode; cpu_set_cr0 sets EFER.LMA accordingly. */
        cpu_set_cr0(cpu, CR0_PE | CR0_ET | CR0_PG);
        /* A busy 64-bit TSS type, as IA-32e mode requires of TR (the
         * kernel loads its own with LTR). */
        cpu->seg[SEG_TR].ar = (cpu->seg[SEG_TR].ar & ~AR_TYPE_MASK) | 0xb;
        cpu->gpr[R_RAX] = MULTIBOOT_BOOTLOADER_MAGIC;
        cpu->gpr[R_RBX] = plan->info_addr;
        cpu->gpr[R_RDI] = MULTIBOOT_BOOTLOADER_MAGIC;
        cpu->gpr[R_RSI] = plan->info_addr;
        cpu->gpr[R_RSP] = plan->stack_top;
    }
    cpu->rip = plan->entry;
    cpu->next_rip = plan->entry;
    cpu->activity = CPU_ACTIVE;
    cpu_update_mode(cpu);
}
