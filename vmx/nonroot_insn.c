/*
 * vmx/nonroot_insn.c: instructions that behave differently in VMX non-root
 * operation without causing a VM exit. SDM Vol.3 25.3 "Changes to
 * Instruction Behavior in VMX Non-Root Operation" (CLTS, LMSW, MOV from
 * CR0/CR4/CR8, MOV to CR0/CR4/CR8, RDMSR of IA32_TSC, RDTSC, RDTSCP, SMSW),
 * with the CR8 cases of 29.3 "Virtualizing CR8-Based TPR Accesses" and
 * 29.1.2 "TPR Virtualization" (the TPR-below-threshold VM exit when
 * "virtual-interrupt delivery" is 0).
 *
 * The instruction handlers in cpu/ call these only while
 * cpu->vmx_non_root; the exit decisions for the same instructions come
 * first (vmx/nonroot.c) and were already made.
 */
#include "vmx/vmx.h"

#include "vmx/internal.h"

/* Offset of VTPR in the virtual-APIC page (SDM 29.1.1 "Virtualized APIC
 * Registers"). */
#define VAPIC_VTPR 0x80

static uint64_t cr_mask(const VmxCpu *v, unsigned cr)
{
    return vmcs_read(&v->vmcs, cr == 0 ? VF_CR0_GUEST_HOST_MASK : VF_CR4_GUEST_HOST_MASK);
}

/* SDM 25.3 "MOV from CR0", "MOV from CR4", "SMSW": bits set in the
 * guest/host mask come from the read shadow, the others from the
 * register. */
uint64_t vmx_cr_guest_read(const Cpu *cpu, unsigned cr, uint64_t value)
{
    const VmxCpu *v = cpu->vmx;
    uint64_t mask = cr_mask(v, cr);
    uint64_t shadow = vmcs_read(&v->vmcs, cr == 0 ? VF_CR0_READ_SHADOW : VF_CR4_READ_SHADOW);
    return (value & ~mask) | (shadow & mask);
}

/* SDM 25.3 "MOV to CR0", "MOV to CR4", "CLTS", "LMSW": an execution that
 * does not cause a VM exit leaves unmodified every bit the guest/host mask
 * owns; the remaining bits are checked against the values VMX operation
 * supports (#GP) by the normal MOV to CR path. */
uint64_t vmx_cr_guest_write(const Cpu *cpu, unsigned cr, uint64_t value)
{
    uint64_t mask = cr_mask(cpu->vmx, cr);
    uint64_t cur = cr == 0 ? cpu->cr0 : cpu->cr4;
    return (value & ~mask) | (cur & mask);
}

/* SDM 25.3 "RDTSC": with "use TSC offsetting", the TSC (first multiplied
 * by the TSC multiplier and shifted right by 48 when "use TSC scaling" is
 * also 1) plus the TSC offset; without offsetting, the TSC unchanged.
 * The same holds for RDTSCP and for RDMSR of IA32_TSC. */
uint64_t vmx_guest_tsc(const Cpu *cpu, uint64_t tsc)
{
    const VmxCpu *v = cpu->vmx;
    if (!(v->proc & VMXM_PROC_USE_TSC_OFFSETTING))
        return tsc;
    if (v->proc2 & VMXM_PROC2_USE_TSC_SCALING) {
        unsigned __int128 p = (unsigned __int128)tsc * vmcs_read(&v->vmcs, VF_TSC_MULTIPLIER);
        tsc = (uint64_t)(p >> 48);
    }
    return tsc + vmcs_read(&v->vmcs, VF_TSC_OFFSET);
}

bool vmx_tpr_shadow(const Cpu *cpu)
{
    return cpu->vmx->proc & VMXM_PROC_USE_TPR_SHADOW;
}

static uint64_t vtpr_addr(const VmxCpu *v)
{
    return vmcs_read(&v->vmcs, VF_VIRTUAL_APIC_PAGE_ADDR) + VAPIC_VTPR;
}

/* SDM 29.3: MOV from CR8 returns VTPR[7:4] in bits 3:0, zeros above. */
uint64_t vmx_cr8_read(const Cpu *cpu)
{
    return (physmem_read(cpu->pm, vtpr_addr(cpu->vmx), 4) >> 4) & 0xf;
}

/* SDM 29.3: MOV to CR8 stores source bits 3:0 in VTPR[7:4] and clears
 * VTPR[3:0] and bytes 3:1 of VTPR; then TPR virtualization (29.1.2):
 * without "virtual-interrupt delivery", VTPR[7:4] below TPR threshold[3:0]
 * is a trap-like VM exit, reason 43, qualification 0, with RIP past the
 * instruction. */
SimStatus vmx_cr8_write(Cpu *cpu, uint64_t value)
{
    VmxCpu *v = cpu->vmx;
    uint32_t vtpr = (uint32_t)(value & 0xf) << 4;
    physmem_write(cpu->pm, vtpr_addr(v), 4, vtpr);
    if (v->proc2 & VMXM_PROC2_VIRT_INTR_DELIVERY)
        return ST_OK;
    if ((vtpr >> 4) >= (vmcs_read(&v->vmcs, VF_TPR_THRESHOLD) & 0xf))
        return ST_OK;
    cpu->rip = cpu->next_rip;
    VmxExitInfo info = { .reason = EXIT_REASON_TPR_BELOW_THRESHOLD };
    return vmx_vmexit(cpu, &info);
}
