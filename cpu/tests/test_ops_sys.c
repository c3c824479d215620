/*
 * cpu/tests/test_ops_sys.c: system instructions of cpu/ops_sys.c against
 * the SDM Vol.2 pages cited in each test: MOV CR/DR checks, CLI/STI/PUSHF/
 * POPF with IOPL, VME and PVI, XSETBV validity, LAR/LSL/VERR/VERW results,
 * descriptor-table loads and stores, LLDT/LTR, TLB instructions, RDTSC,
 * SWAPGS, FSGSBASE, PKRU, HLT, MONITOR/MWAIT.
 *
 * Handlers are called directly with a DecodedInsn so each fault is seen
 * before delivery; one test runs the rows through the decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

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

static SimStatus mov_to_cr(Cpu *cpu, unsigned cr, uint64_t v)
{
    DecodedInsn d = rinsn(cr, R_RAX, 8);
    cpu->gpr[R_RAX] = v;
    return op_mov_Cy_Ry(cpu, &d);
}

/* ---- control registers ---- */

static void test_mov_cr0_combinations_rule(void **state)
{
    /* SDM Vol.2B MOV CR: PG without PE, NW without CD: #GP(0); reserved
     * bits 31:0 are ignored; bits 63:32 are #GP(0) in 64-bit mode. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    uint64_t cr0 = cpu->cr0 & ~(uint64_t)(CR0_CD | CR0_NW);
    expect_fault(cpu, mov_to_cr(cpu, 0, (cr0 | CR0_PG) & ~(uint64_t)CR0_PE), EXC_GP, 0);
    expect_fault(cpu, mov_to_cr(cpu, 0, cr0 | CR0_NW), EXC_GP, 0);
    assert_int_equal(mov_to_cr(cpu, 0, cr0 | BIT(20)), ST_OK);
    assert_int_equal(cpu->cr0, cr0 | CR0_ET);
    fixture_mode_long64(fx);
    expect_fault(cpu, mov_to_cr(cpu, 0, cpu->cr0 | BIT(32)), EXC_GP, 0);
    /* 64-bit mode: clearing PG is #GP(0). */
    expect_fault(cpu, mov_to_cr(cpu, 0, cpu->cr0 & ~(uint64_t)CR0_PG), EXC_GP, 0);
}

static void test_mov_cr0_real_to_protected_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_real(fx);
    assert_int_equal(mov_to_cr(cpu, 0, CR0_PE | CR0_ET), ST_OK);
    assert_int_equal(cpu->mode, MODE_PROT);
}

static void test_mov_cr0_ia32e_activation_rule(void **state)
{
    /* SDM Vol.3 10.8.5: PG with EFER.LME = 1 needs CR4.PAE = 1. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    cpu_set_efer(cpu, EFER_LME);
    expect_fault(cpu, mov_to_cr(cpu, 0, CR0_PE | CR0_PG), EXC_GP, 0);
    cpu_set_cr4(cpu, CR4_PAE);
    cpu_set_cr3(cpu, FX_PAGING);
    assert_int_equal(mov_to_cr(cpu, 0, CR0_PE | CR0_PG), ST_OK);
    assert_true(cpu->efer & EFER_LMA);
}

static void test_mov_cr_privilege_and_ud_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    DecodedInsn d = rinsn(1, R_RAX, 4);
    expect_fault(cpu, op_mov_Ry_Cy(cpu, &d), EXC_UD, 0);     /* CR1 */
    d.reg = 5;
    expect_fault(cpu, op_mov_Cy_Ry(cpu, &d), EXC_UD, 0);     /* CR5 */
    d.reg = 0;
    assert_int_equal(op_mov_Ry_Cy(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], cpu->cr0);
    set_cpl(cpu, 3);
    expect_fault(cpu, op_mov_Ry_Cy(cpu, &d), EXC_GP, 0);
    expect_fault(cpu, op_mov_Cy_Ry(cpu, &d), EXC_GP, 0);
    /* V86 runs at CPL 3: #GP(0) too. */
    set_cpl(cpu, 0);
    enter_v86(cpu);
    expect_fault(cpu, op_mov_Ry_Cy(cpu, &d), EXC_GP, 0);
}

