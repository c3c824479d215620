/*
 * sim/devices/ioapic.c: the I/O APIC (see ioapic.h). Section names are
 * those of the Intel 82093AA I/O APIC data sheet: "Register Description"
 * (IOREGSEL, IOWIN, IOAPICID, IOAPICVER, IOAPICARB, IOREDTBL). Version
 * 11H has no EOI register: end of interrupt arrives from the local APICs'
 * EOI broadcast (ioapic_eoi).
 *
 * Rules (IOREDTBL bit descriptions):
 *  - Edge-triggered: an inactive-to-active transition of an unmasked pin
 *    sends one message; a masked pin's edges are lost.
 *  - Level-triggered: an active, unmasked pin with remote IRR clear sends
 *    a message and sets remote IRR; the local APIC's EOI with the entry's
 *    vector clears it, and a pin still active sends again.
 *  - Delivery status (bit 12) reads 1 while a message is pending, i.e. a
 *    level interrupt no local APIC accepted; it is retried on EOI, unmask
 *    or a redirection-entry write.
 * Read-only bits (12 and 14) ignore writes. SMI messages are sent like
 * the others; the receiving local APIC refuses them.
 */
#include "sim/devices/ioapic.h"

#define REG_ID   0x00u
#define REG_VER  0x01u
#define REG_ARB  0x02u
#define REG_REDIR 0x10u
#define OFF_REGSEL 0x00u
#define OFF_WIN    0x10u

#define RTE_VECTOR    0xffull
#define RTE_DELMODE_SHIFT 8
#define RTE_DESTMODE  (1ull << 11)
#define RTE_DELIVS    (1ull << 12)
#define RTE_POLARITY  (1ull << 13)   /* 1: active low */
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL     (1ull << 15)
#define RTE_MASK      (1ull << 16)
#define RTE_DEST_SHIFT 56
#define RTE_RO        (RTE_DELIVS | RTE_REMOTE_IRR)
/* Writable bits: 16:0 less the read-only ones, and 63:56. */
#define RTE_RW        ((0x1ffffull & ~RTE_RO) | (0xffull << RTE_DEST_SHIFT))

static bool pin_active(const IoApic *a, unsigned pin)
{
    bool level = (a->lines >> pin) & 1;
    return (a->redir[pin] & RTE_POLARITY) ? !level : level;
}

/* Send the entry's message. */
static bool send(IoApic *a, unsigned pin)
{
    uint64_t e = a->redir[pin];
    if (!a->deliver)
        return false;
    return a->deliver(a->deliver_opaque, (uint8_t)(e >> RTE_DEST_SHIFT),
                      (uint8_t)(e & RTE_VECTOR),
                      (uint8_t)((e >> RTE_DELMODE_SHIFT) & 7),
                      (e & RTE_DESTMODE) ? 1 : 0, (e & RTE_LEVEL) != 0);
}

/* Level-triggered service: send while active, unmasked, remote IRR clear. */
static void service_level(IoApic *a, unsigned pin)
{
    uint64_t *e = &a->redir[pin];
    if (!(*e & RTE_LEVEL) || (*e & RTE_MASK) || (*e & RTE_REMOTE_IRR) ||
        !pin_active(a, pin)) {
        *e &= ~RTE_DELIVS;
        return;
    }
    if (send(a, pin)) {
        *e &= ~RTE_DELIVS;
        /* Remote IRR is for fixed and lowest-priority messages, the ones
         * a local APIC ends with an EOI. */
        unsigned dm = (*e >> RTE_DELMODE_SHIFT) & 7;
        if (dm == IOAPIC_DM_FIXED || dm == IOAPIC_DM_LOWEST)
            *e |= RTE_REMOTE_IRR;
    } else {
        *e |= RTE_DELIVS;
    }
}

void ioapic_set_irq(IoApic *a, unsigned pin, bool level)
{
    if (pin >= IOAPIC_PINS)
        return;
    bool was = pin_active(a, pin);
    if (level)
        a->lines |= 1u << pin;
    else
        a->lines &= ~(1u << pin);
    bool now = pin_active(a, pin);
    uint64_t e = a->redir[pin];
    if (e & RTE_LEVEL)
        service_level(a, pin);
    else if (now && !was && !(e & RTE_MASK))
        send(a, pin);
}

void ioapic_eoi(IoApic *a, uint8_t vector)
{
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t *e = &a->redir[pin];
        if ((*e & RTE_LEVEL) && (*e & RTE_VECTOR) == vector &&
            (*e & RTE_REMOTE_IRR)) {
            *e &= ~RTE_REMOTE_IRR;
            service_level(a, pin);
        }
    }
}

void ioapic_reset(IoApic *a, uint8_t id)
{
    a->regsel = 0;
    a->id = id & 0xf;
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        a->redir[i] = RTE_MASK;
}

void ioapic_init(IoApic *a, uint8_t id, IoApicDeliverFn deliver, void *opaque)
{
    a->lines = 0;
    a->deliver = deliver;
    a->deliver_opaque = opaque;
    ioapic_reset(a, id);
}

static uint32_t reg_read(const IoApic *a)
{
    unsigned r = a->regsel;
    switch (r) {
    case REG_ID:
        return (uint32_t)a->id << 24;
    case REG_VER:
        /* Maximum redirection entry (entries - 1) in 23:16, version 7:0. */
        return ((IOAPIC_PINS - 1) << 16) | IOAPIC_VERSION;
    case REG_ARB:
        return (uint32_t)a->id << 24;
    default:
        if (r >= REG_REDIR && r < REG_REDIR + 2 * IOAPIC_PINS) {
            uint64_t e = a->redir[(r - REG_REDIR) / 2];
            return (r & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
        }
        return 0;
    }
}

static void reg_write(IoApic *a, uint32_t v)
{
    unsigned r = a->regsel;
    if (r == REG_ID) {
        a->id = (v >> 24) & 0xf;
        return;
    }
    if (r < REG_REDIR || r >= REG_REDIR + 2 * IOAPIC_PINS)
        return;                     /* version, arbitration: read-only */
    unsigned pin = (r - REG_REDIR) / 2;
    uint64_t *e = &a->redir[pin];
    uint64_t nv = (r & 1) ? ((uint64_t)v << 32) | (uint32_t)*e
                          : (*e & ~0xffffffffull) | v;
    *e = (*e & RTE_RO) | (nv & RTE_RW);
    if (!(*e & RTE_LEVEL))
        *e &= ~(RTE_REMOTE_IRR | RTE_DELIVS);
    service_level(a, pin);
}

static uint64_t ioapic_read(void *opaque, uint64_t off, unsigned size)
{
    IoApic *a = opaque;
    switch (off) {
    case OFF_REGSEL:
        return a->regsel;
    case OFF_WIN:
        return reg_read(a);
    default:
        return 0;
    }
}

static void ioapic_write(void *opaque, uint64_t off, unsigned size,
                         uint64_t value)
{
    IoApic *a = opaque;
    switch (off) {
    case OFF_REGSEL:
        a->regsel = (uint8_t)value;
        break;
    case OFF_WIN:
        reg_write(a, (uint32_t)value);
        break;
    default:
        break;
    }
}

const MmioOps ioapic_mmio_ops = { ioapic_read, ioapic_write };
