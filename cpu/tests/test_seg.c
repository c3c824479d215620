/*
 * cpu/tests/test_seg.c: segment-register loads (cpu/seg.c) and the
 * instructions that make them (MOV Sreg, PUSH/POP Sreg, LDS/LSS in
 * cpu/ops_far.c): every check of SDM Vol.2 MOV/POP "Operation" and SDM
 * Vol.3 5.4.1 "Null Segment Selector Checking", 5.6 "Privilege Level
 * Checking When Accessing Data Segments", 5.7 "Privilege Level Checking
 * When Loading the SS Register", with its exception and error code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>

#include "cpu/tests/sys_gdt.h"

static int setup(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_prot32(fx);
    sg_setup(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static void assert_fault(Cpu *cpu, SimStatus st, uint8_t vector, uint32_t error)
{
    assert_int_equal(st, ST_FAULT);
    assert_int_equal(cpu->fault.vector, vector);
    assert_true(cpu->fault.has_error);
    assert_int_equal(cpu->fault.error, error);
}

static void to_cpl3(Fixture *fx)
{
    sg_load(fx, SEG_SS, SEL_DATA32_3 | 3);
    sg_load(fx, SEG_CS, SEL_CODE32_3 | 3);
    assert_int_equal(fx->cpu.cpl, 3);
}

/* SDM Vol.3 3.4.5.1: loading sets the descriptor's accessed bit in memory;
 * the cache holds base, byte-granular limit and attributes. */
static void test_load_ds_sets_accessed_bit_and_cache(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    assert_int_equal(seg_load(cpu, SEG_DS, SEL_DATA_NA), ST_OK);
    assert_int_equal(fixture_read_phys(fx, SG_GDT + SEL_DATA_NA + 5, 1), 0x93);
    assert_int_equal(cpu->seg[SEG_DS].sel, SEL_DATA_NA);
    assert_int_equal(cpu->seg[SEG_DS].base, 0x12345000);
    assert_int_equal(cpu->seg[SEG_DS].limit, 0xffff);
    assert_int_equal(cpu->seg[SEG_DS].ar, 0x93u | AR_DB);
    /* G = 1 scales the limit to 4 KiB units. */
    assert_int_equal(seg_load(cpu, SEG_ES, SEL_DATA32), ST_OK);
    assert_int_equal(cpu->seg[SEG_ES].limit, 0xffffffffu);
}

/* SDM Vol.3 5.4.1: a null selector may be loaded into DS/ES/FS/GS; the
 * register becomes unusable. */
static void test_null_selector_makes_data_segment_unusable(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    assert_int_equal(seg_load(cpu, SEG_FS, 3), ST_OK);
    assert_true(cpu->seg[SEG_FS].ar & AR_UNUSABLE);
    assert_int_equal(cpu->seg[SEG_FS].sel, 3);
}

/* SDM Vol.2 MOV: SS loaded with a null selector is #GP(0) outside 64-bit
 * mode. */
static void test_null_ss_is_gp0_in_protected_mode(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    SegReg before = cpu->seg[SEG_SS];
    assert_fault(cpu, seg_load(cpu, SEG_SS, 0), EXC_GP, 0);
    assert_memory_equal(&cpu->seg[SEG_SS], &before, sizeof(before));
}

/* SDM Vol.2 MOV, 64-bit mode exceptions: a null SS is allowed at CPL < 3
 * when RPL = CPL; at CPL 3 it is #GP(0). */
static void test_null_ss_in_64bit_mode_needs_cpl_below_3(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    sg_setup(fx);
    assert_int_equal(seg_load(cpu, SEG_SS, 0), ST_OK);
    assert_true(cpu->seg[SEG_SS].ar & AR_UNUSABLE);
    assert_int_equal(cpu->cpl, 0);
    assert_fault(cpu, seg_load(cpu, SEG_SS, 1), EXC_GP, 0);
    sg_load(fx, SEG_SS, SEL_DATA32_3 | 3);
    sg_load(fx, SEG_CS, SEL_CODE64_3 | 3);
    assert_int_equal(cpu->mode, MODE_LONG64);
    assert_fault(cpu, seg_load(cpu, SEG_SS, 3), EXC_GP, 0);
}

/* SDM Vol.3 5.7: SS needs a writable data segment with RPL = DPL = CPL;
 * a not-present one is #SS(selector). */