static void test_mov_cr8_rule(void **state)
{
    /* CR8 (REX.R + CR0 encoding, 64-bit mode): bits 63:4 reserved. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    assert_int_equal(mov_to_cr(cpu, 8, 0xa), ST_OK);
    assert_int_equal(cpu->cr8, 0xa);
    expect_fault(cpu, mov_to_cr(cpu, 8, 0x10), EXC_GP, 0);
    DecodedInsn d = rinsn(8, R_RBX, 8);
    assert_int_equal(op_mov_Ry_Cy(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RBX], 0xa);
}

static void test_mov_cr4_reserved_and_ia32e_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    uint64_t cr4 = cpu->cr4;
    /* Bits not supported by the model (LA57 is off in the fixture; bit 15
     * is reserved everywhere) are #GP(0). */
    expect_fault(cpu, mov_to_cr(cpu, 4, cr4 | CR4_LA57), EXC_GP, 0);
    expect_fault(cpu, mov_to_cr(cpu, 4, cr4 | BIT(15)), EXC_GP, 0);
    cpu_model_set_feature(&fx->model, FEAT_SMEP, false);
    cpu_model_derive(&fx->model);
    expect_fault(cpu, mov_to_cr(cpu, 4, cr4 | CR4_SMEP), EXC_GP, 0);
    /* Clearing PAE in IA-32e mode leaves it: #GP(0). */
    expect_fault(cpu, mov_to_cr(cpu, 4, cr4 & ~(uint64_t)CR4_PAE), EXC_GP, 0);
    assert_int_equal(mov_to_cr(cpu, 4, cr4 | CR4_OSXSAVE | CR4_PGE), ST_OK);
    assert_int_equal(cpu->cr4, cr4 | CR4_OSXSAVE | CR4_PGE);
}

static void test_cr4_pcide_rules(void **state)
{
    /* SDM Vol.3 4.10.1: PCIDE 0 -> 1 needs IA-32e mode and CR3[11:0] = 0;
     * clearing CR0.PG with PCIDE = 1 is #GP(0). */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    expect_fault(cpu, mov_to_cr(cpu, 4, cpu->cr4 | CR4_PCIDE), EXC_GP, 0);
    fixture_mode_compat32(fx);
    cpu_set_cr3(cpu, FX_PAGING | 0x8);
    expect_fault(cpu, mov_to_cr(cpu, 4, cpu->cr4 | CR4_PCIDE), EXC_GP, 0);
    cpu_set_cr3(cpu, FX_PAGING);
    assert_int_equal(mov_to_cr(cpu, 4, cpu->cr4 | CR4_PCIDE), ST_OK);
    expect_fault(cpu, mov_to_cr(cpu, 0, cpu->cr0 & ~(uint64_t)CR0_PG), EXC_GP, 0);
}

static void test_mov_cr3_reserved_rule(void **state)
{
    /* IA-32e mode: CR3 bits at or above MAXPHYADDR (48) reserved; bit 63
     * is the no-invalidate flag only with CR4.PCIDE = 1 and is not
     * stored. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    expect_fault(cpu, mov_to_cr(cpu, 3, FX_PAGING | BIT(48)), EXC_GP, 0);
    expect_fault(cpu, mov_to_cr(cpu, 3, FX_PAGING | BIT(63)), EXC_GP, 0);
    assert_int_equal(mov_to_cr(cpu, 4, cpu->cr4 | CR4_PCIDE), ST_OK);
    assert_int_equal(mov_to_cr(cpu, 3, FX_PAGING | BIT(63) | 5), ST_OK);
    assert_int_equal(cpu->cr3, FX_PAGING | 5);
    /* Legacy mode: 32 bits, reserved bits ignored. */
    fixture_mode_prot32(fx);
    assert_int_equal(mov_to_cr(cpu, 3, 0x12345fff), ST_OK);
    assert_int_equal(cpu->cr3, 0x12345fff);
}

static void test_pae_pdpte_load_rule(void **state)
{
    /* SDM Vol.3 4.4.1: MOV to CR0 enabling PAE paging loads the PDPTEs; a
     * present PDPTE with reserved bits set makes the MOV #GP(0) and changes
     * nothing. MOV to CR3 reloads them. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    uint64_t pdpt = 0x30000;
    fixture_write_phys(fx, pdpt, 8, 0x40001);
    fixture_write_phys(fx, pdpt + 8, 8, 0x41001 | BIT(5));     /* reserved */
    cpu_set_cr4(cpu, CR4_PAE);
    cpu_set_cr3(cpu, pdpt);
    uint64_t cr0 = cpu->cr0;
    expect_fault(cpu, mov_to_cr(cpu, 0, cr0 | CR0_PG), EXC_GP, 0);
    assert_int_equal(cpu->cr0, cr0);
    fixture_write_phys(fx, pdpt + 8, 8, 0x41001);
    assert_int_equal(mov_to_cr(cpu, 0, cr0 | CR0_PG), ST_OK);
    assert_int_equal(cpu->pdpte[0], 0x40001);
    assert_int_equal(cpu->pdpte[1], 0x41001);
    fixture_write_phys(fx, pdpt + 0x20, 8, 0x50001);
    assert_int_equal(mov_to_cr(cpu, 3, pdpt + 0x20), ST_OK);
    assert_int_equal(cpu->pdpte[0], 0x50001);
    fixture_write_phys(fx, pdpt + 0x40, 8, 0x1 | BIT(1));
    expect_fault(cpu, mov_to_cr(cpu, 3, pdpt + 0x40), EXC_GP, 0);
    assert_int_equal(cpu->cr3, pdpt + 0x20);
}

