/*
 * tests/guest/runtime/desc.c: the runtime's descriptor tables: GDT
 * helpers (SDM Vol.3 3.4.5 "Segment Descriptors"), the 64-bit TSS with
 * RSP0 and IST stacks (SDM Vol.3 8.7 "Task Management in 64-bit Mode")
 * and the 64-bit IDT (SDM Vol.3 6.14.1 "64-Bit Mode IDT").
 */
#include "rt.h"

typedef struct __attribute__((packed)) Tss64 {     /* SDM Figure 8-11 */
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];        /* IST1..IST7 at offset 24H */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} Tss64;

typedef struct __attribute__((packed)) IdtGate {
    uint16_t off0;
    uint16_t sel;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t off1;
    uint32_t off2;
    uint32_t reserved;
} IdtGate;

extern const uint64_t rt_isr_stubs[256];
extern const uint32_t rt_stub32_table[32];
extern uint64_t rt_idt32[32];

static Tss64 rt_tss __attribute__((aligned(16)));
static IdtGate rt_idt[256] __attribute__((aligned(16)));
static uint8_t rt_exc_stacks[8][RT_EXC_STACK_SIZE] __attribute__((aligned(16)));

uint64_t gdt_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (limit & 0xFFFFULL) | ((uint64_t)(base & 0xFFFFFF) << 16) |
           ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xF) << 48) |
           ((uint64_t)(flags & 0xF) << 52) | ((uint64_t)(base >> 24) << 56);
}

void gdt_set(uint16_t sel, uint64_t desc)
{
    rt_gdt[sel >> 3] = desc;
}

void *rt_idt_stub(int vec)
{
    return (void *)rt_isr_stubs[vec];
}

void idt_set(int vec, void *handler, uint16_t sel, int type, int dpl, int ist)
{
    uint64_t off = (uint64_t)(handler ? handler : rt_idt_stub(vec));
    IdtGate *g = &rt_idt[vec];
    g->off0 = (uint16_t)off;
    g->sel = sel;
    g->ist = (uint8_t)ist;
    g->type_attr = (uint8_t)(0x80 | (dpl << 5) | type);
    g->off1 = (uint16_t)(off >> 16);
    g->off2 = (uint32_t)(off >> 32);
    g->reserved = 0;
}

void tss_set_rsp0(uint64_t rsp) { rt_tss.rsp[0] = rsp; }
void tss_set_ist(int n, uint64_t rsp) { rt_tss.ist[n - 1] = rsp; }
uint64_t tss_ist_top(int n) { return (uint64_t)&rt_exc_stacks[n][RT_EXC_STACK_SIZE]; }

void rt_desc_init(void)
{
    /* 64-bit TSS descriptor, type 9 (available), 16 bytes (SDM Vol.3
     * 8.2.3 "TSS Descriptor in 64-bit mode"). */
    uint64_t base = (uint64_t)&rt_tss;
    rt_gdt[SEL_TSS >> 3] = gdt_desc((uint32_t)base, sizeof(Tss64) - 1, 0x89, 0);
    rt_gdt[(SEL_TSS >> 3) + 1] = base >> 32;
    rt_tss.rsp[0] = tss_ist_top(0);
    for (int i = 1; i < 8; i++)
        rt_tss.ist[i - 1] = tss_ist_top(i);
    rt_tss.iomap_base = sizeof(Tss64);   /* no I/O bitmap */
    __asm__ volatile("ltr %w0" :: "r"(SEL_TSS));

    for (int v = 0; v < 256; v++)
        idt_set(v, NULL, SEL_CODE64, 0xE, 0, 0);
    idt_set(RT_VEC_USER_EXIT, NULL, SEL_CODE64, 0xE, 3, 0);
    /* 32-bit interrupt gates for rt_call32 (SDM Vol.3 Figure 6-2) */
    for (int v = 0; v < 32; v++) {
        uint32_t off = rt_stub32_table[v];
        rt_idt32[v] = (off & 0xFFFF) | ((uint64_t)SEL_CODE32 << 16) | (0x8EULL << 40) |
                      ((uint64_t)(off >> 16) << 48);
    }
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {
        sizeof rt_idt - 1, (uint64_t)rt_idt };
    __asm__ volatile("lidt %0" :: "m"(idtr));
}
