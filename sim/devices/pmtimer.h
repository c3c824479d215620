/*
 * sim/devices/pmtimer.h: the ACPI power-management timer (ACPI 6.4,
 * 4.8.3.3 "Power Management Timer (PM_TMR)"): a 24-bit counter at
 * 3.579545 MHz, read as a doubleword at PM_TMR_BLK; bits 31:24 read 0
 * (the FADT's TMR_VAL_EXT flag is clear). Derived from simulated cycles
 * (clock.h); it counts from 0 at power-on.
 *
 * Port: the machine file's <pmtimer iobase=...>; pc.xml uses 608H, the
 * PM_TMR of QEMU's pc and q35 (PM base 600H + 8).
 * SIMPLIFICATION: no TMR_STS/TMR_EN overflow interrupt (SCI).
 */
#ifndef SIM_DEVICES_PMTIMER_H
#define SIM_DEVICES_PMTIMER_H

#include <stdint.h>

#include "sim/devices/clock.h"
#include "sim/ioport.h"

#define PMTIMER_HZ 3579545u
#define PMTIMER_NPORTS 4u

typedef struct PmTimer {
    const SimClock *clock;
} PmTimer;

/* 4 ports: opaque is the PmTimer. */
extern const IoPortOps pmtimer_ops;

/* The 24-bit count now. */
uint32_t pmtimer_count(const PmTimer *t);

#endif
