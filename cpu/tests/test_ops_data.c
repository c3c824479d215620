/*
 * cpu/tests/test_ops_data.c: data transfer, stack, conversion, flag,
 * SETcc/CMOVcc, NOP, XLAT, MOVBE, RDRAND, BCD and BOUND instructions
 * (cpu/ops_data.c) against their SDM Vol.2 pages.
 */
#include "cpu/tests/int_cases.h"

#define D FX_DATA
#define T FX_STACK_TOP

/* SDM Vol.2B MOV: moffs is an address-size offset (8 bytes in 64-bit
 * mode); REX.W B8 takes a 64-bit immediate; byte registers 4-7 are AH..BH
 * without REX. */
static void test_mov_forms(void **state)
{
    static const IntCase t[] = {
        { "mov rax,[moffs64]", IC_64, CODE("\x48\xa1\x10\x00\x20\x00\x00\x00\x00\x00"),
          .mem_in = { MEM(D + 0x10, 8, 0x0102030405060708ull) },
          .out = { RG(R_RAX, 0x0102030405060708ull) } },
        { "mov [moffs64],al", IC_64, CODE("\xa2\x10\x00\x20\x00\x00\x00\x00\x00"),
          .in = { RG(R_RAX, 0x99) }, .mem_in = { MEM(D + 0x10, 2, 0) },
          .mem_out = { MEM(D + 0x10, 2, 0x99) } },
        { "mov rax,imm64", IC_64, CODE("\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11"),
          .out = { RG(R_RAX, 0x1122334455667788ull) } },
        { "mov r9b,imm8", IC_64, CODE("\x41\xb1\x12"),
          .in = { RG(R_R9, ~0ull) }, .out = { RG(R_R9, ~0xedull) } },
        { "mov ah,imm8", IC_64, CODE("\xb4\x12"),
          .in = { RG(R_RAX, 0xffff) }, .out = { RG(R_RAX, 0x12ff) } },
    };
    IC_RUN_TABLE(state, t);
}

/* MOVSX/MOVZX/MOVSXD and LEA (SDM Vol.2A LEA: the address is computed at
 * the address size, then truncated to the operand size). */
