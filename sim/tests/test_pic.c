/*
 * sim/tests/test_pic.c: the 8259A pair and ELCR (sim/devices/pic.c),
 * checked against the Intel 8259A data sheet's rules: initialization,
 * IRR latching, INTA, priorities, EOI forms, automatic EOI, rotation,
 * special mask mode, poll, cascade on IR2, and edge/level inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>

#include "sim/devices/pic.h"
#include "sim/ioport.h"

typedef struct Bench {
    IoPortMap io;
    PicPair pic;
} Bench;

static int setup(void **state)
{
    Bench *b = calloc(1, sizeof(*b));
    ioport_init(&b->io);
    pic_reset(&b->pic);
    const char *err = NULL;
    assert_true(ioport_register(&b->io, 0x20, 2, &pic_ops, &b->pic.chip[0], "m", &err));
    assert_true(ioport_register(&b->io, 0xa0, 2, &pic_ops, &b->pic.chip[1], "s", &err));
    assert_true(ioport_register(&b->io, 0x4d0, 2, &pic_elcr_ops, &b->pic, "elcr", &err));
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

/* The PC's usual programming: master vectors 20H, slave 28H on IR2,
 * 8086 mode; icw4 extra bits (AEOI, SFNM) as given; everything unmasked. */
static void init_pair(Bench *b, uint8_t icw4)
{
    out8(b, 0x20, 0x11);
    out8(b, 0x21, 0x20);
    out8(b, 0x21, 0x04);
    out8(b, 0x21, icw4);
    out8(b, 0xa0, 0x11);
    out8(b, 0xa1, 0x28);
    out8(b, 0xa1, 0x02);
    out8(b, 0xa1, icw4 & ~0x10);
    out8(b, 0x21, 0x00);
    out8(b, 0xa1, 0x00);
}

static void pulse(Bench *b, unsigned irq)
{
    pic_set_irq(&b->pic, irq, true);
    pic_set_irq(&b->pic, irq, false);
}

static uint8_t isr(Bench *b, uint16_t cmd)
{
    out8(b, cmd, 0x0b);
    uint8_t v = in8(b, cmd);
    out8(b, cmd, 0x0a);
    return v;
}

/* Firmware state: all masked, so a raised line presents nothing. */
static void test_pic_reset_masks_every_input(void **state)
{
    Bench *b = *state;
    assert_int_equal(in8(b, 0x21), 0xff);
    assert_int_equal(in8(b, 0xa1), 0xff);
    pic_set_irq(&b->pic, 1, true);
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
}

/* ICW1 clears the IMR; ICW2 gives T7-T3; a masked edge stays in the IRR
 * and is presented once unmasked. */
static void test_pic_masked_edge_stays_in_irr(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x01);
    out8(b, 0x21, 0x08);                 /* mask IRQ3 */
    pulse(b, 3);
    assert_int_equal(in8(b, 0x20), 0x08);   /* IRR */
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
    out8(b, 0x21, 0x00);
    assert_int_equal(pic_intr_pending(&b->pic, false), 0x23);
}

/* "Interrupt Sequence": INTA sets the ISR bit and clears the IRR bit;
 * the in-service level blocks itself and lower levels until EOI. */
static void test_pic_inta_sets_isr_and_blocks_lower(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x01);
    pulse(b, 3);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x23);
    assert_int_equal(isr(b, 0x20), 0x08);
    assert_int_equal(in8(b, 0x20), 0x00);
    pulse(b, 3);
    pulse(b, 5);
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
    out8(b, 0x20, 0x20);                 /* non-specific EOI */
    assert_int_equal(isr(b, 0x20), 0x00);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x23);
}

/* Fully nested mode: a higher-priority request interrupts a lower one in
 * service; non-specific EOI ends the highest in-service level first. */
static void test_pic_higher_priority_nests(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x01);
    pulse(b, 4);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x24);
    pulse(b, 1);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x21);
    assert_int_equal(isr(b, 0x20), 0x12);
    out8(b, 0x20, 0x20);
    assert_int_equal(isr(b, 0x20), 0x10);
}

/* Specific EOI (OCW2 011, L2-L0) clears the named ISR bit only. */
static void test_pic_specific_eoi_clears_named_level(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x01);
    pulse(b, 6);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x26);
    pulse(b, 0);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x20);
    out8(b, 0x20, 0x66);
    assert_int_equal(isr(b, 0x20), 0x01);
}

/* ICW4 AEOI: the ISR bit is reset at the end of the INTA sequence. */
static void test_pic_auto_eoi_leaves_isr_clear(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x03);
    pulse(b, 1);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x21);
    assert_int_equal(isr(b, 0x20), 0x00);
    pulse(b, 1);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x21);
}

/* Set priority command (OCW2 110): IR L gets the lowest priority, L+1
 * the highest; rotate on non-specific EOI makes the ended level lowest. */
