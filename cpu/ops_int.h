/*
 * cpu/ops_int.h: helpers shared by the general-purpose integer handlers
 * (cpu/ops_alu.c, ops_shift.c, ops_muldiv.c, ops_bit.c, ops_string.c,
 * ops_data.c, ops_branch.c), private to them.
 *
 * - Status-flag computation for the arithmetic results, SDM Vol.1 3.4.3.1
 *   (Status Flags) and Appendix A (EFLAGS Cross-Reference).
 * - Condition-code evaluation for Jcc, SETcc and CMOVcc, SDM Vol.1
 *   Appendix B (EFLAGS Condition Codes).
 * - Operand access for the ModRM r/m (E) and reg (G) operands, SDM Vol.2A
 *   2.1.5 (Addressing-Mode Encoding of ModR/M and SIB Bytes).
 *
 * RFLAGS are eager (cpu/cpu.h). The flag helpers return the new status
 * flags instead of writing them, so a handler commits them (int_set_flags)
 * only after its last access that can fault.
 */
#ifndef CPU_OPS_INT_H
#define CPU_OPS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/fault.h"
#include "cpu/insn.h"
#include "cpu/mem.h"

/* Most significant bit of an operand of `size` bytes. */
static inline uint64_t int_sign_bit(unsigned size)
{
    return 1ull << (size * 8 - 1);
}

/* PF: set when the least-significant byte of the result has an even number
 * of 1 bits (SDM Vol.1 3.4.3.1). ZF and SF from the result at `size`. */
static inline uint64_t int_flags_szp(uint64_t r, unsigned size)
{
    uint64_t f = 0;
    r &= size_mask(size);
    if (!__builtin_parity((unsigned)(r & 0xff)))
        f |= RFLAGS_PF;
    if (r == 0)
        f |= RFLAGS_ZF;
    if (r & int_sign_bit(size))
        f |= RFLAGS_SF;
    return f;
}

/* Replace the flags in `mask` by `f`. */
static inline void int_set_flags(Cpu *cpu, uint64_t mask, uint64_t f)
{
    cpu->rflags = (cpu->rflags & ~mask) | (f & mask);
}

/* ADD/ADC result and flags (SDM Vol.2A ADD, ADC): CF is the carry out of
 * the most-significant bit, OF the signed overflow, AF the carry out of
 * bit 3. */
static inline uint64_t int_add(unsigned size, uint64_t a, uint64_t b,
                               unsigned cin, uint64_t *flags)
{
    uint64_t m = size_mask(size);
    a &= m;
    b &= m;
    uint64_t r = (a + b + cin) & m;
    uint64_t f = int_flags_szp(r, size);
    if (cin ? r <= a : r < a)
        f |= RFLAGS_CF;
    if ((a ^ r) & (b ^ r) & int_sign_bit(size))
        f |= RFLAGS_OF;
    if ((a ^ b ^ r) & 0x10)
        f |= RFLAGS_AF;
    *flags = f;
    return r;
}

/* SUB/SBB/CMP/NEG result and flags (SDM Vol.2B SUB, SBB): CF is the borrow
 * into the most-significant bit, AF the borrow into bit 3. */
static inline uint64_t int_sub(unsigned size, uint64_t a, uint64_t b,
                               unsigned bin, uint64_t *flags)
{
    uint64_t m = size_mask(size);
    a &= m;
    b &= m;
    uint64_t r = (a - b - bin) & m;
    uint64_t f = int_flags_szp(r, size);
    if (bin ? a <= b : a < b)
        f |= RFLAGS_CF;
    if ((a ^ b) & (a ^ r) & int_sign_bit(size))
        f |= RFLAGS_OF;
    if ((a ^ b ^ r) & 0x10)
        f |= RFLAGS_AF;
    *flags = f;
    return r;
}

/* AND/OR/XOR/TEST flags: OF = CF = 0; SF ZF PF from the result; AF is
 * undefined (SDM Vol.2A AND "Flags Affected") and Intel parts clear it. */
static inline uint64_t int_logic(unsigned size, uint64_t r, uint64_t *flags)
{
    r &= size_mask(size);
    *flags = int_flags_szp(r, size);
    return r;
}

