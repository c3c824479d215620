/*
 * traces/trace.c: the minimal event ring declared in traces/trace.h.
 * Text is produced only here, at dump time, never while recording.
 */
#include "traces/trace.h"

#include <glib.h>
#include <inttypes.h>

static const char *const trace_names[TRACE_EVENT_COUNT] = {
    [TRACE_STOP] = "stop",
    [TRACE_SHUTDOWN] = "shutdown",
    [TRACE_RESET] = "reset",
    [TRACE_HALT_IDLE] = "halt-idle",
    [TRACE_PORT_EXIT] = "debug-exit",
    [TRACE_VMENTRY_FAIL] = "vmentry-fail",
};

void trace_init(Tracer *t)
{
    t->enabled = false;
    t->ring = NULL;
    t->mask = 0;
    t->head = 0;
}

void trace_enable(Tracer *t, unsigned log2_size)
{
    g_assert(log2_size > 0 && log2_size < 32);
    g_free(t->ring);
    t->ring = g_new0(TraceRecord, (size_t)1 << log2_size);
    t->mask = ((uint64_t)1 << log2_size) - 1;
    t->head = 0;
    t->enabled = true;
}

void trace_destroy(Tracer *t)
{
    g_free(t->ring);
    trace_init(t);
}

const char *trace_event_name(TraceEvent ev)
{
    return (unsigned)ev < TRACE_EVENT_COUNT ? trace_names[ev] : "?";
}

void trace_dump(const Tracer *t, FILE *out)
{
    if (!t->ring)
        return;
    uint64_t n = t->mask + 1;
    uint64_t first = t->head > n ? t->head - n : 0;
    for (uint64_t i = first; i < t->head; i++) {
        const TraceRecord *r = &t->ring[i & t->mask];
        fprintf(out, "%12" PRIu64 " cpu%u %-10s a=0x%" PRIx64 " b=0x%" PRIx64 "\n",
                r->cycles, r->cpu, trace_event_name((TraceEvent)r->event),
                r->a, r->b);
    }
}
