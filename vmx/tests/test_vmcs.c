/*
 * vmx/tests/test_vmcs.c: VMCS field widths and the region round trip
 * (SDM Vol.3 24.2 "Format of the VMCS Region", 24.11.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmcs.h"

static void test_16_and_32_bit_fields_keep_low_bits(void **state)
{
    Vmcs v = { 0 };
    vmcs_set(&v, VF_GUEST_CS_SELECTOR, false, 0x123456789abcull);
    assert_int_equal(vmcs_get(&v, VF_GUEST_CS_SELECTOR, false), 0x9abc);
    vmcs_set(&v, VF_EXCEPTION_BITMAP, false, 0xfedcba9876543210ull);
    assert_int_equal(vmcs_get(&v, VF_EXCEPTION_BITMAP, false), 0x76543210);
}

static void test_64_bit_high_access_touches_upper_half(void **state)
{
    Vmcs v = { 0 };
    vmcs_set(&v, VF_TSC_OFFSET, false, 0x1111111122222222ull);
    vmcs_set(&v, VF_TSC_OFFSET, true, 0xaaaaaaaaull);
    assert_int_equal(vmcs_get(&v, VF_TSC_OFFSET, false), 0xaaaaaaaa22222222ull);
    assert_int_equal(vmcs_get(&v, VF_TSC_OFFSET, true), 0xaaaaaaaaull);
}

static void test_region_round_trip_copied_region_is_valid(void **state)
{
    PhysMap pm;
    const char *err = NULL;
    assert_true(physmem_init(&pm, 1 << 20, &err));
    Vmcs v = { .revision = 4, .abort = 0, .launch_state = VMCS_LAUNCHED };
    for (unsigned f = 0; f < VF_COUNT; f++)
        vmcs_set(&v, (VmcsField)f, false, 0x0101010101010101ull * (f + 1));
    vmcs_region_store(&pm, 0x1000, &v);
    assert_int_equal(physmem_read(&pm, 0x1000, 4), 4);   /* revision at offset 0 */
    /* Copy the region elsewhere: it is the same VMCS. */
    uint8_t buf[4096];
    physmem_read_buf(&pm, 0x1000, buf, sizeof(buf));
    physmem_write_buf(&pm, 0x3000, buf, sizeof(buf));
    Vmcs w;
    vmcs_region_load(&pm, 0x3000, &w);
    assert_memory_equal(&v, &w, sizeof(v));
    physmem_destroy(&pm);
}

static void test_region_load_keeps_fields_within_width(void **state)
{
    PhysMap pm;
    const char *err = NULL;
    assert_true(physmem_init(&pm, 1 << 20, &err));
    uint8_t junk[4096];
    memset(junk, 0xff, sizeof(junk));
    physmem_write_buf(&pm, 0x2000, junk, sizeof(junk));
    Vmcs v;
    vmcs_region_load(&pm, 0x2000, &v);
    assert_int_equal(vmcs_get(&v, VF_GUEST_ES_SELECTOR, false), 0xffff);
    assert_int_equal(v.field[VF_GUEST_ES_SELECTOR], 0xffff);
    assert_int_equal(v.field[VF_VM_EXIT_REASON], 0xffffffffull);
    assert_int_equal(v.launch_state, VMCS_CLEAR);   /* only 1 means launched */
    physmem_destroy(&pm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_16_and_32_bit_fields_keep_low_bits),
        cmocka_unit_test(test_64_bit_high_access_touches_upper_half),
        cmocka_unit_test(test_region_round_trip_copied_region_is_valid),
        cmocka_unit_test(test_region_load_keeps_fields_within_width),
    };
    return cmocka_run_group_tests_name("vmx_vmcs", tests, NULL, NULL);
}