static void test_ss_load_checks_type_privilege_presence(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    assert_fault(cpu, seg_load(cpu, SEG_SS, SEL_DATA_RO), EXC_GP, SEL_DATA_RO);
    assert_fault(cpu, seg_load(cpu, SEG_SS, SEL_CODE32), EXC_GP, SEL_CODE32);
    assert_fault(cpu, seg_load(cpu, SEG_SS, SEL_DATA32 | 3), EXC_GP, SEL_DATA32);
    assert_fault(cpu, seg_load(cpu, SEG_SS, SEL_DATA32_3), EXC_GP, SEL_DATA32_3);
    assert_fault(cpu, seg_load(cpu, SEG_SS, SEL_DATA_NP), EXC_SS, SEL_DATA_NP);
    assert_int_equal(seg_load(cpu, SEG_SS, SEL_DATA_NA), ST_OK);
    assert_int_equal(cpu->stack_size, 4);
}

/* SDM Vol.2 MOV: DS/ES/FS/GS take data or readable code; for data and
 * nonconforming code RPL and CPL must not exceed DPL; not present is
 * #NP(selector). */
static void test_data_load_checks_type_privilege_presence(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    assert_fault(cpu, seg_load(cpu, SEG_DS, SEL_CODE_XO), EXC_GP, SEL_CODE_XO);
    assert_fault(cpu, seg_load(cpu, SEG_DS, SEL_TSS32), EXC_GP, SEL_TSS32);
    assert_fault(cpu, seg_load(cpu, SEG_DS, SEL_DATA32 | 3), EXC_GP, SEL_DATA32);
    assert_fault(cpu, seg_load(cpu, SEG_DS, SEL_DATA_NP), EXC_NP, SEL_DATA_NP);
    assert_int_equal(seg_load(cpu, SEG_DS, SEL_CODE32), ST_OK);
    to_cpl3(fx);
    assert_fault(cpu, seg_load(cpu, SEG_DS, SEL_DATA32 | 3), EXC_GP, SEL_DATA32);
    /* Conforming code is readable from any level. */
    assert_int_equal(seg_load(cpu, SEG_DS, SEL_CODE_CONF | 3), ST_OK);
    assert_int_equal(seg_load(cpu, SEG_DS, SEL_DATA32_3 | 3), ST_OK);
}

/* SDM Vol.3 3.5.1: selectors beyond the GDT limit, or into the LDT while
 * LDTR is null, are #GP(selector); an LDT selector uses LDTR's base. */
static void test_descriptor_table_limits_and_ldt(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    assert_fault(cpu, seg_load(cpu, SEG_DS, SEL_GDT_END), EXC_GP, SEL_GDT_END);
    cpu->seg[SEG_LDTR] = (SegReg){ .ar = AR_UNUSABLE };
    assert_fault(cpu, seg_load(cpu, SEG_DS, 0x0c), EXC_GP, 0x0c);
    fixture_write_phys(fx, SG_LDT + 8, 8, sg_desc(0xabc000, 0xfff, 0x93, 0x4));
    cpu->seg[SEG_LDTR] = (SegReg){ .base = SG_LDT, .limit = 0xf, .ar = 0x82, .sel = SEL_LDT };
    assert_int_equal(seg_load(cpu, SEG_DS, 0x0c), ST_OK);
    assert_int_equal(cpu->seg[SEG_DS].base, 0xabc000);
    assert_fault(cpu, seg_load(cpu, SEG_DS, 0x14), EXC_GP, 0x14);
}

/* SDM Vol.3 21.1.1 and 21.2.1: real-mode loads set base = sel << 4 and
 * keep the cached limit; V86 loads give a 64 KiB DPL-3 data segment. */
static void test_real_and_v86_loads_shift_selector(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_real(fx);
    cpu->seg[SEG_ES].limit = 0xffffffffu;       /* "big real" */
    assert_int_equal(seg_load(cpu, SEG_ES, 0x1234), ST_OK);
    assert_int_equal(cpu->seg[SEG_ES].base, 0x12340);
    assert_int_equal(cpu->seg[SEG_ES].limit, 0xffffffffu);
    fixture_mode_prot32(fx);
    cpu->rflags |= RFLAGS_VM;
    cpu_update_mode(cpu);
    assert_int_equal(seg_load(cpu, SEG_SS, 0xf00f), ST_OK);
    assert_int_equal(cpu->seg[SEG_SS].base, 0xf00f0);
    assert_int_equal(cpu->seg[SEG_SS].limit, 0xffff);
    assert_int_equal(cpu->seg[SEG_SS].ar, 0xf3);
}

/* Descriptor field extraction: 16-byte system descriptors carry base
 * bits 63:32 (SDM Vol.3 8.2.3), gates offset bits 63:32 (6.14.1). */
