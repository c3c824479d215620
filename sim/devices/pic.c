/*
 * sim/devices/pic.c: the 8259A pair (see pic.h). Section names below are
 * those of the Intel 8259A data sheet ("Programming the 8259A",
 * "Interrupt Sequence", "The Special Fully Nested Mode", "Automatic
 * Rotation", "Special Mask Mode", "Poll Command", "Edge and Level
 * Triggered Modes") and of the PIIX3/ICH data sheets for ELCR.
 *
 * One IoPortOps serves both chips: the machine registers each chip's two
 * ports with the chip as opaque; offset 0 is the command port (ICW1, OCW2,
 * OCW3, IRR/ISR/poll reads), offset 1 the data port (ICW2-4, OCW1).
 */
#include "sim/devices/pic.h"

#define ICW1_IC4   0x01u   /* ICW4 needed */
#define ICW1_SNGL  0x02u   /* single (no ICW3) */
#define ICW1_LTIM  0x08u   /* level-triggered inputs */
#define ICW1_INIT  0x10u   /* a command-port write with D4=1 is ICW1 */
#define ICW4_AEOI  0x02u
#define ICW4_SFNM  0x10u
#define OCW3_SEL   0x08u   /* D4=0, D3=1: OCW3; D3=0: OCW2 */
#define OCW3_RIS   0x01u
#define OCW3_RR    0x02u
#define OCW3_P     0x04u
#define OCW3_SMM   0x20u
#define OCW3_ESMM  0x40u
#define PIC_CASCADE_IRQ 2u

/* ELCR bits that must stay edge (PIIX3 "ELCR1/ELCR2"): IRQ0, 1, 2 on the
 * master, IRQ8 and IRQ13 on the slave. */
static const uint8_t elcr_writable[2] = { 0xf8, 0xde };

static void pic_chip_reset(Pic8259 *c)
{
    c->imr = 0xff;
    c->irr = c->isr = 0;
    c->icw1 = c->vector_base = c->icw3 = c->icw4 = 0;
    c->init_step = 0;
    c->read_isr = false;
    c->lines = 0;
    c->elcr = 0;
    c->lowest = 7;
    c->special_mask = false;
    c->rotate_aeoi = false;
    c->poll = false;
}

void pic_reset(PicPair *p)
{
    pic_chip_reset(&p->chip[0]);
    pic_chip_reset(&p->chip[1]);
}

