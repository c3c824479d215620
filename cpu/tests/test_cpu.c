/*
 * cpu/tests/test_cpu.c: the RESET state (SDM Vol.3 10.1.1, Table 10-1), the
 * operating mode derived from CR0/EFER/RFLAGS/CS/SS (SDM Vol.3 2.2, 10.8.5)
 * and the TLB side effects of control-register writes (SDM Vol.3 4.10.4.1)
 * implemented in cpu/cpu.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>

#include "cpu/tests/fixture.h"

static int setup(void **state)
{
    *state = fixture_new();
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

/* SDM Vol.3 Table 10-1: the architectural register values after RESET. */
static void test_reset_state_matches_sdm_table(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    /* EDX holds CPUID.01H:EAX (family, model, stepping). */
    for (unsigned i = 0; i < fx->model.nleaves; i++)
        if (fx->model.leaves[i].leaf == 1)
            fx->model.leaves[i].reg[CPUID_EAX] = 0x00050654;
    cpu->gpr[R_RAX] = 0x1234;
    cpu->cr4 = CR4_PAE;
    cpu_reset(cpu);

    assert_int_equal(cpu->gpr[R_RAX], 0);
    assert_int_equal(cpu->gpr[R_RDX], 0x00050654);
    assert_int_equal(cpu->rip, 0xfff0);
    assert_int_equal(cpu->rflags, 0x2);
    assert_int_equal(cpu->seg[SEG_CS].sel, 0xf000);
    assert_int_equal(cpu->seg[SEG_CS].base, 0xffff0000ull);
    assert_int_equal(cpu->seg[SEG_CS].limit, 0xffff);
    assert_int_equal(cpu->seg[SEG_CS].ar, 0x93);
    assert_int_equal(cpu->seg[SEG_CS].base + cpu->rip, 0xfffffff0ull);
    for (unsigned s = SEG_ES; s <= SEG_GS; s++) {
        if (s == SEG_CS)
            continue;
        assert_int_equal(cpu->seg[s].sel, 0);
        assert_int_equal(cpu->seg[s].base, 0);
        assert_int_equal(cpu->seg[s].limit, 0xffff);
        assert_int_equal(cpu->seg[s].ar & 0xff, 0x93);
    }
    assert_int_equal(cpu->seg[SEG_LDTR].ar & 0xff, 0x82);
    assert_int_equal(cpu->gdtr.limit, 0xffff);
    assert_int_equal(cpu->idtr.base, 0);
    assert_int_equal(cpu->idtr.limit, 0xffff);
    assert_int_equal(cpu->cr0, 0x60000010ull);
    assert_int_equal(cpu->cr3, 0);
    assert_int_equal(cpu->cr4, 0);
    assert_int_equal(cpu->efer, 0);
    assert_int_equal(cpu->dr[6], 0xffff0ff0ull);
    assert_int_equal(cpu->dr[7], 0x400);
    assert_int_equal(cpu->fpu.fcw, 0x037f);
    assert_int_equal(cpu->fpu.mxcsr, 0x1f80);
    assert_int_equal(cpu->xcr0, 1);
    assert_int_equal(cpu->msr.pat, 0x0007040600070406ull);
    /* vCPU 0 is the BSP: APIC enabled at FEE00000H with the BSP flag. */
    assert_int_equal(cpu->msr.apic_base, 0xfee00900ull);
    assert_int_equal(cpu->mode, MODE_REAL);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->code_size, 2);
    assert_int_equal(cpu->activity, CPU_ACTIVE);
    assert_int_equal(cpu->delivering, -1);
}

/* SDM Vol.3 9.4.1 "BSP and AP Processors": after RESET the application
 * processors wait for a startup IPI; IA32_APIC_BASE.BSP is clear. */