static void test_descriptor_fields_16_byte_forms(void **state)
{
    SegDesc tss = { sg_desc(0x89abcdef, 0x67, 0x89, 0), 0x12345678 };
    assert_int_equal(seg_desc_base(&tss, true), 0x1234567889abcdefull);
    assert_int_equal(seg_desc_base(&tss, false), 0x89abcdefull);
    assert_int_equal(seg_desc_limit(&tss), 0x67);
    assert_int_equal(seg_desc_type(&tss), DESC_TSS32_AVAIL);
    SegDesc gate = { sg_gate_lo(0x18, 0xffff800012345678ull, DESC_INT32, 3, 2),
                     0xffff8000 };
    assert_int_equal(seg_gate_offset(&gate, true), 0xffff800012345678ull);
    assert_int_equal(seg_gate_selector(&gate), 0x18);
    assert_int_equal(seg_gate_ist(&gate), 2);
    assert_int_equal(seg_desc_dpl(&gate), 3);
}

/* SDM Vol.2 RET/IRET: after a return to an outer level, data segments
 * more privileged than the new CPL are nulled; conforming code stays. */
static void test_return_to_outer_level_nulls_privileged_data(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    sg_load(fx, SEG_ES, SEL_DATA32_3 | 3);
    sg_load(fx, SEG_FS, SEL_CODE_CONF);
    seg_invalidate_for_cpl(cpu, 3);
    assert_true(cpu->seg[SEG_DS].ar & AR_UNUSABLE);
    assert_int_equal(cpu->seg[SEG_DS].sel, 0);
    assert_false(cpu->seg[SEG_ES].ar & AR_UNUSABLE);
    assert_false(cpu->seg[SEG_FS].ar & AR_UNUSABLE);
}

/* ---- instructions ---- */

static SimStatus run1(Fixture *fx, const char *code, size_t len)
{
    fixture_load_code(fx, code, len);
    return cpu_step(&fx->cpu);
}

/* SDM Vol.2 MOV: MOV DS,AX loads DS; MOV SS blocks interrupts for one
 * instruction (Vol.3 6.8.3); MOV to CS is #UD. */
static void test_mov_sreg_loads_and_ss_shadow(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    sg_idt_all(fx, false);
    cpu->gpr[R_RAX] = SEL_DATA_NA;
    assert_int_equal(run1(fx, "\x8e\xd8", 2), ST_OK);         /* mov ds,ax */
    assert_int_equal(cpu->seg[SEG_DS].base, 0x12345000);
    assert_false(cpu->movss_shadow);
    cpu->gpr[R_RAX] = SEL_DATA32;
    assert_int_equal(run1(fx, "\x8e\xd0", 2), ST_OK);         /* mov ss,ax */
    assert_true(cpu->movss_shadow);
    assert_int_equal(cpu->rip, FX_CODE + 2);
    cpu->movss_shadow = false;
    assert_int_equal(run1(fx, "\x8e\xc8", 2), ST_OK);         /* mov cs,ax */
    assert_int_equal(cpu->rip, sg_handler(EXC_UD));
}

/* A failing load delivers its exception with the selector as error code
 * and changes nothing else. */
static void test_mov_ds_bad_selector_delivers_gp(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    sg_idt_all(fx, false);
    cpu->gpr[R_RAX] = SEL_CODE_XO;
    uint64_t esp = cpu->gpr[R_RSP];
    assert_int_equal(run1(fx, "\x8e\xd8", 2), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_GP));
    assert_int_equal(cpu->seg[SEG_DS].sel, SEL_DATA32);
    /* Frame: error code, EIP of the faulting MOV, CS, EFLAGS. */
    assert_int_equal(cpu->gpr[R_RSP], esp - 16);
    assert_int_equal(fixture_read_phys(fx, esp - 16, 4), SEL_CODE_XO);
    assert_int_equal(fixture_read_phys(fx, esp - 12, 4), FX_CODE);
}

/* SDM Vol.2 MOV: MOV r32,Sreg zero-extends; PUSH Sreg with a 32-bit
 * operand writes only 16 bits of the 4-byte slot (recent Intel parts). */
static void test_mov_from_sreg_and_push_pop_sreg(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    cpu->gpr[R_RAX] = 0xffffffffffffffffull;
    assert_int_equal(run1(fx, "\x8c\xd8", 2), ST_OK);         /* mov eax,ds */
    assert_int_equal(cpu->gpr[R_RAX], SEL_DATA32);
    uint64_t esp = cpu->gpr[R_RSP];
    fixture_write_phys(fx, esp - 4, 4, 0xaaaaaaaa);
    assert_int_equal(run1(fx, "\x06", 1), ST_OK);             /* push es */
    assert_int_equal(cpu->gpr[R_RSP], esp - 4);
    assert_int_equal(fixture_read_phys(fx, esp - 4, 4), 0xaaaa0000u | SEL_DATA32);
    fixture_write_phys(fx, esp - 4, 4, SEL_DATA_NA);
    assert_int_equal(run1(fx, "\x1f", 1), ST_OK);             /* pop ds */
    assert_int_equal(cpu->gpr[R_RSP], esp);
    assert_int_equal(cpu->seg[SEG_DS].sel, SEL_DATA_NA);
}

