/*
 * cpu/tests/sys_gdt.h: descriptor tables for the segmentation, delivery and
 * far-transfer tests (test_seg.c, test_deliver.c, test_far.c): a GDT with
 * code, data, system descriptors and gates at every privilege level, an IDT
 * and a TSS, on top of the fixture (cpu/tests/fixture.h).
 *
 * Descriptor layouts: SDM Vol.3 3.4.5 "Segment Descriptors", 5.8.3 "Call
 * Gates", 6.11 "IDT Descriptors", 6.14.1 "64-Bit Mode IDT", 8.2.1 "Task-State
 * Segment (TSS)", 8.7 "Task Management in 64-bit Mode".
 */
#ifndef CPU_TESTS_SYS_GDT_H
#define CPU_TESTS_SYS_GDT_H

#include "cpu/seg.h"
#include "cpu/tests/fixture.h"

#define SG_GDT    (FX_DATA + 0x10000u)
#define SG_IDT    (FX_DATA + 0x11000u)
#define SG_TSS    (FX_DATA + 0x12000u)
#define SG_LDT    (FX_DATA + 0x13000u)
#define SG_STACK0 (FX_DATA + 0x20000u)   /* ring-0 stack top (TSS) */
#define SG_STACK1 (FX_DATA + 0x24000u)   /* ring-1 stack top (TSS) */
#define SG_IST1   (FX_DATA + 0x28000u)   /* IST1 top (64-bit TSS) */
#define SG_STACK3 (FX_DATA + 0x30000u)   /* user stack top */
#define SG_HANDLER 0x5000u               /* handler entry points */

enum {
    SEL_CODE32 = 0x08, SEL_DATA32 = 0x10, SEL_CODE64 = 0x18,
    SEL_CODE32_3 = 0x20, SEL_DATA32_3 = 0x28, SEL_CODE64_3 = 0x30,
    SEL_DATA_NA = 0x38,        /* data, DPL 0, accessed bit clear */
    SEL_CODE_XO = 0x40,        /* execute-only code, DPL 0 */
    SEL_CODE_CONF = 0x48,      /* readable conforming code, DPL 0 */
    SEL_DATA_NP = 0x50,        /* data, not present */
    SEL_DATA_RO = 0x58,        /* read-only data */
    SEL_TSS32 = 0x60,
    SEL_LDT = 0x68,
    SEL_TSS64 = 0x70,          /* 16 bytes: 0x70 and 0x78 */
    SEL_GATE32 = 0x80,         /* 32-bit call gate, DPL 3 -> 0x08:SG_HANDLER, 2 params */
    SEL_GATE64 = 0x88,         /* 64-bit call gate, DPL 3 -> 0x18:SG_HANDLER (16 bytes) */
    SEL_CODE16 = 0x98,
    SEL_DATA1 = 0xa0,          /* data, DPL 1 */
    SEL_CODE32_1 = 0xa8,       /* code, DPL 1 */
    SEL_GDT_END = 0xb0,
};

/* A code or data descriptor: access byte (P, DPL, S, type) and the flags
 * nibble (G, D/B, L, AVL). */
static inline uint64_t sg_desc(uint32_t base, uint32_t limit, unsigned access,
                               unsigned flags)
{
    return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
           ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
           ((uint64_t)flags << 52) | ((uint64_t)(base >> 24) << 56);
}

/* A gate: selector, offset, type, DPL, parameter count or IST. */
static inline uint64_t sg_gate_lo(uint16_t sel, uint64_t off, unsigned type,
                                  unsigned dpl, unsigned count)
{
    return (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)count << 32) |
           ((uint64_t)(0x80 | (dpl << 5) | type) << 40) |
           (((off >> 16) & 0xffff) << 48);
}

static inline void sg_write_gdt(Fixture *fx, uint16_t sel, uint64_t v)
{
    fixture_write_phys(fx, SG_GDT + (sel & 0xfff8u), 8, v);
}

