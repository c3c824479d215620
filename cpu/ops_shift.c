/*
 * cpu/ops_shift.c: shifts and rotates: group 2 (C0/C1/D0-D3: ROL ROR RCL RCR
 * SHL SHR SAL SAR) and the double-precision shifts SHLD and SHRD.
 * SDM Vol.2B "RCL/RCR/ROL/ROR—Rotate", "SAL/SAR/SHL/SHR—Shift", "SHLD—Double
 * Precision Shift Left", "SHRD—Double Precision Shift Right"; opcode group 2
 * in SDM Vol.2D Table A-6.
 *
 * Rules common to all of them (SDM Vol.2B SAL/SAR/SHL/SHR "Description"):
 * the count is masked to 5 bits, or 6 bits with a 64-bit operand; when the
 * masked count is 0 no flag is affected and the destination is unchanged.
 *
 * Where the SDM leaves a flag or result undefined, vmxsim computes it as
 * follows and the differential test (cpu/tests/test_diff_host.c) masks it:
 * - OF for counts other than 1 keeps the count-1 formula written on the
 *   result: MSB(result) XOR CF for SHL/ROL/RCL, the XOR of the two top
 *   result bits for SHR/ROR/RCR (so 0 after SHR by 2 or more), 0 for SAR,
 *   the sign change for SHLD/SHRD.
 * - AF after a shift by a non-zero count is undefined; vmxsim clears it.
 * - SHL/SHR of a byte or word by its width or more: CF is the last bit
 *   shifted out as if the operand were wider (0 once every bit has left),
 *   the result 0.
 * - SHLD/SHRD of a word by 17..31: the bits shifted in come from SRC and
 *   then from DEST again (the 48-bit pattern DEST:SRC:DEST), which is what
 *   Intel parts are observed to do.
 */
#include "cpu/ops_int.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* The helpers take the operand size as a parameter and are forced inline:
 * each handler passes a constant (directly or through INT_SIZED_V), which
 * folds the size and operation switches away. */
INT_INLINE unsigned shift_count(unsigned size, uint64_t raw)
{
    return (unsigned)raw & (size == 8 ? 0x3f : 0x1f);
}

/* A masked count of 0 changes no flag and no value, but a 32-bit register
 * destination is still written, so its upper half is cleared as by any
 * 32-bit register write (SDM Vol.1 3.4.1.1; Intel and AMD parts agree). */
INT_INLINE SimStatus shift_count0(Cpu *cpu, const DecodedInsn *d, unsigned size,
                                     uint64_t a)
{
    if (d->mod == 3 && size == 4)
        cpu_reg_write(cpu, d->rm, 4, true, a);
    return ST_OK;
}

