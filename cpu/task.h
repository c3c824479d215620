/*
 * cpu/task.h: hardware task switching (SDM Vol.3 ch. 8 "Task Management"),
 * public within cpu/: event delivery through a task gate (cpu/deliver.c),
 * JMP/CALL to a TSS or task gate and IRET with NT = 1 (cpu/ops_far.c).
 * Only outside IA-32e mode. In VMX non-root operation every task switch is
 * a VM exit (SDM Vol.3 26.4.2 "Treatment of Task Switches"): vmx/ must
 * intercept it before task_switch runs.
 */
#ifndef CPU_TASK_H
#define CPU_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/seg.h"

/* What started the switch (SDM Vol.3 8.3 "Task Switching", Table 8-2
 * "Effect of a Task Switch on Busy Flag, NT Flag, Previous Task Link
 * Field, and TS Flag"). */
typedef enum TaskSource { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT } TaskSource;

/*
 * Switch to the task whose TSS descriptor `tss` (8 bytes, read from the
 * GDT) selector `sel` names. The caller has done the privilege checks of
 * its instruction or gate. `eip` is the EIP saved in the outgoing TSS
 * (the return address for JMP/CALL/IRET/INT n and traps, the faulting
 * instruction for faults); `ext` is the EXT bit of error codes raised by
 * the switch; with `has_error` the error code is pushed on the new task's
 * stack (exceptions delivered through a task gate).
 *
 * Faults found before the outgoing state is saved leave everything as it
 * was; faults found while loading the new task's segments are raised in
 * the context of the new task (SDM Vol.3 8.3, Table 8-1 "Exception
 * Conditions Checked During a Task Switch").
 */
SimStatus SIM_MUST_CHECK task_switch(Cpu *cpu, uint16_t sel, const SegDesc *tss,
                                     TaskSource src, uint64_t eip, uint32_t ext,
                                     bool has_error, uint32_t error);

#endif
