/*
 * sim/devices/debugcon.h: the Bochs/QEMU debug console, one I/O port
 * (E9H on a PC) whose writes are console text.
 */
#ifndef SIM_DEVICES_DEBUGCON_H
#define SIM_DEVICES_DEBUGCON_H

#include "sim/console.h"
#include "sim/ioport.h"

/* What a read returns: E9H, so software can detect the port (Bochs and
 * QEMU return the same "readback" value). */
#define DEBUGCON_READBACK 0xe9u

typedef struct DebugCon {
    Console *console;
} DebugCon;

extern const IoPortOps debugcon_ops;

#endif