/* Result and new flags (*f, within *fmask) for a masked count != 0. */
INT_INLINE uint64_t shift_compute(const Cpu *cpu, unsigned op, unsigned size,
                                  uint64_t a, unsigned count, uint64_t *f,
                                  uint64_t *fmask)
{
    unsigned bits = size * 8;
    uint64_t m = size_mask(size);
    uint64_t sb = int_sign_bit(size);
    uint64_t cf = (cpu->rflags & RFLAGS_CF) ? 1 : 0;
    uint64_t r;
    unsigned c;
    a &= m;
    *fmask = RFLAGS_CF | RFLAGS_OF;
    switch (op) {
    case SH_ROL:
        c = count % bits;
        r = c ? ((a << c) | (a >> (bits - c))) & m : a;
        cf = r & 1;
        *f = (cf ? RFLAGS_CF : 0) | ((!!(r & sb) ^ cf) ? RFLAGS_OF : 0);
        return r;
    case SH_ROR:
        c = count % bits;
        r = c ? ((a >> c) | (a << (bits - c))) & m : a;
        *f = ((r & sb) ? RFLAGS_CF : 0) |
             ((!!(r & sb) ^ !!(r & (sb >> 1))) ? RFLAGS_OF : 0);
        return r;
    case SH_RCL:
        /* Rotate through CF: a (bits+1)-bit rotation, count taken modulo 9
         * for bytes and 17 for words. */
        c = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
        if (c) {
            r = ((a << c) | (cf << (c - 1)) | (c > 1 ? a >> (bits - c + 1) : 0)) & m;
            cf = (a >> (bits - c)) & 1;
        } else {
            r = a;
        }
        *f = (cf ? RFLAGS_CF : 0) | ((!!(r & sb) ^ cf) ? RFLAGS_OF : 0);
        return r;
    case SH_RCR:
        c = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
        if (c) {
            r = ((a >> c) | (cf << (bits - c)) | (c > 1 ? a << (bits - c + 1) : 0)) & m;
            cf = (a >> (c - 1)) & 1;
        } else {
            r = a;
        }
        /* OF = MSB(DEST) XOR CF before the rotation, which equals the two
         * top bits of the result differing. */
        *f = (cf ? RFLAGS_CF : 0) |
             ((!!(r & sb) ^ !!(r & (sb >> 1))) ? RFLAGS_OF : 0);
        return r;
    case SH_SHL:
    case SH_SAL:
        if (count < bits) {
            r = (a << count) & m;
            cf = (a >> (bits - count)) & 1;
        } else {
            r = 0;
            cf = count == bits ? a & 1 : 0;
        }
        *fmask = RFLAGS_ARITH;
        *f = int_flags_szp(r, size) | (cf ? RFLAGS_CF : 0) |
             ((!!(r & sb) ^ cf) ? RFLAGS_OF : 0);
        return r;
    case SH_SHR:
        r = count < bits ? a >> count : 0;
        cf = count <= bits ? (a >> (count - 1)) & 1 : 0;
        /* OF = MSB of the original operand for count 1, i.e. the two top
         * bits of the result differ. */
        *fmask = RFLAGS_ARITH;
        *f = int_flags_szp(r, size) | (cf ? RFLAGS_CF : 0) |
             ((!!(r & sb) ^ !!(r & (sb >> 1))) ? RFLAGS_OF : 0);
        return r;
    default: {  /* SAR */
        int64_t s = sext(a, bits);
        r = (uint64_t)(s >> (count < bits ? count : bits - 1)) & m;
        cf = (uint64_t)(s >> (count <= bits ? count - 1 : bits - 1)) & 1;
        *fmask = RFLAGS_ARITH;
        *f = int_flags_szp(r, size) | (cf ? RFLAGS_CF : 0);
        return r;
    }
    }
}

/* The generic form, through cpu/mem.c for memory. */
INT_SLOW SimStatus shift_E(Cpu *cpu, const DecodedInsn *d, unsigned size,
                           unsigned op, uint64_t raw)
{
    uint64_t a, f, fmask;
    unsigned count = shift_count(size, raw);
    IntRmw m = { 0 };
    SimStatus st = int_rmw_read(cpu, d, size, &m, &a);
    if (st)
        return st;
    if (count == 0)
        return shift_count0(cpu, d, size, a);
    uint64_t r = shift_compute(cpu, op, size, a, count, &f, &fmask);
    st = int_rmw_write(cpu, d, size, &m, r);
    if (st)
        return st;
    int_set_flags(cpu, fmask, f);
    return ST_OK;
}

/* The same without calls at a constant size (int_fast_E); false when E
 * needs cpu/mem.c. */
INT_INLINE bool shift_fast(Cpu *cpu, const DecodedInsn *d, unsigned size,
                           unsigned op, uint64_t raw)
{
    uint8_t *h;
    uint64_t f, fmask;
    if (!int_fast_E(cpu, d, size, true, true, &h))
        return false;
    uint64_t a = int_fast_get(cpu, d, size, h);
    unsigned count = shift_count(size, raw);
    if (count == 0) {
        (void)shift_count0(cpu, d, size, a);
        return true;
    }
    uint64_t r = shift_compute(cpu, op, size, a, count, &f, &fmask);
    int_fast_put(cpu, d, size, h, r);
    int_set_flags(cpu, fmask, f);
    return true;
}

INT_INLINE bool shift_I_fast(Cpu *cpu, const DecodedInsn *d, unsigned size, unsigned op)
{
    return shift_fast(cpu, d, size, op, d->imm);
}

INT_INLINE bool shift_1_fast(Cpu *cpu, const DecodedInsn *d, unsigned size, unsigned op)
{
    return shift_fast(cpu, d, size, op, 1);
}

INT_INLINE bool shift_CL_fast(Cpu *cpu, const DecodedInsn *d, unsigned size, unsigned op)
{
    return shift_fast(cpu, d, size, op, cpu->gpr[R_RCX]);
}

