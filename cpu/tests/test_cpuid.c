/*
 * cpu/tests/test_cpuid.c: what CPUID returns (cpu/cpuid.c), per SDM Vol.2A
 * CPUID: out-of-range leaves return the highest basic leaf (honouring ECX),
 * in-range leaves the model lacks return zeros, and the run-time fields
 * (initial APIC ID, OSXSAVE, OSPKE, x2APIC ID in 0BH/1FH, XSAVE sizes for
 * the current XCR0/XSS, IA32_MISC_ENABLE effects).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "cpu/cpuid.h"
#include "cpu/msr.h"
#include "cpu/tests/fixture.h"

static int fx_setup(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    msr_reset(&fx->cpu);
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static CpuidLeaf *add_leaf(Fixture *fx, uint32_t leaf, uint32_t sub, bool has_sub,
                           uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    CpuModel *m = &fx->model;
    m->leaves = g_renew(CpuidLeaf, m->leaves, m->nleaves + 1);
    CpuidLeaf *l = &m->leaves[m->nleaves++];
    *l = (CpuidLeaf){ leaf, sub, has_sub, { a, b, c, d } };
    return l;
}

static CpuidLeaf *leaf(Fixture *fx, uint32_t l, uint32_t s)
{
    return (CpuidLeaf *)cpu_model_leaf(&fx->model, l, s);
}

static void test_leaf1_initial_apic_id_rule(void **state)
{
    Fixture *fx = *state;
    uint32_t r[4];
    leaf(fx, 1, 0)->reg[CPUID_EBX] = 0xff010800;
    fx->cpu.apic_id = 0x1a3;
    cpu_cpuid(&fx->cpu, 1, 0, r);
    /* EBX[31:24] = initial APIC ID (low 8 bits); EBX[23:0] from the model. */
    assert_int_equal(r[CPUID_EBX], 0xa3010800);
}

static void test_osxsave_follows_cr4_rule(void **state)
{
    Fixture *fx = *state;
    uint32_t r[4];
    fx->cpu.cr4 &= ~(uint64_t)CR4_OSXSAVE;
    cpu_cpuid(&fx->cpu, 1, 0, r);
    assert_false(r[CPUID_ECX] & BIT(27));
    assert_true(r[CPUID_ECX] & BIT(26));    /* XSAVE itself is static */
    fx->cpu.cr4 |= CR4_OSXSAVE;
    cpu_cpuid(&fx->cpu, 1, 0, r);
    assert_true(r[CPUID_ECX] & BIT(27));
}

static void test_ospke_follows_cr4_rule(void **state)
{
    Fixture *fx = *state;
    uint32_t r[4];
    fx->cpu.cr4 &= ~(uint64_t)CR4_PKE;
    cpu_cpuid(&fx->cpu, 7, 0, r);
    assert_false(r[CPUID_ECX] & BIT(4));
    assert_true(r[CPUID_ECX] & BIT(3));     /* PKU */
    fx->cpu.cr4 |= CR4_PKE;
    cpu_cpuid(&fx->cpu, 7, 0, r);
    assert_true(r[CPUID_ECX] & BIT(4));
}

static void test_out_of_range_leaf_returns_highest_basic_rule(void **state)
{
    /* Max basic leaf 0DH: 0EH and 80000009H (above max extended 80000008H)
     * return leaf 0DH, with ECX selecting its subleaf. */
    Fixture *fx = *state;
    uint32_t r[4], want[4];
    fx->cpu.xcr0 = 3;
    cpu_cpuid(&fx->cpu, 0xd, 1, want);
    cpu_cpuid(&fx->cpu, 0xe, 1, r);
    assert_memory_equal(r, want, sizeof(r));
    cpu_cpuid(&fx->cpu, 0x80000009, 1, r);
    assert_memory_equal(r, want, sizeof(r));
    cpu_cpuid(&fx->cpu, 0x40000000, 0, r);    /* no hypervisor leaves */
    cpu_cpuid(&fx->cpu, 0xd, 0, want);
    assert_memory_equal(r, want, sizeof(r));
    assert_int_equal(r[CPUID_EAX], 3);
}

