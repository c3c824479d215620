/*
 * cpu/tests/test_diff_sse.c: differential test of the SSE/SSE2/SSE3
 * floating-point instructions against the host CPU (SDM Vol.1 4.8
 * "Real Numbers and Floating-Point Formats", 10.2.3 MXCSR, 11.5 SIMD
 * floating-point exceptions). Each instruction runs in the simulator
 * (decoder, memory layer, handler) and natively through inline assembly on
 * the same deterministic-seeded inputs, rich in NaNs, infinities, zeros and
 * denormals, under every rounding mode and DAZ/FTZ combination, in register
 * and memory forms; results, MXCSR flags and EFLAGS must be equal bit for
 * bit. With every exception unmasked the simulator must fault exactly when
 * the host flags an exception, leaving the destination unchanged.
 */
#include "cpu/tests/fpu_cases.h"

/* ---- deterministic inputs (xorshift64*, fixed seed) ---- */

static uint64_t rng_next(uint64_t *st)
{
    uint64_t x = *st;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *st = x;
    return x * 0x2545f4914f6cdd1dull;
}

static const uint32_t special32[] = {
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
    0x7fa00000, 0xff812345, 0x00000001, 0x807fffff, 0x00400000, 0x00800000,
    0x80800000, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000, 0x4f000000,
    0xcf000000, 0x5f000000, 0x3eaaaaab, 0x0c000000, 0x72000000, 0x4b800001,
};

static const uint64_t special64[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x7ff0000000000000ull,
    0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000001ull,
    0x7ff4000000000000ull, 0xfff0000000000123ull, 0x0000000000000001ull,
    0x800fffffffffffffull, 0x0008000000000000ull, 0x0010000000000000ull,
    0x7fefffffffffffffull, 0xffefffffffffffffull, 0x3ff0000000000000ull,
    0xbff0000000000000ull, 0x43e0000000000000ull, 0xc3e0000000000000ull,
    0x41e0000000000000ull, 0x3fd5555555555555ull, 0x3810000000000000ull,
    0x47f0000000000000ull, 0x36a0000000000000ull, 0x4330000000000001ull,
};

static uint32_t gen32(uint64_t *st)
{
    uint64_t r = rng_next(st);
    switch (r & 3) {
    case 0: return special32[(r >> 8) % G_N_ELEMENTS(special32)];
    case 1: return (uint32_t)(r >> 32) & 0x807fffffu;          /* denormal */
    case 2: return (uint32_t)(((r >> 40) % 2001) * 0x00800000u / 64 + 0x30000000u) |
                   ((uint32_t)(r >> 20) & 0x80000000u);          /* moderate */
    default: return (uint32_t)(r >> 32);
    }
}

static uint64_t gen64(uint64_t *st)
{
    uint64_t r = rng_next(st);
    switch (r & 3) {
    case 0: return special64[(r >> 8) % G_N_ELEMENTS(special64)];
    case 1: return rng_next(st) & 0x800fffffffffffffull;
    case 2: return (((r >> 40) % 4001 + 0x3c0ull * 4) << 50) |
                   (rng_next(st) & 0x800fffffffffffffull);
    default: return rng_next(st);
    }
}

enum { K32, K64 };

static void gen_xmm(uint64_t *st, int kind, Xmm *x)
{
    if (kind == K32)
        for (unsigned i = 0; i < 4; i++)
            x->d[i] = gen32(st);
    else
        for (unsigned i = 0; i < 2; i++)
            x->q[i] = gen64(st);
}

/* ---- native execution ---- */

typedef void (*NativeFn)(Xmm *dst, const Xmm *src, uint32_t *csr);

