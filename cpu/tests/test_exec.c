/*
 * cpu/tests/test_exec.c: the run loop (cpu/exec.c): retirement and the
 * cycle budget, RIP commit, fault delivery, the interrupt shadow (SDM Vol.3
 * 6.8.3), single-step traps (18.3.1.4), RFLAGS.RF (18.3.1.1), HLT, and a
 * deterministic random-bytes run of the whole interpreter in every mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cpu/arch.h"
#include "cpu/tests/fixture.h"

/* mov ecx, n; L: add eax, 1; dec ecx; jnz L; hlt */
static void load_loop(Fixture *fx, uint32_t n)
{
    uint8_t code[] = { 0xb9, 0, 0, 0, 0, 0x83, 0xc0, 0x01, 0xff, 0xc9, 0x75, 0xf9, 0xf4 };
    memcpy(code + 1, &n, 4);
    fixture_load_code(fx, code, sizeof(code));
}

/* Real-mode IVT entry (SDM Vol.3 21.1.4 "Interrupt and Exception Handling"
 * in real-address mode): offset then segment. */
static void set_ivt(Fixture *fx, unsigned vector, uint16_t seg, uint16_t off)
{
    fixture_write_phys(fx, vector * 4, 2, off);
    fixture_write_phys(fx, vector * 4 + 2, 2, seg);
}

static void test_run_retires_each_instruction_once(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    load_loop(fx, 1000);
    SimStatus st = cpu_run(&fx->cpu, 1000000);
    assert_int_equal(st, ST_HALT);
    assert_int_equal(fx->cpu.gpr[R_RAX], 1000);
    assert_int_equal(fx->cpu.gpr[R_RCX], 0);
    /* mov + 3 * 1000 + hlt */
    assert_int_equal(fx->cpu.icount, 3002);
    assert_int_equal(fx->cpu.cycles, 3002);
    assert_int_equal(fx->cpu.rip, FX_CODE + 13);
    fixture_free(fx);
}

static void test_run_stops_exactly_at_budget(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_prot32(fx);
    load_loop(fx, 1000);
    SimStatus st = cpu_run(&fx->cpu, 101);
    assert_int_equal(st, ST_BUDGET);
    assert_int_equal(fx->cpu.cycles, 101);
    assert_int_equal(fx->cpu.icount, 101);
    /* 1 mov + 33 iterations + the add of the 34th */
    assert_int_equal(fx->cpu.gpr[R_RAX], 34);
    assert_int_equal(fx->cpu.rip, FX_CODE + 8);
    st = cpu_run(&fx->cpu, 1000000);
    assert_int_equal(st, ST_HALT);
    assert_int_equal(fx->cpu.gpr[R_RAX], 1000);
    fixture_free(fx);
}

static void test_step_commits_rip_by_length(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    /* mov rax, imm64 (10 bytes); nop */
    static const uint8_t code[] = { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 0x90 };
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(cpu_step(&fx->cpu), ST_OK);
    assert_int_equal(fx->cpu.rip, FX_CODE + 10);
    assert_int_equal(fx->cpu.gpr[R_RAX], 0x0807060504030201ull);
    assert_int_equal(cpu_step(&fx->cpu), ST_OK);
    assert_int_equal(fx->cpu.rip, FX_CODE + 11);
    assert_int_equal(fx->cpu.icount, 2);
    fixture_free(fx);
}

/* #UD from the decoder is delivered through the IVT with RIP at the
 * instruction (SDM Vol.3 6.5 "Exception Classifications": faults). */
static void test_undefined_opcode_delivers_ud_fault(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_real(fx);
    set_ivt(fx, EXC_UD, 0x0000, 0x3000);
    static const uint8_t code[] = { 0x0f, 0x0b };   /* UD2 */
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(cpu_step(&fx->cpu), ST_OK);
    assert_int_equal(fx->cpu.rip, 0x3000);
    assert_int_equal(fx->cpu.icount, 0);
    /* The pushed IP is the faulting instruction. */
    uint64_t sp = fx->cpu.gpr[R_RSP] & 0xffff;
    assert_int_equal(fixture_read_phys(fx, sp, 2), FX_CODE);
    fixture_free(fx);
}

/* SDM Vol.3 6.8.3: the shadow of STI/MOV SS lasts until the end of the
 * next instruction. */
static void test_interrupt_shadow_ends_after_next_instruction(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_prot32(fx);
    static const uint8_t code[] = { 0x90, 0x90, 0x90 };
    fixture_load_code(fx, code, sizeof(code));
    fx->cpu.sti_shadow = true;
    assert_int_equal(cpu_step(&fx->cpu), ST_OK);
    assert_false(fx->cpu.sti_shadow);
    fx->cpu.movss_shadow = true;
    assert_int_equal(cpu_run(&fx->cpu, fx->cpu.cycles + 1), ST_BUDGET);
    assert_false(fx->cpu.movss_shadow);
    assert_int_equal(fx->cpu.rip, FX_CODE + 2);
    fixture_free(fx);
}

