/*
 * vmx/caps.c: reading and editing the VMX capability MSRs of a CPU model.
 * SDM Vol.3 Appendix A "VMX Capability Reporting Facility": A.1 basic
 * information, A.2 reserved controls and default settings, A.3 VM-execution
 * controls, A.4 VM-exit controls, A.5 VM-entry controls, A.9 VMCS
 * enumeration, A.11 VM functions.
 */
#include "vmx/caps.h"

#include <glib.h>

/* The plain and TRUE capability MSR of each control word; 0 where the word
 * has no TRUE variant (SDM A.3.3 secondary controls, A.11 VM functions). */
static const uint32_t ctl_msr[VMX_CONTROL_KIND_COUNT][2] = {
    [VMXK_PIN]    = { MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS },
    [VMXK_PROC]   = { MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS },
    [VMXK_PROC2]  = { MSR_IA32_VMX_PROCBASED_CTLS2, 0 },
    [VMXK_EXIT]   = { MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS },
    [VMXK_ENTRY]  = { MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS },
    [VMXK_VMFUNC] = { MSR_IA32_VMX_VMFUNC, 0 },
};

static uint64_t model_msr(const CpuModel *m, uint32_t index)
{
    const MsrValue *v = cpu_model_msr(m, index);
    return v ? v->value : 0;
}

void vmx_caps_read(const CpuModel *m, VmxCaps *caps)
{
    *caps = (VmxCaps){ 0 };
    caps->present = cpu_model_msr(m, MSR_IA32_VMX_BASIC) != NULL;
    caps->basic = model_msr(m, MSR_IA32_VMX_BASIC);
    bool true_ctls = caps->basic & VMX_BASIC_TRUE_CTLS;
    for (unsigned k = 0; k < VMX_CONTROL_KIND_COUNT; k++) {
        uint32_t msr = true_ctls && ctl_msr[k][1] ? ctl_msr[k][1] : ctl_msr[k][0];
        uint64_t v = model_msr(m, msr);
        if (k == VMXK_VMFUNC) {
            /* A.11: all 64 bits are allowed-1 settings; no allowed-0. */
            caps->ctl[k] = (VmxCtlRange){ 0, (uint32_t)v };
        } else if (k == VMXK_PROC2) {
            /* A.3.3: only allowed-1 settings are reported in 63:32; secondary
             * controls always allow 0 (bits 31:0 are 0 on every part). */
            caps->ctl[k] = (VmxCtlRange){ (uint32_t)v, (uint32_t)(v >> 32) };
        } else {
            caps->ctl[k] = (VmxCtlRange){ (uint32_t)v, (uint32_t)(v >> 32) };
        }
    }
    /* Secondary controls and VM functions exist only when the controls that
     * enable them may be 1 (A.3.3, A.11). */
    if (!(caps->ctl[VMXK_PROC].allowed1 & VMXM_PROC_ACTIVATE_SECONDARY))
        caps->ctl[VMXK_PROC2] = (VmxCtlRange){ 0, 0 };
    if (!(caps->ctl[VMXK_PROC2].allowed1 & VMXM_PROC2_ENABLE_VMFUNC))
        caps->ctl[VMXK_VMFUNC] = (VmxCtlRange){ 0, 0 };
    caps->misc = model_msr(m, MSR_IA32_VMX_MISC);
    caps->cr0_fixed0 = model_msr(m, MSR_IA32_VMX_CR0_FIXED0);
    caps->cr0_fixed1 = model_msr(m, MSR_IA32_VMX_CR0_FIXED1);
    caps->cr4_fixed0 = model_msr(m, MSR_IA32_VMX_CR4_FIXED0);
    caps->cr4_fixed1 = model_msr(m, MSR_IA32_VMX_CR4_FIXED1);
    caps->vmcs_enum = model_msr(m, MSR_IA32_VMX_VMCS_ENUM);
    caps->ept_vpid_cap = model_msr(m, MSR_IA32_VMX_EPT_VPID_CAP);
}

bool vmx_caps_allows(const VmxCaps *caps, VmxControl c)
{
    const VmxControlDesc *d = &vmx_controls[c];
    return (caps->ctl[d->kind].allowed1 >> d->bit) & 1;
}

typedef struct ControlDep {
    uint8_t control, needs;
} ControlDep;

static const ControlDep control_deps[] = {
#define VMX_DEPENDS(control, needs) { VMXC_##control, VMXC_##needs },
#include "vmx/control_deps.def"
};

/* Set or clear one allowed-1 bit in an MSR of the model. */
static void model_edit_allowed1(CpuModel *m, uint32_t msr, unsigned kind, unsigned bit,
                                bool on)
{
    MsrValue *v = (MsrValue *)cpu_model_msr(m, msr);
    if (!v)
        return;
    unsigned shift = kind == VMXK_VMFUNC ? bit : bit + 32;
    if (on)
        v->value |= 1ull << shift;
    else
        v->value &= ~(1ull << shift);
}

static bool control_is_fixed1(const CpuModel *m, VmxControl c)
{
    VmxCaps caps;
    vmx_caps_read(m, &caps);
    const VmxControlDesc *d = &vmx_controls[c];
    return (caps.ctl[d->kind].allowed0 >> d->bit) & 1;
}

static void update_vmcs_enum(CpuModel *m)
{
    VmxCaps caps;
    vmx_caps_read(m, &caps);
    uint32_t allowed1[VMX_CONTROL_KIND_COUNT];
    for (unsigned k = 0; k < VMX_CONTROL_KIND_COUNT; k++)
        allowed1[k] = caps.ctl[k].allowed1;
    MsrValue *v = (MsrValue *)cpu_model_msr(m, MSR_IA32_VMX_VMCS_ENUM);
    if (v)
        v->value = (uint64_t)vmcs_highest_index(allowed1) << 1;
}

static bool set_one(CpuModel *m, VmxControl c, bool on, const char **err, unsigned depth)
{
    const VmxControlDesc *d = &vmx_controls[c];
    /* The dependency table is acyclic; the bound guards our own mistakes. */
    g_assert(depth < 8);
    if (!on && control_is_fixed1(m, c)) {
        *err = "the model fixes this control to 1 (a default1 setting)";
        return false;
    }
    if (on) {
        for (unsigned i = 0; i < G_N_ELEMENTS(control_deps); i++)
            if (control_deps[i].control == c &&
                !set_one(m, (VmxControl)control_deps[i].needs, true, err, depth + 1))
                return false;
        if (d->kind == VMXK_PROC2 &&
            !set_one(m, VMXC_PROC_ACTIVATE_SECONDARY, true, err, depth + 1))
            return false;
    } else {
        for (unsigned i = 0; i < G_N_ELEMENTS(control_deps); i++)
            if (control_deps[i].needs == c &&
                !set_one(m, (VmxControl)control_deps[i].control, false, err, depth + 1))
                return false;
    }
    model_edit_allowed1(m, ctl_msr[d->kind][0], d->kind, d->bit, on);
    if (ctl_msr[d->kind][1])
        model_edit_allowed1(m, ctl_msr[d->kind][1], d->kind, d->bit, on);
    return true;
}

bool vmx_model_set_control(CpuModel *m, VmxControl c, bool on, const char **err)
{
    if (!cpu_model_msr(m, MSR_IA32_VMX_BASIC)) {
        *err = "the CPU model has no VMX capability MSRs";
        return false;
    }
    if (!set_one(m, c, on, err, 0))
        return false;
    update_vmcs_enum(m);
    return true;
}
