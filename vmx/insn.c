/*
 * vmx/insn.c: the VMX instructions, each in the order of its pseudocode in
 * SDM Vol.3 30.3 "VMX Instructions" (VMCALL, VMCLEAR, VMFUNC, VMLAUNCH/
 * VMRESUME, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMXOFF, VMXON) and 30.3
 * INVEPT/INVVPID; conventions (VMsucceed, VMfail) from 30.2 "Conventions".
 *
 * Faults are raised in the pseudocode's order: #UD for the operating-mode
 * conditions, a VM exit in non-root operation, #GP(0) for CPL > 0, then the
 * memory operand's own faults (#GP/#SS/#PF) when it is read, then VMfail.
 */
#include "vmx/vmx.h"

#include <glib.h>

#include "cpu/fault.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "vmx/internal.h"

/* SDM 30.2: RFLAGS results of VMX instructions. */
#define VMX_FLAGS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

void vmx_succeed(Cpu *cpu)
{
    cpu->rflags &= ~VMX_FLAGS;
}

void vmx_fail_invalid(Cpu *cpu)
{
    cpu->rflags = (cpu->rflags & ~VMX_FLAGS) | RFLAGS_CF;
}

void vmx_fail_valid(Cpu *cpu, unsigned error)
{
    cpu->rflags = (cpu->rflags & ~VMX_FLAGS) | RFLAGS_ZF;
    /* The processor writes the read-only error field whatever
     * IA32_VMX_MISC[29] says. */
    cpu->vmx->vmcs.field[VF_VM_INSTRUCTION_ERROR] = error;
}

void vmx_fail(Cpu *cpu, unsigned error)
{
    if (cpu->vmx->current_vmcs != VMX_INVALID_POINTER)
        vmx_fail_valid(cpu, error);
    else
        vmx_fail_invalid(cpu);
}

/* The #UD conditions every VMX instruction shares: VMX absent, outside VMX
 * operation (except VMXON), CR0.PE = 0, CR4.VMXE = 0 (VMXON's pseudocode;
 * in VMX operation CR4.VMXE is fixed to 1), RFLAGS.VM = 1, or
 * compatibility mode (IA32_EFER.LMA = 1 and CS.L = 0). */
static bool vmx_ud(const Cpu *cpu, bool needs_vmx_operation)
{
    const VmxCpu *v = cpu->vmx;
    if (!v || (needs_vmx_operation && !v->vmxon))
        return true;
    return !(cpu->cr0 & CR0_PE) || !(cpu->cr4 & CR4_VMXE) || (cpu->rflags & RFLAGS_VM) ||
           cpu->mode == MODE_COMPAT;
}

static bool pointer_bad(const Cpu *cpu, uint64_t addr)
{
    return (addr & 0xfff) != 0 || (addr >> cpu->model->maxphyaddr) != 0;
}

static SimStatus read_pointer(Cpu *cpu, const DecodedInsn *d, uint64_t *addr)
{
    return cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 8, addr);
}

/* Write the cached current VMCS back to its region (SDM 24.11.1: the
 * processor may keep VMCS data cached until VMCLEAR or another VMPTRLD). */
void vmx_flush_current(Cpu *cpu)
{
    VmxCpu *v = cpu->vmx;
    if (v->current_vmcs != VMX_INVALID_POINTER)
        vmcs_region_store(cpu->pm, v->current_vmcs, &v->vmcs);
}