#define NATIVE(fn, text)                                                     \
    static __attribute__((noinline)) void fn(Xmm *dst, const Xmm *src,      \
                                             uint32_t *csr)                  \
    {                                                                        \
        uint32_t host;                                                       \
        __asm__ volatile("stmxcsr %[h]\n\tldmxcsr %[c]\n\t"                  \
                         "movdqu %[d], %%xmm0\n\tmovdqu %[s], %%xmm1\n\t"    \
                         text " %%xmm1, %%xmm0\n\t"                          \
                         "movdqu %%xmm0, %[d]\n\tstmxcsr %[c]\n\t"           \
                         "ldmxcsr %[h]"                                      \
                         : [d] "+m"(*dst), [c] "+m"(*csr), [h] "=m"(host)    \
                         : [s] "m"(*src)                                     \
                         : "xmm0", "xmm1");                                  \
    }

NATIVE(n_addps, "addps") NATIVE(n_addpd, "addpd") NATIVE(n_addss, "addss") NATIVE(n_addsd, "addsd")
NATIVE(n_subps, "subps") NATIVE(n_subpd, "subpd") NATIVE(n_subss, "subss") NATIVE(n_subsd, "subsd")
NATIVE(n_mulps, "mulps") NATIVE(n_mulpd, "mulpd") NATIVE(n_mulss, "mulss") NATIVE(n_mulsd, "mulsd")
NATIVE(n_divps, "divps") NATIVE(n_divpd, "divpd") NATIVE(n_divss, "divss") NATIVE(n_divsd, "divsd")
NATIVE(n_minps, "minps") NATIVE(n_minpd, "minpd") NATIVE(n_minss, "minss") NATIVE(n_minsd, "minsd")
NATIVE(n_maxps, "maxps") NATIVE(n_maxpd, "maxpd") NATIVE(n_maxss, "maxss") NATIVE(n_maxsd, "maxsd")
NATIVE(n_sqrtps, "sqrtps") NATIVE(n_sqrtpd, "sqrtpd") NATIVE(n_sqrtss, "sqrtss") NATIVE(n_sqrtsd, "sqrtsd")
NATIVE(n_cmpltps, "cmpps $1,") NATIVE(n_cmpunordpd, "cmppd $3,")
NATIVE(n_cmpnless, "cmpss $6,") NATIVE(n_cmpeqsd, "cmpsd $0,")
NATIVE(n_cvtps2pd, "cvtps2pd") NATIVE(n_cvtpd2ps, "cvtpd2ps")
NATIVE(n_cvtss2sd, "cvtss2sd") NATIVE(n_cvtsd2ss, "cvtsd2ss")
NATIVE(n_cvtps2dq, "cvtps2dq") NATIVE(n_cvttps2dq, "cvttps2dq")
NATIVE(n_cvtpd2dq, "cvtpd2dq") NATIVE(n_cvttpd2dq, "cvttpd2dq")
NATIVE(n_cvtdq2ps, "cvtdq2ps") NATIVE(n_cvtdq2pd, "cvtdq2pd")
NATIVE(n_haddps, "haddps") NATIVE(n_haddpd, "haddpd")
NATIVE(n_hsubps, "hsubps") NATIVE(n_addsubpd, "addsubpd")
NATIVE(n_roundps4, "roundps $4,") NATIVE(n_roundsd9, "roundsd $9,")
NATIVE(n_roundpd2, "roundpd $2,") NATIVE(n_roundss0, "roundss $0,")

/* SSE2 integer forms (SDM Vol.2, each instruction's page): results must
 * match the host bit for bit; MXCSR is untouched by them. */
