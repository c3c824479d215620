/*
 * cpu/tests/test_ops_desc.c: descriptor-table and segment instructions of
 * cpu/ops_desc.c against the SDM Vol.2 pages cited in each test: LGDT/LIDT/
 * SGDT/SIDT operand sizes, canonical bases and UMIP; LLDT/LTR type,
 * presence and busy checks; LAR/LSL/VERR/VERW results; ARPL; SWAPGS;
 * RD/WR FS/GS BASE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/insn.h"
#include "cpu/msr.h"
#include "cpu/tests/fixture.h"
#include "cpu/tests/sys_helpers.h"

static int fx_setup(void **state)
{
    Fixture *fx = fixture_new();
    msr_reset(&fx->cpu);
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static void test_lgdt_sgdt_rule(void **state)
{
    /* SDM Vol.2A LGDT: 16-bit operand size keeps a 24-bit base; 64-bit
     * mode loads 8 bytes and needs a canonical base. SGDT stores a 32-bit
     * base outside 64-bit mode (6 bytes), 10 bytes in 64-bit mode. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    fixture_write_phys(fx, FX_DATA, 2, 0x1ff);
    fixture_write_phys(fx, FX_DATA + 2, 4, 0x12345678);
    DecodedInsn d = minsn(2, FX_DATA, 2, 4);
    assert_int_equal(op_lgdt_Ms(cpu, &d), ST_OK);
    assert_int_equal(cpu->gdtr.base, 0x345678);
    assert_int_equal(cpu->gdtr.limit, 0x1ff);
    d.opsize = 4;
    assert_int_equal(op_lidt_Ms(cpu, &d), ST_OK);
    assert_int_equal(cpu->idtr.base, 0x12345678);
    d = minsn(1, FX_DATA + 0x100, 4, 4);
    assert_int_equal(op_sidt_Ms(cpu, &d), ST_OK);
    assert_int_equal(fixture_read_phys(fx, FX_DATA + 0x100, 2), 0x1ff);
    assert_int_equal(fixture_read_phys(fx, FX_DATA + 0x102, 4), 0x12345678);
    set_cpl(cpu, 3);
    d = minsn(2, FX_DATA, 4, 4);
    expect_fault(cpu, op_lgdt_Ms(cpu, &d), EXC_GP, 0);
    assert_int_equal(op_sgdt_Ms(cpu, &d), ST_OK);
    cpu->cr4 |= CR4_UMIP;
    expect_fault(cpu, op_sgdt_Ms(cpu, &d), EXC_GP, 0);

    fixture_mode_long64(fx);
    fixture_write_phys(fx, FX_DATA + 2, 8, 0xffff800000001000ull);
    d = minsn(3, FX_DATA, 8, 8);
    assert_int_equal(op_lidt_Ms(cpu, &d), ST_OK);
    assert_int_equal(cpu->idtr.base, 0xffff800000001000ull);
    fixture_write_phys(fx, FX_DATA + 2, 8, 0x0000800000001000ull);
    expect_fault(cpu, op_lidt_Ms(cpu, &d), EXC_GP, 0);
    d = minsn(1, FX_DATA + 0x200, 8, 8);
    assert_int_equal(op_sidt_Ms(cpu, &d), ST_OK);
    assert_int_equal(fixture_read_phys(fx, FX_DATA + 0x202, 8), 0xffff800000001000ull);
}
static void test_lar_lsl_rule(void **state)
{
    /* SDM Vol.2A LAR: ZF = 1 and access rights (second dword & 00F0FF00H)
     * for a visible descriptor of an accepted type; LSL: the byte-granular
     * limit. Null, out-of-table, invisible (DPL < CPL or RPL) or wrong
     * types give ZF = 0 and leave the destination. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    gdt_set(fx, 5, 0x0040920012340fffull);    /* 0x28: data, DPL 0, G = 0 */
    gdt_set(fx, 6, 0x0000e20000000100ull);    /* 0x30: LDT, DPL 3 */
    gdt_set(fx, 7, 0x0000e40000000000ull);    /* 0x38: 16-bit call gate */
    gdt_set(fx, 8, 0x00cffa000000ffffull);    /* 0x40: code, DPL 3 */
    gdt_set(fx, 9, 0x0000e1000000ffffull);    /* 0x48: 16-bit TSS, DPL 3 */
    assert_int_equal(query(cpu, op_lar_Gv_Ew, 0x10, 4), ST_OK);
    assert_true(zf(cpu));
    assert_int_equal(cpu->gpr[R_RAX], 0x00cf9300 & 0x00f0ff00);
    assert_int_equal(query(cpu, op_lsl_Gv_Ew, 0x10, 4), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0xffffffff);
    assert_int_equal(query(cpu, op_lsl_Gv_Ew, 0x28, 4), ST_OK);
    assert_true(zf(cpu));
    assert_int_equal(cpu->gpr[R_RAX], 0x0fff);
    assert_int_equal(query(cpu, op_lsl_Gv_Ew, 0x10, 2), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0xffff);
    /* Null and beyond the GDT limit. */
    assert_int_equal(query(cpu, op_lar_Gv_Ew, 0x0, 4), ST_OK);
    assert_false(zf(cpu));
    assert_int_equal(cpu->gpr[R_RAX], 0xdead);
    assert_int_equal(query(cpu, op_lar_Gv_Ew, 0x50, 4), ST_OK);
    assert_false(zf(cpu));
    /* System types: LAR accepts a call gate, LSL does not. */
    assert_int_equal(query(cpu, op_lar_Gv_Ew, 0x38, 4), ST_OK);
    assert_true(zf(cpu));
    assert_int_equal(cpu->gpr[R_RAX], 0xe400);
    assert_int_equal(query(cpu, op_lsl_Gv_Ew, 0x38, 4), ST_OK);
    assert_false(zf(cpu));
    assert_int_equal(query(cpu, op_lsl_Gv_Ew, 0x30, 4), ST_OK);
    assert_true(zf(cpu));
    assert_int_equal(cpu->gpr[R_RAX], 0x100);
    /* Privilege: at CPL 3, the DPL 0 data segment is invisible, DPL 3
     * ones are visible; RPL 3 hides DPL 0 at CPL 0 too. */
    assert_int_equal(query(cpu, op_lar_Gv_Ew, 0x2b, 4), ST_OK);
    assert_false(zf(cpu));
    set_cpl(cpu, 3);
    assert_int_equal(query(cpu, op_lar_Gv_Ew, 0x28, 4), ST_OK);
    assert_false(zf(cpu));
    assert_int_equal(query(cpu, op_lar_Gv_Ew, 0x43, 4), ST_OK);
    assert_true(zf(cpu));
    /* IA-32e mode rejects 16-bit TSS types, and LAR the LDT type (Table
     * 3-57) while LSL still accepts it. */
    fixture_mode_compat32(fx);
    gdt_set(fx, 6, 0x0000e20000000100ull);
    gdt_set(fx, 9, 0x0000e1000000ffffull);
    assert_int_equal(query(cpu, op_lar_Gv_Ew, 0x30, 4), ST_OK);
    assert_false(zf(cpu));
    assert_int_equal(query(cpu, op_lsl_Gv_Ew, 0x30, 4), ST_OK);
    assert_true(zf(cpu));
    assert_int_equal(query(cpu, op_lar_Gv_Ew, 0x48, 4), ST_OK);
    assert_false(zf(cpu));
    assert_int_equal(query(cpu, op_lsl_Gv_Ew, 0x48, 4), ST_OK);
    assert_false(zf(cpu));
    /* Real mode: #UD. */
    fixture_mode_real(fx);
    expect_fault(cpu, query(cpu, op_lar_Gv_Ew, 0x10, 4), EXC_UD, 0);
}
static void test_verr_verw_rule(void **state)
{
    /* SDM Vol.2B VERR/VERW: readable (data or readable code) / writable
     * data, visible at CPL and RPL; conforming code is always visible. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    gdt_set(fx, 5, 0x00cf98000000ffffull);    /* 0x28: execute-only code */
    gdt_set(fx, 6, 0x00cf91000000ffffull);    /* 0x30: read-only data */
    gdt_set(fx, 7, 0x00cf9f000000ffffull);    /* 0x38: conforming readable code */
    assert_int_equal(query(cpu, op_verr_Ew, 0x08, 2), ST_OK);
    assert_true(zf(cpu));
    assert_int_equal(query(cpu, op_verw_Ew, 0x08, 2), ST_OK);
    assert_false(zf(cpu));
    assert_int_equal(query(cpu, op_verr_Ew, 0x28, 2), ST_OK);
    assert_false(zf(cpu));
    assert_int_equal(query(cpu, op_verr_Ew, 0x30, 2), ST_OK);
    assert_true(zf(cpu));
    assert_int_equal(query(cpu, op_verw_Ew, 0x30, 2), ST_OK);
    assert_false(zf(cpu));
    assert_int_equal(query(cpu, op_verw_Ew, 0x10, 2), ST_OK);
    assert_true(zf(cpu));
    set_cpl(cpu, 3);
    assert_int_equal(query(cpu, op_verw_Ew, 0x10, 2), ST_OK);
    assert_false(zf(cpu));
    assert_int_equal(query(cpu, op_verr_Ew, 0x3b, 2), ST_OK);
    assert_true(zf(cpu));
}
static void test_lldt_ltr_rule(void **state)
{
    /* SDM Vol.2A LLDT, LTR: descriptor type checks (#GP(sel)), not
     * present (#NP(sel)), CPL 0, protected mode only; LTR marks the TSS
     * busy in memory; LLDT with a null selector makes LDTR unusable. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    gdt_set(fx, 5, 0x0000823000000067ull);    /* 0x28: LDT at 0x300000 */
    gdt_set(fx, 6, 0x0000893100000067ull);    /* 0x30: 32-bit TSS, available */
    gdt_set(fx, 7, 0x0000023000000067ull);    /* 0x38: LDT, not present */
    DecodedInsn d = rinsn(2, R_RAX, 2);
    cpu->gpr[R_RAX] = 0x10;
    expect_fault(cpu, op_lldt_Ew(cpu, &d), EXC_GP, 0x10);
    cpu->gpr[R_RAX] = 0x38;
    expect_fault(cpu, op_lldt_Ew(cpu, &d), EXC_NP, 0x38);
    cpu->gpr[R_RAX] = 0x2c;                     /* TI = 1 */
    expect_fault(cpu, op_lldt_Ew(cpu, &d), EXC_GP, 0x2c);
    cpu->gpr[R_RAX] = 0x28;
    assert_int_equal(op_lldt_Ew(cpu, &d), ST_OK);
    assert_int_equal(cpu->seg[SEG_LDTR].base, 0x300000);
    assert_int_equal(cpu->seg[SEG_LDTR].limit, 0x67);
    assert_int_equal(cpu->seg[SEG_LDTR].sel, 0x28);
    cpu->gpr[R_RAX] = 0;
    assert_int_equal(op_lldt_Ew(cpu, &d), ST_OK);
    assert_true(cpu->seg[SEG_LDTR].ar & AR_UNUSABLE);

    d.reg = 3;
    cpu->gpr[R_RAX] = 0;
    expect_fault(cpu, op_ltr_Ew(cpu, &d), EXC_GP, 0);
    cpu->gpr[R_RAX] = 0x28;
    expect_fault(cpu, op_ltr_Ew(cpu, &d), EXC_GP, 0x28);
    cpu->gpr[R_RAX] = 0x30;
    assert_int_equal(op_ltr_Ew(cpu, &d), ST_OK);
    assert_int_equal(cpu->seg[SEG_TR].base, 0x310000);
    assert_int_equal(cpu->seg[SEG_TR].ar & AR_TYPE_MASK, 0xb);
    assert_int_equal((fixture_read_phys(fx, FX_GDT + 0x30, 8) >> 40) & 0xf, 0xb);
    /* Now busy: a second LTR is #GP(sel). */
    expect_fault(cpu, op_ltr_Ew(cpu, &d), EXC_GP, 0x30);
    d.reg = 1;
    d.opsize = 4;
    cpu->gpr[R_RBX] = ~0ull;
    d.rm = R_RBX;
    assert_int_equal(op_str_Ev(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RBX], 0x30);
    set_cpl(cpu, 3);
    d.rm = R_RAX;
    expect_fault(cpu, op_ltr_Ew(cpu, &d), EXC_GP, 0);
    expect_fault(cpu, op_lldt_Ew(cpu, &d), EXC_GP, 0);
    fixture_mode_real(fx);
    expect_fault(cpu, op_lldt_Ew(cpu, &d), EXC_UD, 0);
    expect_fault(cpu, op_sldt_Ev(cpu, &d), EXC_UD, 0);
}
static void test_ltr_ia32e_needs_64bit_tss_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    gdt_set(fx, 5, 0x0000813100000067ull);    /* 16-bit TSS: invalid here */
    gdt_set(fx, 6, 0x0000893100000067ull);    /* 64-bit TSS, 16 bytes */
    gdt_set(fx, 7, 0x00000000ffff8000ull);    /* upper half: base 63:32 */
    DecodedInsn d = rinsn(3, R_RAX, 2);
    cpu->gpr[R_RAX] = 0x28;
    expect_fault(cpu, op_ltr_Ew(cpu, &d), EXC_GP, 0x28);
    cpu->gpr[R_RAX] = 0x30;
    assert_int_equal(op_ltr_Ew(cpu, &d), ST_OK);
    assert_int_equal(cpu->seg[SEG_TR].base, 0xffff800000310000ull);
}
static void test_arpl_rule(void **state)
{
    /* SDM Vol.2A ARPL: raise the destination RPL to the source's; ZF. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    DecodedInsn d = rinsn(R_RBX, R_RAX, 2);
    cpu->gpr[R_RAX] = 0xffff0010;
    cpu->gpr[R_RBX] = 3;
    assert_int_equal(op_arpl_Ew_Gw(cpu, &d), ST_OK);
    assert_true(zf(cpu));
    assert_int_equal(cpu->gpr[R_RAX], 0xffff0013);
    assert_int_equal(op_arpl_Ew_Gw(cpu, &d), ST_OK);
    assert_false(zf(cpu));
    fixture_mode_real(fx);
    expect_fault(cpu, op_arpl_Ew_Gw(cpu, &d), EXC_UD, 0);
}
static void test_swapgs_rule(void **state)
{
    /* SDM Vol.2B SWAPGS: 64-bit mode only (#UD), CPL 0 (#GP(0)). */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    DecodedInsn d = rinsn(7, 0, 4);
    fixture_mode_compat32(fx);
    expect_fault(cpu, op_swapgs(cpu, &d), EXC_UD, 0);
    fixture_mode_long64(fx);
    cpu->seg[SEG_GS].base = 0x1000;
    cpu->msr.kernel_gs_base = 0xffff800000002000ull;
    assert_int_equal(op_swapgs(cpu, &d), ST_OK);
    assert_int_equal(cpu->seg[SEG_GS].base, 0xffff800000002000ull);
    assert_int_equal(cpu->msr.kernel_gs_base, 0x1000);
    set_cpl(cpu, 3);
    expect_fault(cpu, op_swapgs(cpu, &d), EXC_GP, 0);
}
static void test_fsgsbase_rule(void **state)
{
    /* SDM Vol.2B WRFSBASE: #UD without CR4.FSGSBASE, #GP(0) if
     * non-canonical; a 32-bit source zero-extends. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    DecodedInsn d = rinsn(2, R_RAX, 8);
    d.pfx = D_REXW;
    cpu->gpr[R_RAX] = 0xffff800000003000ull;
    expect_fault(cpu, op_wrfsbase_Ry(cpu, &d), EXC_UD, 0);
    cpu->cr4 |= CR4_FSGSBASE;
    assert_int_equal(op_wrfsbase_Ry(cpu, &d), ST_OK);
    assert_int_equal(cpu->seg[SEG_FS].base, 0xffff800000003000ull);
    cpu->gpr[R_RAX] = 0x0000800000000000ull;
    expect_fault(cpu, op_wrgsbase_Ry(cpu, &d), EXC_GP, 0);
    d.pfx = 0;
    cpu->gpr[R_RAX] = 0xffffffff80001000ull;
    assert_int_equal(op_wrgsbase_Ry(cpu, &d), ST_OK);
    assert_int_equal(cpu->seg[SEG_GS].base, 0x80001000ull);
    d.rm = R_RBX;
    cpu->gpr[R_RBX] = ~0ull;
    assert_int_equal(op_rdfsbase_Ry(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RBX], 0x00003000ull);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_lgdt_sgdt_rule),
        T(test_lar_lsl_rule),
        T(test_verr_verw_rule),
        T(test_lldt_ltr_rule),
        T(test_ltr_ia32e_needs_64bit_tss_rule),
        T(test_arpl_rule),
        T(test_swapgs_rule),
        T(test_fsgsbase_rule),
    };
    return cmocka_run_group_tests_name("ops_desc", tests, NULL, NULL);
}
