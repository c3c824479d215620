/*
 * sim/devices/debugexit.c: isa-debug-exit (see debugexit.h). Reads return
 * 0. A write of any width up to iosize requests the exit; the I/O
 * dispatcher splits a wider write into bytes, so the first byte ends it.
 */
#include "sim/devices/debugexit.h"

int debugexit_status(uint32_t value)
{
    /* QEMU computes (val << 1) | 1 as an int; the host keeps the low 8 bits
     * of a process exit status. */
    return (int)(((value << 1) | 1) & 0xff);
}

static SimStatus debugexit_in(void *opaque, uint16_t off, unsigned size,
                              uint32_t *value)
{
    *value = 0;
    return ST_OK;
}

static SimStatus debugexit_out(void *opaque, uint16_t off, unsigned size,
                               uint32_t value)
{
    DebugExit *d = opaque;
    if (!d->exit->requested) {
        d->exit->requested = true;
        d->exit->status = debugexit_status(value);
        d->exit->reason = "isa-debug-exit";
    }
    return ST_STOP;
}

void debugexit_init(DebugExit *d, MachineExit *exit, uint16_t iobase,
                    uint16_t iosize)
{
    d->exit = exit;
    d->iobase = iobase;
    d->iosize = iosize;
    d->ops.in = debugexit_in;
    d->ops.out = debugexit_out;
    d->ops.max_size = iosize >= 4 ? 4 : iosize >= 2 ? 2 : 1;
}
