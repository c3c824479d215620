/*
 * cpu/ops_bit.c: bit and bit-field instructions: BT BTS BTR BTC, BSF BSR,
 * TZCNT LZCNT POPCNT, BSWAP, the VEX-encoded BMI1 (ANDN BEXTR BLSI BLSMSK
 * BLSR) and BMI2 (BZHI MULX PDEP PEXT RORX SARX SHLX SHRX) groups, and ADX
 * (ADCX ADOX).
 * SDM Vol.2A BSF, BSR, BSWAP, BT, BTC, BTR, BTS, ADCX, ADOX, ANDN, BEXTR,
 * BLSI, BLSMSK, BLSR, BZHI, LZCNT; Vol.2B MULX, PDEP, PEXT, POPCNT, RORX,
 * SARX/SHLX/SHRX, TZCNT; Vol.1 3.1.1.8 (Bit and Bit Offset); VEX encoding
 * SDM Vol.2A 2.3.
 *
 * TZCNT (F3 0F BC) and LZCNT (F3 0F BD) share their opcode with BSF/BSR: on
 * a part without the feature (BMI1, resp. CPUID.80000001H:ECX.ABM) the F3
 * prefix is ignored and the instruction executes as BSF/BSR (SDM Vol.2B
 * TZCNT, Vol.2A LZCNT "Description"). Their rows carry C_PF3 and the
 * feature; the decoder then falls back to the less specific BSF/BSR row.
 *
 * Undefined flags: BT* leave OF SF AF PF undefined and ZF unaffected;
 * vmxsim leaves all but CF unchanged. BSF/BSR leave all but ZF undefined
 * (unchanged here) and, for a zero source, the destination undefined:
 * vmxsim leaves it unchanged, as Intel and AMD parts do. BMI AF/PF and, where
 * undefined, SF are cleared. The differential test masks them.
 */
#include "cpu/ops_int.h"

/* Operand size of instructions whose operand is y (32/64): VEX.W or REX.W
 * selects 64 bits in 64-bit mode only (SDM Vol.2A 2.3.5). */
static inline unsigned bit_size_y(const Cpu *cpu, const DecodedInsn *d)
{
    return (cpu->mode == MODE_LONG64 && (d->pfx & D_REXW)) ? 8 : 4;
}

/* ---- BT BTS BTR BTC ---------------------------------------------------- */

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

/* `offset` is the bit offset: for the register-offset memory form, a signed
 * value that may address bits outside the operand at EA (SDM Vol.2A BT:
 * "Bit Base and Bit Offset"); otherwise masked to the operand width. */
static SimStatus bt_op(Cpu *cpu, const DecodedInsn *d, unsigned op,
                       uint64_t offset, bool reg_offset)
{
    unsigned size = d->opsize, bits = size * 8;
    uint64_t v;
    uint64_t ea = 0;
    unsigned bit;
    SimStatus st;
    if (d->mod == 3) {
        bit = offset & (bits - 1);
        v = cpu_reg_read(cpu, d->rm, size, false);
    } else {
        ea = insn_ea(cpu, d);
        if (reg_offset) {
            int64_t s = sext(offset, bits);
            /* Arithmetic shift: a negative offset addresses lower units. */
            ea = (ea + (uint64_t)((s >> (size == 2 ? 4 : size == 4 ? 5 : 6)) * (int64_t)size)) &
                 size_mask(d->addrsize);
        }
        bit = offset & (bits - 1);
        st = cpu_read_u(cpu, d->seg, ea, size, &v);
        if (st)
            return st;
    }
    uint64_t cf = (v >> bit) & 1;
    uint64_t nv;
    switch (op) {
    case BT_SET: nv = v | (1ull << bit); break;
    case BT_RESET: nv = v & ~(1ull << bit); break;
    case BT_COMPLEMENT: nv = v ^ (1ull << bit); break;
    default: nv = v; break;
    }
    if (op != BT_TEST) {
        if (d->mod == 3) {
            cpu_reg_write(cpu, d->rm, size, false, nv);
        } else {
            st = cpu_write_u(cpu, d->seg, ea, size, nv);
            if (st)
                return st;
        }
    }
    int_set_flags(cpu, RFLAGS_CF, cf ? RFLAGS_CF : 0);
    return ST_OK;
}

