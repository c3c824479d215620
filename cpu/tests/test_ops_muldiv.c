/*
 * cpu/tests/test_ops_muldiv.c: MUL IMUL DIV IDIV (cpu/ops_muldiv.c) against
 * SDM Vol.2A DIV, IDIV, IMUL and Vol.2B MUL.
 */
#include "cpu/tests/int_cases.h"

#define D FX_DATA

/* DIV/IDIV "Exceptions": #DE when the divisor is 0 or the quotient is too
 * large for the destination; nothing is written. */
static void test_divide_error(void **state)
{
    static const IntCase t[] = {
        { "div ecx by 0", IC_64, CODE("\xf7\xf1"),
          .in = { RG(R_RAX, 7), RG(R_RDX, 0), RG(R_RCX, 0) },
          .out = { RG(R_RAX, 7), RG(R_RDX, 0) }, FAULT(EXC_DE) },
        { "div ecx quotient overflow", IC_64, CODE("\xf7\xf1"),
          .in = { RG(R_RAX, 0), RG(R_RDX, 1), RG(R_RCX, 1) },
          .out = { RG(R_RAX, 0), RG(R_RDX, 1) }, FAULT(EXC_DE) },
        { "idiv cl -32768/-1", IC_64, CODE("\xf6\xf9"),
          .in = { RG(R_RAX, 0x8000), RG(R_RCX, 0xff) },
          .out = { RG(R_RAX, 0x8000) }, FAULT(EXC_DE) },
        { "idiv cl 32-bit mode by 0", IC_32, CODE("\xf6\xf9"),
          .in = { RG(R_RAX, 0x10), RG(R_RCX, 0) }, FAULT(EXC_DE) },
    };
    IC_RUN_TABLE(state, t);
}

/* IDIV truncates toward zero; the remainder has the dividend's sign. */
static void test_divide_results(void **state)
{
    static const IntCase t[] = {
        { "idiv cl -7/2", IC_64, CODE("\xf6\xf9"),
          .in = { RG(R_RAX, 0xfff9), RG(R_RCX, 2) },
          .out = { RG(R_RAX, 0xfffd) } },
        { "div byte [rbx] 256/3", IC_64, CODE("\xf6\x33"),
          .in = { RG(R_RAX, 0x0100), RG(R_RBX, D) }, .mem_in = { MEM(D, 1, 3) },
          .out = { RG(R_RAX, 0x0155) } },
    };
    IC_RUN_TABLE(state, t);
}

/* MUL/IMUL: CF = OF = the upper half is significant; 32-bit results
 * zero-extend RAX and RDX. */
static void test_multiply_cf_of(void **state)
{
    static const IntCase t[] = {
        { "imul eax,ecx,-2 fits", IC_64, CODE("\x6b\xc1\xfe"),
          .in = { RG(R_RCX, 0x40000000) }, .flags_in = F_C | F_O,
          .out = { RG(R_RAX, 0x80000000) },
          .flags_mask = F_C | F_O, .flags_out = 0 },
        { "imul eax,ecx,-2 overflows", IC_64, CODE("\x6b\xc1\xfe"),
          .in = { RG(R_RCX, 0x40000001) },
          .out = { RG(R_RAX, 0x7ffffffe) },
          .flags_mask = F_C | F_O, .flags_out = F_C | F_O },
        { "imul rcx -1*-1", IC_64, CODE("\x48\xf7\xe9"),
          .in = { RG(R_RAX, ~0ull), RG(R_RCX, ~0ull), RG(R_RDX, 5) },
          .out = { RG(R_RAX, 1), RG(R_RDX, 0) },
          .flags_mask = F_C | F_O, .flags_out = 0 },
        { "imul rcx 2^62*4", IC_64, CODE("\x48\xf7\xe9"),
          .in = { RG(R_RAX, 1ull << 62), RG(R_RCX, 4) },
          .out = { RG(R_RAX, 0), RG(R_RDX, 1) },
          .flags_mask = F_C | F_O, .flags_out = F_C | F_O },
        { "mul byte [rbx] keeps RAX[63:16]", IC_64, CODE("\xf6\x23"),
          .in = { RG(R_RAX, 0x1234ff80), RG(R_RBX, D) }, .mem_in = { MEM(D, 1, 2) },
          .out = { RG(R_RAX, 0x12340100) },
          .flags_mask = F_C | F_O, .flags_out = F_C | F_O },
        { "mul ecx zero-extends", IC_64, CODE("\xf7\xe1"),
          .in = { RG(R_RAX, 0xffffffff00000002ull), RG(R_RCX, 3), RG(R_RDX, ~0ull) },
          .out = { RG(R_RAX, 6), RG(R_RDX, 0) },
          .flags_mask = F_C | F_O, .flags_out = 0 },
    };
    IC_RUN_TABLE(state, t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_divide_error),
        cmocka_unit_test(test_divide_results),
        cmocka_unit_test(test_multiply_cf_of),
    };
    return cmocka_run_group_tests_name("ops_muldiv", tests, ic_setup, ic_teardown);
}
