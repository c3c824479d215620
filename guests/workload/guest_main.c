/*
 * guests/workload/guest_main.c: the workload as a vmxsim guest image on
 * the guest test runtime (tests/guest/runtime). Kernel command line:
 * "rounds=N" repeats the work N times (the benchmarks use it).
 */
#include "rt.h"
#include "wl.h"

void wl_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_vprintf(fmt, ap);
    va_end(ap);
}

bool wl_check(bool cond, const char *name)
{
    return report(cond, "%s", name);
}

void test_main(void)
{
    workload_run(workload_rounds(rt_cmdline()));
}
