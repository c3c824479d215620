/*
 * guests/workload/host_main.c: the workload as an ordinary host program.
 * Its standard output is the reference the guest images must reproduce
 * byte for byte, including the summary line the guest runtime prints.
 * Usage: workload-host [rounds=N]
 */
#include <stdarg.h>
#include <stdio.h>
#include "wl.h"

typedef struct HostCounts { unsigned passed, failed; } HostCounts;

/* The check counters of this single-threaded host program. */
static HostCounts host_counts;

static HostCounts *counts(void)
{
    return &host_counts;
}

void wl_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

bool wl_check(bool cond, const char *name)
{
    HostCounts *c = counts();
    if (cond)
        c->passed++;
    else
        c->failed++;
    printf("%sok %u - %s\n", cond ? "" : "not ", c->passed + c->failed, name);
    return cond;
}

int main(int argc, char **argv)
{
    workload_run(workload_rounds(argc > 1 ? argv[1] : ""));
    printf("%u passed, %u failed\n", counts()->passed, counts()->failed);
    return counts()->failed ? 1 : 0;
}