static void test_lmsw_smsw_clts_rule(void **state)
{
    /* SDM Vol.2A LMSW: loads PE, MP, EM, TS; cannot clear PE. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    DecodedInsn d = rinsn(6, R_RAX, 2);
    cpu->gpr[R_RAX] = CR0_MP | CR0_TS;          /* PE = 0 */
    assert_int_equal(op_lmsw_Ew(cpu, &d), ST_OK);
    assert_true(cpu->cr0 & CR0_PE);
    assert_true(cpu->cr0 & CR0_TS);
    assert_true(cpu->cr0 & CR0_MP);
    assert_int_equal(op_clts(cpu, &d), ST_OK);
    assert_false(cpu->cr0 & CR0_TS);
    d = rinsn(4, R_RBX, 4);
    cpu->gpr[R_RBX] = ~0ull;
    assert_int_equal(op_smsw_Ev(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RBX], cpu->cr0 & 0xffffffff);
    set_cpl(cpu, 3);
    expect_fault(cpu, op_lmsw_Ew(cpu, &d), EXC_GP, 0);
    expect_fault(cpu, op_clts(cpu, &d), EXC_GP, 0);
    assert_int_equal(op_smsw_Ev(cpu, &d), ST_OK);       /* no UMIP */
    cpu->cr4 |= CR4_UMIP;
    expect_fault(cpu, op_smsw_Ev(cpu, &d), EXC_GP, 0);
}

/* ---- debug registers ---- */

static void test_mov_dr_rules(void **state)
{
    /* SDM Vol.3 18.2: DR4/DR5 alias DR6/DR7 unless CR4.DE (#UD); DR7.GD
     * turns any MOV DR into #DB with DR6.BD set; fixed bits of DR6/DR7. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    DecodedInsn d = rinsn(4, R_RAX, 8);
    assert_int_equal(op_mov_Ry_Dy(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0xffff0ff0);
    cpu->gpr[R_RAX] = 0;
    d.reg = 5;
    assert_int_equal(op_mov_Dy_Ry(cpu, &d), ST_OK);     /* DR7 */
    assert_int_equal(cpu->dr[7], 0x400);
    cpu->cr4 |= CR4_DE;
    expect_fault(cpu, op_mov_Dy_Ry(cpu, &d), EXC_UD, 0);
    d.reg = 9;
    expect_fault(cpu, op_mov_Ry_Dy(cpu, &d), EXC_UD, 0);
    d.reg = 7;
    cpu->gpr[R_RAX] = BIT(32);
    expect_fault(cpu, op_mov_Dy_Ry(cpu, &d), EXC_GP, 0);
    cpu->gpr[R_RAX] = 0xffffffff;
    assert_int_equal(op_mov_Dy_Ry(cpu, &d), ST_OK);
    assert_int_equal(cpu->dr[7], 0xffff27ff);
    d.reg = 6;
    cpu->gpr[R_RAX] = 0;
    expect_fault(cpu, op_mov_Dy_Ry(cpu, &d), EXC_DB, 0);
    assert_true(cpu->dr[6] & BIT(13));
    assert_false(cpu->dr[7] & BIT(13));
    assert_int_equal(op_mov_Dy_Ry(cpu, &d), ST_OK);
    assert_int_equal(cpu->dr[6], 0xffff0ff0);
    d.reg = 0;
    cpu->gpr[R_RAX] = 0xffff800000001000ull;
    assert_int_equal(op_mov_Dy_Ry(cpu, &d), ST_OK);
    assert_int_equal(cpu->dr[0], 0xffff800000001000ull);
    set_cpl(cpu, 3);
    expect_fault(cpu, op_mov_Ry_Dy(cpu, &d), EXC_GP, 0);
}

/* ---- CLI, STI, PUSHF, POPF ---- */

static void test_cli_sti_iopl_rule(void **state)
{
    /* SDM Vol.2A CLI, Vol.2B STI: protected mode needs IOPL >= CPL; at
     * CPL 3 with CR4.PVI the virtual flag changes instead. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    DecodedInsn d = rinsn(0, 0, 4);
    fixture_mode_prot32(fx);
    set_cpl(cpu, 3);
    cpu->rflags |= RFLAGS_IF;
    set_iopl(cpu, 0);
    expect_fault(cpu, op_cli(cpu, &d), EXC_GP, 0);
    expect_fault(cpu, op_sti(cpu, &d), EXC_GP, 0);
    set_iopl(cpu, 3);
    assert_int_equal(op_cli(cpu, &d), ST_OK);
    assert_false(cpu->rflags & RFLAGS_IF);
    set_iopl(cpu, 0);
    cpu->cr4 |= CR4_PVI;
    cpu->rflags |= RFLAGS_VIF;
    assert_int_equal(op_cli(cpu, &d), ST_OK);
    assert_false(cpu->rflags & RFLAGS_VIF);
    assert_int_equal(op_sti(cpu, &d), ST_OK);
    assert_true(cpu->rflags & RFLAGS_VIF);
    assert_false(cpu->rflags & RFLAGS_IF);
    assert_false(cpu->sti_shadow);
    /* A pending virtual interrupt makes STI #GP(0). */
    cpu->rflags |= RFLAGS_VIP;
    expect_fault(cpu, op_sti(cpu, &d), EXC_GP, 0);
    /* PVI only applies at CPL 3. */
    set_cpl(cpu, 1);
    expect_fault(cpu, op_cli(cpu, &d), EXC_GP, 0);
}

