/*
 * traces/trace.h: a minimal event-trace facility: fixed-size records in a
 * preallocated ring, one branch when tracing is off (ARCHITECTURE "The path
 * of one instruction", step 5; STYLE 11).
 *
 * SIMPLIFICATION: this is the foundation's placeholder for the full design
 * (traces/events.def, per-vCPU CTF streams, exit profiles), which is a later
 * issue. Records are formatted as text only when the ring is dumped.
 */
#ifndef TRACES_TRACE_H
#define TRACES_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"

/* Event kinds; names in trace_event_name(). */
typedef enum TraceEvent {
    TRACE_STOP,         /* a vCPU asked the machine to stop; a = status */
    TRACE_SHUTDOWN,     /* triple fault / shutdown of a vCPU */
    TRACE_RESET,        /* machine reset; a = reset count */
    TRACE_HALT_IDLE,    /* every vCPU is asleep with no wake-up source */
    TRACE_PORT_EXIT,    /* isa-debug-exit written; a = value */
    TRACE_VMENTRY_FAIL, /* a VM-entry check failed; a = EntryCheckId (row of
                           vmx/entry_checks.def), b = VM-instruction error
                           << 32 | exit-33 qualification */
    TRACE_EVENT_COUNT
} TraceEvent;

typedef struct TraceRecord {
    uint64_t cycles;    /* simulated cycles of the vCPU */
    uint64_t a, b;
    uint32_t cpu;
    uint16_t event;
    uint16_t pad;
} TraceRecord;

typedef struct Tracer {
    bool enabled;
    TraceRecord *ring;  /* 1 << log2_size records */
    uint64_t mask;
    uint64_t head;      /* records written so far */
} Tracer;

/* A disabled tracer needs no allocation; trace_enable allocates the ring. */
void trace_init(Tracer *t);
void trace_enable(Tracer *t, unsigned log2_size);
void trace_destroy(Tracer *t);

static inline void trace_emit(Tracer *t, TraceEvent ev, uint32_t cpu,
                              uint64_t cycles, uint64_t a, uint64_t b)
{
    if (SIM_LIKELY(!t->enabled))
        return;
    TraceRecord *r = &t->ring[t->head & t->mask];
    r->cycles = cycles;
    r->a = a;
    r->b = b;
    r->cpu = cpu;
    r->event = (uint16_t)ev;
    r->pad = 0;
    t->head++;
}

const char *trace_event_name(TraceEvent ev);
/* Print the records still in the ring, oldest first. */
void trace_dump(const Tracer *t, FILE *out);

#endif
