/*
 * tests/guest/platform/chipset.h: port and register helpers for the PC
 * chipset images (test_pit_ioapic.c, test_rtc.c, test_pci.c,
 * test_reset.c): the 8259A pair, the 8254 PIT, the CMOS RTC, the I/O
 * APIC at FEC00000H and the ACPI PM timer at 608H (vmxsim's pc.xml and
 * QEMU's pc both put it there).
 */
#ifndef CHIPSET_H
#define CHIPSET_H

#include <stdint.h>

#include "x86.h"

#define IOAPIC_BASE 0xfec00000ul
#define PM_TMR_PORT 0x608
#define PM_TMR_HZ 3579545u

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* 8259A pair: master vectors base..base+7, slave base+8.., slave on IR2;
 * then the masks (bit n = IRQ n). */
static inline void pic_init(uint8_t base, uint16_t mask)
{
    outb(0x20, 0x11); outb(0x21, base); outb(0x21, 0x04); outb(0x21, 0x01);
    outb(0xa0, 0x11); outb(0xa1, (uint8_t)(base + 8)); outb(0xa1, 0x02);
    outb(0xa1, 0x01);
    outb(0x21, (uint8_t)mask);
    outb(0xa1, (uint8_t)(mask >> 8));
}

static inline void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(0xa0, 0x20);
    outb(0x20, 0x20);
}

static inline void ioapic_wr(uint8_t reg, uint32_t v)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    *(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

static inline uint32_t ioapic_rd(uint8_t reg)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

/* Redirection entry for pin: low dword (vector, mode bits, mask) and the
 * destination APIC ID. */
static inline void ioapic_route(unsigned pin, uint32_t lo, uint8_t dest)
{
    ioapic_wr((uint8_t)(0x11 + 2 * pin), (uint32_t)dest << 24);
    ioapic_wr((uint8_t)(0x10 + 2 * pin), lo);
}

static inline uint32_t pm_timer(void)
{
    return inl(PM_TMR_PORT) & 0xffffff;
}

/* PM timer ticks from a to b (24-bit wrap). */
static inline uint32_t pm_delta(uint32_t a, uint32_t b)
{
    return (b - a) & 0xffffff;
}

static inline uint8_t cmos_rd(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static inline void cmos_wr(uint8_t reg, uint8_t v)
{
    outb(0x70, reg);
    outb(0x71, v);
}

/* Does the Multiboot command line contain word? */
static inline int cmdline_has(const char *line, const char *word)
{
    for (const char *p = line; *p; p++) {
        const char *a = p, *w = word;
        while (*w && *a == *w) {
            a++;
            w++;
        }
        if (!*w)
            return 1;
    }
    return 0;
}

#endif
