/*
 * vmx/exit.c: VM exits. SDM Vol.3 27.2 "Recording VM-Exit Information and
 * Updating VM-Entry Control Fields", 27.3 "Saving Guest State", 27.4
 * "Saving MSRs", 27.5 "Loading Host State", 27.6 "Loading MSRs", 27.7
 * "VMX Aborts". Also used for VM-entry failures after the guest-state
 * checks (SDM 26.8), which record information and load host state only.
 */
#include "vmx/vmx.h"

#include "cpu/deliver.h"
#include "cpu/msr.h"
#include "traces/profile.h"
#include "vmx/internal.h"

static void save_segment(const Cpu *cpu, unsigned seg, Vmcs *v)
{
    const SegReg *s = &cpu->seg[seg];
    vmcs_write(v, VF_GUEST_ES_SELECTOR + seg, s->sel);
    vmcs_write(v, VF_GUEST_ES_BASE + seg, s->base);
    vmcs_write(v, VF_GUEST_ES_LIMIT + seg, s->limit);
    vmcs_write(v, VF_GUEST_ES_AR_BYTES + seg, s->ar);
}

/* SDM 27.3 "Saving Guest State". */
static void save_guest_state(Cpu *cpu, Vmcs *v, uint32_t exit_ctls)
{
    vmcs_write(v, VF_GUEST_CR0, cpu->cr0);
    vmcs_write(v, VF_GUEST_CR3, cpu->cr3);
    vmcs_write(v, VF_GUEST_CR4, cpu->cr4);
    if (exit_ctls & VMXM_EXIT_SAVE_DEBUG_CONTROLS) {
        vmcs_write(v, VF_GUEST_DR7, cpu->dr[7]);
        vmcs_write(v, VF_GUEST_IA32_DEBUGCTL, cpu->msr.debugctl);
    }
    vmcs_write(v, VF_GUEST_SYSENTER_CS, cpu->msr.sysenter_cs);
    vmcs_write(v, VF_GUEST_SYSENTER_ESP, cpu->msr.sysenter_esp);
    vmcs_write(v, VF_GUEST_SYSENTER_EIP, cpu->msr.sysenter_eip);
    if (exit_ctls & VMXM_EXIT_SAVE_PAT)
        vmcs_write(v, VF_GUEST_IA32_PAT, cpu->msr.pat);
    if (exit_ctls & VMXM_EXIT_SAVE_EFER)
        vmcs_write(v, VF_GUEST_IA32_EFER, cpu->efer);
    for (unsigned s = SEG_ES; s <= SEG_TR; s++)
        save_segment(cpu, s, v);
    vmcs_write(v, VF_GUEST_GDTR_BASE, cpu->gdtr.base);
    vmcs_write(v, VF_GUEST_GDTR_LIMIT, cpu->gdtr.limit);
    vmcs_write(v, VF_GUEST_IDTR_BASE, cpu->idtr.base);
    vmcs_write(v, VF_GUEST_IDTR_LIMIT, cpu->idtr.limit);
    vmcs_write(v, VF_GUEST_RIP, cpu->rip);
    vmcs_write(v, VF_GUEST_RSP, cpu->gpr[R_RSP]);
    vmcs_write(v, VF_GUEST_RFLAGS, cpu->rflags);
    /* SDM 27.3.4 "Saving Non-Register State". */
    static const uint8_t activity[] = { [CPU_ACTIVE] = 0, [CPU_HLT] = 1, [CPU_SHUTDOWN] = 2,
                                        [CPU_WAIT_SIPI] = 3 };
    vmcs_write(v, VF_GUEST_ACTIVITY_STATE, activity[cpu->activity & 3]);
    vmcs_write(v, VF_GUEST_INTERRUPTIBILITY_INFO,
               (cpu->sti_shadow ? 1u : 0) | (cpu->movss_shadow ? 2u : 0) | (cpu->nmi_blocked ? 8u : 0));
    if ((cpu->cr0 & CR0_PG) && (cpu->cr4 & CR4_PAE) && !(cpu->efer & EFER_LMA))
        for (unsigned i = 0; i < 4; i++)
            vmcs_write(v, VF_GUEST_PDPTE0 + i, cpu->pdpte[i]);
}

