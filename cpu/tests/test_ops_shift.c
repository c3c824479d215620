/*
 * cpu/tests/test_ops_shift.c: group-2 shifts and rotates, SHLD and SHRD
 * (cpu/ops_shift.c) against SDM Vol.2B "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR",
 * "SHLD", "SHRD".
 */
#include "cpu/tests/int_cases.h"

#define D FX_DATA

/* SAL/SAR/SHL/SHR "Description": the count is masked to 5 bits (6 with
 * REX.W); a masked count of 0 affects no flag. */
static void test_shift_count_is_masked(void **state)
{
    static const IntCase t[] = {
        { "shl eax,cl with cl=0x21", IC_64, CODE("\xd3\xe0"),
          .in = { RG(R_RAX, 0x80000001), RG(R_RCX, 0x21) },
          .out = { RG(R_RAX, 2) },
          .flags_mask = F_C | F_O | F_Z | F_S | F_P, .flags_out = F_C | F_O },
        { "shl eax,cl with cl=0x20: no flags", IC_64, CODE("\xd3\xe0"),
          .in = { RG(R_RAX, 0xffffffff00000001ull), RG(R_RCX, 0x20) },
          .flags_in = F_C | F_Z | F_O,
          .out = { RG(R_RAX, 1) },
          .flags_mask = ARITH, .flags_out = F_C | F_Z | F_O },
        { "shl rax,64 is a count of 0", IC_64, CODE("\x48\xc1\xe0\x40"),
          .in = { RG(R_RAX, 5) }, .flags_in = F_S,
          .out = { RG(R_RAX, 5) },
          .flags_mask = ARITH, .flags_out = F_S },
        { "sar byte [rbx],1", IC_64, CODE("\xd0\x3b"),
          .in = { RG(R_RBX, D) }, .mem_in = { MEM(D, 1, 0x81) },
          .mem_out = { MEM(D, 1, 0xc0) },
          .flags_mask = F_C | F_O | F_S | F_Z, .flags_out = F_C | F_S },
    };
    IC_RUN_TABLE(state, t);
}

/* RCL/RCR: the count is taken modulo 9 for bytes and 17 for words; ROL/ROR
 * update CF even when count mod size is 0 (RCL/RCR/ROL/ROR "Operation"). */
static void test_rotate_counts(void **state)
{
    static const IntCase t[] = {
        { "rcl al,9 rotates by 0", IC_64, CODE("\xc0\xd0\x09"),
          .in = { RG(R_RAX, 0x81) }, .flags_in = F_C,
          .out = { RG(R_RAX, 0x81) },
          .flags_mask = F_C, .flags_out = F_C },
        { "rcl al,1 through CF", IC_64, CODE("\xd0\xd0"),
          .in = { RG(R_RAX, 0x80) },
          .out = { RG(R_RAX, 0x00) },
          .flags_mask = F_C | F_O, .flags_out = F_C | F_O },
        { "rol al,8: CF = LSB", IC_64, CODE("\xc0\xc0\x08"),
          .in = { RG(R_RAX, 0x01) },
          .out = { RG(R_RAX, 0x01) },
          .flags_mask = F_C, .flags_out = F_C },
        { "ror ax,16: CF = MSB", IC_64, CODE("\x66\xc1\xc8\x10"),
          .in = { RG(R_RAX, 0x8001) },
          .out = { RG(R_RAX, 0x8001) },
          .flags_mask = F_C, .flags_out = F_C },
    };
    IC_RUN_TABLE(state, t);
}

/* SHLD: bits come in from the source; CF is the last bit shifted out. */
static void test_shld_shifts_in_source(void **state)
{
    static const IntCase t[] = {
        { "shld ax,bx,4", IC_64, CODE("\x66\x0f\xa4\xd8\x04"),
          .in = { RG(R_RAX, 0x1234), RG(R_RBX, 0xabcd) },
          .out = { RG(R_RAX, 0x234a), RG(R_RBX, 0xabcd) },
          .flags_mask = F_C | F_Z | F_S, .flags_out = F_C },
        /* Count above 16 on a word: undefined in the SDM; vmxsim shifts in
         * SRC, then DEST again (ops_shift.c file comment). */
        { "shld ax,bx,20", IC_64, CODE("\x66\x0f\xa4\xd8\x14"),
          .in = { RG(R_RAX, 0x1234), RG(R_RBX, 0xabcd) },
          .out = { RG(R_RAX, 0xbcd1) }, .flags_mask = F_C, .flags_out = 0 },
        { "shrd ax,bx,20", IC_64, CODE("\x66\x0f\xac\xd8\x14"),
          .in = { RG(R_RAX, 0x1234), RG(R_RBX, 0xabcd) },
          .out = { RG(R_RAX, 0x4abc) }, .flags_mask = F_C, .flags_out = F_C },
    };
    IC_RUN_TABLE(state, t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shift_count_is_masked),
        cmocka_unit_test(test_rotate_counts),
        cmocka_unit_test(test_shld_shifts_in_source),
    };
    return cmocka_run_group_tests_name("ops_shift", tests, ic_setup, ic_teardown);
}
