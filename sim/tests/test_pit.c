/*
 * sim/tests/test_pit.c: the 8254 PIT and port 61H (sim/devices/pit.c)
 * against the Intel 8254 data sheet: control word, LSB/MSB access, the
 * counter latch and read-back commands, modes 0-5, gate, BCD, and IRQ0
 * edges on the simulated clock.
 *
 * The bench clock runs at 3579545 Hz, so one PIT tick is exactly three
 * core cycles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>

#include "sim/devices/pit.h"
#include "sim/ioport.h"

#define CYC_PER_TICK 3u

typedef struct Bench {
    IoPortMap io;
    SimClock clock;
    Pit pit;
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
    b->clock.hz = 3579545;
    ioport_init(&b->io);
    pit_init(&b->pit, &b->clock, (IrqLine){ irq, b, 0 });
    const char *err = NULL;
    assert_true(ioport_register(&b->io, 0x40, 4, &pit_ops, &b->pit, "pit", &err));
    assert_true(ioport_register(&b->io, 0x61, 1, &pit_port61_ops, &b->pit, "p61", &err));
    *state = b;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static uint8_t in8(Bench *b, uint16_t port)
{
    uint32_t v = 0;
    assert_int_equal(ioport_in(&b->io, port, 1, &v), ST_OK);
    return (uint8_t)v;
}

static void out8(Bench *b, uint16_t port, uint8_t v)
{
    assert_int_equal(ioport_out(&b->io, port, 1, v), ST_OK);
}

static void at_tick(Bench *b, uint64_t t)
{
    b->clock.now = t * CYC_PER_TICK;
    pit_update(&b->pit);
}

static void program(Bench *b, unsigned ch, unsigned mode, uint16_t count)
{
    out8(b, 0x43, (uint8_t)((ch << 6) | 0x30 | (mode << 1)));
    out8(b, (uint16_t)(0x40 + ch), count & 0xff);
    out8(b, (uint16_t)(0x40 + ch), count >> 8);
}

static uint16_t read16(Bench *b, unsigned ch)
{
    uint16_t lo = in8(b, (uint16_t)(0x40 + ch));
    return (uint16_t)(lo | (in8(b, (uint16_t)(0x40 + ch)) << 8));
}

/* Mode 2 (rate generator): OUT low for one tick when the count reaches 1,
 * so IRQ0 rises once every N ticks; the count runs N..1. */
static void test_pit_mode2_rate_generator(void **state)
{
    Bench *b = *state;
    program(b, 0, 2, 100);
    assert_true(pit_out(&b->pit, 0));
    assert_int_equal(b->rises, 0);
    at_tick(b, 40);
    assert_int_equal(read16(b, 0), 60);
    at_tick(b, 99);
    assert_false(b->level);
    at_tick(b, 100);
    assert_true(b->level);
    assert_int_equal(b->rises, 1);
    for (uint64_t t = 110; t <= 1000; t += 10)
        at_tick(b, t);
    assert_int_equal(b->rises, 10);
    /* The next rising edge, in core cycles. */
    assert_int_equal(pit_next_event(&b->pit), 1100 * CYC_PER_TICK);
}

/* Mode 0 (interrupt on terminal count): OUT goes low on the control word
 * and high N ticks after the count is loaded, once; the counter then
 * wraps and keeps counting. */
static void test_pit_mode0_terminal_count(void **state)
{
    Bench *b = *state;
    out8(b, 0x43, 0x30);
    assert_false(pit_out(&b->pit, 0));
    out8(b, 0x40, 0x10);
    out8(b, 0x40, 0x00);
    at_tick(b, 15);
    assert_int_equal(read16(b, 0), 1);
    assert_false(b->level);
    at_tick(b, 16);
    assert_true(b->level);
    at_tick(b, 18);
    assert_int_equal(read16(b, 0), 0xfffe);
    at_tick(b, 100000);
    assert_int_equal(b->rises, 1);
    assert_int_equal(pit_next_event(&b->pit), UINT64_MAX);
}

/* Mode 3 (square wave): OUT high for (N+1)/2 ticks, low for (N-1)/2. */
static void test_pit_mode3_square_wave(void **state)
{
    Bench *b = *state;
    program(b, 0, 3, 11);
    at_tick(b, 5);
    assert_true(pit_out(&b->pit, 0));
    at_tick(b, 6);
    assert_false(pit_out(&b->pit, 0));
    at_tick(b, 10);
    assert_false(pit_out(&b->pit, 0));
    at_tick(b, 11);
    assert_true(pit_out(&b->pit, 0));
    assert_int_equal(b->rises, 1);
    /* An even count reads N, N-2, ... in each half. */
    program(b, 0, 3, 100);
    at_tick(b, 11 + 10);
    assert_int_equal(read16(b, 0), 80);
}

/* Counter latch command: the count is frozen at the command until read
 * (both bytes); a second latch before that is ignored. */