/* SDM 30.3 VMXON—Enter VMX Operation */
SimStatus op_vmxon_Mq(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    if (vmx_ud(cpu, false))
        return cpu_ud(cpu);
    if (!v->vmxon) {
        /* SMX is not modelled: outside SMX operation the lock bit and
         * "enable VMX outside SMX" (bit 2) of IA32_FEATURE_CONTROL rule. */
        uint64_t fc = cpu->msr.feature_control;
        if (cpu->cpl > 0 || !vmx_cr_values_allowed(cpu, cpu->cr0, cpu->cr4) ||
            !(fc & 1) || !(fc & 4))
            return cpu_gp(cpu, 0);
        uint64_t addr;
        SimStatus st = read_pointer(cpu, d, &addr);
        if (st)
            return st;
        if (pointer_bad(cpu, addr)) {
            vmx_fail_invalid(cpu);
            return ST_OK;
        }
        uint32_t rev = (uint32_t)physmem_read(cpu->pm, addr, 4);
        if ((rev & VMX_BASIC_REVISION_MASK) != (v->caps.basic & VMX_BASIC_REVISION_MASK) ||
            (rev & VMCS_SHADOW_INDICATOR)) {
            vmx_fail_invalid(cpu);
            return ST_OK;
        }
        v->vmxon_ptr = addr;
        v->current_vmcs = VMX_INVALID_POINTER;
        v->vmxon = true;
        vmx_set_fixed_bits(cpu, true, false);
        vmx_succeed(cpu);
        return ST_OK;
    }
    if (cpu->vmx_non_root)
        return vmx_exit_for_insn(cpu, EXIT_REASON_VMXON, vmx_mem_qualification(cpu, d),
                                 vmx_insn_info_mem(d, 0));
    if (cpu->cpl > 0)
        return cpu_gp(cpu, 0);
    vmx_fail(cpu, VMXERR_VMXON_IN_ROOT);
    return ST_OK;
}

/* SDM 30.3 VMXOFF—Leave VMX Operation */
SimStatus op_vmxoff(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    if (vmx_ud(cpu, true))
        return cpu_ud(cpu);
    if (cpu->vmx_non_root)
        return vmx_exit_for_insn(cpu, EXIT_REASON_VMXOFF, 0, 0);
    if (cpu->cpl > 0)
        return cpu_gp(cpu, 0);
    /* No dual-monitor treatment exists in vmxsim (no SMM). A launched VMCS
     * left current is written back marked, so a later VMRESUME of it fails
     * with error 6 as the SDM describes. */
    if (v->current_vmcs != VMX_INVALID_POINTER) {
        if (v->vmcs.launch_state == VMCS_LAUNCHED)
            v->vmcs.launch_state = VMCS_LAUNCHED_BEFORE_VMXOFF;
        vmx_flush_current(cpu);
    }
    v->vmxon = false;
    v->current_vmcs = VMX_INVALID_POINTER;
    vmx_set_fixed_bits(cpu, false, false);
    vmx_succeed(cpu);
    return ST_OK;
}

/* The start VMCLEAR, VMPTRLD and VMPTRST share (SDM 30.3): #UD, a VM exit
 * in non-root operation (qualification and instruction information of a
 * memory operand), #GP(0) at CPL > 0. False when the instruction is over;
 * *st says how. */
static bool pointer_insn_start(Cpu *cpu, const DecodedInsn *d, unsigned reason, SimStatus *st)
{
    if (vmx_ud(cpu, true)) {
        *st = cpu_ud(cpu);
        return false;
    }
    if (cpu->vmx_non_root) {
        *st = vmx_exit_for_insn(cpu, reason, vmx_mem_qualification(cpu, d), vmx_insn_info_mem(d, 0));
        return false;
    }
    if (cpu->cpl > 0) {
        *st = cpu_gp(cpu, 0);
        return false;
    }
    return true;
}

/* VMCLEAR and VMPTRLD then read their VMCS pointer and fail with their own
 * error numbers for a bad address or the VMXON pointer. */
static bool read_vmcs_pointer(Cpu *cpu, const DecodedInsn *d, unsigned err_address,
                              unsigned err_vmxon, uint64_t *addr, SimStatus *st)
{
    *st = read_pointer(cpu, d, addr);
    if (*st)
        return false;
    if (pointer_bad(cpu, *addr)) {
        vmx_fail(cpu, err_address);
        return false;
    }
    if (*addr == cpu->vmx->vmxon_ptr) {
        vmx_fail(cpu, err_vmxon);
        return false;
    }
    return true;
}

