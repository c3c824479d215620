/*
 * vmx/tests/test_entry_check.c: every VM-entry check of
 * vmx/entry_checks.def, exercised one by one. A valid baseline VMCS (64-bit
 * host, 64-bit guest) passes all checks; each case changes as little as the
 * rule needs and expects exactly that rule to fail with the outcome the SDM
 * prescribes (SDM Vol.3 26.2 "Checks on VMX Controls and Host-State Area",
 * 26.3.1 "Checks on the Guest State Area", 26.8 qualifications).
 *
 * scripts/entry_checks_table.py reads the `{ EC_...` rows below to list the
 * test of each check in docs/entry-checks.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/arch.h"
#include "vmx/entry_check.h"

#define HIGH_ADDR (1ull << 50)                 /* beyond MAXPHYADDR 46 */
#define NONCANON  0x0000800000000000ull        /* not canonical with 48 bits */
#define CURRENT_VMCS 0xc000ull
#define REVISION 4

static const MsrValue model_msrs[] = {
    { MSR_IA32_VMX_BASIC, 0x00da040000000000ull | REVISION },
    { MSR_IA32_VMX_PINBASED_CTLS, 0x000000ff00000016ull },
    { MSR_IA32_VMX_PROCBASED_CTLS, 0xfff9fffe0401e172ull },
    { MSR_IA32_VMX_EXIT_CTLS, 0x01ffffff00036dffull },
    { MSR_IA32_VMX_ENTRY_CTLS, 0x0003ffff000011ffull },
    { MSR_IA32_VMX_MISC, 0x7004c1e7ull },
    { MSR_IA32_VMX_CR0_FIXED0, 0x80000021ull },
    { MSR_IA32_VMX_CR0_FIXED1, 0xffffffffull },
    { MSR_IA32_VMX_CR4_FIXED0, 0x2000ull },
    { MSR_IA32_VMX_CR4_FIXED1, 0x7767ffull },
    { MSR_IA32_VMX_VMCS_ENUM, 0x2e },
    { MSR_IA32_VMX_PROCBASED_CTLS2, 0x03ffffff00000000ull },
    /* execute-only, 4-level walk, UC, WB, 2M/1G, INVEPT, A/D, INVVPID */
    { MSR_IA32_VMX_EPT_VPID_CAP, 0x00000f0106734141ull },
    { MSR_IA32_VMX_TRUE_PINBASED_CTLS, 0x000000ff00000016ull },
    { MSR_IA32_VMX_TRUE_PROCBASED_CTLS, 0xfff9fffe04006172ull },
    { MSR_IA32_VMX_TRUE_EXIT_CTLS, 0x01ffffff00036dfbull },
    { MSR_IA32_VMX_TRUE_ENTRY_CTLS, 0x0003ffff000011fbull },
    { MSR_IA32_VMX_VMFUNC, 0x1 },
};

enum { END = 0, SET, OR, ANDN };
typedef struct Edit {
    uint8_t op;
    VmcsField f;
    uint64_t value;
} Edit;

enum { FIX_NONE, FIX_LEGACY32_GUEST, FIX_V86_GUEST, FIX_HOST32 };

typedef struct Case {
    EntryCheckId id;
    uint8_t fixture;
    uint64_t clear_ept_cap;
    Edit e[6];
} Case;

typedef struct World {
    PhysMap pm;
    CpuModel model;
    MsrValue msrs[sizeof(model_msrs) / sizeof(model_msrs[0])];
    VmxCaps caps;
    Vmcs v;
    EntryCheckEnv env;
} World;

static void baseline(World *w)
{
    Vmcs *v = &w->v;
    memset(v, 0, sizeof(*v));
    v->revision = REVISION;
    vmcs_write(v, VF_PIN_BASED_VM_EXEC_CONTROL, 0x16);
    vmcs_write(v, VF_CPU_BASED_VM_EXEC_CONTROL, 0x04006172 | VMXM_PROC_ACTIVATE_SECONDARY);
    vmcs_write(v, VF_VM_EXIT_CONTROLS, 0x00036dfb | VMXM_EXIT_HOST_ADDR_SPACE_SIZE);
    vmcs_write(v, VF_VM_ENTRY_CONTROLS, 0x000011fb | VMXM_ENTRY_IA32E_MODE_GUEST);
    /* host: 64-bit, flat */
    vmcs_write(v, VF_HOST_CR0, 0x80000031);
    vmcs_write(v, VF_HOST_CR4, 0x2020);
    vmcs_write(v, VF_HOST_CR3, 0x1000);
    vmcs_write(v, VF_HOST_CS_SELECTOR, 0x08);
    vmcs_write(v, VF_HOST_SS_SELECTOR, 0x10);
    vmcs_write(v, VF_HOST_DS_SELECTOR, 0x10);
    vmcs_write(v, VF_HOST_ES_SELECTOR, 0x10);
    vmcs_write(v, VF_HOST_TR_SELECTOR, 0x18);
    vmcs_write(v, VF_HOST_RIP, 0x400000);
    vmcs_write(v, VF_HOST_RSP, 0x500000);
    /* guest: 64-bit, flat */
    vmcs_write(v, VF_GUEST_CR0, 0x80000031);
    vmcs_write(v, VF_GUEST_CR4, 0x2020);
    vmcs_write(v, VF_GUEST_CR3, 0x2000);
    vmcs_write(v, VF_GUEST_DR7, 0x400);
    vmcs_write(v, VF_GUEST_RFLAGS, 0x2);
    vmcs_write(v, VF_GUEST_RIP, 0x1000);
    for (unsigned s = 0; s < 6; s++) {
        vmcs_write(v, VF_GUEST_ES_SELECTOR + s, s == 1 ? 0x08 : 0x10);
        vmcs_write(v, VF_GUEST_ES_LIMIT + s, 0xffffffff);
        vmcs_write(v, VF_GUEST_ES_AR_BYTES + s, s == 1 ? 0xa09b : 0xc093);
    }
    vmcs_write(v, VF_GUEST_LDTR_AR_BYTES, 0x10000);              /* unusable */
    vmcs_write(v, VF_GUEST_TR_SELECTOR, 0x18);
    vmcs_write(v, VF_GUEST_TR_LIMIT, 0x67);
    vmcs_write(v, VF_GUEST_TR_AR_BYTES, 0x8b);
    vmcs_write(v, VF_GUEST_GDTR_LIMIT, 0x27);
    vmcs_write(v, VF_GUEST_IDTR_LIMIT, 0xfff);
    vmcs_write(v, VF_VMCS_LINK_POINTER, ~0ull);
}

