/*
 * cpu/fpu.h: private helpers shared by the x87 (cpu/ops_x87.c), SSE/SSE2
 * (cpu/ops_sse*.c) and state-save (cpu/ops_xsave.c) handlers: the bits of
 * the x87 control/status/tag words (SDM Vol.1 8.1.3 "x87 FPU Status
 * Register", 8.1.5 "x87 FPU Control Word", 8.1.7 "x87 FPU Tag Word") and of
 * MXCSR (SDM Vol.1 10.2.3 "MXCSR Control and Status Register"), the
 * availability rules every instruction of the area applies first (SDM Vol.3
 * 2.5 "Control Registers", Table 2-2 "Action Taken By x87 FPU Instructions
 * for Different Combinations of EM, MP, and TS"; SDM Vol.1 13.2 "Enabling
 * the XSAVE Feature Set"), the register stack and memory operand helpers.
 *
 * The x87 registers are held as the host's 80-bit long double (cpu/cpu.h,
 * FpuState); the helpers here read and write their bytes, never their value
 * as a C number, so no host x87 instruction touches them outside the
 * guarded host blocks in the handlers.
 */
#ifndef CPU_FPU_H
#define CPU_FPU_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/fault.h"
#include "cpu/insn.h"
#include "cpu/mem.h"

/* x87 status word (SDM Vol.1 8.1.3). */
#define FSW_IE   0x0001u
#define FSW_DE   0x0002u
#define FSW_ZE   0x0004u
#define FSW_OE   0x0008u
#define FSW_UE   0x0010u
#define FSW_PE   0x0020u
#define FSW_SF   0x0040u
#define FSW_ES   0x0080u
#define FSW_C0   0x0100u
#define FSW_C1   0x0200u
#define FSW_C2   0x0400u
#define FSW_TOP_SHIFT 11
#define FSW_TOP  0x3800u
#define FSW_C3   0x4000u
#define FSW_B    0x8000u
#define FSW_EXC  0x003fu          /* IE DE ZE OE UE PE */
#define FSW_CC   (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* x87 control word (SDM Vol.1 8.1.5). */
#define FCW_MASKS 0x003fu
#define FCW_PC    0x0300u
#define FCW_RC    0x0c00u
#define FCW_INIT  0x037fu         /* FNINIT value (SDM Vol.1 8.1.5) */

/* x87 tag values (SDM Vol.1 8.1.7). */
enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

/* MXCSR (SDM Vol.1 10.2.3). */
#define MXCSR_IE   0x0001u
#define MXCSR_DE   0x0002u
#define MXCSR_ZE   0x0004u
#define MXCSR_OE   0x0008u
#define MXCSR_UE   0x0010u
#define MXCSR_PE   0x0020u
#define MXCSR_FLAGS 0x003fu
#define MXCSR_DAZ  0x0040u
#define MXCSR_MASKS 0x1f80u
#define MXCSR_MASK_SHIFT 7
#define MXCSR_RC   0x6000u
#define MXCSR_FTZ  0x8000u
#define MXCSR_INIT 0x1f80u
/* The bits LDMXCSR/FXRSTOR/XRSTOR accept: the MXCSR_MASK this model
 * reports in the FXSAVE image (DAZ supported, SDM Vol.1 11.6.6 "Guidelines
 * for Writing to the MXCSR Register"). */
#define MXCSR_MASK_VALUE 0xffffu

/* The QNaN "real indefinite" and "integer indefinite" (SDM Vol.1 4.8.3.7
 * "QNaN Floating-Point Indefinite", Table 4-3). */
#define X87_INDEF_MANT 0xc000000000000000ull
#define X87_INDEF_SE   0xffffu

/* ---- 80-bit register bytes ---- */

static inline uint64_t f80_mant(const long double *v)
{
    uint64_t m;
    memcpy(&m, v, 8);
    return m;
}

static inline uint16_t f80_se(const long double *v)
{
    uint16_t se;
    memcpy(&se, (const uint8_t *)v + 8, 2);
    return se;
}

