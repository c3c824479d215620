/*
 * vmx/caps.h: the VMX capability MSRs (SDM Vol.3 Appendix A "VMX Capability
 * Reporting Facility", MSRs 480H-493H) of a CPU model, read as allowed-0 and
 * allowed-1 settings per control word, and QEMU-style edits of them.
 *
 * The MSR values live in the CPU model (configs/cpus/NAME.xml); this file
 * interprets and edits them there, so RDMSR, VM-entry checks and VMCS field
 * existence all read one source.
 */
#ifndef VMX_CAPS_H
#define VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu_model.h"
#include "cpu/msr.h"
#include "vmx/vmcs_layout.h"

/* Capability MSR indices (MSR_IA32_VMX_*) come from cpu/msrs.def. */

/* IA32_VMX_BASIC bits (SDM Appendix A.1 "Basic VMX Information"). */
#define VMX_BASIC_REVISION_MASK 0x7fffffffull
#define VMX_BASIC_TRUE_CTLS     (1ull << 55)

/* The settings one control word may take (SDM A.3-A.5, A.11): a control
 * bit X may be 0 iff allowed0 bit X is 0, and may be 1 iff allowed1 bit X
 * is 1. */
typedef struct VmxCtlRange {
    uint32_t allowed0;         /* bits that must be 1 */
    uint32_t allowed1;         /* bits that may be 1 */
} VmxCtlRange;

typedef struct VmxCaps {
    bool present;              /* the model has IA32_VMX_BASIC */
    uint64_t basic;
    /* Effective ranges: from the TRUE MSRs when IA32_VMX_BASIC[55] is set
     * (SDM A.2 "Reserved Controls and Default Settings"). */
    VmxCtlRange ctl[VMX_CONTROL_KIND_COUNT];
    uint64_t misc, cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    uint64_t vmcs_enum, ept_vpid_cap;
} VmxCaps;

/* Read the capability MSRs of a model. */
void vmx_caps_read(const CpuModel *m, VmxCaps *caps);

/* Whether a control may be set to 1 on this model. */
bool vmx_caps_allows(const VmxCaps *caps, VmxControl c);

/* Edit the model: allow (on) or forbid (off) the 1-setting of control c,
 * in both the plain and TRUE MSRs, following vmx/control_deps.def, and
 * update IA32_VMX_VMCS_ENUM. Returns false with *err (static text) when the
 * model has no VMX, or when the control is a default1 control the model
 * fixes to 1 (it cannot be forbidden). */
bool vmx_model_set_control(CpuModel *m, VmxControl c, bool on, const char **err);

#endif