static void test_cli_sti_v86_rule(void **state)
{
    /* V86: IOPL 3 changes IF; otherwise VME changes VIF, else #GP(0). */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    DecodedInsn d = rinsn(0, 0, 2);
    fixture_mode_prot32(fx);
    enter_v86(cpu);
    set_iopl(cpu, 0);
    expect_fault(cpu, op_cli(cpu, &d), EXC_GP, 0);
    cpu->cr4 |= CR4_VME;
    cpu->rflags |= RFLAGS_IF | RFLAGS_VIF;
    assert_int_equal(op_cli(cpu, &d), ST_OK);
    assert_true(cpu->rflags & RFLAGS_IF);
    assert_false(cpu->rflags & RFLAGS_VIF);
    set_iopl(cpu, 3);
    assert_int_equal(op_cli(cpu, &d), ST_OK);
    assert_false(cpu->rflags & RFLAGS_IF);
}

static void test_sti_shadow_only_when_if_was_clear_rule(void **state)
{
    /* SDM Vol.2B STI: interrupts stay blocked for one instruction only if
     * IF was 0 before STI. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    DecodedInsn d = rinsn(0, 0, 4);
    fixture_mode_prot32(fx);
    cpu->rflags &= ~(uint64_t)RFLAGS_IF;
    assert_int_equal(op_sti(cpu, &d), ST_OK);
    assert_true(cpu->rflags & RFLAGS_IF);
    assert_true(cpu->sti_shadow);
    cpu->sti_shadow = false;
    assert_int_equal(op_sti(cpu, &d), ST_OK);
    assert_false(cpu->sti_shadow);
}

static uint64_t stack_top(Fixture *fx, unsigned size)
{
    return fixture_read_phys(fx, fx->cpu.gpr[R_RSP], size);
}

static void test_pushf_image_rule(void **state)
{
    /* SDM Vol.2B PUSHF: VM and RF are 0 in the image; V86 with IOPL < 3
     * needs VME and a 16-bit operand (IF replaced by VIF, IOPL 3). */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    DecodedInsn d = rinsn(0, 0, 4);
    fixture_mode_prot32(fx);
    cpu->rflags = RFLAGS_FIXED1 | RFLAGS_RF | RFLAGS_CF | RFLAGS_AC;
    assert_int_equal(op_pushf(cpu, &d), ST_OK);
    assert_int_equal(stack_top(fx, 4), RFLAGS_FIXED1 | RFLAGS_CF | RFLAGS_AC);
    enter_v86(cpu);
    cpu->seg[SEG_SS].base = 0;
    cpu->gpr[R_RSP] = 0x8000;
    expect_fault(cpu, op_pushf(cpu, &d), EXC_GP, 0);
    cpu->cr4 |= CR4_VME;
    expect_fault(cpu, op_pushf(cpu, &d), EXC_GP, 0);     /* 32-bit */
    d.opsize = 2;
    cpu->rflags |= RFLAGS_VIF;
    cpu->rflags &= ~(uint64_t)RFLAGS_IF;
    assert_int_equal(op_pushf(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RSP], 0x7ffe);
    assert_int_equal(stack_top(fx, 2), RFLAGS_FIXED1 | RFLAGS_CF | RFLAGS_IF | RFLAGS_IOPL);
}

static SimStatus popf_value(Fixture *fx, unsigned size, uint64_t v)
{
    Cpu *cpu = &fx->cpu;
    cpu->gpr[R_RSP] -= size;
    fixture_write_phys(fx, cpu->seg[SEG_SS].base + cpu->gpr[R_RSP], size, v);
    DecodedInsn d = rinsn(0, 0, size);
    return op_popf(cpu, &d);
}

