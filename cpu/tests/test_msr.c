/*
 * cpu/tests/test_msr.c: MSR rules of cpu/msr.c and cpu/msrs.def, per SDM
 * Vol.2B RDMSR/WRMSR (#GP(0) for unknown indices, reserved bits and
 * non-canonical addresses), Vol.4 Table 2-2, and the sections cited in each
 * test. Calls msr_read/msr_write directly, plus RDMSR/WRMSR handlers for the
 * CPL rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "cpu/insn.h"
#include "cpu/fault.h"
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

static void expect_gp0(Cpu *cpu, SimStatus st)
{
    assert_int_equal(st, ST_FAULT);
    assert_int_equal(cpu->fault.vector, EXC_GP);
    assert_true(cpu->fault.has_error);
    assert_int_equal(cpu->fault.error, 0);
}

static uint64_t rd(Cpu *cpu, uint32_t index)
{
    uint64_t v = 0xdeadbeef;
    assert_int_equal(msr_read(cpu, index, &v), ST_OK);
    return v;
}

static void wr_ok(Cpu *cpu, uint32_t index, uint64_t v)
{
    assert_int_equal(msr_write(cpu, index, v), ST_OK);
}

static void add_model_msr(Fixture *fx, uint32_t index, uint64_t v)
{
    CpuModel *m = &fx->model;
    m->msrs = g_renew(MsrValue, m->msrs, m->nmsrs + 1);
    m->msrs[m->nmsrs++] = (MsrValue){ index, v };
}

static void clear_feature(Fixture *fx, CpuFeature f)
{
    cpu_model_set_feature(&fx->model, f, false);
    cpu_model_derive(&fx->model);
}

/* msrs.def: indices unique (a duplicate would not compile in msr.c's
 * switch; this checks the names too). */
static void test_msr_table_names_rule(void **state)
{
    static const struct { const char *name; uint32_t index; } rows[] = {
#define MSR(name, index, kind, field, reset, feature, wmask) { #name, index },
#include "cpu/msrs.def"
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(rows); i++) {
        assert_string_equal(msr_name(rows[i].index), rows[i].name);
        for (unsigned j = i + 1; j < G_N_ELEMENTS(rows); j++)
            assert_int_not_equal(rows[i].index, rows[j].index);
    }
    assert_null(msr_name(0x12345678));
    assert_int_equal(MSR_IA32_EFER, 0xc0000080);
}

static void test_unknown_index_gp_rule(void **state)
{
    Cpu *cpu = &((Fixture *)*state)->cpu;
    uint64_t v;
    expect_gp0(cpu, msr_read(cpu, 0x12345678, &v));
    expect_gp0(cpu, msr_write(cpu, 0x12345678, 0));
    /* x2APIC range without a platform APIC on the bus. */
    expect_gp0(cpu, msr_read(cpu, 0x802, &v));
}

static void test_feature_gates_msr_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t v;
    wr_ok(cpu, MSR_IA32_SYSENTER_CS, 0x10);
    clear_feature(fx, FEAT_SEP);
    expect_gp0(cpu, msr_read(cpu, MSR_IA32_SYSENTER_CS, &v));
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_SYSENTER_CS, 0x10));
    clear_feature(fx, FEAT_RDTSCP);
    assert_int_equal(msr_read(cpu, MSR_IA32_TSC_AUX, &v), ST_OK);   /* RDPID */
    clear_feature(fx, FEAT_RDPID);
    expect_gp0(cpu, msr_read(cpu, MSR_IA32_TSC_AUX, &v));
}

