/*
 * cpu/tests/test_ops_string.c: MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE
 * (cpu/ops_string.c) against SDM Vol.2B MOVS, REP/REPE/REPZ/REPNE/REPNZ,
 * SCAS, STOS and Vol.1 7.3.9 "String Operations".
 */
#include "cpu/tests/int_cases.h"

#define D FX_DATA

/* REP repeats while rCX != 0; each element steps rSI/rDI by the operand
 * size, downward when DF = 1; a zero count does nothing. */
static void test_rep_count_and_direction(void **state)
{
    static const IntCase t[] = {
        { "rep movsb", IC_64, CODE("\xf3\xa4"),
          .in = { RG(R_RCX, 5), RG(R_RSI, D), RG(R_RDI, D + 0x100) },
          .mem_in = { MEM(D, 8, 0x1122334455667788ull), MEM(D + 0x100, 8, 0) },
          .out = { RG(R_RCX, 0), RG(R_RSI, D + 5), RG(R_RDI, D + 0x105) },
          .mem_out = { MEM(D + 0x100, 8, 0x0000004455667788ull) } },
        { "std; rep stosd", IC_64, CODE("\xf3\xab"),
          .in = { RG(R_RCX, 3), RG(R_RDI, D + 0x10), RG(R_RAX, 0xdeadbeef) },
          .flags_in = RFLAGS_DF,
          .mem_in = { MEM(D + 4, 4, 0), MEM(D + 8, 8, 0), MEM(D + 16, 4, 0) },
          .out = { RG(R_RCX, 0), RG(R_RDI, D + 4) },
          .mem_out = { MEM(D + 4, 4, 0), MEM(D + 8, 8, 0xdeadbeefdeadbeefull),
                       MEM(D + 16, 4, 0xdeadbeef) } },
        { "rep stosb with rcx=0", IC_64, CODE("\xf3\xaa"),
          .in = { RG(R_RCX, 0), RG(R_RDI, D) }, .flags_in = F_Z,
          .mem_in = { MEM(D, 1, 0x5a) },
          .out = { RG(R_RDI, D) }, .mem_out = { MEM(D, 1, 0x5a) },
          .flags_mask = ARITH, .flags_out = F_Z },
        { "lodsw", IC_64, CODE("\x66\xad"),
          .in = { RG(R_RSI, D), RG(R_RAX, 0xffffffffffff0000ull) },
          .mem_in = { MEM(D, 2, 0xbeef) },
          .out = { RG(R_RAX, 0xffffffffffffbeefull), RG(R_RSI, D + 2) } },
    };
    IC_RUN_TABLE(state, t);
}

/* REPE/REPNE end CMPS/SCAS on the ZF condition after the compare. */
static void test_repe_repne_termination(void **state)
{
    static const IntCase t[] = {
        { "repe cmpsb stops at a mismatch", IC_64, CODE("\xf3\xa6"),
          .in = { RG(R_RCX, 10), RG(R_RSI, D), RG(R_RDI, D + 0x100) },
          .mem_in = { MEM(D, 4, 0x58636261), MEM(D + 0x100, 4, 0x59636261) },
          .out = { RG(R_RCX, 6), RG(R_RSI, D + 4), RG(R_RDI, D + 0x104) },
          .flags_mask = F_Z | F_C, .flags_out = F_C },
        { "repne scasb finds 0", IC_64, CODE("\xf2\xae"),
          .in = { RG(R_RCX, 10), RG(R_RDI, D), RG(R_RAX, 0) },
          .mem_in = { MEM(D, 4, 0x00006261) },
          .out = { RG(R_RCX, 7), RG(R_RDI, D + 3) },
          .flags_mask = F_Z, .flags_out = F_Z },
    };
    IC_RUN_TABLE(state, t);
}

/* The address size picks SI/ESI/RSI, DI/EDI/RDI and CX/ECX/RCX; 32-bit
 * updates zero-extend (SDM Vol.1 3.6). */