static void test_popf_privilege_rule(void **state)
{
    /* SDM Vol.2B POPF: IOPL changes only at CPL 0; IF only when CPL <=
     * IOPL; 32-bit POPF clears RF and leaves VM, VIP, VIF. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    uint64_t all = RFLAGS_CF | RFLAGS_IF | RFLAGS_IOPL | RFLAGS_AC | RFLAGS_ID
                   | RFLAGS_VIF | RFLAGS_VIP | RFLAGS_VM | RFLAGS_RF;
    cpu->rflags = RFLAGS_FIXED1;
    assert_int_equal(popf_value(fx, 4, all), ST_OK);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_CF | RFLAGS_IF | RFLAGS_IOPL
                                   | RFLAGS_AC | RFLAGS_ID);
    assert_int_equal(cpu->mode, MODE_PROT);
    set_cpl(cpu, 3);
    set_iopl(cpu, 0);
    cpu->rflags |= RFLAGS_IF;
    assert_int_equal(popf_value(fx, 4, RFLAGS_ZF | RFLAGS_IOPL), ST_OK);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_ZF | RFLAGS_IF);
    set_iopl(cpu, 3);
    assert_int_equal(popf_value(fx, 4, 0), ST_OK);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_IOPL);
    /* 16-bit POPF leaves bits 31:16 alone. */
    cpu->rflags |= RFLAGS_AC;
    assert_int_equal(popf_value(fx, 2, RFLAGS_CF), ST_OK);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_CF | RFLAGS_IOPL | RFLAGS_AC);
}

static void test_popf_v86_rule(void **state)
{
    /* V86 with IOPL < 3: #GP(0) without VME or with a 32-bit operand;
     * under VME popped IF goes to VIF; TF = 1, or IF = 1 with VIP, #GP(0). */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    enter_v86(cpu);
    cpu->seg[SEG_SS].base = 0;
    cpu->gpr[R_RSP] = 0x8000;
    set_iopl(cpu, 0);
    expect_fault(cpu, popf_value(fx, 2, RFLAGS_CF), EXC_GP, 0);
    assert_int_equal(cpu->gpr[R_RSP], 0x7ffe);          /* not popped */
    cpu->gpr[R_RSP] = 0x8000;
    cpu->cr4 |= CR4_VME;
    expect_fault(cpu, popf_value(fx, 4, RFLAGS_CF), EXC_GP, 0);
    cpu->gpr[R_RSP] = 0x8000;
    assert_int_equal(popf_value(fx, 2, RFLAGS_CF | RFLAGS_IF | RFLAGS_IOPL), ST_OK);
    assert_int_equal(cpu->gpr[R_RSP], 0x8000);
    assert_true(cpu->rflags & RFLAGS_VIF);
    assert_false(cpu->rflags & RFLAGS_IF);
    assert_int_equal(cpu->rflags & RFLAGS_IOPL, 0);
    assert_true(cpu->rflags & RFLAGS_CF);
    assert_true(cpu->rflags & RFLAGS_VM);
    expect_fault(cpu, popf_value(fx, 2, RFLAGS_TF), EXC_GP, 0);
    cpu->gpr[R_RSP] = 0x8000;
    cpu->rflags |= RFLAGS_VIP;
    expect_fault(cpu, popf_value(fx, 2, RFLAGS_IF), EXC_GP, 0);
    cpu->gpr[R_RSP] = 0x8000;
    assert_int_equal(popf_value(fx, 2, 0), ST_OK);
    assert_false(cpu->rflags & RFLAGS_VIF);
}

/* ---- XCR0, PKRU ---- */

static SimStatus xsetbv(Cpu *cpu, uint32_t ecx, uint64_t v)
{
    DecodedInsn d = rinsn(2, 1, 4);
    cpu->gpr[R_RCX] = ecx;
    cpu->gpr[R_RAX] = v & 0xffffffff;
    cpu->gpr[R_RDX] = v >> 32;
    return op_xsetbv(cpu, &d);
}

static void test_xsetbv_validity_rule(void **state)
{
    /* SDM Vol.2B XSETBV, Vol.1 13.3: #UD without CR4.OSXSAVE; #GP(0) at
     * CPL > 0, ECX != 0, XCR0[0] = 0, AVX without SSE, bits not in
     * CPUID.(0DH,0):EDX:EAX. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    ((CpuidLeaf *)cpu_model_leaf(&fx->model, 0xd, 0))->reg[CPUID_EAX] = 0x207;
    expect_fault(cpu, xsetbv(cpu, 0, 3), EXC_UD, 0);
    cpu->cr4 |= CR4_OSXSAVE;
    expect_fault(cpu, xsetbv(cpu, 1, 3), EXC_GP, 0);
    expect_fault(cpu, xsetbv(cpu, 0, 2), EXC_GP, 0);
    expect_fault(cpu, xsetbv(cpu, 0, 5), EXC_GP, 0);
    expect_fault(cpu, xsetbv(cpu, 0, 0xb), EXC_GP, 0);    /* bit 3 unsupported */
    expect_fault(cpu, xsetbv(cpu, 0, BIT(32) | 3), EXC_GP, 0);
    assert_int_equal(xsetbv(cpu, 0, 0x207), ST_OK);
    assert_int_equal(cpu->xcr0, 0x207);
    DecodedInsn d = rinsn(2, 0, 4);
    cpu->gpr[R_RCX] = 0;
    assert_int_equal(op_xgetbv(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0x207);
    assert_int_equal(cpu->gpr[R_RDX], 0);
    cpu->gpr[R_RCX] = 2;
    expect_fault(cpu, op_xgetbv(cpu, &d), EXC_GP, 0);
    set_cpl(cpu, 3);
    expect_fault(cpu, xsetbv(cpu, 0, 3), EXC_GP, 0);
    cpu->gpr[R_RCX] = 0;
    assert_int_equal(op_xgetbv(cpu, &d), ST_OK);          /* any CPL */
}

static void test_xsetbv_avx512_group_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    ((CpuidLeaf *)cpu_model_leaf(&fx->model, 0xd, 0))->reg[CPUID_EAX] = 0xe7;
    cpu->cr4 |= CR4_OSXSAVE;
    expect_fault(cpu, xsetbv(cpu, 0, 0x23), EXC_GP, 0);    /* opmask only */
    expect_fault(cpu, xsetbv(cpu, 0, 0xe3), EXC_GP, 0);    /* without AVX */
    assert_int_equal(xsetbv(cpu, 0, 0xe7), ST_OK);
}

