/*
 * cpu/tests/int_cases.h: table-driven instruction cases for the integer
 * instruction tests (cpu/tests/test_ops_*.c, STYLE 9 "Instructions,
 * table-driven"): each row gives a mode, the instruction bytes, the input
 * registers, flags and memory, and the expected registers, flags, memory
 * and fault.
 *
 * A case executes through the real decoder (cpu/decode.c) and the real
 * memory layer (cpu/mem.c) on the unit-test fixture, but steps the
 * instruction itself (decode, set next_rip, run the handler, commit RIP on
 * ST_OK) so a fault is seen as the handler reports it, before delivery.
 */
#ifndef CPU_TESTS_INT_CASES_H
#define CPU_TESTS_INT_CASES_H

/* cpu/insn.h before <glib.h>: glib pulls in <unistd.h>, whose F_LOCKABLE the
 * instruction-table flag of the same name then redefines silently (a
 * system header's redefinition draws no warning). */
#include "cpu/decode.h"
#include "cpu/fault.h"
#include "cpu/tests/fixture.h"

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

enum { IC_64, IC_32, IC_16, IC_COMPAT };

typedef struct IcReg {
    uint8_t r;             /* register + 1; 0 ends the list */
    uint64_t v;
} IcReg;

typedef struct IcMem {
    uint32_t addr;         /* physical = linear in every fixture mode */
    uint8_t size;          /* 1..8; 0 ends the list */
    uint64_t v;
} IcMem;

typedef struct IntCase {
    const char *name;
    int mode;
    const char *code;
    unsigned len;
    IcReg in[8];
    uint64_t flags_in;     /* arithmetic flags and DF */
    IcMem mem_in[3];
    IcReg out[8];
    uint64_t flags_mask;   /* flags compared */
    uint64_t flags_out;
    IcMem mem_out[3];
    int fault;             /* vector + 1, 0 = no fault */
    uint64_t rip_out;      /* 0 = next instruction */
    unsigned steps;        /* 0 = 1 */
} IntCase;

#define RG(reg, val) { (reg) + 1, (val) }
#define MEM(a, s, val) { (a), (s), (val) }
#define CODE(s) .code = (s), .len = sizeof(s) - 1
#define FAULT(v) .fault = (v) + 1
#define ARITH RFLAGS_ARITH
#define F_C RFLAGS_CF
#define F_P RFLAGS_PF
#define F_A RFLAGS_AF
#define F_Z RFLAGS_ZF
#define F_S RFLAGS_SF
#define F_O RFLAGS_OF

typedef struct IcState {
    Fixture *fx;
    DecodeIndex *ix;
} IcState;

static inline int ic_setup(void **state)
{
    IcState *s = g_new0(IcState, 1);
    s->fx = fixture_new();
    s->ix = decode_index_new();
    *state = s;
    return 0;
}

static inline int ic_teardown(void **state)
{
    IcState *s = *state;
    decode_index_free(s->ix);
    fixture_free(s->fx);
    g_free(s);
    return 0;
}

/* Decode and execute one instruction at CS:RIP. */
static inline SimStatus ic_step(IcState *s)
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

static inline void ic_mode(Fixture *fx, int mode)
{
    switch (mode) {
    case IC_32: fixture_mode_prot32(fx); break;
    case IC_16: fixture_mode_real(fx); break;
    case IC_COMPAT: fixture_mode_compat32(fx); break;
    default: fixture_mode_long64(fx); break;
    }
}

/* Run one case; returns false (after printing why) on a mismatch. */
static inline bool ic_run(IcState *s, const IntCase *c)
{
    Fixture *fx = s->fx;
    Cpu *cpu = &fx->cpu;
    bool ok = true;
    ic_mode(fx, c->mode);
    for (unsigned r = 0; r < 16; r++)
        if (r != R_RSP)
            cpu->gpr[r] = 0;
    for (const IcReg *r = c->in; r->r; r++)
        cpu->gpr[r->r - 1] = r->v;
    cpu->rflags = RFLAGS_FIXED1 | c->flags_in;
    for (const IcMem *m = c->mem_in; m->size; m++)
        fixture_write_phys(fx, m->addr, m->size, m->v);
    fixture_load_code(fx, c->code, c->len);
    uint64_t rip0 = cpu->rip;
    SimStatus st = ST_OK;
    for (unsigned i = 0; i < (c->steps ? c->steps : 1) && st == ST_OK; i++)
        st = ic_step(s);
    if (c->fault) {
        if (st != ST_FAULT || cpu->fault.vector != c->fault - 1) {
            print_error("%s: want fault %d, got status %d vector %d\n", c->name,
                        c->fault - 1, st, st == ST_FAULT ? cpu->fault.vector : -1);
            ok = false;
        }
        if (cpu->rip != rip0) {
            print_error("%s: RIP moved on a fault\n", c->name);
            ok = false;
        }
    } else {
        if (st != ST_OK) {
            print_error("%s: status %d (vector %d)\n", c->name, st, cpu->fault.vector);
            return false;
        }
        uint64_t want_rip = c->rip_out ? c->rip_out : rip0 + c->len;
        if (cpu->rip != want_rip) {
            print_error("%s: RIP %#llx, want %#llx\n", c->name,
                        (unsigned long long)cpu->rip, (unsigned long long)want_rip);
            ok = false;
        }
    }
    for (const IcReg *r = c->out; r->r; r++)
        if (cpu->gpr[r->r - 1] != r->v) {
            print_error("%s: reg %u = %#llx, want %#llx\n", c->name, r->r - 1,
                        (unsigned long long)cpu->gpr[r->r - 1], (unsigned long long)r->v);
            ok = false;
        }
    if ((cpu->rflags & c->flags_mask) != (c->flags_out & c->flags_mask)) {
        print_error("%s: flags %#llx, want %#llx (mask %#llx)\n", c->name,
                    (unsigned long long)(cpu->rflags & c->flags_mask),
                    (unsigned long long)c->flags_out, (unsigned long long)c->flags_mask);
        ok = false;
    }
    for (const IcMem *m = c->mem_out; m->size; m++) {
        uint64_t v = fixture_read_phys(fx, m->addr, m->size);
        if (v != m->v) {
            print_error("%s: mem[%#x] = %#llx, want %#llx\n", c->name, m->addr,
                        (unsigned long long)v, (unsigned long long)m->v);
            ok = false;
        }
    }
    return ok;
}

/* Run a table; fail the test if any row mismatched. */
#define IC_RUN_TABLE(state, table)                                         \
    do {                                                                   \
        bool all_ok_ = true;                                               \
        for (size_t i_ = 0; i_ < sizeof(table) / sizeof((table)[0]); i_++) \
            all_ok_ &= ic_run(*(state), &(table)[i_]);                      \
        assert_true(all_ok_);                                              \
    } while (0)

#endif
