/*
 * sim/devices/pic.h: the PC's cascaded pair of Intel 8259A programmable
 * interrupt controllers (master at 20H/21H, slave at A0H/A1H on the
 * master's IR2) and the edge/level control registers ELCR1/ELCR2 at
 * 4D0H/4D1H of PIIX/ICH south bridges.
 *
 * Intel 8259A data sheet: ICW1-ICW4, OCW1-OCW3, IRR/ISR/IMR, fully nested
 * and special fully nested modes, automatic and specific/non-specific
 * EOI, priority rotation, special mask mode, poll command, cascade.
 * Both IMRs come up all masked, as firmware leaves them.
 *
 * SIMPLIFICATION: an edge-triggered request stays latched in the IRR when
 * its input falls before the acknowledge (the data sheet's "default IR7"
 * spurious interrupt is not generated); the master's cascade input follows
 * the slave's INT output as a level, so a slave request is never lost.
 */
#ifndef SIM_DEVICES_PIC_H
#define SIM_DEVICES_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/ioport.h"

typedef struct Pic8259 {
    uint8_t imr;           /* OCW1: interrupt mask register */
    uint8_t irr, isr;
    uint8_t icw1, vector_base, icw3, icw4;
    uint8_t init_step;     /* 0: ready; 2/3/4: expecting that ICW next */
    bool read_isr;         /* OCW3 RR/RIS: the command port reads ISR */
    uint8_t lines;         /* IR input levels as last driven */
    uint8_t elcr;          /* 1 = level-sensitive input (ELCR) */
    uint8_t lowest;        /* IR with the lowest priority (rotation) */
    bool special_mask;     /* OCW3 SMM */
    bool rotate_aeoi;      /* OCW2 rotate in automatic EOI mode */
    bool poll;             /* OCW3 P: the next command-port read polls */
} Pic8259;

typedef struct PicPair {
    Pic8259 chip[2];       /* 0 master, 1 slave */
} PicPair;

/* Per chip: opaque is &pair->chip[i]; offset 0 command, 1 data. */
extern const IoPortOps pic_ops;
/* ELCR1/ELCR2: opaque is the pair; offset 0 master, 1 slave. */
extern const IoPortOps pic_elcr_ops;

void pic_reset(PicPair *p);
/* Drive ISA IRQ line irq (0-15; 2 is the cascade and ignored). */
void pic_set_irq(PicPair *p, unsigned irq, bool level);
/* Vector of the highest-priority request the master would present to the
 * CPU, or -1. acknowledge=true runs the INTA sequence (ISR set, IRR
 * cleared for edge inputs, automatic EOI). */
int pic_intr_pending(PicPair *p, bool acknowledge);

#endif