static void test_reset_ap_waits_for_sipi(void **state)
{
    Fixture *fx = *state;
    Cpu ap;
    cpu_init(&ap, 1, &fx->model, &fx->pm, fx->icache, fx->cpu.bus, fx);
    cpu_reset(&ap);
    assert_int_equal(ap.activity, CPU_WAIT_SIPI);
    assert_int_equal(ap.msr.apic_base, 0xfee00800ull);
    assert_int_equal(ap.delivering, -1);
    /* Distinct vCPUs get distinct deterministic RNG seeds. */
    assert_true(ap.rng_state != fx->cpu.rng_state);
}

/* SDM Vol.3 10.8.5 "Initializing IA-32e Mode": EFER.LMA = 1 once CR0.PG
 * is set with EFER.LME = 1; CS.L then selects 64-bit or compatibility
 * mode; clearing PG leaves IA-32e mode. */
static void test_lma_follows_lme_and_pg(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    assert_int_equal(cpu->mode, MODE_PROT);
    assert_int_equal(cpu->code_size, 4);
    cpu_set_cr4(cpu, cpu->cr4 | CR4_PAE);
    cpu_set_efer(cpu, cpu->efer | EFER_LME);
    assert_false(cpu->efer & EFER_LMA);
    cpu_set_cr0(cpu, cpu->cr0 | CR0_PG);
    assert_true(cpu->efer & EFER_LMA);
    assert_int_equal(cpu->mode, MODE_COMPAT);
    cpu->seg[SEG_CS].ar = (cpu->seg[SEG_CS].ar & ~AR_DB) | AR_L;
    cpu_update_mode(cpu);
    assert_int_equal(cpu->mode, MODE_LONG64);
    assert_int_equal(cpu->code_size, 8);
    assert_int_equal(cpu->stack_size, 8);
    cpu_set_cr0(cpu, cpu->cr0 & ~CR0_PG);
    assert_false(cpu->efer & EFER_LMA);
    assert_true(cpu->efer & EFER_LME);
}

/* WRMSR cannot set EFER.LMA: it follows LME and PG (SDM Vol.4 Table 2-2). */
static void test_efer_lma_is_not_written(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    cpu_set_efer(cpu, EFER_LMA | EFER_SCE);
    assert_int_equal(cpu->efer, EFER_SCE);
}

/* CPL is SS.DPL in protected mode (conforming CS may have a lower DPL),
 * 3 in virtual-8086 mode, 0 in real mode (SDM Vol.3 5.5, 21.2.1). */
static void test_cpl_from_ss_dpl_v86_and_real(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    cpu->seg[SEG_CS].ar = 0xfu | AR_S | AR_P | AR_DB | AR_G;     /* conforming, DPL 0 */
    cpu->seg[SEG_SS].ar |= 3u << AR_DPL_SHIFT;
    cpu_update_mode(cpu);
    assert_int_equal(cpu->cpl, 3);
    cpu->rflags |= RFLAGS_VM;
    cpu_update_mode(cpu);
    assert_int_equal(cpu->mode, MODE_V86);
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->code_size, 2);
    cpu->rflags &= ~RFLAGS_VM;
    cpu_set_cr0(cpu, cpu->cr0 & ~CR0_PE);
    assert_int_equal(cpu->mode, MODE_REAL);
    assert_int_equal(cpu->cpl, 0);
    /* "Big real" mode: a 32-bit CS cached from protected mode stays. */
    assert_int_equal(cpu->code_size, 4);
}

static void fill(Cpu *cpu, uint64_t lin, bool global)
{
    tlb_fill(&cpu->tlb, TLB_SUPERVISOR, lin, lin, NULL, TLB_PERM_READ, global, 12);
}

static bool cached(const Cpu *cpu, uint64_t lin)
{
    return cpu->tlb.e[TLB_SUPERVISOR][tlb_index(lin)].lin != TLB_INVALID;
}

/* SDM Vol.3 4.10.4.1: MOV to CR3 invalidates non-global entries but keeps
 * global ones; with CR4.PCIDE = 1 and bit 63 set nothing is invalidated
 * and bit 63 is not stored. */
