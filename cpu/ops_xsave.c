/*
 * cpu/ops_xsave.c: saving and restoring the x87, MMX, SSE and MXCSR state:
 * FXSAVE/FXRSTOR (SDM Vol.2A FXSAVE, Table 3-43 "Layout of FXSAVE and
 * FXRSTOR Memory Region", Tables 3-46/3-47 for 64-bit mode; FXRSTOR) and the
 * XSAVE feature set (SDM Vol.1 ch. 13 "Managing State Using the XSAVE
 * Feature Set": 13.4 "XSAVE Area", 13.7 "Operation of XSAVE", 13.8
 * "Operation of XRSTOR", 13.9 "Operation of XSAVEOPT", 13.10 "Operation of
 * XSAVEC", 13.11/13.12 XSAVES/XRSTORS; Vol.2 pages XSAVE ... XRSTORS).
 *
 * State components handled: 0 (x87) and 1 (SSE) in the legacy region, and
 * 2 (AVX upper halves), which vmxsim never holds (no AVX instructions): it
 * is always in its initial configuration, so XINUSE[2] = 0 and XRSTOR of
 * non-zero AVX state stops with "unsupported". Components 3 and up are not
 * modelled ("unsupported" if XCR0/XSS selects them).
 * SIMPLIFICATION (permitted, SDM Vol.1 13.6 "Processor Tracking of
 * XSAVE-Managed State"): XINUSE[0] = XINUSE[1] = 1 always, and XSAVEOPT /
 * XSAVES never use the modified optimization; both only make saves larger,
 * never wrong.
 */
#include "cpu/fpu.h"

#include "cpu/fault.h"
#include "cpu/mem.h"

#define XSAVE_LEGACY   512u
#define XSAVE_HDR      512u
#define XSAVE_AVX_OFF  576u      /* CPUID.(EAX=0DH,ECX=2):EBX, standard form */
#define XSAVE_AVX_SIZE 256u
#define XSAVE_MAX      (XSAVE_AVX_OFF + XSAVE_AVX_SIZE)
#define XCOMP_COMPACT  (1ull << 63)
#define XFEAT_X87  1ull
#define XFEAT_SSE  2ull
#define XFEAT_AVX  4ull
#define XINUSE     (XFEAT_X87 | XFEAT_SSE)

static void put16(uint8_t *p, uint64_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint64_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }
static uint64_t get16(const uint8_t *p) { return p[0] | (uint64_t)p[1] << 8; }
static uint64_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | get32(p + 4) << 32; }

/* REX.W in 64-bit mode selects the 64-bit FIP/FDP layout (Table 3-46). */
static bool fx_wide(const Cpu *cpu, const DecodedInsn *d)
{
    return cpu->mode == MODE_LONG64 && (d->pfx & D_REXW);
}

/* XMM8-15 exist only in 64-bit mode (SDM Vol.2A FXSAVE). */
static unsigned fx_nxmm(const Cpu *cpu)
{
    return cpu->mode == MODE_LONG64 ? 16 : 8;
}

/* ---- the legacy region (bytes 0-415 plus MXCSR) ---- */

static void save_x87(const Cpu *cpu, bool wide, uint8_t *b)
{
    const FpuState *f = &cpu->fpu;
    put16(b + 0, f->fcw);
    put16(b + 2, f->fsw);
    b[4] = x87_abridged_tags(f);
    b[5] = 0;
    put16(b + 6, f->fop & 0x7ff);
    if (wide) {
        put64(b + 8, f->fip);
        put64(b + 16, f->fdp);
    } else {
        put32(b + 8, f->fip);
        put16(b + 12, f->fcs);
        put16(b + 14, 0);
        put32(b + 16, f->fdp);
        put16(b + 20, f->fds);
        put16(b + 22, 0);
    }
    /* ST(0)..ST(7) in stack order, 10 bytes each in 16-byte slots */
    for (unsigned i = 0; i < 8; i++) {
        memset(b + 32 + 16 * i, 0, 16);
        memcpy(b + 32 + 16 * i, &f->st[x87_phys(f, i)], 10);
    }
}

static void save_mxcsr(const Cpu *cpu, uint8_t *b)
{
    put32(b + 24, cpu->fpu.mxcsr);
    put32(b + 28, MXCSR_MASK_VALUE);
}

