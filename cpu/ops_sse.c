/*
 * cpu/ops_sse.c: SSE/SSE2/SSE3 floating-point instructions (SDM Vol.1 ch.
 * 10 "Programming with SSE", 11 "Programming with SSE2", 12.3 "SSE3
 * Instructions"; Vol.2 pages ADDPS ... UCOMISD) and the shared SIMD
 * machinery: availability (SDM Vol.3 2.5; Vol.1 13.1.3), operand fetch with
 * the 16-byte alignment rule (SDM Vol.1 11.6.7 "Alignment of 128-bit Memory
 * Operands"), and SIMD floating-point exception reporting (SDM Vol.1 11.5
 * "SSE, SSE2, and SSE3 Exceptions").
 *
 * Results are the host's: each operation runs as the same instruction on
 * the host with the guest's MXCSR control bits in force (fpu.h, SSE_HOST),
 * so rounding, DAZ, FTZ, NaN propagation and the flags are bit-exact. RCPPS,
 * RCPSS, RSQRTPS and RSQRTSS are approximations whose low bits are
 * implementation-specific: vmxsim reports the host part's.
 * SIMPLIFICATION: with UM unmasked (MXCSR.UM = 0), an exact tiny result is
 * not reported as underflow (the host computes with UM masked, where
 * underflow needs inexactness; SDM Vol.1 11.5.2.2). Guests almost always
 * run with all SIMD exceptions masked.
 */
#include "cpu/fpu.h"

#include "cpu/fault.h"
#include "cpu/mem.h"

/* ---- availability and exceptions ---- */

SimStatus fpu_check_sse(Cpu *cpu)
{
    /* SDM Vol.3 2.5 CR0.EM and CR4.OSFXSR; Vol.2 "SIMD Floating-Point
     * Exceptions" tables: #UD first, then #NM for CR0.TS */
    if ((cpu->cr0 & CR0_EM) || !(cpu->cr4 & CR4_OSFXSR))
        return cpu_ud(cpu);
    if (cpu->cr0 & CR0_TS)
        return cpu_nm(cpu);
    return ST_OK;
}

SimStatus fpu_check_mmx(Cpu *cpu)
{
    /* SDM Vol.1 9.5.1 / Vol.2 MMX pages: #UD if CR0.EM, #NM if CR0.TS,
     * #MF if an x87 exception is pending */
    if (cpu->cr0 & CR0_EM)
        return cpu_ud(cpu);
    if (cpu->cr0 & CR0_TS)
        return cpu_nm(cpu);
    if (cpu->fpu.fsw & FSW_ES) {
        if (!(cpu->cr0 & CR0_NE))
            return cpu_unsupported(cpu, "x87 FERR# reporting with CR0.NE=0");
        return cpu_raise(cpu, EXC_MF);
    }
    return ST_OK;
}

SimStatus fpu_raise_simd(Cpu *cpu)
{
    /* SDM Vol.1 11.5.1: #XM when CR4.OSXMMEXCPT = 1, otherwise #UD */
    return cpu_raise(cpu, (cpu->cr4 & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD);
}

SimStatus sse_fp_flags(Cpu *cpu, uint32_t host_csr)
{
    uint32_t *mx = &cpu->fpu.mxcsr;
    uint32_t flags = host_csr & MXCSR_FLAGS;
    uint32_t unmasked = flags & ~(*mx >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    const uint32_t pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
    if (unmasked & pre) {
        /* SDM Vol.1 11.5.2.1: an unmasked pre-computation exception stops
         * the instruction before any post-computation check */
        *mx |= flags & pre;
        return fpu_raise_simd(cpu);
    }
    *mx |= flags;
    if (unmasked)
        return fpu_raise_simd(cpu);
    return ST_OK;
}

/* ---- operands ---- */

SimStatus sse_src(Cpu *cpu, const DecodedInsn *d, unsigned msize,
                  unsigned flags, Xmm *src)
{
    if (d->mod == 3) {
        *src = cpu->fpu.xmm[d->rm & 15];
        return ST_OK;
    }
    memset(src, 0, sizeof(*src));
    uint64_t ea = insn_ea(cpu, d);
    if (msize == 16 && !(flags & SSE_UNALIGNED)) {
        SimStatus st = fpu_check_align(cpu, d, ea, 16);
        if (st)
            return st;
    }
    return cpu_read(cpu, d->seg, ea, msize, src);
}

SimStatus sse_exec(Cpu *cpu, const DecodedInsn *d, SseHostFn fn,
                   unsigned msize, unsigned flags)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src, dst = cpu->fpu.xmm[d->reg & 15];
    st = sse_src(cpu, d, msize, flags, &src);
    if (st)
        return st;
    uint32_t csr = sse_host_csr(cpu);
    fn(&dst, &src, &csr);
    if (flags & SSE_FP) {
        st = sse_fp_flags(cpu, csr);
        if (st)
            return st;
    }
    cpu->fpu.xmm[d->reg & 15] = dst;
    return ST_OK;
}

SimStatus mmx_src(Cpu *cpu, const DecodedInsn *d, uint64_t *v)
{
    if (d->mod == 3) {
        *v = mmx_get(&cpu->fpu, d->rm);
        return ST_OK;
    }
    return cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 8, v);
}

