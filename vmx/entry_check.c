/*
 * vmx/entry_check.c: VM-entry checks on the VMX controls, the host-state
 * area and the guest-state area. SDM Vol.3 26.2.1.1 "VM-Execution Control
 * Fields", 26.2.1.2 "VM-Exit Control Fields", 26.2.1.3 "VM-Entry Control
 * Fields", 26.2.2 "Checks on Host Control Registers and MSRs", 26.2.3
 * "Checks on Host Segment and Descriptor-Table Registers", 26.2.4 "Checks
 * Related to Address-Space Size", 26.3.1.1-26.3.1.6 "Checks on the Guest
 * State Area".
 *
 * One function per SDM subsection; each check is one line
 * `if (ENTRY_CHECK(<id>, <failure condition>)) return false;` whose id is a row
 * of vmx/entry_checks.def. The SDM lets the checks run in any order (26.2);
 * vmxsim runs them in the order the SDM lists them, controls before host
 * state before guest state, as the error numbers of real parts suggest.
 *
 * Choices where the SDM leaves room (documented in the README):
 * - 26.2.4's checks report VM-instruction error 8 (host state), as the
 *   checks concern the host's address-space size.
 * - Injecting an NMI with blocking by STI fails (exit 33, qualification 3),
 *   which the SDM permits and Intel parts do.
 */
#include "vmx/entry_check.h"

#include "vmx/entry_check_internal.h"

const EntryCheckDesc entry_checks[EC_COUNT] = {
#define ENTRY_CHECK_ROW(id, section, outcome, rule) { #id, section, rule, EO_##outcome },
#include "vmx/entry_checks.def"
};