NATIVE(n_paddb, "paddb") NATIVE(n_paddw, "paddw") NATIVE(n_paddd, "paddd") NATIVE(n_paddq, "paddq")
NATIVE(n_psubb, "psubb") NATIVE(n_psubw, "psubw") NATIVE(n_psubd, "psubd") NATIVE(n_psubq, "psubq")
NATIVE(n_paddsb, "paddsb") NATIVE(n_paddsw, "paddsw") NATIVE(n_paddusb, "paddusb") NATIVE(n_paddusw, "paddusw")
NATIVE(n_psubsb, "psubsb") NATIVE(n_psubsw, "psubsw") NATIVE(n_psubusb, "psubusb") NATIVE(n_psubusw, "psubusw")
NATIVE(n_pmullw, "pmullw") NATIVE(n_pmulhw, "pmulhw") NATIVE(n_pmulhuw, "pmulhuw") NATIVE(n_pmuludq, "pmuludq")
NATIVE(n_pmaddwd, "pmaddwd") NATIVE(n_pavgb, "pavgb") NATIVE(n_pavgw, "pavgw") NATIVE(n_psadbw, "psadbw")
NATIVE(n_pminub, "pminub") NATIVE(n_pmaxub, "pmaxub") NATIVE(n_pminsw, "pminsw") NATIVE(n_pmaxsw, "pmaxsw")
NATIVE(n_pcmpeqb, "pcmpeqb") NATIVE(n_pcmpeqw, "pcmpeqw") NATIVE(n_pcmpeqd, "pcmpeqd") NATIVE(n_pcmpgtb, "pcmpgtb")
NATIVE(n_pcmpgtw, "pcmpgtw") NATIVE(n_pcmpgtd, "pcmpgtd") NATIVE(n_pand, "pand") NATIVE(n_pandn, "pandn")
NATIVE(n_por, "por") NATIVE(n_pxor, "pxor") NATIVE(n_packsswb, "packsswb") NATIVE(n_packssdw, "packssdw")
NATIVE(n_packuswb, "packuswb") NATIVE(n_punpcklbw, "punpcklbw") NATIVE(n_punpcklwd, "punpcklwd") NATIVE(n_punpckldq, "punpckldq")
NATIVE(n_punpcklqdq, "punpcklqdq") NATIVE(n_punpckhbw, "punpckhbw") NATIVE(n_punpckhwd, "punpckhwd") NATIVE(n_punpckhdq, "punpckhdq")
NATIVE(n_punpckhqdq, "punpckhqdq") NATIVE(n_psllw, "psllw") NATIVE(n_pslld, "pslld") NATIVE(n_psllq, "psllq")
NATIVE(n_psrlw, "psrlw") NATIVE(n_psrld, "psrld") NATIVE(n_psrlq, "psrlq") NATIVE(n_psraw, "psraw")
NATIVE(n_psrad, "psrad") 

typedef struct DiffOp {
    const char *name;
    const char *opc;        /* bytes before ModRM */
    unsigned opc_len;
    int imm;                /* immediate byte or -1 */
    int kind;               /* K32 / K64 element generator */
    unsigned msize;         /* memory operand size */
    NativeFn native;
} DiffOp;

#define OP(name, opc, imm, kind, msize, fn) \
    { name, opc, sizeof(opc) - 1, imm, kind, msize, fn }

