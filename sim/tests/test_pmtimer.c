/*
 * sim/tests/test_pmtimer.c: the ACPI PM timer (sim/devices/pmtimer.c),
 * per ACPI 6.4 4.8.3.3 "Power Management Timer": 3.579545 MHz, 24 bits
 * (TMR_VAL_EXT clear: bits 31:24 read 0), read-only, derived from the
 * simulated clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sim/devices/pmtimer.h"
#include "sim/ioport.h"

typedef struct Bench {
    IoPortMap io;
    SimClock clock;
    PmTimer t;
} Bench;

static void bench(Bench *b, uint64_t hz)
{
    ioport_init(&b->io);
    b->clock = (SimClock){ .now = 0, .hz = hz };
    b->t.clock = &b->clock;
    const char *err = NULL;
    assert_true(ioport_register(&b->io, 0x608, 4, &pmtimer_ops, &b->t, "pmt", &err));
}

static uint32_t in(Bench *b, uint16_t port, unsigned size)
{
    uint32_t v = 0;
    assert_int_equal(ioport_in(&b->io, port, size, &v), ST_OK);
    return v;
}

/* 3579545 ticks per simulated second, whatever the core frequency. */
static void test_pmtimer_counts_at_3_579545_mhz(void **state)
{
    Bench b;
    bench(&b, 2700000000ull);
    assert_int_equal(in(&b, 0x608, 4), 0);
    b.clock.now = 2700000000ull / 1000;      /* 1 ms */
    assert_int_equal(in(&b, 0x608, 4), 3579);
    b.clock.now = 2700000000ull * 4;         /* 4 s: past 2^24 ticks */
    assert_int_equal(in(&b, 0x608, 4), (3579545u * 4) & 0xffffff);
}

/* The counter is 24 bits: it wraps to 0 after FFFFFFH; the top byte
 * reads 0. */
static void test_pmtimer_24_bit_wrap(void **state)
{
    Bench b;
    bench(&b, 3579545);
    b.clock.now = 0xffffff;
    assert_int_equal(in(&b, 0x608, 4), 0xffffff);
    b.clock.now = 0x1000000;
    assert_int_equal(in(&b, 0x608, 4), 0);
    b.clock.now = 0x1123456;
    assert_int_equal(in(&b, 0x608, 4), 0x123456);
    assert_int_equal(in(&b, 0x60b, 1), 0x00);
}

/* Narrower reads give the addressed bytes; writes change nothing. */
static void test_pmtimer_byte_reads_and_read_only(void **state)
{
    Bench b;
    bench(&b, 3579545);
    b.clock.now = 0x00abcdef;
    assert_int_equal(in(&b, 0x608, 1), 0xef);
    assert_int_equal(in(&b, 0x609, 2), 0xabcd);
    assert_int_equal(ioport_out(&b.io, 0x608, 4, 0), ST_OK);
    assert_int_equal(in(&b, 0x608, 4), 0xabcdef);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pmtimer_counts_at_3_579545_mhz),
        cmocka_unit_test(test_pmtimer_24_bit_wrap),
        cmocka_unit_test(test_pmtimer_byte_reads_and_read_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