static void apply_fixture(World *w, unsigned fixture)
{
    Vmcs *v = &w->v;
    uint64_t entry = vmcs_read(v, VF_VM_ENTRY_CONTROLS);
    switch (fixture) {
    case FIX_LEGACY32_GUEST:
        /* 32-bit PAE guest; PDPTEs at CR3 are all zero (not present). */
        vmcs_write(v, VF_VM_ENTRY_CONTROLS, entry & ~(uint64_t)VMXM_ENTRY_IA32E_MODE_GUEST);
        vmcs_write(v, VF_GUEST_CS_AR_BYTES, 0xc09b);
        break;
    case FIX_V86_GUEST:
        vmcs_write(v, VF_VM_ENTRY_CONTROLS, entry & ~(uint64_t)VMXM_ENTRY_IA32E_MODE_GUEST);
        vmcs_write(v, VF_GUEST_RFLAGS, 0x20002);
        for (unsigned s = 0; s < 6; s++) {
            vmcs_write(v, VF_GUEST_ES_SELECTOR + s, 0x100 + s);
            vmcs_write(v, VF_GUEST_ES_BASE + s, (0x100 + s) << 4);
            vmcs_write(v, VF_GUEST_ES_LIMIT + s, 0xffff);
            vmcs_write(v, VF_GUEST_ES_AR_BYTES + s, 0xf3);
        }
        break;
    case FIX_HOST32:
        w->env.cpu_in_ia32e = false;
        vmcs_write(v, VF_VM_ENTRY_CONTROLS, entry & ~(uint64_t)VMXM_ENTRY_IA32E_MODE_GUEST);
        vmcs_write(v, VF_VM_EXIT_CONTROLS,
                   vmcs_read(v, VF_VM_EXIT_CONTROLS) & ~(uint64_t)VMXM_EXIT_HOST_ADDR_SPACE_SIZE);
        vmcs_write(v, VF_GUEST_CS_AR_BYTES, 0xc09b);
        break;
    default:
        break;
    }
}

static World *world_new(void)
{
    World *w = calloc(1, sizeof(*w));
    const char *err = NULL;
    assert_true(physmem_init(&w->pm, 1 << 20, &err));
    memcpy(w->msrs, model_msrs, sizeof(model_msrs));
    w->model.msrs = w->msrs;
    w->model.nmsrs = sizeof(model_msrs) / sizeof(model_msrs[0]);
    vmx_caps_read(&w->model, &w->caps);
    /* The current VMCS's region carries the revision, as after VMPTRLD. */
    physmem_write(&w->pm, CURRENT_VMCS, 4, REVISION);
    w->env = (EntryCheckEnv){
        .vmcs = &w->v, .caps = &w->caps, .pm = &w->pm, .current_vmcs = CURRENT_VMCS,
        .maxphyaddr = 46, .linear_bits = 48, .cpu_in_ia32e = true, .cpu_has_pcid = true,
    };
    baseline(w);
    return w;
}

static void world_free(World *w)
{
    physmem_destroy(&w->pm);
    free(w);
}

/* Run all checks; returns the failed id or EC_COUNT, with the outcome. */
static EntryCheckId run_checks(World *w, unsigned *error, uint64_t *qual)
{
    EntryFailure fail = { EC_COUNT, NULL, 0 };
    *error = vmx_check_controls_and_host(&w->env, &fail);
    *qual = 0;
    if (*error)
        return fail.id;
    if (!vmx_check_guest_state(&w->env, &fail, qual))
        return fail.id;
    return EC_COUNT;
}

#define CTL(name) VMXM_##name
#define P2(bits) { OR, VF_SECONDARY_VM_EXEC_CONTROL, (bits) }
#define GOOD_EPTP 0x501eull

