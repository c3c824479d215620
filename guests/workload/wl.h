/*
 * guests/workload/wl.h: what the workload needs from its platform. The
 * same workload.c is built for the host (host_main.c: stdio) and as a
 * vmxsim guest image (guest_main.c: the guest runtime's serial console),
 * and both must print the same bytes.
 */
#ifndef WL_H
#define WL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void wl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "ok N - name" or "not ok N - name" and counts it. */
bool wl_check(bool cond, const char *name);
/* Runs every part `rounds` times; prints results and checks. */
void workload_run(unsigned rounds);
/* Parses "rounds=N" from a command line; 1 when absent. */
unsigned workload_rounds(const char *cmdline);

#endif