static const DiffOp ops[] = {
    OP("addps", "\x0f\x58", -1, K32, 16, n_addps),
    OP("addpd", "\x66\x0f\x58", -1, K64, 16, n_addpd),
    OP("addss", "\xf3\x0f\x58", -1, K32, 4, n_addss),
    OP("addsd", "\xf2\x0f\x58", -1, K64, 8, n_addsd),
    OP("subps", "\x0f\x5c", -1, K32, 16, n_subps),
    OP("subpd", "\x66\x0f\x5c", -1, K64, 16, n_subpd),
    OP("subss", "\xf3\x0f\x5c", -1, K32, 4, n_subss),
    OP("subsd", "\xf2\x0f\x5c", -1, K64, 8, n_subsd),
    OP("mulps", "\x0f\x59", -1, K32, 16, n_mulps),
    OP("mulpd", "\x66\x0f\x59", -1, K64, 16, n_mulpd),
    OP("mulss", "\xf3\x0f\x59", -1, K32, 4, n_mulss),
    OP("mulsd", "\xf2\x0f\x59", -1, K64, 8, n_mulsd),
    OP("divps", "\x0f\x5e", -1, K32, 16, n_divps),
    OP("divpd", "\x66\x0f\x5e", -1, K64, 16, n_divpd),
    OP("divss", "\xf3\x0f\x5e", -1, K32, 4, n_divss),
    OP("divsd", "\xf2\x0f\x5e", -1, K64, 8, n_divsd),
    OP("minps", "\x0f\x5d", -1, K32, 16, n_minps),
    OP("minpd", "\x66\x0f\x5d", -1, K64, 16, n_minpd),
    OP("minss", "\xf3\x0f\x5d", -1, K32, 4, n_minss),
    OP("minsd", "\xf2\x0f\x5d", -1, K64, 8, n_minsd),
    OP("maxps", "\x0f\x5f", -1, K32, 16, n_maxps),
    OP("maxpd", "\x66\x0f\x5f", -1, K64, 16, n_maxpd),
    OP("maxss", "\xf3\x0f\x5f", -1, K32, 4, n_maxss),
    OP("maxsd", "\xf2\x0f\x5f", -1, K64, 8, n_maxsd),
    OP("sqrtps", "\x0f\x51", -1, K32, 16, n_sqrtps),
    OP("sqrtpd", "\x66\x0f\x51", -1, K64, 16, n_sqrtpd),
    OP("sqrtss", "\xf3\x0f\x51", -1, K32, 4, n_sqrtss),
    OP("sqrtsd", "\xf2\x0f\x51", -1, K64, 8, n_sqrtsd),
    OP("cmpltps", "\x0f\xc2", 1, K32, 16, n_cmpltps),
    OP("cmpunordpd", "\x66\x0f\xc2", 3, K64, 16, n_cmpunordpd),
    OP("cmpnless", "\xf3\x0f\xc2", 6, K32, 4, n_cmpnless),
    OP("cmpeqsd", "\xf2\x0f\xc2", 0, K64, 8, n_cmpeqsd),
    OP("cvtps2pd", "\x0f\x5a", -1, K32, 8, n_cvtps2pd),
    OP("cvtpd2ps", "\x66\x0f\x5a", -1, K64, 16, n_cvtpd2ps),
    OP("cvtss2sd", "\xf3\x0f\x5a", -1, K32, 4, n_cvtss2sd),
    OP("cvtsd2ss", "\xf2\x0f\x5a", -1, K64, 8, n_cvtsd2ss),
    OP("cvtps2dq", "\x66\x0f\x5b", -1, K32, 16, n_cvtps2dq),
    OP("cvttps2dq", "\xf3\x0f\x5b", -1, K32, 16, n_cvttps2dq),
    OP("cvtpd2dq", "\xf2\x0f\xe6", -1, K64, 16, n_cvtpd2dq),
    OP("cvttpd2dq", "\x66\x0f\xe6", -1, K64, 16, n_cvttpd2dq),
    OP("cvtdq2ps", "\x0f\x5b", -1, K32, 16, n_cvtdq2ps),
    OP("cvtdq2pd", "\xf3\x0f\xe6", -1, K32, 8, n_cvtdq2pd),
    OP("haddps", "\xf2\x0f\x7c", -1, K32, 16, n_haddps),
    OP("haddpd", "\x66\x0f\x7c", -1, K64, 16, n_haddpd),
    OP("hsubps", "\xf2\x0f\x7d", -1, K32, 16, n_hsubps),
    OP("addsubpd", "\x66\x0f\xd0", -1, K64, 16, n_addsubpd),
    OP("roundps4", "\x66\x0f\x3a\x08", 4, K32, 16, n_roundps4),
    OP("roundpd2", "\x66\x0f\x3a\x09", 2, K64, 16, n_roundpd2),
    OP("roundss0", "\x66\x0f\x3a\x0a", 0, K32, 4, n_roundss0),
    OP("roundsd9", "\x66\x0f\x3a\x0b", 9, K64, 8, n_roundsd9),
    OP("paddb", "\x66\x0f\xfc", -1, K32, 16, n_paddb),
    OP("paddw", "\x66\x0f\xfd", -1, K32, 16, n_paddw),
    OP("paddd", "\x66\x0f\xfe", -1, K32, 16, n_paddd),
    OP("paddq", "\x66\x0f\xd4", -1, K32, 16, n_paddq),
    OP("psubb", "\x66\x0f\xf8", -1, K32, 16, n_psubb),
    OP("psubw", "\x66\x0f\xf9", -1, K32, 16, n_psubw),
    OP("psubd", "\x66\x0f\xfa", -1, K32, 16, n_psubd),
    OP("psubq", "\x66\x0f\xfb", -1, K32, 16, n_psubq),
    OP("paddsb", "\x66\x0f\xec", -1, K32, 16, n_paddsb),
    OP("paddsw", "\x66\x0f\xed", -1, K32, 16, n_paddsw),
    OP("paddusb", "\x66\x0f\xdc", -1, K32, 16, n_paddusb),
    OP("paddusw", "\x66\x0f\xdd", -1, K32, 16, n_paddusw),
    OP("psubsb", "\x66\x0f\xe8", -1, K32, 16, n_psubsb),
    OP("psubsw", "\x66\x0f\xe9", -1, K32, 16, n_psubsw),
    OP("psubusb", "\x66\x0f\xd8", -1, K32, 16, n_psubusb),
    OP("psubusw", "\x66\x0f\xd9", -1, K32, 16, n_psubusw),
    OP("pmullw", "\x66\x0f\xd5", -1, K32, 16, n_pmullw),
    OP("pmulhw", "\x66\x0f\xe5", -1, K32, 16, n_pmulhw),
    OP("pmulhuw", "\x66\x0f\xe4", -1, K32, 16, n_pmulhuw),
    OP("pmuludq", "\x66\x0f\xf4", -1, K32, 16, n_pmuludq),
    OP("pmaddwd", "\x66\x0f\xf5", -1, K32, 16, n_pmaddwd),
    OP("pavgb", "\x66\x0f\xe0", -1, K32, 16, n_pavgb),
    OP("pavgw", "\x66\x0f\xe3", -1, K32, 16, n_pavgw),
    OP("psadbw", "\x66\x0f\xf6", -1, K32, 16, n_psadbw),
    OP("pminub", "\x66\x0f\xda", -1, K32, 16, n_pminub),
    OP("pmaxub", "\x66\x0f\xde", -1, K32, 16, n_pmaxub),
    OP("pminsw", "\x66\x0f\xea", -1, K32, 16, n_pminsw),
    OP("pmaxsw", "\x66\x0f\xee", -1, K32, 16, n_pmaxsw),
    OP("pcmpeqb", "\x66\x0f\x74", -1, K32, 16, n_pcmpeqb),
    OP("pcmpeqw", "\x66\x0f\x75", -1, K32, 16, n_pcmpeqw),
    OP("pcmpeqd", "\x66\x0f\x76", -1, K32, 16, n_pcmpeqd),
    OP("pcmpgtb", "\x66\x0f\x64", -1, K32, 16, n_pcmpgtb),
    OP("pcmpgtw", "\x66\x0f\x65", -1, K32, 16, n_pcmpgtw),
    OP("pcmpgtd", "\x66\x0f\x66", -1, K32, 16, n_pcmpgtd),
    OP("pand", "\x66\x0f\xdb", -1, K32, 16, n_pand),
    OP("pandn", "\x66\x0f\xdf", -1, K32, 16, n_pandn),
    OP("por", "\x66\x0f\xeb", -1, K32, 16, n_por),
    OP("pxor", "\x66\x0f\xef", -1, K32, 16, n_pxor),
    OP("packsswb", "\x66\x0f\x63", -1, K32, 16, n_packsswb),
    OP("packssdw", "\x66\x0f\x6b", -1, K32, 16, n_packssdw),
    OP("packuswb", "\x66\x0f\x67", -1, K32, 16, n_packuswb),
    OP("punpcklbw", "\x66\x0f\x60", -1, K32, 16, n_punpcklbw),
    OP("punpcklwd", "\x66\x0f\x61", -1, K32, 16, n_punpcklwd),
    OP("punpckldq", "\x66\x0f\x62", -1, K32, 16, n_punpckldq),
    OP("punpcklqdq", "\x66\x0f\x6c", -1, K32, 16, n_punpcklqdq),
    OP("punpckhbw", "\x66\x0f\x68", -1, K32, 16, n_punpckhbw),
    OP("punpckhwd", "\x66\x0f\x69", -1, K32, 16, n_punpckhwd),
    OP("punpckhdq", "\x66\x0f\x6a", -1, K32, 16, n_punpckhdq),
    OP("punpckhqdq", "\x66\x0f\x6d", -1, K32, 16, n_punpckhqdq),
    OP("psllw", "\x66\x0f\xf1", -1, K32, 16, n_psllw),
    OP("pslld", "\x66\x0f\xf2", -1, K32, 16, n_pslld),
    OP("psllq", "\x66\x0f\xf3", -1, K32, 16, n_psllq),
    OP("psrlw", "\x66\x0f\xd1", -1, K32, 16, n_psrlw),
    OP("psrld", "\x66\x0f\xd2", -1, K32, 16, n_psrld),
    OP("psrlq", "\x66\x0f\xd3", -1, K32, 16, n_psrlq),
    OP("psraw", "\x66\x0f\xe1", -1, K32, 16, n_psraw),
    OP("psrad", "\x66\x0f\xe2", -1, K32, 16, n_psrad),
};