static void test_extend_and_lea(void **state)
{
    static const IntCase t[] = {
        { "movsxd rax,ecx", IC_64, CODE("\x48\x63\xc1"),
          .in = { RG(R_RCX, 0x80000000) }, .out = { RG(R_RAX, 0xffffffff80000000ull) } },
        { "movzx eax,byte [rbx]", IC_64, CODE("\x0f\xb6\x03"),
          .in = { RG(R_RAX, ~0ull), RG(R_RBX, D) }, .mem_in = { MEM(D, 1, 0x80) },
          .out = { RG(R_RAX, 0x80) } },
        { "movsx rax,cx", IC_64, CODE("\x48\x0f\xbf\xc1"),
          .in = { RG(R_RCX, 0x8000) }, .out = { RG(R_RAX, 0xffffffffffff8000ull) } },
        { "lea ax,[rcx+rbx]", IC_64, CODE("\x66\x8d\x04\x19"),
          .in = { RG(R_RAX, 0x12340000), RG(R_RCX, 0x1ffff), RG(R_RBX, 2) },
          .out = { RG(R_RAX, 0x12340001) } },
        { "lea eax,[ecx+ebx] (a32)", IC_64, CODE("\x67\x8d\x04\x19"),
          .in = { RG(R_RCX, 0xffffffff), RG(R_RBX, 2) }, .out = { RG(R_RAX, 1) } },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2B XCHG/NOP: 90 is NOP (RAX untouched in 64-bit mode), 41 90 is
 * XCHG r8d,eax; F3 90 is PAUSE. XADD with one register: DEST = sum. */
static void test_xchg_nop_xadd(void **state)
{
    static const IntCase t[] = {
        { "90 does not clear RAX[63:32]", IC_64, CODE("\x90"),
          .in = { RG(R_RAX, 0xffffffff00000001ull) },
          .out = { RG(R_RAX, 0xffffffff00000001ull) } },
        { "pause", IC_64, CODE("\xf3\x90"),
          .in = { RG(R_RAX, 0xffffffff00000001ull) },
          .out = { RG(R_RAX, 0xffffffff00000001ull) } },
        { "xchg r8d,eax", IC_64, CODE("\x41\x90"),
          .in = { RG(R_RAX, 0xffffffff00000001ull), RG(R_R8, 0xffffffff00000002ull) },
          .out = { RG(R_RAX, 2), RG(R_R8, 1) } },
        { "xadd eax,eax", IC_64, CODE("\x0f\xc1\xc0"),
          .in = { RG(R_RAX, 3) }, .out = { RG(R_RAX, 6) } },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2A CMPXCHG8B/CMPXCHG16B: ZF reports the comparison; 16B needs a
 * 16-byte aligned operand, else #GP(0). */
static void test_cmpxchg8b_16b(void **state)
{
    static const IntCase t[] = {
        { "cmpxchg8b equal", IC_64, CODE("\x0f\xc7\x0b"),
          .in = { RG(R_RBX, D), RG(R_RAX, 0x11111111), RG(R_RDX, 0x22222222),
                  RG(R_RCX, 0x44444444) },
          .mem_in = { MEM(D, 8, 0x2222222211111111ull) },
          .mem_out = { MEM(D, 8, 0x4444444400200000ull) },
          .flags_mask = F_Z, .flags_out = F_Z },
        { "cmpxchg8b unequal loads EDX:EAX", IC_64, CODE("\x0f\xc7\x0b"),
          .in = { RG(R_RBX, D), RG(R_RAX, ~0ull), RG(R_RDX, ~0ull) },
          .mem_in = { MEM(D, 8, 0x2222222211111111ull) },
          .out = { RG(R_RAX, 0x11111111), RG(R_RDX, 0x22222222) },
          .flags_mask = F_Z, .flags_out = 0 },
        { "cmpxchg16b misaligned", IC_64, CODE("\x48\x0f\xc7\x0b"),
          .in = { RG(R_RBX, D + 8) }, FAULT(EXC_GP) },
        { "cmpxchg16b equal", IC_64, CODE("\x48\x0f\xc7\x0b"),
          .in = { RG(R_RBX, D), RG(R_RAX, 1), RG(R_RDX, 2), RG(R_RCX, 4) },
          .mem_in = { MEM(D, 8, 1), MEM(D + 8, 8, 2) },
          .mem_out = { MEM(D, 8, D), MEM(D + 8, 8, 4) },
          .flags_mask = F_Z, .flags_out = F_Z },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2B PUSH/POP: 64-bit default operand size, 66 gives 16 bits;
 * PUSH rSP pushes the old value; POP rSP loads it; POP [rSP] addresses with
 * the incremented rSP. */
static void test_push_pop(void **state)
{
    static const IntCase t[] = {
        { "push rax; pop rbx", IC_64, CODE("\x50\x5b"), .steps = 2,
          .in = { RG(R_RAX, 0x1234567890ull) },
          .out = { RG(R_RBX, 0x1234567890ull), RG(R_RSP, T) } },
        { "push -1 (imm8)", IC_64, CODE("\x6a\xff"),
          .out = { RG(R_RSP, T - 8) }, .mem_out = { MEM(T - 8, 8, ~0ull) } },
        { "push ax", IC_64, CODE("\x66\x50"),
          .in = { RG(R_RAX, 0xabcd) }, .mem_in = { MEM(T - 8, 8, 0) },
          .out = { RG(R_RSP, T - 2) }, .mem_out = { MEM(T - 8, 8, 0xabcd000000000000ull) } },
        { "push rsp", IC_64, CODE("\x54"),
          .out = { RG(R_RSP, T - 8) }, .mem_out = { MEM(T - 8, 8, T) } },
        { "pop rsp", IC_64, CODE("\x5c"),
          .in = { RG(R_RSP, T - 8) }, .mem_in = { MEM(T - 8, 8, 0x1000) },
          .out = { RG(R_RSP, 0x1000) } },
        { "pop qword [rsp]", IC_64, CODE("\x8f\x04\x24"),
          .in = { RG(R_RSP, T - 8) }, .mem_in = { MEM(T - 8, 8, 0x77), MEM(T, 8, 0) },
          .out = { RG(R_RSP, T) }, .mem_out = { MEM(T, 8, 0x77) } },
        { "push esi 32-bit", IC_32, CODE("\x56"),
          .in = { RG(R_RSI, 0x5a5a5a5a) },
          .out = { RG(R_RSP, T - 4) }, .mem_out = { MEM(T - 4, 4, 0x5a5a5a5a) } },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2B PUSHA/POPA: eight registers with the original ESP; POPA skips
 * ESP. Invalid in 64-bit mode. */
static void test_pusha_popa(void **state)
{
    static const IntCase t[] = {
        { "pusha; popa round trip", IC_32, CODE("\x60\x31\xc0\x61"), .steps = 3,
          .in = { RG(R_RAX, 1), RG(R_RCX, 2), RG(R_RDX, 3), RG(R_RBX, 4), RG(R_RBP, 6),
                  RG(R_RSI, 7), RG(R_RDI, 8) },
          .out = { RG(R_RAX, 1), RG(R_RCX, 2), RG(R_RBP, 6), RG(R_RDI, 8), RG(R_RSP, T) },
          .mem_out = { MEM(T - 4, 4, 1), MEM(T - 20, 4, T), MEM(T - 32, 4, 8) } },
        { "pusha in 64-bit mode", IC_64, CODE("\x60"), FAULT(EXC_UD) },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2A ENTER (nesting copies frame pointers) and LEAVE. */
static void test_enter_leave(void **state)
{
    static const IntCase t[] = {
        { "enter 8,0", IC_64, CODE("\xc8\x08\x00\x00"),
          .in = { RG(R_RBP, 0x123) },
          .out = { RG(R_RBP, T - 8), RG(R_RSP, T - 16) },
          .mem_out = { MEM(T - 8, 8, 0x123) } },
        { "enter 8,2", IC_64, CODE("\xc8\x08\x00\x02"),
          .in = { RG(R_RBP, T - 0x100) }, .mem_in = { MEM(T - 0x108, 8, 0xaaaa) },
          .out = { RG(R_RBP, T - 8), RG(R_RSP, T - 32) },
          .mem_out = { MEM(T - 8, 8, T - 0x100), MEM(T - 16, 8, 0xaaaa), MEM(T - 24, 8, T - 8) } },
        { "leave", IC_64, CODE("\xc9"),
          .in = { RG(R_RBP, T - 0x40) }, .mem_in = { MEM(T - 0x40, 8, 0x5555) },
          .out = { RG(R_RBP, 0x5555), RG(R_RSP, T - 0x38) } },
    };
    IC_RUN_TABLE(state, t);
}

/* CBW/CWDE/CDQE, CWD/CDQ/CQO; SETcc; CMOVcc (32-bit destination is
 * zero-extended even when false; the source is read either way). */
static void test_convert_setcc_cmov(void **state)
{
    static const IntCase t[] = {
        { "cbw real mode", IC_16, CODE("\x98"),
          .in = { RG(R_RAX, 0x1280) }, .out = { RG(R_RAX, 0xff80) } },
        { "cdqe", IC_64, CODE("\x48\x98"),
          .in = { RG(R_RAX, 0x80000000) }, .out = { RG(R_RAX, 0xffffffff80000000ull) } },
        { "cqo", IC_64, CODE("\x48\x99"),
          .in = { RG(R_RAX, 1ull << 63), RG(R_RDX, 5) }, .out = { RG(R_RDX, ~0ull) } },
        { "sete al", IC_64, CODE("\x0f\x94\xc0"),
          .in = { RG(R_RAX, 0xff00) }, .flags_in = F_Z, .out = { RG(R_RAX, 0xff01) } },
        { "cmove eax,ecx false", IC_64, CODE("\x0f\x44\xc1"),
          .in = { RG(R_RAX, 0xffffffff00000005ull), RG(R_RCX, 9) },
          .out = { RG(R_RAX, 5) } },
        { "cmove eax,[bad] false faults", IC_64, CODE("\x0f\x44\x03"),
          .in = { RG(R_RBX, 0x8000000000000000ull) }, FAULT(EXC_GP) },
    };
    IC_RUN_TABLE(state, t);
}

/* LAHF/SAHF (SDM Vol.2A LAHF), CLC STC CMC CLD STD. */
static void test_flag_instructions(void **state)
{
    static const IntCase t[] = {
        { "lahf", IC_64, CODE("\x9f"),
          .flags_in = F_S | F_Z | F_C | F_O, .out = { RG(R_RAX, 0xc300) } },
        { "sahf", IC_64, CODE("\x9e"),
          .in = { RG(R_RAX, 0xd500) }, .flags_in = F_O,
          .flags_mask = ARITH, .flags_out = F_S | F_Z | F_A | F_P | F_C | F_O },
        { "stc; cmc; std", IC_64, CODE("\xf9\xf5\xfd"), .steps = 3,
          .flags_mask = F_C | RFLAGS_DF, .flags_out = RFLAGS_DF },
    };
    IC_RUN_TABLE(state, t);
}

/* In 64-bit mode LAHF needs CPUID.80000001H:ECX.LAHF-SAHF, else #UD. */
static void test_lahf_needs_feature_in_64bit(void **state)
{
    IcState *s = *state;
    static const IntCase t[] = {
        { "lahf without LAHF_LM", IC_64, CODE("\x9f"), FAULT(EXC_UD) },
        { "lahf without LAHF_LM in 32-bit mode", IC_32, CODE("\x9f"),
          .flags_in = F_C, .out = { RG(R_RAX, 0x0300) } },
    };
    g_assert(cpu_model_set_feature(&s->fx->model, FEAT_LAHF_LM, false));
    cpu_model_derive(&s->fx->model);
    bool ok = ic_run(s, &t[0]) && ic_run(s, &t[1]);
    g_assert(cpu_model_set_feature(&s->fx->model, FEAT_LAHF_LM, true));
    cpu_model_derive(&s->fx->model);
    assert_true(ok);
}

/* NOP Ev and the hint space do not access memory; XLAT; MOVBE. */
static void test_nop_xlat_movbe(void **state)
{
    static const IntCase t[] = {
        { "nop dword [rax+rax]", IC_64, CODE("\x0f\x1f\x04\x00"),
          .in = { RG(R_RAX, 0x8000000000000000ull) } },
        { "prefetchnta [bad]", IC_64, CODE("\x0f\x18\x03"),
          .in = { RG(R_RBX, 0x8000000000000000ull) } },
        { "xlat", IC_64, CODE("\xd7"),
          .in = { RG(R_RBX, D), RG(R_RAX, 0x1205) }, .mem_in = { MEM(D + 5, 1, 0x66) },
          .out = { RG(R_RAX, 0x1266) } },
        { "movbe eax,[rbx]", IC_64, CODE("\x0f\x38\xf0\x03"),
          .in = { RG(R_RBX, D) }, .mem_in = { MEM(D, 4, 0x11223344) },
          .out = { RG(R_RAX, 0x44332211) } },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2B RDRAND: CF = 1 when a value is returned; vmxsim's values come
 * from cpu->rng_state, so the same seed gives the same number. */
static void test_rdrand_deterministic(void **state)
{
    IcState *s = *state;
    Cpu *cpu = &s->fx->cpu;
    uint64_t v[2];
    for (unsigned i = 0; i < 2; i++) {
        fixture_mode_long64(s->fx);
        cpu->rng_state = 42;
        cpu->rflags = RFLAGS_FIXED1 | F_Z;
        fixture_load_code(s->fx, "\x48\x0f\xc7\xf0", 4);   /* rdrand rax */
        assert_int_equal(ic_step(s), ST_OK);
        assert_int_equal(cpu->rflags & ARITH, F_C);
        v[i] = cpu->gpr[R_RAX];
    }
    assert_int_equal(v[0], v[1]);
    fixture_load_code(s->fx, "\x48\x0f\xc7\xf0", 4);
    assert_int_equal(ic_step(s), ST_OK);
    assert_int_not_equal(cpu->gpr[R_RAX], v[0]);
}

/* SDM Vol.2A DAA DAS AAA AAS AAM AAD "Operation"; invalid in 64-bit mode;
 * AAM 0 is #DE. */
static void test_bcd_adjust(void **state)
{
    static const IntCase t[] = {
        { "daa 0x79+0x35", IC_32, CODE("\x27"),
          .in = { RG(R_RAX, 0xae) }, .out = { RG(R_RAX, 0x14) },
          .flags_mask = F_C | F_A, .flags_out = F_C | F_A },
        { "das 0x35-0x47", IC_32, CODE("\x2f"),
          .in = { RG(R_RAX, 0xee) }, .flags_in = F_C | F_A,
          .out = { RG(R_RAX, 0x88) }, .flags_mask = F_C | F_A, .flags_out = F_C | F_A },
        { "aaa 9+8", IC_32, CODE("\x37"),
          .in = { RG(R_RAX, 0x0011) }, .flags_in = F_A,
          .out = { RG(R_RAX, 0x0107) }, .flags_mask = F_C | F_A, .flags_out = F_C | F_A },
        { "aas borrows through AX", IC_32, CODE("\x3f"),
          .in = { RG(R_RAX, 0x0102) }, .flags_in = F_A,
          .out = { RG(R_RAX, 0xff0c) }, .flags_mask = F_C | F_A, .flags_out = F_C | F_A },
        { "aam 10", IC_32, CODE("\xd4\x0a"),
          .in = { RG(R_RAX, 0x3f) }, .out = { RG(R_RAX, 0x0603) } },
        { "aad 10", IC_32, CODE("\xd5\x0a"),
          .in = { RG(R_RAX, 0x0603) }, .out = { RG(R_RAX, 0x3f) } },
        { "aam 0", IC_32, CODE("\xd4\x00"), FAULT(EXC_DE) },
        { "daa in 64-bit mode", IC_64, CODE("\x27"), FAULT(EXC_UD) },
    };
    IC_RUN_TABLE(state, t);
}

/* SDM Vol.2A BOUND: #BR outside [lower, upper] (signed); i64. */
static void test_bound(void **state)
{
    static const IntCase t[] = {
        { "bound in range", IC_32, CODE("\x62\x03"),
          .in = { RG(R_RAX, 15), RG(R_RBX, D) }, .mem_in = { MEM(D, 8, (20ull << 32) | 10) } },
        { "bound above", IC_32, CODE("\x62\x03"),
          .in = { RG(R_RAX, 25), RG(R_RBX, D) }, .mem_in = { MEM(D, 8, (20ull << 32) | 10) },
          FAULT(EXC_BR) },
        { "bound below (signed)", IC_32, CODE("\x62\x03"),
          .in = { RG(R_RAX, 0xffffffff), RG(R_RBX, D) },
          .mem_in = { MEM(D, 8, (20ull << 32) | 0) }, FAULT(EXC_BR) },
        { "D6 (SALC) is undefined", IC_32, CODE("\xd6"), FAULT(EXC_UD) },
    };
    IC_RUN_TABLE(state, t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mov_forms),
        cmocka_unit_test(test_extend_and_lea),
        cmocka_unit_test(test_xchg_nop_xadd),
        cmocka_unit_test(test_cmpxchg8b_16b),
        cmocka_unit_test(test_push_pop),
        cmocka_unit_test(test_pusha_popa),
        cmocka_unit_test(test_enter_leave),
        cmocka_unit_test(test_convert_setcc_cmov),
        cmocka_unit_test(test_flag_instructions),
        cmocka_unit_test(test_lahf_needs_feature_in_64bit),
        cmocka_unit_test(test_nop_xlat_movbe),
        cmocka_unit_test(test_rdrand_deterministic),
        cmocka_unit_test(test_bcd_adjust),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests_name("ops_data", tests, ic_setup, ic_teardown);
}
