/*
 * cpu/tests/fpu_cases.h: shared helpers of the x87/SSE/XSAVE unit tests
 * (test_x87.c, test_sse.c, test_xsave.c, test_diff_sse.c): a fixture with
 * the FPU enabled the way an OS enables it (CR0.NE = 1, EM = TS = 0,
 * CR4.OSFXSR/OSXMMEXCPT/OSXSAVE = 1, XCR0 = x87|SSE; SDM Vol.3 13.1.3
 * "Initialization of the SSE Extensions"), and a step that decodes and runs
 * one instruction through the real decoder and memory layer, returning the
 * handler's status before any delivery (as the integer tests do).
 */
#ifndef CPU_TESTS_FPU_CASES_H
#define CPU_TESTS_FPU_CASES_H

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/decode.h"
#include "cpu/fault.h"
#include "cpu/fpu.h"
#include "cpu/tests/fixture.h"

enum { FC_64, FC_32, FC_16 };

typedef struct FcState {
    Fixture *fx;
    DecodeIndex *ix;
} FcState;

static inline int fc_setup(void **state)
{
    FcState *s = g_new0(FcState, 1);
    s->fx = fixture_new();
    s->ix = decode_index_new();
    *state = s;
    return 0;
}

static inline int fc_teardown(void **state)
{
    FcState *s = *state;
    decode_index_free(s->ix);
    fixture_free(s->fx);
    g_free(s);
    return 0;
}

/* Enter a mode with the FPU/SSE/XSAVE enabled; FPU state at its reset
 * values with FNINIT's FCW. */
static inline Cpu *fc_mode(FcState *s, int mode)
{
    Fixture *fx = s->fx;
    switch (mode) {
    case FC_32: fixture_mode_prot32(fx); break;
    case FC_16: fixture_mode_real(fx); break;
    default: fixture_mode_long64(fx); break;
    }
    Cpu *cpu = &fx->cpu;
    cpu->cr0 = (cpu->cr0 | CR0_NE | CR0_MP) & ~(uint64_t)(CR0_EM | CR0_TS);
    cpu->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    cpu->xcr0 = 3;
    memset(&cpu->fpu, 0, sizeof(cpu->fpu));
    x87_init(&cpu->fpu);
    cpu->fpu.mxcsr = MXCSR_INIT;
    return cpu;
}

/* Decode and execute the one instruction at CS:RIP. */
static inline SimStatus fc_step(FcState *s)
{
    Cpu *cpu = &s->fx->cpu;
    uint8_t buf[15];
    uint64_t lin = cpu->seg[SEG_CS].base + cpu->rip;
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)fixture_read_phys(s->fx, lin + i, 1);
    DecodeMode m = { cpu->code_size, cpu->mode == MODE_REAL || cpu->mode == MODE_V86 };
    DecodedInsn d;
    DecodeResult r = decode_insn(s->ix, cpu, m, buf, sizeof(buf), &d);
    if (r == DECODE_UD)
        return cpu_ud(cpu);
    if (r != DECODE_OK)
        return cpu_gp(cpu, 0);
    cpu->next_rip = cpu->rip + d.len;
    if (cpu->code_size != 8)
        cpu->next_rip &= 0xffffffffu;
    SimStatus st = d.exec(cpu, &d);
    if (st == ST_OK)
        cpu->rip = cpu->next_rip;
    return st;
}

/* Load code and run up to n instructions; stops at the first status that is
 * not ST_OK (which it returns). */
static inline SimStatus fc_run(FcState *s, const void *code, size_t len,
                               unsigned n)
{
    fixture_load_code(s->fx, code, len);
    SimStatus st = ST_OK;
    for (unsigned i = 0; i < n && st == ST_OK; i++)
        st = fc_step(s);
    return st;
}

#define FC_RUN(s, bytes, n) fc_run((s), (bytes), sizeof(bytes) - 1, (n))

/* Expect a fault with this vector. */
#define assert_fault(st, cpu, vec)                 \
    do {                                           \
        assert_int_equal((st), ST_FAULT);          \
        assert_int_equal((cpu)->fault.vector, (vec)); \
    } while (0)

static inline void fc_write(FcState *s, uint64_t gpa, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fixture_write_phys(s->fx, gpa + i, 1, ((const uint8_t *)p)[i]);
}

static inline void fc_read(FcState *s, uint64_t gpa, void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)p)[i] = (uint8_t)fixture_read_phys(s->fx, gpa + i, 1);
}

#endif