/* SDM 26.2.1.1 VM-Execution Control Fields */
static bool check_execution_controls(const Ctx *c, EntryFailure *fail)
{
    const VmxCaps *caps = c->env->caps;
    uint32_t pin = c->pin, proc = c->proc, proc2 = c->proc2;

    if (ENTRY_CHECK(PIN_RESERVED, ctl_bad(&caps->ctl[VMXK_PIN], pin))) return false;
    if (ENTRY_CHECK(PROC_RESERVED, ctl_bad(&caps->ctl[VMXK_PROC], proc))) return false;
    if (ENTRY_CHECK(PROC2_RESERVED, (proc & VMXM_PROC_ACTIVATE_SECONDARY) &&
                                    ctl_bad(&caps->ctl[VMXK_PROC2], proc2))) return false;
    if (ENTRY_CHECK(CR3_TARGET_COUNT, fld(c, VF_CR3_TARGET_COUNT) > MISC_CR3_TARGETS(caps->misc))) return false;
    if (proc & VMXM_PROC_USE_IO_BITMAPS) {
        if (ENTRY_CHECK(IO_BITMAP_ALIGN, (fld(c, VF_IO_BITMAP_A) & 0xfff) || (fld(c, VF_IO_BITMAP_B) & 0xfff))) return false;
        if (ENTRY_CHECK(IO_BITMAP_WIDTH, beyond_pa(c, fld(c, VF_IO_BITMAP_A)) || beyond_pa(c, fld(c, VF_IO_BITMAP_B)))) return false;
    }
    if (proc & VMXM_PROC_USE_MSR_BITMAPS) {
        if (ENTRY_CHECK(MSR_BITMAP_ALIGN, fld(c, VF_MSR_BITMAP) & 0xfff)) return false;
        if (ENTRY_CHECK(MSR_BITMAP_WIDTH, beyond_pa(c, fld(c, VF_MSR_BITMAP)))) return false;
    }
    if (proc & VMXM_PROC_USE_TPR_SHADOW) {
        uint64_t vapic = fld(c, VF_VIRTUAL_APIC_PAGE_ADDR);
        uint32_t threshold = (uint32_t)fld(c, VF_TPR_THRESHOLD);
        if (ENTRY_CHECK(VAPIC_ALIGN, vapic & 0xfff)) return false;
        if (ENTRY_CHECK(VAPIC_WIDTH, beyond_pa(c, vapic))) return false;
        if (ENTRY_CHECK(TPR_THRESHOLD_RSVD, !(proc2 & VMXM_PROC2_VIRT_INTR_DELIVERY) &&
                                            (threshold & ~0xfu))) return false;
        if (!(proc2 & (VMXM_PROC2_VIRT_APIC_ACCESSES | VMXM_PROC2_VIRT_INTR_DELIVERY))) {
            /* VTPR is byte 80H of the virtual-APIC page (SDM 29.1.1). */
            unsigned vtpr = (unsigned)physmem_read(c->env->pm, vapic + 0x80, 1);
            if (ENTRY_CHECK(TPR_THRESHOLD_VTPR, (threshold & 0xf) > (vtpr >> 4))) return false;
        }
    }
    if (ENTRY_CHECK(VNMI_NEEDS_NMI_EXIT, !(pin & VMXM_PIN_NMI_EXITING) && (pin & VMXM_PIN_VIRTUAL_NMIS))) return false;
    if (ENTRY_CHECK(NMI_WINDOW_NEEDS_VNMI, !(pin & VMXM_PIN_VIRTUAL_NMIS) && (proc & VMXM_PROC_NMI_WINDOW_EXITING))) return false;
    if (proc2 & VMXM_PROC2_VIRT_APIC_ACCESSES) {
        if (ENTRY_CHECK(APIC_ACCESS_ALIGN, fld(c, VF_APIC_ACCESS_ADDR) & 0xfff)) return false;
        if (ENTRY_CHECK(APIC_ACCESS_WIDTH, beyond_pa(c, fld(c, VF_APIC_ACCESS_ADDR)))) return false;
    }
    if (!(proc & VMXM_PROC_USE_TPR_SHADOW)) {
        if (ENTRY_CHECK(X2APIC_NEEDS_TPR, proc2 & VMXM_PROC2_VIRT_X2APIC_MODE)) return false;
        if (ENTRY_CHECK(APICREG_NEEDS_TPR, proc2 & VMXM_PROC2_APIC_REGISTER_VIRT)) return false;
        if (ENTRY_CHECK(VID_NEEDS_TPR, proc2 & VMXM_PROC2_VIRT_INTR_DELIVERY)) return false;
    }
    if (ENTRY_CHECK(X2APIC_XOR_APIC_ACCESS, (proc2 & VMXM_PROC2_VIRT_X2APIC_MODE) &&
                                            (proc2 & VMXM_PROC2_VIRT_APIC_ACCESSES))) return false;
    if (ENTRY_CHECK(VID_NEEDS_EXTINT_EXIT, (proc2 & VMXM_PROC2_VIRT_INTR_DELIVERY) &&
                                           !(pin & VMXM_PIN_EXTINT_EXITING))) return false;
    if (pin & VMXM_PIN_POSTED_INTERRUPTS) {
        uint64_t desc = fld(c, VF_POSTED_INTR_DESC_ADDR);
        if (ENTRY_CHECK(PI_NEEDS_VID, !(proc2 & VMXM_PROC2_VIRT_INTR_DELIVERY))) return false;
        if (ENTRY_CHECK(PI_NEEDS_ACK, !(c->exit & VMXM_EXIT_ACK_INTR_ON_EXIT))) return false;
        if (ENTRY_CHECK(PI_VECTOR, fld(c, VF_POSTED_INTR_NOTIFICATION_VECTOR) & 0xff00)) return false;
        if (ENTRY_CHECK(PI_DESC_ALIGN, desc & 0x3f)) return false;
        if (ENTRY_CHECK(PI_DESC_WIDTH, beyond_pa(c, desc))) return false;
    }
    if (ENTRY_CHECK(VPID_NONZERO, (proc2 & VMXM_PROC2_ENABLE_VPID) && fld(c, VF_VIRTUAL_PROCESSOR_ID) == 0)) return false;
    if (proc2 & VMXM_PROC2_ENABLE_EPT) {
        uint64_t eptp = fld(c, VF_EPT_POINTER), cap = caps->ept_vpid_cap;
        unsigned type = eptp & 7, walk = (eptp >> 3) & 7;
        if (ENTRY_CHECK(EPTP_MEMTYPE, !((type == 0 && (cap & EPT_CAP_UC)) ||
                                        (type == 6 && (cap & EPT_CAP_WB))))) return false;
        if (ENTRY_CHECK(EPTP_WALK_LENGTH, !((walk == 3 && (cap & EPT_CAP_WALK4)) ||
                                            (walk == 4 && (cap & EPT_CAP_WALK5))))) return false;
        if (ENTRY_CHECK(EPTP_AD, (eptp & BIT(6)) && !(cap & EPT_CAP_AD))) return false;
        /* Bit 7 (supervisor shadow-stack control) needs CET, which no
         * shipped model has: reserved here with bits 11:8. */
        if (ENTRY_CHECK(EPTP_RESERVED, (eptp & BITS(11, 7)) || beyond_pa(c, eptp))) return false;
    }
    if (proc2 & VMXM_PROC2_ENABLE_PML) {
        if (ENTRY_CHECK(PML_NEEDS_EPT, !(proc2 & VMXM_PROC2_ENABLE_EPT))) return false;
        if (ENTRY_CHECK(PML_ADDRESS, not_page_aligned_or_beyond_pa(c, fld(c, VF_PML_ADDRESS)))) return false;
    }
    if (ENTRY_CHECK(UG_NEEDS_EPT, (proc2 & VMXM_PROC2_UNRESTRICTED_GUEST) && !(proc2 & VMXM_PROC2_ENABLE_EPT))) return false;
    if (ENTRY_CHECK(MBEC_NEEDS_EPT, (proc2 & VMXM_PROC2_MODE_BASED_EPT_EXEC) && !(proc2 & VMXM_PROC2_ENABLE_EPT))) return false;
    if (ENTRY_CHECK(SPP_NEEDS_EPT, (proc2 & VMXM_PROC2_SUBPAGE_WRITE) && !(proc2 & VMXM_PROC2_ENABLE_EPT))) return false;
    if (proc2 & VMXM_PROC2_ENABLE_VMFUNC) {
        if (ENTRY_CHECK(VMFUNC_RESERVED, c->vmfunc & ~(uint64_t)caps->ctl[VMXK_VMFUNC].allowed1)) return false;
        if (c->vmfunc & VMXM_VMFUNC_EPTP_SWITCHING) {
            if (ENTRY_CHECK(EPTP_SWITCH_NEEDS_EPT, !(proc2 & VMXM_PROC2_ENABLE_EPT))) return false;
            if (ENTRY_CHECK(EPTP_LIST_ADDRESS, not_page_aligned_or_beyond_pa(c, fld(c, VF_EPTP_LIST_ADDRESS)))) return false;
        }
    }
    if (proc2 & VMXM_PROC2_VMCS_SHADOWING) {
        if (ENTRY_CHECK(VMREAD_BITMAP_ADDR, not_page_aligned_or_beyond_pa(c, fld(c, VF_VMREAD_BITMAP)))) return false;
        if (ENTRY_CHECK(VMWRITE_BITMAP_ADDR, not_page_aligned_or_beyond_pa(c, fld(c, VF_VMWRITE_BITMAP)))) return false;
    }
    if (ENTRY_CHECK(VE_INFO_ADDRESS, (proc2 & VMXM_PROC2_EPT_VIOLATION_VE) &&
                                     not_page_aligned_or_beyond_pa(c, fld(c, VF_VE_INFORMATION_ADDRESS)))) return false;
    return true;
}