static void test_pit_counter_latch(void **state)
{
    Bench *b = *state;
    program(b, 0, 2, 1000);
    at_tick(b, 100);
    out8(b, 0x43, 0x00);
    at_tick(b, 300);
    out8(b, 0x43, 0x00);
    assert_int_equal(read16(b, 0), 900);
    assert_int_equal(read16(b, 0), 700);
}

/* RW = 01 (LSB only) and 10 (MSB only) load and read one byte. */
static void test_pit_lsb_only_and_msb_only(void **state)
{
    Bench *b = *state;
    out8(b, 0x43, 0x14);                 /* ch0, LSB, mode 2 */
    out8(b, 0x40, 50);
    at_tick(b, 10);
    assert_int_equal(in8(b, 0x40), 40);
    assert_int_equal(in8(b, 0x40), 40);
    out8(b, 0x43, 0x24);                 /* ch0, MSB, mode 2 */
    out8(b, 0x40, 0x02);                 /* count 200H */
    at_tick(b, 10 + 0x100);
    assert_int_equal(in8(b, 0x40), 0x01);
}

/* Read-back command: status byte (OUT, null count, RW, mode, BCD) and
 * count of the selected counters. */
static void test_pit_read_back_status(void **state)
{
    Bench *b = *state;
    out8(b, 0x43, 0x34);                 /* ch0 LSB/MSB mode 2 */
    out8(b, 0x43, 0xe2);                 /* status only, counter 0 */
    assert_int_equal(in8(b, 0x40), 0x80 | 0x40 | 0x30 | 0x04);
    out8(b, 0x40, 0x00);
    out8(b, 0x40, 0x01);
    at_tick(b, 6);
    out8(b, 0x43, 0xc2);                 /* count and status */
    assert_int_equal(in8(b, 0x40), 0x34 | 0x80);
    assert_int_equal(read16(b, 0), 250);
}

/* BCD counting: count 0100 (BCD) is 100 ticks and reads back in BCD. */
static void test_pit_bcd_count(void **state)
{
    Bench *b = *state;
    out8(b, 0x43, 0x35);                 /* ch0 LSB/MSB mode 2 BCD */
    out8(b, 0x40, 0x00);
    out8(b, 0x40, 0x01);
    at_tick(b, 13);
    assert_int_equal(read16(b, 0), 0x87);
    at_tick(b, 100);
    assert_int_equal(b->rises, 1);
}

/* Channel 2's gate is port 61H bit 0: mode 0 does not count while it is
 * low; OUT2 reads in bit 5; bit 4 toggles with the refresh clock. */
static void test_pit_port61_gate_and_out2(void **state)
{
    Bench *b = *state;
    program(b, 2, 0, 50);
    at_tick(b, 100);
    assert_int_equal(in8(b, 0x61) & 0x20, 0);
    out8(b, 0x61, 0x03);                 /* gate on, speaker data */
    assert_int_equal(in8(b, 0x61) & 0x0f, 0x03);
    at_tick(b, 149);
    assert_int_equal(in8(b, 0x61) & 0x20, 0);
    at_tick(b, 150);
    assert_int_equal(in8(b, 0x61) & 0x20, 0x20);
    at_tick(b, 18 * 10);
    uint8_t r0 = in8(b, 0x61) & 0x10;
    at_tick(b, 18 * 11);
    assert_int_not_equal(in8(b, 0x61) & 0x10, r0);
    /* Mode 1 on channel 2: triggered by the gate's rising edge. */
    out8(b, 0x61, 0x00);
    program(b, 2, 1, 20);
    at_tick(b, 300);
    assert_int_equal(in8(b, 0x61) & 0x20, 0x20);
    out8(b, 0x61, 0x01);
    at_tick(b, 301);
    assert_int_equal(in8(b, 0x61) & 0x20, 0);
    at_tick(b, 320);
    assert_int_equal(in8(b, 0x61) & 0x20, 0x20);
}

/* Mode 4 (software strobe): OUT low for exactly one tick after N. */
static void test_pit_mode4_strobe(void **state)
{
    Bench *b = *state;
    program(b, 0, 4, 30);
    at_tick(b, 29);
    assert_true(pit_out(&b->pit, 0));
    at_tick(b, 30);
    assert_false(pit_out(&b->pit, 0));
    at_tick(b, 31);
    assert_true(pit_out(&b->pit, 0));
    assert_int_equal(b->rises, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_pit_mode2_rate_generator),
        T(test_pit_mode0_terminal_count),
        T(test_pit_mode3_square_wave),
        T(test_pit_counter_latch),
        T(test_pit_lsb_only_and_msb_only),
        T(test_pit_read_back_status),
        T(test_pit_bcd_count),
        T(test_pit_port61_gate_and_out2),
        T(test_pit_mode4_strobe),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
