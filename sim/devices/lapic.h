/*
 * sim/devices/lapic.h: one local APIC per vCPU and the APIC bus between
 * them, per SDM Vol.3 (325462-075) ch. 10 "Advanced Programmable
 * Interrupt Controller (APIC)": the xAPIC register page at IA32_APIC_BASE
 * (relocatable), x2APIC through MSRs 800H-8FFH, interrupt priority and
 * acceptance, EOI, interprocessor interrupts (fixed, lowest priority,
 * NMI, INIT, STARTUP; SMI is refused with a clean stop), the local vector
 * table and the timer in one-shot, periodic and TSC-deadline modes.
 *
 * Time: the timer counts this vCPU's simulated clock (cpu->cycles).
 * SIMPLIFICATION: the APIC timer's input clock (the bus clock of 10.5.4
 * "APIC Timer") runs at the TSC rate, one tick per simulated cycle before
 * the divider, so an initial count N with divide-by D fires N * D cycles,
 * as RDTSC measures, after the write that armed it.
 *
 * IPIs between vCPUs: one host thread runs all vCPUs (sim/run.c), so an
 * IPI lands in the target's IRR (or changes its activity, for INIT and
 * STARTUP) at the moment the sender writes the ICR; the target sees it
 * before its next instruction, that is in this round when it runs after
 * the sender and in the next round otherwise. Deterministic either way.
 */
#ifndef SIM_DEVICES_LAPIC_H
#define SIM_DEVICES_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "mmu/physmem.h"

/* Default physical base of the xAPIC page (SDM Vol.3 10.4.1 "The Local
 * APIC Block Diagram"). */
#define LAPIC_DEFAULT_BASE 0xfee00000ull
#define LAPIC_PAGE_SIZE 0x1000ull

/* Registers, indexed by MMIO offset / 10H (x2APIC MSR - 800H). */
enum {
#define LAPIC_REG(name, offset, xapic, x2apic, x2_wmask) LAPIC_##name = (offset) >> 4,
#include "sim/devices/lapic_regs.def"
};

/* Local vector table entries, in lapic->lvt[] (SDM Vol.3 10.5.1 "Local
 * Vector Table"). CMCI is not implemented (the version register reports
 * six entries). */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* Delivery modes (SDM Vol.3 10.6.1 "Interrupt Command Register (ICR)"). */
enum {
    APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
    APIC_DM_INIT = 5, APIC_DM_STARTUP = 6, APIC_DM_EXTINT = 7,
};

typedef struct LapicSys LapicSys;

typedef struct Lapic {
    Cpu *cpu;
    LapicSys *sys;
    uint32_t xapic_id;         /* ID register bits 31:24 in xAPIC mode */
    uint32_t tpr;              /* see lapic_tpr(): CR8 holds TPR[7:4] */
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t ldr, dfr, svr;
    uint32_t esr, esr_pending; /* readable ESR; errors since last write */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_COUNT];
    uint32_t tmict, tdcr;
    uint32_t timer_div;        /* divider latched when the count was loaded */
    /* Timer: counting started (or last reloaded) at timer_start; next
     * expiry at timer_fire (cycles), UINT64_MAX when not armed. */
    uint64_t timer_start, timer_fire;
    uint64_t tsc_deadline;     /* IA32_TSC_DEADLINE, 0 = disarmed */
} Lapic;

/* The APIC bus: every local APIC of the machine, and the platform hooks
 * the APICs call. */
struct LapicSys {
    Lapic *apic;               /* one per vCPU, same index */
    unsigned n;
    PhysMap *pm;
    /* The 8259's INTA for a LINT0 in ExtINT mode: vector or -1. */
    int (*extint)(void *opaque, bool acknowledge);
    void *extint_opaque;
    /* EOI of a level-triggered interrupt, for the I/O APICs (10.8.5
     * "Signaling Interrupt Servicing Completion"); may be NULL. */
    void (*eoi_broadcast)(void *opaque, uint8_t vector);
    void *eoi_opaque;
    /* The vCPU running now: xAPIC MMIO accesses go to its APIC (each
     * processor sees its own APIC at its IA32_APIC_BASE). */
    Cpu *current;
    /* An xAPIC ICR write asked for something vmxsim lacks (SMI); the
     * run loop stops with "unsupported: <stop_reason>". */
    const char *stop_reason;
    bool mmio_mapped;          /* the page region is in pm */
};

