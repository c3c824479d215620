/*
 * sim/tests/test_rtc.c: the CMOS RTC and NVRAM (sim/devices/rtc.c)
 * against the MC146818A data sheet: time and calendar bytes in BCD or
 * binary and 12- or 24-hour form, SET, UIP, periodic/alarm/update-ended
 * interrupts through register C, register D's VRT, NVRAM, and port 70H's
 * NMI mask bit. The bench clock runs at 1 MHz: one cycle is 1 us.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>

#include "sim/devices/rtc.h"
#include "sim/ioport.h"

#define HZ 1000000ull

typedef struct Bench {
    IoPortMap io;
    SimClock clock;
    Rtc rtc;
    bool level;
    unsigned rises;
} Bench;

static void irq(void *opaque, unsigned n, bool level)
{
    Bench *b = opaque;
    if (level && !b->level)
        b->rises++;
    b->level = level;
}

static int setup(void **state)
{
    Bench *b = calloc(1, sizeof(*b));
    b->clock.hz = HZ;
    ioport_init(&b->io);
    int64_t start;
    assert_true(rtc_parse_date("2024-02-29T23:59:58", &start));
    rtc_init(&b->rtc, &b->clock, (IrqLine){ irq, b, 8 }, start);
    const char *err = NULL;
    assert_true(ioport_register(&b->io, 0x70, 2, &rtc_ops, &b->rtc, "rtc", &err));
    *state = b;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static uint8_t rd(Bench *b, uint8_t reg)
{
    uint32_t v = 0;
    assert_int_equal(ioport_out(&b->io, 0x70, 1, reg), ST_OK);
    assert_int_equal(ioport_in(&b->io, 0x71, 1, &v), ST_OK);
    return (uint8_t)v;
}

static void wr(Bench *b, uint8_t reg, uint8_t v)
{
    assert_int_equal(ioport_out(&b->io, 0x70, 1, reg), ST_OK);
    assert_int_equal(ioport_out(&b->io, 0x71, 1, v), ST_OK);
}

/* Power-on time is the configured date, in BCD and 24-hour form as
 * firmware leaves register B; 2024-02-29 is a Thursday (day 5). */
static void test_rtc_starts_at_configured_date_bcd(void **state)
{
    Bench *b = *state;
    assert_int_equal(rd(b, 0x00), 0x58);
    assert_int_equal(rd(b, 0x02), 0x59);
    assert_int_equal(rd(b, 0x04), 0x23);
    assert_int_equal(rd(b, 0x06), 5);
    assert_int_equal(rd(b, 0x07), 0x29);
    assert_int_equal(rd(b, 0x08), 0x02);
    assert_int_equal(rd(b, 0x09), 0x24);
    assert_int_equal(rd(b, 0x32), 0x20);
    assert_int_equal(rd(b, 0x0d), 0x80);     /* VRT */
}

/* Time follows the simulated clock: 2 s later it is 1 March, 00:00:00
 * (a leap year's February has 29 days). */
static void test_rtc_follows_simulated_time(void **state)
{
    Bench *b = *state;
    b->clock.now = 2 * HZ;
    assert_int_equal(rd(b, 0x00), 0x00);
    assert_int_equal(rd(b, 0x04), 0x00);
    assert_int_equal(rd(b, 0x07), 0x01);
    assert_int_equal(rd(b, 0x08), 0x03);
    assert_int_equal(rd(b, 0x06), 6);
    b->clock.now = (2 + 3600 + 61) * HZ + HZ / 2;
    assert_int_equal(rd(b, 0x02), 0x01);
    assert_int_equal(rd(b, 0x00), 0x01);
}

/* Register B DM = 1: binary; 24/12 = 0: 12-hour with bit 7 = PM. */
static void test_rtc_binary_and_12_hour(void **state)
{
    Bench *b = *state;
    wr(b, 0x0b, 0x04);                   /* binary, 12-hour */
    assert_int_equal(rd(b, 0x00), 58);
    assert_int_equal(rd(b, 0x04), 0x80 | 11);  /* 11 PM */
    b->clock.now = 2 * HZ;
    assert_int_equal(rd(b, 0x04), 12);   /* 12 AM */
    assert_int_equal(rd(b, 0x09), 24);
}

/* SET = 1 stops updates; the time written then runs from SET = 0. */
static void test_rtc_set_bit_sets_time(void **state)
{
    Bench *b = *state;
    wr(b, 0x0b, 0x82);
    wr(b, 0x00, 0x30);
    wr(b, 0x02, 0x15);
    wr(b, 0x04, 0x10);
    wr(b, 0x07, 0x04);
    wr(b, 0x08, 0x07);
    wr(b, 0x09, 0x99);
    wr(b, 0x32, 0x19);
    b->clock.now = 5 * HZ;
    assert_int_equal(rd(b, 0x00), 0x30);     /* frozen while SET */
    wr(b, 0x0b, 0x02);
    b->clock.now = 7 * HZ;
    assert_int_equal(rd(b, 0x00), 0x32);
    assert_int_equal(rd(b, 0x09), 0x99);
    assert_int_equal(rd(b, 0x32), 0x19);
}

