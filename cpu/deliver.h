/*
 * cpu/deliver.h: event delivery, the one place that turns a fault status
 * into what the architecture says: a guest exception through the IDT/IVT,
 * a double fault, a triple fault (shutdown), and in VMX non-root operation
 * a VM exit (issue 4). SDM Vol.3 ch. 6 "Interrupt and Exception Handling".
 */
#ifndef CPU_DELIVER_H
#define CPU_DELIVER_H

#include "cpu/cpu.h"

typedef enum EventKind {
    EV_EXCEPTION,          /* fault or trap raised by the processor */
    EV_EXTERNAL,           /* INTR from the platform */
    EV_NMI,
    EV_SOFTWARE_INT,       /* INT n */
    EV_SOFTWARE_EXC,       /* INT3, INTO */
    EV_PRIV_SOFTWARE_EXC,  /* INT1 (ICEBP) */
} EventKind;

/* Deliver cpu->fault (after a handler returned ST_FAULT). RIP still points
 * at the faulting instruction. Returns ST_OK when the guest handler is now
 * the next instruction, ST_SHUTDOWN on triple fault. */
SimStatus cpu_deliver_fault(Cpu *cpu);

/* Deliver an event through the IDT (or IVT in real mode). For software
 * interrupts next_rip is the return address. */
SimStatus cpu_deliver_event(Cpu *cpu, EventKind kind, uint8_t vector,
                            bool has_error, uint32_t error);

/* Between instructions: deliver a pending NMI or external interrupt if the
 * architecture allows it now (SDM Vol.3 6.9 priority). */
SimStatus cpu_check_interrupts(Cpu *cpu);

#endif
