/*
 * cpu/tests/test_cpu_model.c: CPU-model lookups (cpu/cpu_model.c): exact
 * subleaf matching for leaves that take ECX (SDM Vol.2A CPUID Table 3-8),
 * feature bits derived through cpu/features.def, MAXPHYADDR/linear width
 * from CPUID.80000008H with the defaults when it is absent (SDM Vol.3
 * 4.1.4), feature edits that create a missing leaf, QEMU feature names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "base/bits.h"
#include "cpu/cpu_model.h"

static CpuModel *model_new(void)
{
    CpuModel *m = g_new0(CpuModel, 1);
    m->nleaves = 3;
    m->leaves = g_new0(CpuidLeaf, 3);
    m->leaves[0] = (CpuidLeaf){ .leaf = 0x1, .reg = { 0x806ec, 0, BIT(5), BIT(0) } };
    m->leaves[1] = (CpuidLeaf){ .leaf = 0x7, .subleaf = 0, .has_subleaf = true,
                                .reg = { 0, BIT(0), 0, 0 } };
    m->leaves[2] = (CpuidLeaf){ .leaf = 0x7, .subleaf = 1, .has_subleaf = true,
                                .reg = { 0x55, 0, 0, 0 } };
    return m;
}

static void model_free(CpuModel *m)
{
    g_free(m->leaves);
    g_free(m->msrs);
    g_free(m);
}

static void test_leaf_exact_subleaf_rule(void **state)
{
    CpuModel *m = model_new();
    const CpuidLeaf *l = cpu_model_leaf(m, 0x7, 1);
    assert_non_null(l);
    assert_int_equal(l->reg[CPUID_EAX], 0x55);
    assert_int_equal(cpu_model_leaf(m, 0x7, 0)->reg[CPUID_EBX], 1);
    /* A subleaf the model does not list is absent, not subleaf 0. */
    assert_null(cpu_model_leaf(m, 0x7, 2));
    /* A leaf without subleaves ignores ECX. */
    assert_ptr_equal(cpu_model_leaf(m, 0x1, 5), &m->leaves[0]);
    assert_null(cpu_model_leaf(m, 0x2, 0));
    model_free(m);
}

static void test_msr_lookup_rule(void **state)
{
    CpuModel *m = model_new();
    m->nmsrs = 2;
    m->msrs = g_new0(MsrValue, 2);
    m->msrs[0] = (MsrValue){ 0x480, 0xda0400000004ull };
    m->msrs[1] = (MsrValue){ 0x1a0, 0x1 };
    assert_int_equal(cpu_model_msr(m, 0x480)->value, 0xda0400000004ull);
    assert_int_equal(cpu_model_msr(m, 0x1a0)->value, 1);
    assert_null(cpu_model_msr(m, 0x481));
    model_free(m);
}

static void test_derive_features_from_leaves_rule(void **state)
{
    CpuModel *m = model_new();
    cpu_model_derive(m);
    assert_true(cpu_model_has(m, FEAT_FPU));        /* 01H:EDX[0] */
    assert_true(cpu_model_has(m, FEAT_VMX));        /* 01H:ECX[5] */
    assert_true(cpu_model_has(m, FEAT_FSGSBASE));   /* 07H.0:EBX[0] */
    assert_false(cpu_model_has(m, FEAT_SSE));
    assert_false(cpu_model_has(m, FEAT_LM));        /* leaf absent */
    model_free(m);
}

static void test_derive_address_widths_rule(void **state)
{
    CpuModel *m = model_new();
    cpu_model_derive(m);
    /* No 80000008H: MAXPHYADDR 36, 48-bit linear addresses. */
    assert_int_equal(m->maxphyaddr, 36);
    assert_int_equal(m->maxlinaddr, 48);
    m->leaves = g_renew(CpuidLeaf, m->leaves, m->nleaves + 1);
    m->leaves[m->nleaves++] = (CpuidLeaf){ .leaf = 0x80000008,
                                           .reg = { 0x3927, 0, 0, 0 } };
    cpu_model_derive(m);
    assert_int_equal(m->maxphyaddr, 39);
    assert_int_equal(m->maxlinaddr, 57);
    model_free(m);
}

static void test_set_feature_creates_leaf_rule(void **state)
{
    CpuModel *m = model_new();
    assert_null(cpu_model_leaf(m, 0x80000001, 0));
    assert_true(cpu_model_set_feature(m, FEAT_LM, true));
    const CpuidLeaf *l = cpu_model_leaf(m, 0x80000001, 0);
    assert_non_null(l);
    assert_int_equal(l->reg[CPUID_EDX], BIT(29));
    assert_false(l->has_subleaf);
    assert_true(cpu_model_has(m, FEAT_LM));
    /* The new leaf is reachable: the maximum extended leaf covers it. */
    assert_int_equal(cpu_model_leaf(m, 0x80000000, 0)->reg[CPUID_EAX], 0x80000001);
    /* A new leaf 0DH subleaf 1 is created as a subleaf leaf. */
    assert_true(cpu_model_set_feature(m, FEAT_XSAVES, true));
    l = cpu_model_leaf(m, 0xd, 1);
    assert_non_null(l);
    assert_true(l->has_subleaf);
    assert_int_equal(cpu_model_leaf(m, 0x0, 0)->reg[CPUID_EAX], 0xd);
    /* Clearing edits the existing leaf. */
    assert_true(cpu_model_set_feature(m, FEAT_FPU, false));
    assert_int_equal(cpu_model_leaf(m, 0x1, 0)->reg[CPUID_EDX], 0);
    cpu_model_derive(m);
    assert_false(cpu_model_has(m, FEAT_FPU));
    assert_true(cpu_model_has(m, FEAT_XSAVES));
    model_free(m);
}

static void test_feature_names_rule(void **state)
{
    assert_int_equal(cpu_feature_by_name("vmx"), FEAT_VMX);
    assert_int_equal(cpu_feature_by_name("sse4.1"), FEAT_SSE41);
    assert_int_equal(cpu_feature_by_name("no-such-feature"), FEAT_COUNT);
    for (unsigned f = 0; f < FEAT_COUNT; f++)
        assert_int_equal(cpu_feature_by_name(cpu_feature_name((CpuFeature)f)), f);
    assert_null(cpu_feature_name(FEAT_COUNT));
}

/* features.def: no two rows name the same CPUID bit or the same name. */
static void test_features_table_unique_rule(void **state)
{
    static const struct { uint32_t leaf, sub; unsigned reg, bit; const char *n; } rows[] = {
#define FEATURE(id, leaf, subleaf, reg, bit, qemu_name) { leaf, subleaf, reg, bit, qemu_name },
#include "cpu/features.def"
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(rows); i++)
        for (unsigned j = i + 1; j < G_N_ELEMENTS(rows); j++) {
            assert_false(rows[i].leaf == rows[j].leaf && rows[i].sub == rows[j].sub
                         && rows[i].reg == rows[j].reg && rows[i].bit == rows[j].bit);
            assert_string_not_equal(rows[i].n, rows[j].n);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_exact_subleaf_rule),
        cmocka_unit_test(test_msr_lookup_rule),
        cmocka_unit_test(test_derive_features_from_leaves_rule),
        cmocka_unit_test(test_derive_address_widths_rule),
        cmocka_unit_test(test_set_feature_creates_leaf_rule),
        cmocka_unit_test(test_feature_names_rule),
        cmocka_unit_test(test_features_table_unique_rule),
    };
    return cmocka_run_group_tests_name("cpu_model", tests, NULL, NULL);
}