/* SDM 27.2.3 "Information for VM Exits During Event Delivery": a VM exit
 * while an event was being delivered through the IDT (cpu/deliver.c keeps
 * it in cpu->delivering until delivery completes; an injected event
 * counts too) records that event: vector 7:0, type 10:8, error code valid
 * 11, valid 31, with its error code; a software interrupt or exception
 * also saves its instruction length (27.2.5). */
static void record_idt_vectoring(Cpu *cpu, Vmcs *vmcs, const VmxExitInfo *info)
{
    if (cpu->delivering < 0) {
        vmcs_write(vmcs, VF_IDT_VECTORING_INFO_FIELD, 0);
        return;
    }
    /* SDM 27.1: an NMI injected with "virtual NMIs" whose delivery caused
     * this exit leaves virtual-NMI blocking in effect. */
    if (cpu->delivering_kind == EV_NMI && cpu->vmx->injecting && (cpu->vmx->pin & VMXM_PIN_VIRTUAL_NMIS))
        cpu->nmi_blocked = true;
    static const uint8_t type_of[] = {
        [EV_EXCEPTION] = 3, [EV_EXTERNAL] = 0, [EV_NMI] = 2, [EV_SOFTWARE_INT] = 4,
        [EV_SOFTWARE_EXC] = 6, [EV_PRIV_SOFTWARE_EXC] = 5,
    };
    unsigned type = type_of[cpu->delivering_kind];
    bool has_error = cpu->delivering_has_error;
    vmcs_write(vmcs, VF_IDT_VECTORING_INFO_FIELD,
               (uint32_t)(cpu->delivering & 0xff) | (type << 8) | (has_error ? BIT(11) : 0) | BIT(31));
    vmcs_write(vmcs, VF_IDT_VECTORING_ERROR_CODE, has_error ? cpu->delivering_error : 0);
    if (type >= 4 && !info->instruction_len)
        vmcs_write(vmcs, VF_VM_EXIT_INSTRUCTION_LEN, cpu->next_rip - cpu->rip);
}

/* SDM 27.4 "Saving MSRs": false if an entry cannot be stored (VMX abort). */
static bool store_msr_area(Cpu *cpu, uint64_t addr, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        uint64_t index = physmem_read(cpu->pm, addr + 16ull * i, 8);
        uint64_t value;
        if ((index >> 32) || (index >> 8) == 0x8 || msr_read(cpu, (uint32_t)index, &value) != ST_OK)
            return false;
        physmem_write(cpu->pm, addr + 16ull * i + 8, 8, value);
    }
    return true;
}

static void host_segment(Cpu *cpu, unsigned seg, uint16_t sel, uint64_t base, bool host64)
{
    SegReg *s = &cpu->seg[seg];
    s->sel = sel;
    s->base = base;
    s->limit = 0xffffffff;
    if (seg == SEG_CS) {
        /* Type 11, S, DPL 0, P, L = host address-space size, D/B = !L, G. */
        s->ar = 0xbu | AR_S | AR_P | AR_G | (host64 ? AR_L : AR_DB);
    } else {
        s->ar = 0x3u | AR_S | AR_P | AR_DB | AR_G;
        /* A null selector makes the register unusable (SS too, 27.5.2). */
        if (sel == 0)
            s->ar |= AR_UNUSABLE;
    }
}