static void save_xmm(const Cpu *cpu, uint8_t *b)
{
    for (unsigned i = 0; i < fx_nxmm(cpu); i++)
        memcpy(b + 160 + 16 * i, &cpu->fpu.xmm[i], 16);
}

static void load_x87(Cpu *cpu, bool wide, const uint8_t *b)
{
    FpuState *f = &cpu->fpu;
    f->fcw = (uint16_t)((get16(b) & 0x1f3f) | 0x40);
    f->fsw = (uint16_t)get16(b + 2);
    f->fop = (uint16_t)(get16(b + 6) & 0x7ff);
    if (wide) {
        f->fip = get64(b + 8);
        f->fdp = get64(b + 16);
        f->fcs = f->fds = 0;
    } else {
        f->fip = get32(b + 8);
        f->fcs = (uint16_t)get16(b + 12);
        f->fdp = get32(b + 16);
        f->fds = (uint16_t)get16(b + 20);
    }
    unsigned top = x87_top(f);
    for (unsigned i = 0; i < 8; i++) {
        long double v;
        memcpy(&v, b + 32 + 16 * i, 10);
        f->st[(top + i) & 7] = f80_make(f80_se(&v), f80_mant(&v));
    }
    x87_load_abridged_tags(f, b[4]);
    x87_update_es(f);
}

static void load_xmm(Cpu *cpu, const uint8_t *b)
{
    for (unsigned i = 0; i < fx_nxmm(cpu); i++)
        memcpy(&cpu->fpu.xmm[i], b + 160 + 16 * i, 16);
}

/* x87 initial configuration (SDM Vol.1 13.6 Table 13-... "x87 state":
 * FCW 037FH, FSW 0, all tags empty, pointers 0, registers 0) */
static void init_x87(Cpu *cpu)
{
    x87_init(&cpu->fpu);
    for (unsigned i = 0; i < 8; i++)
        cpu->fpu.st[i] = f80_make(0, 0);
}

static void init_xmm(Cpu *cpu)
{
    for (unsigned i = 0; i < fx_nxmm(cpu); i++)
        memset(&cpu->fpu.xmm[i], 0, 16);
}

/* ---- FXSAVE / FXRSTOR ---- */

/* #NM if CR0.TS or CR0.EM (SDM Vol.2A FXSAVE "Protected Mode Exceptions");
 * the operand must be 16-byte aligned (#GP(0)). */
static SimStatus fx_check(Cpu *cpu, const DecodedInsn *d, uint64_t ea)
{
    if (cpu->cr0 & (CR0_TS | CR0_EM))
        return cpu_nm(cpu);
    return fpu_check_align(cpu, d, ea, 16);
}

/* SIMPLIFICATION (implementation-dependent, SDM Vol.2A FXSAVE): XMM and
 * MXCSR are saved and restored whatever CR4.OSFXSR, as current Intel parts
 * do. Bytes 464-511 (available to software) and the reserved XMM8-15 area
 * outside 64-bit mode are left untouched. */
SimStatus op_fxsave_M(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t ea = insn_ea(cpu, d);
    SimStatus st = fx_check(cpu, d, ea);
    if (st)
        return st;
    uint8_t b[XSAVE_LEGACY];
    memset(b, 0, sizeof(b));
    save_x87(cpu, fx_wide(cpu, d), b);
    save_mxcsr(cpu, b);
    save_xmm(cpu, b);
    unsigned n = 160 + 16 * fx_nxmm(cpu);
    return cpu_write(cpu, d->seg, ea, n, b);
}

SimStatus op_fxrstor_M(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t ea = insn_ea(cpu, d);
    SimStatus st = fx_check(cpu, d, ea);
    if (st)
        return st;
    uint8_t b[XSAVE_LEGACY];
    st = cpu_read(cpu, d->seg, ea, 160 + 16 * fx_nxmm(cpu), b);
    if (st)
        return st;
    /* SDM Vol.2A FXRSTOR: MXCSR bits outside MXCSR_MASK -> #GP(0) */
    uint32_t mx = (uint32_t)get32(b + 24);
    if (mx & ~(uint32_t)MXCSR_MASK_VALUE)
        return cpu_gp(cpu, 0);
    load_x87(cpu, fx_wide(cpu, d), b);
    cpu->fpu.mxcsr = mx;
    load_xmm(cpu, b);
    return ST_OK;
}