#define BT_FORMS(name, OP)                                                    \
    SimStatus op_##name##_Ev_Gv(Cpu *cpu, const DecodedInsn *d)               \
    { return bt_op(cpu, d, OP, int_get_G(cpu, d, d->opsize), true); }         \
    SimStatus op_##name##_Ev_Ib(Cpu *cpu, const DecodedInsn *d)               \
    { return bt_op(cpu, d, OP, d->imm & 0xff, false); }

BT_FORMS(bt, BT_TEST)
BT_FORMS(bts, BT_SET)
BT_FORMS(btr, BT_RESET)
BT_FORMS(btc, BT_COMPLEMENT)

/* ---- BSF BSR TZCNT LZCNT POPCNT --------------------------------------- */

/* TZCNT/LZCNT: count of trailing/leading zero bits, the operand width for
 * a zero source. CF = source is zero, ZF = result is zero; OF SF PF AF are
 * undefined and cleared here (SDM Vol.2B TZCNT, Vol.2A LZCNT). */
static SimStatus tzcnt_lzcnt(Cpu *cpu, const DecodedInsn *d, bool lz)
{
    unsigned size = d->opsize, bits = size * 8;
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    src &= size_mask(size);
    unsigned n;
    if (src == 0)
        n = bits;
    else if (lz)
        n = (unsigned)__builtin_clzll(src) - (64 - bits);
    else
        n = (unsigned)__builtin_ctzll(src);
    int_set_G(cpu, d, size, n);
    int_set_flags(cpu, RFLAGS_ARITH,
                  (src == 0 ? RFLAGS_CF : 0) | (n == 0 ? RFLAGS_ZF : 0));
    return ST_OK;
}

SimStatus op_tzcnt_Gv_Ev(Cpu *cpu, const DecodedInsn *d) { return tzcnt_lzcnt(cpu, d, false); }
SimStatus op_lzcnt_Gv_Ev(Cpu *cpu, const DecodedInsn *d) { return tzcnt_lzcnt(cpu, d, true); }

/* BSF/BSR: index of the lowest/highest set bit; ZF = source is zero. */
static SimStatus bsf_bsr(Cpu *cpu, const DecodedInsn *d, bool reverse)
{
    unsigned size = d->opsize;
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    src &= size_mask(size);
    if (src == 0) {
        cpu->rflags |= RFLAGS_ZF;
        return ST_OK;
    }
    int_set_G(cpu, d, size, reverse ? 63 - (unsigned)__builtin_clzll(src)
                                    : (unsigned)__builtin_ctzll(src));
    cpu->rflags &= ~(uint64_t)RFLAGS_ZF;
    return ST_OK;
}

SimStatus op_bsf_Gv_Ev(Cpu *cpu, const DecodedInsn *d) { return bsf_bsr(cpu, d, false); }
SimStatus op_bsr_Gv_Ev(Cpu *cpu, const DecodedInsn *d) { return bsf_bsr(cpu, d, true); }

/* POPCNT: ZF = source is zero; OF SF ZF AF CF PF otherwise cleared (SDM
 * Vol.2B POPCNT "Flags Affected"). */
SimStatus op_popcnt_Gv_Ev(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    src &= size_mask(size);
    int_set_G(cpu, d, size, (uint64_t)__builtin_popcountll(src));
    int_set_flags(cpu, RFLAGS_ARITH, src == 0 ? RFLAGS_ZF : 0);
    return ST_OK;
}

/* BSWAP: a 16-bit operand gives an undefined result (SDM Vol.2A BSWAP);
 * Intel parts clear the low word, and so does vmxsim. */
SimStatus op_bswap_Zv(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t v = cpu->gpr[d->reg];
    switch (d->opsize) {
    case 8: cpu->gpr[d->reg] = __builtin_bswap64(v); break;
    case 4: cpu_reg_write(cpu, d->reg, 4, true, __builtin_bswap32((uint32_t)v)); break;
    default: cpu_reg_write(cpu, d->reg, 2, true, 0); break;
    }
    return ST_OK;
}

