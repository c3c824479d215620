/*
 * cpu/ops_sse_int.c: the packed-integer instructions of MMX (SDM Vol.1 ch.
 * 9), SSE (10.4.4 "SSE 64-Bit SIMD Integer Instructions"), SSE2 (11.4.3
 * "128-Bit SIMD Integer Instructions") and SSSE3 (12.7), plus the bitwise
 * PS/PD logic and unpack instructions; Vol.2 pages PABSB ... PXOR, ANDPS
 * ... XORPD, UNPCKHPS ... UNPCKLPD. SSE4.1 is in cpu/ops_sse41.c.
 *
 * Integer results do not depend on any mode, so binary forms run as the
 * same instruction on the host (fpu.h SSE_HOST/MMX_HOST); those taking an
 * immediate (shuffles, PINSRW/PEXTRW, PALIGNR, shifts by imm8, byte shifts)
 * are written out here. SSSE3 forms need the host to have them: if
 * it does not, vmxsim stops with "unsupported" rather than crash.
 */
#include "cpu/fpu.h"

#include "cpu/fault.h"
#include "cpu/mem.h"

/* ---- binary forms executed on the host ---- */

#define INT_OPX(mn)                                                          \
    SSE_HOST(hx_##mn, #mn " %%xmm1, %%xmm0")                                 \
    SimStatus op_##mn##_Vdq_Wdq(Cpu *cpu, const DecodedInsn *d)              \
    {                                                                        \
        return sse_exec(cpu, d, hx_##mn, 16, 0);                             \
    }
#define INT_OPM(mn)                                                          \
    MMX_HOST(hm_##mn, #mn " %%mm1, %%mm0")                                   \
    SimStatus op_##mn##_Pq_Qq(Cpu *cpu, const DecodedInsn *d)                \
    {                                                                        \
        return mmx_exec(cpu, d, hm_##mn);                                    \
    }
#define INT_OP(mn) INT_OPX(mn) INT_OPM(mn)

/* MMX and SSE2 (0F 60-6B, 74-76, D1-FE) */
INT_OP(punpcklbw) INT_OP(punpcklwd) INT_OP(punpckldq) INT_OP(packsswb)
INT_OP(pcmpgtb) INT_OP(pcmpgtw) INT_OP(pcmpgtd) INT_OP(packuswb)
INT_OP(punpckhbw) INT_OP(punpckhwd) INT_OP(punpckhdq) INT_OP(packssdw)
INT_OPX(punpcklqdq) INT_OPX(punpckhqdq)
INT_OP(pcmpeqb) INT_OP(pcmpeqw) INT_OP(pcmpeqd)
INT_OP(psrlw) INT_OP(psrld) INT_OP(psrlq) INT_OP(paddq) INT_OP(pmullw)
INT_OP(psubusb) INT_OP(psubusw) INT_OP(pminub) INT_OP(pand)
INT_OP(paddusb) INT_OP(paddusw) INT_OP(pmaxub) INT_OP(pandn)
INT_OP(pavgb) INT_OP(psraw) INT_OP(psrad) INT_OP(pavgw)
INT_OP(pmulhuw) INT_OP(pmulhw) INT_OP(psubsb) INT_OP(psubsw)
INT_OP(pminsw) INT_OP(por) INT_OP(paddsb) INT_OP(paddsw)
INT_OP(pmaxsw) INT_OP(pxor) INT_OP(psllw) INT_OP(pslld) INT_OP(psllq)
INT_OP(pmuludq) INT_OP(pmaddwd) INT_OP(psadbw)
INT_OP(psubb) INT_OP(psubw) INT_OP(psubd) INT_OP(psubq)
INT_OP(paddb) INT_OP(paddw) INT_OP(paddd)

/* bitwise logic and unpacks on PS/PD data (SDM Vol.1 10.4.3, 11.4.1.4):
 * no floating-point exceptions */
#define PSPD_OP(mn, operands)                                                \
    SSE_HOST(hx_##mn, #mn " %%xmm1, %%xmm0")                                 \
    SimStatus op_##mn##_##operands(Cpu *cpu, const DecodedInsn *d)           \
    {                                                                        \
        return sse_exec(cpu, d, hx_##mn, 16, 0);                             \
    }
PSPD_OP(andps, Vps_Wps) PSPD_OP(andnps, Vps_Wps) PSPD_OP(orps, Vps_Wps)
PSPD_OP(xorps, Vps_Wps) PSPD_OP(andpd, Vpd_Wpd) PSPD_OP(andnpd, Vpd_Wpd)
PSPD_OP(orpd, Vpd_Wpd) PSPD_OP(xorpd, Vpd_Wpd)
PSPD_OP(unpcklps, Vps_Wps) PSPD_OP(unpckhps, Vps_Wps)
PSPD_OP(unpcklpd, Vpd_Wpd) PSPD_OP(unpckhpd, Vpd_Wpd)

/* ---- SSSE3 (0F 38): the host must implement them ---- */

static SimStatus need_host_ssse3(Cpu *cpu)
{
    if (!__builtin_cpu_supports("ssse3"))
        return cpu_unsupported(cpu, "SSSE3 instruction on a host without SSSE3");
    return ST_OK;
}

#define SSSE3_OP(mn)                                                         \
    SSE_HOST(hx_##mn, #mn " %%xmm1, %%xmm0")                                 \
    MMX_HOST(hm_##mn, #mn " %%mm1, %%mm0")                                   \
    SimStatus op_##mn##_Vdq_Wdq(Cpu *cpu, const DecodedInsn *d)              \
    {                                                                        \
        SimStatus st = need_host_ssse3(cpu);                                 \
        return st ? st : sse_exec(cpu, d, hx_##mn, 16, 0);                   \
    }                                                                        \
    SimStatus op_##mn##_Pq_Qq(Cpu *cpu, const DecodedInsn *d)                \
    {                                                                        \
        SimStatus st = need_host_ssse3(cpu);                                 \
        return st ? st : mmx_exec(cpu, d, hm_##mn);                          \
    }
SSSE3_OP(pshufb) SSSE3_OP(phaddw) SSSE3_OP(phaddd) SSSE3_OP(phaddsw)
SSSE3_OP(pmaddubsw) SSSE3_OP(phsubw) SSSE3_OP(phsubd) SSSE3_OP(phsubsw)
SSSE3_OP(psignb) SSSE3_OP(psignw) SSSE3_OP(psignd) SSSE3_OP(pmulhrsw)
SSSE3_OP(pabsb) SSSE3_OP(pabsw) SSSE3_OP(pabsd)

/* PALIGNR: (dst:src) >> (imm8 * 8), low half kept (SDM Vol.2B PALIGNR) */
static void palignr_bytes(uint8_t *out, const uint8_t *hi, const uint8_t *lo,
                          unsigned n, unsigned shift)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned k = i + shift;
        out[i] = k < n ? lo[k] : k < 2 * n ? hi[k - n] : 0;
    }
}

SimStatus op_palignr_Vdq_Wdq_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src, out;
    st = sse_src(cpu, d, 16, 0, &src);
    if (st)
        return st;
    palignr_bytes(out.b, cpu->fpu.xmm[d->reg & 15].b, src.b, 16,
                  (unsigned)(d->imm & 0xff));
    cpu->fpu.xmm[d->reg & 15] = out;
    return ST_OK;
}

SimStatus op_palignr_Pq_Qq_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t src, dst = mmx_get(&cpu->fpu, d->reg), out;
    st = mmx_src(cpu, d, &src);
    if (st)
        return st;
    uint8_t hb[8], lb[8], ob[8];
    memcpy(hb, &dst, 8);
    memcpy(lb, &src, 8);
    palignr_bytes(ob, hb, lb, 8, (unsigned)(d->imm & 0xff));
    memcpy(&out, ob, 8);
    mmx_enter(&cpu->fpu);
    mmx_set(&cpu->fpu, d->reg, out);
    return ST_OK;
}

/* ---- shifts by an immediate (Grp12/13/14, SDM Vol.2B PSLLW ... PSRLQ):
 * the same operation as the register-count form with count = imm8 ---- */

static SimStatus sse_shift_imm(Cpu *cpu, const DecodedInsn *d, SseHostFn fn)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm count = { .q = { d->imm & 0xff, 0 } };
    Xmm dst = cpu->fpu.xmm[d->rm & 15];
    uint32_t csr = sse_host_csr(cpu);
    fn(&dst, &count, &csr);
    cpu->fpu.xmm[d->rm & 15] = dst;
    return ST_OK;
}

static SimStatus mmx_shift_imm(Cpu *cpu, const DecodedInsn *d, MmxHostFn fn)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t count = d->imm & 0xff, dst = mmx_get(&cpu->fpu, d->rm);
    fn(&dst, &count);
    mmx_enter(&cpu->fpu);
    mmx_set(&cpu->fpu, d->rm, dst);
    return ST_OK;
}

#define SHIFT_IMM(mn)                                                        \
    SimStatus op_##mn##_Udq_Ib(Cpu *cpu, const DecodedInsn *d)               \
    {                                                                        \
        return sse_shift_imm(cpu, d, hx_##mn);                               \
    }                                                                        \
    SimStatus op_##mn##_Nq_Ib(Cpu *cpu, const DecodedInsn *d)                \
    {                                                                        \
        return mmx_shift_imm(cpu, d, hm_##mn);                               \
    }
SHIFT_IMM(psrlw) SHIFT_IMM(psraw) SHIFT_IMM(psllw)
SHIFT_IMM(psrld) SHIFT_IMM(psrad) SHIFT_IMM(pslld)
SHIFT_IMM(psrlq) SHIFT_IMM(psllq)

/* PSRLDQ/PSLLDQ: byte shifts of the whole register, counts above 15 give
 * zero (SDM Vol.2B PSRLDQ, PSLLDQ) */
static SimStatus sse_byte_shift(Cpu *cpu, const DecodedInsn *d, bool left)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    unsigned n = (unsigned)(d->imm & 0xff);
    Xmm *r = &cpu->fpu.xmm[d->rm & 15], out = { 0 };
    for (unsigned i = 0; i < 16; i++) {
        if (left && i >= n)
            out.b[i] = r->b[i - n];
        else if (!left && i + n < 16)
            out.b[i] = r->b[i + n];
    }
    *r = out;
    return ST_OK;
}

SimStatus op_psrldq_Udq_Ib(Cpu *cpu, const DecodedInsn *d) { return sse_byte_shift(cpu, d, false); }
SimStatus op_pslldq_Udq_Ib(Cpu *cpu, const DecodedInsn *d) { return sse_byte_shift(cpu, d, true); }

/* ---- shuffles (SDM Vol.2B PSHUFD, PSHUFHW, PSHUFLW, PSHUFW; Vol.2B
 * SHUFPS, SHUFPD) ---- */

SimStatus op_pshufd_Vdq_Wdq_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src, out;
    st = sse_src(cpu, d, 16, 0, &src);
    if (st)
        return st;
    unsigned imm = (unsigned)d->imm;
    for (unsigned i = 0; i < 4; i++)
        out.d[i] = src.d[(imm >> (2 * i)) & 3];
    cpu->fpu.xmm[d->reg & 15] = out;
    return ST_OK;
}

static SimStatus sse_pshuf_half(Cpu *cpu, const DecodedInsn *d, unsigned half)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src, out;
    st = sse_src(cpu, d, 16, 0, &src);
    if (st)
        return st;
    unsigned imm = (unsigned)d->imm;
    out = src;
    for (unsigned i = 0; i < 4; i++)
        out.w[4 * half + i] = src.w[4 * half + ((imm >> (2 * i)) & 3)];
    cpu->fpu.xmm[d->reg & 15] = out;
    return ST_OK;
}

SimStatus op_pshuflw_Vdq_Wdq_Ib(Cpu *cpu, const DecodedInsn *d) { return sse_pshuf_half(cpu, d, 0); }
SimStatus op_pshufhw_Vdq_Wdq_Ib(Cpu *cpu, const DecodedInsn *d) { return sse_pshuf_half(cpu, d, 1); }

SimStatus op_pshufw_Pq_Qq_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t src, out = 0;
    st = mmx_src(cpu, d, &src);
    if (st)
        return st;
    unsigned imm = (unsigned)d->imm;
    for (unsigned i = 0; i < 4; i++)
        out |= ((src >> (16 * ((imm >> (2 * i)) & 3))) & 0xffff) << (16 * i);
    mmx_enter(&cpu->fpu);
    mmx_set(&cpu->fpu, d->reg, out);
    return ST_OK;
}

SimStatus op_shufps_Vps_Wps_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src, out;
    st = sse_src(cpu, d, 16, 0, &src);
    if (st)
        return st;
    const Xmm *dst = &cpu->fpu.xmm[d->reg & 15];
    unsigned imm = (unsigned)d->imm;
    out.d[0] = dst->d[imm & 3];
    out.d[1] = dst->d[(imm >> 2) & 3];
    out.d[2] = src.d[(imm >> 4) & 3];
    out.d[3] = src.d[(imm >> 6) & 3];
    cpu->fpu.xmm[d->reg & 15] = out;
    return ST_OK;
}

SimStatus op_shufpd_Vpd_Wpd_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src, out;
    st = sse_src(cpu, d, 16, 0, &src);
    if (st)
        return st;
    const Xmm *dst = &cpu->fpu.xmm[d->reg & 15];
    out.q[0] = dst->q[d->imm & 1];
    out.q[1] = src.q[(d->imm >> 1) & 1];
    cpu->fpu.xmm[d->reg & 15] = out;
    return ST_OK;
}