static uint8_t level_mask(const Pic8259 *c)
{
    return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

/* Priority rank of IR n: 0 is the highest ("Automatic Rotation": the IR
 * after the lowest-priority one is the highest). */
static unsigned rank(const Pic8259 *c, unsigned n)
{
    return (n - c->lowest - 1) & 7;
}

/* The requests as the priority resolver sees them: edge inputs latched
 * in the IRR, level inputs as their current level ("Edge and Level
 * Triggered Modes"). cascade is the slave's INT for the master. */
static uint8_t requests(const Pic8259 *c, uint8_t cascade)
{
    uint8_t lv = level_mask(c);
    return (uint8_t)(((c->irr & ~lv) | (c->lines & lv) | cascade) & ~c->imr);
}

/* The highest-priority request the chip would present, or -1. In fully
 * nested mode a request is blocked by an in-service level of equal or
 * higher priority; special fully nested mode lets a slave's input
 * through while that input is in service; special mask mode enables
 * every level not masked or in service ("Special Mask Mode"). */
static int chip_resolve(const Pic8259 *c, uint8_t cascade, bool is_master)
{
    uint8_t req = requests(c, cascade);
    if (c->special_mask)
        req &= (uint8_t)~c->isr;
    if (!req)
        return -1;
    int best = -1;
    for (unsigned r = 0; r < 8; r++) {
        unsigned n = (c->lowest + 1 + r) & 7;
        if (req & (1u << n)) {
            best = (int)n;
            break;
        }
    }
    if (c->special_mask)
        return best;
    unsigned brank = rank(c, (unsigned)best);
    bool sfnm = is_master && (c->icw4 & ICW4_SFNM) &&
                (c->icw3 & (1u << best));
    for (unsigned n = 0; n < 8; n++) {
        if (!(c->isr & (1u << n)))
            continue;
        unsigned r = rank(c, n);
        if (r < brank || (r == brank && !sfnm))
            return -1;
    }
    return best;
}

/* INTA: the request becomes in service; an edge request leaves the IRR;
 * automatic EOI ends it at once, rotating if so commanded. */
static void chip_ack(Pic8259 *c, unsigned n)
{
    uint8_t bit = (uint8_t)(1u << n);
    c->irr &= (uint8_t)~bit;
    if (c->icw4 & ICW4_AEOI) {
        if (c->rotate_aeoi)
            c->lowest = (uint8_t)n;
    } else {
        c->isr |= bit;
    }
}

static bool is_single(const Pic8259 *c)
{
    return c->icw1 & ICW1_SNGL;
}

/* The slave's INT output, as the master's cascade input bits. */
static uint8_t slave_output(const PicPair *p)
{
    const Pic8259 *m = &p->chip[0];
    if (is_single(m) || !m->icw3)
        return 0;
    if (chip_resolve(&p->chip[1], 0, false) < 0)
        return 0;
    return (uint8_t)(1u << PIC_CASCADE_IRQ) & m->icw3;
}

void pic_set_irq(PicPair *p, unsigned irq, bool level)
{
    if (irq >= 16 || irq == PIC_CASCADE_IRQ)
        return;
    Pic8259 *c = &p->chip[irq >> 3];
    uint8_t bit = (uint8_t)(1u << (irq & 7));
    /* Edge mode latches a low-to-high transition; a level input is read
     * from its line. */
    if (level && !(c->lines & bit) && !(level_mask(c) & bit))
        c->irr |= bit;
    if (level)
        c->lines |= bit;
    else
        c->lines &= (uint8_t)~bit;
}

int pic_intr_pending(PicPair *p, bool acknowledge)
{
    Pic8259 *m = &p->chip[0], *s = &p->chip[1];
    int n = chip_resolve(m, slave_output(p), true);
    if (n < 0)
        return -1;
    if (!is_single(m) && (m->icw3 & (1u << n))) {
        /* "Interrupt Sequence" in cascade mode: the master names the
         * slave on the cascade lines and the slave sends the vector. */
        int sn = chip_resolve(s, 0, false);
        if (acknowledge) {
            chip_ack(m, (unsigned)n);
            if (sn >= 0)
                chip_ack(s, (unsigned)sn);
        }
        /* A request that vanished reads as the slave's IR7. */
        return s->vector_base | (sn < 0 ? 7 : sn);
    }
    if (acknowledge)
        chip_ack(m, (unsigned)n);
    return m->vector_base | n;
}

/* Poll command: the next read returns I (D7) and the highest request's
 * level, acknowledged as by INTA ("Poll Command"). */
static uint8_t chip_poll(Pic8259 *c)
{
    c->poll = false;
    int n = chip_resolve(c, 0, false);
    if (n < 0)
        return 0;
    chip_ack(c, (unsigned)n);
    return (uint8_t)(0x80u | (unsigned)n);
}

static SimStatus pic_in(void *opaque, uint16_t off, unsigned size,
                        uint32_t *value)
{
    Pic8259 *c = opaque;
    if (c->poll)
        *value = chip_poll(c);
    else if (off == 1)
        *value = c->imr;
    else if (c->read_isr)
        *value = c->isr;
    else
        *value = (uint8_t)((c->irr & ~level_mask(c)) |
                           (c->lines & level_mask(c)));
    return ST_OK;
}

/* After ICW2: ICW3 unless SNGL, then ICW4 if IC4, then ready. */
static uint8_t pic_next_step(const Pic8259 *c, uint8_t done)
{
    if (done < 3 && !(c->icw1 & ICW1_SNGL))
        return 3;
    if (done < 4 && (c->icw1 & ICW1_IC4))
        return 4;
    return 0;
}

/* The highest-priority in-service level, or -1. */
static int highest_isr(const Pic8259 *c)
{
    for (unsigned r = 0; r < 8; r++) {
        unsigned n = (c->lowest + 1 + r) & 7;
        if (c->isr & (1u << n))
            return (int)n;
    }
    return -1;
}

/* OCW2: R, SL, EOI in D7-D5; L2-L0 in D2-D0. */
static void pic_ocw2(Pic8259 *c, uint8_t v)
{
    unsigned cmd = v >> 5, level = v & 7;
    int n;
    switch (cmd) {
    case 1:                              /* non-specific EOI */
    case 5:                              /* rotate on non-specific EOI */
        n = highest_isr(c);
        if (n < 0)
            break;
        c->isr &= (uint8_t)~(1u << n);
        if (cmd == 5)
            c->lowest = (uint8_t)n;
        break;
    case 3:                              /* specific EOI */
    case 7:                              /* rotate on specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        if (cmd == 7)
            c->lowest = (uint8_t)level;
        break;
    case 4:                              /* rotate in automatic EOI (set) */
    case 0:                              /* rotate in automatic EOI (clear) */
        c->rotate_aeoi = cmd == 4;
        break;
    case 6:                              /* set priority: L is lowest */
        c->lowest = (uint8_t)level;
        break;
    default:                             /* 2: no operation */
        break;
    }
}

static SimStatus pic_out(void *opaque, uint16_t off, unsigned size,
                         uint32_t value)
{
    Pic8259 *c = opaque;
    uint8_t v = (uint8_t)value;
    if (off == 0) {
        if (v & ICW1_INIT) {
            /* ICW1 ("Initialization Command Words"): the edge sense
             * circuit is reset (a request needs a new low-to-high
             * transition), the IMR and ISR are cleared, IR7 gets the
             * lowest priority, special mask mode is cleared, status read
             * is set to the IRR, and without IC4 ICW4 is all zeros. */
            c->icw1 = v;
            c->imr = 0;
            c->isr = 0;
            c->irr = 0;
            c->lowest = 7;
            c->special_mask = false;
            c->rotate_aeoi = false;
            c->poll = false;
            c->read_isr = false;
            c->icw4 = 0;
            c->init_step = 2;
        } else if (v & OCW3_SEL) {
            if (v & OCW3_ESMM)
                c->special_mask = v & OCW3_SMM;
            if (v & OCW3_RR)
                c->read_isr = v & OCW3_RIS;
            c->poll = v & OCW3_P;
        } else {
            pic_ocw2(c, v);
        }
        return ST_OK;
    }
    switch (c->init_step) {
    case 2:
        c->vector_base = v & 0xf8;
        c->init_step = pic_next_step(c, 2);
        break;
    case 3:
        c->icw3 = v;
        c->init_step = pic_next_step(c, 3);
        break;
    case 4:
        c->icw4 = v;
        c->init_step = 0;
        break;
    default:
        c->imr = v;                         /* OCW1 */
        break;
    }
    return ST_OK;
}

const IoPortOps pic_ops = { pic_in, pic_out, 1 };

static SimStatus elcr_in(void *opaque, uint16_t off, unsigned size,
                         uint32_t *value)
{
    PicPair *p = opaque;
    *value = p->chip[off & 1].elcr;
    return ST_OK;
}

static SimStatus elcr_out(void *opaque, uint16_t off, unsigned size,
                          uint32_t value)
{
    PicPair *p = opaque;
    Pic8259 *c = &p->chip[off & 1];
    uint8_t old = c->elcr;
    c->elcr = (uint8_t)value & elcr_writable[off & 1];
    /* A level input switched to edge keeps no stale latch. */
    c->irr &= (uint8_t)~(old & ~c->elcr);
    return ST_OK;
}

const IoPortOps pic_elcr_ops = { elcr_in, elcr_out, 1 };