/* SDM 30.3 VMCLEAR—Clear Virtual-Machine Control Structure */
SimStatus op_vmclear_Mq(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    SimStatus st = ST_OK;
    uint64_t addr;
    if (!pointer_insn_start(cpu, d, EXIT_REASON_VMCLEAR, &st) ||
        !read_vmcs_pointer(cpu, d, VMXERR_VMCLEAR_INVALID_ADDRESS, VMXERR_VMCLEAR_VMXON_POINTER, &addr, &st))
        return st;
    if (addr == v->current_vmcs) {
        /* Ensure the data is in memory, launch state "clear". */
        v->vmcs.launch_state = VMCS_CLEAR;
        vmx_flush_current(cpu);
        v->current_vmcs = VMX_INVALID_POINTER;
    } else {
        /* Only the current VMCS is cached: another one is already in
         * memory; set its launch state in place. */
        physmem_write(cpu->pm, addr + VMCS_REGION_LAUNCH, 4, VMCS_CLEAR);
    }
    vmx_succeed(cpu);
    return ST_OK;
}

/* SDM 30.3 VMPTRLD—Load Pointer to Virtual-Machine Control Structure */
SimStatus op_vmptrld_Mq(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    SimStatus st = ST_OK;
    uint64_t addr;
    if (!pointer_insn_start(cpu, d, EXIT_REASON_VMPTRLD, &st) ||
        !read_vmcs_pointer(cpu, d, VMXERR_VMPTRLD_INVALID_ADDRESS, VMXERR_VMPTRLD_VMXON_POINTER, &addr, &st))
        return st;
    uint32_t rev = (uint32_t)physmem_read(cpu->pm, addr, 4);
    bool shadow_ok = vmx_caps_allows(&v->caps, VMXC_PROC2_VMCS_SHADOWING);
    if ((rev & VMX_BASIC_REVISION_MASK) != (v->caps.basic & VMX_BASIC_REVISION_MASK) ||
        ((rev & VMCS_SHADOW_INDICATOR) && !shadow_ok)) {
        vmx_fail(cpu, VMXERR_VMPTRLD_INCORRECT_REVISION);
        return ST_OK;
    }
    if (addr != v->current_vmcs) {
        vmx_flush_current(cpu);
        v->current_vmcs = addr;
        vmcs_region_load(cpu->pm, addr, &v->vmcs);
    }
    vmx_succeed(cpu);
    return ST_OK;
}

/* SDM 30.3 VMPTRST—Store Pointer to Virtual-Machine Control Structure */
SimStatus op_vmptrst_Mq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = ST_OK;
    if (!pointer_insn_start(cpu, d, EXIT_REASON_VMPTRST, &st))
        return st;
    st = cpu_write_u(cpu, d->seg, insn_ea(cpu, d), 8, cpu->vmx->current_vmcs);
    if (st)
        return st;
    vmx_succeed(cpu);
    return ST_OK;
}

/* SDM 25.1.3: in non-root operation VMREAD/VMWRITE exit unless VMCS
 * shadowing is on, bits 63:15 (31:15 outside 64-bit mode) of the field
 * operand are 0, and the field's bit in the VMREAD/VMWRITE bitmap is 0. */
static bool shadow_access_exits(Cpu *cpu, uint64_t encoding, VmcsField bitmap_field)
{
    VmxCpu *v = cpu->vmx;
    if (!(v->proc2 & VMXM_PROC2_VMCS_SHADOWING))
        return true;
    if (encoding >> 15)
        return true;
    uint64_t bitmap = vmcs_read(&v->vmcs, bitmap_field);
    uint8_t byte = (uint8_t)physmem_read(cpu->pm, bitmap + (encoding >> 3), 1);
    return (byte >> (encoding & 7)) & 1;
}

/* The VMCS VMREAD/VMWRITE act on: the current VMCS in root operation, the
 * shadow VMCS named by the link pointer in non-root operation (SDM 24.10
 * "VMCS Types: Ordinary and Shadow"). NULL when that pointer is invalid. */
static Vmcs *accessed_vmcs(Cpu *cpu)
{
    VmxCpu *v = cpu->vmx;
    if (!cpu->vmx_non_root)
        return v->current_vmcs == VMX_INVALID_POINTER ? NULL : &v->vmcs;
    return v->shadow_loaded ? &v->shadow : NULL;
}

/* The VMfail checks VMREAD and VMWRITE share (SDM 30.3): no VMCS to act
 * on is VMfailInvalid; an encoding that names no field of this model is
 * VMfailValid(12). Returns false when the instruction already failed. */
