/*
 * cpu/ops_muldiv.c: integer multiply and divide: MUL, IMUL (one-operand
 * F6/F7 /5, two-operand 0F AF, three-operand 69 and 6B), DIV and IDIV.
 * SDM Vol.2A "DIV—Unsigned Divide", "IDIV—Signed Divide", "IMUL—Signed
 * Multiply"; Vol.2B "MUL—Unsigned Multiply"; group 3 in SDM Vol.2D Table A-6.
 *
 * Flags: MUL/IMUL define only CF and OF (set when the high half of the
 * product is significant); SF ZF AF PF are undefined, and vmxsim sets SF,
 * ZF and PF from the low half of the product and clears AF. DIV/IDIV leave
 * every status flag undefined; vmxsim leaves them unchanged. The
 * differential test masks these (cpu/tests/test_diff_host.c).
 *
 * Divide faults (#DE) are raised before anything is written: on a zero
 * divisor and when the quotient does not fit the destination (SDM DIV/IDIV
 * "Operation").
 */
#include "cpu/ops_int.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

/* Flags of a multiply whose high half is significant when `wide`. */
static inline void mul_flags(Cpu *cpu, unsigned size, uint64_t lo, bool wide)
{
    uint64_t f = int_flags_szp(lo, size);
    if (wide)
        f |= RFLAGS_CF | RFLAGS_OF;
    int_set_flags(cpu, RFLAGS_ARITH, f);
}

/* Write the double-width result: AX for bytes, rDX:rAX otherwise. */
static inline void mul_store(Cpu *cpu, unsigned size, uint64_t lo, uint64_t hi)
{
    if (size == 1) {
        cpu_reg_write(cpu, R_RAX, 2, false, (lo & 0xff) | ((hi & 0xff) << 8));
    } else {
        cpu_reg_write(cpu, R_RAX, size, false, lo);
        cpu_reg_write(cpu, R_RDX, size, false, hi);
    }
}

static SimStatus mul_E(Cpu *cpu, const DecodedInsn *d, unsigned size, bool sign)
{
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    unsigned bits = size * 8;
    uint64_t a = cpu->gpr[R_RAX] & size_mask(size);
    uint64_t lo, hi;
    bool wide;
    if (sign) {
        s128 p = (s128)sext(a, bits) * (s128)sext(src, bits);
        lo = (uint64_t)p & size_mask(size);
        hi = (uint64_t)(p >> bits) & size_mask(size);
        wide = p != (s128)sext(lo, bits);
    } else {
        u128 p = (u128)a * (u128)(src & size_mask(size));
        lo = (uint64_t)p & size_mask(size);
        hi = (uint64_t)(p >> bits) & size_mask(size);
        wide = hi != 0;
    }
    mul_store(cpu, size, lo, hi);
    mul_flags(cpu, size, lo, wide);
    return ST_OK;
}

SimStatus op_mul_Eb(Cpu *cpu, const DecodedInsn *d) { return mul_E(cpu, d, 1, false); }
SimStatus op_mul_Ev(Cpu *cpu, const DecodedInsn *d) { return mul_E(cpu, d, d->opsize, false); }
SimStatus op_imul_Eb(Cpu *cpu, const DecodedInsn *d) { return mul_E(cpu, d, 1, true); }
SimStatus op_imul_Ev(Cpu *cpu, const DecodedInsn *d) { return mul_E(cpu, d, d->opsize, true); }

/* IMUL r, r/m (, imm): the product truncated to the operand size; CF = OF =
 * the truncation lost significant bits. */
static SimStatus imul_G(Cpu *cpu, const DecodedInsn *d, bool has_imm)
{
    unsigned size = d->opsize, bits = size * 8;
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    int64_t b = has_imm ? (int64_t)d->imm : sext(int_get_G(cpu, d, size), bits);
    s128 p = (s128)sext(src, bits) * (s128)b;
    uint64_t lo = (uint64_t)p & size_mask(size);
    int_set_G(cpu, d, size, lo);
    mul_flags(cpu, size, lo, p != (s128)sext(lo, bits));
    return ST_OK;
}

SimStatus op_imul_Gv_Ev(Cpu *cpu, const DecodedInsn *d) { return imul_G(cpu, d, false); }
SimStatus op_imul_Gv_Ev_Iz(Cpu *cpu, const DecodedInsn *d) { return imul_G(cpu, d, true); }
SimStatus op_imul_Gv_Ev_Ib(Cpu *cpu, const DecodedInsn *d) { return imul_G(cpu, d, true); }

/* DIV/IDIV: dividend AX (bytes) or rDX:rAX; quotient to AL/rAX, remainder
 * to AH/rDX. */
static SimStatus div_E(Cpu *cpu, const DecodedInsn *d, unsigned size, bool sign)
{
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    unsigned bits = size * 8;
    uint64_t m = size_mask(size);
    src &= m;
    if (src == 0)
        return cpu_de(cpu);
    u128 dividend;
    if (size == 1)
        dividend = cpu->gpr[R_RAX] & 0xffff;
    else
        dividend = ((u128)(cpu->gpr[R_RDX] & m) << bits) | (cpu->gpr[R_RAX] & m);
    uint64_t q, r;
    if (sign) {
        /* Sign-extend the 2*bits-wide dividend. */
        unsigned sh = 128 - 2 * bits;
        s128 n = (s128)(dividend << sh) >> sh;
        s128 dv = sext(src, bits);
        s128 sq = n / dv;
        s128 min = -((s128)1 << (bits - 1)), max = ((s128)1 << (bits - 1)) - 1;
        if (sq < min || sq > max)
            return cpu_de(cpu);
        q = (uint64_t)sq & m;
        r = (uint64_t)(n % dv) & m;
    } else {
        u128 uq = dividend / src;
        if (uq > m)
            return cpu_de(cpu);
        q = (uint64_t)uq;
        r = (uint64_t)(dividend % src);
    }
    mul_store(cpu, size, q, r);
    return ST_OK;
}

SimStatus op_div_Eb(Cpu *cpu, const DecodedInsn *d) { return div_E(cpu, d, 1, false); }
SimStatus op_div_Ev(Cpu *cpu, const DecodedInsn *d) { return div_E(cpu, d, d->opsize, false); }
SimStatus op_idiv_Eb(Cpu *cpu, const DecodedInsn *d) { return div_E(cpu, d, 1, true); }
SimStatus op_idiv_Ev(Cpu *cpu, const DecodedInsn *d) { return div_E(cpu, d, d->opsize, true); }