/* SDM 27.5 "Loading Host State". */
static void load_host_state(Cpu *cpu, const Vmcs *v, uint32_t exit_ctls)
{
    bool host64 = exit_ctls & VMXM_EXIT_HOST_ADDR_SPACE_SIZE;
    /* 27.5.1 "Loading Host Control Registers, Debug Registers, MSRs". */
    uint64_t cr4 = vmcs_read(v, VF_HOST_CR4);
    if (host64)
        cr4 |= CR4_PAE;
    cpu->cr0 = vmcs_read(v, VF_HOST_CR0) | CR0_ET;
    cpu_set_cr4(cpu, cr4);
    cpu->cr3 = vmcs_read(v, VF_HOST_CR3);
    cpu->dr[7] = 0x400;
    cpu->msr.debugctl = 0;
    cpu->msr.sysenter_cs = vmcs_read(v, VF_HOST_IA32_SYSENTER_CS);
    cpu->msr.sysenter_esp = vmcs_read(v, VF_HOST_IA32_SYSENTER_ESP);
    cpu->msr.sysenter_eip = vmcs_read(v, VF_HOST_IA32_SYSENTER_EIP);
    if (exit_ctls & VMXM_EXIT_LOAD_PAT)
        cpu->msr.pat = vmcs_read(v, VF_HOST_IA32_PAT);
    if (exit_ctls & VMXM_EXIT_LOAD_EFER) {
        cpu->efer = vmcs_read(v, VF_HOST_IA32_EFER);
    } else {
        cpu->efer = host64 ? cpu->efer | EFER_LMA | EFER_LME : cpu->efer & ~(EFER_LMA | EFER_LME);
    }
    /* 27.5.2 "Loading Host Segment and Descriptor-Table Registers". */
    host_segment(cpu, SEG_CS, (uint16_t)vmcs_read(v, VF_HOST_CS_SELECTOR), 0, host64);
    host_segment(cpu, SEG_SS, (uint16_t)vmcs_read(v, VF_HOST_SS_SELECTOR), 0, host64);
    host_segment(cpu, SEG_DS, (uint16_t)vmcs_read(v, VF_HOST_DS_SELECTOR), 0, host64);
    host_segment(cpu, SEG_ES, (uint16_t)vmcs_read(v, VF_HOST_ES_SELECTOR), 0, host64);
    host_segment(cpu, SEG_FS, (uint16_t)vmcs_read(v, VF_HOST_FS_SELECTOR), vmcs_read(v, VF_HOST_FS_BASE), host64);
    host_segment(cpu, SEG_GS, (uint16_t)vmcs_read(v, VF_HOST_GS_SELECTOR), vmcs_read(v, VF_HOST_GS_BASE), host64);
    cpu->seg[SEG_TR] = (SegReg){ .sel = (uint16_t)vmcs_read(v, VF_HOST_TR_SELECTOR),
                                 .base = vmcs_read(v, VF_HOST_TR_BASE), .limit = 0x67,
                                 .ar = 0xbu | AR_P };
    cpu->seg[SEG_LDTR] = (SegReg){ .sel = 0, .base = 0, .limit = 0, .ar = AR_UNUSABLE };
    cpu->gdtr = (DescTable){ vmcs_read(v, VF_HOST_GDTR_BASE), 0xffff };
    cpu->idtr = (DescTable){ vmcs_read(v, VF_HOST_IDTR_BASE), 0xffff };
    /* 27.5.3 "Loading Host RIP, RSP, and RFLAGS". */
    cpu->rip = vmcs_read(v, VF_HOST_RIP);
    cpu->gpr[R_RSP] = vmcs_read(v, VF_HOST_RSP);
    cpu->rflags = RFLAGS_FIXED1;
    cpu->sti_shadow = cpu->movss_shadow = false;
    cpu->activity = CPU_ACTIVE;
    /* 28.3.3.3: without VPID, exits invalidate VPID 0's translations; the
     * TLB is not VPID-tagged yet, so everything goes. */
    tlb_flush_all(&cpu->tlb);
    cpu_update_mode(cpu);
}

/* SDM 27.7 "VMX Aborts": the abort indicator goes in the VMCS region and
 * the logical processor shuts down. */
static SimStatus vmx_abort(Cpu *cpu, uint32_t indicator, const char *why)
{
    VmxCpu *v = cpu->vmx;
    v->vmcs.abort = indicator;
    vmx_flush_current(cpu);
    cpu->activity = CPU_SHUTDOWN;
    cpu->stop_reason = why;
    return ST_SHUTDOWN;
}

