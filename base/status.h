/*
 * base/status.h: the status every operation that can fault or stop returns.
 *
 * vmxsim never unwinds with setjmp/longjmp: a handler that meets a fault
 * records its details in cpu->fault and returns ST_FAULT; the run loop hands
 * it to cpu/deliver.c, the one place that decides what it becomes (STYLE 4).
 */
#ifndef BASE_STATUS_H
#define BASE_STATUS_H

#define SIM_MUST_CHECK __attribute__((warn_unused_result))
#define SIM_LIKELY(x) __builtin_expect(!!(x), 1)
#define SIM_UNLIKELY(x) __builtin_expect(!!(x), 0)

typedef enum SimStatus {
    ST_OK = 0,     /* the operation completed */
    ST_FAULT,      /* an exception is pending in cpu->fault; nothing committed */
    ST_VMEXIT,     /* a VM exit happened; the vCPU now runs the host (issue 4) */
    ST_HALT,       /* HLT/MWAIT: the vCPU sleeps until an event wakes it */
    ST_SHUTDOWN,   /* triple fault or shutdown: the vCPU stopped */
    ST_STOP,       /* the machine must stop: exit device, unsupported feature */
    ST_BUDGET,     /* the run quantum is used up; resume later */
} SimStatus;

#endif
