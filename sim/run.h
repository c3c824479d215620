/*
 * sim/run.h: the run loop: deterministic round robin over the vCPUs, each
 * running a quantum of simulated cycles, until the machine stops.
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include "sim/machine.h"

/* Run until the machine stops; returns the process exit status (see the
 * EXIT_* list in sim/machine.h, or the isa-debug-exit status). Messages go
 * to stderr; the console is flushed before returning. */
int machine_run(Machine *m);

#endif