static void test_rdmsr_wrmsr_cpl_rule(void **state)
{
    /* SDM Vol.2B RDMSR/WRMSR: #GP(0) if CPL != 0. */
    Cpu *cpu = &((Fixture *)*state)->cpu;
    DecodedInsn d = { .opsize = 4, .addrsize = 8 };
    cpu->gpr[R_RCX] = MSR_IA32_STAR;
    cpu->gpr[R_RDX] = 0x00230010;
    cpu->gpr[R_RAX] = 0x12345678;
    assert_int_equal(op_wrmsr(cpu, &d), ST_OK);
    cpu->gpr[R_RAX] = cpu->gpr[R_RDX] = ~0ull;
    assert_int_equal(op_rdmsr(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0x12345678);
    assert_int_equal(cpu->gpr[R_RDX], 0x00230010);
    cpu->cpl = 3;
    expect_gp0(cpu, op_rdmsr(cpu, &d));
    expect_gp0(cpu, op_wrmsr(cpu, &d));
}

static void test_efer_reserved_and_lme_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t efer = rd(cpu, MSR_IA32_EFER);
    assert_true(efer & EFER_LMA);
    /* Reserved bits (SDM Vol.4 Table 2-2). */
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_EFER, efer | BIT(1)));
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_EFER, efer | BIT(63)));
    /* LME may not change while CR0.PG = 1 (SDM Vol.3 10.8.5). */
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_EFER, efer & ~EFER_LME));
    /* NXE toggles; the written LMA is ignored. */
    wr_ok(cpu, MSR_IA32_EFER, (efer & ~(EFER_NXE | EFER_LMA)));
    assert_int_equal(rd(cpu, MSR_IA32_EFER), (efer & ~EFER_NXE));
    /* Without NX in the model, NXE is reserved. */
    clear_feature(fx, FEAT_NX);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_EFER, efer | EFER_NXE));
    /* With paging off, LME may change. */
    fixture_mode_prot32(fx);
    wr_ok(cpu, MSR_IA32_EFER, EFER_LME | EFER_SCE);
    assert_int_equal(cpu->efer, EFER_LME | EFER_SCE);
}

static void test_canonical_address_msrs_rule(void **state)
{
    /* SDM Vol.2B WRMSR: non-canonical FS/GS/KERNEL_GS base, LSTAR, CSTAR,
     * SYSENTER_EIP/ESP are #GP(0). */
    Cpu *cpu = &((Fixture *)*state)->cpu;
    static const uint32_t idx[] = {
        MSR_IA32_FS_BASE, MSR_IA32_GS_BASE, MSR_IA32_KERNEL_GS_BASE,
        MSR_IA32_LSTAR, MSR_IA32_CSTAR, MSR_IA32_SYSENTER_EIP, MSR_IA32_SYSENTER_ESP,
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(idx); i++) {
        expect_gp0(cpu, msr_write(cpu, idx[i], 0x0000800000000000ull));
        wr_ok(cpu, idx[i], 0xffff800000001000ull);
        assert_int_equal(rd(cpu, idx[i]), 0xffff800000001000ull);
    }
    /* FS_BASE/GS_BASE are the segment bases. */
    assert_int_equal(cpu->seg[SEG_FS].base, 0xffff800000001000ull);
    cpu->seg[SEG_GS].base = 0x1234;
    assert_int_equal(rd(cpu, MSR_IA32_GS_BASE), 0x1234);
}

static void test_star_fmask_tsc_aux_reserved_rule(void **state)
{
    Cpu *cpu = &((Fixture *)*state)->cpu;
    wr_ok(cpu, MSR_IA32_STAR, 0xffffffffffffffffull);
    /* IA32_FMASK and IA32_TSC_AUX: bits 63:32 reserved. */
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_FMASK, BIT(32)));
    wr_ok(cpu, MSR_IA32_FMASK, 0x47700);
    assert_int_equal(rd(cpu, MSR_IA32_FMASK), 0x47700);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_TSC_AUX, BIT(32)));
    wr_ok(cpu, MSR_IA32_TSC_AUX, 0xfffffffe);
    assert_int_equal(cpu->msr.tsc_aux, 0xfffffffe);
}

static void test_pat_memory_types_rule(void **state)
{
    /* SDM Vol.3 12.12.2: 2, 3 and 8-FFH are reserved types. */
    Cpu *cpu = &((Fixture *)*state)->cpu;
    assert_int_equal(rd(cpu, MSR_IA32_PAT), 0x0007040600070406ull);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_PAT, 0x0007040600070402ull));
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_PAT, 0x0307040600070406ull));
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_PAT, 0x0007040600070408ull));
    wr_ok(cpu, MSR_IA32_PAT, 0x0706050401000706ull);
    assert_int_equal(rd(cpu, MSR_IA32_PAT), 0x0706050401000706ull);
}

