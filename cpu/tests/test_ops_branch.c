/*
 * cpu/tests/test_ops_branch.c: Jcc, JMP, CALL, RET near, LOOP/LOOPcc and
 * JCXZ/JECXZ/JRCXZ (cpu/ops_branch.c) against SDM Vol.2A CALL, Jcc, JMP,
 * LOOP/LOOPcc and Vol.2B RET.
 */
#include "cpu/tests/int_cases.h"

#define D FX_DATA
#define T FX_STACK_TOP
#define C FX_CODE

/* Jcc: taken or not on the condition (SDM Vol.1 Appendix B). */
static void test_jcc_conditions(void **state)
{
    static const IntCase t[] = {
        { "jz taken", IC_64, CODE("\x74\x05"), .flags_in = F_Z, .rip_out = C + 7 },
        { "jz not taken", IC_64, CODE("\x74\x05") },
        { "jl taken on SF != OF", IC_64, CODE("\x7c\x05"), .flags_in = F_S, .rip_out = C + 7 },
        { "jg not taken on ZF", IC_64, CODE("\x7f\x05"), .flags_in = F_Z },
        { "jbe rel32 taken", IC_64, CODE("\x0f\x86\x00\x01\x00\x00"), .flags_in = F_C,
          .rip_out = C + 6 + 0x100 },
        { "jns backwards", IC_32, CODE("\x79\xfe"), .rip_out = C },
    };
    IC_RUN_TABLE(state, t);
}

/* Operand size: the target is truncated to 16 bits with a 16-bit operand
 * size; in 64-bit mode Intel parts ignore 66 on near branches (F_FORCE64,
 * ops_branch.c). */
static void test_target_operand_size(void **state)
{
    static const IntCase t[] = {
        { "real-mode jmp wraps IP", IC_16, CODE("\xe9\x00\xe0"), .rip_out = 0xf003 },
        { "66 jmp rel32 in 64-bit mode", IC_64, CODE("\x66\xe9\x00\x10\x00\x00"),
          .rip_out = C + 6 + 0x1000 },
        { "32-bit code, 66 jmp rel16", IC_32, CODE("\x66\xe9\x00\x10"), .rip_out = 0x2004 },
    };
    IC_RUN_TABLE(state, t);
}

/* 64-bit mode: a non-canonical target is #GP(0) with nothing committed. */
static void test_noncanonical_target_faults(void **state)
{
    static const IntCase t[] = {
        { "jmp rax non-canonical", IC_64, CODE("\xff\xe0"),
          .in = { RG(R_RAX, 0x0000800000000000ull) }, FAULT(EXC_GP) },
        { "call rax non-canonical pushes nothing", IC_64, CODE("\xff\xd0"),
          .in = { RG(R_RAX, 0x0000800000000000ull) },
          .out = { RG(R_RSP, T) }, FAULT(EXC_GP) },
        { "ret to non-canonical keeps RSP", IC_64, CODE("\xc3"),
          .in = { RG(R_RSP, T - 8) }, .mem_in = { MEM(T - 8, 8, 0x0000800000000000ull) },
          .out = { RG(R_RSP, T - 8) }, FAULT(EXC_GP) },
    };
    IC_RUN_TABLE(state, t);
}

/* Outside 64-bit mode the target must be within the CS limit. */
static void test_cs_limit(void **state)
{
    IcState *s = *state;
    Cpu *cpu = &s->fx->cpu;
    fixture_mode_prot32(s->fx);
    cpu->seg[SEG_CS].limit = 0x1fff;
    fixture_load_code(s->fx, "\xe9\x00\x20\x00\x00", 5);   /* jmp +0x2000 */
    assert_int_equal(ic_step(s), ST_FAULT);
    assert_int_equal(cpu->fault.vector, EXC_GP);
    assert_int_equal(cpu->rip, C);
    fixture_load_code(s->fx, "\xe9\x00\x0e\x00\x00", 5);   /* jmp to 0x1e05 */
    assert_int_equal(ic_step(s), ST_OK);
    assert_int_equal(cpu->rip, 0x1e05);
}

/* CALL pushes the address of the next instruction; RET pops it and RET n
 * releases n more bytes. */
