/*
 * cpu/ops_alu.c: the binary arithmetic and logic instructions.
 *
 * ADD OR ADC SBB AND SUB XOR CMP in their eight forms (00-3D and group 1,
 * 80/81/82/83), INC DEC (FE/FF /0 /1, 40-4F outside 64-bit mode), NEG NOT
 * (F6/F7 /3 /2) and TEST (84/85/A8/A9, F6/F7 /0 and /1).
 * SDM Vol.2A ADD, ADC, AND, CMP, DEC, INC; Vol.2B NEG, NOT, OR, SBB, SUB,
 * TEST, XOR; opcode map SDM Vol.2D Appendix A, Table A-2 and A-6 (group 1,
 * 3, 4, 5).
 *
 * The eight group-1 operations share one encoding scheme: opcode bits 5:3
 * (00-3D) or ModRM.reg (80-83) select the operation, in the order ADD OR
 * ADC SBB AND SUB XOR CMP (SDM Vol.2D A.4 "Opcode Extensions"). Each row
 * still has its own handler op_<mnemonic>_<operands>; the handlers below
 * are thin wrappers that pass the operation as a constant.
 *
 * Memory destinations are written before flags and registers so a faulting
 * write commits nothing (cpu/cpu.h execution conventions). LOCK needs no
 * extra work: one vCPU executes one instruction at a time, so every
 * read-modify-write here is already atomic with respect to other vCPUs.
 */
#include "cpu/ops_int.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* The helpers below take the operand size as a parameter; the handlers
 * call them with a constant (directly, or through INT_SIZED_V), and
 * forced inlining turns each into straight-line code for its size. */
#define ALU_INLINE static inline __attribute__((always_inline))

ALU_INLINE uint64_t alu_compute(const Cpu *cpu, unsigned op, unsigned size,
                                uint64_t a, uint64_t b, uint64_t *f)
{
    unsigned cf = (cpu->rflags & RFLAGS_CF) ? 1 : 0;
    switch (op) {
    case ALU_ADD: return int_add(size, a, b, 0, f);
    case ALU_OR:  return int_logic(size, a | b, f);
    case ALU_ADC: return int_add(size, a, b, cf, f);
    case ALU_SBB: return int_sub(size, a, b, cf, f);
    case ALU_AND: return int_logic(size, a & b, f);
    case ALU_SUB: return int_sub(size, a, b, 0, f);
    case ALU_XOR: return int_logic(size, a ^ b, f);
    default:      return int_sub(size, a, b, 0, f);   /* CMP */
    }
}

/* Destination E (register or memory); CMP only reads it. The generic
 * form, through cpu/mem.c for memory. */
ALU_INLINE SimStatus alu_E(Cpu *cpu, const DecodedInsn *d, unsigned size,
                           unsigned op, uint64_t src)
{
    uint64_t a, f;
    SimStatus st;
    if (op == ALU_CMP) {
        st = int_read_E(cpu, d, size, &a);
        if (st)
            return st;
        alu_compute(cpu, op, size, a, src, &f);
    } else {
        IntRmw m = { 0 };
        st = int_rmw_read(cpu, d, size, &m, &a);
        if (st)
            return st;
        st = int_rmw_write(cpu, d, size, &m, alu_compute(cpu, op, size, a, src, &f));
        if (st)
            return st;
    }
    int_set_flags(cpu, RFLAGS_ARITH, f);
    return ST_OK;
}

/* The same without calls (int_fast_E); false when E needs cpu/mem.c. */
ALU_INLINE bool alu_E_fast(Cpu *cpu, const DecodedInsn *d, unsigned size,
                           unsigned op, uint64_t src)
{
    uint8_t *h;
    uint64_t f;
    if (!int_fast_E(cpu, d, size, true, op != ALU_CMP, &h))
        return false;
    uint64_t r = alu_compute(cpu, op, size, int_fast_get(cpu, d, size, h), src, &f);
    if (op != ALU_CMP)
        int_fast_put(cpu, d, size, h, r);
    int_set_flags(cpu, RFLAGS_ARITH, f);
    return true;
}

/* Destination a register (G, or AL/rAX for the accumulator forms). */
ALU_INLINE SimStatus alu_dst_reg(Cpu *cpu, unsigned op, unsigned size,
                                 unsigned reg, bool rex, uint64_t src)
{
    uint64_t f;
    uint64_t r = alu_compute(cpu, op, size, cpu_reg_read(cpu, reg, size, rex), src, &f);
    if (op != ALU_CMP)
        cpu_reg_write(cpu, reg, size, rex, r);
    int_set_flags(cpu, RFLAGS_ARITH, f);
    return ST_OK;
}

ALU_INLINE bool alu_E_G_fast(Cpu *cpu, const DecodedInsn *d, unsigned size, unsigned op)
{
    return alu_E_fast(cpu, d, size, op, int_get_G(cpu, d, size));
}

ALU_INLINE bool alu_E_I_fast(Cpu *cpu, const DecodedInsn *d, unsigned size, unsigned op)
{
    return alu_E_fast(cpu, d, size, op, d->imm);
}

