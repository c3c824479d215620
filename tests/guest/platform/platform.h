/*
 * tests/guest/platform/platform.h: what the platform guest images share:
 * the xAPIC register page (SDM Vol.3 10.4.1 "The Local APIC Block
 * Diagram", Table 10-1 "Local APIC Register Address Map"), x2APIC MSRs
 * (10.12.1.2, Table 10-6), RDTSC, and bringing up the application
 * processors (smp.c, ap_boot.S).
 */
#ifndef PLATFORM_H
#define PLATFORM_H

#include <stdint.h>

#define LAPIC_BASE 0xfee00000ul
enum {
    APIC_ID = 0x20, APIC_VERSION = 0x30, APIC_TPR = 0x80, APIC_PPR = 0xa0,
    APIC_EOI = 0xb0, APIC_LDR = 0xd0, APIC_DFR = 0xe0, APIC_SVR = 0xf0,
    APIC_ISR = 0x100, APIC_IRR = 0x200, APIC_ESR = 0x280,
    APIC_ICR_LO = 0x300, APIC_ICR_HI = 0x310, APIC_LVT_TIMER = 0x320,
    APIC_LVT_ERROR = 0x370, APIC_TMICT = 0x380, APIC_TMCCT = 0x390,
    APIC_TDCR = 0x3e0,
};
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC(off) (0x800u + ((off) >> 4))

static inline uint32_t apic_rd(uint32_t off)
{
    return *(volatile uint32_t *)(LAPIC_BASE + off);
}

static inline void apic_wr(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(LAPIC_BASE + off) = v;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
/* STI; HLT: the STI shadow guarantees the halt begins before an interrupt
 * is taken (SDM Vol.3 6.8.3). */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void pause(void) { __asm__ volatile("pause" ::: "memory"); }

/* Start every AP (INIT and STARTUP broadcast to all excluding self):
 * each runs entry(its APIC ID) on its own stack, with the BSP's GDT, IDT
 * and page tables, interrupts disabled; returning halts it. */
void smp_start_aps(void (*entry)(unsigned apic_id));
/* The CPU count the test was told (-append cpus=N), 1 by default. */
unsigned platform_cpus(void);

#endif
