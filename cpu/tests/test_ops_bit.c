/*
 * cpu/tests/test_ops_bit.c: BT BTS BTR BTC, BSF BSR, TZCNT LZCNT POPCNT,
 * BSWAP, BMI and ADX (cpu/ops_bit.c) against their SDM Vol.2 pages.
 */
#include "cpu/tests/int_cases.h"

#define D FX_DATA

/* SDM Vol.2A BT "Bit Base and Bit Offset": with a register offset the
 * memory operand addresses bits outside it (signed offset); an immediate
 * offset is masked to the operand width. */
static void test_bt_bit_offset(void **state)
{
    static const IntCase t[] = {
        { "bt [rbx],eax eax=-1", IC_64, CODE("\x0f\xa3\x03"),
          .in = { RG(R_RBX, D), RG(R_RAX, 0xffffffff) },
          .mem_in = { MEM(D - 4, 4, 0x80000000), MEM(D, 4, 0) },
          .flags_mask = F_C, .flags_out = F_C },
        { "bt [rbx],eax eax=35", IC_32, CODE("\x0f\xa3\x03"),
          .in = { RG(R_RBX, D), RG(R_RAX, 35) },
          .mem_in = { MEM(D + 4, 4, 0x8), MEM(D, 4, 0) },
          .flags_mask = F_C, .flags_out = F_C },
        { "bts eax,33 masks to 1", IC_64, CODE("\x0f\xba\xe8\x21"),
          .in = { RG(R_RAX, 0) }, .flags_in = F_C,
          .out = { RG(R_RAX, 2) },
          .flags_mask = F_C, .flags_out = 0 },
        { "btr qword [rbx],65", IC_64, CODE("\x48\x0f\xba\x33\x41"),
          .in = { RG(R_RBX, D) }, .mem_in = { MEM(D, 8, 0x3) },
          .mem_out = { MEM(D, 8, 0x1) },
          .flags_mask = F_C, .flags_out = F_C },
        { "btc [rbx],rcx rcx=67", IC_64, CODE("\x48\x0f\xbb\x0b"),
          .in = { RG(R_RBX, D), RG(R_RCX, 67) }, .mem_in = { MEM(D + 8, 8, 0) },
          .mem_out = { MEM(D + 8, 8, 0x8) },
          .flags_mask = F_C, .flags_out = 0 },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2A BSF: a zero source sets ZF and leaves the destination (Intel
 * and AMD parts do not write it); TZCNT/LZCNT return the width and set CF;
 * POPCNT clears every flag but ZF. */
static void test_bit_scan_and_count(void **state)
{
    static const IntCase t[] = {
        { "bsf eax,ecx of 0", IC_64, CODE("\x0f\xbc\xc1"),
          .in = { RG(R_RAX, 0xffffffff12345678ull), RG(R_RCX, 0) },
          .out = { RG(R_RAX, 0xffffffff12345678ull) },
          .flags_mask = F_Z, .flags_out = F_Z },
        { "bsf eax,ecx of 8", IC_64, CODE("\x0f\xbc\xc1"),
          .in = { RG(R_RCX, 8) }, .flags_in = F_Z,
          .out = { RG(R_RAX, 3) }, .flags_mask = F_Z, .flags_out = 0 },
        { "tzcnt eax,ecx of 0", IC_64, CODE("\xf3\x0f\xbc\xc1"),
          .in = { RG(R_RCX, 0) },
          .out = { RG(R_RAX, 32) }, .flags_mask = F_C | F_Z, .flags_out = F_C },
        { "lzcnt eax,ecx of 1", IC_64, CODE("\xf3\x0f\xbd\xc1"),
          .in = { RG(R_RCX, 1) },
          .out = { RG(R_RAX, 31) }, .flags_mask = F_C | F_Z, .flags_out = 0 },
        { "popcnt rax,rcx", IC_64, CODE("\xf3\x48\x0f\xb8\xc1"),
          .in = { RG(R_RCX, 0xff00ff) }, .flags_in = ARITH,
          .out = { RG(R_RAX, 16) }, .flags_mask = ARITH, .flags_out = 0 },
        { "popcnt rax,rcx of 0", IC_64, CODE("\xf3\x48\x0f\xb8\xc1"),
          .in = { RG(R_RAX, 7), RG(R_RCX, 0) },
          .out = { RG(R_RAX, 0) }, .flags_mask = ARITH, .flags_out = F_Z },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2B TZCNT: "on processors that do not support TZCNT, the
 * instruction byte encoding is executed as BSF". */
static void test_tzcnt_without_bmi1_is_bsf(void **state)
{
    IcState *s = *state;
    static const IntCase t[] = {
        { "F3 0F BC of 0 as BSF", IC_64, CODE("\xf3\x0f\xbc\xc1"),
          .in = { RG(R_RAX, 0x55), RG(R_RCX, 0) },
          .out = { RG(R_RAX, 0x55) }, .flags_mask = F_Z, .flags_out = F_Z },
    };
    g_assert(cpu_model_set_feature(&s->fx->model, FEAT_BMI1, false));
    cpu_model_derive(&s->fx->model);
    bool ok = ic_run(s, &t[0]);
    g_assert(cpu_model_set_feature(&s->fx->model, FEAT_BMI1, true));
    cpu_model_derive(&s->fx->model);
    assert_true(ok);
}

/* SDM Vol.2A BSWAP: a 16-bit operand is undefined; Intel parts clear the
 * low word (the choice cpu/ops_bit.c documents). */
static void test_bswap(void **state)
{
    static const IntCase t[] = {
        { "bswap eax", IC_64, CODE("\x0f\xc8"),
          .in = { RG(R_RAX, 0xaabbccdd11223344ull) }, .out = { RG(R_RAX, 0x44332211) } },
        { "bswap r9", IC_64, CODE("\x49\x0f\xc9"),
          .in = { RG(R_R9, 0x0102030405060708ull) }, .out = { RG(R_R9, 0x0807060504030201ull) } },
        { "bswap ax", IC_64, CODE("\x66\x0f\xc8"),
          .in = { RG(R_RAX, 0x11223344) }, .out = { RG(R_RAX, 0x11220000) } },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2A ANDN (VEX; VEX.L = 1 is #UD, 2.5.1), ADCX (only CF). */
static void test_bmi_and_adx(void **state)
{
    static const IntCase t[] = {
        { "andn eax,ebx,ecx 32-bit mode", IC_32, CODE("\xc4\xe2\x60\xf2\xc1"),
          .in = { RG(R_RBX, 0xff00ff00), RG(R_RCX, 0x12345678) },
          .out = { RG(R_RAX, 0x00340078) },
          .flags_mask = F_C | F_O | F_Z | F_S, .flags_out = 0 },
        { "andn with VEX.L=1", IC_64, CODE("\xc4\xe2\x64\xf2\xc1"), FAULT(EXC_UD) },
        { "adcx eax,ebx", IC_64, CODE("\x66\x0f\x38\xf6\xc3"),
          .in = { RG(R_RAX, 0xffffffff), RG(R_RBX, 0) }, .flags_in = F_C | F_Z,
          .out = { RG(R_RAX, 0) }, .flags_mask = ARITH, .flags_out = F_C | F_Z },
    };
    IC_RUN_TABLE(state, t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bt_bit_offset),
        cmocka_unit_test(test_bit_scan_and_count),
        cmocka_unit_test(test_tzcnt_without_bmi1_is_bsf),
        cmocka_unit_test(test_bswap),
        cmocka_unit_test(test_bmi_and_adx),
    };
    return cmocka_run_group_tests_name("ops_bit", tests, ic_setup, ic_teardown);
}