#define SAMPLES 48

/* Build "opc ModRM [imm]" for the register form (xmm0, xmm1) or the memory
 * form (xmm0, [rbx]). */
static unsigned build(const DiffOp *op, bool mem, uint8_t *code)
{
    unsigned n = op->opc_len;
    memcpy(code, op->opc, n);
    code[n++] = mem ? 0x03 : 0xc1;
    if (op->imm >= 0)
        code[n++] = (uint8_t)op->imm;
    return n;
}

/* Compare the simulator with the host for every op, rounding mode,
 * DAZ/FTZ setting and operand form, exceptions masked. */
static void test_diff_sse_fp_masked(void **state)
{
    FcState *s = *state;
    uint64_t seed = 0x5eed5eedcafef00dull;
    unsigned mismatches = 0, runs = 0;
    for (size_t o = 0; o < G_N_ELEMENTS(ops); o++) {
        const DiffOp *op = &ops[o];
        for (unsigned mode = 0; mode < 16; mode++) {
            uint32_t csr = MXCSR_MASKS | (mode & 3) << 13 |
                           ((mode & 4) ? MXCSR_DAZ : 0) | ((mode & 8) ? MXCSR_FTZ : 0);
            for (unsigned k = 0; k < SAMPLES; k++) {
                Xmm a, b;
                gen_xmm(&seed, op->kind, &a);
                gen_xmm(&seed, op->kind, &b);
                Xmm want = a;
                uint32_t want_csr = csr;
                op->native(&want, &b, &want_csr);
                bool mem = k & 1;
                Cpu *cpu = fc_mode(s, FC_64);
                cpu->fpu.mxcsr = csr;
                cpu->fpu.xmm[0] = a;
                cpu->fpu.xmm[1] = b;
                cpu->gpr[R_RBX] = FX_DATA;
                fc_write(s, FX_DATA, &b, 16);
                uint8_t code[8];
                unsigned len = build(op, mem, code);
                SimStatus st = fc_run(s, code, len, 1);
                runs++;
                if (st != ST_OK || memcmp(&cpu->fpu.xmm[0], &want, 16) ||
                    cpu->fpu.mxcsr != want_csr) {
                    if (mismatches++ < 10)
                        print_error("%s mode %u %s: got %016llx:%016llx mxcsr %04x, "
                                    "want %016llx:%016llx mxcsr %04x (st %d)\n",
                                    op->name, mode, mem ? "mem" : "reg",
                                    (unsigned long long)cpu->fpu.xmm[0].q[1],
                                    (unsigned long long)cpu->fpu.xmm[0].q[0],
                                    cpu->fpu.mxcsr,
                                    (unsigned long long)want.q[1],
                                    (unsigned long long)want.q[0], want_csr, st);
                }
            }
        }
    }
    assert_true(runs > 1000);
    assert_int_equal(mismatches, 0);
}