static void test_pkru_rule(void **state)
{
    /* SDM Vol.2B RDPKRU/WRPKRU: #UD without CR4.PKE; ECX (and EDX) must
     * be 0. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    DecodedInsn d = rinsn(5, 7, 4);
    cpu->gpr[R_RAX] = 0x55;
    cpu->gpr[R_RCX] = cpu->gpr[R_RDX] = 0;
    expect_fault(cpu, op_wrpkru(cpu, &d), EXC_UD, 0);
    cpu->cr4 |= CR4_PKE;
    cpu->gpr[R_RDX] = 1;
    expect_fault(cpu, op_wrpkru(cpu, &d), EXC_GP, 0);
    cpu->gpr[R_RDX] = 0;
    assert_int_equal(op_wrpkru(cpu, &d), ST_OK);
    cpu->gpr[R_RAX] = 0;
    cpu->gpr[R_RDX] = 7;
    assert_int_equal(op_rdpkru(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0x55);
    assert_int_equal(cpu->gpr[R_RDX], 0);
    cpu->gpr[R_RCX] = 1;
    expect_fault(cpu, op_rdpkru(cpu, &d), EXC_GP, 0);
}

/* ---- TLB, caches, time ---- */

static void test_invlpg_invpcid_rule(void **state)
{
    /* SDM Vol.2A INVLPG: CPL 0. INVPCID: type > 3, reserved descriptor
     * bits, PCID != 0 for types 0/1 without CR4.PCIDE, and a
     * non-canonical type-0 address are #GP(0). */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    DecodedInsn d = minsn(7, 0x0000800000000000ull, 8, 8);
    assert_int_equal(op_invlpg_Mb(cpu, &d), ST_OK);      /* non-canonical: NOP */
    d.disp = FX_DATA;
    assert_int_equal(op_invlpg_Mb(cpu, &d), ST_OK);
    d = minsn(R_RAX, FX_DATA, 8, 8);
    fixture_write_phys(fx, FX_DATA, 8, 0);
    fixture_write_phys(fx, FX_DATA + 8, 8, 0x1000);
    cpu->gpr[R_RAX] = 4;
    expect_fault(cpu, op_invpcid_Gy_Mdq(cpu, &d), EXC_GP, 0);
    for (uint64_t t = 0; t < 4; t++) {
        cpu->gpr[R_RAX] = t;
        assert_int_equal(op_invpcid_Gy_Mdq(cpu, &d), ST_OK);
    }
    fixture_write_phys(fx, FX_DATA, 8, 1);
    cpu->gpr[R_RAX] = 1;
    expect_fault(cpu, op_invpcid_Gy_Mdq(cpu, &d), EXC_GP, 0);
    cpu->gpr[R_RAX] = 2;
    assert_int_equal(op_invpcid_Gy_Mdq(cpu, &d), ST_OK);
    fixture_write_phys(fx, FX_DATA, 8, 0x1000);
    expect_fault(cpu, op_invpcid_Gy_Mdq(cpu, &d), EXC_GP, 0);
    fixture_write_phys(fx, FX_DATA, 8, 0);
    fixture_write_phys(fx, FX_DATA + 8, 8, 0x0000800000000000ull);
    cpu->gpr[R_RAX] = 0;
    expect_fault(cpu, op_invpcid_Gy_Mdq(cpu, &d), EXC_GP, 0);
    set_cpl(cpu, 3);
    expect_fault(cpu, op_invpcid_Gy_Mdq(cpu, &d), EXC_GP, 0);
    expect_fault(cpu, op_invlpg_Mb(cpu, &d), EXC_GP, 0);
    expect_fault(cpu, op_wbinvd(cpu, &d), EXC_GP, 0);
    expect_fault(cpu, op_invd(cpu, &d), EXC_GP, 0);
}

static void test_clflush_checks_address_rule(void **state)
{
    /* CLFLUSH faults like a byte load: a limit violation is #GP(0). */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    cpu->seg[SEG_DS].limit = 0xffff;
    DecodedInsn d = minsn(7, 0x10000, 4, 4);
    expect_fault(cpu, op_clflush_Mb(cpu, &d), EXC_GP, 0);
    d.disp = 0xfff0;
    assert_int_equal(op_clflush_Mb(cpu, &d), ST_OK);
}

static void test_rdtsc_tsd_rule(void **state)
{
    /* SDM Vol.2B RDTSC/RDTSCP: #GP(0) with CR4.TSD at CPL > 0; the value
     * is the virtual clock plus IA32_TSC_ADJUST; RDTSCP also loads
     * IA32_TSC_AUX into ECX. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    DecodedInsn d = rinsn(0, 0, 4);
    cpu->cycles = 0x123456789ull;
    cpu->msr.tsc_adjust = 1;
    cpu->msr.tsc_aux = 7;
    cpu->gpr[R_RAX] = cpu->gpr[R_RDX] = ~0ull;
    assert_int_equal(op_rdtscp(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0x2345678a);
    assert_int_equal(cpu->gpr[R_RDX], 0x1);
    assert_int_equal(cpu->gpr[R_RCX], 7);
    set_cpl(cpu, 3);
    assert_int_equal(op_rdtsc(cpu, &d), ST_OK);
    cpu->cr4 |= CR4_TSD;
    expect_fault(cpu, op_rdtsc(cpu, &d), EXC_GP, 0);
    expect_fault(cpu, op_rdtscp(cpu, &d), EXC_GP, 0);
    d.rm = R_RBX;
    assert_int_equal(op_rdpid_Ry(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RBX], 7);
}

static void test_rdpmc_counter_rule(void **state)
{
    /* SDM Vol.2B RDPMC: #GP(0) for an invalid counter or at CPL > 0
     * without CR4.PCE. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    DecodedInsn d = rinsn(0, 0, 4);
    cpu->gpr[R_RCX] = 0;
    expect_fault(cpu, op_rdpmc(cpu, &d), EXC_GP, 0);     /* no leaf 0AH */
    CpuModel *m = &fx->model;
    m->leaves = g_renew(CpuidLeaf, m->leaves, m->nleaves + 1);
    m->leaves[m->nleaves++] = (CpuidLeaf){ 0xa, 0, false, { 0x07300404, 0, 0, 0x603 } };
    assert_int_equal(op_rdpmc(cpu, &d), ST_OK);
    cpu->gpr[R_RCX] = 4;
    expect_fault(cpu, op_rdpmc(cpu, &d), EXC_GP, 0);
    cpu->gpr[R_RCX] = BIT(30) | 2;
    assert_int_equal(op_rdpmc(cpu, &d), ST_OK);
    cpu->gpr[R_RCX] = BIT(30) | 3;
    expect_fault(cpu, op_rdpmc(cpu, &d), EXC_GP, 0);
    cpu->gpr[R_RCX] = 0;
    set_cpl(cpu, 3);
    expect_fault(cpu, op_rdpmc(cpu, &d), EXC_GP, 0);
    cpu->cr4 |= CR4_PCE;
    assert_int_equal(op_rdpmc(cpu, &d), ST_OK);
}

/* ---- halting, waiting, invalid ---- */

static void test_hlt_rule(void **state)
{
    /* SDM Vol.2A HLT: CPL 0; the vCPU sleeps. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    DecodedInsn d = rinsn(0, 0, 4);
    set_cpl(cpu, 3);
    expect_fault(cpu, op_hlt(cpu, &d), EXC_GP, 0);
    assert_int_equal(cpu->activity, CPU_ACTIVE);
    set_cpl(cpu, 0);
    assert_int_equal(op_hlt(cpu, &d), ST_HALT);
    assert_int_equal(cpu->activity, CPU_HLT);
}

static void test_monitor_mwait_rule(void **state)
{
    /* SDM Vol.2B MONITOR/MWAIT: #UD at CPL > 0 or with IA32_MISC_ENABLE
     * [18] clear; nonzero MONITOR extensions or unsupported MWAIT ECX
     * bits are #GP(0). */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    msr_reset(cpu);
    DecodedInsn d = rinsn(1, 0, 8);
    cpu->gpr[R_RAX] = FX_DATA;
    cpu->gpr[R_RCX] = 0;
    assert_int_equal(op_monitor(cpu, &d), ST_OK);
    cpu->gpr[R_RCX] = 1;
    expect_fault(cpu, op_monitor(cpu, &d), EXC_GP, 0);
    expect_fault(cpu, op_mwait(cpu, &d), EXC_GP, 0);       /* no 05H:ECX[1] */
    cpu->gpr[R_RCX] = 0;
    cpu->rflags |= RFLAGS_IF;
    assert_int_equal(op_mwait(cpu, &d), ST_HALT);
    assert_int_equal(cpu->activity, CPU_HLT);
    cpu->activity = CPU_ACTIVE;
    cpu->rflags &= ~(uint64_t)RFLAGS_IF;
    assert_int_equal(op_mwait(cpu, &d), ST_OK);             /* early exit */
    assert_int_equal(cpu->activity, CPU_ACTIVE);
    cpu->msr.misc_enable &= ~BIT(18);
    expect_fault(cpu, op_monitor(cpu, &d), EXC_UD, 0);
    cpu->msr.misc_enable |= BIT(18);
    set_cpl(cpu, 3);
    expect_fault(cpu, op_mwait(cpu, &d), EXC_UD, 0);
}

static void test_clac_stac_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    DecodedInsn d = rinsn(1, 3, 4);
    assert_int_equal(op_stac(cpu, &d), ST_OK);
    assert_true(cpu->rflags & RFLAGS_AC);
    assert_int_equal(op_clac(cpu, &d), ST_OK);
    assert_false(cpu->rflags & RFLAGS_AC);
    set_cpl(cpu, 3);
    expect_fault(cpu, op_stac(cpu, &d), EXC_UD, 0);
}

