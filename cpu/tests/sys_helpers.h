/*
 * cpu/tests/sys_helpers.h: small helpers shared by the system-instruction
 * tests (test_ops_sys.c, test_ops_desc.c): hand-built DecodedInsn forms,
 * CPL/IOPL/V86 set-up, GDT entries, fault expectations.
 */
#ifndef CPU_TESTS_SYS_HELPERS_H
#define CPU_TESTS_SYS_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cpu/insn.h"
#include "cpu/tests/fixture.h"

static inline void expect_fault(Cpu *cpu, SimStatus st, uint8_t vector, uint32_t error)
{
    assert_int_equal(st, ST_FAULT);
    assert_int_equal(cpu->fault.vector, vector);
    if (vector == EXC_UD || vector == EXC_DB) {
        assert_false(cpu->fault.has_error);
    } else {
        assert_true(cpu->fault.has_error);
        assert_int_equal(cpu->fault.error, error);
    }
}
/* Register form: ModRM.reg = reg, ModRM.rm = rm. */
static inline DecodedInsn rinsn(unsigned reg, unsigned rm, unsigned opsize)
{
    return (DecodedInsn){ .mod = 3, .reg = (uint8_t)reg, .rm = (uint8_t)rm,
                          .opsize = (uint8_t)opsize, .addrsize = 8, .seg = SEG_DS,
                          .base = EA_NONE, .index = EA_NONE };
}
/* Memory form at DS:addr (absolute displacement). */
static inline DecodedInsn minsn(unsigned reg, uint64_t addr, unsigned opsize, unsigned asize)
{
    return (DecodedInsn){ .mod = 0, .reg = (uint8_t)reg, .opsize = (uint8_t)opsize,
                          .addrsize = (uint8_t)asize, .seg = SEG_DS,
                          .base = EA_NONE, .index = EA_NONE, .disp = (int64_t)addr };
}
/* CPL n with flat segments: SS and CS DPL/RPL = n. */
static inline void set_cpl(Cpu *cpu, unsigned n)
{
    cpu->seg[SEG_SS].ar = (cpu->seg[SEG_SS].ar & ~AR_DPL_MASK) | (n << AR_DPL_SHIFT);
    cpu->seg[SEG_CS].ar = (cpu->seg[SEG_CS].ar & ~AR_DPL_MASK) | (n << AR_DPL_SHIFT);
    cpu->seg[SEG_SS].sel = (uint16_t)((cpu->seg[SEG_SS].sel & ~3u) | n);
    cpu->seg[SEG_CS].sel = (uint16_t)((cpu->seg[SEG_CS].sel & ~3u) | n);
    cpu_update_mode(cpu);
    assert_int_equal(cpu->cpl, n);
}
static inline void set_iopl(Cpu *cpu, unsigned n)
{
    cpu->rflags = (cpu->rflags & ~(uint64_t)RFLAGS_IOPL) | ((uint64_t)n << RFLAGS_IOPL_SHIFT);
}
static inline void enter_v86(Cpu *cpu)
{
    cpu->rflags |= RFLAGS_VM;
    cpu_update_mode(cpu);
    assert_int_equal(cpu->mode, MODE_V86);
}
static inline void gdt_set(Fixture *fx, unsigned index, uint64_t desc)
{
    fixture_write_phys(fx, FX_GDT + 8 * index, 8, desc);
    uint16_t limit = (uint16_t)(8 * index + 7);
    if (fx->cpu.gdtr.limit < limit)
        fx->cpu.gdtr.limit = limit;
}
static inline SimStatus query(Cpu *cpu, SimStatus (*op)(Cpu *, const DecodedInsn *),
                       uint16_t sel, unsigned opsize)
{
    DecodedInsn d = rinsn(R_RAX, R_RBX, opsize);
    cpu->gpr[R_RBX] = sel;
    cpu->gpr[R_RAX] = 0xdead;
    return op(cpu, &d);
}
static inline bool zf(const Cpu *cpu)
{
    return (cpu->rflags & RFLAGS_ZF) != 0;
}
#endif
