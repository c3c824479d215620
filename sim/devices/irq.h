/*
 * sim/devices/irq.h: an interrupt request line from a device to the
 * platform's interrupt routing (sim/chipset.c): the device drives the
 * line's electrical level; edge or level sensitivity is the receiving
 * controller's business (8259A ELCR/LTIM, I/O APIC redirection entry).
 */
#ifndef SIM_DEVICES_IRQ_H
#define SIM_DEVICES_IRQ_H

#include <stdbool.h>

typedef struct IrqLine {
    void (*set)(void *opaque, unsigned irq, bool level);
    void *opaque;
    unsigned irq;          /* the ISA IRQ number the line is wired to */
} IrqLine;

static inline void irq_set(const IrqLine *l, bool level)
{
    if (l->set)
        l->set(l->opaque, l->irq, level);
}

#endif
