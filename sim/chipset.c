/*
 * sim/chipset.c: the PC chipset wiring (see chipset.h): device creation
 * from the machine file, ISA IRQ routing, the platform clock and the
 * reset request line.
 *
 * IRQ routing (PIIX3/ICH, and QEMU's pc): ISA IRQ n drives 8259A input n
 * (IRQ8-15 on the slave) and I/O APIC pin n, except IRQ0, which drives
 * I/O APIC pin 2 (sim/firmware.h PC_PIT_GSI; the MADT's interrupt source
 * override says so). IRQ2 is the 8259A cascade and has no ISA device.
 */
#include "sim/chipset.h"

#include "sim/firmware.h"

G_DEFINE_QUARK(vmxsim-chipset-error-quark, chipset_error)

_Static_assert(IOAPIC_VERSION == PC_IOAPIC_VERSION &&
               IOAPIC_PINS == PC_IOAPIC_PINS &&
               IOAPIC_BASE == PC_IOAPIC_BASE,
               "the I/O APIC must be what the firmware tables describe");
_Static_assert(PCI_CONF_PORT + 1 == PC_RESET_PORT,
               "CF9H sits inside the PCI configuration window");

static unsigned ioapic_pin(unsigned irq)
{
    return irq == PC_PIT_IRQ ? PC_PIT_GSI : irq;
}

void chipset_set_irq(void *opaque, unsigned irq, bool level)
{
    Chipset *c = opaque;
    if (c->pic)
        pic_set_irq(c->pic, irq, level);
    if (c->has_ioapic)
        ioapic_set_irq(&c->ioapic, ioapic_pin(irq), level);
}

static void reset_request(void *opaque, const char *source)
{
    Chipset *c = opaque;
    c->reset_requested = true;
    c->reset_source = source;
}

static bool claim(IoPortMap *io, uint16_t base, uint32_t count,
                  const IoPortOps *ops, void *opaque, const char *name,
                  GError **err)
{
    const char *why = NULL;
    if (ioport_register(io, base, count, ops, opaque, name, &why))
        return true;
    const char *other = NULL;
    for (uint32_t p = base; !other && p < (uint32_t)base + count && p < 0x10000; p++)
        other = ioport_owner_name(io, (uint16_t)p);
    g_set_error(err, chipset_error_quark(), 0, "%s at I/O port 0x%x (%u ports): "
                "%s%s%s", name, base, count, why, other ? ": " : "",
                other ? other : "");
    return false;
}