static void test_mtrr_rules(void **state)
{
    /* SDM Vol.3 12.11: valid types 0, 1, 4, 5, 6 (not 7 = UC- of PAT). */
    Cpu *cpu = &((Fixture *)*state)->cpu;
    assert_int_equal(rd(cpu, MSR_IA32_MTRRCAP) & 0xff, 10);
    wr_ok(cpu, MSR_IA32_MTRR_DEF_TYPE, BIT(11) | BIT(10) | 6);
    assert_int_equal(rd(cpu, MSR_IA32_MTRR_DEF_TYPE), 0xc06);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_MTRR_DEF_TYPE, BIT(11) | 7));
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_MTRR_DEF_TYPE, BIT(9) | 6));
    wr_ok(cpu, MSR_IA32_MTRR_FIX4K_C8000, 0x0606050504040100ull);
    assert_int_equal(rd(cpu, MSR_IA32_MTRR_FIX4K_C8000), 0x0606050504040100ull);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_MTRR_FIX64K_00000, 0x0606060606060602ull));
    /* Variable ranges: bits at or above MAXPHYADDR (48 here) reserved. */
    wr_ok(cpu, MSR_IA32_MTRR_PHYSBASE3, 0x0000ffff00000006ull);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_MTRR_PHYSBASE3, 0x0001000000000006ull));
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_MTRR_PHYSBASE3, 0x100 | 6));
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_MTRR_PHYSBASE3, 3));
    wr_ok(cpu, MSR_IA32_MTRR_PHYSMASK3, 0x0000ffffc0000800ull);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_MTRR_PHYSMASK3, 0x0000ffffc0000801ull));
    assert_int_equal(rd(cpu, MSR_IA32_MTRR_PHYSMASK3), 0x0000ffffc0000800ull);
}

static void test_mtrr_vcnt_limits_ranges_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t v;
    add_model_msr(fx, MSR_IA32_MTRRCAP, 0x402);   /* VCNT 2, no fixed */
    wr_ok(cpu, MSR_IA32_MTRR_PHYSMASK1, 0);
    expect_gp0(cpu, msr_read(cpu, MSR_IA32_MTRR_PHYSBASE2, &v));
    expect_gp0(cpu, msr_read(cpu, MSR_IA32_MTRR_FIX64K_00000, &v));
}

static void test_vmx_capability_msrs_read_only_rule(void **state)
{
    /* SDM Vol.3 Appendix A: capability MSRs come from the part; WRMSR to a
     * read-only MSR is #GP(0); an MSR the model lacks does not exist. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t v;
    add_model_msr(fx, MSR_IA32_VMX_BASIC, 0x00da040000000004ull);
    add_model_msr(fx, MSR_IA32_VMX_EPT_VPID_CAP, 0xf0106734141ull);
    assert_int_equal(rd(cpu, MSR_IA32_VMX_BASIC), 0x00da040000000004ull);
    assert_int_equal(rd(cpu, MSR_IA32_VMX_EPT_VPID_CAP), 0xf0106734141ull);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_VMX_BASIC, 0x00da040000000004ull));
    expect_gp0(cpu, msr_read(cpu, MSR_IA32_VMX_VMFUNC, &v));
    clear_feature(fx, FEAT_VMX);
    expect_gp0(cpu, msr_read(cpu, MSR_IA32_VMX_BASIC, &v));
}

static void test_model_only_msr_read_only_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    add_model_msr(fx, 0xce, 0x80838f1012800ull);   /* MSR_PLATFORM_INFO */
    assert_int_equal(rd(cpu, 0xce), 0x80838f1012800ull);
    expect_gp0(cpu, msr_write(cpu, 0xce, 0));
    /* Model-default read-only rows. */
    assert_int_equal(rd(cpu, MSR_IA32_PLATFORM_ID), 0);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_PLATFORM_ID, 0));
}

static void test_tsc_and_tsc_adjust_rule(void **state)
{
    /* SDM Vol.3 18.17.3: TSC reads the clock; a TSC write moves
     * IA32_TSC_ADJUST by the same amount and vice versa. */
    Cpu *cpu = &((Fixture *)*state)->cpu;
    cpu->cycles = 1000;
    assert_int_equal(rd(cpu, MSR_IA32_TSC), 1000);
    wr_ok(cpu, MSR_IA32_TSC, 5000);
    assert_int_equal(rd(cpu, MSR_IA32_TSC_ADJUST), 4000);
    cpu->cycles = 1500;
    assert_int_equal(rd(cpu, MSR_IA32_TSC), 5500);
    wr_ok(cpu, MSR_IA32_TSC_ADJUST, 0);
    assert_int_equal(rd(cpu, MSR_IA32_TSC), 1500);
    wr_ok(cpu, MSR_IA32_TSC_ADJUST, (uint64_t)-500);
    assert_int_equal(rd(cpu, MSR_IA32_TSC), 1000);
}

static void test_feature_control_lock_rule(void **state)
{
    /* SDM Vol.3 24.7: once locked, WRMSR is #GP(0) until reset. */
    Cpu *cpu = &((Fixture *)*state)->cpu;
    assert_int_equal(rd(cpu, MSR_IA32_FEATURE_CONTROL), 0);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_FEATURE_CONTROL, BIT(3)));
    wr_ok(cpu, MSR_IA32_FEATURE_CONTROL, BIT(2));
    wr_ok(cpu, MSR_IA32_FEATURE_CONTROL, BIT(2) | BIT(0));
    assert_int_equal(rd(cpu, MSR_IA32_FEATURE_CONTROL), 5);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_FEATURE_CONTROL, BIT(0)));
    msr_reset(cpu);
    assert_int_equal(rd(cpu, MSR_IA32_FEATURE_CONTROL), 0);
}

