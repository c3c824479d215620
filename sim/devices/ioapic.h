/*
 * sim/devices/ioapic.h: the I/O APIC at FEC00000H (Intel 82093AA I/O
 * APIC data sheet; ICH "Advanced Programmable Interrupt Controller"):
 * IOREGSEL at +00H, IOWIN at +10H, IOAPICID, IOAPICVER (version 11H,
 * 24 redirection entries), IOAPICARB and the redirection table: vector, delivery mode, destination mode,
 * delivery status, polarity, remote IRR, trigger mode, mask, destination.
 *
 * Interrupt messages go out through `deliver`, which the machine points
 * at the local APICs (P2's LAPIC, sim/devices/lapic.c). The local APIC
 * calls ioapic_eoi() when it ends a level-triggered interrupt.
 *
 * Pin wiring on the PC (sim/chipset.c): ISA IRQ n drives pin n, except
 * IRQ0 (the PIT) which drives pin 2, as on PIIX/ICH boards and QEMU's pc;
 * the MADT must carry the matching interrupt source override.
 */
#ifndef SIM_DEVICES_IOAPIC_H
#define SIM_DEVICES_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/physmem.h"

#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC_SIZE 0x1000ull
#define IOAPIC_PINS 24u
#define IOAPIC_VERSION 0x11u     /* 82093AA */

/* Delivery modes (redirection entry bits 10:8). */
enum {
    IOAPIC_DM_FIXED = 0, IOAPIC_DM_LOWEST = 1, IOAPIC_DM_SMI = 2,
    IOAPIC_DM_NMI = 4, IOAPIC_DM_INIT = 5, IOAPIC_DM_EXTINT = 7,
};

/* One interrupt message: dest is the 8-bit destination field; dest_mode
 * 0 physical, 1 logical; level is the trigger mode (1 = level). Returns
 * true when some local APIC accepted it. */
typedef bool (*IoApicDeliverFn)(void *opaque, uint8_t dest, uint8_t vector,
                                uint8_t delivery_mode, uint8_t dest_mode,
                                bool level);

typedef struct IoApic IoApic;
struct IoApic {
    uint8_t regsel;
    uint8_t id;                /* IOAPICID bits 27:24 */
    uint64_t redir[IOAPIC_PINS];
    uint32_t lines;            /* pin input levels as driven (active high
                                  before the polarity bit is applied) */
    IoApicDeliverFn deliver;
    void *deliver_opaque;
};

extern const MmioOps ioapic_mmio_ops;

void ioapic_init(IoApic *a, uint8_t id, IoApicDeliverFn deliver, void *opaque);
/* Reset: every entry masked, edge, active high; ID kept as configured. */
void ioapic_reset(IoApic *a, uint8_t id);
/* Drive input pin `pin` to `level`. */
void ioapic_set_irq(IoApic *a, unsigned pin, bool level);
/* EOI broadcast from a local APIC for `vector`: clears remote IRR of the
 * level-triggered entries with that vector; a pin still asserted sends
 * its interrupt again. */
void ioapic_eoi(IoApic *a, uint8_t vector);

#endif
