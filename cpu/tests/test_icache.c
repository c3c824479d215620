/*
 * cpu/tests/test_icache.c: the decoded-instruction cache (cpu/icache.c):
 * self-modifying code (SDM Vol.3 11.6 "Self-Modifying Code"), instructions
 * that cross a page boundary (validated on both pages, fetch faults on the
 * second page, SDM Vol.3 4.7 "Page-Fault Exceptions"), the CS limit on
 * fetch (Vol.3 5.3 "Limit Checking"), and the decode-mode key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cpu/arch.h"
#include "cpu/internal.h"
#include "cpu/tests/fixture.h"

static uint32_t page_gen(Fixture *fx, uint64_t gpa)
{
    return fx->icache->gen[gpa >> PAGE_SHIFT];
}

/* A store into the next instruction of the same block: the new bytes
 * execute (11.6: a write to a code location is seen by the next fetch of
 * that linear address). */
static void test_store_into_running_block_executes_new_bytes(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    static const uint8_t code[] = {
        0xc6, 0x05, 0x01, 0x00, 0x00, 0x00, 0x02,   /* mov byte [rip+1], 2 */
        0xb8, 0x01, 0x00, 0x00, 0x00,               /* mov eax, 1 */
        0xf4,                                       /* hlt */
    };
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(cpu_run(&fx->cpu, 100), ST_HALT);
    assert_int_equal(fx->cpu.gpr[R_RAX], 2);
    assert_int_equal(fx->cpu.icount, 3);
    fixture_free(fx);
}

/* Code that ran, then was rewritten from outside (DMA or another vCPU):
 * the next run decodes the new bytes. */
static void test_rewritten_code_page_runs_new_bytes(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_prot32(fx);
    static const uint8_t code[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4 };
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(cpu_run(&fx->cpu, 100), ST_HALT);
    assert_int_equal(fx->cpu.gpr[R_RAX], 1);
    assert_true(physmem_is_code_page(&fx->pm, FX_CODE));
    uint32_t gen = page_gen(fx, FX_CODE);
    fixture_write_phys(fx, FX_CODE + 1, 1, 0x07);
    assert_int_not_equal(page_gen(fx, FX_CODE), gen);
    fx->cpu.activity = CPU_ACTIVE;
    fx->cpu.rip = FX_CODE;
    assert_int_equal(cpu_run(&fx->cpu, 200), ST_HALT);
    assert_int_equal(fx->cpu.gpr[R_RAX], 7);
    fixture_free(fx);
}

/* Writes to data that shares a page with decoded code, outside the decoded
 * bytes, keep the page's blocks. */
static void test_data_write_beside_code_keeps_blocks(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    static const uint8_t code[] = { 0x90, 0xf4 };
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(cpu_run(&fx->cpu, 100), ST_HALT);
    uint32_t gen = page_gen(fx, FX_CODE);
    fixture_write_phys(fx, FX_CODE + 0x800, 4, 0x12345678);
    assert_int_equal(page_gen(fx, FX_CODE), gen);
    fixture_write_phys(fx, FX_CODE + 1, 1, 0x90);
    assert_int_not_equal(page_gen(fx, FX_CODE), gen);
    fixture_free(fx);
}

/* mov eax, imm32 placed so its immediate straddles two pages. */
static void put_cross_page_mov(Fixture *fx, uint64_t at, uint32_t imm)
{
    uint8_t insn[6] = { 0xb8, 0, 0, 0, 0, 0xf4 };
    memcpy(insn + 1, &imm, 4);
    for (unsigned i = 0; i < sizeof(insn); i++)
        fixture_write_phys(fx, at + i, 1, insn[i]);
}

static void test_cross_page_instruction_validated_on_both_pages(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    uint64_t at = 0x3000 - 2;   /* opcode and 1 byte on one page, 3 on the next */
    put_cross_page_mov(fx, at, 0x11223344);
    fx->cpu.rip = at;
    assert_int_equal(cpu_run(&fx->cpu, 100), ST_HALT);
    assert_int_equal(fx->cpu.gpr[R_RAX], 0x11223344);
    assert_true(physmem_is_code_page(&fx->pm, 0x2000));
    assert_true(physmem_is_code_page(&fx->pm, 0x3000));
    /* Change only the bytes on the second page. */
    fixture_write_phys(fx, 0x3002, 1, 0x99);
    fx->cpu.activity = CPU_ACTIVE;
    fx->cpu.rip = at;
    assert_int_equal(cpu_run(&fx->cpu, 200), ST_HALT);
    assert_int_equal(fx->cpu.gpr[R_RAX], 0x99223344);
    fixture_free(fx);
}

/* The instruction before a crossing one runs; the crossing one faults
 * with #PF on the second page (CR2 = its first byte there). */