/* UIP (register A bit 7) is set during the 244 us before each update. */
static void test_rtc_update_in_progress_window(void **state)
{
    Bench *b = *state;
    b->clock.now = HZ - 245;
    assert_int_equal(rd(b, 0x0a) & 0x80, 0);
    b->clock.now = HZ - 244;
    assert_int_equal(rd(b, 0x0a) & 0x80, 0x80);
    b->clock.now = HZ;
    assert_int_equal(rd(b, 0x0a) & 0x80, 0);
    assert_int_equal(rd(b, 0x0a) & 0x7f, 0x26);
}

/* Periodic interrupt: RS = 0110 is 1024 Hz; with PIE, IRQ8 rises at the
 * first period; reading C returns IRQF|PF and drops the line. */
static void test_rtc_periodic_interrupt(void **state)
{
    Bench *b = *state;
    wr(b, 0x0b, 0x42);                   /* PIE, 24-hour */
    assert_int_equal(rtc_next_event(&b->rtc), (HZ + 1023) / 1024);
    b->clock.now = HZ / 1024 - 1;
    rtc_update(&b->rtc);
    assert_false(b->level);
    b->clock.now = HZ / 1024 + 1;
    rtc_update(&b->rtc);
    assert_true(b->level);
    assert_int_equal(rd(b, 0x0c), 0xc0);
    assert_false(b->level);
    assert_int_equal(rd(b, 0x0c), 0x00);
    /* RS = 1111: 2 Hz. */
    wr(b, 0x0a, 0x2f);
    b->clock.now = HZ / 2 + 1000;
    rtc_update(&b->rtc);
    assert_int_equal(b->rises, 2);
}

/* Update-ended (UIE) and alarm (AIE) interrupts; an alarm byte of 11xxxxxx
 * matches any value. */
static void test_rtc_update_and_alarm_interrupts(void **state)
{
    Bench *b = *state;
    wr(b, 0x0b, 0x12);                   /* UIE */
    b->clock.now = HZ;
    rtc_update(&b->rtc);
    assert_true(b->level);
    assert_int_equal(rd(b, 0x0c) & 0xb0, 0x90);   /* PF runs unmasked */
    wr(b, 0x0b, 0x22);                   /* AIE */
    wr(b, 0x01, 0x05);                   /* second 05 */
    wr(b, 0x03, 0xc0);                   /* any minute */
    wr(b, 0x05, 0xff);                   /* any hour */
    b->clock.now = 6 * HZ;               /* 00:00:04 on 1 March */
    rtc_update(&b->rtc);
    assert_false(b->level);
    b->clock.now = 7 * HZ;               /* 00:00:05 */
    rtc_update(&b->rtc);
    assert_true(b->level);
    assert_int_equal(rd(b, 0x0c) & 0xa0, 0xa0);
}

/* NVRAM bytes hold what was written, also across the RESET pin, which
 * clears the interrupt enables; port 70H bit 7 masks NMI and is not part
 * of the index. */
static void test_rtc_nvram_and_nmi_mask(void **state)
{
    Bench *b = *state;
    wr(b, 0x40, 0xa5);
    wr(b, 0x7f, 0x5a);
    wr(b, 0x0b, 0x72);
    rtc_reset(&b->rtc);
    assert_int_equal(rd(b, 0x40), 0xa5);
    assert_int_equal(rd(b, 0x7f), 0x5a);
    assert_int_equal(rd(b, 0x0b), 0x02);
    assert_int_equal(ioport_out(&b->io, 0x70, 1, 0x80 | 0x40), ST_OK);
    assert_true(b->rtc.nmi_masked);
    uint32_t v;
    assert_int_equal(ioport_in(&b->io, 0x71, 1, &v), ST_OK);
    assert_int_equal(v, 0xa5);
    wr(b, 0x0c, 0xff);                   /* C and D are read-only */
    wr(b, 0x0d, 0x00);
    assert_int_equal(rd(b, 0x0d), 0x80);
    assert_false(b->rtc.nmi_masked);
}

/* The configured date's syntax and calendar are checked. */
static void test_rtc_parse_date_rule(void **state)
{
    int64_t t;
    assert_true(rtc_parse_date("1970-01-01T00:00:00", &t));
    assert_int_equal(t, 0);
    assert_true(rtc_parse_date("2000-01-01T00:00:00", &t));
    assert_int_equal(t, RTC_DEFAULT_START);
    assert_false(rtc_parse_date("2023-02-29T00:00:00", &t));
    assert_false(rtc_parse_date("2024-13-01T00:00:00", &t));
    assert_false(rtc_parse_date("2024-01-01 00:00:00", &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_rtc_starts_at_configured_date_bcd),
        T(test_rtc_follows_simulated_time),
        T(test_rtc_binary_and_12_hour),
        T(test_rtc_set_bit_sets_time),
        T(test_rtc_update_in_progress_window),
        T(test_rtc_periodic_interrupt),
        T(test_rtc_update_and_alarm_interrupts),
        T(test_rtc_nvram_and_nmi_mask),
        cmocka_unit_test(test_rtc_parse_date_rule),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
