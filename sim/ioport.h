/*
 * sim/ioport.h: the x86 I/O address space (64 KiB of byte ports) and its
 * dispatch to devices (SDM Vol.1 18.2 "I/O Port Addressing").
 *
 * Each port maps, through a direct-mapped table, to at most one device
 * range. An access of 2 or 4 bytes goes to the device that owns its first
 * port when the device accepts that width; otherwise it is split into byte
 * accesses to consecutive ports, as an 8-bit ISA device sees it.
 * Unclaimed ports read as all ones and ignore writes (nothing drives the
 * bus on a PC).
 */
#ifndef SIM_IOPORT_H
#define SIM_IOPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"

#define IOPORT_COUNT 65536u
#define IOPORT_MAX_DEVICES 32u

typedef struct IoPortOps {
    /* offset is the port minus the range base; size 1, 2 or 4. A device
     * returns ST_STOP to ask the machine to stop (the access completes). */
    SimStatus (*in)(void *opaque, uint16_t offset, unsigned size,
                    uint32_t *value);
    SimStatus (*out)(void *opaque, uint16_t offset, unsigned size,
                     uint32_t value);
    unsigned max_size;     /* widest access the device decodes: 1, 2 or 4 */
} IoPortOps;

typedef struct IoPortRange {
    uint16_t base;
    uint32_t count;
    const IoPortOps *ops;
    void *opaque;
    const char *name;
} IoPortRange;

typedef struct IoPortMap {
    uint8_t owner[IOPORT_COUNT];   /* index + 1 into ranges, 0 = none */
    IoPortRange ranges[IOPORT_MAX_DEVICES];
    unsigned nranges;
} IoPortMap;

void ioport_init(IoPortMap *io);
/* Claim [base, base + count). False with *err set when a port is taken or
 * the range leaves the I/O space. */
bool ioport_register(IoPortMap *io, uint16_t base, uint32_t count,
                     const IoPortOps *ops, void *opaque, const char *name,
                     const char **err);
/* Name of the device owning port, NULL if none. */
const char *ioport_owner_name(const IoPortMap *io, uint16_t port);

SimStatus ioport_in(IoPortMap *io, uint16_t port, unsigned size,
                    uint32_t *value);
SimStatus ioport_out(IoPortMap *io, uint16_t port, unsigned size,
                     uint32_t value);

#endif
