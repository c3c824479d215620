/*
 * cpu/cpuid.h: what the CPUID instruction returns on this vCPU: the model's
 * leaves (cpu/cpu_model.h) with the SDM's rule for out-of-range leaves and
 * the fields that depend on run-time state. SDM Vol.2A CPUID.
 */
#ifndef CPU_CPUID_H
#define CPU_CPUID_H

#include <stdint.h>

#include "cpu/cpu.h"

/* CPUID with EAX = leaf, ECX = subleaf: out[CPUID_EAX..CPUID_EDX]. Cannot
 * fault (the CPUID instruction raises nothing outside VMX non-root). */
void cpu_cpuid(const Cpu *cpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* Size in bytes of an XSAVE area (standard format) holding the state
 * components in `xcr0`: CPUID.(EAX=0DH,ECX=0):EBX for that XCR0. */
uint32_t cpu_xsave_size(const Cpu *cpu, uint64_t xcr0);

#endif
