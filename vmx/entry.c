/*
 * vmx/entry.c: VM entry after VMLAUNCH/VMRESUME have made their own checks.
 * SDM Vol.3 26.2 (checks on controls and host state, vmx/entry_check.c),
 * 26.3 "Checking and Loading Guest State", 26.4 "Loading MSRs", 26.5
 * "Event Injection", 26.8 "VM-Entry Failures During or After Loading Guest
 * State".
 */
#include "vmx/vmx.h"

#include <stdio.h>

#include "cpu/deliver.h"
#include "cpu/fault.h"
#include "cpu/mem.h"
#include "cpu/msr.h"
#include "vmx/entry_check.h"
#include "traces/profile.h"
#include "vmx/internal.h"

/* Guest segment ES..TR from the VMCS into the CPU's segment caches
 * (SDM 26.3.2.2 "Loading Guest Segment Registers and Descriptor-Table
 * Registers"): unusable segments keep only what the SDM says survives. */
void vmx_load_segment(Cpu *cpu, unsigned seg, const Vmcs *v)
{
    SegReg *s = &cpu->seg[seg];
    s->sel = (uint16_t)vmcs_read(v, VF_GUEST_ES_SELECTOR + seg);
    s->base = vmcs_read(v, VF_GUEST_ES_BASE + seg);
    s->limit = (uint32_t)vmcs_read(v, VF_GUEST_ES_LIMIT + seg);
    s->ar = (uint32_t)vmcs_read(v, VF_GUEST_ES_AR_BYTES + seg) & (BITS(16, 12) | 0xffu);
    /* An unusable CS, SS, DS or ES keeps a 32-bit base (26.3.2.2). */
    if ((s->ar & AR_UNUSABLE) && seg <= SEG_DS && seg != SEG_CS)
        s->base &= 0xffffffffu;
}

static void load_guest_state(Cpu *cpu, const Vmcs *v, uint32_t entry_ctls)
{
    bool guest64 = entry_ctls & VMXM_ENTRY_IA32E_MODE_GUEST;

    /* SDM 26.3.2.1 "Loading Guest Control Registers, Debug Registers, and
     * MSRs". CR0.ET is fixed to 1 on every processor with VMX. */
    cpu_set_cr4(cpu, vmcs_read(v, VF_GUEST_CR4));
    cpu->cr3 = vmcs_read(v, VF_GUEST_CR3);
    if (entry_ctls & VMXM_ENTRY_LOAD_DEBUG_CONTROLS) {
        cpu->dr[7] = vmcs_read(v, VF_GUEST_DR7);
        cpu->msr.debugctl = vmcs_read(v, VF_GUEST_IA32_DEBUGCTL);
    }
    cpu->msr.sysenter_cs = vmcs_read(v, VF_GUEST_SYSENTER_CS);
    cpu->msr.sysenter_esp = vmcs_read(v, VF_GUEST_SYSENTER_ESP);
    cpu->msr.sysenter_eip = vmcs_read(v, VF_GUEST_SYSENTER_EIP);
    if (entry_ctls & VMXM_ENTRY_LOAD_PAT)
        cpu->msr.pat = vmcs_read(v, VF_GUEST_IA32_PAT);
    uint64_t cr0 = vmcs_read(v, VF_GUEST_CR0) | CR0_ET;
    uint64_t efer = cpu->efer;
    if (entry_ctls & VMXM_ENTRY_LOAD_EFER) {
        efer = vmcs_read(v, VF_GUEST_IA32_EFER);
    } else {
        /* LMA follows "IA-32e mode guest"; LME too when paging is on. */
        efer = guest64 ? efer | EFER_LMA : efer & ~EFER_LMA;
        if (cr0 & CR0_PG)
            efer = guest64 ? efer | EFER_LME : efer & ~EFER_LME;
    }
    cpu->efer = efer;
    cpu->cr0 = cr0;

    for (unsigned s = SEG_ES; s <= SEG_TR; s++)
        vmx_load_segment(cpu, s, v);
    cpu->gdtr = (DescTable){ vmcs_read(v, VF_GUEST_GDTR_BASE), (uint16_t)vmcs_read(v, VF_GUEST_GDTR_LIMIT) };
    cpu->idtr = (DescTable){ vmcs_read(v, VF_GUEST_IDTR_BASE), (uint16_t)vmcs_read(v, VF_GUEST_IDTR_LIMIT) };

    /* SDM 26.3.2.3 "Loading Guest RIP, RSP, and RFLAGS". */
    cpu->rip = vmcs_read(v, VF_GUEST_RIP);
    cpu->gpr[R_RSP] = vmcs_read(v, VF_GUEST_RSP);
    cpu->rflags = vmcs_read(v, VF_GUEST_RFLAGS);

    /* SDM 26.3.2.5 "Updating Non-Register State": without VPID, entries
     * invalidate the cached translations of VPID 0 (28.3.3.3); the TLB
     * is not yet VPID-tagged, so it flushes on every entry. */
    tlb_flush_all(&cpu->tlb);
    cpu_update_mode(cpu);

    /* SDM 26.3.2.4 "Loading Page-Directory-Pointer-Table Entries": for PAE
     * paging the PDPTEs come from the VMCS fields with "enable EPT", and
     * otherwise from memory at guest CR3 bits 31:5, as MOV to CR3 loads
     * them (26.3.1.6 has already checked them). */
    if ((cr0 & CR0_PG) && (cpu->cr4 & CR4_PAE) && !guest64) {
        bool ept = cpu->vmx->proc2 & VMXM_PROC2_ENABLE_EPT;
        for (unsigned i = 0; i < 4; i++)
            cpu->pdpte[i] = ept ? vmcs_read(v, VF_GUEST_PDPTE0 + i)
                                : physmem_read(cpu->pm, (cpu->cr3 & 0xffffffe0u) + 8 * i, 8);
    }

    /* Interruptibility and activity (SDM 26.6 "Special Features of VM
     * Entry", 26.6.2 "Activity State", 26.6.3 "Delivery of Pending Debug
     * Exceptions after VM Entry"). */
    uint32_t intr = (uint32_t)vmcs_read(v, VF_GUEST_INTERRUPTIBILITY_INFO);
    cpu->sti_shadow = intr & 1;
    cpu->movss_shadow = intr & 2;
    cpu->nmi_blocked = intr & 8;
    static const uint8_t activity[] = { CPU_ACTIVE, CPU_HLT, CPU_SHUTDOWN, CPU_WAIT_SIPI };
    cpu->activity = activity[vmcs_read(v, VF_GUEST_ACTIVITY_STATE) & 3];
}