static void test_feature_control_model_reset_rule(void **state)
{
    Fixture *fx = *state;
    add_model_msr(fx, MSR_IA32_FEATURE_CONTROL, 5);
    msr_reset(&fx->cpu);
    assert_int_equal(rd(&fx->cpu, MSR_IA32_FEATURE_CONTROL), 5);
    expect_gp0(&fx->cpu, msr_write(&fx->cpu, MSR_IA32_FEATURE_CONTROL, 5));
}

static void test_apic_base_rule(void **state)
{
    /* SDM Vol.3 11.4.4 and 11.12.5: reset FEE00900H on the BSP; reserved
     * bits #GP(0); EXTD without EN and x2APIC -> xAPIC are invalid. */
    Cpu *cpu = &((Fixture *)*state)->cpu;
    assert_int_equal(rd(cpu, MSR_IA32_APIC_BASE), 0xfee00900ull);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_APIC_BASE, 0xfee00900ull | BIT(9)));
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_APIC_BASE, 0x1000000000000800ull));
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_APIC_BASE, 0xfee00000ull | BIT(10)));
    wr_ok(cpu, MSR_IA32_APIC_BASE, 0xfee00c00ull);
    assert_int_equal(rd(cpu, MSR_IA32_APIC_BASE), 0xfee00d00ull);   /* BSP kept */
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_APIC_BASE, 0xfee00800ull));
    wr_ok(cpu, MSR_IA32_APIC_BASE, 0xfee00000ull);
    wr_ok(cpu, MSR_IA32_APIC_BASE, 0xfec00800ull);
    assert_int_equal(rd(cpu, MSR_IA32_APIC_BASE), 0xfec00900ull);
}

static bool bus_msr_read(void *opaque, Cpu *cpu, uint32_t index, uint64_t *v)
{
    if (index != 0x808)
        return false;
    *v = 0x42;
    return true;
}

static bool bus_msr_write(void *opaque, Cpu *cpu, uint32_t index, uint64_t v,
                          SimStatus *st)
{
    if (index != 0x808)
        return false;
    *st = v > 0xff ? cpu_gp(cpu, 0) : ST_OK;
    return true;
}

static void test_platform_msrs_first_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    CpuBus bus = *cpu->bus;
    bus.msr_read = bus_msr_read;
    bus.msr_write = bus_msr_write;
    cpu->bus = &bus;
    assert_int_equal(rd(cpu, 0x808), 0x42);
    wr_ok(cpu, 0x808, 0x10);
    expect_gp0(cpu, msr_write(cpu, 0x808, 0x100));
    /* Not owned by the platform: the CPU's own table. */
    assert_int_equal(rd(cpu, MSR_IA32_PAT), 0x0007040600070406ull);
}

static void test_misc_enable_rule(void **state)
{
    /* SDM Vol.4 Table 2-2: R/O bits ignore writes, reserved bits #GP(0);
     * XD disable clears EFER.NXE. */
    Cpu *cpu = &((Fixture *)*state)->cpu;
    uint64_t v = rd(cpu, MSR_IA32_MISC_ENABLE);
    assert_int_equal(v, 0x41801);
    wr_ok(cpu, MSR_IA32_MISC_ENABLE, v & ~(BIT(11) | BIT(0)));
    assert_int_equal(rd(cpu, MSR_IA32_MISC_ENABLE), 0x41800);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_MISC_ENABLE, v | BIT(40)));
    assert_true(cpu->efer & EFER_NXE);
    wr_ok(cpu, MSR_IA32_MISC_ENABLE, v | BIT(34));
    assert_false(cpu->efer & EFER_NXE);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_EFER, cpu->efer | EFER_NXE));
}

static void test_spec_ctrl_pred_cmd_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t v;
    wr_ok(cpu, MSR_IA32_SPEC_CTRL, 7);
    assert_int_equal(rd(cpu, MSR_IA32_SPEC_CTRL), 7);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_SPEC_CTRL, 8));
    wr_ok(cpu, MSR_IA32_PRED_CMD, 1);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_PRED_CMD, 2));
    expect_gp0(cpu, msr_read(cpu, MSR_IA32_PRED_CMD, &v));   /* write-only */
    clear_feature(fx, FEAT_SSBD);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_SPEC_CTRL, 4));
    clear_feature(fx, FEAT_SPEC_CTRL);
    expect_gp0(cpu, msr_read(cpu, MSR_IA32_SPEC_CTRL, &v));
    assert_int_equal(rd(cpu, MSR_IA32_ARCH_CAPABILITIES), 0);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_ARCH_CAPABILITIES, 0));
}