static void test_address_size(void **state)
{
    static const IntCase t[] = {
        { "a32 rep movsb in 64-bit mode", IC_64, CODE("\x67\xf3\xa4"),
          .in = { RG(R_RCX, 0x100000001ull), RG(R_RSI, 0x100000000ull | D),
                  RG(R_RDI, 0x100000000ull | (D + 0x40)) },
          .mem_in = { MEM(D, 1, 0x77) },
          .out = { RG(R_RCX, 0), RG(R_RSI, D + 1), RG(R_RDI, D + 0x41) },
          .mem_out = { MEM(D + 0x40, 1, 0x77) } },
        { "a16 stosb wraps DI in real mode", IC_16, CODE("\xaa"),
          .in = { RG(R_RDI, 0xffff), RG(R_RAX, 0x33) },
          .out = { RG(R_RDI, 0) }, .mem_out = { MEM(0xffff, 1, 0x33) } },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2B REP: a fault in iteration k leaves rCX, rSI and rDI as after
 * k-1 iterations, RIP at the instruction, so it restarts there. */
static void test_rep_fault_is_restartable(void **state)
{
    static const IntCase t[] = {
        { "a32 rep movsb past the real-mode limit", IC_16, CODE("\x67\xf3\xa4"),
          .in = { RG(R_RCX, 5), RG(R_RSI, 0x2000), RG(R_RDI, 0xfffe) },
          .out = { RG(R_RCX, 3), RG(R_RSI, 0x2002), RG(R_RDI, 0x10000) },
          FAULT(EXC_GP) },
        { "rep movsb with TF: one iteration per step", IC_64, CODE("\xf3\xa4"),
          .in = { RG(R_RCX, 3), RG(R_RSI, D), RG(R_RDI, D + 0x40) },
          .flags_in = RFLAGS_TF,
          .out = { RG(R_RCX, 2), RG(R_RSI, D + 1), RG(R_RDI, D + 0x41) },
          .rip_out = FX_CODE },
        { "rep stosb into a not-present page", IC_64, CODE("\xf3\xaa"),
          .in = { RG(R_RCX, 5), RG(R_RDI, 0x3ffffe), RG(R_RAX, 0x44) },
          .mem_in = { MEM(FX_PAGING + 0x2000 + 8 * 2, 8, 0) },
          .out = { RG(R_RCX, 3), RG(R_RDI, 0x400000) },
          .mem_out = { MEM(0x3ffffe, 2, 0x4444) },
          FAULT(EXC_PF) },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2B MOVS: the source segment can be overridden, the destination
 * is always ES. */
static void test_source_segment_override(void **state)
{
    IcState *s = *state;
    Cpu *cpu = &s->fx->cpu;
    fixture_mode_prot32(s->fx);
    cpu->seg[SEG_FS].base = 0x1000;
    cpu->seg[SEG_ES].base = 0x2000;
    cpu->gpr[R_RSI] = D;
    cpu->gpr[R_RDI] = D;
    cpu->rflags = RFLAGS_FIXED1;
    fixture_write_phys(s->fx, D + 0x1000, 1, 0xab);
    fixture_write_phys(s->fx, D + 0x2000, 1, 0);
    fixture_load_code(s->fx, "\x64\xa4", 2);   /* movsb es:[edi], fs:[esi] */
    assert_int_equal(ic_step(s), ST_OK);
    assert_int_equal(fixture_read_phys(s->fx, D + 0x2000, 1), 0xab);
    assert_int_equal(cpu->gpr[R_RSI], D + 1);
}

/* A long REP runs in chunks: after one step RIP still points at the
 * instruction with the registers describing the progress, so events can
 * be taken between iterations (SDM Vol.2B REP); the run loop finishes it. */
static void test_long_rep_runs_in_restartable_chunks(void **state)
{
    IcState *s = *state;
    Cpu *cpu = &s->fx->cpu;
    fixture_mode_long64(s->fx);
    cpu->rflags = RFLAGS_FIXED1;
    cpu->gpr[R_RCX] = 10000;
    cpu->gpr[R_RSI] = D;
    cpu->gpr[R_RDI] = D + 0x10000;
    fixture_write_phys(s->fx, D + 9999, 1, 0xc3);
    fixture_load_code(s->fx, "\xf3\xa4", 2);
    assert_int_equal(fixture_run(s->fx, 2, 1), ST_OK);
    assert_int_equal(cpu->rip, FX_CODE);
    assert_true(cpu->gpr[R_RCX] > 0 && cpu->gpr[R_RCX] < 10000);
    assert_int_equal(cpu->gpr[R_RSI] - D, 10000 - cpu->gpr[R_RCX]);
    assert_int_equal(fixture_run(s->fx, 2, 100), ST_OK);
    assert_int_equal(cpu->gpr[R_RCX], 0);
    assert_int_equal(cpu->gpr[R_RDI], D + 0x10000 + 10000);
    assert_int_equal(fixture_read_phys(s->fx, D + 0x10000 + 9999, 1), 0xc3);
    assert_int_equal(cpu->rip, FX_CODE + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rep_count_and_direction),
        cmocka_unit_test(test_repe_repne_termination),
        cmocka_unit_test(test_address_size),
        cmocka_unit_test(test_rep_fault_is_restartable),
        cmocka_unit_test(test_source_segment_override),
        cmocka_unit_test(test_long_rep_runs_in_restartable_chunks),
    };
    return cmocka_run_group_tests_name("ops_string", tests, ic_setup, ic_teardown);
}
