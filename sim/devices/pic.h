/*
 * sim/devices/pic.h: the PC's cascaded pair of Intel 8259A programmable
 * interrupt controllers (master at 20H/21H, slave at A0H/A1H).
 *
 * SIMPLIFICATION (until the interrupt issue): the registers are accepted
 * and read back -- ICW1-ICW4 initialization, OCW1 masks, OCW2 EOI commands,
 * OCW3 register selection -- but no device raises an IRQ line yet, so
 * pic_intr_pending() always reports nothing. Both IMRs come up all masked,
 * as firmware leaves them.
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
} Pic8259;

typedef struct PicPair {
    Pic8259 chip[2];       /* 0 master, 1 slave */
} PicPair;

extern const IoPortOps pic_ops;

void pic_reset(PicPair *p);
/* Vector of the highest-priority unmasked request, or -1. */
int pic_intr_pending(PicPair *p, bool acknowledge);

#endif
