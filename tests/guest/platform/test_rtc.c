/*
 * tests/guest/platform/test_rtc.c: the CMOS RTC (MC146818A data sheet)
 * as a guest sees it on vmxsim's pc machine: the time starts at the
 * configured date (pc.xml: 2000-01-01T00:00:00) and follows simulated
 * time, so every run reads the same values; update-ended and periodic
 * interrupts arrive on IRQ8 through the 8259A pair and through I/O APIC
 * pin 8, timed against the ACPI PM timer; SET and the binary/12-hour
 * formats; NVRAM. The date checks are vmxsim's (real hardware has a real
 * date); the rest holds on any PC.
 */
#include "rt.h"
#include "platform.h"
#include "chipset.h"

#define VEC_PIC 0x20           /* IRQ8 is vector 28H with this base */
#define VEC_IRQ8_PIC (VEC_PIC + 8)
#define VEC_IRQ8_IOAPIC 0x48

static volatile unsigned hits;
static volatile uint8_t reg_c[16];
static volatile uint32_t stamp[16];

static void irq8_hook(RtFrame *f)
{
    uint8_t c = cmos_rd(0x0c);            /* acknowledges: IRQ8 falls */
    if (hits < 16) {
        reg_c[hits] = c;
        stamp[hits] = pm_timer();
    }
    hits++;
    if (f->vector == VEC_IRQ8_PIC)
        pic_eoi(8);
    else
        apic_wr(APIC_EOI, 0);
}

static void wait_hits(unsigned n, uint32_t max_ticks)
{
    uint32_t t0 = pm_timer();
    while (hits < n && pm_delta(t0, pm_timer()) < max_ticks)
        sti_hlt();
    cli();
}

static void power_on_date(void)
{
    report(cmos_rd(0x0b) == 0x02, "register B: 24-hour BCD as firmware leaves it (%02x)",
           cmos_rd(0x0b));
    uint8_t s = cmos_rd(0x00), mi = cmos_rd(0x02), h = cmos_rd(0x04);
    uint8_t wd = cmos_rd(0x06), d = cmos_rd(0x07), mo = cmos_rd(0x08);
    uint8_t y = cmos_rd(0x09), c = cmos_rd(0x32);
    rt_printf("# RTC: %02x%02x-%02x-%02x %02x:%02x:%02x weekday %u\n", c, y, mo, d, h,
              mi, s, wd);
    report(c == 0x20 && y == 0x00 && mo == 0x01 && d == 0x01,
           "date is the configured 2000-01-01");
    report(h == 0 && mi == 0 && s == 0, "time is 00:00:00 this early after power-on");
    report(wd == 7, "2000-01-01 is a Saturday (day 7)");
    report(cmos_rd(0x0d) == 0x80, "register D: valid RAM and time");
    report((cmos_rd(0x0a) & 0x7f) == 0x26, "register A: 32.768 kHz divider, 1024 Hz rate");
}

/* Update-ended interrupt through the 8259A: one per second, the seconds
 * byte advanced, one second of PM timer apart. */
static void update_interrupts_8259(void)
{
    hits = 0;
    pic_init(VEC_PIC, (uint16_t)~((1u << 8) | (1u << 2)));
    cmos_rd(0x0c);
    cmos_wr(0x0b, 0x12);                  /* UIE, 24-hour, BCD */
    wait_hits(2, PM_TMR_HZ * 3);
    cmos_wr(0x0b, 0x02);
    report(hits == 2, "UIE: update-ended interrupts on IRQ8 through the 8259A (%u)", hits);
    report((reg_c[0] & 0x90) == 0x90 && (reg_c[1] & 0x90) == 0x90,
           "register C: IRQF and UF set (%02x %02x)", reg_c[0], reg_c[1]);
    uint32_t d = pm_delta(stamp[0], stamp[1]);
    report(d >= PM_TMR_HZ - 100 && d <= PM_TMR_HZ + 100,
           "updates one second apart (%u PM timer ticks)", d);
    report(cmos_rd(0x00) == 0x02, "seconds byte reads 02 after the second update");
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

/* Periodic interrupt at 1024 Hz (RS = 0110) through I/O APIC pin 8. */
static void periodic_ioapic(void)
{
    hits = 0;
    uint32_t id = apic_rd(APIC_ID) >> 24;
    ioapic_route(8, VEC_IRQ8_IOAPIC, (uint8_t)id);
    cmos_rd(0x0c);
    cmos_wr(0x0b, 0x42);                  /* PIE */
    wait_hits(9, PM_TMR_HZ);
    cmos_wr(0x0b, 0x02);
    ioapic_route(8, 0x10000 | VEC_IRQ8_IOAPIC, (uint8_t)id);
    report(hits == 9, "PIE: periodic interrupts through I/O APIC pin 8 (%u)", hits);
    bool ok = true;
    for (int i = 1; i < 8; i++) {
        uint32_t d = pm_delta(stamp[i], stamp[i + 1]);
        ok &= d >= PM_TMR_HZ / 1024 - 20 && d <= PM_TMR_HZ / 1024 + 20;
    }
    report(ok, "periodic rate 1024 Hz (%u PM timer ticks apart)",
           pm_delta(stamp[1], stamp[2]));
    report((reg_c[3] & 0xc0) == 0xc0, "register C: IRQF and PF set (%02x)", reg_c[3]);
}

/* SET stops updates; the written time runs once SET is cleared; DM = 1
 * gives binary, 24/12 = 0 the 12-hour form with bit 7 for PM. */
static void set_and_formats(void)
{
    cmos_wr(0x0b, 0x82);
    cmos_wr(0x00, 0x07);
    cmos_wr(0x02, 0x14);
    cmos_wr(0x04, 0x15);
    cmos_wr(0x07, 0x19);
    cmos_wr(0x08, 0x01);
    cmos_wr(0x09, 0x38);
    cmos_wr(0x32, 0x20);
    cmos_wr(0x0b, 0x02);
    report(cmos_rd(0x04) == 0x15 && cmos_rd(0x02) == 0x14 && cmos_rd(0x09) == 0x38,
           "SET: the written time 2038-01-19 15:14:07 runs");
    cmos_wr(0x0b, 0x04);                  /* binary, 12-hour */
    report(cmos_rd(0x04) == (0x80 | 3) && cmos_rd(0x02) == 14 && cmos_rd(0x09) == 38,
           "binary 12-hour: 3 PM reads 83H, minutes 14");
    cmos_wr(0x0b, 0x02);
    report(cmos_rd(0x04) == 0x15, "back to BCD 24-hour: hours 15");
}

static void nvram(void)
{
    for (unsigned i = 0x38; i < 0x40; i++)
        cmos_wr((uint8_t)i, (uint8_t)(i * 7));
    bool ok = true;
    for (unsigned i = 0x38; i < 0x40; i++)
        ok &= cmos_rd((uint8_t)i) == (uint8_t)(i * 7);
    report(ok, "NVRAM bytes 38H-3FH hold what was written");
}

void test_main(void)
{
    exc_set_hook(VEC_IRQ8_PIC, irq8_hook);
    exc_set_hook(VEC_IRQ8_IOAPIC, irq8_hook);
    power_on_date();
    update_interrupts_8259();
    periodic_ioapic();
    set_and_formats();
    nvram();
}
