/*
 * vmx/vmx.c: per-vCPU VMX state and the small rules the instructions,
 * entries and exits share: CR fixed bits in VMX operation (SDM 23.8
 * "Restrictions on VMX Operation"), field existence, EPTP validity
 * (SDM 24.6.11 "Extended-Page-Table Pointer (EPTP)"), and the VM-exit
 * instruction-information encodings (SDM 27.2.4 "Information for VM Exits
 * Due to Instruction Execution").
 */
#include "vmx/vmx.h"

#include <glib.h>

#include "vmx/internal.h"

#include "cpu/msr.h"

VmxCpu *vmx_cpu_new(Cpu *cpu)
{
    if (!cpu_has(cpu, FEAT_VMX) || !cpu_model_msr(cpu->model, MSR_IA32_VMX_BASIC))
        return NULL;
    VmxCpu *v = g_new0(VmxCpu, 1);
    vmx_caps_read(cpu->model, &v->caps);
    v->current_vmcs = VMX_INVALID_POINTER;
    v->vmxon_ptr = VMX_INVALID_POINTER;
    vmx_nonroot_init(v);
    return v;
}

void vmx_cpu_free(VmxCpu *v)
{
    if (!v)
        return;
    g_free(v->row_rule);
    g_free(v->row_reason);
    g_free(v->row_control);
    g_free(v->row_action);
    g_free(v);
}

bool vmx_cr_values_allowed(const Cpu *cpu, uint64_t cr0, uint64_t cr4)
{
    const VmxCaps *c = &cpu->vmx->caps;
    uint64_t fixed0 = c->cr0_fixed0;
    /* In non-root operation with unrestricted guest, PE and PG may be 0
     * (SDM 25.3 "Changes to Instruction Behavior in VMX Non-Root
     * Operation", MOV to CR0). */
    if (cpu->vmx_non_root && (cpu->vmx->proc2 & VMXM_PROC2_UNRESTRICTED_GUEST))
        fixed0 &= ~(uint64_t)(CR0_PE | CR0_PG);
    return (cr0 & fixed0) == fixed0 && !(cr0 & ~c->cr0_fixed1) &&
           (cr4 & c->cr4_fixed0) == c->cr4_fixed0 && !(cr4 & ~c->cr4_fixed1);
}

void vmx_set_fixed_bits(Cpu *cpu, bool in_vmx_operation, bool unrestricted_guest)
{
    const VmxCaps *c = &cpu->vmx->caps;
    if (!in_vmx_operation) {
        cpu->cr0_must1 = cpu->cr4_must1 = 0;
        cpu->cr0_may1 = cpu->cr4_may1 = ~0ull;
        return;
    }
    cpu->cr0_must1 = c->cr0_fixed0 & ~(unrestricted_guest ? (uint64_t)(CR0_PE | CR0_PG) : 0);
    cpu->cr0_may1 = c->cr0_fixed1;
    cpu->cr4_must1 = c->cr4_fixed0;
    cpu->cr4_may1 = c->cr4_fixed1;
}

bool vmx_field_exists(const Cpu *cpu, VmcsField f)
{
    uint32_t allowed1[VMX_CONTROL_KIND_COUNT];
    for (unsigned k = 0; k < VMX_CONTROL_KIND_COUNT; k++)
        allowed1[k] = cpu->vmx->caps.ctl[k].allowed1;
    return vmcs_field_exists(f, allowed1);
}

bool vmx_eptp_valid(const Cpu *cpu, uint64_t eptp)
{
    uint64_t cap = cpu->vmx->caps.ept_vpid_cap;
    unsigned type = eptp & 7, walk = (eptp >> 3) & 7;
    if (!((type == 0 && (cap & EPT_CAP_UC)) || (type == 6 && (cap & EPT_CAP_WB))))
        return false;
    if (!((walk == 3 && (cap & EPT_CAP_WALK4)) || (walk == 4 && (cap & EPT_CAP_WALK5))))
        return false;
    if ((eptp & EPTP_AD) && !(cap & EPT_CAP_AD))
        return false;
    return !(eptp & BITS(11, 7)) && !(eptp >> cpu->model->maxphyaddr);
}