static void test_ud_rule(void **state)
{
    Fixture *fx = *state;
    DecodedInsn d = rinsn(0, 0, 4);
    expect_fault(&fx->cpu, op_ud(&fx->cpu, &d), EXC_UD, 0);
}

/* ---- through the decoder ---- */

static void test_sys_rows_decode_rule(void **state)
{
    /* The insn_sys.def rows decode to these handlers: mov rax, cr0; mov
     * rbx, cr4; mov cr4, rbx; cli; sti; pushfq; popfq; rdtsc; lfence;
     * swapgs; swapgs; xor ecx, ecx ... rdmsr of IA32_PAT; hlt. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    static const uint8_t code[] = {
        0x0f, 0x20, 0xc0,                    /* mov rax, cr0 */
        0x0f, 0x20, 0xe3,                    /* mov rbx, cr4 */
        0x0f, 0x22, 0xe3,                    /* mov cr4, rbx */
        0xfa, 0xfb,                          /* cli; sti */
        0x9c, 0x9d,                          /* pushfq; popfq */
        0x0f, 0x31,                          /* rdtsc */
        0x0f, 0xae, 0xe8,                    /* lfence */
        0x0f, 0x01, 0xf8, 0x0f, 0x01, 0xf8,  /* swapgs x2 */
        0xb9, 0x77, 0x02, 0x00, 0x00,        /* mov ecx, 0x277 */
        0x0f, 0x32,                          /* rdmsr */
        0xf4,                                /* hlt */
    };
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(fixture_run(fx, sizeof(code), 100), ST_HALT);
    assert_int_equal(cpu->rip, FX_CODE + sizeof(code));
    assert_int_equal(cpu->activity, CPU_HLT);
    assert_int_equal(cpu->gpr[R_RAX], 0x00070406);
    assert_int_equal(cpu->gpr[R_RDX], 0x00070406);
    assert_true(cpu->rflags & RFLAGS_IF);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_mov_cr0_combinations_rule),
        T(test_mov_cr0_real_to_protected_rule),
        T(test_mov_cr0_ia32e_activation_rule),
        T(test_mov_cr_privilege_and_ud_rule),
        T(test_mov_cr8_rule),
        T(test_mov_cr4_reserved_and_ia32e_rule),
        T(test_cr4_pcide_rules),
        T(test_mov_cr3_reserved_rule),
        T(test_pae_pdpte_load_rule),
        T(test_lmsw_smsw_clts_rule),
        T(test_mov_dr_rules),
        T(test_cli_sti_iopl_rule),
        T(test_cli_sti_v86_rule),
        T(test_sti_shadow_only_when_if_was_clear_rule),
        T(test_pushf_image_rule),
        T(test_popf_privilege_rule),
        T(test_popf_v86_rule),
        T(test_xsetbv_validity_rule),
        T(test_xsetbv_avx512_group_rule),
        T(test_pkru_rule),
        T(test_invlpg_invpcid_rule),
        T(test_clflush_checks_address_rule),
        T(test_rdtsc_tsd_rule),
        T(test_rdpmc_counter_rule),
        T(test_hlt_rule),
        T(test_monitor_mwait_rule),
        T(test_clac_stac_rule),
        T(test_ud_rule),
        T(test_sys_rows_decode_rule),
    };
    return cmocka_run_group_tests_name("ops_sys", tests, NULL, NULL);
}
