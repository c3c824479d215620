/*
 * vmx/internal.h: declarations shared inside vmx/ only.
 */
#ifndef VMX_INTERNAL_H
#define VMX_INTERNAL_H

#include "cpu/insn.h"
#include "vmx/vmx.h"

/* Would these CR0/CR4 values be allowed in VMX operation (SDM 23.8
 * "Restrictions on VMX Operation", IA32_VMX_CR0/CR4_FIXED0/1)? */
bool vmx_cr_values_allowed(const Cpu *cpu, uint64_t cr0, uint64_t cr4);
/* Set the CR0/CR4 bits VMX operation fixes (SDM 23.8): none outside VMX
 * operation; PE and PG free in non-root operation with unrestricted guest
 * (SDM 25.3). */
void vmx_set_fixed_bits(Cpu *cpu, bool in_vmx_operation, bool unrestricted_guest);
/* Does the VMCS field exist on this vCPU's model (Appendix B notes)? */
bool vmx_field_exists(const Cpu *cpu, VmcsField f);
/* Is an EPTP one VM entry would accept (SDM 24.6.11)? */
bool vmx_eptp_valid(const Cpu *cpu, uint64_t eptp);
void vmx_flush_current(Cpu *cpu);

/* VM-exit instruction information (SDM 27.2.4, Tables 27-13 to 27-15) and
 * the exit qualification of instructions with a memory operand (the
 * displacement, SDM 27.2.1 Table 27-? "Exit Qualification for VMX
 * instructions"). */
uint32_t vmx_insn_info_mem(const DecodedInsn *d, uint32_t extra);
uint32_t vmx_insn_info_vmrw(const DecodedInsn *d);
uint32_t vmx_insn_info_inv(const DecodedInsn *d);
uint64_t vmx_mem_qualification(const Cpu *cpu, const DecodedInsn *d);

/* MSR-load area of VM entry and VM exit: 0, or the 1-based index of the
 * entry that failed (SDM 26.4, 27.6). */
uint32_t vmx_load_msr_area(Cpu *cpu, uint64_t addr, uint32_t count);

/* State transfer between the CPU and a VMCS (entry.c, exit.c). */
void vmx_load_segment(Cpu *cpu, unsigned seg, const Vmcs *v);

/* Non-root event state at VM entry (after injection; injected: a vectored
 * event was injected) and at VM exit (after guest state was saved), in
 * vmx/nonroot_events.c. */
void vmx_events_on_entry(Cpu *cpu, bool injected);
void vmx_events_on_exit(Cpu *cpu, Vmcs *vmcs, uint32_t exit_ctls);

#endif