/* SDM 26.5 "Event Injection": deliver the event in the VM-entry
 * interruption-information field through the guest IDT. The exception
 * bitmap does not apply to the injected event itself, only to exceptions
 * its delivery raises (26.5.1.2); v->injecting tells vmx_exception_exit.
 * *vectored is set when a vectored event (types 0-6) was injected; type 7
 * (other event, vector 0) is a pending MTF VM exit (26.5.2). */
static SimStatus inject_event(Cpu *cpu, const Vmcs *v, bool *vectored)
{
    uint32_t info = (uint32_t)vmcs_read(v, VF_VM_ENTRY_INTR_INFO_FIELD);
    *vectored = false;
    if (!(info & BIT(31)))
        return ST_OK;
    unsigned type = (info >> 8) & 7, vector = info & 0xff;
    bool has_error = info & BIT(11);
    uint32_t error = (uint32_t)vmcs_read(v, VF_VM_ENTRY_EXCEPTION_ERROR_CODE);
    if (type == 7) {
        cpu->vmx->mtf_pending = true;
        return ST_OK;
    }
    *vectored = true;
    /* Software interrupts and exceptions return past the instruction whose
     * length the VMM supplied (26.5.1.1). Delivery ends the HLT state
     * (26.6.2). */
    cpu->next_rip = cpu->rip + vmcs_read(v, VF_VM_ENTRY_INSTRUCTION_LEN);
    cpu->activity = CPU_ACTIVE;
    static const uint8_t kind_of[] = {
        [0] = EV_EXTERNAL, [2] = EV_NMI, [3] = EV_EXCEPTION, [4] = EV_SOFTWARE_INT,
        [5] = EV_PRIV_SOFTWARE_EXC, [6] = EV_SOFTWARE_EXC,
    };
    cpu->vmx->injecting = true;
    SimStatus st = cpu_deliver_event(cpu, (EventKind)kind_of[type], (uint8_t)vector,
                                     type == 3 && has_error, error);
    cpu->vmx->injecting = false;
    return st;
}

/* SDM 26.6.3 "Delivery of Pending Debug Exceptions after VM Entry": with
 * no event injected, valid pending debug exceptions (B3:0, BS, or
 * enabled-breakpoint bits) not blocked by MOV SS are delivered as a #DB
 * trap before the first instruction; the exception bitmap applies, and
 * otherwise DR6 is updated normally. */