/* With every exception unmasked: #XM exactly when the host (masked) flags
 * an exception, the destination unchanged, and only pre-computation flags
 * recorded when one of IE/DE/ZE occurred (SDM Vol.1 11.5.2.1). */
static void test_diff_sse_fp_unmasked_faults(void **state)
{
    FcState *s = *state;
    uint64_t seed = 0x0123456789abcdefull;
    unsigned mismatches = 0, faults = 0;
    for (size_t o = 0; o < G_N_ELEMENTS(ops); o++) {
        const DiffOp *op = &ops[o];
        for (unsigned k = 0; k < SAMPLES; k++) {
            Xmm a, b;
            gen_xmm(&seed, op->kind, &a);
            gen_xmm(&seed, op->kind, &b);
            Xmm want = a;
            uint32_t want_csr = MXCSR_MASKS;
            op->native(&want, &b, &want_csr);
            uint32_t flags = want_csr & MXCSR_FLAGS;
            Cpu *cpu = fc_mode(s, FC_64);
            cpu->fpu.mxcsr = 0;                 /* all unmasked */
            cpu->fpu.xmm[0] = a;
            cpu->fpu.xmm[1] = b;
            uint8_t code[8];
            unsigned len = build(op, false, code);
            SimStatus st = fc_run(s, code, len, 1);
            bool ok;
            if (flags) {
                uint32_t pre = flags & (MXCSR_IE | MXCSR_DE | MXCSR_ZE);
                ok = st == ST_FAULT && cpu->fault.vector == EXC_XM &&
                     !memcmp(&cpu->fpu.xmm[0], &a, 16) &&
                     cpu->fpu.mxcsr == (pre ? pre : flags);
                faults++;
            } else {
                ok = st == ST_OK && !memcmp(&cpu->fpu.xmm[0], &want, 16) &&
                     cpu->fpu.mxcsr == 0;
            }
            if (!ok && mismatches++ < 10)
                print_error("%s unmasked: st %d mxcsr %04x, host flags %02x\n",
                            op->name, st, cpu->fpu.mxcsr, flags);
        }
    }
    assert_true(faults > 100);
    assert_int_equal(mismatches, 0);
}

