/*
 * vmx/tests/test_vmcs_layout.c: the VMX tables check themselves (STYLE 3):
 * every VMCS encoding's width and type bits match its declared columns
 * (SDM Vol.3 24.11.2 "VMREAD, VMWRITE, and Encodings of VMCS Fields"), no
 * encoding, control bit or QEMU name appears twice, and lookups round-trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmcs_layout.h"

static void test_field_encoding_bits_match_width_and_type(void **state)
{
    for (unsigned f = 0; f < VF_COUNT; f++) {
        const VmcsFieldDesc *d = &vmcs_fields[f];
        assert_int_equal((d->encoding >> 13) & 3, d->width);
        assert_int_equal((d->encoding >> 10) & 3, d->type);
        /* Full-access encodings are even; bit 12 and bits 31:15 are 0. */
        assert_int_equal(d->encoding & 1, 0);
        assert_int_equal(d->encoding & 0xffff9000u, 0);
    }
}

static void test_field_encodings_unique(void **state)
{
    for (unsigned a = 0; a < VF_COUNT; a++)
        for (unsigned b = a + 1; b < VF_COUNT; b++) {
            if (vmcs_fields[a].encoding == vmcs_fields[b].encoding)
                fail_msg("%s and %s share encoding %#x", vmcs_fields[a].name,
                         vmcs_fields[b].name, vmcs_fields[a].encoding);
            assert_string_not_equal(vmcs_fields[a].name, vmcs_fields[b].name);
        }
}

static void test_lookup_round_trips_and_high_access(void **state)
{
    for (unsigned f = 0; f < VF_COUNT; f++) {
        bool high = true;
        assert_int_equal(vmcs_field_lookup(vmcs_fields[f].encoding, &high), (int)f);
        assert_false(high);
        int hi = vmcs_field_lookup(vmcs_fields[f].encoding | 1, &high);
        /* Only 64-bit fields have a high-access encoding (SDM 24.11.2). */
        if (vmcs_fields[f].width == VMCS_W64) {
            assert_int_equal(hi, (int)f);
            assert_true(high);
        } else {
            assert_int_equal(hi, -1);
        }
    }
}

static void test_lookup_rejects_reserved_and_unknown(void **state)
{
    assert_int_equal(vmcs_field_lookup(VMCS_GUEST_RIP | 0x8000u, NULL), -1);
    assert_int_equal(vmcs_field_lookup(VMCS_GUEST_RIP | 0x1000u, NULL), -1);
    assert_int_equal(vmcs_field_lookup(0xffffffffu, NULL), -1);
    assert_int_equal(vmcs_field_lookup(0x0c0e, NULL), -1);   /* no such host selector */
    assert_int_equal(vmcs_field_lookup(0x6c00 | (100u << 1), NULL), -1);
}

static void test_known_encodings_from_appendix_b(void **state)
{
    /* Spot checks against SDM Appendix B tables. */
    assert_int_equal(VMCS_VIRTUAL_PROCESSOR_ID, 0x0000);
    assert_int_equal(VMCS_GUEST_ES_SELECTOR, 0x0800);
    assert_int_equal(VMCS_EPT_POINTER, 0x201a);
    assert_int_equal(VMCS_VMCS_LINK_POINTER, 0x2800);
    assert_int_equal(VMCS_PIN_BASED_VM_EXEC_CONTROL, 0x4000);
    assert_int_equal(VMCS_VM_EXIT_REASON, 0x4402);
    assert_int_equal(VMCS_VMX_PREEMPTION_TIMER_VALUE, 0x482e);
    assert_int_equal(VMCS_EXIT_QUALIFICATION, 0x6400);
    assert_int_equal(VMCS_GUEST_RIP, 0x681e);
    assert_int_equal(VMCS_HOST_RIP, 0x6c16);
}

static void test_controls_unique_bits_and_names(void **state)
{
    for (unsigned a = 0; a < VMXC_COUNT; a++) {
        assert_true(vmx_controls[a].bit < 32);
        for (unsigned b = a + 1; b < VMXC_COUNT; b++) {
            if (vmx_controls[a].kind == vmx_controls[b].kind &&
                vmx_controls[a].bit == vmx_controls[b].bit)
                fail_msg("%s and %s share a bit", vmx_controls[a].id, vmx_controls[b].id);
            if (vmx_controls[a].qemu_name && vmx_controls[b].qemu_name)
                assert_string_not_equal(vmx_controls[a].qemu_name, vmx_controls[b].qemu_name);
        }
    }
    assert_int_equal(vmx_control_by_qemu_name("vmx-ept"), VMXC_PROC2_ENABLE_EPT);
    assert_int_equal(vmx_control_by_qemu_name("vmx-nonsense"), VMXC_COUNT);
}

static void test_field_existence_follows_controls(void **state)
{
    uint32_t allowed1[VMX_CONTROL_KIND_COUNT] = { 0 };
    assert_true(vmcs_field_exists(VF_GUEST_RIP, allowed1));
    assert_false(vmcs_field_exists(VF_EPT_POINTER, allowed1));
    assert_false(vmcs_field_exists(VF_GUEST_IA32_EFER, allowed1));
    allowed1[VMXK_PROC2] = VMXM_PROC2_ENABLE_EPT;
    assert_true(vmcs_field_exists(VF_EPT_POINTER, allowed1));
    /* "either load IA32_EFER (entry) or save IA32_EFER (exit)" */
    allowed1[VMXK_EXIT] = VMXM_EXIT_SAVE_EFER;
    assert_true(vmcs_field_exists(VF_GUEST_IA32_EFER, allowed1));
}

static void test_vmcs_enum_highest_index(void **state)
{
    uint32_t none[VMX_CONTROL_KIND_COUNT] = { 0 };
    /* Without optional controls, the highest index among fields that
     * always exist is Guest IA32_SYSENTER_CS (0x482a, index 21). */
    assert_int_equal(vmcs_highest_index(none), (VMCS_GUEST_SYSENTER_CS >> 1) & 0x1ff);
    uint32_t all[VMX_CONTROL_KIND_COUNT];
    memset(all, 0xff, sizeof(all));
    assert_int_equal(vmcs_highest_index(all), (VMCS_ENCLV_EXITING_BITMAP >> 1) & 0x1ff);
}

static void test_exit_reasons_and_errors(void **state)
{
    assert_string_equal(vmx_exit_reason_name(10), "CPUID");
    assert_string_equal(vmx_exit_reason_name(48), "EPT_VIOLATION");
    assert_null(vmx_exit_reason_name(35));      /* unused number */
    assert_true(vmx_exit_reason_has_length(EXIT_REASON_CPUID));
    assert_false(vmx_exit_reason_has_length(EXIT_REASON_EXTERNAL_INTERRUPT));
    assert_string_equal(vmx_error_description(VMXERR_VMLAUNCH_NONCLEAR_VMCS),
                        "VMLAUNCH with non-clear VMCS");
    assert_null(vmx_error_description(14));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_encoding_bits_match_width_and_type),
        cmocka_unit_test(test_field_encodings_unique),
        cmocka_unit_test(test_lookup_round_trips_and_high_access),
        cmocka_unit_test(test_lookup_rejects_reserved_and_unknown),
        cmocka_unit_test(test_known_encodings_from_appendix_b),
        cmocka_unit_test(test_controls_unique_bits_and_names),
        cmocka_unit_test(test_field_existence_follows_controls),
        cmocka_unit_test(test_vmcs_enum_highest_index),
        cmocka_unit_test(test_exit_reasons_and_errors),
    };
    return cmocka_run_group_tests_name("vmx_layout", tests, NULL, NULL);
}