static inline long double f80_make(uint16_t se, uint64_t mant)
{
    long double v;
    memset(&v, 0, sizeof(v));
    memcpy(&v, &mant, 8);
    memcpy((uint8_t *)&v + 8, &se, 2);
    return v;
}

/* The tag the hardware derives from a register's contents (SDM Vol.1
 * 8.1.7): zero, valid (normal) or special (NaN, infinity, denormal,
 * unsupported). */
static inline unsigned f80_tag(const long double *v)
{
    uint16_t e = f80_se(v) & 0x7fff;
    uint64_t m = f80_mant(v);
    if (e == 0)
        return m == 0 ? TAG_ZERO : TAG_SPECIAL;
    if (e == 0x7fff || !(m >> 63))
        return TAG_SPECIAL;
    return TAG_VALID;
}

/* ---- the register stack (SDM Vol.1 8.1.2 "x87 FPU Data Registers") ---- */

static inline unsigned x87_top(const FpuState *f)
{
    return (f->fsw >> FSW_TOP_SHIFT) & 7;
}

static inline void x87_set_top(FpuState *f, unsigned top)
{
    f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) | ((top & 7) << FSW_TOP_SHIFT));
}

/* Physical register number of ST(i). */
static inline unsigned x87_phys(const FpuState *f, unsigned i)
{
    return (x87_top(f) + i) & 7;
}

static inline unsigned x87_tag_phys(const FpuState *f, unsigned p)
{
    return (f->ftw >> (2 * p)) & 3;
}

static inline void x87_set_tag_phys(FpuState *f, unsigned p, unsigned tag)
{
    f->ftw = (uint16_t)((f->ftw & ~(3u << (2 * p))) | (tag << (2 * p)));
}

static inline bool x87_empty(const FpuState *f, unsigned i)
{
    return x87_tag_phys(f, x87_phys(f, i)) == TAG_EMPTY;
}

static inline long double x87_st(const FpuState *f, unsigned i)
{
    return f->st[x87_phys(f, i)];
}

/* Write ST(i) and derive its tag. */
static inline void x87_set_st(FpuState *f, unsigned i, long double v)
{
    unsigned p = x87_phys(f, i);
    f->st[p] = f80_make(f80_se(&v), f80_mant(&v));
    x87_set_tag_phys(f, p, f80_tag(&f->st[p]));
}

/* Mark ST(0) empty and increment TOP. */
static inline void x87_pop(FpuState *f)
{
    x87_set_tag_phys(f, x87_phys(f, 0), TAG_EMPTY);
    x87_set_top(f, x87_top(f) + 1);
}

/* Decrement TOP and write the new ST(0). */
static inline void x87_push(FpuState *f, long double v)
{
    x87_set_top(f, x87_top(f) - 1);
    x87_set_st(f, 0, v);
}

/* Abridged (FXSAVE) tag byte: 1 = not empty (SDM Vol.2A FXSAVE, "Abridged
 * x87 FPU Tag Word"). */
static inline uint8_t x87_abridged_tags(const FpuState *f)
{
    uint8_t t = 0;
    for (unsigned p = 0; p < 8; p++)
        if (x87_tag_phys(f, p) != TAG_EMPTY)
            t |= (uint8_t)(1u << p);
    return t;
}

/* Rebuild the full tag word from an abridged one and the contents. */
static inline void x87_load_abridged_tags(FpuState *f, uint8_t t)
{
    for (unsigned p = 0; p < 8; p++)
        x87_set_tag_phys(f, p, (t >> p) & 1 ? f80_tag(&f->st[p]) : TAG_EMPTY);
}

/* The x87 part of FNINIT (SDM Vol.2A FINIT/FNINIT "Operation"). */
static inline void x87_init(FpuState *f)
{
    f->fcw = FCW_INIT;
    f->fsw = 0;
    f->ftw = 0xffff;
    f->fop = 0;
    f->fip = 0;
    f->fdp = 0;
    f->fcs = 0;
    f->fds = 0;
}

/* Recompute ES and B from the exception flags and masks: ES is set while
 * an unmasked exception flag is set (SDM Vol.1 8.1.3.5 "Error Summary Status
 * (ES) Flag"); B mirrors ES for 8087 compatibility (8.1.3 "B flag"). */
