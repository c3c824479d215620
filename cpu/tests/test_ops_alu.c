/*
 * cpu/tests/test_ops_alu.c: ADD OR ADC SBB AND SUB XOR CMP, INC DEC, NEG NOT
 * TEST (cpu/ops_alu.c) against the rules of their SDM Vol.2 pages and the
 * status-flag definitions of SDM Vol.1 3.4.3.1.
 */
#include "cpu/tests/int_cases.h"

#define D FX_DATA

/* SDM Vol.2A ADD: CF carry out, OF signed overflow, AF carry out of bit 3;
 * a 32-bit destination zero-extends to 64 bits (Vol.1 3.4.1.1). */
static void test_add_flags_and_zero_extension(void **state)
{
    static const IntCase t[] = {
        { "add eax,ebx overflow", IC_64, CODE("\x01\xd8"),
          .in = { RG(R_RAX, 0xffffffff7fffffffull), RG(R_RBX, 1) },
          .out = { RG(R_RAX, 0x80000000) },
          .flags_mask = ARITH, .flags_out = F_O | F_S | F_A | F_P },
        { "add al,0xff carry", IC_64, CODE("\x04\xff"),
          .in = { RG(R_RAX, 0x1234501) },
          .out = { RG(R_RAX, 0x1234500) },
          .flags_mask = ARITH, .flags_out = F_C | F_Z | F_A | F_P },
        { "add [rbx+rcx*4+8],imm32", IC_64,
          CODE("\x81\x44\x8b\x08\x78\x56\x34\x12"),
          .in = { RG(R_RBX, D), RG(R_RCX, 2) },
          .mem_in = { MEM(D + 16, 4, 0x88) },
          .mem_out = { MEM(D + 16, 4, 0x12345700) },
          .flags_mask = ARITH, .flags_out = F_A | F_P },
        { "add ax,bx real mode", IC_16, CODE("\x01\xd8"),
          .in = { RG(R_RAX, 0xffff), RG(R_RBX, 1) },
          .out = { RG(R_RAX, 0) },
          .flags_mask = ARITH, .flags_out = F_C | F_Z | F_A | F_P },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2A ADC, Vol.2B SBB: the carry flag is added / subtracted. */
static void test_adc_sbb_use_carry(void **state)
{
    static const IntCase t[] = {
        { "adc rax,-1 with CF", IC_64, CODE("\x48\x83\xd0\xff"),
          .in = { RG(R_RAX, 5) }, .flags_in = F_C,
          .out = { RG(R_RAX, 5) },
          .flags_mask = ARITH, .flags_out = F_C | F_P | F_A },
        { "sbb ax,bx with CF merges", IC_64, CODE("\x66\x19\xd8"),
          .in = { RG(R_RAX, 0x1234567800000000ull), RG(R_RBX, 0) }, .flags_in = F_C,
          .out = { RG(R_RAX, 0x123456780000ffffull) },
          .flags_mask = ARITH, .flags_out = F_C | F_S | F_A | F_P },
        { "adc byte [rip+0x10],1", IC_64, CODE("\x80\x15\x10\x00\x00\x00\x01"),
          .flags_in = F_C,
          .mem_in = { MEM(FX_CODE + 7 + 0x10, 1, 0xfe) },
          .mem_out = { MEM(FX_CODE + 7 + 0x10, 1, 0x00) },
          .flags_mask = ARITH, .flags_out = F_C | F_Z | F_P | F_A },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2B SUB/Vol.2A CMP: CMP sets SUB's flags without writing. */
static void test_sub_cmp_borrow_and_overflow(void **state)
{
    static const IntCase t[] = {
        { "sub dword [rbx],1 borrow", IC_64, CODE("\x83\x2b\x01"),
          .in = { RG(R_RBX, D) }, .mem_in = { MEM(D, 4, 0) },
          .mem_out = { MEM(D, 4, 0xffffffff) },
          .flags_mask = ARITH, .flags_out = F_C | F_S | F_A | F_P },
        { "lock sub dword [rbx],1", IC_64, CODE("\xf0\x83\x2b\x01"),
          .in = { RG(R_RBX, D) }, .mem_in = { MEM(D, 4, 2) },
          .mem_out = { MEM(D, 4, 1) },
          .flags_mask = ARITH, .flags_out = 0 },
        { "cmp byte [rbx],0x80", IC_64, CODE("\x80\x3b\x80"),
          .in = { RG(R_RBX, D) }, .mem_in = { MEM(D, 1, 0x7f) },
          .mem_out = { MEM(D, 1, 0x7f) },
          .flags_mask = ARITH, .flags_out = F_C | F_O | F_S | F_P },
        { "sub r9,[r10]", IC_64, CODE("\x4d\x2b\x0a"),
          .in = { RG(R_R9, 0x8000000000000000ull), RG(R_R10, D) },
          .mem_in = { MEM(D, 8, 1) },
          .out = { RG(R_R9, 0x7fffffffffffffffull) },
          .flags_mask = ARITH, .flags_out = F_O | F_A | F_P },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2A AND, Vol.2B OR/XOR/TEST: OF = CF = 0; byte registers 4-7 are
 * AH..BH without REX and SPL..DIL with it (Vol.2A 2.1.5 Table 2-2 note);
 * F6 /1 executes as TEST. */
static void test_logic_clears_cf_of(void **state)
{
    static const IntCase t[] = {
        { "xor eax,eax", IC_64, CODE("\x31\xc0"),
          .in = { RG(R_RAX, ~0ull) }, .flags_in = F_C | F_O,
          .out = { RG(R_RAX, 0) },
          .flags_mask = ARITH & ~F_A, .flags_out = F_Z | F_P },
        { "or ah,bl", IC_64, CODE("\x08\xdc"),
          .in = { RG(R_RAX, 0x1000), RG(R_RBX, 0x01) },
          .out = { RG(R_RAX, 0x1100), RG(R_RSP, FX_STACK_TOP) },
          .flags_mask = ARITH & ~F_A, .flags_out = F_P },
        { "or spl,bl (REX)", IC_64, CODE("\x40\x08\xdc"),
          .in = { RG(R_RAX, 0x1000), RG(R_RBX, 0x01) },
          .out = { RG(R_RAX, 0x1000), RG(R_RSP, FX_STACK_TOP | 1) },
          .flags_mask = ARITH & ~F_A, .flags_out = 0 },
        { "test al,1 via F6 /1", IC_64, CODE("\xf6\xc8\x01"),
          .in = { RG(R_RAX, 3) }, .flags_in = F_Z | F_C,
          .out = { RG(R_RAX, 3) },
          .flags_mask = ARITH & ~F_A, .flags_out = 0 },
        { "and al,0x0f via 82 (32-bit)", IC_32, CODE("\x82\xe0\x0f"),
          .in = { RG(R_RAX, 0xab) },
          .out = { RG(R_RAX, 0x0b) },
          .flags_mask = ARITH & ~F_A, .flags_out = 0 },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2D Table A-2: 82 is invalid in 64-bit mode (i64); SDM Vol.2A
 * LOCK: #UD without a memory destination or on an instruction not listed. */
static void test_invalid_forms_raise_ud(void **state)
{
    static const IntCase t[] = {
        { "82 in 64-bit mode", IC_64, CODE("\x82\xe0\x0f"), FAULT(EXC_UD) },
        { "lock add reg,reg", IC_64, CODE("\xf0\x01\xd8"), FAULT(EXC_UD) },
        { "lock cmp [rbx],eax", IC_64, CODE("\xf0\x39\x03"),
          .in = { RG(R_RBX, D) }, FAULT(EXC_UD) },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2A INC/DEC: CF is not affected; 40-4F encode them outside 64-bit
 * mode only. */
static void test_inc_dec_preserve_cf(void **state)
{
    static const IntCase t[] = {
        { "inc eax (FF /0)", IC_64, CODE("\xff\xc0"),
          .in = { RG(R_RAX, 0x7fffffff) }, .flags_in = F_C,
          .out = { RG(R_RAX, 0x80000000) },
          .flags_mask = ARITH, .flags_out = F_C | F_O | F_S | F_A | F_P },
        { "inc eax (40) 32-bit", IC_32, CODE("\x40"),
          .in = { RG(R_RAX, 0xffffffff) },
          .out = { RG(R_RAX, 0) },
          .flags_mask = ARITH, .flags_out = F_Z | F_A | F_P },
        { "dec ecx (49) 32-bit", IC_32, CODE("\x49"),
          .in = { RG(R_RCX, 0x80000000) }, .flags_in = F_C,
          .out = { RG(R_RCX, 0x7fffffff) },
          .flags_mask = ARITH, .flags_out = F_C | F_O | F_A | F_P },
        { "lock dec byte [rbx]", IC_64, CODE("\xf0\xfe\x0b"),
          .in = { RG(R_RBX, D) }, .mem_in = { MEM(D, 1, 1) },
          .mem_out = { MEM(D, 1, 0) },
          .flags_mask = ARITH, .flags_out = F_Z | F_P },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2B NEG: CF = (source != 0); NOT: no flags. */
static void test_neg_not(void **state)
{
    static const IntCase t[] = {
        { "neg eax of 0", IC_64, CODE("\xf7\xd8"),
          .in = { RG(R_RAX, 0) }, .flags_in = F_C,
          .out = { RG(R_RAX, 0) },
          .flags_mask = ARITH, .flags_out = F_Z | F_P },
        { "neg eax of 1", IC_64, CODE("\xf7\xd8"),
          .in = { RG(R_RAX, 1) },
          .out = { RG(R_RAX, 0xffffffff) },
          .flags_mask = ARITH, .flags_out = F_C | F_S | F_A | F_P },
        { "neg al of 0x80", IC_64, CODE("\xf6\xd8"),
          .in = { RG(R_RAX, 0x80) },
          .out = { RG(R_RAX, 0x80) },
          .flags_mask = ARITH, .flags_out = F_C | F_O | F_S },
        { "not byte [rbx]", IC_64, CODE("\xf6\x13"),
          .in = { RG(R_RBX, D) }, .flags_in = F_C | F_Z,
          .mem_in = { MEM(D, 1, 0x0f) }, .mem_out = { MEM(D, 1, 0xf0) },
          .flags_mask = ARITH, .flags_out = F_C | F_Z },
    };
    IC_RUN_TABLE(state, t);
}

/* A faulting memory access commits nothing: registers, flags and RIP keep
 * their values (cpu/cpu.h execution conventions; SDM Vol.3 6.5 "faults"). */
static void test_fault_commits_nothing(void **state)
{
    static const IntCase t[] = {
        { "add [noncanonical],eax", IC_64, CODE("\x01\x03"),
          .in = { RG(R_RBX, 0x8000000000000000ull), RG(R_RAX, 1) },
          .flags_in = F_Z,
          .out = { RG(R_RAX, 1) },
          .flags_mask = ARITH, .flags_out = F_Z, FAULT(EXC_GP) },
    };
    IC_RUN_TABLE(state, t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_flags_and_zero_extension),
        cmocka_unit_test(test_adc_sbb_use_carry),
        cmocka_unit_test(test_sub_cmp_borrow_and_overflow),
        cmocka_unit_test(test_logic_clears_cf_of),
        cmocka_unit_test(test_invalid_forms_raise_ud),
        cmocka_unit_test(test_inc_dec_preserve_cf),
        cmocka_unit_test(test_neg_not),
        cmocka_unit_test(test_fault_commits_nothing),
    };
    return cmocka_run_group_tests_name("ops_alu", tests, ic_setup, ic_teardown);
}