static const Case cases[] = {
    /* 26.2.1.1 */
    { EC_PIN_RESERVED, 0, 0, { { SET, VF_PIN_BASED_VM_EXEC_CONTROL, 0 } } },
    { EC_PROC_RESERVED, 0, 0, { { ANDN, VF_CPU_BASED_VM_EXEC_CONTROL, 0x2 } } },
    { EC_PROC2_RESERVED, 0, 0, { P2(1u << 30) } },
    { EC_CR3_TARGET_COUNT, 0, 0, { { SET, VF_CR3_TARGET_COUNT, 5 } } },
    { EC_IO_BITMAP_ALIGN, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_IO_BITMAPS) }, { SET, VF_IO_BITMAP_A, 0x1001 } } },
    { EC_IO_BITMAP_WIDTH, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_IO_BITMAPS) }, { SET, VF_IO_BITMAP_B, HIGH_ADDR } } },
    { EC_MSR_BITMAP_ALIGN, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_MSR_BITMAPS) }, { SET, VF_MSR_BITMAP, 0x2008 } } },
    { EC_MSR_BITMAP_WIDTH, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_MSR_BITMAPS) }, { SET, VF_MSR_BITMAP, HIGH_ADDR } } },
    { EC_VAPIC_ALIGN, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW) }, { SET, VF_VIRTUAL_APIC_PAGE_ADDR, 0x3001 } } },
    { EC_VAPIC_WIDTH, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW) }, { SET, VF_VIRTUAL_APIC_PAGE_ADDR, HIGH_ADDR } } },
    { EC_TPR_THRESHOLD_RSVD, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW) }, { SET, VF_VIRTUAL_APIC_PAGE_ADDR, 0x3000 }, { SET, VF_TPR_THRESHOLD, 0x10 } } },
    { EC_TPR_THRESHOLD_VTPR, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW) }, { SET, VF_VIRTUAL_APIC_PAGE_ADDR, 0x3000 }, { SET, VF_TPR_THRESHOLD, 5 } } },
    { EC_VNMI_NEEDS_NMI_EXIT, 0, 0, { { OR, VF_PIN_BASED_VM_EXEC_CONTROL, CTL(PIN_VIRTUAL_NMIS) } } },
    { EC_NMI_WINDOW_NEEDS_VNMI, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_NMI_WINDOW_EXITING) } } },
    { EC_APIC_ACCESS_ALIGN, 0, 0, { P2(CTL(PROC2_VIRT_APIC_ACCESSES)), { SET, VF_APIC_ACCESS_ADDR, 0x4001 } } },
    { EC_APIC_ACCESS_WIDTH, 0, 0, { P2(CTL(PROC2_VIRT_APIC_ACCESSES)), { SET, VF_APIC_ACCESS_ADDR, HIGH_ADDR } } },
    { EC_X2APIC_NEEDS_TPR, 0, 0, { P2(CTL(PROC2_VIRT_X2APIC_MODE)) } },
    { EC_APICREG_NEEDS_TPR, 0, 0, { P2(CTL(PROC2_APIC_REGISTER_VIRT)) } },
    { EC_VID_NEEDS_TPR, 0, 0, { P2(CTL(PROC2_VIRT_INTR_DELIVERY)) } },
    { EC_X2APIC_XOR_APIC_ACCESS, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW) }, { SET, VF_VIRTUAL_APIC_PAGE_ADDR, 0x3000 },
                                          P2(CTL(PROC2_VIRT_X2APIC_MODE) | CTL(PROC2_VIRT_APIC_ACCESSES)), { SET, VF_APIC_ACCESS_ADDR, 0x4000 } } },
    { EC_VID_NEEDS_EXTINT_EXIT, 0, 0, { { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW) }, { SET, VF_VIRTUAL_APIC_PAGE_ADDR, 0x3000 },
                                         P2(CTL(PROC2_VIRT_INTR_DELIVERY)) } },
    { EC_PI_NEEDS_VID, 0, 0, { { OR, VF_PIN_BASED_VM_EXEC_CONTROL, CTL(PIN_POSTED_INTERRUPTS) } } },
    { EC_PI_NEEDS_ACK, 0, 0, { { OR, VF_PIN_BASED_VM_EXEC_CONTROL, CTL(PIN_POSTED_INTERRUPTS) | CTL(PIN_EXTINT_EXITING) },
                               { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW) }, { SET, VF_VIRTUAL_APIC_PAGE_ADDR, 0x3000 },
                               P2(CTL(PROC2_VIRT_INTR_DELIVERY)) } },
    { EC_PI_VECTOR, 0, 0, { { OR, VF_PIN_BASED_VM_EXEC_CONTROL, CTL(PIN_POSTED_INTERRUPTS) | CTL(PIN_EXTINT_EXITING) },
                            { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW) }, { SET, VF_VIRTUAL_APIC_PAGE_ADDR, 0x3000 },
                            P2(CTL(PROC2_VIRT_INTR_DELIVERY)), { OR, VF_VM_EXIT_CONTROLS, CTL(EXIT_ACK_INTR_ON_EXIT) },
                            { SET, VF_POSTED_INTR_NOTIFICATION_VECTOR, 0x100 } } },
    { EC_PI_DESC_ALIGN, 0, 0, { { OR, VF_PIN_BASED_VM_EXEC_CONTROL, CTL(PIN_POSTED_INTERRUPTS) | CTL(PIN_EXTINT_EXITING) },
                                { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW) }, { SET, VF_VIRTUAL_APIC_PAGE_ADDR, 0x3000 },
                                P2(CTL(PROC2_VIRT_INTR_DELIVERY)), { OR, VF_VM_EXIT_CONTROLS, CTL(EXIT_ACK_INTR_ON_EXIT) },
                                { SET, VF_POSTED_INTR_DESC_ADDR, 0x5008 } } },
    { EC_PI_DESC_WIDTH, 0, 0, { { OR, VF_PIN_BASED_VM_EXEC_CONTROL, CTL(PIN_POSTED_INTERRUPTS) | CTL(PIN_EXTINT_EXITING) },
                                { OR, VF_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW) }, { SET, VF_VIRTUAL_APIC_PAGE_ADDR, 0x3000 },
                                P2(CTL(PROC2_VIRT_INTR_DELIVERY)), { OR, VF_VM_EXIT_CONTROLS, CTL(EXIT_ACK_INTR_ON_EXIT) },
                                { SET, VF_POSTED_INTR_DESC_ADDR, HIGH_ADDR } } },
    { EC_VPID_NONZERO, 0, 0, { P2(CTL(PROC2_ENABLE_VPID)) } },
    { EC_EPTP_MEMTYPE, 0, 0, { P2(CTL(PROC2_ENABLE_EPT)), { SET, VF_EPT_POINTER, 0x5019 } } },
    { EC_EPTP_WALK_LENGTH, 0, 0, { P2(CTL(PROC2_ENABLE_EPT)), { SET, VF_EPT_POINTER, 0x5026 } } },
    { EC_EPTP_AD, 0, 1ull << 21, { P2(CTL(PROC2_ENABLE_EPT)), { SET, VF_EPT_POINTER, GOOD_EPTP | 0x40 } } },
    { EC_EPTP_RESERVED, 0, 0, { P2(CTL(PROC2_ENABLE_EPT)), { SET, VF_EPT_POINTER, GOOD_EPTP | 0x100 } } },
    { EC_PML_NEEDS_EPT, 0, 0, { P2(CTL(PROC2_ENABLE_PML)) } },
    { EC_PML_ADDRESS, 0, 0, { P2(CTL(PROC2_ENABLE_PML) | CTL(PROC2_ENABLE_EPT)), { SET, VF_EPT_POINTER, GOOD_EPTP }, { SET, VF_PML_ADDRESS, 0x6001 } } },
    { EC_UG_NEEDS_EPT, 0, 0, { P2(CTL(PROC2_UNRESTRICTED_GUEST)) } },
    { EC_MBEC_NEEDS_EPT, 0, 0, { P2(CTL(PROC2_MODE_BASED_EPT_EXEC)) } },
    { EC_SPP_NEEDS_EPT, 0, 0, { P2(CTL(PROC2_SUBPAGE_WRITE)) } },
    { EC_VMFUNC_RESERVED, 0, 0, { P2(CTL(PROC2_ENABLE_VMFUNC)), { SET, VF_VM_FUNCTION_CONTROL, 2 } } },
    { EC_EPTP_SWITCH_NEEDS_EPT, 0, 0, { P2(CTL(PROC2_ENABLE_VMFUNC)), { SET, VF_VM_FUNCTION_CONTROL, 1 } } },
    { EC_EPTP_LIST_ADDRESS, 0, 0, { P2(CTL(PROC2_ENABLE_VMFUNC) | CTL(PROC2_ENABLE_EPT)), { SET, VF_EPT_POINTER, GOOD_EPTP },
                                    { SET, VF_VM_FUNCTION_CONTROL, 1 }, { SET, VF_EPTP_LIST_ADDRESS, 0x7001 } } },
    { EC_VMREAD_BITMAP_ADDR, 0, 0, { P2(CTL(PROC2_VMCS_SHADOWING)), { SET, VF_VMREAD_BITMAP, 0x8001 } } },
    { EC_VMWRITE_BITMAP_ADDR, 0, 0, { P2(CTL(PROC2_VMCS_SHADOWING)), { SET, VF_VMREAD_BITMAP, 0x8000 }, { SET, VF_VMWRITE_BITMAP, HIGH_ADDR } } },
    { EC_VE_INFO_ADDRESS, 0, 0, { P2(CTL(PROC2_EPT_VIOLATION_VE)), { SET, VF_VE_INFORMATION_ADDRESS, 0xa001 } } },
    /* 26.2.1.2 */
    { EC_EXIT_RESERVED, 0, 0, { { ANDN, VF_VM_EXIT_CONTROLS, 1 } } },
    { EC_SAVE_TIMER_NEEDS_TIMER, 0, 0, { { OR, VF_VM_EXIT_CONTROLS, CTL(EXIT_SAVE_PREEMPT_TIMER) } } },
    { EC_EXIT_MSR_STORE_AREA, 0, 0, { { SET, VF_VM_EXIT_MSR_STORE_COUNT, 1 }, { SET, VF_VM_EXIT_MSR_STORE_ADDR, 0x8008 } } },
    { EC_EXIT_MSR_LOAD_AREA, 0, 0, { { SET, VF_VM_EXIT_MSR_LOAD_COUNT, 2 }, { SET, VF_VM_EXIT_MSR_LOAD_ADDR, (1ull << 46) - 16 } } },
    /* 26.2.1.3 */
    { EC_ENTRY_RESERVED, 0, 0, { { ANDN, VF_VM_ENTRY_CONTROLS, 1 } } },
    { EC_INJECT_TYPE, 0, 0, { { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000100 } } },
    { EC_INJECT_NMI_VECTOR, 0, 0, { { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000203 } } },
    { EC_INJECT_EXC_VECTOR, 0, 0, { { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000320 } } },
    { EC_INJECT_OTHER_VECTOR, 0, 0, { { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000701 } } },
    { EC_INJECT_ERROR_CODE, 0, 0, { { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x8000030d } } },
    { EC_INJECT_RESERVED, 0, 0, { { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80001306 } } },
    { EC_INJECT_ERROR_CODE_RSVD, 0, 0, { { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000b0d }, { SET, VF_VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000 } } },
    { EC_INJECT_LENGTH, 0, 0, { { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000480 }, { SET, VF_VM_ENTRY_INSTRUCTION_LEN, 16 } } },
    { EC_ENTRY_MSR_LOAD_AREA, 0, 0, { { SET, VF_VM_ENTRY_MSR_LOAD_COUNT, 1 }, { SET, VF_VM_ENTRY_MSR_LOAD_ADDR, 0x8001 } } },
    { EC_ENTRY_SMM_OUTSIDE_SMM, 0, 0, { { OR, VF_VM_ENTRY_CONTROLS, CTL(ENTRY_TO_SMM) } } },
    /* 26.2.2 */
    { EC_HOST_CR0_FIXED, 0, 0, { { ANDN, VF_HOST_CR0, CR0_NE } } },
    { EC_HOST_CR4_FIXED, 0, 0, { { ANDN, VF_HOST_CR4, CR4_VMXE } } },
    { EC_HOST_CR3_WIDTH, 0, 0, { { SET, VF_HOST_CR3, HIGH_ADDR } } },
    { EC_HOST_SYSENTER_CANONICAL, 0, 0, { { SET, VF_HOST_IA32_SYSENTER_EIP, NONCANON } } },
    { EC_HOST_PERF_GLOBAL_RSVD, 0, 0, { { OR, VF_VM_EXIT_CONTROLS, CTL(EXIT_LOAD_PERF_GLOBAL_CTRL) }, { SET, VF_HOST_IA32_PERF_GLOBAL_CTRL, 1ull << 20 } } },
    { EC_HOST_PAT_VALID, 0, 0, { { OR, VF_VM_EXIT_CONTROLS, CTL(EXIT_LOAD_PAT) }, { SET, VF_HOST_IA32_PAT, 0x0007040600070402ull } } },
    { EC_HOST_EFER_RSVD, 0, 0, { { OR, VF_VM_EXIT_CONTROLS, CTL(EXIT_LOAD_EFER) }, { SET, VF_HOST_IA32_EFER, 0x502 } } },
    { EC_HOST_EFER_LMA_LME, 0, 0, { { OR, VF_VM_EXIT_CONTROLS, CTL(EXIT_LOAD_EFER) }, { SET, VF_HOST_IA32_EFER, 0x100 } } },
    /* 26.2.3 */
    { EC_HOST_SEL_RPL_TI, 0, 0, { { SET, VF_HOST_DS_SELECTOR, 0x13 } } },
    { EC_HOST_CS_TR_NONNULL, 0, 0, { { SET, VF_HOST_TR_SELECTOR, 0 } } },
    { EC_HOST_SS_NONNULL, FIX_HOST32, 0, { { SET, VF_HOST_SS_SELECTOR, 0 } } },
    { EC_HOST_BASE_CANONICAL, 0, 0, { { SET, VF_HOST_GS_BASE, NONCANON } } },
    /* 26.2.4 */
    { EC_ADDR_OUTSIDE_IA32E, FIX_HOST32, 0, { { OR, VF_VM_EXIT_CONTROLS, CTL(EXIT_HOST_ADDR_SPACE_SIZE) } } },
    { EC_ADDR_INSIDE_IA32E, 0, 0, { { ANDN, VF_VM_EXIT_CONTROLS, CTL(EXIT_HOST_ADDR_SPACE_SIZE) } } },
    { EC_ADDR_HOST32_PCIDE, FIX_HOST32, 0, { { OR, VF_HOST_CR4, CR4_PCIDE } } },
    { EC_ADDR_HOST32_RIP, FIX_HOST32, 0, { { SET, VF_HOST_RIP, 1ull << 32 } } },
    { EC_ADDR_HOST64_PAE, 0, 0, { { ANDN, VF_HOST_CR4, CR4_PAE } } },
    { EC_ADDR_HOST64_RIP, 0, 0, { { SET, VF_HOST_RIP, NONCANON } } },
    /* 26.3.1.1 */
    { EC_GUEST_CR0_FIXED, 0, 0, { { ANDN, VF_GUEST_CR0, CR0_NE } } },
    { EC_GUEST_CR0_PG_PE, 0, 0, { P2(CTL(PROC2_UNRESTRICTED_GUEST) | CTL(PROC2_ENABLE_EPT)), { SET, VF_EPT_POINTER, GOOD_EPTP },
                                  { ANDN, VF_GUEST_CR0, CR0_PE } } },
    { EC_GUEST_CR4_FIXED, 0, 0, { { ANDN, VF_GUEST_CR4, CR4_VMXE } } },
    { EC_GUEST_DEBUGCTL_RSVD, 0, 0, { { OR, VF_VM_ENTRY_CONTROLS, CTL(ENTRY_LOAD_DEBUG_CONTROLS) }, { SET, VF_GUEST_IA32_DEBUGCTL, 1 << 3 } } },
    { EC_GUEST_IA32E_PG_PAE, 0, 0, { { ANDN, VF_GUEST_CR4, CR4_PAE } } },
    { EC_GUEST_PCIDE_NEEDS_IA32E, FIX_LEGACY32_GUEST, 0, { { OR, VF_GUEST_CR4, CR4_PCIDE } } },
    { EC_GUEST_CR3_WIDTH, 0, 0, { { SET, VF_GUEST_CR3, HIGH_ADDR } } },
    { EC_GUEST_DR7_HIGH, 0, 0, { { OR, VF_VM_ENTRY_CONTROLS, CTL(ENTRY_LOAD_DEBUG_CONTROLS) }, { SET, VF_GUEST_DR7, 1ull << 32 } } },
    { EC_GUEST_SYSENTER_CANONICAL, 0, 0, { { SET, VF_GUEST_SYSENTER_ESP, NONCANON } } },
    { EC_GUEST_PERF_GLOBAL_RSVD, 0, 0, { { OR, VF_VM_ENTRY_CONTROLS, CTL(ENTRY_LOAD_PERF_GLOBAL_CTRL) }, { SET, VF_GUEST_IA32_PERF_GLOBAL_CTRL, 1ull << 40 } } },
    { EC_GUEST_PAT_VALID, 0, 0, { { OR, VF_VM_ENTRY_CONTROLS, CTL(ENTRY_LOAD_PAT) }, { SET, VF_GUEST_IA32_PAT, 3 } } },
    { EC_GUEST_EFER_RSVD, 0, 0, { { OR, VF_VM_ENTRY_CONTROLS, CTL(ENTRY_LOAD_EFER) }, { SET, VF_GUEST_IA32_EFER, 0x502 } } },
    { EC_GUEST_EFER_LMA, 0, 0, { { OR, VF_VM_ENTRY_CONTROLS, CTL(ENTRY_LOAD_EFER) }, { SET, VF_GUEST_IA32_EFER, 0x100 } } },
    { EC_GUEST_EFER_LME, 0, 0, { { OR, VF_VM_ENTRY_CONTROLS, CTL(ENTRY_LOAD_EFER) }, { SET, VF_GUEST_IA32_EFER, 0x400 } } },
    { EC_GUEST_BNDCFGS, 0, 0, { { OR, VF_VM_ENTRY_CONTROLS, CTL(ENTRY_LOAD_BNDCFGS) }, { SET, VF_GUEST_IA32_BNDCFGS, 4 } } },
    /* 26.3.1.2 */
    { EC_GUEST_TR_TI, 0, 0, { { SET, VF_GUEST_TR_SELECTOR, 0x1c } } },
    { EC_GUEST_LDTR_TI, 0, 0, { { SET, VF_GUEST_LDTR_AR_BYTES, 0x82 }, { SET, VF_GUEST_LDTR_SELECTOR, 0x24 } } },
    { EC_GUEST_SS_RPL, 0, 0, { { SET, VF_GUEST_SS_SELECTOR, 0x13 } } },
    { EC_GUEST_V86_BASE, FIX_V86_GUEST, 0, { { SET, VF_GUEST_ES_BASE, 0x10 } } },
    { EC_GUEST_BASE_CANONICAL, 0, 0, { { SET, VF_GUEST_FS_BASE, NONCANON } } },
    { EC_GUEST_BASE_HIGH, 0, 0, { { SET, VF_GUEST_CS_BASE, 1ull << 32 } } },
    { EC_GUEST_V86_LIMIT, FIX_V86_GUEST, 0, { { SET, VF_GUEST_GS_LIMIT, 0xfffff } } },
    { EC_GUEST_V86_AR, FIX_V86_GUEST, 0, { { SET, VF_GUEST_DS_AR_BYTES, 0xf1 } } },
    { EC_GUEST_CS_TYPE, 0, 0, { { SET, VF_GUEST_CS_AR_BYTES, 0xa093 } } },
    { EC_GUEST_CS_DPL, 0, 0, { { SET, VF_GUEST_CS_AR_BYTES, 0xa0fb } } },
    { EC_GUEST_CS_L_DB, 0, 0, { { OR, VF_GUEST_CS_AR_BYTES, 0x4000 } } },
    { EC_GUEST_SS_TYPE, 0, 0, { { SET, VF_GUEST_SS_AR_BYTES, 0xc09b } } },
    { EC_GUEST_SS_DPL, 0, 0, { { SET, VF_GUEST_CS_AR_BYTES, 0xa0fb }, { SET, VF_GUEST_SS_AR_BYTES, 0xc0f3 } } },
    { EC_GUEST_DATA_TYPE, 0, 0, { { SET, VF_GUEST_DS_AR_BYTES, 0xc092 } } },
    { EC_GUEST_DATA_DPL, 0, 0, { { SET, VF_GUEST_DS_SELECTOR, 0x13 } } },
    { EC_GUEST_SEG_S, 0, 0, { { SET, VF_GUEST_ES_AR_BYTES, 0xc083 } } },
    { EC_GUEST_SEG_P, 0, 0, { { SET, VF_GUEST_FS_AR_BYTES, 0xc013 } } },
    { EC_GUEST_SEG_AR_RSVD, 0, 0, { { OR, VF_GUEST_GS_AR_BYTES, 0x100 } } },
    { EC_GUEST_SEG_G, 0, 0, { { SET, VF_GUEST_DS_LIMIT, 0xffff0000 } } },
    { EC_GUEST_TR_TYPE, 0, 0, { { SET, VF_GUEST_TR_AR_BYTES, 0x89 } } },
    { EC_GUEST_TR_S_P_USABLE, 0, 0, { { SET, VF_GUEST_TR_AR_BYTES, 0x0b } } },
    { EC_GUEST_LDTR_TYPE, 0, 0, { { SET, VF_GUEST_LDTR_AR_BYTES, 0x83 } } },
    /* 26.3.1.3 */
    { EC_GUEST_DTR_CANONICAL, 0, 0, { { SET, VF_GUEST_GDTR_BASE, NONCANON } } },
    { EC_GUEST_DTR_LIMIT, 0, 0, { { SET, VF_GUEST_IDTR_LIMIT, 0x10000 } } },
    /* 26.3.1.4 */
    { EC_GUEST_RIP_HIGH, FIX_LEGACY32_GUEST, 0, { { SET, VF_GUEST_RIP, 1ull << 32 } } },
    { EC_GUEST_RIP_CANONICAL, 0, 0, { { SET, VF_GUEST_RIP, NONCANON } } },
    { EC_GUEST_RFLAGS_RSVD, 0, 0, { { SET, VF_GUEST_RFLAGS, 0 } } },
    { EC_GUEST_RFLAGS_VM, FIX_V86_GUEST, 0, { { OR, VF_VM_ENTRY_CONTROLS, CTL(ENTRY_IA32E_MODE_GUEST) } } },
    { EC_GUEST_RFLAGS_IF_EXTINT, 0, 0, { { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000020 } } },
    /* 26.3.1.5 */
    { EC_GUEST_ACTIVITY_RANGE, 0, 0, { { SET, VF_GUEST_ACTIVITY_STATE, 4 } } },
    { EC_GUEST_ACTIVITY_HLT_DPL, 0, 0, { { SET, VF_GUEST_ACTIVITY_STATE, 1 }, { SET, VF_GUEST_CS_AR_BYTES, 0xa0fb }, { SET, VF_GUEST_SS_AR_BYTES, 0xc0f3 },
                                          { SET, VF_GUEST_CS_SELECTOR, 0x0b }, { SET, VF_GUEST_SS_SELECTOR, 0x13 } } },
    { EC_GUEST_ACTIVITY_BLOCKING, 0, 0, { { SET, VF_GUEST_ACTIVITY_STATE, 1 }, { SET, VF_GUEST_INTERRUPTIBILITY_INFO, 1 }, { SET, VF_GUEST_RFLAGS, 0x202 } } },
    { EC_GUEST_ACTIVITY_EVENT, 0, 0, { { SET, VF_GUEST_ACTIVITY_STATE, 3 }, { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000306 } } },
    { EC_GUEST_INTR_RSVD, 0, 0, { { SET, VF_GUEST_INTERRUPTIBILITY_INFO, 1 << 5 } } },
    { EC_GUEST_INTR_STI_MOVSS, 0, 0, { { SET, VF_GUEST_INTERRUPTIBILITY_INFO, 3 }, { SET, VF_GUEST_RFLAGS, 0x202 } } },
    { EC_GUEST_INTR_STI_IF, 0, 0, { { SET, VF_GUEST_INTERRUPTIBILITY_INFO, 1 } } },
    { EC_GUEST_INTR_EXTINT, 0, 0, { { SET, VF_GUEST_INTERRUPTIBILITY_INFO, 2 }, { SET, VF_GUEST_RFLAGS, 0x202 },
                                    { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000020 } } },
    { EC_GUEST_INTR_NMI_MOVSS, 0, 0, { { SET, VF_GUEST_INTERRUPTIBILITY_INFO, 2 }, { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000202 } } },
    { EC_GUEST_INTR_NMI_STI, 0, 0, { { SET, VF_GUEST_INTERRUPTIBILITY_INFO, 1 }, { SET, VF_GUEST_RFLAGS, 0x202 },
                                     { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000202 } } },
    { EC_GUEST_INTR_SMI, 0, 0, { { SET, VF_GUEST_INTERRUPTIBILITY_INFO, 4 } } },
    { EC_GUEST_INTR_VNMI, 0, 0, { { OR, VF_PIN_BASED_VM_EXEC_CONTROL, CTL(PIN_NMI_EXITING) | CTL(PIN_VIRTUAL_NMIS) },
                                  { SET, VF_GUEST_INTERRUPTIBILITY_INFO, 8 }, { SET, VF_VM_ENTRY_INTR_INFO_FIELD, 0x80000202 } } },
    { EC_GUEST_PENDING_DBG_RSVD, 0, 0, { { SET, VF_GUEST_PENDING_DBG_EXCEPTIONS, 1 << 4 } } },
    { EC_GUEST_PENDING_DBG_BS, 0, 0, { { SET, VF_GUEST_INTERRUPTIBILITY_INFO, 1 }, { SET, VF_GUEST_RFLAGS, 0x202 },
                                       { SET, VF_GUEST_PENDING_DBG_EXCEPTIONS, 1 << 14 } } },
    { EC_GUEST_LINK_ALIGN, 0, 0, { { SET, VF_VMCS_LINK_POINTER, 0x1001 } } },
    { EC_GUEST_LINK_REVISION, 0, 0, { { SET, VF_VMCS_LINK_POINTER, 0xb000 } } },
    { EC_GUEST_LINK_NOT_CURRENT, 0, 0, { { SET, VF_VMCS_LINK_POINTER, CURRENT_VMCS } } },
    /* 26.3.1.6 */
    { EC_GUEST_PDPTE_RSVD, FIX_LEGACY32_GUEST, 0, { P2(CTL(PROC2_ENABLE_EPT)), { SET, VF_EPT_POINTER, GOOD_EPTP }, { SET, VF_GUEST_PDPTE2, 0x3 } } },
};