static void test_call_ret(void **state)
{
    static const IntCase t[] = {
        { "call rel32", IC_64, CODE("\xe8\x10\x00\x00\x00"),
          .out = { RG(R_RSP, T - 8) }, .mem_out = { MEM(T - 8, 8, C + 5) },
          .rip_out = C + 5 + 0x10 },
        { "call [rbx]", IC_64, CODE("\xff\x13"),
          .in = { RG(R_RBX, D) }, .mem_in = { MEM(D, 8, 0x4000) },
          .out = { RG(R_RSP, T - 8) }, .mem_out = { MEM(T - 8, 8, C + 2) }, .rip_out = 0x4000 },
        { "call rel32 32-bit", IC_32, CODE("\xe8\x10\x00\x00\x00"),
          .out = { RG(R_RSP, T - 4) }, .mem_out = { MEM(T - 4, 4, C + 5) },
          .rip_out = C + 5 + 0x10 },
        { "ret", IC_64, CODE("\xc3"),
          .in = { RG(R_RSP, T - 8) }, .mem_in = { MEM(T - 8, 8, 0x1234) },
          .out = { RG(R_RSP, T) }, .rip_out = 0x1234 },
        { "ret 8", IC_64, CODE("\xc2\x08\x00"),
          .in = { RG(R_RSP, T - 8) }, .mem_in = { MEM(T - 8, 8, 0x1234) },
          .out = { RG(R_RSP, T + 8) }, .rip_out = 0x1234 },
    };
    IC_RUN_TABLE(state, t);
}

/* LOOP/LOOPcc and JrCXZ use CX/ECX/RCX by the address size; LOOP does not
 * change flags. */
static void test_loop_and_jcxz(void **state)
{
    static const IntCase t[] = {
        { "loop with rcx=1 falls through", IC_64, CODE("\xe2\xfe"),
          .in = { RG(R_RCX, 1) }, .flags_in = F_Z,
          .out = { RG(R_RCX, 0) }, .flags_mask = ARITH, .flags_out = F_Z },
        { "loop with rcx=3 branches", IC_64, CODE("\xe2\xfe"),
          .in = { RG(R_RCX, 3) }, .out = { RG(R_RCX, 2) }, .rip_out = C },
        { "a32 loop uses ECX", IC_64, CODE("\x67\xe2\xfd"),
          .in = { RG(R_RCX, 0x100000001ull) }, .out = { RG(R_RCX, 0) } },
        { "loope stops on ZF=0", IC_64, CODE("\xe1\xfe"),
          .in = { RG(R_RCX, 5) }, .out = { RG(R_RCX, 4) } },
        { "loopne branches on ZF=0", IC_64, CODE("\xe0\xfe"),
          .in = { RG(R_RCX, 5) }, .out = { RG(R_RCX, 4) }, .rip_out = C },
        { "jrcxz taken", IC_64, CODE("\xe3\x05"),
          .in = { RG(R_RCX, 0) }, .rip_out = C + 7 },
        { "jecxz looks at ECX only", IC_64, CODE("\x67\xe3\x05"),
          .in = { RG(R_RCX, 0x100000000ull) }, .rip_out = C + 8 },
        { "jcxz in real mode", IC_16, CODE("\xe3\x05"),
          .in = { RG(R_RCX, 0x10000) }, .rip_out = C + 7 },
    };
    IC_RUN_TABLE(state, t);
}

/* The same instructions through the run loop (cpu_step, decoded-block
 * cache): a counted loop sums 10..1. */
static void test_loop_program_through_run_loop(void **state)
{
    IcState *s = *state;
    static const uint8_t prog[] = {
        0xb9, 0x0a, 0x00, 0x00, 0x00,   /* mov ecx,10 */
        0x31, 0xc0,                     /* xor eax,eax */
        0x01, 0xc8,                     /* add eax,ecx */
        0xe2, 0xfc,                     /* loop add */
    };
    fixture_mode_long64(s->fx);
    fixture_load_code(s->fx, prog, sizeof(prog));
    assert_int_equal(fixture_run(s->fx, sizeof(prog), 100), ST_OK);
    assert_int_equal(s->fx->cpu.gpr[R_RAX], 55);
    assert_int_equal(s->fx->cpu.gpr[R_RCX], 0);
    assert_int_equal(s->fx->cpu.rip, C + sizeof(prog));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jcc_conditions),
        cmocka_unit_test(test_target_operand_size),
        cmocka_unit_test(test_noncanonical_target_faults),
        cmocka_unit_test(test_cs_limit),
        cmocka_unit_test(test_call_ret),
        cmocka_unit_test(test_loop_and_jcxz),
        cmocka_unit_test(test_loop_program_through_run_loop),
    };
    return cmocka_run_group_tests_name("ops_branch", tests, ic_setup, ic_teardown);
}
