/*
 * sim/devices/pmtimer.c: the ACPI PM timer (see pmtimer.h). A narrower
 * read returns the addressed bytes of the doubleword; writes are
 * ignored (the register is read-only, ACPI 6.4 4.8.3.3).
 */
#include "sim/devices/pmtimer.h"

#define PMTIMER_MASK 0xffffffu

uint32_t pmtimer_count(const PmTimer *t)
{
    return (uint32_t)clock_ticks(t->clock, t->clock->now, PMTIMER_HZ, 1) &
           PMTIMER_MASK;
}

static SimStatus pmtimer_in(void *opaque, uint16_t off, unsigned size,
                            uint32_t *value)
{
    *value = pmtimer_count(opaque) >> (8 * off);
    return ST_OK;
}

static SimStatus pmtimer_out(void *opaque, uint16_t off, unsigned size,
                             uint32_t value)
{
    return ST_OK;
}

const IoPortOps pmtimer_ops = { pmtimer_in, pmtimer_out, 4 };