static void expect_outcome(EntryCheckId id, unsigned error, uint64_t qual)
{
    switch (entry_checks[id].outcome) {
    case EO_CTRL: assert_int_equal(error, VMXERR_ENTRY_INVALID_CONTROL_FIELD); break;
    case EO_HOST: assert_int_equal(error, VMXERR_ENTRY_INVALID_HOST_STATE); break;
    case EO_GUEST: assert_int_equal(error, 0); assert_int_equal(qual, 0); break;
    case EO_LINK: assert_int_equal(error, 0); assert_int_equal(qual, 4); break;
    case EO_PDPTE: assert_int_equal(error, 0); assert_int_equal(qual, 2); break;
    case EO_NMI_STI: assert_int_equal(error, 0); assert_int_equal(qual, 3); break;
    }
}

static void test_each_check_fails_alone_with_its_outcome(void **state)
{
    unsigned mismatches = 0;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const Case *c = &cases[i];
        World *w = world_new();
        apply_fixture(w, c->fixture);
        if (c->clear_ept_cap) {
            w->caps.ept_vpid_cap &= ~c->clear_ept_cap;
        }
        for (unsigned e = 0; e < 6 && c->e[e].op != END; e++) {
            uint64_t old = vmcs_read(&w->v, c->e[e].f);
            uint64_t nv = c->e[e].op == SET ? c->e[e].value
                        : c->e[e].op == OR ? old | c->e[e].value : old & ~c->e[e].value;
            vmcs_write(&w->v, c->e[e].f, nv);
        }
        unsigned error;
        uint64_t qual;
        EntryCheckId got = run_checks(w, &error, &qual);
        if (got != c->id) {
            print_error("case %u: expected %s, got %s\n", i, entry_checks[c->id].id,
                        got == EC_COUNT ? "(entry passes)" : entry_checks[got].id);
            mismatches++;
        } else {
            expect_outcome(c->id, error, qual);
        }
        world_free(w);
    }
    assert_int_equal(mismatches, 0);
}