/* ---- BMI1 ---------------------------------------------------------------- */

/* ANDN: Gy = ~By & Ey; SF ZF from the result, OF CF cleared. */
SimStatus op_andn_Gy_By_Ey(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = bit_size_y(cpu, d);
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    uint64_t r = ~cpu->gpr[d->vvvv] & src & size_mask(size);
    int_set_G(cpu, d, size, r);
    int_set_flags(cpu, RFLAGS_ARITH, int_flags_szp(r, size) & (RFLAGS_SF | RFLAGS_ZF));
    return ST_OK;
}

/* BEXTR: start = By[7:0], length = By[15:8]; ZF from the result, CF OF
 * cleared. */
SimStatus op_bextr_Gy_Ey_By(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = bit_size_y(cpu, d), bits = size * 8;
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    uint64_t ctl = cpu->gpr[d->vvvv];
    unsigned start = ctl & 0xff, len = (ctl >> 8) & 0xff;
    src &= size_mask(size);
    uint64_t r = start < bits ? src >> start : 0;
    if (len < 64)
        r &= (1ull << len) - 1;
    int_set_G(cpu, d, size, r);
    int_set_flags(cpu, RFLAGS_ARITH, r == 0 ? RFLAGS_ZF : 0);
    return ST_OK;
}

enum { BLS_R = 1, BLS_MSK = 2, BLS_I = 3 };

/* BLSR/BLSMSK/BLSI (VEX group 17, /1 /2 /3): the result goes to By. */
static SimStatus bls(Cpu *cpu, const DecodedInsn *d, unsigned op)
{
    unsigned size = bit_size_y(cpu, d);
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    uint64_t m = size_mask(size);
    src &= m;
    uint64_t r, cf;
    switch (op) {
    case BLS_R: r = src & (src - 1); cf = src == 0; break;
    case BLS_MSK: r = (src ^ (src - 1)) & m; cf = src == 0; break;
    default: r = src & -src; cf = src != 0; break;
    }
    r &= m;
    cpu_reg_write(cpu, d->vvvv, size, true, r);
    int_set_flags(cpu, RFLAGS_ARITH,
                  (int_flags_szp(r, size) & (RFLAGS_SF | RFLAGS_ZF)) |
                  (cf ? RFLAGS_CF : 0));
    return ST_OK;
}

SimStatus op_blsr_By_Ey(Cpu *cpu, const DecodedInsn *d) { return bls(cpu, d, BLS_R); }
SimStatus op_blsmsk_By_Ey(Cpu *cpu, const DecodedInsn *d) { return bls(cpu, d, BLS_MSK); }
SimStatus op_blsi_By_Ey(Cpu *cpu, const DecodedInsn *d) { return bls(cpu, d, BLS_I); }

/* ---- BMI2 ---------------------------------------------------------------- */

/* BZHI: clear Ey's bits from index By[7:0] up; CF = index > size - 1. */
SimStatus op_bzhi_Gy_Ey_By(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = bit_size_y(cpu, d), bits = size * 8;
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    unsigned n = cpu->gpr[d->vvvv] & 0xff;
    uint64_t r = src & size_mask(size);
    if (n < bits)
        r &= (1ull << n) - 1;
    int_set_G(cpu, d, size, r);
    int_set_flags(cpu, RFLAGS_ARITH,
                  (int_flags_szp(r, size) & (RFLAGS_SF | RFLAGS_ZF)) |
                  (n > bits - 1 ? RFLAGS_CF : 0));
    return ST_OK;
}

/* MULX: unsigned rDX * Ey, high half to Gy, low half to By, no flags. When
 * both name one register it receives the high half (SDM Vol.2B MULX). */
SimStatus op_mulx_Gy_By_Ey(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = bit_size_y(cpu, d);
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    uint64_t m = size_mask(size);
    unsigned __int128 p = (unsigned __int128)(cpu->gpr[R_RDX] & m) * (src & m);
    cpu_reg_write(cpu, d->vvvv, size, true, (uint64_t)p & m);
    int_set_G(cpu, d, size, (uint64_t)(p >> (size * 8)) & m);
    return ST_OK;
}