SimStatus vmx_vmexit(Cpu *cpu, const VmxExitInfo *info)
{
    VmxCpu *v = cpu->vmx;
    Vmcs *vmcs = &v->vmcs;
    bool entry_failure = info->reason & BIT(31);
    profile_vmexit(cpu, info->reason, info->qualification, v->current_vmcs);

    /* 27.2: exit information. */
    vmcs_write(vmcs, VF_VM_EXIT_REASON, info->reason);
    vmcs_write(vmcs, VF_EXIT_QUALIFICATION, info->qualification);
    if (info->has_guest_linear)
        vmcs_write(vmcs, VF_GUEST_LINEAR_ADDRESS, info->guest_linear);
    if (info->has_guest_physical)
        vmcs_write(vmcs, VF_GUEST_PHYSICAL_ADDRESS, info->guest_physical);
    vmcs_write(vmcs, VF_VM_EXIT_INTR_INFO, info->intr_info);
    vmcs_write(vmcs, VF_VM_EXIT_INTR_ERROR_CODE, info->intr_error);
    if (entry_failure)
        vmcs_write(vmcs, VF_IDT_VECTORING_INFO_FIELD, 0);
    else
        record_idt_vectoring(cpu, vmcs, info);
    if (info->instruction_len)
        vmcs_write(vmcs, VF_VM_EXIT_INSTRUCTION_LEN, info->instruction_len);
    vmcs_write(vmcs, VF_VMX_INSTRUCTION_INFO, info->instruction_info);
    /* 27.2.3: the valid bit of the VM-entry interruption-information field
     * is cleared on every VM exit. */
    vmcs_write(vmcs, VF_VM_ENTRY_INTR_INFO_FIELD,
               vmcs_read(vmcs, VF_VM_ENTRY_INTR_INFO_FIELD) & ~BIT(31));

    uint32_t exit_ctls = (uint32_t)vmcs_read(vmcs, VF_VM_EXIT_CONTROLS);
    if (!entry_failure || (info->reason & 0xffff) == EXIT_REASON_MSR_LOADING) {
        /* A failure in MSR loading comes after guest state was loaded; its
         * state is not saved either (SDM 26.8), but the guest's activity
         * ended: leave non-root operation in both cases. */
        if (!entry_failure) {
            save_guest_state(cpu, vmcs, exit_ctls);
            vmx_events_on_exit(cpu, vmcs, exit_ctls);
        }
    }
    if (!entry_failure &&
        !store_msr_area(cpu, vmcs_read(vmcs, VF_VM_EXIT_MSR_STORE_ADDR),
                        (uint32_t)vmcs_read(vmcs, VF_VM_EXIT_MSR_STORE_COUNT)))
        return vmx_abort(cpu, 1, "VMX abort: failure saving guest MSRs (SDM 27.7, indicator 1)");

    if (v->shadow_loaded) {
        vmcs_region_store(cpu->pm, vmcs_read(vmcs, VF_VMCS_LINK_POINTER), &v->shadow);
        v->shadow_loaded = false;
    }
    cpu->vmx_non_root = false;
    cpu->ept = NULL;
    vmx_set_fixed_bits(cpu, true, false);
    load_host_state(cpu, vmcs, exit_ctls);
    if (vmx_load_msr_area(cpu, vmcs_read(vmcs, VF_VM_EXIT_MSR_LOAD_ADDR),
                          (uint32_t)vmcs_read(vmcs, VF_VM_EXIT_MSR_LOAD_COUNT)))
        return vmx_abort(cpu, 4, "VMX abort: failure loading host MSRs (SDM 27.7, indicator 4)");
    v->exits++;
    return ST_VMEXIT;
}

SimStatus vmx_exit_for_insn(Cpu *cpu, uint32_t reason, uint64_t qualification,
                            uint32_t instruction_info)
{
    VmxExitInfo info = {
        .reason = reason,
        .qualification = qualification,
        .instruction_info = instruction_info,
        .instruction_len = (uint8_t)(cpu->next_rip - cpu->rip),
    };
    return vmx_vmexit(cpu, &info);
}
