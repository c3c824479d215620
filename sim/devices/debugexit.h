/*
 * sim/devices/debugexit.h: QEMU's isa-debug-exit: a write of value v ends
 * the simulation with process exit status (v << 1) | 1.
 *
 * The device never exits the process itself: it records the request in
 * the MachineExit it points to and returns ST_STOP; the run loop stops, the
 * console is flushed, statistics are printed, and main returns the status.
 */
#ifndef SIM_DEVICES_DEBUGEXIT_H
#define SIM_DEVICES_DEBUGEXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/ioport.h"

/* A machine-wide request to stop with a given process exit status. */
typedef struct MachineExit {
    bool requested;
    int status;
    const char *reason;
} MachineExit;

typedef struct DebugExit {
    MachineExit *exit;
    uint16_t iobase, iosize;
    IoPortOps ops;         /* max_size follows iosize */
} DebugExit;

void debugexit_init(DebugExit *d, MachineExit *exit, uint16_t iobase,
                    uint16_t iosize);
/* The exit status for a written value, as QEMU computes it. */
int debugexit_status(uint32_t value);

#endif