static bool resolve_field(Cpu *cpu, uint64_t encoding, Vmcs **vmcs, VmcsField *f, bool *high)
{
    *vmcs = accessed_vmcs(cpu);
    if (!*vmcs) {
        vmx_fail_invalid(cpu);
        return false;
    }
    *high = false;
    int idx = vmcs_field_lookup((uint32_t)encoding, high);
    if (idx < 0 || (encoding >> 32) || !vmx_field_exists(cpu, (VmcsField)idx)) {
        vmx_fail_valid(cpu, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
        return false;
    }
    *f = (VmcsField)idx;
    return true;
}

/* SDM 30.3 VMREAD—Read Field from Virtual-Machine Control Structure */
SimStatus op_vmread_Ey_Gy(Cpu *cpu, const DecodedInsn *d)
{
    if (vmx_ud(cpu, true))
        return cpu_ud(cpu);
    uint64_t encoding = cpu_reg_read(cpu, d->reg, d->opsize, true);
    if (cpu->vmx_non_root && shadow_access_exits(cpu, encoding, VF_VMREAD_BITMAP))
        return vmx_exit_for_insn(cpu, EXIT_REASON_VMREAD,
                                 d->mod == 3 ? 0 : vmx_mem_qualification(cpu, d),
                                 vmx_insn_info_vmrw(d));
    if (cpu->cpl > 0)
        return cpu_gp(cpu, 0);
    Vmcs *vmcs;
    VmcsField f;
    bool high;
    if (!resolve_field(cpu, encoding, &vmcs, &f, &high))
        return ST_OK;
    uint64_t value = vmcs_get(vmcs, f, high);
    SimStatus st;
    if (d->mod == 3) {
        cpu_reg_write(cpu, d->rm, d->opsize, true, value);
        st = ST_OK;
    } else {
        st = cpu_write_u(cpu, d->seg, insn_ea(cpu, d), d->opsize, value);
    }
    if (st)
        return st;
    vmx_succeed(cpu);
    return ST_OK;
}

/* SDM 30.3 VMWRITE—Write Field to Virtual-Machine Control Structure */
SimStatus op_vmwrite_Gy_Ey(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    if (vmx_ud(cpu, true))
        return cpu_ud(cpu);
    uint64_t encoding = cpu_reg_read(cpu, d->reg, d->opsize, true);
    if (cpu->vmx_non_root && shadow_access_exits(cpu, encoding, VF_VMWRITE_BITMAP))
        return vmx_exit_for_insn(cpu, EXIT_REASON_VMWRITE,
                                 d->mod == 3 ? 0 : vmx_mem_qualification(cpu, d),
                                 vmx_insn_info_vmrw(d));
    if (cpu->cpl > 0)
        return cpu_gp(cpu, 0);
    Vmcs *vmcs;
    VmcsField f;
    bool high;
    if (!resolve_field(cpu, encoding, &vmcs, &f, &high))
        return ST_OK;
    /* Exit-information fields are writable only where IA32_VMX_MISC[29]
     * says so (SDM A.6). */
    if (vmcs_fields[f].type == VMCS_T_EXITINFO && !(v->caps.misc & BIT(29))) {
        vmx_fail_valid(cpu, VMXERR_VMWRITE_READONLY_COMPONENT);
        return ST_OK;
    }
    /* The primary source is read last, after every VMfail check, as the
     * pseudocode orders it: its faults come only on an otherwise valid
     * VMWRITE. */
    uint64_t value;
    if (d->mod == 3) {
        value = cpu_reg_read(cpu, d->rm, d->opsize, true);
    } else {
        SimStatus st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), d->opsize, &value);
        if (st)
            return st;
    }
    vmcs_set(vmcs, f, high, value);
    vmx_succeed(cpu);
    return ST_OK;
}