/* SDM 26.2.1.2 VM-Exit Control Fields */
static bool check_exit_controls(const Ctx *c, EntryFailure *fail)
{
    if (ENTRY_CHECK(EXIT_RESERVED, ctl_bad(&c->env->caps->ctl[VMXK_EXIT], c->exit))) return false;
    if (ENTRY_CHECK(SAVE_TIMER_NEEDS_TIMER, !(c->pin & VMXM_PIN_PREEMPTION_TIMER) &&
                                            (c->exit & VMXM_EXIT_SAVE_PREEMPT_TIMER))) return false;
    if (ENTRY_CHECK(EXIT_MSR_STORE_AREA, msr_area_bad(c, fld(c, VF_VM_EXIT_MSR_STORE_ADDR),
                                                      (uint32_t)fld(c, VF_VM_EXIT_MSR_STORE_COUNT)))) return false;
    if (ENTRY_CHECK(EXIT_MSR_LOAD_AREA, msr_area_bad(c, fld(c, VF_VM_EXIT_MSR_LOAD_ADDR),
                                                     (uint32_t)fld(c, VF_VM_EXIT_MSR_LOAD_COUNT)))) return false;
    return true;
}

/* Whether an injected hardware exception must carry an error code
 * (SDM 26.2.1.3, deliver-error-code rule). */
