/*
 * vmx/tests/test_caps.c: reading the VMX capability MSRs of a model and the
 * -cpu +vmx-x/-vmx-x edits (SDM Vol.3 Appendix A).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/caps.h"

/* A model with VMX MSRs shaped like a real part: default1 bits fixed in the
 * plain MSRs, relaxed in the TRUE MSRs (SDM A.2). */
static MsrValue msrs[] = {
    { MSR_IA32_VMX_BASIC, 0x00da040000000004ull },          /* rev 4, TRUE ctls */
    { MSR_IA32_VMX_PINBASED_CTLS, 0x0000007f00000016ull },
    { MSR_IA32_VMX_PROCBASED_CTLS, 0xfff9fffe0401e172ull },
    { MSR_IA32_VMX_EXIT_CTLS, 0x01ffffff00036dffull },
    { MSR_IA32_VMX_ENTRY_CTLS, 0x0003ffff000011ffull },
    { MSR_IA32_VMX_VMCS_ENUM, 0x2e },
    { MSR_IA32_VMX_PROCBASED_CTLS2, 0x000000ff00000000ull }, /* bits 0-7 */
    { MSR_IA32_VMX_TRUE_PINBASED_CTLS, 0x0000007f00000016ull },
    { MSR_IA32_VMX_TRUE_PROCBASED_CTLS, 0xfff9fffe04006172ull },
    { MSR_IA32_VMX_TRUE_EXIT_CTLS, 0x01ffffff00036dfbull },
    { MSR_IA32_VMX_TRUE_ENTRY_CTLS, 0x0003ffff000011fbull },
    { MSR_IA32_VMX_VMFUNC, 0x1 },
};

static CpuModel model;

static int setup(void **state)
{
    static MsrValue copy[sizeof(msrs) / sizeof(msrs[0])];
    memcpy(copy, msrs, sizeof(msrs));
    memset(&model, 0, sizeof(model));
    model.msrs = copy;
    model.nmsrs = sizeof(msrs) / sizeof(msrs[0]);
    return 0;
}

static void test_caps_use_true_msrs_when_basic_bit55_set(void **state)
{
    VmxCaps caps;
    vmx_caps_read(&model, &caps);
    assert_true(caps.present);
    /* TRUE procbased allowed-0 clears bits 15 and 16 (CR3-load/store
     * exiting may be 0, SDM A.3.2). */
    assert_int_equal(caps.ctl[VMXK_PROC].allowed0, 0x04006172);
    assert_true(vmx_caps_allows(&caps, VMXC_PROC2_ENABLE_EPT));
    assert_false(vmx_caps_allows(&caps, VMXC_PROC2_VMCS_SHADOWING));
}

static void test_enabling_needs_pulls_dependencies_in(void **state)
{
    const char *err = NULL;
    /* Forbid EPT first, then ask for unrestricted guest: EPT comes back. */
    assert_true(vmx_model_set_control(&model, VMXC_PROC2_ENABLE_EPT, false, &err));
    VmxCaps caps;
    vmx_caps_read(&model, &caps);
    assert_false(vmx_caps_allows(&caps, VMXC_PROC2_ENABLE_EPT));
    assert_false(vmx_caps_allows(&caps, VMXC_PROC2_UNRESTRICTED_GUEST));
    assert_true(vmx_model_set_control(&model, VMXC_PROC2_UNRESTRICTED_GUEST, true, &err));
    vmx_caps_read(&model, &caps);
    assert_true(vmx_caps_allows(&caps, VMXC_PROC2_ENABLE_EPT));
    assert_true(vmx_caps_allows(&caps, VMXC_PROC2_UNRESTRICTED_GUEST));
}

static void test_disabling_removes_dependents(void **state)
{
    const char *err = NULL;
    assert_true(vmx_model_set_control(&model, VMXC_PROC2_VMCS_SHADOWING, true, &err));
    assert_true(vmx_model_set_control(&model, VMXC_PROC_ACTIVATE_SECONDARY, false, &err));
    VmxCaps caps;
    vmx_caps_read(&model, &caps);
    /* Without secondary controls no secondary control can be 1 (A.3.3). */
    assert_int_equal(caps.ctl[VMXK_PROC2].allowed1, 0);
    assert_false(vmx_caps_allows(&caps, VMXC_PROC2_VMCS_SHADOWING));
}

static void test_default1_control_cannot_be_forbidden(void **state)
{
    const char *err = NULL;
    /* Pin bit 1 is default1 and not a named control; bit 0 (external-
     * interrupt exiting) is allowed 0 so it can be forbidden. */
    assert_true(vmx_model_set_control(&model, VMXC_PIN_EXTINT_EXITING, false, &err));
    /* HLT exiting (proc bit 7) may be 0 here; the TRUE MSR fixes bit 4
     * (default1, unnamed). A control whose allowed-0 bit is set: make one. */
    MsrValue *v = (MsrValue *)cpu_model_msr(&model, MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
    v->value |= VMXM_PROC_HLT_EXITING;      /* now must be 1 */
    assert_false(vmx_model_set_control(&model, VMXC_PROC_HLT_EXITING, false, &err));
    assert_non_null(err);
}

static void test_vmcs_enum_follows_edits(void **state)
{
    const char *err = NULL;
    assert_true(vmx_model_set_control(&model, VMXC_PIN_PREEMPTION_TIMER, true, &err));
    const MsrValue *v = cpu_model_msr(&model, MSR_IA32_VMX_VMCS_ENUM);
    /* Highest index among existing fields (bits 9:1): at least the
     * preemption-timer value (0x482e, index 23). */
    assert_true((v->value >> 1) >= 23);
    assert_true(vmx_model_set_control(&model, VMXC_PIN_PREEMPTION_TIMER, false, &err));
}

static void test_model_without_vmx_is_refused(void **state)
{
    CpuModel none = { 0 };
    const char *err = NULL;
    assert_false(vmx_model_set_control(&none, VMXC_PROC2_ENABLE_EPT, true, &err));
    assert_non_null(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_caps_use_true_msrs_when_basic_bit55_set, setup),
        cmocka_unit_test_setup(test_enabling_needs_pulls_dependencies_in, setup),
        cmocka_unit_test_setup(test_disabling_removes_dependents, setup),
        cmocka_unit_test_setup(test_default1_control_cannot_be_forbidden, setup),
        cmocka_unit_test_setup(test_vmcs_enum_follows_edits, setup),
        cmocka_unit_test_setup(test_model_without_vmx_is_refused, setup),
    };
    return cmocka_run_group_tests_name("vmx_caps", tests, NULL, NULL);
}