static inline void x87_update_es(FpuState *f)
{
    if (f->fsw & ~f->fcw & FSW_EXC)
        f->fsw |= FSW_ES | FSW_B;
    else
        f->fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

/* ---- availability (SDM Vol.3 2.5, Table 2-2; Vol.1 13.2) ---- */

/* x87 floating-point instruction: #NM if CR0.EM or CR0.TS. With wait set
 * (a "waiting" instruction, SDM Vol.1 8.3.12 "Waiting vs. Non-waiting
 * Instructions"), a pending unmasked x87 exception is reported first as
 * #MF (SDM Vol.1 8.6 "x87 FPU Exception Synchronization"). */
SimStatus SIM_MUST_CHECK fpu_check_x87(Cpu *cpu, bool wait);
/* SSE/SSE2/SSE3/SSSE3/SSE4.1 instruction: #UD if CR0.EM or !CR4.OSFXSR,
 * then #NM if CR0.TS (SDM Vol.3 2.5; Vol.1 13.1.3 "Checking for SSE/SSE2
 * Support"). */
SimStatus SIM_MUST_CHECK fpu_check_sse(Cpu *cpu);
/* MMX instruction: #UD if CR0.EM, #NM if CR0.TS, then a pending x87
 * exception is #MF (SDM Vol.1 9.5.1 "MMX Instructions and Exceptions"). */
SimStatus SIM_MUST_CHECK fpu_check_mmx(Cpu *cpu);
/* A SIMD floating-point exception: #XM if CR4.OSXMMEXCPT else #UD (SDM
 * Vol.1 11.5.1 "SIMD Floating-Point Exceptions"). */
SimStatus SIM_MUST_CHECK fpu_raise_simd(Cpu *cpu);

/* An MMX instruction touched the x87 state: TOP = 0 and every tag valid
 * (SDM Vol.1 9.5.1 "MMX Instructions and the x87 FPU Tag Word"). */
static inline void mmx_enter(FpuState *f)
{
    x87_set_top(f, 0);
    f->ftw = 0;
}

static inline uint64_t mmx_get(const FpuState *f, unsigned r)
{
    return f80_mant(&f->st[r & 7]);
}

/* Writing an MMX register sets bits 79:64 of the aliased x87 register to
 * all ones (SDM Vol.1 9.5.1). */
static inline void mmx_set(FpuState *f, unsigned r, uint64_t v)
{
    f->st[r & 7] = f80_make(0xffff, v);
}

/* ---- memory operands ---- */

/* Linear address of the memory operand: segment base (ignored for CS, DS,
 * ES, SS in 64-bit mode, SDM Vol.3 3.4.4) + effective address. Used only to
 * check alignment. */
static inline uint64_t fpu_lin(const Cpu *cpu, const DecodedInsn *d, uint64_t ea)
{
    uint64_t base = cpu->seg[d->seg].base;
    if (cpu->mode == MODE_LONG64 && d->seg != SEG_FS && d->seg != SEG_GS)
        base = 0;
    return base + ea;
}

/* #GP(0) unless the operand's linear address is a multiple of `align`
 * (SDM Vol.1 11.6.7 "Alignment of 128-bit Memory Operands"; Vol.2 FXSAVE,
 * XSAVE "Protected Mode Exceptions"). */
static inline SimStatus SIM_MUST_CHECK fpu_check_align(Cpu *cpu,
        const DecodedInsn *d, uint64_t ea, unsigned align)
{
    if (fpu_lin(cpu, d, ea) & (align - 1))
        return cpu_gp(cpu, 0);
    return ST_OK;
}

/* ---- host SIMD execution ----
 * SSE arithmetic runs on the host's SSE unit with the guest's MXCSR
 * rounding, DAZ and FTZ in force and every exception masked; the flags the
 * host sets are the guest's (SDM Vol.1 11.5 "SSE, SSE2, and SSE3
 * Exceptions"). Each host function is one asm block: save host MXCSR, load
 * *csr, load the operands into xmm0 (destination) and xmm1 (source), run
 * the instruction, store xmm0 and the resulting MXCSR into *csr, restore
 * the host MXCSR. The compiler cannot move FP work across it. */
typedef void (*SseHostFn)(Xmm *dst, const Xmm *src, uint32_t *csr);

#define SSE_HOST(fn, text)                                                   \
    static __attribute__((noinline)) void fn(Xmm *dst, const Xmm *src,      \
                                             uint32_t *csr)                  \
    {                                                                        \
        uint32_t save;                                                       \
        __asm__ volatile("stmxcsr %[save]\n\t"                               \
                         "ldmxcsr %[csr]\n\t"                                \
                         "movdqu %[d], %%xmm0\n\t"                           \
                         "movdqu %[s], %%xmm1\n\t"                           \
                         text "\n\t"                                         \
                         "movdqu %%xmm0, %[d]\n\t"                           \
                         "stmxcsr %[csr]\n\t"                                \
                         "ldmxcsr %[save]"                                   \
                         : [d] "+m"(*dst), [csr] "+m"(*csr),                 \
                           [save] "=m"(save)                                 \
                         : [s] "m"(*src)                                     \
                         : "xmm0", "xmm1");                                  \
    }

/* MMX integer operations on the host's mm0 (destination) and mm1
 * (source); EMMS leaves the host x87 stack empty as the ABI expects. */
typedef void (*MmxHostFn)(uint64_t *dst, const uint64_t *src);

#define MMX_HOST(fn, text)                                                   \
    static __attribute__((noinline)) void fn(uint64_t *dst,                  \
                                             const uint64_t *src)            \
    {                                                                        \
        __asm__ volatile("movq %[d], %%mm0\n\t"                              \
                         "movq %[s], %%mm1\n\t"                              \
                         text "\n\t"                                         \
                         "movq %%mm0, %[d]\n\t"                              \
                         "emms"                                              \
                         : [d] "+m"(*dst)                                    \
                         : [s] "m"(*src)                                     \
                         : "mm0", "mm1", "st", "st(1)");                     \
    }

/* sse_exec flags */
#define SSE_FP        0x1u    /* MXCSR rounding and exceptions apply */
#define SSE_UNALIGNED 0x2u    /* a 16-byte memory operand may be unaligned */

/* The W/U source operand: register xmm[rm], or msize bytes of memory
 * (zero-extended to 16); 16-byte operands must be aligned unless
 * SSE_UNALIGNED. */
SimStatus SIM_MUST_CHECK sse_src(Cpu *cpu, const DecodedInsn *d,
                                 unsigned msize, unsigned flags, Xmm *src);
/* Fold the host MXCSR flags of an SSE_FP operation into the guest's MXCSR;
 * returns ST_FAULT (#XM/#UD) when an unmasked exception occurred, in which
 * case the destination must not be written (SDM Vol.1 11.5.2.1/11.5.2.2). */
SimStatus SIM_MUST_CHECK sse_fp_flags(Cpu *cpu, uint32_t host_csr);
/* The MXCSR a host SSE_FP block runs with: the guest's control bits, all
 * exceptions masked, flags clear. */
static inline uint32_t sse_host_csr(const Cpu *cpu)
{
    return (cpu->fpu.mxcsr & ~MXCSR_FLAGS) | MXCSR_MASKS;
}
/* xmm[reg] = xmm[reg] op W, the common shape of SSE instructions. */
SimStatus SIM_MUST_CHECK sse_exec(Cpu *cpu, const DecodedInsn *d,
                                  SseHostFn fn, unsigned msize, unsigned flags);
/* mm[reg] = mm[reg] op Q (Q: mm[rm] or 8 bytes of memory). */
SimStatus SIM_MUST_CHECK mmx_exec(Cpu *cpu, const DecodedInsn *d, MmxHostFn fn);
/* The Q source operand of an MMX instruction. */
SimStatus SIM_MUST_CHECK mmx_src(Cpu *cpu, const DecodedInsn *d, uint64_t *v);

#endif
