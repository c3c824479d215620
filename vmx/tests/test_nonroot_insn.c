/*
 * vmx/tests/test_nonroot_insn.c: the value computations of vmx/nonroot_insn.c
 * against SDM Vol.3 25.3 "Changes to Instruction Behavior in VMX Non-Root
 * Operation" (RDTSC with TSC offsetting and scaling; MOV from/to CR0 and
 * CR4 with guest/host masks and read shadows). The guest image
 * tests/guest/vmx/test_vmx_nonroot.c checks the same rules end to end;
 * TSC scaling is tested here too because the default CPU model does not
 * allow "use TSC scaling".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmx.h"

typedef struct Fixture {
    Cpu cpu;
    VmxCpu v;
} Fixture;

static Fixture *fixture_new(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->cpu.vmx = &f->v;
    f->cpu.vmx_non_root = true;
    return f;
}

static void test_rdtsc_without_offsetting_is_the_tsc(void **state)
{
    Fixture *f = fixture_new();
    vmcs_write(&f->v.vmcs, VF_TSC_OFFSET, 1000);
    assert_int_equal(vmx_guest_tsc(&f->cpu, 12345), 12345);
    free(f);
}

static void test_rdtsc_offsetting_adds_the_offset(void **state)
{
    Fixture *f = fixture_new();
    f->v.proc = VMXM_PROC_USE_TSC_OFFSETTING;
    vmcs_write(&f->v.vmcs, VF_TSC_OFFSET, (uint64_t)-100);  /* offsets are signed in effect */
    assert_int_equal(vmx_guest_tsc(&f->cpu, 12345), 12245);
    free(f);
}

/* SDM 25.3 RDTSC: (TSC * multiplier) >> 48, plus the offset, with the
 * product taken on 128 bits. */
static void test_rdtsc_scaling_multiplies_then_shifts_48(void **state)
{
    Fixture *f = fixture_new();
    f->v.proc = VMXM_PROC_USE_TSC_OFFSETTING;
    f->v.proc2 = VMXM_PROC2_USE_TSC_SCALING;
    vmcs_write(&f->v.vmcs, VF_TSC_OFFSET, 7);
    vmcs_write(&f->v.vmcs, VF_TSC_MULTIPLIER, 3ull << 47);  /* 1.5 */
    assert_int_equal(vmx_guest_tsc(&f->cpu, 1000), 1507);
    vmcs_write(&f->v.vmcs, VF_TSC_MULTIPLIER, 1ull << 50);  /* 4.0: needs more than 64 bits */
    assert_int_equal(vmx_guest_tsc(&f->cpu, 1ull << 40), (1ull << 42) + 7);
    free(f);
}

/* Scaling takes effect only with "use TSC offsetting" (SDM 25.3). */
static void test_rdtsc_scaling_needs_offsetting(void **state)
{
    Fixture *f = fixture_new();
    f->v.proc2 = VMXM_PROC2_USE_TSC_SCALING;
    vmcs_write(&f->v.vmcs, VF_TSC_MULTIPLIER, 1ull << 50);
    assert_int_equal(vmx_guest_tsc(&f->cpu, 1000), 1000);
    free(f);
}

static void test_cr0_read_takes_masked_bits_from_shadow(void **state)
{
    Fixture *f = fixture_new();
    vmcs_write(&f->v.vmcs, VF_CR0_GUEST_HOST_MASK, CR0_TS | CR0_NE);
    vmcs_write(&f->v.vmcs, VF_CR0_READ_SHADOW, CR0_TS);
    assert_int_equal(vmx_cr_guest_read(&f->cpu, 0, CR0_PE | CR0_NE | CR0_PG),
                     CR0_PE | CR0_TS | CR0_PG);
    free(f);
}

static void test_cr4_write_keeps_host_owned_bits(void **state)
{
    Fixture *f = fixture_new();
    f->cpu.cr4 = CR4_VMXE | CR4_PAE;
    vmcs_write(&f->v.vmcs, VF_CR4_GUEST_HOST_MASK, CR4_VMXE | CR4_PGE);
    assert_int_equal(vmx_cr_guest_write(&f->cpu, 4, CR4_PAE | CR4_PGE | CR4_OSFXSR),
                     CR4_VMXE | CR4_PAE | CR4_OSFXSR);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rdtsc_without_offsetting_is_the_tsc),
        cmocka_unit_test(test_rdtsc_offsetting_adds_the_offset),
        cmocka_unit_test(test_rdtsc_scaling_multiplies_then_shifts_48),
        cmocka_unit_test(test_rdtsc_scaling_needs_offsetting),
        cmocka_unit_test(test_cr0_read_takes_masked_bits_from_shadow),
        cmocka_unit_test(test_cr4_write_keeps_host_owned_bits),
    };
    return cmocka_run_group_tests_name("nonroot_insn", tests, NULL, NULL);
}
