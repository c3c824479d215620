/*
 * cpu/ops_sse41.c: the SSE4.1 instructions vmxsim implements (SDM Vol.1
 * 12.10 "SSE4.1 Instruction Set"; Vol.2 pages BLENDPS ... PTEST, ROUNDPS
 * ... ROUNDSD): packed-integer min/max/multiply/compare/pack, sign and zero
 * extension, PTEST, the blends, element insert/extract and ROUNDxx, i.e.
 * what gcc emits with -msse4.1. Rows exist only when the CPU model reports
 * SSE4.1. DPPS, DPPD and MPSADBW are not implemented (#UD).
 *
 * Binary integer forms and ROUNDxx run as the same instruction on the host
 * (cpu/fpu.h SSE_HOST); a host without SSE4.1 stops with "unsupported".
 */
#include "cpu/fpu.h"

#include "cpu/fault.h"
#include "cpu/mem.h"

static SimStatus need_host_sse41(Cpu *cpu)
{
    if (!__builtin_cpu_supports("sse4.1"))
        return cpu_unsupported(cpu, "SSE4.1 instruction on a host without SSE4.1");
    return ST_OK;
}

#define SSE41_OP(mn, msize)                                                  \
    SSE_HOST(hx_##mn, #mn " %%xmm1, %%xmm0")                                 \
    SimStatus op_##mn##_Vdq_Wdq(Cpu *cpu, const DecodedInsn *d)              \
    {                                                                        \
        SimStatus st = need_host_sse41(cpu);                                 \
        return st ? st : sse_exec(cpu, d, hx_##mn, msize, 0);                \
    }
SSE41_OP(pmuldq, 16) SSE41_OP(pcmpeqq, 16) SSE41_OP(packusdw, 16)
SSE41_OP(pminsb, 16) SSE41_OP(pminsd, 16) SSE41_OP(pminuw, 16)
SSE41_OP(pminud, 16) SSE41_OP(pmaxsb, 16) SSE41_OP(pmaxsd, 16)
SSE41_OP(pmaxuw, 16) SSE41_OP(pmaxud, 16) SSE41_OP(pmulld, 16)
SSE41_OP(phminposuw, 16)
/* PMOVSX/PMOVZX read only the bytes they widen (SDM Vol.2B PMOVSX) */
SSE41_OP(pmovsxbw, 8) SSE41_OP(pmovsxbd, 4) SSE41_OP(pmovsxbq, 2)
SSE41_OP(pmovsxwd, 8) SSE41_OP(pmovsxwq, 4) SSE41_OP(pmovsxdq, 8)
SSE41_OP(pmovzxbw, 8) SSE41_OP(pmovzxbd, 4) SSE41_OP(pmovzxbq, 2)
SSE41_OP(pmovzxwd, 8) SSE41_OP(pmovzxwq, 4) SSE41_OP(pmovzxdq, 8)

/* PTEST: ZF = (dst AND src) == 0, CF = (src AND NOT dst) == 0; AF, OF,
 * PF, SF cleared (SDM Vol.2B PTEST) */
SimStatus op_ptest_Vdq_Wdq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src;
    st = sse_src(cpu, d, 16, 0, &src);
    if (st)
        return st;
    const Xmm *dst = &cpu->fpu.xmm[d->reg & 15];
    uint64_t a = (dst->q[0] & src.q[0]) | (dst->q[1] & src.q[1]);
    uint64_t c = (~dst->q[0] & src.q[0]) | (~dst->q[1] & src.q[1]);
    uint64_t fl = cpu->rflags & ~(uint64_t)RFLAGS_ARITH;
    fl |= (a == 0 ? RFLAGS_ZF : 0) | (c == 0 ? RFLAGS_CF : 0);
    cpu->rflags = fl;
    return ST_OK;
}


/* ---- ROUNDPS/PD/SS/SD (SDM Vol.2B ROUNDPD "Rounding Modes and Encoding
 * of Rounding Control (RC) Field"): imm8[3:0] selects the mode and the
 * precision-exception suppression; one host block per value ---- */

#define ROUND_OP(mn, operands, msize)                                        \
    SSE_HOST(h_##mn##0, #mn " $0, %%xmm1, %%xmm0")                           \
    SSE_HOST(h_##mn##1, #mn " $1, %%xmm1, %%xmm0")                           \
    SSE_HOST(h_##mn##2, #mn " $2, %%xmm1, %%xmm0")                           \
    SSE_HOST(h_##mn##3, #mn " $3, %%xmm1, %%xmm0")                           \
    SSE_HOST(h_##mn##4, #mn " $4, %%xmm1, %%xmm0")                           \
    SSE_HOST(h_##mn##5, #mn " $5, %%xmm1, %%xmm0")                           \
    SSE_HOST(h_##mn##6, #mn " $6, %%xmm1, %%xmm0")                           \
    SSE_HOST(h_##mn##7, #mn " $7, %%xmm1, %%xmm0")                           \
    SSE_HOST(h_##mn##8, #mn " $8, %%xmm1, %%xmm0")                           \
    SSE_HOST(h_##mn##9, #mn " $9, %%xmm1, %%xmm0")                           \
    SSE_HOST(h_##mn##10, #mn " $10, %%xmm1, %%xmm0")                         \
    SSE_HOST(h_##mn##11, #mn " $11, %%xmm1, %%xmm0")                         \
    SSE_HOST(h_##mn##12, #mn " $12, %%xmm1, %%xmm0")                         \
    SSE_HOST(h_##mn##13, #mn " $13, %%xmm1, %%xmm0")                         \
    SSE_HOST(h_##mn##14, #mn " $14, %%xmm1, %%xmm0")                         \
    SSE_HOST(h_##mn##15, #mn " $15, %%xmm1, %%xmm0")                         \
    SimStatus op_##mn##_##operands(Cpu *cpu, const DecodedInsn *d)           \
    {                                                                        \
        static const SseHostFn fns[16] = {                                   \
            h_##mn##0, h_##mn##1, h_##mn##2, h_##mn##3, h_##mn##4,           \
            h_##mn##5, h_##mn##6, h_##mn##7, h_##mn##8, h_##mn##9,           \
            h_##mn##10, h_##mn##11, h_##mn##12, h_##mn##13, h_##mn##14,      \
            h_##mn##15,                                                      \
        };                                                                   \
        SimStatus st = need_host_sse41(cpu);                                 \
        return st ? st : sse_exec(cpu, d, fns[d->imm & 15], msize, SSE_FP);  \
    }

ROUND_OP(roundps, Vps_Wps_Ib, 16)
ROUND_OP(roundpd, Vpd_Wpd_Ib, 16)
ROUND_OP(roundss, Vss_Wss_Ib, 4)
ROUND_OP(roundsd, Vsd_Wsd_Ib, 8)

/* ---- blends (SDM Vol.2A BLENDPS, BLENDPD, BLENDVPS, BLENDVPD; Vol.2B
 * PBLENDW, PBLENDVB): element i comes from the source when its selector
 * bit is set; the variable forms use the sign bits of XMM0 ---- */

static SimStatus blend(Cpu *cpu, const DecodedInsn *d, unsigned esize,
                       bool variable)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src;
    st = sse_src(cpu, d, 16, 0, &src);
    if (st)
        return st;
    Xmm *dst = &cpu->fpu.xmm[d->reg & 15];
    const Xmm *mask = &cpu->fpu.xmm[0];
    for (unsigned i = 0; i < 16 / esize; i++) {
        bool sel = variable ? (mask->b[i * esize + esize - 1] >> 7) != 0
                            : ((d->imm >> i) & 1) != 0;
        if (sel)
            memcpy(&dst->b[i * esize], &src.b[i * esize], esize);
    }
    return ST_OK;
}

SimStatus op_blendps_Vps_Wps_Ib(Cpu *cpu, const DecodedInsn *d) { return blend(cpu, d, 4, false); }
SimStatus op_blendpd_Vpd_Wpd_Ib(Cpu *cpu, const DecodedInsn *d) { return blend(cpu, d, 8, false); }
SimStatus op_pblendw_Vdq_Wdq_Ib(Cpu *cpu, const DecodedInsn *d) { return blend(cpu, d, 2, false); }
SimStatus op_blendvps_Vps_Wps(Cpu *cpu, const DecodedInsn *d) { return blend(cpu, d, 4, true); }
SimStatus op_blendvpd_Vpd_Wpd(Cpu *cpu, const DecodedInsn *d) { return blend(cpu, d, 8, true); }
SimStatus op_pblendvb_Vdq_Wdq(Cpu *cpu, const DecodedInsn *d) { return blend(cpu, d, 1, true); }

/* ---- element extract and insert (SDM Vol.2B PEXTRB/PEXTRD/PEXTRQ,
 * PEXTRW, EXTRACTPS, PINSRB/PINSRD/PINSRQ, INSERTPS). A register
 * destination is zero-extended to 64 bits; REX.W selects the quadword
 * forms of 0F 3A 16 and 22. ---- */

static SimStatus extract(Cpu *cpu, const DecodedInsn *d, unsigned esize)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    const Xmm *src = &cpu->fpu.xmm[d->reg & 15];
    unsigned n = 16 / esize;
    uint64_t v = 0;
    memcpy(&v, &src->b[(d->imm & (n - 1)) * esize], esize);
    if (d->mod == 3) {
        cpu->gpr[d->rm] = v;
        return ST_OK;
    }
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), esize, v);
}

SimStatus op_pextrb_Ey_Vdq_Ib(Cpu *cpu, const DecodedInsn *d) { return extract(cpu, d, 1); }
SimStatus op_pextrw_Ey_Vdq_Ib(Cpu *cpu, const DecodedInsn *d) { return extract(cpu, d, 2); }
SimStatus op_extractps_Ed_Vdq_Ib(Cpu *cpu, const DecodedInsn *d) { return extract(cpu, d, 4); }
SimStatus op_pextrd_Ey_Vdq_Ib(Cpu *cpu, const DecodedInsn *d)
{
    return extract(cpu, d, (d->pfx & D_REXW) ? 8 : 4);
}

static SimStatus insert(Cpu *cpu, const DecodedInsn *d, unsigned esize)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint64_t v;
    if (d->mod == 3)
        v = cpu->gpr[d->rm];
    else {
        st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), esize, &v);
        if (st)
            return st;
    }
    unsigned n = 16 / esize;
    memcpy(&cpu->fpu.xmm[d->reg & 15].b[(d->imm & (n - 1)) * esize], &v, esize);
    return ST_OK;
}

SimStatus op_pinsrb_Vdq_Ey_Ib(Cpu *cpu, const DecodedInsn *d) { return insert(cpu, d, 1); }
SimStatus op_pinsrd_Vdq_Ey_Ib(Cpu *cpu, const DecodedInsn *d)
{
    return insert(cpu, d, (d->pfx & D_REXW) ? 8 : 4);
}

SimStatus op_insertps_Vdq_Wd_Ib(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint32_t v;
    unsigned imm = (unsigned)d->imm & 0xff;
    if (d->mod == 3)
        v = cpu->fpu.xmm[d->rm & 15].d[imm >> 6];
    else {
        uint64_t m;
        st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 4, &m);
        if (st)
            return st;
        v = (uint32_t)m;
    }
    Xmm *dst = &cpu->fpu.xmm[d->reg & 15];
    dst->d[(imm >> 4) & 3] = v;
    for (unsigned i = 0; i < 4; i++)
        if (imm & (1u << i))
            dst->d[i] = 0;
    return ST_OK;
}