/* ---- word insert/extract and byte masks (SDM Vol.2B PINSRW, PEXTRW,
 * PMOVMSKB; Vol.2B MOVMSKPS, MOVMSKPD) ---- */

SimStatus op_pinsrw_Vdq_Ew_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint64_t v;
    if (d->mod == 3)
        v = cpu->gpr[d->rm];
    else {
        st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 2, &v);
        if (st)
            return st;
    }
    cpu->fpu.xmm[d->reg & 15].w[d->imm & 7] = (uint16_t)v;
    return ST_OK;
}

SimStatus op_pinsrw_Pq_Ew_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t v;
    if (d->mod == 3)
        v = cpu->gpr[d->rm];
    else {
        st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 2, &v);
        if (st)
            return st;
    }
    unsigned sh = 16 * (unsigned)(d->imm & 3);
    uint64_t r = mmx_get(&cpu->fpu, d->reg);
    r = (r & ~(0xffffull << sh)) | ((v & 0xffff) << sh);
    mmx_enter(&cpu->fpu);
    mmx_set(&cpu->fpu, d->reg, r);
    return ST_OK;
}

/* the destination is a 32-bit GPR, zero-extended; 64 with REX.W */
SimStatus op_pextrw_Gd_Udq_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    cpu_reg_write(cpu, d->reg, 8, false, cpu->fpu.xmm[d->rm & 15].w[d->imm & 7]);
    return ST_OK;
}

