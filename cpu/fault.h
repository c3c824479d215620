/*
 * cpu/fault.h: raising an exception from anywhere in the interpreter.
 *
 * Raising only records the fault and returns ST_FAULT; the handler returns
 * that status unchanged and cpu/deliver.c decides what it becomes (guest
 * exception, #DF, triple fault, later a VM exit) (STYLE 4).
 */
#ifndef CPU_FAULT_H
#define CPU_FAULT_H

#include "cpu/cpu.h"

static inline SimStatus SIM_MUST_CHECK cpu_raise(Cpu *cpu, uint8_t vector)
{
    cpu->fault.vector = vector;
    cpu->fault.has_error = false;
    cpu->fault.error = 0;
    return ST_FAULT;
}

static inline SimStatus SIM_MUST_CHECK cpu_raise_err(Cpu *cpu, uint8_t vector,
                                                     uint32_t error)
{
    cpu->fault.vector = vector;
    cpu->fault.has_error = true;
    cpu->fault.error = error;
    return ST_FAULT;
}

static inline SimStatus SIM_MUST_CHECK cpu_ud(Cpu *cpu) { return cpu_raise(cpu, EXC_UD); }
static inline SimStatus SIM_MUST_CHECK cpu_gp(Cpu *cpu, uint32_t e) { return cpu_raise_err(cpu, EXC_GP, e); }
static inline SimStatus SIM_MUST_CHECK cpu_ss_fault(Cpu *cpu, uint32_t e) { return cpu_raise_err(cpu, EXC_SS, e); }
static inline SimStatus SIM_MUST_CHECK cpu_np(Cpu *cpu, uint32_t e) { return cpu_raise_err(cpu, EXC_NP, e); }
static inline SimStatus SIM_MUST_CHECK cpu_ts(Cpu *cpu, uint32_t e) { return cpu_raise_err(cpu, EXC_TS, e); }
static inline SimStatus SIM_MUST_CHECK cpu_de(Cpu *cpu) { return cpu_raise(cpu, EXC_DE); }
static inline SimStatus SIM_MUST_CHECK cpu_nm(Cpu *cpu) { return cpu_raise(cpu, EXC_NM); }

static inline SimStatus SIM_MUST_CHECK cpu_pf(Cpu *cpu, uint64_t lin, uint32_t e)
{
    cpu->fault.cr2 = lin;
    return cpu_raise_err(cpu, EXC_PF, e);
}

/* Stop the machine cleanly: something the guest did that vmxsim does not
 * implement. `what` must be a string literal naming it; the run loop prints
 * "unsupported: <what>" with the vCPU state and keeps all output. */
static inline SimStatus SIM_MUST_CHECK cpu_unsupported(Cpu *cpu, const char *what)
{
    cpu->stop_reason = what;
    return ST_STOP;
}

#endif