static void test_cross_page_fetch_faults_on_second_page(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    /* Make the 2 MiB page at 4 MiB not present (PD entry 2). */
    fixture_write_phys(fx, FX_PAGING + 0x2000 + 2 * 8, 8, 0);
    uint64_t at = 0x400000 - 3;
    fixture_write_phys(fx, at, 1, 0x90);            /* nop */
    fixture_write_phys(fx, at + 1, 1, 0xb8);        /* mov eax, imm32 ... */
    fixture_write_phys(fx, at + 2, 1, 0x44);
    fx->cpu.rip = at;
    assert_int_equal(cpu_step(&fx->cpu), ST_OK);
    assert_int_equal(fx->cpu.rip, at + 1);
    const DecodedInsn *d;
    assert_int_equal(icache_get(&fx->cpu, &d), ST_FAULT);
    assert_int_equal(fx->cpu.fault.vector, EXC_PF);
    assert_int_equal(fx->cpu.fault.cr2, 0x400000);
    assert_true(fx->cpu.fault.error & PFEC_ID);
    fixture_free(fx);
}

/* SDM Vol.3 5.3: an instruction that extends past the CS limit is #GP(0),
 * also when a longer block was cached under a larger limit. */
static void test_cs_limit_applies_to_cached_blocks(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_prot32(fx);
    static const uint8_t code[] = { 0x90, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4 };
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(cpu_run(&fx->cpu, 100), ST_HALT);
    fx->cpu.activity = CPU_ACTIVE;
    fx->cpu.rip = FX_CODE;
    fx->cpu.seg[SEG_CS].limit = FX_CODE + 3;
    const DecodedInsn *d;
    assert_int_equal(icache_get(&fx->cpu, &d), ST_OK);
    assert_int_equal(d->len, 1);
    fx->cpu.rip = FX_CODE + 1;
    assert_int_equal(icache_get(&fx->cpu, &d), ST_FAULT);
    assert_int_equal(fx->cpu.fault.vector, EXC_GP);
    assert_int_equal(fx->cpu.fault.error, 0);
    /* RIP beyond the limit. */
    fx->cpu.rip = FX_CODE + 4;
    assert_int_equal(icache_get(&fx->cpu, &d), ST_FAULT);
    assert_int_equal(fx->cpu.fault.vector, EXC_GP);
    fixture_free(fx);
}

/* SDM Vol.3 3.3.7.1: a non-canonical RIP is #GP(0) on fetch. */
static void test_noncanonical_rip_faults(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    fx->cpu.rip = 0x0000800000000000ull;
    const DecodedInsn *d;
    assert_int_equal(icache_get(&fx->cpu, &d), ST_FAULT);
    assert_int_equal(fx->cpu.fault.vector, EXC_GP);
    fixture_free(fx);
}

/* The same bytes decode per mode: 48 90 is DEC EAX; NOP in 32-bit mode
 * and one REX.W NOP in 64-bit mode. */
static void test_blocks_are_keyed_by_mode(void **state)
{
    Fixture *fx = fixture_new();
    static const uint8_t code[] = { 0x48, 0x90 };
    const DecodedInsn *d;
    fixture_mode_prot32(fx);
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(icache_get(&fx->cpu, &d), ST_OK);
    assert_int_equal(d->len, 1);
    fixture_mode_long64(fx);
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(icache_get(&fx->cpu, &d), ST_OK);
    assert_int_equal(d->len, 2);
    fixture_mode_prot32(fx);
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(icache_get(&fx->cpu, &d), ST_OK);
    assert_int_equal(d->len, 1);
    fixture_free(fx);
}

/* A block ends after a branch: the instructions after JMP are not part of
 * the block that holds it. */
static void test_block_ends_at_branch(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_long64(fx);
    static const uint8_t code[] = { 0x90, 0x90, 0xeb, 0x00, 0x90, 0xf4 };
    fixture_load_code(fx, code, sizeof(code));
    const IcBlock *b;
    assert_int_equal(icache_block(&fx->cpu, &b), ST_OK);
    assert_int_equal(b->n, 3);
    assert_int_equal(b->bytes, 4);
    fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_into_running_block_executes_new_bytes),
        cmocka_unit_test(test_rewritten_code_page_runs_new_bytes),
        cmocka_unit_test(test_data_write_beside_code_keeps_blocks),
        cmocka_unit_test(test_cross_page_instruction_validated_on_both_pages),
        cmocka_unit_test(test_cross_page_fetch_faults_on_second_page),
        cmocka_unit_test(test_cs_limit_applies_to_cached_blocks),
        cmocka_unit_test(test_noncanonical_rip_faults),
        cmocka_unit_test(test_blocks_are_keyed_by_mode),
        cmocka_unit_test(test_block_ends_at_branch),
    };
    return cmocka_run_group_tests_name("icache", tests, NULL, NULL);
}
