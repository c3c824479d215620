/*
 * tests/guest/platform/test_pit_ioapic.c: the 8254 PIT's IRQ0 reaching
 * the CPU, first through the 8259A pair and the local APIC's LINT0 in
 * ExtINT mode (virtual wire), then through I/O APIC pin 2 (ISA IRQ0's
 * interrupt source override) as a fixed interrupt to APIC ID 0. Periods
 * are measured with the ACPI PM timer, which runs from the same crystal:
 * a PIT count of N is exactly 3N PM timer ticks (1.193182 MHz against
 * 3.579545 MHz), so the checks hold on any PC, not only on vmxsim.
 */
#include "rt.h"
#include "platform.h"
#include "chipset.h"

#define VEC_PIC 0x20          /* 8259A master base: IRQ0 */
#define VEC_IOAPIC 0x41
#define COUNT 1193            /* about 1 ms */
#define TICKS 5

static volatile unsigned pic_hits, ioapic_hits;
static volatile uint32_t stamp[TICKS + 1];

static void pic_hook(RtFrame *f)
{
    if (pic_hits <= TICKS)
        stamp[pic_hits] = pm_timer();
    pic_hits++;
    pic_eoi(0);
}

static void ioapic_hook(RtFrame *f)
{
    if (ioapic_hits <= TICKS)
        stamp[ioapic_hits] = pm_timer();
    ioapic_hits++;
    apic_wr(APIC_EOI, 0);
}

static void wait_for(volatile unsigned *hits, unsigned n)
{
    uint32_t t0 = pm_timer();
    while (*hits < n && pm_delta(t0, pm_timer()) < PM_TMR_HZ / 10)
        sti_hlt();
    cli();
}

/* Mode 2 with count N, LSB then MSB (8254 "Control Word Format"). */
static void pit_mode2(uint16_t n)
{
    outb(0x43, 0x34);
    outb(0x40, n & 0xff);
    outb(0x40, n >> 8);
}

static void pit_stop(void)
{
    outb(0x43, 0x30);                     /* mode 0, no count: OUT low */
}

static bool periods_ok(void)
{
    bool ok = true;
    for (int i = 1; i <= TICKS - 1; i++) {
        uint32_t d = pm_delta(stamp[i], stamp[i + 1]);
        rt_printf("# period %d: %u PM timer ticks\n", i, d);
        ok &= d >= 3 * COUNT - 40 && d <= 3 * COUNT + 40;
    }
    return ok;
}

static void through_8259(void)
{
    pic_hits = 0;
    pic_init(VEC_PIC, 0xfffe);            /* only IRQ0 */
    pit_mode2(COUNT);
    wait_for(&pic_hits, TICKS + 1);
    pit_stop();
    report(pic_hits == TICKS + 1, "8259A: PIT IRQ0 delivered as vector 20H (%u times)",
           pic_hits);
    report(periods_ok(), "8259A: one IRQ0 every %u PIT counts (%u PM timer ticks)",
           COUNT, 3 * COUNT);
    outb(0x21, 0xff);
}

static void through_ioapic(void)
{
    ioapic_hits = 0;
    pic_hits = 0;
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    uint32_t id = apic_rd(APIC_ID) >> 24;
    report((ioapic_rd(0x01) & 0xff00ff) == 0x170011,
           "I/O APIC: version 11H, 24 redirection entries (%08x)", ioapic_rd(0x01));
    report(ioapic_rd(0x14) & 0x10000, "I/O APIC: pin 2 masked after reset");
    ioapic_route(2, VEC_IOAPIC, (uint8_t)id);    /* fixed, physical, edge */
    pit_mode2(COUNT);
    wait_for(&ioapic_hits, TICKS + 1);
    pit_stop();
    report(ioapic_hits == TICKS + 1 && pic_hits == 0,
           "I/O APIC: PIT IRQ0 on pin 2 delivered as vector 41H (%u times, 8259A %u)",
           ioapic_hits, pic_hits);
    report(periods_ok(), "I/O APIC: one interrupt every %u PIT counts", COUNT);
    report(!(ioapic_rd(0x14) & 0x5000),
           "I/O APIC: edge entry has remote IRR and delivery status clear");

    /* Mode 0: one interrupt at terminal count, then none. */
    ioapic_hits = 0;
    outb(0x43, 0x30);
    uint32_t t0 = pm_timer();
    outb(0x40, 0x00);
    outb(0x40, 0x10);                     /* 1000H counts */
    wait_for(&ioapic_hits, 1);
    uint32_t t2 = pm_timer();
    sti();
    while (pm_delta(t2, pm_timer()) < 3 * 0x1000 * 2)
        pause();
    cli();
    report(ioapic_hits == 1, "PIT mode 0: exactly one interrupt at terminal count");
    uint32_t d = pm_delta(t0, stamp[0]);
    report(d >= 3 * 0x1000 - 40 && d <= 3 * 0x1000 + 40,
           "PIT mode 0: it came %u PM timer ticks after the count (expected %u)",
           d, 3 * 0x1000);
    ioapic_route(2, 0x10000 | VEC_IOAPIC, (uint8_t)id);

    /* A masked entry loses the edge. */
    ioapic_hits = 0;
    pit_mode2(COUNT);
    uint32_t t1 = pm_timer();
    while (pm_delta(t1, pm_timer()) < 3 * COUNT * 3)
        pause();
    pit_stop();
    sti();
    pause();
    cli();
    report(ioapic_hits == 0, "I/O APIC: a masked pin delivers nothing");
}

/* Counter latch: two latched reads a while apart count down. */
static void latch_counts_down(void)
{
    outb(0x43, 0x34);
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    outb(0x43, 0x00);
    uint16_t a = inb(0x40);
    a |= (uint16_t)(inb(0x40) << 8);
    uint32_t t = pm_timer();
    while (pm_delta(t, pm_timer()) < 300)
        pause();
    outb(0x43, 0x00);
    uint16_t b = inb(0x40);
    b |= (uint16_t)(inb(0x40) << 8);
    report(a > b && a - b >= 95 && a - b <= 110,
           "PIT counter latch: %u then %u, 100 counts per 300 PM timer ticks", a, b);
    pit_stop();
}

void test_main(void)
{
    exc_set_hook(VEC_PIC, pic_hook);
    exc_set_hook(VEC_IOAPIC, ioapic_hook);
    latch_counts_down();
    through_8259();
    through_ioapic();
}
