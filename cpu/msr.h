/*
 * cpu/msr.h: reading and writing model-specific registers, as RDMSR/WRMSR
 * do (SDM Vol.2B RDMSR, WRMSR) and as VM entry/exit MSR loading reuses
 * (SDM Vol.3 27.4 "Loading MSRs"). The MSRs themselves are rows of
 * cpu/msrs.def.
 */
#ifndef CPU_MSR_H
#define CPU_MSR_H

#include <stdint.h>

#include "cpu/cpu.h"

/* MSR_<name> = the MSR's index, for code that names one (VM-entry MSR
 * loading, the platform's APIC). */
enum {
#define MSR(name, index, kind, field, reset, feature, wmask) MSR_##name = index,
#include "cpu/msrs.def"
};

/* Read/write one MSR with the architectural checks (unknown index,
 * unsupported feature, reserved bits, non-canonical addresses, read-only
 * MSRs): ST_FAULT with #GP(0) in cpu->fault. No CPL check: the caller
 * (RDMSR/WRMSR) does that. msr_write may return ST_STOP when the platform
 * (cpu->bus->msr_write) asks to stop. */
SimStatus SIM_MUST_CHECK msr_read(Cpu *cpu, uint32_t index, uint64_t *value);
SimStatus SIM_MUST_CHECK msr_write(Cpu *cpu, uint32_t index, uint64_t value);

/* RESET values of the MSR state in the CPU (cpu->msr) per msrs.def, a model
 * value overriding a row's default. IA32_APIC_BASE.BSP is set on vCPU 0. */
void msr_reset(Cpu *cpu);

/* The SDM name of an MSR index ("IA32_EFER"), NULL if not in msrs.def. */
const char *msr_name(uint32_t index);

/* The TSC the guest sees outside VMX TSC offsetting: the virtual clock plus
 * IA32_TSC_ADJUST (SDM Vol.3 18.17.3 "Time-Stamp Counter Adjustment"). */
static inline uint64_t msr_tsc(const Cpu *cpu)
{
    return cpu->cycles + cpu->msr.tsc_adjust;
}

#endif