ALU_INLINE bool alu_G_E_fast(Cpu *cpu, const DecodedInsn *d, unsigned size, unsigned op)
{
    uint8_t *h;
    if (!int_fast_E(cpu, d, size, true, false, &h))
        return false;
    alu_dst_reg(cpu, op, size, d->reg, int_rex(d), int_fast_get(cpu, d, size, h));
    return true;
}

/* The generic forms (operand size and operation not constant). */
INT_SLOW SimStatus alu_E_G_slow(Cpu *cpu, const DecodedInsn *d, unsigned size, unsigned op)
{
    return alu_E(cpu, d, size, op, int_get_G(cpu, d, size));
}

INT_SLOW SimStatus alu_E_I_slow(Cpu *cpu, const DecodedInsn *d, unsigned size, unsigned op)
{
    return alu_E(cpu, d, size, op, d->imm);
}

INT_SLOW SimStatus alu_G_E_slow(Cpu *cpu, const DecodedInsn *d, unsigned size, unsigned op)
{
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    return alu_dst_reg(cpu, op, size, d->reg, int_rex(d), src);
}

ALU_INLINE SimStatus alu_A_I(Cpu *cpu, const DecodedInsn *d, unsigned size, unsigned op)
{
    return alu_dst_reg(cpu, op, size, R_RAX, false, d->imm);
}

/* One handler per row: the fast form at a constant size, else the generic
 * form. */
#define ALU_FORMS(name, OP)                                                      \
    SimStatus op_##name##_Eb_Gb(Cpu *cpu, const DecodedInsn *d)                  \
    { return alu_E_G_fast(cpu, d, 1, OP) ? ST_OK : alu_E_G_slow(cpu, d, 1, OP); } \
    SimStatus op_##name##_Ev_Gv(Cpu *cpu, const DecodedInsn *d)                  \
    {                                                                            \
        return INT_SIZED_V(alu_E_G_fast, cpu, d, OP) ? ST_OK                     \
                                                     : alu_E_G_slow(cpu, d, d->opsize, OP); \
    }                                                                            \
    SimStatus op_##name##_Gb_Eb(Cpu *cpu, const DecodedInsn *d)                  \
    { return alu_G_E_fast(cpu, d, 1, OP) ? ST_OK : alu_G_E_slow(cpu, d, 1, OP); } \
    SimStatus op_##name##_Gv_Ev(Cpu *cpu, const DecodedInsn *d)                  \
    {                                                                            \
        return INT_SIZED_V(alu_G_E_fast, cpu, d, OP) ? ST_OK                     \
                                                     : alu_G_E_slow(cpu, d, d->opsize, OP); \
    }                                                                            \
    SimStatus op_##name##_AL_Ib(Cpu *cpu, const DecodedInsn *d)                  \
    { return alu_A_I(cpu, d, 1, OP); }                                           \
    SimStatus op_##name##_rAX_Iz(Cpu *cpu, const DecodedInsn *d)                 \
    { return INT_SIZED_V(alu_A_I, cpu, d, OP); }                                 \
    SimStatus op_##name##_Eb_Ib(Cpu *cpu, const DecodedInsn *d)                  \
    { return alu_E_I_fast(cpu, d, 1, OP) ? ST_OK : alu_E_I_slow(cpu, d, 1, OP); } \
    SimStatus op_##name##_Ev_Iz(Cpu *cpu, const DecodedInsn *d)                  \
    {                                                                            \
        return INT_SIZED_V(alu_E_I_fast, cpu, d, OP) ? ST_OK                     \
                                                     : alu_E_I_slow(cpu, d, d->opsize, OP); \
    }                                                                            \
    SimStatus op_##name##_Ev_Ib(Cpu *cpu, const DecodedInsn *d)                  \
    {                                                                            \
        return INT_SIZED_V(alu_E_I_fast, cpu, d, OP) ? ST_OK                     \
                                                     : alu_E_I_slow(cpu, d, d->opsize, OP); \
    }

ALU_FORMS(add, ALU_ADD)
ALU_FORMS(or, ALU_OR)
ALU_FORMS(adc, ALU_ADC)
ALU_FORMS(sbb, ALU_SBB)
ALU_FORMS(and, ALU_AND)
ALU_FORMS(sub, ALU_SUB)
ALU_FORMS(xor, ALU_XOR)
ALU_FORMS(cmp, ALU_CMP)

/* INC/DEC: like ADD/SUB 1 but CF is not affected (SDM Vol.2A INC, DEC). */
ALU_INLINE SimStatus incdec_E(Cpu *cpu, const DecodedInsn *d, unsigned size, bool dec)
{
    uint64_t a, f;
    IntRmw m = { 0 };
    SimStatus st = int_rmw_read(cpu, d, size, &m, &a);
    if (st)
        return st;
    uint64_t r = dec ? int_sub(size, a, 1, 0, &f) : int_add(size, a, 1, 0, &f);
    st = int_rmw_write(cpu, d, size, &m, r);
    if (st)
        return st;
    int_set_flags(cpu, RFLAGS_ARITH & ~RFLAGS_CF, f);
    return ST_OK;
}