/* ---- the XSAVE feature set ---- */

/* SDM Vol.2 XSAVE "Protected Mode Exceptions": #UD if CR4.OSXSAVE = 0, #NM
 * if CR0.TS = 1, #GP(0) unless 64-byte aligned. */
static SimStatus xs_check(Cpu *cpu, const DecodedInsn *d, uint64_t ea)
{
    if (!(cpu->cr4 & CR4_OSXSAVE))
        return cpu_ud(cpu);
    if (cpu->cr0 & CR0_TS)
        return cpu_nm(cpu);
    return fpu_check_align(cpu, d, ea, 64);
}

static uint64_t xs_edx_eax(const Cpu *cpu)
{
    return (cpu->gpr[R_RDX] << 32) | (cpu->gpr[R_RAX] & 0xffffffffu);
}

enum { XS_STANDARD, XS_OPT, XS_COMPACT };

/* XSAVE, XSAVEOPT, XSAVEC, XSAVES with requested-feature bitmap rfbm. */
static SimStatus xs_save(Cpu *cpu, const DecodedInsn *d, uint64_t rfbm,
                         unsigned kind)
{
    if (rfbm & ~(XFEAT_X87 | XFEAT_SSE | XFEAT_AVX))
        return cpu_unsupported(cpu, "XSAVE of state components above AVX");
    uint64_t ea = insn_ea(cpu, d);
    uint8_t b[XSAVE_MAX];
    SimStatus st = cpu_read(cpu, d->seg, ea, XSAVE_HDR + 64, b);
    if (st)
        return st;
    uint64_t xinuse = XINUSE;
    bool wide = fx_wide(cpu, d);
    unsigned len = XSAVE_HDR + 64;
    if (rfbm & XFEAT_X87)
        save_x87(cpu, wide, b);
    if (rfbm & XFEAT_SSE)
        save_xmm(cpu, b);
    /* SDM Vol.1 13.7: MXCSR goes with RFBM[1] or RFBM[2] (standard form);
     * with the SSE component in the compacted form (13.10) */
    if (kind == XS_COMPACT ? (rfbm & XFEAT_SSE) : (rfbm & (XFEAT_SSE | XFEAT_AVX)))
        save_mxcsr(cpu, b);
    /* AVX is always in its initial configuration: XSAVE writes its zeros,
     * XSAVEOPT/XSAVEC/XSAVES skip it (XINUSE[2] = 0). */
    if ((rfbm & XFEAT_AVX) && kind == XS_STANDARD) {
        memset(b + XSAVE_AVX_OFF, 0, XSAVE_AVX_SIZE);
        len = XSAVE_MAX;
    }
    uint64_t xstate_bv = get64(b + XSAVE_HDR);
    if (kind == XS_COMPACT) {
        put64(b + XSAVE_HDR, rfbm & xinuse);
        put64(b + XSAVE_HDR + 8, rfbm | XCOMP_COMPACT);
    } else {
        put64(b + XSAVE_HDR, (xstate_bv & ~rfbm) | (rfbm & xinuse));
    }
    return cpu_write(cpu, d->seg, ea, len, b);
}

static SimStatus xs_save_insn(Cpu *cpu, const DecodedInsn *d, unsigned kind)
{
    SimStatus st = xs_check(cpu, d, insn_ea(cpu, d));
    if (st)
        return st;
    return xs_save(cpu, d, cpu->xcr0 & xs_edx_eax(cpu), kind);
}

SimStatus op_xsave_M(Cpu *cpu, const DecodedInsn *d) { return xs_save_insn(cpu, d, XS_STANDARD); }
SimStatus op_xsaveopt_M(Cpu *cpu, const DecodedInsn *d) { return xs_save_insn(cpu, d, XS_OPT); }
SimStatus op_xsavec_M(Cpu *cpu, const DecodedInsn *d) { return xs_save_insn(cpu, d, XS_COMPACT); }

/* XRSTOR / XRSTORS with requested-feature bitmap rfbm and permitted
 * components allowed (XCR0, or XCR0 | IA32_XSS for XRSTORS). */