static void test_every_check_has_a_case(void **state)
{
    for (unsigned id = 0; id < EC_COUNT; id++) {
        bool found = false;
        for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            found |= cases[i].id == id;
        if (!found)
            fail_msg("no test case for %s", entry_checks[id].id);
    }
}

static void test_valid_configurations_pass(void **state)
{
    static const unsigned fixtures[] = { FIX_NONE, FIX_LEGACY32_GUEST, FIX_V86_GUEST, FIX_HOST32 };
    for (unsigned i = 0; i < 4; i++) {
        World *w = world_new();
        apply_fixture(w, fixtures[i]);
        unsigned error;
        uint64_t qual;
        EntryCheckId got = run_checks(w, &error, &qual);
        if (got != EC_COUNT)
            fail_msg("fixture %u fails %s", fixtures[i], entry_checks[got].id);
        world_free(w);
    }
}

static void test_unrestricted_guest_real_mode_passes(void **state)
{
    /* SDM 26.3.1.1: with unrestricted guest, CR0.PE and PG may be 0; real
     * mode with a type-3 CS at DPL 0 is accepted (26.3.1.2). */
    World *w = world_new();
    Vmcs *v = &w->v;
    vmcs_write(v, VF_SECONDARY_VM_EXEC_CONTROL, VMXM_PROC2_UNRESTRICTED_GUEST | VMXM_PROC2_ENABLE_EPT);
    vmcs_write(v, VF_EPT_POINTER, GOOD_EPTP);
    vmcs_write(v, VF_VM_ENTRY_CONTROLS, 0x000011fb);
    vmcs_write(v, VF_GUEST_CR0, 0x30);
    vmcs_write(v, VF_GUEST_CR4, 0x2000);
    for (unsigned s = 0; s < 6; s++) {
        vmcs_write(v, VF_GUEST_ES_SELECTOR + s, 0);
        vmcs_write(v, VF_GUEST_ES_LIMIT + s, 0xffff);
        vmcs_write(v, VF_GUEST_ES_AR_BYTES + s, 0x93);
    }
    vmcs_write(v, VF_GUEST_CS_SELECTOR, 0xf000);
    vmcs_write(v, VF_GUEST_CS_BASE, 0xf0000);
    vmcs_write(v, VF_GUEST_RIP, 0xfff0);
    unsigned error;
    uint64_t qual;
    EntryCheckId got = run_checks(w, &error, &qual);
    if (got != EC_COUNT)
        fail_msg("real-mode unrestricted guest fails %s", entry_checks[got].id);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_configurations_pass),
        cmocka_unit_test(test_unrestricted_guest_real_mode_passes),
        cmocka_unit_test(test_every_check_has_a_case),
        cmocka_unit_test(test_each_check_fails_alone_with_its_outcome),
    };
    return cmocka_run_group_tests_name("vmx_entry_check", tests, NULL, NULL);
}