SimStatus op_pextrw_Gd_Nq_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t r = mmx_get(&cpu->fpu, d->rm);
    mmx_enter(&cpu->fpu);
    cpu_reg_write(cpu, d->reg, 8, false, (r >> (16 * (d->imm & 3))) & 0xffff);
    return ST_OK;
}

SimStatus op_pmovmskb_Gd_Udq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint32_t m = 0;
    for (unsigned i = 0; i < 16; i++)
        m |= (uint32_t)(cpu->fpu.xmm[d->rm & 15].b[i] >> 7) << i;
    cpu_reg_write(cpu, d->reg, 8, false, m);
    return ST_OK;
}

SimStatus op_pmovmskb_Gd_Nq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t r = mmx_get(&cpu->fpu, d->rm);
    uint32_t m = 0;
    for (unsigned i = 0; i < 8; i++)
        m |= (uint32_t)((r >> (8 * i + 7)) & 1) << i;
    mmx_enter(&cpu->fpu);
    cpu_reg_write(cpu, d->reg, 8, false, m);
    return ST_OK;
}

SimStatus op_movmskps_Gd_Ups(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint32_t m = 0;
    for (unsigned i = 0; i < 4; i++)
        m |= (cpu->fpu.xmm[d->rm & 15].d[i] >> 31) << i;
    cpu_reg_write(cpu, d->reg, 8, false, m);
    return ST_OK;
}

SimStatus op_movmskpd_Gd_Upd(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint32_t m = 0;
    for (unsigned i = 0; i < 2; i++)
        m |= (uint32_t)(cpu->fpu.xmm[d->rm & 15].q[i] >> 63) << i;
    cpu_reg_write(cpu, d->reg, 8, false, m);
    return ST_OK;
}