static void test_in_range_missing_leaf_zero_rule(void **state)
{
    Fixture *fx = *state;
    uint32_t r[4] = { 1, 1, 1, 1 }, zero[4] = { 0 };
    cpu_cpuid(&fx->cpu, 0x2, 0, r);
    assert_memory_equal(r, zero, sizeof(r));
    cpu_cpuid(&fx->cpu, 0x80000005, 0, r);
    assert_memory_equal(r, zero, sizeof(r));
}

static void test_hypervisor_leaves_from_model_rule(void **state)
{
    Fixture *fx = *state;
    uint32_t r[4];
    add_leaf(fx, 0x40000000, 0, false, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
    add_leaf(fx, 0x40000001, 0, false, 0x7, 0, 0, 0);
    cpu_cpuid(&fx->cpu, 0x40000001, 0, r);
    assert_int_equal(r[CPUID_EAX], 7);
    cpu_cpuid(&fx->cpu, 0x40000002, 0, r);       /* beyond: highest basic */
    assert_int_equal(r[CPUID_EAX], 3);
}

static void test_topology_x2apic_id_rule(void **state)
{
    /* Leaf 0BH/1FH: EDX = x2APIC ID for every subleaf; ECX[7:0] echoes the
     * level number, also for an invalid level (EAX = EBX = 0). */
    Fixture *fx = *state;
    uint32_t r[4];
    leaf(fx, 0, 0)->reg[CPUID_EAX] = 0x1f;
    add_leaf(fx, 0xb, 0, true, 1, 2, 0x100, 0);
    add_leaf(fx, 0xb, 1, true, 4, 8, 0x201, 0);
    fx->cpu.apic_id = 0x12345;
    cpu_cpuid(&fx->cpu, 0xb, 1, r);
    assert_int_equal(r[CPUID_EAX], 4);
    assert_int_equal(r[CPUID_ECX], 0x201);
    assert_int_equal(r[CPUID_EDX], 0x12345);
    cpu_cpuid(&fx->cpu, 0xb, 7, r);
    assert_int_equal(r[CPUID_EAX], 0);
    assert_int_equal(r[CPUID_EBX], 0);
    assert_int_equal(r[CPUID_ECX], 7);
    assert_int_equal(r[CPUID_EDX], 0x12345);
    cpu_cpuid(&fx->cpu, 0x1f, 0, r);
    assert_int_equal(r[CPUID_EDX], 0x12345);
}

static void test_xsave_size_follows_xcr0_rule(void **state)
{
    /* CPUID.(0DH,0):EBX = size for the enabled XCR0 components; ECX stays
     * the size for all supported ones. */
    Fixture *fx = *state;
    uint32_t r[4];
    CpuidLeaf *l0 = leaf(fx, 0xd, 0);
    l0->reg[CPUID_EAX] = 0x207;             /* x87, SSE, AVX, PKRU */
    l0->reg[CPUID_ECX] = 2696;
    add_leaf(fx, 0xd, 2, true, 256, 576, 0, 0);
    add_leaf(fx, 0xd, 9, true, 8, 2688, 0, 0);
    fx->cpu.xcr0 = 3;
    cpu_cpuid(&fx->cpu, 0xd, 0, r);
    assert_int_equal(r[CPUID_EBX], 576);
    assert_int_equal(r[CPUID_ECX], 2696);
    fx->cpu.xcr0 = 7;
    cpu_cpuid(&fx->cpu, 0xd, 0, r);
    assert_int_equal(r[CPUID_EBX], 832);
    fx->cpu.xcr0 = 0x207;
    cpu_cpuid(&fx->cpu, 0xd, 0, r);
    assert_int_equal(r[CPUID_EBX], 2696);
    assert_int_equal(cpu_xsave_size(&fx->cpu, 0x7), 832);
}

static void test_xsave_compacted_size_rule(void **state)
{
    /* CPUID.(0DH,1):EBX: compacted size of XCR0 | IA32_XSS, components in
     * order, 64-byte aligned when (0DH,i):ECX[1] = 1 (SDM Vol.1 13.4.3). */
    Fixture *fx = *state;
    uint32_t r[4];
    leaf(fx, 0xd, 0)->reg[CPUID_EAX] = 0x207;
    add_leaf(fx, 0xd, 2, true, 256, 576, 0, 0);
    add_leaf(fx, 0xd, 8, true, 8, 0, 1, 0);         /* PT, IA32_XSS */
    add_leaf(fx, 0xd, 9, true, 8, 2688, 2, 0);      /* PKRU, aligned */
    fx->cpu.xcr0 = 0x207;
    fx->cpu.msr.xss = BIT(8);
    cpu_cpuid(&fx->cpu, 0xd, 1, r);
    /* 576 + 256 = 832, + 8 = 840, align 64 -> 896, + 8 = 904. */
    assert_int_equal(r[CPUID_EBX], 904);
}

static void test_misc_enable_effects_rule(void **state)
{
    /* IA32_MISC_ENABLE (SDM Vol.4 Table 2-2): bit 22 limits CPUID.0:EAX to
     * 2; bit 34 hides XD; bit 18 clear hides MONITOR. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint32_t r[4];
    cpu->msr.misc_enable |= BIT(22);
    cpu_cpuid(cpu, 0, 0, r);
    assert_int_equal(r[CPUID_EAX], 2);
    cpu_cpuid(cpu, 7, 0, r);                 /* now above the maximum */
    uint32_t two[4];
    cpu_cpuid(cpu, 2, 0, two);
    assert_memory_equal(r, two, sizeof(r));
    cpu->msr.misc_enable &= ~BIT(22);
    cpu_cpuid(cpu, 0x80000001, 0, r);
    assert_true(r[CPUID_EDX] & BIT(20));
    cpu->msr.misc_enable |= BIT(34);
    cpu_cpuid(cpu, 0x80000001, 0, r);
    assert_false(r[CPUID_EDX] & BIT(20));
    cpu_cpuid(cpu, 1, 0, r);
    assert_true(r[CPUID_ECX] & BIT(3));
    cpu->msr.misc_enable &= ~BIT(18);
    cpu_cpuid(cpu, 1, 0, r);
    assert_false(r[CPUID_ECX] & BIT(3));
}

static void test_apic_flag_follows_global_enable_rule(void **state)
{
    /* SDM Vol.3 11.4.3: with IA32_APIC_BASE[11] = 0 the APIC is disabled
     * and CPUID.01H:EDX[9] reads 0. */
    Fixture *fx = *state;
    uint32_t r[4];
    cpu_cpuid(&fx->cpu, 1, 0, r);
    assert_true(r[CPUID_EDX] & BIT(9));
    fx->cpu.msr.apic_base &= ~BIT(11);
    cpu_cpuid(&fx->cpu, 1, 0, r);
    assert_false(r[CPUID_EDX] & BIT(9));
}

static void test_cpuid_instruction_rule(void **state)
{
    /* CPUID writes EAX..EDX, clearing bits 63:32 in 64-bit mode. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    static const uint8_t code[] = { 0x0f, 0xa2 };
    fixture_load_code(fx, code, sizeof(code));
    cpu->gpr[R_RAX] = 0xffffffff00000000ull;
    cpu->gpr[R_RBX] = cpu->gpr[R_RCX] = cpu->gpr[R_RDX] = ~0ull;
    assert_int_equal(fixture_run(fx, sizeof(code), 1), ST_OK);
    assert_int_equal(cpu->rip, FX_CODE + 2);
    assert_int_equal(cpu->gpr[R_RAX], 0xd);
    assert_int_equal(cpu->gpr[R_RBX], 0);
    assert_int_equal(cpu->gpr[R_RCX], 0);
    assert_int_equal(cpu->gpr[R_RDX], 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_leaf1_initial_apic_id_rule),
        T(test_osxsave_follows_cr4_rule),
        T(test_ospke_follows_cr4_rule),
        T(test_out_of_range_leaf_returns_highest_basic_rule),
        T(test_in_range_missing_leaf_zero_rule),
        T(test_hypervisor_leaves_from_model_rule),
        T(test_topology_x2apic_id_rule),
        T(test_xsave_size_follows_xcr0_rule),
        T(test_xsave_compacted_size_rule),
        T(test_misc_enable_effects_rule),
        T(test_apic_flag_follows_global_enable_rule),
        T(test_cpuid_instruction_rule),
    };
    return cmocka_run_group_tests_name("cpuid", tests, NULL, NULL);
}