SimStatus mmx_exec(Cpu *cpu, const DecodedInsn *d, MmxHostFn fn)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t src, dst = mmx_get(&cpu->fpu, d->reg);
    st = mmx_src(cpu, d, &src);
    if (st)
        return st;
    fn(&dst, &src);
    mmx_enter(&cpu->fpu);
    mmx_set(&cpu->fpu, d->reg, dst);
    return ST_OK;
}

/* ---- arithmetic (SDM Vol.2 ADDPS ... SQRTSD, MINPS ... MAXSD) ---- */

#define FP_OP(mn, operands, msize)                                           \
    SSE_HOST(host_##mn, #mn " %%xmm1, %%xmm0")                               \
    SimStatus op_##mn##_##operands(Cpu *cpu, const DecodedInsn *d)           \
    {                                                                        \
        return sse_exec(cpu, d, host_##mn, msize, SSE_FP);                   \
    }
#define FP_OP4(mn)                                                           \
    FP_OP(mn##ps, Vps_Wps, 16) FP_OP(mn##pd, Vpd_Wpd, 16)                    \
    FP_OP(mn##ss, Vss_Wss, 4) FP_OP(mn##sd, Vsd_Wsd, 8)

FP_OP4(add)
FP_OP4(sub)
FP_OP4(mul)
FP_OP4(div)
FP_OP4(min)
FP_OP4(max)
FP_OP4(sqrt)
FP_OP(rcpps, Vps_Wps, 16)
FP_OP(rcpss, Vss_Wss, 4)
FP_OP(rsqrtps, Vps_Wps, 16)
FP_OP(rsqrtss, Vss_Wss, 4)

/* SSE3 horizontal and alternating arithmetic (SDM Vol.1 12.3.5) */
FP_OP(haddps, Vps_Wps, 16)
FP_OP(haddpd, Vpd_Wpd, 16)
FP_OP(hsubps, Vps_Wps, 16)
FP_OP(hsubpd, Vpd_Wpd, 16)
FP_OP(addsubps, Vps_Wps, 16)
FP_OP(addsubpd, Vpd_Wpd, 16)

/* ---- conversions between FP formats and packed integers
 * (SDM Vol.1 11.4.6 "SSE2 Conversion Instructions") ---- */

FP_OP(cvtps2pd, Vpd_Wq, 8)
FP_OP(cvtpd2ps, Vps_Wpd, 16)
FP_OP(cvtss2sd, Vsd_Wss, 4)
FP_OP(cvtsd2ss, Vss_Wsd, 8)
FP_OP(cvtdq2ps, Vps_Wdq, 16)
FP_OP(cvtps2dq, Vdq_Wps, 16)
FP_OP(cvttps2dq, Vdq_Wps, 16)
FP_OP(cvtdq2pd, Vpd_Wq, 8)
FP_OP(cvtpd2dq, Vdq_Wpd, 16)
FP_OP(cvttpd2dq, Vdq_Wpd, 16)

/* ---- compares with a predicate (SDM Vol.2A CMPPS, CMPPD, CMPSS, CMPSD;
 * legacy SSE uses imm8[2:0]) ---- */

#define CMP_OP(mn, operands, msize)                                          \
    SSE_HOST(host_##mn##0, #mn " $0, %%xmm1, %%xmm0")                        \
    SSE_HOST(host_##mn##1, #mn " $1, %%xmm1, %%xmm0")                        \
    SSE_HOST(host_##mn##2, #mn " $2, %%xmm1, %%xmm0")                        \
    SSE_HOST(host_##mn##3, #mn " $3, %%xmm1, %%xmm0")                        \
    SSE_HOST(host_##mn##4, #mn " $4, %%xmm1, %%xmm0")                        \
    SSE_HOST(host_##mn##5, #mn " $5, %%xmm1, %%xmm0")                        \
    SSE_HOST(host_##mn##6, #mn " $6, %%xmm1, %%xmm0")                        \
    SSE_HOST(host_##mn##7, #mn " $7, %%xmm1, %%xmm0")                        \
    SimStatus op_##mn##_##operands(Cpu *cpu, const DecodedInsn *d)           \
    {                                                                        \
        static const SseHostFn fns[8] = {                                    \
            host_##mn##0, host_##mn##1, host_##mn##2, host_##mn##3,          \
            host_##mn##4, host_##mn##5, host_##mn##6, host_##mn##7,          \
        };                                                                   \
        return sse_exec(cpu, d, fns[d->imm & 7], msize, SSE_FP);             \
    }

CMP_OP(cmpps, Vps_Wps_Ib, 16)
CMP_OP(cmppd, Vpd_Wpd_Ib, 16)
CMP_OP(cmpss, Vss_Wss_Ib, 4)
CMP_OP(cmpsd, Vsd_Wsd_Ib, 8)

/* ---- ordered/unordered scalar compares into EFLAGS (SDM Vol.2A COMISS,
 * COMISD, UCOMISS, UCOMISD): ZF, PF, CF from the compare; OF, SF, AF = 0 */

#define COMI_HOST(fn, text)                                                  \
    static __attribute__((noinline)) void fn(const Xmm *a, const Xmm *b,    \
                                             uint32_t *csr, bool *z,         \
                                             bool *p, bool *c)               \
    {                                                                        \
        uint32_t save;                                                       \
        __asm__ volatile("stmxcsr %[save]\n\t"                               \
                         "ldmxcsr %[csr]\n\t"                                \
                         "movdqu %[a], %%xmm0\n\t"                           \
                         "movdqu %[b], %%xmm1\n\t"                           \
                         text " %%xmm1, %%xmm0\n\t"                          \
                         "stmxcsr %[csr]\n\t"                                \
                         "ldmxcsr %[save]"                                   \
                         : "=@ccz"(*z), "=@ccp"(*p), "=@ccc"(*c),            \
                           [csr] "+m"(*csr), [save] "=m"(save)               \
                         : [a] "m"(*a), [b] "m"(*b)                          \
                         : "xmm0", "xmm1");                                  \
    }

COMI_HOST(host_comiss, "comiss")
COMI_HOST(host_ucomiss, "ucomiss")
COMI_HOST(host_comisd, "comisd")
COMI_HOST(host_ucomisd, "ucomisd")

typedef void (*ComiHostFn)(const Xmm *, const Xmm *, uint32_t *, bool *,
                           bool *, bool *);

static SimStatus sse_comi(Cpu *cpu, const DecodedInsn *d, ComiHostFn fn,
                          unsigned msize)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src;
    st = sse_src(cpu, d, msize, 0, &src);
    if (st)
        return st;
    uint32_t csr = sse_host_csr(cpu);
    bool z, p, c;
    fn(&cpu->fpu.xmm[d->reg & 15], &src, &csr, &z, &p, &c);
    st = sse_fp_flags(cpu, csr);
    if (st)
        return st;
    uint64_t fl = cpu->rflags & ~(uint64_t)RFLAGS_ARITH;
    fl |= (z ? RFLAGS_ZF : 0) | (p ? RFLAGS_PF : 0) | (c ? RFLAGS_CF : 0);
    cpu->rflags = fl;
    return ST_OK;
}

SimStatus op_comiss_Vss_Wss(Cpu *cpu, const DecodedInsn *d) { return sse_comi(cpu, d, host_comiss, 4); }
SimStatus op_ucomiss_Vss_Wss(Cpu *cpu, const DecodedInsn *d) { return sse_comi(cpu, d, host_ucomiss, 4); }
SimStatus op_comisd_Vsd_Wsd(Cpu *cpu, const DecodedInsn *d) { return sse_comi(cpu, d, host_comisd, 8); }
SimStatus op_ucomisd_Vsd_Wsd(Cpu *cpu, const DecodedInsn *d) { return sse_comi(cpu, d, host_ucomisd, 8); }

/* ---- scalar FP <-> general-register integer (SDM Vol.2A CVTSI2SS,
 * CVTSI2SD, CVTSS2SI, CVTTSS2SI, CVTSD2SI, CVTTSD2SI; REX.W selects the
 * 64-bit integer) ---- */

#define TOGPR_HOST(fn, text)                                                 \
    static __attribute__((noinline)) uint64_t fn(const Xmm *src,            \
                                                 uint32_t *csr)              \
    {                                                                        \
        uint32_t save;                                                       \
        uint64_t r;                                                          \
        __asm__ volatile("stmxcsr %[save]\n\t"                               \
                         "ldmxcsr %[csr]\n\t"                                \
                         "movdqu %[s], %%xmm1\n\t"                           \
                         text "\n\t"                                         \
                         "stmxcsr %[csr]\n\t"                                \
                         "ldmxcsr %[save]"                                   \
                         : [r] "=r"(r), [csr] "+m"(*csr), [save] "=m"(save)  \
                         : [s] "m"(*src)                                     \
                         : "xmm1");                                          \
        return r;                                                            \
    }

TOGPR_HOST(host_cvtss2si32, "cvtss2si %%xmm1, %k[r]")
TOGPR_HOST(host_cvtss2si64, "cvtss2si %%xmm1, %q[r]")
TOGPR_HOST(host_cvttss2si32, "cvttss2si %%xmm1, %k[r]")
TOGPR_HOST(host_cvttss2si64, "cvttss2si %%xmm1, %q[r]")
TOGPR_HOST(host_cvtsd2si32, "cvtsd2si %%xmm1, %k[r]")
TOGPR_HOST(host_cvtsd2si64, "cvtsd2si %%xmm1, %q[r]")
TOGPR_HOST(host_cvttsd2si32, "cvttsd2si %%xmm1, %k[r]")
TOGPR_HOST(host_cvttsd2si64, "cvttsd2si %%xmm1, %q[r]")

typedef uint64_t (*ToGprHostFn)(const Xmm *, uint32_t *);

static SimStatus sse_to_gpr(Cpu *cpu, const DecodedInsn *d, ToGprHostFn f32,
                            ToGprHostFn f64, unsigned msize)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src;
    st = sse_src(cpu, d, msize, 0, &src);
    if (st)
        return st;
    uint32_t csr = sse_host_csr(cpu);
    bool w = d->opsize == 8;
    uint64_t r = (w ? f64 : f32)(&src, &csr);
    st = sse_fp_flags(cpu, csr);
    if (st)
        return st;
    cpu_reg_write(cpu, d->reg, w ? 8 : 4, false, r);
    return ST_OK;
}

SimStatus op_cvtss2si_Gy_Wss(Cpu *cpu, const DecodedInsn *d) { return sse_to_gpr(cpu, d, host_cvtss2si32, host_cvtss2si64, 4); }
SimStatus op_cvttss2si_Gy_Wss(Cpu *cpu, const DecodedInsn *d) { return sse_to_gpr(cpu, d, host_cvttss2si32, host_cvttss2si64, 4); }
SimStatus op_cvtsd2si_Gy_Wsd(Cpu *cpu, const DecodedInsn *d) { return sse_to_gpr(cpu, d, host_cvtsd2si32, host_cvtsd2si64, 8); }
SimStatus op_cvttsd2si_Gy_Wsd(Cpu *cpu, const DecodedInsn *d) { return sse_to_gpr(cpu, d, host_cvttsd2si32, host_cvttsd2si64, 8); }

#define FROMGPR_HOST(fn, text)                                               \
    static __attribute__((noinline)) void fn(Xmm *dst, uint64_t v,          \
                                             uint32_t *csr)                  \
    {                                                                        \
        uint32_t save;                                                       \
        __asm__ volatile("stmxcsr %[save]\n\t"                               \
                         "ldmxcsr %[csr]\n\t"                                \
                         "movdqu %[d], %%xmm0\n\t"                           \
                         text "\n\t"                                         \
                         "movdqu %%xmm0, %[d]\n\t"                           \
                         "stmxcsr %[csr]\n\t"                                \
                         "ldmxcsr %[save]"                                   \
                         : [d] "+m"(*dst), [csr] "+m"(*csr),                 \
                           [save] "=m"(save)                                 \
                         : [v] "r"(v)                                        \
                         : "xmm0");                                          \
    }

FROMGPR_HOST(host_cvtsi2ss32, "cvtsi2ssl %k[v], %%xmm0")
FROMGPR_HOST(host_cvtsi2ss64, "cvtsi2ssq %q[v], %%xmm0")
FROMGPR_HOST(host_cvtsi2sd32, "cvtsi2sdl %k[v], %%xmm0")
FROMGPR_HOST(host_cvtsi2sd64, "cvtsi2sdq %q[v], %%xmm0")

typedef void (*FromGprHostFn)(Xmm *, uint64_t, uint32_t *);

static SimStatus sse_from_gpr(Cpu *cpu, const DecodedInsn *d,
                              FromGprHostFn f32, FromGprHostFn f64)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    bool w = d->opsize == 8;
    uint64_t v;
    if (d->mod == 3)
        v = cpu_reg_read(cpu, d->rm, w ? 8 : 4, false);
    else {
        st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), w ? 8 : 4, &v);
        if (st)
            return st;
    }
    Xmm dst = cpu->fpu.xmm[d->reg & 15];
    uint32_t csr = sse_host_csr(cpu);
    (w ? f64 : f32)(&dst, v, &csr);
    st = sse_fp_flags(cpu, csr);
    if (st)
        return st;
    cpu->fpu.xmm[d->reg & 15] = dst;
    return ST_OK;
}

SimStatus op_cvtsi2ss_Vss_Ey(Cpu *cpu, const DecodedInsn *d) { return sse_from_gpr(cpu, d, host_cvtsi2ss32, host_cvtsi2ss64); }
SimStatus op_cvtsi2sd_Vsd_Ey(Cpu *cpu, const DecodedInsn *d) { return sse_from_gpr(cpu, d, host_cvtsi2sd32, host_cvtsi2sd64); }

/* ---- conversions with MMX registers (SDM Vol.2A CVTPI2PS, CVTPI2PD,
 * CVTPS2PI, CVTTPS2PI, CVTPD2PI, CVTTPD2PI). A register MMX operand makes
 * the x87 -> MMX transition; a memory operand does not. ---- */

#define PI2X_HOST(fn, text)                                                  \
    static __attribute__((noinline)) void fn(Xmm *dst, const uint64_t *src, \
                                             uint32_t *csr)                  \
    {                                                                        \
        uint32_t save;                                                       \
        __asm__ volatile("stmxcsr %[save]\n\t"                               \
                         "ldmxcsr %[csr]\n\t"                                \
                         "movdqu %[d], %%xmm0\n\t"                           \
                         "movq %[s], %%mm1\n\t"                              \
                         text "\n\t"                                         \
                         "movdqu %%xmm0, %[d]\n\t"                           \
                         "stmxcsr %[csr]\n\t"                                \
                         "ldmxcsr %[save]\n\t"                               \
                         "emms"                                              \
                         : [d] "+m"(*dst), [csr] "+m"(*csr),                 \
                           [save] "=m"(save)                                 \
                         : [s] "m"(*src)                                     \
                         : "xmm0", "mm1", "st", "st(1)");                    \
    }

PI2X_HOST(host_cvtpi2ps, "cvtpi2ps %%mm1, %%xmm0")
PI2X_HOST(host_cvtpi2pd, "cvtpi2pd %%mm1, %%xmm0")

static SimStatus sse_pi2x(Cpu *cpu, const DecodedInsn *d,
                          void (*fn)(Xmm *, const uint64_t *, uint32_t *))
{
    SimStatus st = d->mod == 3 ? fpu_check_mmx(cpu) : ST_OK;
    if (st)
        return st;
    st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint64_t src;
    st = mmx_src(cpu, d, &src);
    if (st)
        return st;
    Xmm dst = cpu->fpu.xmm[d->reg & 15];
    uint32_t csr = sse_host_csr(cpu);
    fn(&dst, &src, &csr);
    st = sse_fp_flags(cpu, csr);
    if (st)
        return st;
    if (d->mod == 3)
        mmx_enter(&cpu->fpu);
    cpu->fpu.xmm[d->reg & 15] = dst;
    return ST_OK;
}

SimStatus op_cvtpi2ps_Vps_Qpi(Cpu *cpu, const DecodedInsn *d) { return sse_pi2x(cpu, d, host_cvtpi2ps); }
SimStatus op_cvtpi2pd_Vpd_Qpi(Cpu *cpu, const DecodedInsn *d) { return sse_pi2x(cpu, d, host_cvtpi2pd); }

#define X2PI_HOST(fn, text)                                                  \
    static __attribute__((noinline)) void fn(uint64_t *dst, const Xmm *src, \
                                             uint32_t *csr)                  \
    {                                                                        \
        uint32_t save;                                                       \
        __asm__ volatile("stmxcsr %[save]\n\t"                               \
                         "ldmxcsr %[csr]\n\t"                                \
                         "movdqu %[s], %%xmm1\n\t"                           \
                         text "\n\t"                                         \
                         "movq %%mm0, %[d]\n\t"                              \
                         "stmxcsr %[csr]\n\t"                                \
                         "ldmxcsr %[save]\n\t"                               \
                         "emms"                                              \
                         : [d] "=m"(*dst), [csr] "+m"(*csr),                 \
                           [save] "=m"(save)                                 \
                         : [s] "m"(*src)                                     \
                         : "xmm1", "mm0", "st", "st(1)");                    \
    }

X2PI_HOST(host_cvtps2pi, "cvtps2pi %%xmm1, %%mm0")
X2PI_HOST(host_cvttps2pi, "cvttps2pi %%xmm1, %%mm0")
X2PI_HOST(host_cvtpd2pi, "cvtpd2pi %%xmm1, %%mm0")
X2PI_HOST(host_cvttpd2pi, "cvttpd2pi %%xmm1, %%mm0")

static SimStatus sse_x2pi(Cpu *cpu, const DecodedInsn *d,
                          void (*fn)(uint64_t *, const Xmm *, uint32_t *),
                          unsigned msize)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src;
    st = sse_src(cpu, d, msize, 0, &src);
    if (st)
        return st;
    uint64_t dst = 0;
    uint32_t csr = sse_host_csr(cpu);
    fn(&dst, &src, &csr);
    st = sse_fp_flags(cpu, csr);
    if (st)
        return st;
    mmx_enter(&cpu->fpu);
    mmx_set(&cpu->fpu, d->reg, dst);
    return ST_OK;
}

SimStatus op_cvtps2pi_Ppi_Wps(Cpu *cpu, const DecodedInsn *d) { return sse_x2pi(cpu, d, host_cvtps2pi, 8); }
SimStatus op_cvttps2pi_Ppi_Wps(Cpu *cpu, const DecodedInsn *d) { return sse_x2pi(cpu, d, host_cvttps2pi, 8); }
SimStatus op_cvtpd2pi_Ppi_Wpd(Cpu *cpu, const DecodedInsn *d) { return sse_x2pi(cpu, d, host_cvtpd2pi, 16); }
SimStatus op_cvttpd2pi_Ppi_Wpd(Cpu *cpu, const DecodedInsn *d) { return sse_x2pi(cpu, d, host_cvttpd2pi, 16); }