/* An interrupt message on the APIC bus (SDM Vol.3 10.6.1; also what the
 * I/O APIC and MSIs send, 10.11 "Message Signalled Interrupts"). */
typedef struct ApicMsg {
    uint32_t dest;             /* 8-bit xAPIC or 32-bit x2APIC destination */
    bool logical;              /* destination mode */
    bool x2apic;               /* dest is an x2APIC destination */
    uint8_t mode;              /* APIC_DM_* */
    uint8_t vector;
    bool level;                /* trigger mode: level */
    bool assert;               /* level: assert (INIT de-assert when 0) */
    uint8_t shorthand;         /* 0 none, 1 self, 2 all incl. self, 3 all excl. */
    int source;                /* sending vCPU index, -1 for a device */
} ApicMsg;

/* Allocate one APIC per vCPU and map the xAPIC page at its default base
 * (false, with *why, when RAM covers it: keep RAM below 3 GiB). */
bool lapic_sys_init(LapicSys *s, Cpu *cpus, unsigned n, PhysMap *pm,
                    const char **why);
void lapic_sys_free(LapicSys *s);

/* Power-on/RESET state (SDM Vol.3 10.4.7.1 "Local APIC State After
 * Power-Up or Reset"); IA32_APIC_BASE is the CPU's (msr_reset). */
void lapic_reset(Lapic *l);
/* The state firmware leaves on the bootstrap processor: software enabled,
 * LINT0 ExtINT and LINT1 NMI (virtual-wire mode, so 8259 interrupts reach
 * the BSP as on a PC after its BIOS). */
void lapic_firmware_setup(Lapic *l);

/* Deliver a message to every APIC it addresses. ST_STOP (with
 * s->stop_reason) for SMI. */
SimStatus lapic_send(LapicSys *s, const ApicMsg *msg);

/* CpuBus intr_pending: the highest-priority fixed interrupt above PPR (or
 * an ExtINT through LINT0), -1 if none; acknowledge moves it IRR -> ISR
 * (SDM Vol.3 10.8.4 "Interrupt Acceptance for Fixed Interrupts"). */
int lapic_intr_pending(Lapic *l, bool acknowledge);
/* Platform MSRs: IA32_APIC_BASE writes, IA32_TSC_DEADLINE, x2APIC
 * 800H-8FFH. Return false when not owned (or to leave a read to #GP). */
bool lapic_msr_read(Lapic *l, uint32_t index, uint64_t *value);
bool lapic_msr_write(Lapic *l, uint32_t index, uint64_t value, SimStatus *st);
/* xAPIC register access (MMIO page offset), as the current vCPU. */
uint32_t lapic_mmio_read(Lapic *l, uint32_t offset);
void lapic_mmio_write(Lapic *l, uint32_t offset, uint32_t value);

/* Timer: bring the timer up to cpu->cycles (an expiry sets the IRR bit),
 * and the simulated cycle of the next expiry (UINT64_MAX: none). */
void lapic_update(Lapic *l);
uint64_t lapic_next_event(const Lapic *l);
/* Can the next timer expiry wake this halted vCPU (timer unmasked)? */
bool lapic_timer_can_wake(const Lapic *l);
/* Register values for tests and reports. */
uint32_t lapic_ppr(const Lapic *l);
uint32_t lapic_tpr(const Lapic *l);
uint32_t lapic_current_count(const Lapic *l);
bool lapic_x2apic(const Lapic *l);

#endif