bool chipset_init(Chipset *c, const MachineConfig *mc, PicPair *pic,
                  IoPortMap *io, PhysMap *pm, IoApicDeliverFn deliver,
                  void *deliver_opaque, GError **err)
{
    c->clock = (SimClock){ .now = 0, .hz = mc->cpu_hz ? mc->cpu_hz
                                                      : MACHINE_DEFAULT_CPU_HZ };
    c->pic = pic;
    c->next_event = UINT64_MAX;
    c->reset_requested = false;
    ResetLine line = { reset_request, c };
    if (pic && !claim(io, CHIPSET_ELCR_PORT, 2, &pic_elcr_ops, pic,
                      "elcr (8259A edge/level control)", err))
        return false;
    if (mc->has_ioapic) {
        c->has_ioapic = true;
        ioapic_init(&c->ioapic, PC_IOAPIC_ID, deliver, deliver_opaque);
        if (!physmem_add_mmio(pm, IOAPIC_BASE, IOAPIC_SIZE, &ioapic_mmio_ops,
                              &c->ioapic, "ioapic")) {
            g_set_error(err, chipset_error_quark(), 0, "ioapic at 0x%llx: the "
                        "MMIO range overlaps RAM or another region, or too "
                        "many regions", (unsigned long long)IOAPIC_BASE);
            return false;
        }
    }
    if (mc->has_pit) {
        c->has_pit = true;
        pit_init(&c->pit, &c->clock, (IrqLine){ chipset_set_irq, c, PC_PIT_IRQ });
        if (!claim(io, CHIPSET_PIT_PORT, 4, &pit_ops, &c->pit, "pit (8254)", err) ||
            !claim(io, CHIPSET_PORT61, 1, &pit_port61_ops, &c->pit,
                   "port 61h (NMI status and control)", err))
            return false;
    }
    if (mc->has_rtc) {
        c->has_rtc = true;
        rtc_init(&c->rtc, &c->clock,
                 (IrqLine){ chipset_set_irq, c, CHIPSET_RTC_IRQ },
                 mc->has_rtc_start ? mc->rtc_start : RTC_DEFAULT_START);
        if (!claim(io, CHIPSET_RTC_PORT, 2, &rtc_ops, &c->rtc,
                   "rtc (MC146818 CMOS)", err))
            return false;
    }
    if (mc->has_pci) {
        c->has_pci = true;
        reset_ctl_init(&c->rst, line);
        pci_init(&c->pci, &c->rst);
        if (!claim(io, PCI_CONF_PORT, PCI_CONF_NPORTS, &pci_ops, &c->pci,
                   "pci (configuration mechanism #1, reset control)", err))
            return false;
    }
    if (mc->has_i8042) {
        c->has_i8042 = true;
        i8042_init(&c->kbc, line);
        if (!claim(io, CHIPSET_I8042_DATA, 1, &i8042_data_ops, &c->kbc,
                   "i8042 (data)", err) ||
            !claim(io, CHIPSET_I8042_CMD, 1, &i8042_cmd_ops, &c->kbc,
                   "i8042 (status/command)", err))
            return false;
    }
    if (mc->has_pmtimer) {
        c->has_pmtimer = true;
        c->pmtimer.clock = &c->clock;
        c->pmtimer_port = mc->pmtimer_iobase;
        if (!claim(io, mc->pmtimer_iobase, PMTIMER_NPORTS, &pmtimer_ops,
                   &c->pmtimer, "acpi pm timer", err))
            return false;
    }
    chipset_reschedule(c);
    return true;
}

void chipset_reset(Chipset *c)
{
    c->reset_requested = false;
    c->reset_source = NULL;
    if (c->has_ioapic)
        ioapic_reset(&c->ioapic, PC_IOAPIC_ID);
    if (c->has_pit)
        pit_reset(&c->pit);
    if (c->has_rtc)
        rtc_reset(&c->rtc);
    if (c->has_pci) {
        pci_reset(&c->pci);
        c->rst.rst_cnt = 0;
    }
    if (c->has_i8042)
        i8042_reset(&c->kbc);
    chipset_reschedule(c);
}

void chipset_reschedule(Chipset *c)
{
    uint64_t t = UINT64_MAX;
    if (c->has_pit)
        t = pit_next_event(&c->pit);
    if (c->has_rtc) {
        uint64_t r = rtc_next_event(&c->rtc);
        t = r < t ? r : t;
    }
    c->next_event = t;
}

void chipset_sync(Chipset *c, uint64_t cycles)
{
    if (cycles > c->clock.now)
        c->clock.now = cycles;
    if (c->clock.now < c->next_event)
        return;
    if (c->has_pit)
        pit_update(&c->pit);
    if (c->has_rtc)
        rtc_update(&c->rtc);
    chipset_reschedule(c);
}

/* Can ISA IRQ irq reach a CPU: unmasked at the 8259A pair (and the
 * cascade, for the slave) or at its I/O APIC pin? */
static bool irq_reachable(const Chipset *c, unsigned irq)
{
    if (c->pic) {
        const Pic8259 *m = &c->pic->chip[0], *s = &c->pic->chip[1];
        if (irq < 8 ? !(m->imr & (1u << irq))
                    : !(s->imr & (1u << (irq - 8))) && !(m->imr & 0x04))
            return true;
    }
    return c->has_ioapic &&
           !(c->ioapic.redir[ioapic_pin(irq)] & (1ull << 16));
}

uint64_t chipset_next_event(const Chipset *c)
{
    uint64_t t = UINT64_MAX;
    if (c->has_pit && irq_reachable(c, PC_PIT_IRQ))
        t = pit_next_event(&c->pit);
    if (c->has_rtc && irq_reachable(c, CHIPSET_RTC_IRQ)) {
        uint64_t r = rtc_next_event(&c->rtc);
        t = r < t ? r : t;
    }
    return t;
}