/* Condition codes tttn (SDM Vol.1 Appendix B, Table B-1). */
static inline bool int_cond(const Cpu *cpu, unsigned cc)
{
    uint64_t f = cpu->rflags;
    bool cf = f & RFLAGS_CF, zf = f & RFLAGS_ZF, sf = f & RFLAGS_SF;
    bool of = f & RFLAGS_OF, pf = f & RFLAGS_PF;
    bool t;
    switch ((cc >> 1) & 7) {
    case 0: t = of; break;                  /* O */
    case 1: t = cf; break;                  /* B, C, NAE */
    case 2: t = zf; break;                  /* E, Z */
    case 3: t = cf || zf; break;            /* BE, NA */
    case 4: t = sf; break;                  /* S */
    case 5: t = pf; break;                  /* P, PE */
    case 6: t = sf != of; break;            /* L, NGE */
    default: t = zf || sf != of; break;     /* LE, NG */
    }
    return (cc & 1) ? !t : t;
}

/* The sixteen conditions in tttn order with their SDM mnemonic suffixes
 * (Jcc, SETcc, CMOVcc), for generating one handler per mnemonic. */
#define INT_CC_LIST(X)                                                        \
    X(o, 0x0) X(no, 0x1) X(b, 0x2) X(ae, 0x3) X(e, 0x4) X(ne, 0x5)            \
    X(be, 0x6) X(a, 0x7) X(s, 0x8) X(ns, 0x9) X(p, 0xa) X(np, 0xb)            \
    X(l, 0xc) X(ge, 0xd) X(le, 0xe) X(g, 0xf)

static inline bool int_rex(const DecodedInsn *d)
{
    return d->pfx & D_REX;
}

/* The ModRM.reg operand (G). */
static inline uint64_t int_get_G(const Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    return cpu_reg_read(cpu, d->reg, size, int_rex(d));
}

static inline void int_set_G(Cpu *cpu, const DecodedInsn *d, unsigned size, uint64_t v)
{
    cpu_reg_write(cpu, d->reg, size, int_rex(d), v);
}

/* The ModRM.r/m operand (E): a register when mod == 3, else memory at
 * d->seg:insn_ea(). */
static inline SimStatus SIM_MUST_CHECK int_read_E(Cpu *cpu, const DecodedInsn *d,
                                                  unsigned size, uint64_t *v)
{
    if (d->mod == 3) {
        *v = cpu_reg_read(cpu, d->rm, size, int_rex(d));
        return ST_OK;
    }
    return cpu_read_u(cpu, d->seg, insn_ea(cpu, d), size, v);
}

/* Write E. For memory this is the instruction's last access that can
 * fault, so callers write E before they touch registers or flags. */
static inline SimStatus SIM_MUST_CHECK int_write_E(Cpu *cpu, const DecodedInsn *d,
                                                   unsigned size, uint64_t v)
{
    if (d->mod == 3) {
        cpu_reg_write(cpu, d->rm, size, int_rex(d), v);
        return ST_OK;
    }
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), size, v);
}

/* Address-size register access for string instructions, LOOP and JCXZ
 * (SDM Vol.1 3.6 "Operand-Size and Address-Size Attributes"). A 32-bit
 * address-size update of RSI/RDI/RCX zero-extends like any 32-bit write. */
static inline uint64_t int_areg(const Cpu *cpu, unsigned reg, unsigned asize)
{
    return cpu->gpr[reg] & size_mask(asize);
}

static inline void int_set_areg(Cpu *cpu, unsigned reg, unsigned asize, uint64_t v)
{
    cpu_reg_write(cpu, reg, asize, true, v);
}

/* Set RSP with the stack-address size: a 16-bit stack changes only SP
 * (SDM Vol.3 6.2.3 "Address-Size Attributes for Stack Accesses"). */
static inline void int_set_rsp(Cpu *cpu, uint64_t v)
{
    cpu_reg_write(cpu, R_RSP, cpu->stack_size, true, v);
}

/* Near-branch target check and commit (SDM Vol.2A JMP, CALL, RET
 * "Operation"): in 64-bit mode the target must be canonical, elsewhere it
 * must lie within the CS limit, else #GP(0) with nothing committed. The
 * target is first truncated to the operand size. */
static inline SimStatus SIM_MUST_CHECK int_check_near_target(Cpu *cpu, uint64_t *target,
                                                             unsigned opsize)
{
    *target &= size_mask(opsize);
    if (cpu->mode == MODE_LONG64) {
        if (!cpu_is_canonical(cpu, *target))
            return cpu_gp(cpu, 0);
    } else if (*target > cpu->seg[SEG_CS].limit) {
        return cpu_gp(cpu, 0);
    }
    return ST_OK;
}

#endif