/* SDM 30.3 VMLAUNCH/VMRESUME—Launch/Resume Virtual Machine */
static SimStatus vmlaunch_vmresume(Cpu *cpu, bool launch)
{
    VmxCpu *v = cpu->vmx;
    if (vmx_ud(cpu, true))
        return cpu_ud(cpu);
    if (cpu->vmx_non_root)
        return vmx_exit_for_insn(cpu, launch ? EXIT_REASON_VMLAUNCH : EXIT_REASON_VMRESUME, 0, 0);
    if (cpu->cpl > 0)
        return cpu_gp(cpu, 0);
    /* A shadow VMCS may be current (VMPTRLD allows it) but cannot be
     * entered: VMfailInvalid (SDM 24.10 "VMCS Types: Ordinary and Shadow",
     * 26.1 "Basic VM-Entry Checks"). */
    if (v->current_vmcs == VMX_INVALID_POINTER || (v->vmcs.revision & VMCS_SHADOW_INDICATOR)) {
        vmx_fail_invalid(cpu);
        return ST_OK;
    }
    if (cpu->movss_shadow) {
        vmx_fail_valid(cpu, VMXERR_ENTRY_EVENTS_BLOCKED_MOVSS);
        return ST_OK;
    }
    uint32_t state = v->vmcs.launch_state;
    if (launch && state != VMCS_CLEAR) {
        vmx_fail_valid(cpu, VMXERR_VMLAUNCH_NONCLEAR_VMCS);
        return ST_OK;
    }
    if (!launch && state == VMCS_LAUNCHED_BEFORE_VMXOFF) {
        vmx_fail_valid(cpu, VMXERR_VMRESUME_AFTER_VMXOFF);
        return ST_OK;
    }
    if (!launch && state != VMCS_LAUNCHED) {
        vmx_fail_valid(cpu, VMXERR_VMRESUME_NONLAUNCHED_VMCS);
        return ST_OK;
    }
    return vmx_vmentry(cpu, launch);
}

SimStatus op_vmlaunch(Cpu *cpu, const DecodedInsn *d) { return vmlaunch_vmresume(cpu, true); }
SimStatus op_vmresume(Cpu *cpu, const DecodedInsn *d) { return vmlaunch_vmresume(cpu, false); }

/* SDM 30.3 VMCALL—Call to VM Monitor */
SimStatus op_vmcall(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    if (!v || !v->vmxon)
        return cpu_ud(cpu);
    if (cpu->vmx_non_root)
        return vmx_exit_for_insn(cpu, EXIT_REASON_VMCALL, 0, 0);
    if ((cpu->rflags & RFLAGS_VM) || cpu->mode == MODE_COMPAT)
        return cpu_ud(cpu);
    if (cpu->cpl > 0)
        return cpu_gp(cpu, 0);
    /* vmxsim has no SMM, so the dual-monitor treatment can never be
     * activated (IA32_SMM_MONITOR_CTL[0] stays 0). */
    vmx_fail(cpu, VMXERR_VMCALL_IN_ROOT);
    return ST_OK;
}

/* IA32_VMX_EPT_VPID_CAP bits come from mmu/ept.h. */