/* SDM Vol.3 18.3.1.4: with TF set, a single-step #DB trap follows the
 * instruction, DR6.BS is set, and the pushed IP is the next instruction. */
static void test_single_step_traps_after_instruction(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_real(fx);
    set_ivt(fx, EXC_DB, 0x0000, 0x3000);
    static const uint8_t code[] = { 0x40, 0x40 };   /* inc ax; inc ax */
    fixture_load_code(fx, code, sizeof(code));
    fx->cpu.rflags |= RFLAGS_TF;
    assert_int_equal(cpu_run(&fx->cpu, 100), ST_BUDGET);
    assert_int_equal(fx->cpu.gpr[R_RAX] & 0xffff, 1);
    assert_true(fx->cpu.dr[6] & (1u << 14));
    uint64_t sp = fx->cpu.gpr[R_RSP] & 0xffff;
    assert_int_equal(fixture_read_phys(fx, sp, 2), FX_CODE + 1);
    /* The handler (zeros: add [bx+si],al) is not single-stepped: delivery
     * cleared TF. */
    assert_false(fx->cpu.rflags & RFLAGS_TF);
    fixture_free(fx);
}

/* SDM Vol.3 18.3.1.1: RF is cleared when an instruction completes. */
static void test_rf_cleared_after_instruction(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    static const uint8_t code[] = { 0x90, 0x90 };
    fixture_load_code(fx, code, sizeof(code));
    fx->cpu.rflags |= RFLAGS_RF;
    assert_int_equal(cpu_step(&fx->cpu), ST_OK);
    assert_false(fx->cpu.rflags & RFLAGS_RF);
    fixture_free(fx);
}

static void test_halted_cpu_does_not_execute(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    static const uint8_t code[] = { 0x90 };
    fixture_load_code(fx, code, sizeof(code));
    fx->cpu.activity = CPU_HLT;
    assert_int_equal(cpu_step(&fx->cpu), ST_HALT);
    assert_int_equal(cpu_run(&fx->cpu, 100), ST_HALT);
    assert_int_equal(fx->cpu.rip, FX_CODE);
    fx->cpu.activity = CPU_SHUTDOWN;
    assert_int_equal(cpu_step(&fx->cpu), ST_SHUTDOWN);
    fixture_free(fx);
}

/* Deterministic random bytes as code, in every mode: the interpreter must
 * end each run with a defined status and never crash or hang. xorshift64*
 * with a fixed seed (STYLE 5: no unseeded randomness). */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static void test_random_code_runs_to_a_defined_status(void **state)
{
    static void (*const modes[])(Fixture *) = {
        fixture_mode_real, fixture_mode_prot32, fixture_mode_long64, fixture_mode_compat32,
    };
    Fixture *fx = fixture_new();
    uint64_t seed = 0x5eed0001;
    unsigned executed = 0;
    for (unsigned iter = 0; iter < 3000; iter++) {
        uint8_t code[64];
        for (unsigned i = 0; i < sizeof(code); i++)
            code[i] = (uint8_t)rng_next(&seed);
        modes[iter % 4](fx);
        fixture_load_code(fx, code, sizeof(code));
        uint64_t before = fx->cpu.icount;
        SimStatus st = cpu_run(&fx->cpu, fx->cpu.cycles + 200);
        assert_true(st == ST_OK || st == ST_BUDGET || st == ST_HALT || st == ST_SHUTDOWN ||
                    st == ST_STOP || st == ST_VMEXIT);
        if (st == ST_STOP)
            assert_non_null(fx->cpu.stop_reason);
        executed += (unsigned)(fx->cpu.icount - before);
        fx->cpu.activity = CPU_ACTIVE;
        fx->cpu.stop_reason = NULL;
    }
    assert_true(executed > 3000);
    fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_retires_each_instruction_once),
        cmocka_unit_test(test_run_stops_exactly_at_budget),
        cmocka_unit_test(test_step_commits_rip_by_length),
        cmocka_unit_test(test_undefined_opcode_delivers_ud_fault),
        cmocka_unit_test(test_interrupt_shadow_ends_after_next_instruction),
        cmocka_unit_test(test_single_step_traps_after_instruction),
        cmocka_unit_test(test_rf_cleared_after_instruction),
        cmocka_unit_test(test_halted_cpu_does_not_execute),
        cmocka_unit_test(test_random_code_runs_to_a_defined_status),
    };
    return cmocka_run_group_tests_name("exec", tests, NULL, NULL);
}