ALU_INLINE SimStatus incdec_Z(Cpu *cpu, const DecodedInsn *d, unsigned size, bool dec)
{
    uint64_t f;
    uint64_t a = cpu_reg_read(cpu, d->reg, size, false);
    uint64_t r = dec ? int_sub(size, a, 1, 0, &f) : int_add(size, a, 1, 0, &f);
    cpu_reg_write(cpu, d->reg, size, false, r);
    int_set_flags(cpu, RFLAGS_ARITH & ~RFLAGS_CF, f);
    return ST_OK;
}

SimStatus op_inc_Eb(Cpu *cpu, const DecodedInsn *d) { return incdec_E(cpu, d, 1, false); }
SimStatus op_inc_Ev(Cpu *cpu, const DecodedInsn *d) { return INT_SIZED_V(incdec_E, cpu, d, false); }
SimStatus op_dec_Eb(Cpu *cpu, const DecodedInsn *d) { return incdec_E(cpu, d, 1, true); }
SimStatus op_dec_Ev(Cpu *cpu, const DecodedInsn *d) { return INT_SIZED_V(incdec_E, cpu, d, true); }
SimStatus op_inc_Zv(Cpu *cpu, const DecodedInsn *d) { return INT_SIZED_V(incdec_Z, cpu, d, false); }
SimStatus op_dec_Zv(Cpu *cpu, const DecodedInsn *d) { return INT_SIZED_V(incdec_Z, cpu, d, true); }

/* NEG: 0 - DEST with SUB's flags, except CF = (DEST != 0) (SDM Vol.2B NEG),
 * which is what 0 - DEST's borrow gives. */
ALU_INLINE SimStatus neg_E(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    uint64_t a, f;
    IntRmw m = { 0 };
    SimStatus st = int_rmw_read(cpu, d, size, &m, &a);
    if (st)
        return st;
    uint64_t r = int_sub(size, 0, a, 0, &f);
    st = int_rmw_write(cpu, d, size, &m, r);
    if (st)
        return st;
    int_set_flags(cpu, RFLAGS_ARITH, f);
    return ST_OK;
}

/* NOT: no flags affected (SDM Vol.2B NOT). */
ALU_INLINE SimStatus not_E(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    uint64_t a;
    IntRmw m = { 0 };
    SimStatus st = int_rmw_read(cpu, d, size, &m, &a);
    if (st)
        return st;
    return int_rmw_write(cpu, d, size, &m, ~a);
}

SimStatus op_neg_Eb(Cpu *cpu, const DecodedInsn *d) { return neg_E(cpu, d, 1); }
SimStatus op_neg_Ev(Cpu *cpu, const DecodedInsn *d) { return INT_SIZED_V(neg_E, cpu, d); }
SimStatus op_not_Eb(Cpu *cpu, const DecodedInsn *d) { return not_E(cpu, d, 1); }
SimStatus op_not_Ev(Cpu *cpu, const DecodedInsn *d) { return INT_SIZED_V(not_E, cpu, d); }

/* TEST: AND without writing the destination (SDM Vol.2B TEST). F6/F7 /1 is
 * not listed on the SDM's TEST page (Table A-6 leaves it blank); Intel parts
 * execute it as TEST, so those rows reuse these handlers. */
ALU_INLINE SimStatus test_E(Cpu *cpu, const DecodedInsn *d, unsigned size, bool imm)
{
    uint64_t a, f;
    uint64_t src = imm ? d->imm : int_get_G(cpu, d, size);
    SimStatus st = int_read_E(cpu, d, size, &a);
    if (st)
        return st;
    int_logic(size, a & src, &f);
    int_set_flags(cpu, RFLAGS_ARITH, f);
    return ST_OK;
}

SimStatus op_test_Eb_Gb(Cpu *cpu, const DecodedInsn *d) { return test_E(cpu, d, 1, false); }
SimStatus op_test_Ev_Gv(Cpu *cpu, const DecodedInsn *d) { return INT_SIZED_V(test_E, cpu, d, false); }
SimStatus op_test_Eb_Ib(Cpu *cpu, const DecodedInsn *d) { return test_E(cpu, d, 1, true); }
SimStatus op_test_Ev_Iz(Cpu *cpu, const DecodedInsn *d) { return INT_SIZED_V(test_E, cpu, d, true); }

ALU_INLINE SimStatus test_A(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    uint64_t f;
    int_logic(size, cpu->gpr[R_RAX] & d->imm, &f);
    int_set_flags(cpu, RFLAGS_ARITH, f);
    return ST_OK;
}

SimStatus op_test_AL_Ib(Cpu *cpu, const DecodedInsn *d) { return test_A(cpu, d, 1); }
SimStatus op_test_rAX_Iz(Cpu *cpu, const DecodedInsn *d) { return INT_SIZED_V(test_A, cpu, d); }
