/*
 * sim/devices/debugcon.c: the port E9H debug console (see debugcon.h).
 * Each byte written goes to the console; wider writes are split into bytes
 * by the I/O dispatcher, low byte first.
 */
#include "sim/devices/debugcon.h"

static SimStatus debugcon_in(void *opaque, uint16_t off, unsigned size,
                             uint32_t *value)
{
    *value = DEBUGCON_READBACK;
    return ST_OK;
}

static SimStatus debugcon_out(void *opaque, uint16_t off, unsigned size,
                              uint32_t value)
{
    DebugCon *d = opaque;
    console_putc(d->console, (uint8_t)value);
    return ST_OK;
}

const IoPortOps debugcon_ops = { debugcon_in, debugcon_out, 1 };