#define SHIFT_FORMS(name, OP)                                                   \
    SimStatus op_##name##_Eb_Ib(Cpu *cpu, const DecodedInsn *d)                 \
    { return shift_I_fast(cpu, d, 1, OP) ? ST_OK : shift_E(cpu, d, 1, OP, d->imm); } \
    SimStatus op_##name##_Ev_Ib(Cpu *cpu, const DecodedInsn *d)                 \
    {                                                                           \
        return INT_SIZED_V(shift_I_fast, cpu, d, OP) ? ST_OK                    \
                                                     : shift_E(cpu, d, d->opsize, OP, d->imm); \
    }                                                                           \
    SimStatus op_##name##_Eb_1(Cpu *cpu, const DecodedInsn *d)                  \
    { return shift_1_fast(cpu, d, 1, OP) ? ST_OK : shift_E(cpu, d, 1, OP, 1); } \
    SimStatus op_##name##_Ev_1(Cpu *cpu, const DecodedInsn *d)                  \
    {                                                                           \
        return INT_SIZED_V(shift_1_fast, cpu, d, OP) ? ST_OK                    \
                                                     : shift_E(cpu, d, d->opsize, OP, 1); \
    }                                                                           \
    SimStatus op_##name##_Eb_CL(Cpu *cpu, const DecodedInsn *d)                 \
    {                                                                           \
        return shift_CL_fast(cpu, d, 1, OP) ? ST_OK                             \
                                            : shift_E(cpu, d, 1, OP, cpu->gpr[R_RCX]); \
    }                                                                           \
    SimStatus op_##name##_Ev_CL(Cpu *cpu, const DecodedInsn *d)                 \
    {                                                                           \
        return INT_SIZED_V(shift_CL_fast, cpu, d, OP)                           \
                   ? ST_OK : shift_E(cpu, d, d->opsize, OP, cpu->gpr[R_RCX]);   \
    }

SHIFT_FORMS(rol, SH_ROL)
SHIFT_FORMS(ror, SH_ROR)
SHIFT_FORMS(rcl, SH_RCL)
SHIFT_FORMS(rcr, SH_RCR)
SHIFT_FORMS(shl, SH_SHL)
SHIFT_FORMS(shr, SH_SHR)
SHIFT_FORMS(sar, SH_SAR)

/* SHLD/SHRD: DEST shifted with bits coming in from SRC (G). */
static SimStatus shxd(Cpu *cpu, const DecodedInsn *d, bool left, uint64_t raw)
{
    unsigned size = d->opsize, bits = size * 8;
    uint64_t m = size_mask(size), sb = int_sign_bit(size);
    unsigned count = shift_count(size, raw);
    uint64_t a, r, cf;
    SimStatus st = int_read_E(cpu, d, size, &a);
    if (st)
        return st;
    if (count == 0)
        return shift_count0(cpu, d, size, a);
    uint64_t b = int_get_G(cpu, d, size);
    a &= m;
    if (size == 2) {
        /* The 48-bit pattern DEST:SRC:DEST (see the file comment). */
        uint64_t w = (a << 32) | (b << 16) | a;
        if (left) {
            r = (w << count >> 32) & m;
            cf = (w << count >> 48) & 1;
        } else {
            r = (w >> count) & m;
            cf = (w >> (count - 1)) & 1;
        }
    } else if (left) {
        r = ((a << count) | (b >> (bits - count))) & m;
        cf = (a >> (bits - count)) & 1;
    } else {
        r = ((a >> count) | (b << (bits - count))) & m;
        cf = (a >> (count - 1)) & 1;
    }
    st = int_write_E(cpu, d, size, r);
    if (st)
        return st;
    int_set_flags(cpu, RFLAGS_ARITH,
                  int_flags_szp(r, size) | (cf ? RFLAGS_CF : 0) |
                  (((r ^ a) & sb) ? RFLAGS_OF : 0));
    return ST_OK;
}

SimStatus op_shld_Ev_Gv_Ib(Cpu *cpu, const DecodedInsn *d) { return shxd(cpu, d, true, d->imm); }
SimStatus op_shld_Ev_Gv_CL(Cpu *cpu, const DecodedInsn *d) { return shxd(cpu, d, true, cpu->gpr[R_RCX]); }
SimStatus op_shrd_Ev_Gv_Ib(Cpu *cpu, const DecodedInsn *d) { return shxd(cpu, d, false, d->imm); }
SimStatus op_shrd_Ev_Gv_CL(Cpu *cpu, const DecodedInsn *d) { return shxd(cpu, d, false, cpu->gpr[R_RCX]); }