/* COMISD/UCOMISD/COMISS/UCOMISS EFLAGS and flags, and the conversions to
 * a 64-bit GPR (REX.W), against the host. */
typedef struct ScalarOut {
    uint64_t r;
    uint64_t fl;
    uint32_t csr;
} ScalarOut;

#define NATIVE_COMI(fn, text)                                                \
    static __attribute__((noinline)) void fn(const Xmm *a, const Xmm *b,    \
                                             ScalarOut *o)                   \
    {                                                                        \
        uint32_t host;                                                       \
        bool z, p, c;                                                        \
        __asm__ volatile("stmxcsr %[h]\n\tldmxcsr %[csr]\n\t"                \
                         "movdqu %[a], %%xmm0\n\tmovdqu %[b], %%xmm1\n\t"    \
                         text " %%xmm1, %%xmm0\n\t"                          \
                         "stmxcsr %[csr]\n\tldmxcsr %[h]"                    \
                         : "=@ccz"(z), "=@ccp"(p), "=@ccc"(c),               \
                           [csr] "+m"(o->csr), [h] "=m"(host)                \
                         : [a] "m"(*a), [b] "m"(*b)                          \
                         : "xmm0", "xmm1");                                  \
        o->fl = (z ? RFLAGS_ZF : 0) | (p ? RFLAGS_PF : 0) | (c ? RFLAGS_CF : 0); \
    }
NATIVE_COMI(n_comisd, "comisd")
NATIVE_COMI(n_ucomisd, "ucomisd")
NATIVE_COMI(n_comiss, "comiss")
NATIVE_COMI(n_ucomiss, "ucomiss")