static void test_pic_priority_rotation(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x01);
    out8(b, 0x20, 0xc4);                 /* IR4 lowest, IR5 highest */
    pic_set_irq(&b->pic, 0, true);
    pic_set_irq(&b->pic, 5, true);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x25);
    out8(b, 0x20, 0xa0);                 /* rotate on non-specific EOI */
    /* IR5 is now lowest: IR6, 7, 0 ... rank first. */
    assert_int_equal(pic_intr_pending(&b->pic, false), 0x20);
}

/* Cascade: a slave request reaches the CPU through master IR2 with the
 * slave's vector; both chips set their ISR bit; both need an EOI. */
static void test_pic_cascade_slave_request(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x01);
    pulse(b, 10);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x2a);
    assert_int_equal(isr(b, 0x20), 0x04);
    assert_int_equal(isr(b, 0xa0), 0x04);
    pulse(b, 9);                         /* blocked by master IR2 in service */
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
    out8(b, 0xa0, 0x20);
    out8(b, 0x20, 0x20);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x29);
    /* Masking the cascade input on the master hides the slave. */
    out8(b, 0xa0, 0x20);
    out8(b, 0x20, 0x20);
    out8(b, 0x21, 0x04);
    pulse(b, 12);
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
}

/* Special fully nested mode (ICW4 SFNM on the master): a higher-priority
 * slave request gets through while the cascade input is in service. */
static void test_pic_special_fully_nested_mode(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x11);
    pulse(b, 12);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x2c);
    pulse(b, 9);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x29);
}

/* Edge mode needs a new low-to-high transition: a line left high after
 * its request was served does not request again. */
static void test_pic_edge_needs_new_transition(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x01);
    pic_set_irq(&b->pic, 4, true);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x24);
    out8(b, 0x20, 0x20);
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
    pic_set_irq(&b->pic, 4, false);
    pic_set_irq(&b->pic, 4, true);
    assert_int_equal(pic_intr_pending(&b->pic, false), 0x24);
}

/* ELCR: a level input requests while high, again after EOI while still
 * high, and not once low; IRQ0-2, 8 and 13 cannot be made level. */
static void test_pic_elcr_level_inputs(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x01);
    out8(b, 0x4d0, 0xff);
    out8(b, 0x4d1, 0xff);
    assert_int_equal(in8(b, 0x4d0), 0xf8);
    assert_int_equal(in8(b, 0x4d1), 0xde);
    pic_set_irq(&b->pic, 11, true);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x2b);
    out8(b, 0xa0, 0x20);
    out8(b, 0x20, 0x20);
    assert_int_equal(pic_intr_pending(&b->pic, false), 0x2b);
    pic_set_irq(&b->pic, 11, false);
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
}

/* ICW1 LTIM makes every input level-triggered. */
static void test_pic_ltim_level_mode(void **state)
{
    Bench *b = *state;
    out8(b, 0x20, 0x19);                 /* ICW1 with LTIM */
    out8(b, 0x21, 0x40);
    out8(b, 0x21, 0x04);
    out8(b, 0x21, 0x01);
    out8(b, 0x21, 0x00);
    pic_set_irq(&b->pic, 6, true);
    assert_int_equal(in8(b, 0x20), 0x40);
    pic_set_irq(&b->pic, 6, false);
    assert_int_equal(in8(b, 0x20), 0x00);
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
}

/* Poll command (OCW3 P): the next read gives I=1 and the level, and
 * acknowledges it; with nothing pending it reads 0. */
static void test_pic_poll_command(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x01);
    pulse(b, 5);
    out8(b, 0x20, 0x0c);
    assert_int_equal(in8(b, 0x20), 0x85);
    assert_int_equal(isr(b, 0x20), 0x20);
    out8(b, 0x20, 0x0c);
    assert_int_equal(in8(b, 0x20), 0x00);
}

/* Special mask mode: with the in-service level masked, lower levels are
 * served too. */
static void test_pic_special_mask_mode(void **state)
{
    Bench *b = *state;
    init_pair(b, 0x01);
    pulse(b, 1);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x21);
    pulse(b, 3);
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
    out8(b, 0x21, 0x02);
    out8(b, 0x20, 0x68);                 /* OCW3: ESMM, SMM */
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x23);
    out8(b, 0x20, 0x48);                 /* reset special mask */
    assert_int_equal(isr(b, 0x20), 0x0a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_pic_reset_masks_every_input),
        T(test_pic_masked_edge_stays_in_irr),
        T(test_pic_inta_sets_isr_and_blocks_lower),
        T(test_pic_higher_priority_nests),
        T(test_pic_specific_eoi_clears_named_level),
        T(test_pic_auto_eoi_leaves_isr_clear),
        T(test_pic_priority_rotation),
        T(test_pic_cascade_slave_request),
        T(test_pic_special_fully_nested_mode),
        T(test_pic_edge_needs_new_transition),
        T(test_pic_elcr_level_inputs),
        T(test_pic_ltim_level_mode),
        T(test_pic_poll_command),
        T(test_pic_special_mask_mode),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