/* Build the GDT and a 32-bit TSS; point GDTR and TR at them. */
static inline void sg_setup(Fixture *fx)
{
    Cpu *cpu = &fx->cpu;
    sg_write_gdt(fx, 0, 0);
    sg_write_gdt(fx, SEL_CODE32, sg_desc(0, 0xfffff, 0x9b, 0xc));
    sg_write_gdt(fx, SEL_DATA32, sg_desc(0, 0xfffff, 0x93, 0xc));
    sg_write_gdt(fx, SEL_CODE64, sg_desc(0, 0xfffff, 0x9b, 0xa));
    sg_write_gdt(fx, SEL_CODE32_3, sg_desc(0, 0xfffff, 0xfb, 0xc));
    sg_write_gdt(fx, SEL_DATA32_3, sg_desc(0, 0xfffff, 0xf3, 0xc));
    sg_write_gdt(fx, SEL_CODE64_3, sg_desc(0, 0xfffff, 0xfb, 0xa));
    sg_write_gdt(fx, SEL_DATA_NA, sg_desc(0x12345000, 0xffff, 0x92, 0x4));
    sg_write_gdt(fx, SEL_CODE_XO, sg_desc(0, 0xfffff, 0x99, 0xc));
    sg_write_gdt(fx, SEL_CODE_CONF, sg_desc(0, 0xfffff, 0x9f, 0xc));
    sg_write_gdt(fx, SEL_DATA_NP, sg_desc(0, 0xfffff, 0x13, 0xc));
    sg_write_gdt(fx, SEL_DATA_RO, sg_desc(0, 0xfffff, 0x91, 0xc));
    sg_write_gdt(fx, SEL_TSS32, sg_desc(SG_TSS, 0x67, 0x8b, 0));
    sg_write_gdt(fx, SEL_LDT, sg_desc(SG_LDT, 0xf, 0x82, 0));
    sg_write_gdt(fx, SEL_TSS64, sg_desc(SG_TSS, 0x67, 0x8b, 0));
    sg_write_gdt(fx, SEL_TSS64 + 8, 0);
    sg_write_gdt(fx, SEL_GATE32, sg_gate_lo(SEL_CODE32, SG_HANDLER, DESC_CALL32, 3, 2));
    sg_write_gdt(fx, SEL_GATE64, sg_gate_lo(SEL_CODE64, SG_HANDLER, DESC_CALL32, 3, 0));
    sg_write_gdt(fx, SEL_GATE64 + 8, 0);
    sg_write_gdt(fx, SEL_CODE16, sg_desc(0, 0xffff, 0x9b, 0));
    sg_write_gdt(fx, SEL_DATA1, sg_desc(0, 0xfffff, 0xb3, 0xc));
    sg_write_gdt(fx, SEL_CODE32_1, sg_desc(0, 0xfffff, 0xbb, 0xc));
    cpu->gdtr = (DescTable){ SG_GDT, SEL_GDT_END - 1 };
    cpu->idtr = (DescTable){ SG_IDT, 0xfff };

    /* 32-bit TSS: ESP0/SS0, ESP1/SS1 (SDM Vol.3 Figure "32-Bit Task-State
     * Segment"). The 64-bit TSS reuses the area: RSP0 at 4, IST1 at 24H. */
    cpu->seg[SEG_TR] = (SegReg){ .base = SG_TSS, .limit = 0x67,
                                 .ar = 0xbu | AR_P, .sel = SEL_TSS32 };
    fixture_write_phys(fx, SG_TSS + 4, 4, SG_STACK0);
    fixture_write_phys(fx, SG_TSS + 8, 2, SEL_DATA32);
    fixture_write_phys(fx, SG_TSS + 12, 4, SG_STACK1);
    fixture_write_phys(fx, SG_TSS + 16, 2, SEL_DATA1 | 1);
}

/* The 64-bit TSS: RSP0 and IST1 (overwrites the 32-bit fields). */
static inline void sg_setup_tss64(Fixture *fx)
{
    fixture_write_phys(fx, SG_TSS + 4, 8, SG_STACK0);
    fixture_write_phys(fx, SG_TSS + 0x24, 8, SG_IST1);
    fx->cpu.seg[SEG_TR].sel = SEL_TSS64;
}

/* Load a segment register's cache from the GDT without checks. */
static inline void sg_load(Fixture *fx, unsigned seg, uint16_t sel)
{
    SegDesc d = { fixture_read_phys(fx, SG_GDT + (sel & 0xfff8u), 8), 0 };
    fx->cpu.seg[seg] = seg_desc_to_cache(&d, sel, false);
    cpu_update_mode(&fx->cpu);
}

/* A protected-mode or IA-32e IDT gate. */
static inline void sg_idt_gate(Fixture *fx, unsigned vector, uint16_t sel,
                               uint64_t off, unsigned type, unsigned dpl,
                               unsigned ist, bool wide)
{
    uint64_t lo = sg_gate_lo(sel, off, type, dpl, ist);
    if (wide) {
        fixture_write_phys(fx, SG_IDT + 16 * vector, 8, lo);
        fixture_write_phys(fx, SG_IDT + 16 * vector + 8, 8, off >> 32);
    } else {
        fixture_write_phys(fx, SG_IDT + 8 * vector, 8, lo);
    }
}

/* Every exception vector 0..31 to its own entry point SG_HANDLER + 16 *
 * vector through a DPL-0 interrupt gate (32-bit or 64-bit). */
static inline void sg_idt_all(Fixture *fx, bool wide)
{
    for (unsigned v = 0; v < 32; v++)
        sg_idt_gate(fx, v, wide ? SEL_CODE64 : SEL_CODE32, SG_HANDLER + 16 * v,
                    DESC_INT32, 0, 0, wide);
}

static inline uint64_t sg_handler(unsigned vector)
{
    return SG_HANDLER + 16 * vector;
}

#endif
