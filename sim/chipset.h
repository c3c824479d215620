/*
 * sim/chipset.h: the PC chipset around the vCPUs: the interrupt routing
 * from ISA IRQ lines to the 8259A pair and the I/O APIC, the timed
 * devices (8254 PIT, CMOS RTC, ACPI PM timer) on the platform clock, PCI
 * configuration mechanism #1 with its host bridge, and the two reset
 * sources (CF9H and the i8042). Which devices exist, and the clock's
 * frequency and start date, come from the machine file (MachineConfig).
 *
 * The 8259A pair itself stays in Machine (m->pic, wired to the local
 * APICs' LINT0); the chipset drives its IRQ inputs through a pointer.
 *
 * Time: devices are brought up to date lazily, when a vCPU touches a
 * port, polls for interrupts (chipset_sync), or when the run loop skips
 * a halted machine ahead to chipset_next_event().
 */
#ifndef SIM_CHIPSET_H
#define SIM_CHIPSET_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmu/physmem.h"
#include "sim/config.h"
#include "sim/devices/clock.h"
#include "sim/devices/i8042.h"
#include "sim/devices/ioapic.h"
#include "sim/devices/pci.h"
#include "sim/devices/pic.h"
#include "sim/devices/pit.h"
#include "sim/devices/pmtimer.h"
#include "sim/devices/reset.h"
#include "sim/devices/rtc.h"
#include "sim/ioport.h"

/* Fixed ports of the PC's legacy devices (PC/AT convention). */
#define CHIPSET_PIT_PORT     0x40u
#define CHIPSET_PORT61       0x61u
#define CHIPSET_I8042_DATA   0x60u
#define CHIPSET_I8042_CMD    0x64u
#define CHIPSET_RTC_PORT     0x70u
#define CHIPSET_ELCR_PORT    0x4d0u
#define CHIPSET_RTC_IRQ      8u

typedef struct Chipset {
    SimClock clock;
    PicPair *pic;              /* Machine's 8259A pair, NULL if absent */
    bool has_ioapic, has_pit, has_rtc, has_pci, has_i8042, has_pmtimer;
    IoApic ioapic;
    Pit pit;
    Rtc rtc;
    PciHost pci;
    ResetCtl rst;
    I8042 kbc;
    PmTimer pmtimer;
    uint16_t pmtimer_port;
    uint64_t next_event;       /* cached chipset_next_event() */
    /* A device asked for a platform reset (CF9H, i8042); the machine
     * performs it when the port access returns. */
    bool reset_requested;
    const char *reset_source;
} Chipset;

/* Create the configured devices, claim their ports and MMIO. deliver is
 * how the I/O APIC sends interrupt messages (to the local APICs). */
bool chipset_init(Chipset *c, const MachineConfig *mc, PicPair *pic,
                  IoPortMap *io, PhysMap *pm, IoApicDeliverFn deliver,
                  void *deliver_opaque, GError **err);
/* Platform reset: every device's reset state; RTC time and NVRAM kept. */
void chipset_reset(Chipset *c);
/* Drive ISA IRQ line irq: to the 8259A input and the I/O APIC pin. */
void chipset_set_irq(void *opaque, unsigned irq, bool level);
/* Bring the clock to `cycles` (never backwards) and the timed devices
 * up to date when one of them is due. Cheap when nothing is due. */
void chipset_sync(Chipset *c, uint64_t cycles);
/* After a port access: recompute when the next device event is due. */
void chipset_reschedule(Chipset *c);
/* Core cycle at which a timed device next raises an IRQ that could reach
 * a CPU (unmasked somewhere), UINT64_MAX if none. */
uint64_t chipset_next_event(const Chipset *c);

#endif