/* SDM Vol.2 PUSH/POP FS in 64-bit mode: 8-byte slots (16-bit selector
 * written); POP SS sets the MOV-SS shadow (Vol.3 6.8.3). */
static void test_push_fs_64bit_and_pop_ss_shadow(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t esp = cpu->gpr[R_RSP] - 4;
    cpu->gpr[R_RSP] = esp;
    fixture_write_phys(fx, esp, 4, SEL_DATA_NA);
    assert_int_equal(run1(fx, "\x17", 1), ST_OK);             /* pop ss */
    assert_true(cpu->movss_shadow);
    assert_int_equal(cpu->seg[SEG_SS].sel, SEL_DATA_NA);
    assert_int_equal(cpu->gpr[R_RSP], esp + 4);

    fixture_mode_long64(fx);
    sg_setup(fx);
    uint64_t rsp = cpu->gpr[R_RSP];
    fixture_write_phys(fx, rsp - 8, 8, 0xaaaaaaaaaaaaaaaaull);
    assert_int_equal(run1(fx, "\x0f\xa0", 2), ST_OK);         /* push fs */
    assert_int_equal(cpu->gpr[R_RSP], rsp - 8);
    assert_int_equal(fixture_read_phys(fx, rsp - 8, 8), 0xaaaaaaaaaaaa0000ull | SEL_DATA32);
    assert_int_equal(run1(fx, "\x0f\xa9", 2), ST_OK);         /* pop gs */
    assert_int_equal(cpu->seg[SEG_GS].sel, SEL_DATA32);
    assert_int_equal(cpu->gpr[R_RSP], rsp);
}

/* SDM Vol.2 POP: a selector that fails the checks leaves ESP unchanged. */
static void test_pop_sreg_fault_keeps_esp(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    sg_idt_all(fx, false);
    cpu->gpr[R_RSP] -= 4;
    uint64_t esp = cpu->gpr[R_RSP];
    fixture_write_phys(fx, esp, 4, SEL_DATA_NP);
    assert_int_equal(run1(fx, "\x07", 1), ST_OK);             /* pop es */
    assert_int_equal(cpu->rip, sg_handler(EXC_NP));
    /* The #NP frame sits right below the unchanged ESP. */
    assert_int_equal(cpu->gpr[R_RSP], esp - 16);
    assert_int_equal(fixture_read_phys(fx, esp - 16, 4), SEL_DATA_NP);
}

/* SDM Vol.2 LDS/LES/LFS/LGS/LSS: offset then selector from memory; the
 * 64-bit form (REX.W LSS) takes an m16:64 pointer. */
static void test_load_far_pointer(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_write_phys(fx, FX_DATA, 4, 0x11223344);
    fixture_write_phys(fx, FX_DATA + 4, 2, SEL_DATA_NA);
    cpu->gpr[R_RBX] = FX_DATA;
    assert_int_equal(run1(fx, "\xc5\x03", 2), ST_OK);         /* lds eax,[ebx] */
    assert_int_equal(cpu->gpr[R_RAX], 0x11223344);
    assert_int_equal(cpu->seg[SEG_DS].sel, SEL_DATA_NA);

    fixture_mode_long64(fx);
    sg_setup(fx);
    fixture_write_phys(fx, FX_DATA, 8, 0x1122334455667788ull);
    fixture_write_phys(fx, FX_DATA + 8, 2, SEL_DATA32);
    cpu->gpr[R_RBX] = FX_DATA;
    assert_int_equal(run1(fx, "\x48\x0f\xb2\x23", 4), ST_OK); /* lss rsp,[rbx] */
    assert_int_equal(cpu->gpr[R_RSP], 0x1122334455667788ull);
    assert_int_equal(cpu->seg[SEG_SS].sel, SEL_DATA32);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_load_ds_sets_accessed_bit_and_cache),
        T(test_null_selector_makes_data_segment_unusable),
        T(test_null_ss_is_gp0_in_protected_mode),
        T(test_null_ss_in_64bit_mode_needs_cpl_below_3),
        T(test_ss_load_checks_type_privilege_presence),
        T(test_data_load_checks_type_privilege_presence),
        T(test_descriptor_table_limits_and_ldt),
        T(test_real_and_v86_loads_shift_selector),
        T(test_descriptor_fields_16_byte_forms),
        T(test_return_to_outer_level_nulls_privileged_data),
        T(test_mov_sreg_loads_and_ss_shadow),
        T(test_mov_ds_bad_selector_delivers_gp),
        T(test_mov_from_sreg_and_push_pop_sreg),
        T(test_push_fs_64bit_and_pop_ss_shadow),
        T(test_pop_sreg_fault_keeps_esp),
        T(test_load_far_pointer),
    };
#undef T
    return cmocka_run_group_tests_name("seg", tests, NULL, NULL);
}