/* PDEP/PEXT: deposit/extract By's bits under the mask Ey, no flags. */
static SimStatus pdep_pext(Cpu *cpu, const DecodedInsn *d, bool extract)
{
    unsigned size = bit_size_y(cpu, d);
    uint64_t mask;
    SimStatus st = int_read_E(cpu, d, size, &mask);
    if (st)
        return st;
    uint64_t m = size_mask(size);
    uint64_t src = cpu->gpr[d->vvvv] & m;
    uint64_t r = 0;
    unsigned k = 0;
    mask &= m;
    for (uint64_t bits = mask; bits; bits &= bits - 1, k++) {
        unsigned i = (unsigned)__builtin_ctzll(bits);
        if (extract)
            r |= ((src >> i) & 1) << k;
        else
            r |= ((src >> k) & 1) << i;
    }
    int_set_G(cpu, d, size, r);
    return ST_OK;
}

SimStatus op_pdep_Gy_By_Ey(Cpu *cpu, const DecodedInsn *d) { return pdep_pext(cpu, d, false); }
SimStatus op_pext_Gy_By_Ey(Cpu *cpu, const DecodedInsn *d) { return pdep_pext(cpu, d, true); }

/* RORX: rotate right by the immediate (masked to 5/6 bits), no flags. */
SimStatus op_rorx_Gy_Ey_Ib(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = bit_size_y(cpu, d), bits = size * 8;
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    unsigned c = d->imm & (bits - 1);
    src &= size_mask(size);
    uint64_t r = c ? ((src >> c) | (src << (bits - c))) & size_mask(size) : src;
    int_set_G(cpu, d, size, r);
    return ST_OK;
}

enum { SX_SAR, SX_SHL, SX_SHR };

/* SARX/SHLX/SHRX: shift Ey by By masked to 5/6 bits, no flags. */
static SimStatus shiftx(Cpu *cpu, const DecodedInsn *d, unsigned op)
{
    unsigned size = bit_size_y(cpu, d), bits = size * 8;
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    unsigned c = cpu->gpr[d->vvvv] & (bits - 1);
    uint64_t m = size_mask(size), r;
    src &= m;
    switch (op) {
    case SX_SAR: r = (uint64_t)(sext(src, bits) >> c) & m; break;
    case SX_SHL: r = (src << c) & m; break;
    default: r = src >> c; break;
    }
    int_set_G(cpu, d, size, r);
    return ST_OK;
}

SimStatus op_sarx_Gy_Ey_By(Cpu *cpu, const DecodedInsn *d) { return shiftx(cpu, d, SX_SAR); }
SimStatus op_shlx_Gy_Ey_By(Cpu *cpu, const DecodedInsn *d) { return shiftx(cpu, d, SX_SHL); }
SimStatus op_shrx_Gy_Ey_By(Cpu *cpu, const DecodedInsn *d) { return shiftx(cpu, d, SX_SHR); }

/* ---- ADX ----------------------------------------------------------------- */

/* ADCX adds with CF and writes only CF; ADOX adds with OF and writes only
 * OF (SDM Vol.2A ADCX, ADOX). */
static SimStatus adx(Cpu *cpu, const DecodedInsn *d, uint64_t flag)
{
    unsigned size = bit_size_y(cpu, d);
    uint64_t src;
    SimStatus st = int_read_E(cpu, d, size, &src);
    if (st)
        return st;
    uint64_t m = size_mask(size);
    uint64_t a = int_get_G(cpu, d, size);
    unsigned cin = (cpu->rflags & flag) ? 1 : 0;
    uint64_t r = (a + (src & m) + cin) & m;
    bool carry = cin ? r <= a : r < a;
    int_set_G(cpu, d, size, r);
    int_set_flags(cpu, flag, carry ? flag : 0);
    return ST_OK;
}

SimStatus op_adcx_Gy_Ey(Cpu *cpu, const DecodedInsn *d) { return adx(cpu, d, RFLAGS_CF); }
SimStatus op_adox_Gy_Ey(Cpu *cpu, const DecodedInsn *d) { return adx(cpu, d, RFLAGS_OF); }