#define NATIVE_CVT(fn, text)                                                 \
    static __attribute__((noinline)) void fn(const Xmm *a, const Xmm *b,    \
                                             ScalarOut *o)                   \
    {                                                                        \
        uint32_t host;                                                       \
        (void)a;                                                             \
        __asm__ volatile("stmxcsr %[h]\n\tldmxcsr %[csr]\n\t"                \
                         "movdqu %[b], %%xmm1\n\t"                           \
                         text " %%xmm1, %q[r]\n\t"                           \
                         "stmxcsr %[csr]\n\tldmxcsr %[h]"                    \
                         : [r] "=r"(o->r), [csr] "+m"(o->csr), [h] "=m"(host) \
                         : [b] "m"(*b)                                       \
                         : "xmm1");                                          \
    }
NATIVE_CVT(n_cvtsd2si, "cvtsd2si")
NATIVE_CVT(n_cvttsd2si, "cvttsd2si")
NATIVE_CVT(n_cvtss2si, "cvtss2si")
NATIVE_CVT(n_cvttss2si, "cvttss2si")

static void test_diff_sse_comis_and_cvt2si(void **state)
{
    static const struct {
        const char *name, *code;
        int kind;
        bool gpr;
        void (*fn)(const Xmm *, const Xmm *, ScalarOut *);
    } rows[] = {
        { "comisd", "\x66\x0f\x2f\xc1", K64, false, n_comisd },
        { "ucomisd", "\x66\x0f\x2e\xc1", K64, false, n_ucomisd },
        { "comiss", "\x0f\x2f\xc1", K32, false, n_comiss },
        { "ucomiss", "\x0f\x2e\xc1", K32, false, n_ucomiss },
        { "cvtsd2si", "\xf2\x48\x0f\x2d\xc1", K64, true, n_cvtsd2si },
        { "cvttsd2si", "\xf2\x48\x0f\x2c\xc1", K64, true, n_cvttsd2si },
        { "cvtss2si", "\xf3\x48\x0f\x2d\xc1", K32, true, n_cvtss2si },
        { "cvttss2si", "\xf3\x48\x0f\x2c\xc1", K32, true, n_cvttss2si },
    };
    FcState *s = *state;
    uint64_t seed = 42;
    unsigned mismatches = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        for (unsigned mode = 0; mode < 16; mode++) {
            uint32_t csr = MXCSR_MASKS | (mode & 3) << 13 |
                           ((mode & 4) ? MXCSR_DAZ : 0) | ((mode & 8) ? MXCSR_FTZ : 0);
            for (unsigned k = 0; k < SAMPLES; k++) {
                Xmm a, b;
                gen_xmm(&seed, rows[i].kind, &a);
                gen_xmm(&seed, rows[i].kind, &b);
                ScalarOut want = { .csr = csr };
                rows[i].fn(&a, &b, &want);
                Cpu *cpu = fc_mode(s, FC_64);
                cpu->fpu.mxcsr = csr;
                cpu->fpu.xmm[0] = a;
                cpu->fpu.xmm[1] = b;
                cpu->rflags = RFLAGS_FIXED1 | RFLAGS_SF | RFLAGS_OF;
                SimStatus st = fc_run(s, rows[i].code, strlen(rows[i].code), 1);
                bool ok = st == ST_OK && cpu->fpu.mxcsr == want.csr;
                if (rows[i].gpr)
                    ok = ok && cpu->gpr[R_RAX] == want.r;
                else
                    ok = ok && (cpu->rflags & RFLAGS_ARITH) == want.fl;
                if (!ok && mismatches++ < 10)
                    print_error("%s mode %u: mismatch (st %d)\n", rows[i].name, mode, st);
            }
        }
    }
    assert_int_equal(mismatches, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_sse_fp_masked),
        cmocka_unit_test(test_diff_sse_fp_unmasked_faults),
        cmocka_unit_test(test_diff_sse_comis_and_cvt2si),
    };
    return cmocka_run_group_tests_name("diff_sse", tests, fc_setup, fc_teardown);
}