static bool exception_has_error_code(unsigned vector)
{
    return vector == EXC_DF || (vector >= EXC_TS && vector <= EXC_PF) || vector == EXC_AC;
}

/* SDM 26.2.1.3 VM-Entry Control Fields */
static bool check_entry_controls(const Ctx *c, EntryFailure *fail)
{
    const VmxCaps *caps = c->env->caps;
    if (ENTRY_CHECK(ENTRY_RESERVED, ctl_bad(&caps->ctl[VMXK_ENTRY], c->entry))) return false;

    uint32_t info = (uint32_t)fld(c, VF_VM_ENTRY_INTR_INFO_FIELD);
    if (info & INTR_INFO_VALID) {
        unsigned type = INTR_INFO_TYPE(info), vector = INTR_INFO_VECTOR(info);
        bool mtf_supported = caps->ctl[VMXK_PROC].allowed1 & VMXM_PROC_MONITOR_TRAP_FLAG;
        bool deliver = info & INTR_INFO_DELIVER_EC;
        bool pe = fld(c, VF_GUEST_CR0) & CR0_PE;
        if (ENTRY_CHECK(INJECT_TYPE, type == INTR_TYPE_RESERVED ||
                                     (type == INTR_TYPE_OTHER && !mtf_supported))) return false;
        if (ENTRY_CHECK(INJECT_NMI_VECTOR, type == INTR_TYPE_NMI && vector != 2)) return false;
        if (ENTRY_CHECK(INJECT_EXC_VECTOR, type == INTR_TYPE_HW_EXC && vector > 31)) return false;
        if (ENTRY_CHECK(INJECT_OTHER_VECTOR, type == INTR_TYPE_OTHER && vector != 0)) return false;
        /* With IA32_VMX_BASIC[56], a hardware exception may be injected
         * with or without an error code; otherwise the vector decides. */
        bool may = type == INTR_TYPE_HW_EXC && pe;
        bool must = may && exception_has_error_code(vector) && !(caps->basic & BASIC_ANY_ERROR_CODE);
        if (!(caps->basic & BASIC_ANY_ERROR_CODE))
            may = must;
        if (ENTRY_CHECK(INJECT_ERROR_CODE, (deliver && !may) || (!deliver && must))) return false;
        if (ENTRY_CHECK(INJECT_RESERVED, info & BITS(30, 12))) return false;
        if (ENTRY_CHECK(INJECT_ERROR_CODE_RSVD, deliver && (fld(c, VF_VM_ENTRY_EXCEPTION_ERROR_CODE) & BITS(31, 16)))) return false;
        if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXC) {
            uint64_t len = fld(c, VF_VM_ENTRY_INSTRUCTION_LEN);
            if (ENTRY_CHECK(INJECT_LENGTH, len > 15 || (len == 0 && !(caps->misc & MISC_ZERO_LENGTH_INJECT)))) return false;
        }
    }
    if (ENTRY_CHECK(ENTRY_MSR_LOAD_AREA, msr_area_bad(c, fld(c, VF_VM_ENTRY_MSR_LOAD_ADDR),
                                                      (uint32_t)fld(c, VF_VM_ENTRY_MSR_LOAD_COUNT)))) return false;
    /* vmxsim never runs in SMM. */
    if (ENTRY_CHECK(ENTRY_SMM_OUTSIDE_SMM, c->entry & (VMXM_ENTRY_TO_SMM | VMXM_ENTRY_DEACT_DUAL_MONITOR))) return false;
    return true;
}