static SimStatus xs_restore(Cpu *cpu, const DecodedInsn *d, uint64_t rfbm,
                            uint64_t allowed, bool supervisor)
{
    uint64_t ea = insn_ea(cpu, d);
    uint8_t b[XSAVE_MAX];
    SimStatus st = cpu_read(cpu, d->seg, ea, XSAVE_HDR + 64, b);
    if (st)
        return st;
    uint64_t xstate_bv = get64(b + XSAVE_HDR);
    uint64_t xcomp_bv = get64(b + XSAVE_HDR + 8);
    bool compact = (xcomp_bv & XCOMP_COMPACT) != 0;
    if (!compact) {
        /* SDM Vol.1 13.8.1 "Standard Form of XRSTOR"; XRSTORS needs the
         * compacted form (13.12) */
        if (supervisor || (xstate_bv & ~allowed) || xcomp_bv != 0 ||
            get64(b + XSAVE_HDR + 16) != 0)
            return cpu_gp(cpu, 0);
    } else {
        /* SDM Vol.1 13.8.2 "Compacted Form of XRSTOR" */
        if (!cpu_has(cpu, FEAT_XSAVEC) ||
            (xcomp_bv & ~XCOMP_COMPACT & ~allowed) ||
            (xstate_bv & ~xcomp_bv))
            return cpu_gp(cpu, 0);
        for (unsigned i = 16; i < 64; i++)
            if (b[XSAVE_HDR + i])
                return cpu_gp(cpu, 0);
    }
    if (rfbm & ~(XFEAT_X87 | XFEAT_SSE | XFEAT_AVX))
        return cpu_unsupported(cpu, "XRSTOR of state components above AVX");
    /* AVX data: with compaction it follows the header when XCOMP_BV[2] */
    if ((rfbm & xstate_bv & XFEAT_AVX)) {
        st = cpu_read(cpu, d->seg, ea + XSAVE_AVX_OFF, XSAVE_AVX_SIZE,
                      b + XSAVE_AVX_OFF);
        if (st)
            return st;
        for (unsigned i = 0; i < XSAVE_AVX_SIZE; i++)
            if (b[XSAVE_AVX_OFF + i])
                return cpu_unsupported(cpu, "XRSTOR of non-zero AVX state");
    }
    bool load_mx = compact ? (rfbm & xstate_bv & XFEAT_SSE) != 0
                           : (rfbm & (XFEAT_SSE | XFEAT_AVX)) != 0;
    uint32_t mx = (uint32_t)get32(b + 24);
    if (load_mx && (mx & ~(uint32_t)MXCSR_MASK_VALUE))
        return cpu_gp(cpu, 0);

    if (rfbm & XFEAT_X87) {
        if (xstate_bv & XFEAT_X87)
            load_x87(cpu, fx_wide(cpu, d), b);
        else
            init_x87(cpu);
    }
    if (rfbm & XFEAT_SSE) {
        if (xstate_bv & XFEAT_SSE)
            load_xmm(cpu, b);
        else
            init_xmm(cpu);
    }
    if (load_mx)
        cpu->fpu.mxcsr = mx;
    else if (compact && (rfbm & XFEAT_SSE))
        cpu->fpu.mxcsr = MXCSR_INIT;
    return ST_OK;
}

SimStatus op_xrstor_M(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = xs_check(cpu, d, insn_ea(cpu, d));
    if (st)
        return st;
    return xs_restore(cpu, d, cpu->xcr0 & xs_edx_eax(cpu), cpu->xcr0, false);
}

/* XSAVES/XRSTORS: CPL 0 only (#GP(0)); supervisor components come from
 * IA32_XSS, none of which vmxsim models (SDM Vol.1 13.11, 13.12). */
static SimStatus xss_check(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = xs_check(cpu, d, insn_ea(cpu, d));
    if (st)
        return st;
    if (cpu->cpl != 0)
        return cpu_gp(cpu, 0);
    if (cpu->msr.xss)
        return cpu_unsupported(cpu, "XSAVES/XRSTORS with IA32_XSS != 0");
    return ST_OK;
}

SimStatus op_xsaves_M(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = xss_check(cpu, d);
    if (st)
        return st;
    return xs_save(cpu, d, cpu->xcr0 & xs_edx_eax(cpu), XS_COMPACT);
}

SimStatus op_xrstors_M(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = xss_check(cpu, d);
    if (st)
        return st;
    return xs_restore(cpu, d, cpu->xcr0 & xs_edx_eax(cpu), cpu->xcr0, true);
}
