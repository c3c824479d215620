/*
 * sim/ioport.c: port I/O dispatch (see sim/ioport.h).
 *
 * SDM Vol.1 18.2 "I/O Port Addressing": the I/O space is 64 KiB of 8-bit
 * ports; a 16- or 32-bit access covers 2 or 4 consecutive ports.
 * SIMPLIFICATION: an access that runs past port FFFFH wraps to port 0 (the
 * SDM leaves what the bus does to the platform).
 */
#include "sim/ioport.h"

#include <string.h>

_Static_assert(IOPORT_MAX_DEVICES < 256, "owner[] holds index + 1 in a byte");

void ioport_init(IoPortMap *io)
{
    memset(io, 0, sizeof(*io));
}

bool ioport_register(IoPortMap *io, uint16_t base, uint32_t count,
                     const IoPortOps *ops, void *opaque, const char *name,
                     const char **err)
{
    if (count == 0 || (uint32_t)base + count > IOPORT_COUNT) {
        *err = "the port range leaves the 64 KiB I/O space";
        return false;
    }
    if (io->nranges == IOPORT_MAX_DEVICES) {
        *err = "too many port I/O devices";
        return false;
    }
    for (uint32_t p = base; p < base + count; p++) {
        if (io->owner[p]) {
            *err = "the port range overlaps another device";
            return false;
        }
    }
    IoPortRange *r = &io->ranges[io->nranges++];
    r->base = base;
    r->count = count;
    r->ops = ops;
    r->opaque = opaque;
    r->name = name;
    for (uint32_t p = base; p < base + count; p++)
        io->owner[p] = (uint8_t)io->nranges;
    return true;
}

const char *ioport_owner_name(const IoPortMap *io, uint16_t port)
{
    uint8_t o = io->owner[port];
    return o ? io->ranges[o - 1].name : NULL;
}

/* The range that decodes the whole access at port, or NULL when the access
 * must be split into bytes (or nothing owns the port). */
static const IoPortRange *ioport_whole(const IoPortMap *io, uint16_t port,
                                       unsigned size)
{
    uint8_t o = io->owner[port];
    if (!o)
        return NULL;
    const IoPortRange *r = &io->ranges[o - 1];
    if (size > r->ops->max_size || (uint32_t)(port - r->base) + size > r->count)
        return NULL;
    return r;
}

static SimStatus ioport_in_byte(IoPortMap *io, uint16_t port, uint8_t *v)
{
    uint8_t o = io->owner[port];
    if (!o) {
        *v = 0xff;
        return ST_OK;
    }
    const IoPortRange *r = &io->ranges[o - 1];
    uint32_t x = 0xff;
    SimStatus st = r->ops->in(r->opaque, (uint16_t)(port - r->base), 1, &x);
    *v = (uint8_t)x;
    return st;
}

SimStatus ioport_in(IoPortMap *io, uint16_t port, unsigned size,
                    uint32_t *value)
{
    const IoPortRange *r = ioport_whole(io, port, size);
    if (r) {
        uint32_t x = 0;
        SimStatus st = r->ops->in(r->opaque, (uint16_t)(port - r->base), size, &x);
        *value = size == 4 ? x : x & ((1u << (size * 8)) - 1);
        return st;
    }
    SimStatus st = ST_OK;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b;
        SimStatus s = ioport_in_byte(io, (uint16_t)(port + i), &b);
        if (s != ST_OK)
            st = s;
        v |= (uint32_t)b << (8 * i);
    }
    *value = v;
    return st;
}

SimStatus ioport_out(IoPortMap *io, uint16_t port, unsigned size,
                     uint32_t value)
{
    const IoPortRange *r = ioport_whole(io, port, size);
    if (r)
        return r->ops->out(r->opaque, (uint16_t)(port - r->base), size, value);
    SimStatus st = ST_OK;
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        uint8_t o = io->owner[p];
        if (!o)
            continue;
        const IoPortRange *br = &io->ranges[o - 1];
        SimStatus s = br->ops->out(br->opaque, (uint16_t)(p - br->base), 1,
                                   (value >> (8 * i)) & 0xff);
        if (s != ST_OK)
            st = s;
    }
    return st;
}