/* SDM 26.2.2 Checks on Host Control Registers and MSRs */
static bool check_host_control_registers(const Ctx *c, EntryFailure *fail)
{
    const VmxCaps *caps = c->env->caps;
    uint64_t cr0 = fld(c, VF_HOST_CR0), cr4 = fld(c, VF_HOST_CR4);
    if (ENTRY_CHECK(HOST_CR0_FIXED, (cr0 & caps->cr0_fixed0) != caps->cr0_fixed0 || (cr0 & ~caps->cr0_fixed1))) return false;
    if (ENTRY_CHECK(HOST_CR4_FIXED, (cr4 & caps->cr4_fixed0) != caps->cr4_fixed0 || (cr4 & ~caps->cr4_fixed1))) return false;
    if (ENTRY_CHECK(HOST_CR3_WIDTH, beyond_pa(c, fld(c, VF_HOST_CR3)))) return false;
    if (ENTRY_CHECK(HOST_SYSENTER_CANONICAL, !canonical(c, fld(c, VF_HOST_IA32_SYSENTER_ESP)) ||
                                             !canonical(c, fld(c, VF_HOST_IA32_SYSENTER_EIP)))) return false;
    if (ENTRY_CHECK(HOST_PERF_GLOBAL_RSVD, (c->exit & VMXM_EXIT_LOAD_PERF_GLOBAL_CTRL) &&
                                           (fld(c, VF_HOST_IA32_PERF_GLOBAL_CTRL) & ~PERF_GLOBAL_CTRL_VALID))) return false;
    if (ENTRY_CHECK(HOST_PAT_VALID, (c->exit & VMXM_EXIT_LOAD_PAT) && pat_bad(fld(c, VF_HOST_IA32_PAT)))) return false;
    if (c->exit & VMXM_EXIT_LOAD_EFER) {
        uint64_t efer = fld(c, VF_HOST_IA32_EFER);
        bool host64 = c->exit & VMXM_EXIT_HOST_ADDR_SPACE_SIZE;
        if (ENTRY_CHECK(HOST_EFER_RSVD, efer & ~EFER_VALID)) return false;
        if (ENTRY_CHECK(HOST_EFER_LMA_LME, !!(efer & EFER_LMA) != host64 || !!(efer & EFER_LME) != host64)) return false;
    }
    return true;
}

