/*
 * sim/devices/pic.c: 8259A register interface (Intel 8259A data sheet,
 * "Programming the 8259A": Initialization Command Words ICW1-ICW4 and
 * Operation Command Words OCW1-OCW3). See pic.h for what is not modelled.
 *
 * One IoPortOps serves both chips: the machine registers each chip's two
 * ports with the chip as opaque; offset 0 is the command port (ICW1, OCW2,
 * OCW3), offset 1 the data port (ICW2-4, OCW1).
 */
#include "sim/devices/pic.h"

#define ICW1_IC4   0x01u   /* ICW4 needed */
#define ICW1_SNGL  0x02u   /* single (no ICW3) */
#define ICW1_INIT  0x10u   /* a command-port write with D4=1 is ICW1 */
#define OCW3_SEL   0x08u   /* D4=0, D3=1: OCW3; D3=0: OCW2 */
#define OCW3_RR    0x02u
#define OCW3_RIS   0x01u

static void pic_chip_reset(Pic8259 *c)
{
    c->imr = 0xff;
    c->irr = c->isr = 0;
    c->icw1 = c->vector_base = c->icw3 = c->icw4 = 0;
    c->init_step = 0;
    c->read_isr = false;
}

void pic_reset(PicPair *p)
{
    pic_chip_reset(&p->chip[0]);
    pic_chip_reset(&p->chip[1]);
}

int pic_intr_pending(PicPair *p, bool acknowledge)
{
    /* No IRQ source is wired yet (see pic.h). */
    return -1;
}

static SimStatus pic_in(void *opaque, uint16_t off, unsigned size,
                        uint32_t *value)
{
    Pic8259 *c = opaque;
    if (off == 1)
        *value = c->imr;
    else
        *value = c->read_isr ? c->isr : c->irr;
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

static SimStatus pic_out(void *opaque, uint16_t off, unsigned size,
                         uint32_t value)
{
    Pic8259 *c = opaque;
    uint8_t v = (uint8_t)value;
    if (off == 0) {
        if (v & ICW1_INIT) {
            /* ICW1: the IMR and ISR are cleared, IRQ7 gets lowest priority
             * ("Initialization Command Words"). */
            c->icw1 = v;
            c->imr = 0;
            c->isr = 0;
            c->read_isr = false;
            c->init_step = 2;
        } else if (v & OCW3_SEL) {
            if (v & OCW3_RR)
                c->read_isr = v & OCW3_RIS;
        } else {
            /* OCW2: a non-specific EOI (001) or specific EOI (011) clears
             * the highest / named in-service bit. */
            unsigned cmd = v >> 5;
            if (cmd == 1 && c->isr)
                c->isr &= (uint8_t)(c->isr - 1);
            else if (cmd == 3)
                c->isr &= (uint8_t)~(1u << (v & 7));
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