/* SDM 30.3 INVEPT—Invalidate Translations Derived from EPT */
SimStatus op_invept_Gy_Mdq(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    if (vmx_ud(cpu, true) || !(v->caps.ept_vpid_cap & EPT_CAP_INVEPT) ||
        !vmx_caps_allows(&v->caps, VMXC_PROC2_ENABLE_EPT))
        return cpu_ud(cpu);
    if (cpu->vmx_non_root)
        return vmx_exit_for_insn(cpu, EXIT_REASON_INVEPT, vmx_mem_qualification(cpu, d),
                                 vmx_insn_info_inv(d));
    if (cpu->cpl > 0)
        return cpu_gp(cpu, 0);
    uint64_t type = cpu_reg_read(cpu, d->reg, d->opsize, true);
    bool supported = (type == 1 && (v->caps.ept_vpid_cap & EPT_CAP_INVEPT_SINGLE)) ||
                     (type == 2 && (v->caps.ept_vpid_cap & EPT_CAP_INVEPT_ALL));
    if (!supported) {
        vmx_fail(cpu, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
        return ST_OK;
    }
    uint64_t desc[2];
    SimStatus st = cpu_read(cpu, d->seg, insn_ea(cpu, d), 16, desc);
    if (st)
        return st;
    if (type == 1 && !vmx_eptp_valid(cpu, desc[0])) {
        vmx_fail(cpu, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
        return ST_OK;
    }
    /* SIMPLIFICATION: until the EPT-tagged TLB lands (issue 5), every
     * INVEPT type flushes all cached translations, which the SDM permits
     * (an invalidation may invalidate more than asked, SDM 28.3.3.1). */
    tlb_flush_all(&cpu->tlb);
    vmx_succeed(cpu);
    return ST_OK;
}

/* SDM 30.3 INVVPID—Invalidate Translations Based on VPID */
SimStatus op_invvpid_Gy_Mdq(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    if (vmx_ud(cpu, true) || !(v->caps.ept_vpid_cap & VPID_CAP_INVVPID) ||
        !vmx_caps_allows(&v->caps, VMXC_PROC2_ENABLE_VPID))
        return cpu_ud(cpu);
    if (cpu->vmx_non_root)
        return vmx_exit_for_insn(cpu, EXIT_REASON_INVVPID, vmx_mem_qualification(cpu, d),
                                 vmx_insn_info_inv(d));
    if (cpu->cpl > 0)
        return cpu_gp(cpu, 0);
    uint64_t type = cpu_reg_read(cpu, d->reg, d->opsize, true);
    static const uint64_t type_cap[4] = { VPID_CAP_INVVPID_ADDRESS, VPID_CAP_INVVPID_SINGLE, VPID_CAP_INVVPID_ALL,
                                          VPID_CAP_INVVPID_SINGLE_NONGLOBAL };
    if (type > 3 || !(v->caps.ept_vpid_cap & type_cap[type])) {
        vmx_fail(cpu, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
        return ST_OK;
    }
    uint64_t desc[2];
    SimStatus st = cpu_read(cpu, d->seg, insn_ea(cpu, d), 16, desc);
    if (st)
        return st;
    uint64_t vpid = desc[0] & 0xffff;
    bool bad = (desc[0] >> 16) != 0 ||
               (type != 2 && vpid == 0) ||
               (type == 0 && !cpu_is_canonical(cpu, desc[1]));
    if (bad) {
        vmx_fail(cpu, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
        return ST_OK;
    }
    /* SIMPLIFICATION: as for INVEPT, until VPID-tagged TLB entries land
     * (issue 5) every type flushes everything; permitted by SDM 28.3.3.3. */
    tlb_flush_all(&cpu->tlb);
    vmx_succeed(cpu);
    return ST_OK;
}

/* SDM 30.3 VMFUNC—Invoke VM function */
SimStatus op_vmfunc(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    /* Outside non-root operation, or with "enable VM functions" 0: #UD. */
    if (!v || !cpu->vmx_non_root || !(v->proc2 & VMXM_PROC2_ENABLE_VMFUNC))
        return cpu_ud(cpu);
    uint64_t function = cpu->gpr[R_RAX] & 0xffffffff;
    uint64_t enabled = vmcs_read(&v->vmcs, VF_VM_FUNCTION_CONTROL);
    if (function >= 64 || !((enabled >> function) & 1))
        return vmx_exit_for_insn(cpu, EXIT_REASON_VMFUNC, 0, 0);
    /* Function 0, EPTP switching (SDM 25.5.5.3): ECX indexes the 512-entry
     * EPTP list; an index out of range or an entry VM entry would not
     * accept as an EPTP is a VM exit; otherwise the EPTP (and with #VE the
     * EPTP index) changes without invalidating cached translations. */
    uint64_t index = cpu->gpr[R_RCX] & 0xffffffff;
    if (index >= 512)
        return vmx_exit_for_insn(cpu, EXIT_REASON_VMFUNC, 0, 0);
    uint64_t eptp = physmem_read(cpu->pm, vmcs_read(&v->vmcs, VF_EPTP_LIST_ADDRESS) + 8 * index, 8);
    if (!vmx_eptp_valid(cpu, eptp))
        return vmx_exit_for_insn(cpu, EXIT_REASON_VMFUNC, 0, 0);
    vmcs_write(&v->vmcs, VF_EPT_POINTER, eptp);
    if (v->proc2 & VMXM_PROC2_EPT_VIOLATION_VE)
        vmcs_write(&v->vmcs, VF_EPTP_INDEX, index);
    v->ept.eptp = eptp;
    /* SIMPLIFICATION: the TLB is not EPTP-tagged yet, so it is flushed;
     * the SDM lets a processor drop more cached translations than asked. */
    tlb_flush_all(&cpu->tlb);
    return ST_OK;
}