/* SDM 26.2.3 Checks on Host Segment and Descriptor-Table Registers */
static bool check_host_segments(const Ctx *c, EntryFailure *fail)
{
    bool bad_sel = false;
    for (unsigned i = 0; i <= VF_HOST_TR_SELECTOR - VF_HOST_ES_SELECTOR; i++)
        bad_sel |= (fld(c, VF_HOST_ES_SELECTOR + i) & 7) != 0;
    if (ENTRY_CHECK(HOST_SEL_RPL_TI, bad_sel)) return false;
    if (ENTRY_CHECK(HOST_CS_TR_NONNULL, fld(c, VF_HOST_CS_SELECTOR) == 0 || fld(c, VF_HOST_TR_SELECTOR) == 0)) return false;
    if (ENTRY_CHECK(HOST_SS_NONNULL, !(c->exit & VMXM_EXIT_HOST_ADDR_SPACE_SIZE) && fld(c, VF_HOST_SS_SELECTOR) == 0)) return false;
    if (ENTRY_CHECK(HOST_BASE_CANONICAL, !canonical(c, fld(c, VF_HOST_FS_BASE)) || !canonical(c, fld(c, VF_HOST_GS_BASE)) ||
                                         !canonical(c, fld(c, VF_HOST_GDTR_BASE)) || !canonical(c, fld(c, VF_HOST_IDTR_BASE)) ||
                                         !canonical(c, fld(c, VF_HOST_TR_BASE)))) return false;
    return true;
}

/* SDM 26.2.4 Checks Related to Address-Space Size */
static bool check_address_space_size(const Ctx *c, EntryFailure *fail)
{
    bool host64 = c->exit & VMXM_EXIT_HOST_ADDR_SPACE_SIZE;
    bool guest64 = c->entry & VMXM_ENTRY_IA32E_MODE_GUEST;
    /* The SDM's "if host address-space size is 0, IA-32e mode guest must
     * be 0" is implied by the first two checks. */
    if (ENTRY_CHECK(ADDR_OUTSIDE_IA32E, !c->env->cpu_in_ia32e && (guest64 || host64))) return false;
    if (ENTRY_CHECK(ADDR_INSIDE_IA32E, c->env->cpu_in_ia32e && !host64)) return false;
    if (!host64) {
        if (ENTRY_CHECK(ADDR_HOST32_PCIDE, fld(c, VF_HOST_CR4) & CR4_PCIDE)) return false;
        if (ENTRY_CHECK(ADDR_HOST32_RIP, fld(c, VF_HOST_RIP) >> 32)) return false;
    } else {
        if (ENTRY_CHECK(ADDR_HOST64_PAE, !(fld(c, VF_HOST_CR4) & CR4_PAE))) return false;
        if (ENTRY_CHECK(ADDR_HOST64_RIP, !canonical(c, fld(c, VF_HOST_RIP)))) return false;
    }
    return true;
}

void entry_ctx_init(Ctx *c, const EntryCheckEnv *env)
{
    c->env = env;
    c->v = env->vmcs;
    c->pin = (uint32_t)fld(c, VF_PIN_BASED_VM_EXEC_CONTROL);
    c->proc = (uint32_t)fld(c, VF_CPU_BASED_VM_EXEC_CONTROL);
    /* Secondary controls act as 0 unless activated (SDM 24.6.2). */
    c->proc2 = (c->proc & VMXM_PROC_ACTIVATE_SECONDARY) ? (uint32_t)fld(c, VF_SECONDARY_VM_EXEC_CONTROL) : 0;
    c->exit = (uint32_t)fld(c, VF_VM_EXIT_CONTROLS);
    c->entry = (uint32_t)fld(c, VF_VM_ENTRY_CONTROLS);
    c->vmfunc = (c->proc2 & VMXM_PROC2_ENABLE_VMFUNC) ? fld(c, VF_VM_FUNCTION_CONTROL) : 0;
}

unsigned vmx_check_controls_and_host(const EntryCheckEnv *env, EntryFailure *fail)
{
    Ctx c;
    entry_ctx_init(&c, env);
    if (!check_execution_controls(&c, fail) || !check_exit_controls(&c, fail) ||
        !check_entry_controls(&c, fail))
        return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
    if (!check_host_control_registers(&c, fail) || !check_host_segments(&c, fail) ||
        !check_address_space_size(&c, fail))
        return VMXERR_ENTRY_INVALID_HOST_STATE;
    return 0;
}