static SimStatus deliver_pending_debug(Cpu *cpu, const Vmcs *v)
{
    uint64_t pending = vmcs_read(v, VF_GUEST_PENDING_DBG_EXCEPTIONS) & (BITS(3, 0) | BIT(14));
    if (!pending || cpu->movss_shadow || cpu->activity != CPU_ACTIVE)
        return ST_OK;
    uint64_t dr6 = cpu->dr[6];
    SimStatus st = cpu_deliver_event(cpu, EV_EXCEPTION, EXC_DB, false, 0);
    if (st == ST_OK) {
        cpu->dr[6] = (dr6 & ~BITS(3, 0)) | pending;
        if (cpu->vmx->proc & VMXM_PROC_MONITOR_TRAP_FLAG)
            cpu->vmx->mtf_pending = true;
    }
    return st;
}

/* SDM 26.7.7 "VM Exits Induced by the TPR Threshold": with "use TPR
 * shadow" and without "virtual-interrupt delivery", TPR threshold[3:0] >
 * VTPR[7:4] is a VM exit right after entry (after injection), ahead of
 * every other pending event and not blocked by RFLAGS.IF or the
 * interruptibility state. */
static bool tpr_below_threshold(const Cpu *cpu, const Vmcs *v)
{
    const VmxCpu *x = cpu->vmx;
    if (!(x->proc & VMXM_PROC_USE_TPR_SHADOW) || (x->proc2 & VMXM_PROC2_VIRT_INTR_DELIVERY))
        return false;
    if (cpu->activity != CPU_ACTIVE && cpu->activity != CPU_HLT)
        return false;
    return (vmcs_read(v, VF_TPR_THRESHOLD) & 0xf) > vmx_cr8_read(cpu);
}

static SimStatus entry_failure(Cpu *cpu, uint32_t reason, uint64_t qualification)
{
    VmxExitInfo info = { .reason = reason | BIT(31), .qualification = qualification };
    return vmx_vmexit(cpu, &info);
}

/* A failed VM-entry check becomes a trace record and, with -d entry, a line
 * that names the SDM section, the rule and the code that checks it, so a
 * hypervisor developer sees why the entry failed (ARCHITECTURE "VMX"). */
static void report_entry_failure(Cpu *cpu, const EntryFailure *fail, unsigned error,
                                 uint64_t qualification)
{
    VmxCpu *v = cpu->vmx;
    if (v->tracer)
        trace_emit(v->tracer, TRACE_VMENTRY_FAIL, cpu->index, cpu->cycles, fail->id,
                   ((uint64_t)error << 32) | (qualification & 0xffffffffu));
    if (!v->log_entry_failures || fail->id >= EC_COUNT)
        return;
    const EntryCheckDesc *c = &entry_checks[fail->id];
    if (error)
        fprintf(stderr, "vmxsim: vCPU %u: VM entry failed: VMfailValid(%u, %s)\n", cpu->index, error,
                vmx_error_description(error));
    else
        fprintf(stderr, "vmxsim: vCPU %u: VM entry failed: exit reason 33 (invalid guest state), "
                "qualification %llu\n", cpu->index, (unsigned long long)qualification);
    fprintf(stderr, "vmxsim:   SDM %s: %s\n", c->section, c->rule);
    fprintf(stderr, "vmxsim:   check %s: `%s` (vmx/%s:%d)\n", c->id, fail->condition,
            c->outcome == EO_CTRL || c->outcome == EO_HOST ? "entry_check.c" : "entry_check_guest.c",
            fail->line);
}