static void test_xss_supported_bits_rule(void **state)
{
    /* SDM Vol.1 13.3: IA32_XSS bits must be enumerated in CPUID.(0DH,1):
     * EDX:ECX. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_XSS, BIT(8)));
    CpuidLeaf *l = (CpuidLeaf *)cpu_model_leaf(&fx->model, 0xd, 1);
    l->reg[CPUID_ECX] = BIT(8);
    wr_ok(cpu, MSR_IA32_XSS, BIT(8));
    assert_int_equal(rd(cpu, MSR_IA32_XSS), BIT(8));
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_XSS, BIT(8) | BIT(11)));
}

static void test_debugctl_sysenter_cs_rule(void **state)
{
    Cpu *cpu = &((Fixture *)*state)->cpu;
    wr_ok(cpu, MSR_IA32_DEBUGCTL, 0x3);
    assert_int_equal(rd(cpu, MSR_IA32_DEBUGCTL), 3);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_DEBUGCTL, BIT(2)));
    wr_ok(cpu, MSR_IA32_SYSENTER_CS, 0xffffffff00000008ull);
    assert_int_equal(rd(cpu, MSR_IA32_SYSENTER_CS), 0xffffffff00000008ull);
}

static void test_machine_check_banks_rule(void **state)
{
    /* SDM Vol.3 16.3: MCG_CAP[7:0] banks at 400H + 4i; STATUS/ADDR/MISC
     * accept only 0 here; MCG_CTL exists only with MCG_CAP[8]. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t v;
    assert_int_equal(rd(cpu, MSR_IA32_MCG_CAP), 0);
    expect_gp0(cpu, msr_read(cpu, 0x400, &v));
    expect_gp0(cpu, msr_read(cpu, MSR_IA32_MCG_CTL, &v));
    add_model_msr(fx, MSR_IA32_MCG_CAP, 0x102);
    assert_int_equal(rd(cpu, 0x405), 0);
    wr_ok(cpu, 0x404, ~0ull);            /* MC1_CTL */
    wr_ok(cpu, 0x405, 0);                /* MC1_STATUS */
    expect_gp0(cpu, msr_write(cpu, 0x405, 1));
    expect_gp0(cpu, msr_read(cpu, 0x408, &v));
    assert_int_equal(rd(cpu, MSR_IA32_MCG_CTL), 0);
    wr_ok(cpu, MSR_IA32_MCG_STATUS, 0);
    expect_gp0(cpu, msr_write(cpu, MSR_IA32_MCG_STATUS, 4));
}

static void test_bios_sign_id_rule(void **state)
{
    Fixture *fx = *state;
    add_model_msr(fx, MSR_IA32_BIOS_SIGN_ID, 0xf000000000000000ull);
    wr_ok(&fx->cpu, MSR_IA32_BIOS_SIGN_ID, 0);
    assert_int_equal(rd(&fx->cpu, MSR_IA32_BIOS_SIGN_ID), 0xf000000000000000ull);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_msr_table_names_rule),
        T(test_unknown_index_gp_rule),
        T(test_feature_gates_msr_rule),
        T(test_rdmsr_wrmsr_cpl_rule),
        T(test_efer_reserved_and_lme_rule),
        T(test_canonical_address_msrs_rule),
        T(test_star_fmask_tsc_aux_reserved_rule),
        T(test_pat_memory_types_rule),
        T(test_mtrr_rules),
        T(test_mtrr_vcnt_limits_ranges_rule),
        T(test_vmx_capability_msrs_read_only_rule),
        T(test_model_only_msr_read_only_rule),
        T(test_tsc_and_tsc_adjust_rule),
        T(test_feature_control_lock_rule),
        T(test_feature_control_model_reset_rule),
        T(test_apic_base_rule),
        T(test_platform_msrs_first_rule),
        T(test_misc_enable_rule),
        T(test_spec_ctrl_pred_cmd_rule),
        T(test_xss_supported_bits_rule),
        T(test_debugctl_sysenter_cs_rule),
        T(test_machine_check_banks_rule),
        T(test_bios_sign_id_rule),
    };
    return cmocka_run_group_tests_name("msr", tests, NULL, NULL);
}