/* Address size and memory-operand fields shared by Tables 27-13 to 27-15:
 * bits 1:0 scaling, 9:7 address size, 17:15 segment, 21:18 index, 22 index
 * invalid, 26:23 base, 27 base invalid. */
static uint32_t mem_operand_bits(const DecodedInsn *d)
{
    uint32_t asz = d->addrsize == 2 ? 0 : d->addrsize == 4 ? 1 : 2;
    uint32_t info = d->scale | (asz << 7) | ((uint32_t)d->seg << 15);
    if (d->index == EA_NONE)
        info |= BIT(22);
    else
        info |= (uint32_t)d->index << 18;
    if (d->base == EA_NONE || d->base == EA_RIP)
        info |= BIT(27);
    else
        info |= (uint32_t)d->base << 23;
    return info;
}

uint32_t vmx_insn_info_mem(const DecodedInsn *d, uint32_t extra)
{
    return mem_operand_bits(d) | extra;
}

/* Table 27-14 (VMREAD, VMWRITE): bit 10 is 1 for a register operand, with
 * the register in bits 6:3; bits 31:28 name the register holding the field
 * encoding. */
uint32_t vmx_insn_info_vmrw(const DecodedInsn *d)
{
    uint32_t info = (uint32_t)(d->reg & 0xf) << 28;
    uint32_t asz = d->addrsize == 2 ? 0 : d->addrsize == 4 ? 1 : 2;
    if (d->mod == 3)
        return info | BIT(10) | ((uint32_t)(d->rm & 0xf) << 3) | (asz << 7);
    return info | mem_operand_bits(d);
}

/* Table 27-15 (INVEPT, INVPCID, INVVPID): register operand in bits 31:28. */
uint32_t vmx_insn_info_inv(const DecodedInsn *d)
{
    return mem_operand_bits(d) | ((uint32_t)(d->reg & 0xf) << 28);
}

/* The exit qualification of an instruction with a memory operand is its
 * displacement (SDM 27.2.1). For RIP-relative operands vmxsim reports the
 * displacement plus the address of the next instruction, so that segment
 * base + qualification is the operand's address, as a VMM computes it with
 * "base invalid" (a vmxsim choice; the SDM does not single this case out). */
uint64_t vmx_mem_qualification(const Cpu *cpu, const DecodedInsn *d)
{
    uint64_t q = (uint64_t)d->disp;
    if (d->base == EA_RIP)
        q += cpu->next_rip;
    return q;
}

/* The MSR-load areas of VM entry (SDM 26.4 "Loading MSRs") and VM exit
 * (27.6 "Loading MSRs") follow the same rules: an entry fails when bits
 * 63:32 of its first quadword are not 0, when it names IA32_FS_BASE or
 * IA32_GS_BASE, an x2APIC MSR (800H-8FFH), or an MSR writable only in SMM
 * (IA32_SMM_MONITOR_CTL, IA32_SMBASE: vmxsim never runs in SMM), or when
 * WRMSR of its value at CPL 0 would #GP. Returns 0, or the 1-based index
 * of the first entry that failed. */
uint32_t vmx_load_msr_area(Cpu *cpu, uint64_t addr, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        uint64_t entry[2];
        physmem_read_buf(cpu->pm, addr + 16ull * i, entry, sizeof(entry));
        uint32_t index = (uint32_t)entry[0];
        bool bad = (entry[0] >> 32) != 0 || index == 0xc0000100u || index == 0xc0000101u ||
                   (index >> 8) == 0x8 || index == 0x9b || index == 0x9e;
        if (bad || msr_write(cpu, index, entry[1]) != ST_OK)
            return i + 1;
    }
    return 0;
}