SimStatus vmx_vmentry(Cpu *cpu, bool launch)
{
    VmxCpu *v = cpu->vmx;
    Vmcs *vmcs = &v->vmcs;
    EntryCheckEnv env = {
        .vmcs = vmcs, .caps = &v->caps, .pm = cpu->pm, .current_vmcs = v->current_vmcs,
        .maxphyaddr = cpu->model->maxphyaddr,
        .linear_bits = cpu_has(cpu, FEAT_LA57) ? 57 : 48,
        .cpu_in_ia32e = cpu->efer & EFER_LMA, .cpu_has_pcid = cpu_has(cpu, FEAT_PCID),
    };
    EntryFailure fail = { EC_COUNT, NULL, 0 };
    unsigned error = vmx_check_controls_and_host(&env, &fail);
    if (error) {
        report_entry_failure(cpu, &fail, error, 0);
        vmx_fail_valid(cpu, error);
        return ST_OK;
    }

    /* From here on a failure is a VM exit to the host (SDM 26.8). */
    v->pin = (uint32_t)vmcs_read(vmcs, VF_PIN_BASED_VM_EXEC_CONTROL);
    v->proc = (uint32_t)vmcs_read(vmcs, VF_CPU_BASED_VM_EXEC_CONTROL);
    v->proc2 = (v->proc & VMXM_PROC_ACTIVATE_SECONDARY)
                   ? (uint32_t)vmcs_read(vmcs, VF_SECONDARY_VM_EXEC_CONTROL) : 0;
    v->exit_ctls = (uint32_t)vmcs_read(vmcs, VF_VM_EXIT_CONTROLS);
    v->entry_ctls = (uint32_t)vmcs_read(vmcs, VF_VM_ENTRY_CONTROLS);
    vmx_nonroot_on_entry(v);

    uint64_t qualification = 0;
    if (!vmx_check_guest_state(&env, &fail, &qualification)) {
        report_entry_failure(cpu, &fail, 0, qualification);
        return entry_failure(cpu, EXIT_REASON_INVALID_GUEST_STATE, qualification);
    }

    v->host_nmi_blocked = cpu->nmi_blocked;
    load_guest_state(cpu, vmcs, v->entry_ctls);
    cpu->vmx_non_root = true;
    /* With "enable EPT", guest-physical addresses go through EPT from the
     * first guest access on, event injection included (SDM 28.2.1). */
    if (v->proc2 & VMXM_PROC2_ENABLE_EPT) {
        v->ept = (EptCtx){
            .pm = cpu->pm, .eptp = vmcs_read(vmcs, VF_EPT_POINTER), .caps = v->caps.ept_vpid_cap,
            .maxphyaddr = cpu->model->maxphyaddr, .mbec = v->proc2 & VMXM_PROC2_MODE_BASED_EPT_EXEC,
        };
        if ((v->proc2 & VMXM_PROC2_ENABLE_PML) && (v->ept.eptp & EPTP_AD)) {
            v->ept.pml_address = vmcs_read(vmcs, VF_PML_ADDRESS);
            v->ept.pml_index = &vmcs->field[VF_GUEST_PML_INDEX];
        }
        cpu->ept = &v->ept;
    }
    vmx_set_fixed_bits(cpu, true, v->proc2 & VMXM_PROC2_UNRESTRICTED_GUEST);

    uint32_t bad_msr = vmx_load_msr_area(cpu, vmcs_read(vmcs, VF_VM_ENTRY_MSR_LOAD_ADDR),
                                     (uint32_t)vmcs_read(vmcs, VF_VM_ENTRY_MSR_LOAD_COUNT));
    if (bad_msr)
        return entry_failure(cpu, EXIT_REASON_MSR_LOADING, bad_msr);

    if (launch)
        vmcs->launch_state = VMCS_LAUNCHED;
    v->entries++;
    profile_vmentry(cpu);

    /* SDM 24.10: with VMCS shadowing, VMREAD/VMWRITE in the guest reach
     * the shadow VMCS the link pointer names. */
    uint64_t link = vmcs_read(vmcs, VF_VMCS_LINK_POINTER);
    v->shadow_loaded = (v->proc2 & VMXM_PROC2_VMCS_SHADOWING) && link != ~0ull;
    if (v->shadow_loaded)
        vmcs_region_load(cpu->pm, link, &v->shadow);

    bool vectored;
    SimStatus st = inject_event(cpu, vmcs, &vectored);
    /* The valid bit of the injection field is cleared by the next VM exit
     * (SDM 27.2.3); a fault while delivering it is handled by the normal
     * delivery path. */
    if (st == ST_FAULT)
        st = cpu_deliver_fault(cpu);
    if (st != ST_OK)
        return st == ST_VMEXIT ? ST_VMEXIT : st;
    vmx_events_on_entry(cpu, vectored);
    /* A pending MTF VM exit outranks pending debug exceptions, which stay
     * pending and are saved with it (SDM 26.7.8, 27.3.4). */
    if (v->mtf_pending && !vectored)
        v->pending_dbg = vmcs_read(vmcs, VF_GUEST_PENDING_DBG_EXCEPTIONS) & (BITS(3, 0) | BIT(14));
    if (tpr_below_threshold(cpu, vmcs)) {
        VmxExitInfo info = { .reason = EXIT_REASON_TPR_BELOW_THRESHOLD };
        return vmx_vmexit(cpu, &info);
    }
    if (!vectored && !v->mtf_pending) {
        st = deliver_pending_debug(cpu, vmcs);
        if (st == ST_FAULT)
            st = cpu_deliver_fault(cpu);
        if (st != ST_OK && st != ST_VMEXIT)
            return st;
    }
    return ST_VMEXIT;
}