static void test_cr3_write_flushes_nonglobal_unless_preserved(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    fill(cpu, 0x5000, false);
    fill(cpu, 0x6000, true);
    cpu_set_cr3(cpu, cpu->cr3);
    assert_false(cached(cpu, 0x5000));
    assert_true(cached(cpu, 0x6000));

    cpu_set_cr4(cpu, cpu->cr4 | CR4_PCIDE);
    fill(cpu, 0x5000, false);
    cpu_set_cr3(cpu, cpu->cr3 | BIT(63));
    assert_true(cached(cpu, 0x5000));
    assert_false(cpu->cr3 & BIT(63));
}

/* SDM Vol.3 4.10.4.1: changing CR4.PGE or CR0.PG invalidates everything,
 * global entries included. */
static void test_cr4_pge_and_cr0_pg_flush_globals(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    cpu_set_cr4(cpu, cpu->cr4 | CR4_PGE);
    fill(cpu, 0x6000, true);
    cpu_set_cr4(cpu, cpu->cr4 & ~CR4_PGE);
    assert_false(cached(cpu, 0x6000));

    fill(cpu, 0x6000, true);
    cpu_set_cr4(cpu, cpu->cr4);          /* no change: nothing flushed */
    assert_true(cached(cpu, 0x6000));
    cpu_set_cr0(cpu, cpu->cr0 & ~CR0_PG);
    assert_false(cached(cpu, 0x6000));
}

/* SDM Vol.3 Table 10-1, "after INIT": registers and modes as after RESET,
 * but x87/SSE state, MSRs and CR0.CD/NW survive; an AP then waits for a
 * startup IPI, which starts it in real mode at VV00:0000. */
static void test_init_keeps_fpu_msrs_and_sipi_starts_ap(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    cpu->fpu.mxcsr = 0x1f00;
    cpu->msr.star = 0x1234;
    cpu->msr.apic_base &= ~0x100ull;          /* not the BSP */
    cpu_set_cr0(cpu, cpu->cr0 & ~CR0_CD & ~CR0_NW);
    cpu->gpr[R_RBX] = 7;
    cpu_init_signal(cpu);
    assert_int_equal(cpu->mode, MODE_REAL);
    assert_int_equal(cpu->efer, 0);
    assert_int_equal(cpu->cr0, CR0_ET);
    assert_int_equal(cpu->gpr[R_RBX], 0);
    assert_int_equal(cpu->fpu.mxcsr, 0x1f00);
    assert_int_equal(cpu->msr.star, 0x1234);
    assert_int_equal(cpu->activity, CPU_WAIT_SIPI);

    cpu_startup_ipi(cpu, 0x9a);
    assert_int_equal(cpu->activity, CPU_ACTIVE);
    assert_int_equal(cpu->seg[SEG_CS].sel, 0x9a00);
    assert_int_equal(cpu->seg[SEG_CS].base, 0x9a000);
    assert_int_equal(cpu->rip, 0);
    /* A second SIPI to a running processor is ignored. */
    cpu_startup_ipi(cpu, 0x10);
    assert_int_equal(cpu->seg[SEG_CS].base, 0x9a000);

    /* The BSP restarts at the reset vector. */
    cpu->msr.apic_base |= 0x100ull;
    cpu_init_signal(cpu);
    assert_int_equal(cpu->activity, CPU_ACTIVE);
    assert_int_equal(cpu->seg[SEG_CS].base + cpu->rip, 0xfffffff0ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_state_matches_sdm_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_ap_waits_for_sipi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lma_follows_lme_and_pg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_efer_lma_is_not_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpl_from_ss_dpl_v86_and_real, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cr3_write_flushes_nonglobal_unless_preserved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cr4_pge_and_cr0_pg_flush_globals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_keeps_fpu_msrs_and_sipi_starts_ap, setup, teardown),
    };
    return cmocka_run_group_tests_name("cpu", tests, NULL, NULL);
}
