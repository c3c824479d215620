/*
 * cpu/ops_x87.c: the x87 FPU instructions (SDM Vol.1 ch. 8 "Programming
 * with the x87 FPU"; Vol.2 instruction pages FABS ... FYL2XP1, WAIT) and the
 * x87 availability rule (SDM Vol.3 2.5 Table 2-2).
 *
 * Arithmetic runs on the host's x87, which has the architectural 80-bit
 * format: each guarded host block (HOST_X87 below) saves the host control
 * word, loads the guest's FCW with every exception masked (so the host
 * never traps; precision and rounding control stay the guest's), clears the
 * host exception flags, executes the one instruction, reads the host status
 * word and restores the host control word. The guest's exception flags,
 * C1 (round-up) and, where an instruction defines them, C0/C2/C3 come from
 * that status word; stack faults, tags and TOP are computed here (SDM Vol.1
 * 8.5 "x87 FPU Floating-Point Exception Conditions", 8.5.1.1 "Stack
 * Overflow or Underflow Exception (#IS)").
 *
 * Transcendentals (FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1) use
 * the host instructions directly: their results are the host part's.
 * SIMPLIFICATION: with OM or UM unmasked, an overflow or underflow stores the
 * masked response instead of the exponent-rebiased result (SDM Vol.1
 * 8.5.4/8.5.5); the flags and #MF are architectural.
 *
 * Unmasked exceptions set ES and are reported as #MF by the next waiting
 * x87 instruction (SDM Vol.1 8.6 "x87 FPU Exception Synchronization").
 * SIMPLIFICATION: with CR0.NE = 0 (MS-DOS compatible FERR#/IGNNE# via the
 * PIC, SDM Vol.1 8.7) vmxsim stops with "unsupported".
 */
#include "cpu/fpu.h"

#include "cpu/fault.h"
#include "cpu/mem.h"

/* ---- availability ---- */

SimStatus fpu_check_x87(Cpu *cpu, bool wait)
{
    /* SDM Vol.3 2.5 Table 2-2: EM or TS set -> #NM for x87 instructions. */
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        return cpu_nm(cpu);
    if (wait && (cpu->fpu.fsw & FSW_ES)) {
        /* SDM Vol.1 8.7 "Handling x87 FPU Exceptions in Software" */
        if (!(cpu->cr0 & CR0_NE))
            return cpu_unsupported(cpu, "x87 FERR# reporting with CR0.NE=0");
        return cpu_raise(cpu, EXC_MF);
    }
    return ST_OK;
}

/* ---- guarded host x87 blocks ---- */

typedef struct HostX87 {
    long double in0, in1;      /* loaded as ST(1) = in1, ST(0) = in0 */
    long double out0, out1;    /* ST(0), ST(1) after the operation */
    uint64_t mem;              /* integer / single / double memory image */
    uint16_t cw;               /* guest FCW, exceptions masked */
    uint16_t sw;               /* host FSW right after the operation */
} HostX87;

#define LD0 ""
#define LD1 "fldt %[i0]\n\t"
#define LD2 "fldt %[i1]\n\tfldt %[i0]\n\t"
#define ST0 ""
#define ST1 "fstpt %[o0]\n\t"
#define ST2 "fstpt %[o0]\n\tfstpt %[o1]\n\t"
#define STDROP "fstp %%st(0)\n\t"

/* Host functions are noinline so the host x87 stack is empty on entry
 * (System V ABI 3.2.1) and nothing the compiler keeps there is disturbed. */
#define HOST_X87(fn, load, op, store)                                        \
    static __attribute__((noinline)) void fn(HostX87 *h)                    \
    {                                                                        \
        uint16_t save;                                                       \
        __asm__ volatile("fnstcw %[save]\n\t"                                \
                         "fldcw %[cw]\n\t"                                   \
                         "fnclex\n\t"                                        \
                         load op "\n\t"                                      \
                         "fnstsw %[sw]\n\t"                                  \
                         store                                               \
                         "fnclex\n\t"                                        \
                         "fldcw %[save]"                                     \
                         : [save] "=m"(save), [sw] "=m"(h->sw),              \
                           [o0] "=m"(h->out0), [o1] "=m"(h->out1),           \
                           [m] "+m"(h->mem)                                  \
                         : [cw] "m"(h->cw), [i0] "m"(h->in0),                \
                           [i1] "m"(h->in1)                                  \
                         : "st", "st(1)", "st(2)", "memory");                \
    }

/* out0 = in0 op in1 (Intel FxxxRP ST(1),ST(0) forms, encoded as bytes to
 * avoid the AT&T operand-order ambiguity of fsubp/fdivp). */
HOST_X87(host_fadd, LD2, ".byte 0xde, 0xc1", ST1)
HOST_X87(host_fmul, LD2, ".byte 0xde, 0xc9", ST1)
HOST_X87(host_fsub, LD2, ".byte 0xde, 0xe1", ST1)
HOST_X87(host_fdiv, LD2, ".byte 0xde, 0xf1", ST1)
/* compares of in0 with in1; popped, nothing stored */
HOST_X87(host_fcom, LD2, "fcompp", ST0)
HOST_X87(host_fucom, LD2, "fucompp", ST0)
HOST_X87(host_ftst, LD1, "ftst", STDROP)
/* one operand */
HOST_X87(host_fsqrt, LD1, "fsqrt", ST1)
HOST_X87(host_frndint, LD1, "frndint", ST1)
HOST_X87(host_fsin, LD1, "fsin", ST1)
HOST_X87(host_fcos, LD1, "fcos", ST1)
HOST_X87(host_f2xm1, LD1, "f2xm1", ST1)
HOST_X87(host_fsincos, LD1, "fsincos", ST2)
HOST_X87(host_fptan, LD1, "fptan", ST2)
HOST_X87(host_fxtract, LD1, "fxtract", ST2)
/* two operands, ST(0) and ST(1) */
HOST_X87(host_fprem, LD2, "fprem", ST2)
HOST_X87(host_fprem1, LD2, "fprem1", ST2)
HOST_X87(host_fscale, LD2, "fscale", ST2)
HOST_X87(host_fpatan, LD2, "fpatan", ST1)
HOST_X87(host_fyl2x, LD2, "fyl2x", ST1)
HOST_X87(host_fyl2xp1, LD2, "fyl2xp1", ST1)
/* constants, rounded per RC (SDM Vol.1 8.3.8 "Load Constant Instructions") */
HOST_X87(host_fld1, LD0, "fld1", ST1)
HOST_X87(host_fldl2t, LD0, "fldl2t", ST1)
HOST_X87(host_fldl2e, LD0, "fldl2e", ST1)
HOST_X87(host_fldpi, LD0, "fldpi", ST1)
HOST_X87(host_fldlg2, LD0, "fldlg2", ST1)
HOST_X87(host_fldln2, LD0, "fldln2", ST1)
/* memory format conversions */
HOST_X87(host_load_m32, LD0, "flds %[m]", ST1)
HOST_X87(host_load_m64, LD0, "fldl %[m]", ST1)
HOST_X87(host_store_m32, LD1, "fstps %[m]", ST0)
HOST_X87(host_store_m64, LD1, "fstpl %[m]", ST0)
HOST_X87(host_fist16, LD1, "fistps %[m]", ST0)
HOST_X87(host_fist32, LD1, "fistpl %[m]", ST0)
HOST_X87(host_fist64, LD1, "fistpll %[m]", ST0)
HOST_X87(host_fisttp16, LD1, "fisttps %[m]", ST0)
HOST_X87(host_fisttp32, LD1, "fisttpl %[m]", ST0)
HOST_X87(host_fisttp64, LD1, "fisttpll %[m]", ST0)

/* BCD conversions: the 10-byte packed-BCD image lives in in1 (FBLD
 * source) or out0 (FBSTP destination). */
static __attribute__((noinline)) void host_fbld(HostX87 *h)
{
    uint16_t save;
    __asm__ volatile("fnstcw %[save]\n\tfldcw %[cw]\n\tfnclex\n\t"
                     "fbld %[src]\n\tfnstsw %[sw]\n\tfstpt %[o0]\n\t"
                     "fnclex\n\tfldcw %[save]"
                     : [save] "=m"(save), [sw] "=m"(h->sw), [o0] "=m"(h->out0)
                     : [cw] "m"(h->cw), [src] "m"(h->in1)
                     : "st", "st(1)", "memory");
}

static __attribute__((noinline)) void host_fbstp(HostX87 *h)
{
    uint16_t save;
    __asm__ volatile("fnstcw %[save]\n\tfldcw %[cw]\n\tfnclex\n\t"
                     "fldt %[i0]\n\tfbstp %[dst]\n\tfnstsw %[sw]\n\t"
                     "fnclex\n\tfldcw %[save]"
                     : [save] "=m"(save), [sw] "=m"(h->sw), [dst] "=m"(h->out0)
                     : [cw] "m"(h->cw), [i0] "m"(h->in0)
                     : "st", "st(1)", "memory");
}

typedef void (*HostX87Fn)(HostX87 *h);

static void host_run(const Cpu *cpu, HostX87Fn fn, HostX87 *h)
{
    h->cw = (uint16_t)(cpu->fpu.fcw | FCW_MASKS);
    fn(h);
}

static long double indefinite(void)
{
    return f80_make(X87_INDEF_SE, X87_INDEF_MANT);
}

/* ---- exception bookkeeping (SDM Vol.1 8.5, 8.1.3.4 "Stack Fault Flag") ---- */

/* Unmasked invalid, denormal or divide-by-zero: the destination and the
 * stack are left unchanged (SDM Vol.1 8.5.1.2, 8.5.2, 8.5.3). */
static bool x87_blocked(const FpuState *f, uint16_t exc)
{
    return (exc & ~f->fcw & (FSW_IE | FSW_DE | FSW_ZE)) != 0;
}

/* Record exception flags (sticky), the condition codes selected by ccmask
 * from sw, and ES/B. */
static void x87_flags(FpuState *f, uint16_t exc, uint16_t sw, uint16_t ccmask)
{
    f->fsw = (uint16_t)((f->fsw & ~ccmask) | (sw & ccmask));
    f->fsw |= exc & (FSW_EXC | FSW_SF);
    x87_update_es(f);
}

/* Stack underflow (a source register is empty): IE + SF, C1 = 0. Returns
 * true when the masked response (QNaN indefinite) should proceed. */
static bool x87_underflow(FpuState *f)
{
    x87_flags(f, FSW_IE | FSW_SF, 0, FSW_C1);
    return (f->fcw & FSW_IE) != 0;
}

/* Stack overflow (the push target is not empty): IE + SF, C1 = 1. */
static bool x87_overflow(FpuState *f)
{
    x87_flags(f, FSW_IE | FSW_SF, FSW_C1, FSW_C1);
    return (f->fcw & FSW_IE) != 0;
}

/* The last-instruction pointers (SDM Vol.1 8.1.8 "x87 FPU Instruction and
 * Data (Operand) Pointers", 8.1.9 "Last Instruction Opcode"), set by every
 * non-control x87 instruction. */
static void x87_note(Cpu *cpu, const DecodedInsn *d, bool mem, uint64_t ea)
{
    FpuState *f = &cpu->fpu;
    f->fop = (uint16_t)(((d->opcode & 7u) << 8) | ((unsigned)d->mod << 6) |
                        ((d->reg & 7u) << 3) | (d->rm & 7u));
    f->fip = cpu->rip;
    f->fcs = cpu->seg[SEG_CS].sel;
    if (mem) {
        f->fdp = ea;
        f->fds = cpu->seg[d->seg].sel;
    }
}

static unsigned sti(const DecodedInsn *d)
{
    return d->rm & 7u;
}

/* ---- loads ---- */

/* Read a floating-point or integer memory operand as an 80-bit value. Sets
 * *exc to the conversion's exceptions (#IA for an SNaN, #D for a denormal,
 * SDM Vol.2A FLD "Floating-Point Exceptions"). kind: 's' m32fp, 'l' m64fp,
 * 't' m80fp, 'w' m16int, 'd' m32int, 'q' m64int, 'b' m80bcd. */
static SimStatus x87_read_mem(Cpu *cpu, const DecodedInsn *d, char kind,
                              long double *v, uint16_t *exc)
{
    uint64_t ea = insn_ea(cpu, d);
    HostX87 h = { 0 };
    uint8_t buf[10];
    SimStatus st;
    *exc = 0;
    switch (kind) {
    case 't':
        st = cpu_read(cpu, d->seg, ea, 10, buf);
        if (st)
            return st;
        *v = f80_make((uint16_t)(buf[8] | buf[9] << 8),
                      (uint64_t)buf[0] | (uint64_t)buf[1] << 8 |
                      (uint64_t)buf[2] << 16 | (uint64_t)buf[3] << 24 |
                      (uint64_t)buf[4] << 32 | (uint64_t)buf[5] << 40 |
                      (uint64_t)buf[6] << 48 | (uint64_t)buf[7] << 56);
        return ST_OK;
    case 'b':
        /* the m80bcd image: 9 bytes of digits, sign in byte 9 bit 7 */
        st = cpu_read(cpu, d->seg, ea, 10, buf);
        if (st)
            return st;
        memcpy(&h.in1, buf, 10);   /* the 10-byte image fbld reads */
        host_run(cpu, host_fbld, &h);
        *v = h.out0;
        return ST_OK;
    default:
        break;
    }
    unsigned size = kind == 'w' ? 2 : kind == 's' || kind == 'd' ? 4 : 8;
    uint64_t raw;
    st = cpu_read_u(cpu, d->seg, ea, size, &raw);
    if (st)
        return st;
    switch (kind) {
    case 'w': *v = (long double)(int16_t)raw; return ST_OK;
    case 'd': *v = (long double)(int32_t)raw; return ST_OK;
    case 'q': *v = (long double)(int64_t)raw; return ST_OK;
    default: break;
    }
    h.mem = raw;
    host_run(cpu, kind == 's' ? host_load_m32 : host_load_m64, &h);
    *exc = h.sw & FSW_EXC;
    *v = h.out0;
    return ST_OK;
}

/* Push a value whose conversion raised exc. */
static void x87_push_value(FpuState *f, long double v, uint16_t exc)
{
    if (!x87_empty(f, 7)) {
        if (x87_overflow(f))
            x87_push(f, indefinite());
        return;
    }
    if (x87_blocked(f, exc)) {
        x87_flags(f, exc, 0, FSW_C1);
        return;
    }
    x87_flags(f, exc, 0, FSW_C1);
    x87_push(f, v);
}

static SimStatus x87_fld_mem(Cpu *cpu, const DecodedInsn *d, char kind)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    long double v;
    uint16_t exc;
    st = x87_read_mem(cpu, d, kind, &v, &exc);
    if (st)
        return st;
    x87_push_value(&cpu->fpu, v, exc);
    x87_note(cpu, d, true, insn_ea(cpu, d));
    return ST_OK;
}

/* FLD m32fp/m64fp/m80fp, FILD m16/m32/m64, FBLD (SDM Vol.2A FLD, FILD, FBLD) */
SimStatus op_fld_Md(Cpu *cpu, const DecodedInsn *d) { return x87_fld_mem(cpu, d, 's'); }
SimStatus op_fld_Mq(Cpu *cpu, const DecodedInsn *d) { return x87_fld_mem(cpu, d, 'l'); }
SimStatus op_fld_Mt(Cpu *cpu, const DecodedInsn *d) { return x87_fld_mem(cpu, d, 't'); }
SimStatus op_fild_Mw(Cpu *cpu, const DecodedInsn *d) { return x87_fld_mem(cpu, d, 'w'); }
SimStatus op_fild_Md(Cpu *cpu, const DecodedInsn *d) { return x87_fld_mem(cpu, d, 'd'); }
SimStatus op_fild_Mq(Cpu *cpu, const DecodedInsn *d) { return x87_fld_mem(cpu, d, 'q'); }
SimStatus op_fbld_Mt(Cpu *cpu, const DecodedInsn *d) { return x87_fld_mem(cpu, d, 'b'); }

/* FLD ST(i) (SDM Vol.2A FLD) */
SimStatus op_fld_STi(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    if (x87_empty(f, sti(d))) {
        if (!x87_empty(f, 7)) {
            if (x87_overflow(f))
                x87_push(f, indefinite());
        } else if (x87_underflow(f)) {
            x87_push(f, indefinite());
        }
    } else {
        x87_push_value(f, x87_st(f, sti(d)), 0);
    }
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

/* FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (SDM Vol.2A FLD1...) */
SimStatus op_fldconst(Cpu *cpu, const DecodedInsn *d)
{
    static const HostX87Fn fns[8] = {
        host_fld1, host_fldl2t, host_fldl2e, host_fldpi, host_fldlg2,
        host_fldln2, NULL, NULL,
    };
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    unsigned k = sti(d);
    long double v = f80_make(0, 0);
    if (k != 6) {
        HostX87 h = { 0 };
        host_run(cpu, fns[k], &h);
        v = h.out0;
    }
    x87_push_value(&cpu->fpu, v, 0);
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

/* ---- stores ---- */

/* Store ST(0) to memory in format kind, then pop if pop (SDM Vol.2A FST,
 * FIST, FISTTP, FBSTP). A masked invalid stores the indefinite; an
 * unmasked IE/DE/OE/UE stores nothing (SDM Vol.1 8.5.1.2, 8.5.4, 8.5.5). */
static SimStatus x87_store_mem(Cpu *cpu, const DecodedInsn *d, char kind,
                               bool pop)
{
    static const struct { char kind; unsigned size; uint64_t indef; } fmt[] = {
        { 's', 4, 0xffc00000u }, { 'l', 8, 0xfff8000000000000ull },
        { 'w', 2, 0x8000u }, { 'd', 4, 0x80000000u },
        { 'q', 8, 0x8000000000000000ull },
        { 'W', 2, 0x8000u }, { 'D', 4, 0x80000000u },
        { 'Q', 8, 0x8000000000000000ull },
    };
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    uint64_t ea = insn_ea(cpu, d);
    uint8_t img[10];
    unsigned size = 10;
    uint16_t exc = 0, sw = 0;
    bool empty = x87_empty(f, 0);
    long double v = empty ? indefinite() : x87_st(f, 0);

    if (kind == 't') {
        memcpy(img, &v, 10);
        if (empty)
            exc = FSW_IE | FSW_SF;
    } else if (kind == 'b') {
        HostX87 h = { 0 };
        h.in0 = v;
        host_run(cpu, host_fbstp, &h);
        memcpy(img, &h.out0, 10);
        exc = empty ? (FSW_IE | FSW_SF) : (h.sw & FSW_EXC);
        sw = h.sw;
    } else {
        unsigned i;
        for (i = 0; fmt[i].kind != kind; i++)
            ;
        size = fmt[i].size;
        uint64_t out = fmt[i].indef;
        if (empty) {
            exc = FSW_IE | FSW_SF;
        } else {
            static const struct { char kind; HostX87Fn fn; } fns[] = {
                { 's', host_store_m32 }, { 'l', host_store_m64 },
                { 'w', host_fist16 }, { 'd', host_fist32 }, { 'q', host_fist64 },
                { 'W', host_fisttp16 }, { 'D', host_fisttp32 },
                { 'Q', host_fisttp64 },
            };
            unsigned j;
            for (j = 0; fns[j].kind != kind; j++)
                ;
            HostX87 h = { 0 };
            h.in0 = v;
            host_run(cpu, fns[j].fn, &h);
            exc = h.sw & FSW_EXC;
            sw = h.sw;
            out = h.mem;
        }
        memcpy(img, &out, 8);
    }

    bool masked_ok = !(exc & ~f->fcw & (FSW_IE | FSW_DE | FSW_ZE | FSW_OE | FSW_UE));
    if (masked_ok) {
        st = cpu_write(cpu, d->seg, ea, size, img);
        if (st)
            return st;
    }
    /* C1: 0 on underflow, else the round-up indicator */
    x87_flags(f, exc, empty ? 0 : sw, FSW_C1);
    if (masked_ok && pop)
        x87_pop(f);
    x87_note(cpu, d, true, ea);
    return ST_OK;
}

SimStatus op_fst_Md(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 's', false); }
SimStatus op_fstp_Md(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 's', true); }
SimStatus op_fst_Mq(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'l', false); }
SimStatus op_fstp_Mq(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'l', true); }
SimStatus op_fstp_Mt(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 't', true); }
SimStatus op_fist_Mw(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'w', false); }
SimStatus op_fistp_Mw(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'w', true); }
SimStatus op_fist_Md(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'd', false); }
SimStatus op_fistp_Md(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'd', true); }
SimStatus op_fistp_Mq(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'q', true); }
SimStatus op_fisttp_Mw(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'W', true); }
SimStatus op_fisttp_Md(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'D', true); }
SimStatus op_fisttp_Mq(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'Q', true); }
SimStatus op_fbstp_Mt(Cpu *cpu, const DecodedInsn *d) { return x87_store_mem(cpu, d, 'b', true); }

/* FST/FSTP ST(i) (SDM Vol.2A FST): copy without rounding. */
static SimStatus x87_fst_reg(Cpu *cpu, const DecodedInsn *d, bool pop)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    if (x87_empty(f, 0)) {
        if (x87_underflow(f)) {
            x87_set_st(f, sti(d), indefinite());
            if (pop)
                x87_pop(f);
        }
    } else {
        x87_flags(f, 0, 0, FSW_C1);
        x87_set_st(f, sti(d), x87_st(f, 0));
        if (pop)
            x87_pop(f);
    }
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

SimStatus op_fst_STi(Cpu *cpu, const DecodedInsn *d) { return x87_fst_reg(cpu, d, false); }
SimStatus op_fstp_STi(Cpu *cpu, const DecodedInsn *d) { return x87_fst_reg(cpu, d, true); }

/* ---- basic arithmetic (SDM Vol.2A FADD, FSUB, FSUBR, FMUL, FDIV, FDIVR) ---- */

enum { AR_ADD, AR_MUL, AR_SUB, AR_DIV };

/* dst = a op b; dst is ST(dst_i); pop afterwards if pop. Operands already
 * checked for emptiness by the caller (empty_any). pre_exc: exceptions of
 * converting a memory operand. */
static void x87_arith(FpuState *f, const Cpu *cpu, unsigned op, long double a,
                      long double b, unsigned dst_i, bool pop, bool empty_any,
                      uint16_t pre_exc)
{
    static const HostX87Fn fns[4] = { host_fadd, host_fmul, host_fsub, host_fdiv };
    if (empty_any) {
        if (x87_underflow(f)) {
            x87_set_st(f, dst_i, indefinite());
            if (pop)
                x87_pop(f);
        }
        return;
    }
    if (x87_blocked(f, pre_exc)) {
        x87_flags(f, pre_exc, 0, 0);
        return;
    }
    HostX87 h = { 0 };
    h.in0 = a;
    h.in1 = b;
    host_run(cpu, fns[op], &h);
    uint16_t exc = (uint16_t)(pre_exc | (h.sw & FSW_EXC));
    x87_flags(f, exc, h.sw, FSW_C1);
    if (x87_blocked(f, exc))
        return;
    x87_set_st(f, dst_i, h.out0);
    if (pop)
        x87_pop(f);
}

/* ModRM.reg of D8/DC/DA/DE: 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr */
static void arith_decode(unsigned reg, unsigned *op, bool *rev)
{
    static const unsigned ops[8] = { AR_ADD, AR_MUL, 0, 0, AR_SUB, AR_SUB,
                                     AR_DIV, AR_DIV };
    *op = ops[reg & 7];
    *rev = (reg & 7) == 5 || (reg & 7) == 7;
}

/* FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR m32fp|m64fp and FIADD... m16int|m32int:
 * ST(0) = ST(0) op mem (or mem op ST(0) for the R forms). */
static SimStatus x87_arith_mem(Cpu *cpu, const DecodedInsn *d, char kind)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    long double m;
    uint16_t exc;
    st = x87_read_mem(cpu, d, kind, &m, &exc);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    unsigned op;
    bool rev;
    arith_decode(d->reg, &op, &rev);
    long double s0 = x87_st(f, 0);
    x87_arith(f, cpu, op, rev ? m : s0, rev ? s0 : m, 0, false,
              x87_empty(f, 0), exc);
    x87_note(cpu, d, true, insn_ea(cpu, d));
    return ST_OK;
}

SimStatus op_farith_Md(Cpu *cpu, const DecodedInsn *d) { return x87_arith_mem(cpu, d, 's'); }
SimStatus op_farith_Mq(Cpu *cpu, const DecodedInsn *d) { return x87_arith_mem(cpu, d, 'l'); }
SimStatus op_fiarith_Md(Cpu *cpu, const DecodedInsn *d) { return x87_arith_mem(cpu, d, 'd'); }
SimStatus op_fiarith_Mw(Cpu *cpu, const DecodedInsn *d) { return x87_arith_mem(cpu, d, 'w'); }

/* D8 /r register forms: ST(0) = ST(0) op ST(i). */
SimStatus op_farith_ST0_STi(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    unsigned op;
    bool rev;
    arith_decode(d->reg, &op, &rev);
    long double s0 = x87_st(f, 0), si = x87_st(f, sti(d));
    x87_arith(f, cpu, op, rev ? si : s0, rev ? s0 : si, 0, false,
              x87_empty(f, 0) || x87_empty(f, sti(d)), 0);
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

/* DC /r and DE /r register forms: ST(i) = ST(i) op ST(0), with the
 * encodings of SUB/SUBR and DIV/DIVR swapped relative to D8 (SDM Vol.2A
 * FSUB "DC E8+i FSUB ST(i), ST(0)", "DC E0+i FSUBR ST(i), ST(0)"). */
static SimStatus x87_arith_sti(Cpu *cpu, const DecodedInsn *d, bool pop)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    unsigned op;
    bool rev;
    arith_decode(d->reg, &op, &rev);
    if ((d->reg & 7) >= 4)
        rev = !rev;
    long double s0 = x87_st(f, 0), si = x87_st(f, sti(d));
    x87_arith(f, cpu, op, rev ? s0 : si, rev ? si : s0, sti(d), pop,
              x87_empty(f, 0) || x87_empty(f, sti(d)), 0);
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

SimStatus op_farith_STi_ST0(Cpu *cpu, const DecodedInsn *d) { return x87_arith_sti(cpu, d, false); }
SimStatus op_farithp_STi_ST0(Cpu *cpu, const DecodedInsn *d) { return x87_arith_sti(cpu, d, true); }

/* ---- comparisons (SDM Vol.2A FCOM, FUCOM, FCOMI, FICOM, FTST) ---- */

/* Compare a with b; npop pops afterwards; eflags selects the FCOMI form
 * (ZF, PF, CF instead of C3, C2, C0). Unordered results are C3=C2=C0=1. */
static void x87_compare(Cpu *cpu, long double a, long double b, bool empty_any,
                        bool unordered_quiet, unsigned npop, bool eflags,
                        uint16_t pre_exc)
{
    FpuState *f = &cpu->fpu;
    uint16_t cc;
    uint16_t exc;
    if (empty_any) {
        exc = FSW_IE | FSW_SF;
        cc = FSW_C0 | FSW_C2 | FSW_C3;
    } else {
        HostX87 h = { 0 };
        h.in0 = a;
        h.in1 = b;
        host_run(cpu, unordered_quiet ? host_fucom : host_fcom, &h);
        exc = (uint16_t)(pre_exc | (h.sw & FSW_EXC));
        cc = h.sw & (FSW_C0 | FSW_C2 | FSW_C3);
    }
    if (x87_blocked(f, exc)) {
        x87_flags(f, exc, 0, FSW_C1);
        return;
    }
    if (eflags) {
        x87_flags(f, exc, 0, FSW_C1);
        uint64_t fl = cpu->rflags & ~(uint64_t)RFLAGS_ARITH;
        if (cc & FSW_C3)
            fl |= RFLAGS_ZF;
        if (cc & FSW_C2)
            fl |= RFLAGS_PF;
        if (cc & FSW_C0)
            fl |= RFLAGS_CF;
        cpu->rflags = fl;
    } else {
        x87_flags(f, exc, cc, FSW_CC);
    }
    for (unsigned i = 0; i < npop; i++)
        x87_pop(f);
}

/* FCOM/FCOMP m32fp|m64fp, FICOM/FICOMP m16int|m32int (ModRM.reg 2 / 3) */
static SimStatus x87_fcom_mem(Cpu *cpu, const DecodedInsn *d, char kind)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    long double m;
    uint16_t exc;
    st = x87_read_mem(cpu, d, kind, &m, &exc);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    x87_compare(cpu, x87_st(f, 0), m, x87_empty(f, 0), false,
                (d->reg & 7) == 3 ? 1 : 0, false, exc);
    x87_note(cpu, d, true, insn_ea(cpu, d));
    return ST_OK;
}

SimStatus op_fcom_Md(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_mem(cpu, d, 's'); }
SimStatus op_fcom_Mq(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_mem(cpu, d, 'l'); }
SimStatus op_ficom_Md(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_mem(cpu, d, 'd'); }
SimStatus op_ficom_Mw(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_mem(cpu, d, 'w'); }

static SimStatus x87_fcom_reg(Cpu *cpu, const DecodedInsn *d, bool quiet,
                              unsigned npop, bool eflags)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    x87_compare(cpu, x87_st(f, 0), x87_st(f, sti(d)),
                x87_empty(f, 0) || x87_empty(f, sti(d)), quiet, npop, eflags, 0);
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

SimStatus op_fcom_STi(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_reg(cpu, d, false, 0, false); }
SimStatus op_fcomp_STi(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_reg(cpu, d, false, 1, false); }
SimStatus op_fcompp(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_reg(cpu, d, false, 2, false); }
SimStatus op_fucom_STi(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_reg(cpu, d, true, 0, false); }
SimStatus op_fucomp_STi(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_reg(cpu, d, true, 1, false); }
SimStatus op_fucompp(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_reg(cpu, d, true, 2, false); }
SimStatus op_fcomi_STi(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_reg(cpu, d, false, 0, true); }
SimStatus op_fcomip_STi(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_reg(cpu, d, false, 1, true); }
SimStatus op_fucomi_STi(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_reg(cpu, d, true, 0, true); }
SimStatus op_fucomip_STi(Cpu *cpu, const DecodedInsn *d) { return x87_fcom_reg(cpu, d, true, 1, true); }

/* FTST: compare ST(0) with 0.0 (SDM Vol.2A FTST) */
SimStatus op_ftst(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    if (x87_empty(f, 0)) {
        if (x87_underflow(f))
            f->fsw |= FSW_C0 | FSW_C2 | FSW_C3;
    } else {
        HostX87 h = { 0 };
        h.in0 = x87_st(f, 0);
        host_run(cpu, host_ftst, &h);
        uint16_t exc = h.sw & FSW_EXC;
        x87_flags(f, exc, x87_blocked(f, exc) ? 0 : h.sw,
                  x87_blocked(f, exc) ? FSW_C1 : FSW_CC);
    }
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

/* FXAM: classify ST(0) (SDM Vol.2A FXAM, Table 3-xx "FXAM Results");
 * unsupported encodings (unnormals, pseudo-NaN, pseudo-infinity) give 000. */
SimStatus op_fxam(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    long double v = x87_st(f, 0);
    uint16_t se = f80_se(&v), e = se & 0x7fff;
    uint64_t m = f80_mant(&v);
    uint16_t cc;
    if (x87_empty(f, 0))
        cc = FSW_C3 | FSW_C0;
    else if (e == 0)
        cc = m == 0 ? FSW_C3 : (FSW_C3 | FSW_C2);
    else if (!(m >> 63))
        cc = 0;
    else if (e == 0x7fff)
        cc = (m << 1) == 0 ? (FSW_C2 | FSW_C0) : FSW_C0;
    else
        cc = FSW_C2;
    if (se & 0x8000)
        cc |= FSW_C1;
    x87_flags(f, 0, cc, FSW_CC);
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

/* ---- one-operand operations on ST(0) ---- */

/* FCHS, FABS: sign manipulation, no exceptions but stack underflow; C1 = 0
 * (SDM Vol.2A FCHS, FABS). */
static SimStatus x87_sign(Cpu *cpu, const DecodedInsn *d, bool abs)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    if (x87_empty(f, 0)) {
        if (x87_underflow(f))
            x87_set_st(f, 0, indefinite());
    } else {
        long double v = x87_st(f, 0);
        uint16_t se = f80_se(&v);
        se = abs ? (uint16_t)(se & 0x7fff) : (uint16_t)(se ^ 0x8000);
        x87_flags(f, 0, 0, FSW_C1);
        x87_set_st(f, 0, f80_make(se, f80_mant(&v)));
    }
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

SimStatus op_fchs(Cpu *cpu, const DecodedInsn *d) { return x87_sign(cpu, d, false); }
SimStatus op_fabs(Cpu *cpu, const DecodedInsn *d) { return x87_sign(cpu, d, true); }

/* Operations of ST(0) [and ST(1)] run on the host:
 *   in:  1 = ST(0), 2 = ST(0) and ST(1)
 *   out: 1 = ST(0) replaced, 2 = ST(0), ST(1) replaced, 'p' = ST(1)
 *        replaced then pop, 'u' = ST(0) replaced then push (FPTAN,
 *        FSINCOS, FXTRACT)
 *   cc:  condition codes taken from the host. */
static SimStatus x87_host_op(Cpu *cpu, const DecodedInsn *d, HostX87Fn fn,
                             unsigned in, char out, uint16_t cc)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    bool empty = x87_empty(f, 0) || (in == 2 && x87_empty(f, 1));
    if (out == 'u' && !empty && !x87_empty(f, 7)) {
        /* the push target is occupied: stack overflow (SDM Vol.1 8.5.1.1) */
        if (x87_overflow(f)) {
            x87_set_st(f, 0, indefinite());
            x87_push(f, indefinite());
        }
        x87_note(cpu, d, false, 0);
        return ST_OK;
    }
    if (empty) {
        if (x87_underflow(f)) {
            switch (out) {
            case '2':
                x87_set_st(f, 1, indefinite());
                x87_set_st(f, 0, indefinite());
                break;
            case 'p':
                x87_set_st(f, 1, indefinite());
                x87_pop(f);
                break;
            case 'u':
                x87_set_st(f, 0, indefinite());
                if (x87_empty(f, 7))
                    x87_push(f, indefinite());
                break;
            default:
                x87_set_st(f, 0, indefinite());
                break;
            }
        }
        x87_note(cpu, d, false, 0);
        return ST_OK;
    }
    HostX87 h = { 0 };
    h.in0 = x87_st(f, 0);
    h.in1 = x87_st(f, 1);
    host_run(cpu, fn, &h);
    uint16_t exc = h.sw & FSW_EXC;
    x87_flags(f, exc, h.sw, (uint16_t)(cc | FSW_C1));
    if (!x87_blocked(f, exc)) {
        switch (out) {
        case '2':
            x87_set_st(f, 0, h.out0);
            x87_set_st(f, 1, h.out1);
            break;
        case 'p':
            x87_set_st(f, 1, h.out0);
            x87_pop(f);
            break;
        case 'u':
            /* FPTAN/FSINCOS with C2 = 1 (operand out of range) leave the
             * stack unchanged (SDM Vol.2A FPTAN, FSINCOS) */
            if ((fn == host_fptan || fn == host_fsincos) && (h.sw & FSW_C2))
                break;
            x87_set_st(f, 0, h.out1);
            x87_push(f, h.out0);
            break;
        default:
            x87_set_st(f, 0, h.out0);
            break;
        }
    }
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

SimStatus op_fsqrt(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fsqrt, 1, '1', 0); }
SimStatus op_frndint(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_frndint, 1, '1', 0); }
SimStatus op_fsin(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fsin, 1, '1', FSW_C2); }
SimStatus op_fcos(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fcos, 1, '1', FSW_C2); }
SimStatus op_f2xm1(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_f2xm1, 1, '1', 0); }
SimStatus op_fsincos(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fsincos, 1, 'u', FSW_C2); }
SimStatus op_fptan(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fptan, 1, 'u', FSW_C2); }
SimStatus op_fxtract(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fxtract, 1, 'u', 0); }
SimStatus op_fprem(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fprem, 2, '2', FSW_CC); }
SimStatus op_fprem1(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fprem1, 2, '2', FSW_CC); }
SimStatus op_fscale(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fscale, 2, '2', 0); }
SimStatus op_fpatan(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fpatan, 2, 'p', 0); }
SimStatus op_fyl2x(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fyl2x, 2, 'p', 0); }
SimStatus op_fyl2xp1(Cpu *cpu, const DecodedInsn *d) { return x87_host_op(cpu, d, host_fyl2xp1, 2, 'p', 0); }

/* ---- stack and register management ---- */

/* FXCH ST(i) (SDM Vol.2A FXCH): an empty operand is replaced by the
 * indefinite under the masked response. */
SimStatus op_fxch_STi(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    bool e0 = x87_empty(f, 0), ei = x87_empty(f, sti(d));
    if (e0 || ei) {
        if (!x87_underflow(f)) {
            x87_note(cpu, d, false, 0);
            return ST_OK;
        }
    } else {
        x87_flags(f, 0, 0, FSW_C1);
    }
    long double a = e0 ? indefinite() : x87_st(f, 0);
    long double b = ei ? indefinite() : x87_st(f, sti(d));
    x87_set_st(f, 0, b);
    x87_set_st(f, sti(d), a);
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

/* FCMOVcc ST(0), ST(i) (SDM Vol.2A FCMOVcc): DA C0/C8/D0/D8 = B, E, BE,
 * U; DB C0/C8/D0/D8 = NB, NE, NBE, NU. */
SimStatus op_fcmov_STi(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    uint64_t fl = cpu->rflags;
    bool cond;
    switch (d->reg & 3) {
    case 0: cond = fl & RFLAGS_CF; break;
    case 1: cond = fl & RFLAGS_ZF; break;
    case 2: cond = fl & (RFLAGS_CF | RFLAGS_ZF); break;
    default: cond = fl & RFLAGS_PF; break;
    }
    if (d->opcode == 0xdb)
        cond = !cond;
    if (x87_empty(f, 0) || x87_empty(f, sti(d))) {
        if (x87_underflow(f))
            x87_set_st(f, 0, indefinite());
    } else {
        x87_flags(f, 0, 0, FSW_C1);
        if (cond)
            x87_set_st(f, 0, x87_st(f, sti(d)));
    }
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

/* FFREE ST(i): tag empty, TOP unchanged (SDM Vol.2A FFREE) */
SimStatus op_ffree_STi(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    x87_set_tag_phys(&cpu->fpu, x87_phys(&cpu->fpu, sti(d)), TAG_EMPTY);
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

/* FINCSTP / FDECSTP: rotate TOP, C1 = 0 (SDM Vol.2A FINCSTP, FDECSTP) */
SimStatus op_fincstp(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    x87_set_top(&cpu->fpu, x87_top(&cpu->fpu) + 1);
    cpu->fpu.fsw &= (uint16_t)~FSW_C1;
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

SimStatus op_fdecstp(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    x87_set_top(&cpu->fpu, x87_top(&cpu->fpu) - 1);
    cpu->fpu.fsw &= (uint16_t)~FSW_C1;
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

/* FNOP (SDM Vol.2A FNOP) */
SimStatus op_fnop(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    x87_note(cpu, d, false, 0);
    return ST_OK;
}

/* ---- control instructions (non-waiting forms: no #MF check) ---- */

/* FNINIT (SDM Vol.2A FINIT/FNINIT) */
SimStatus op_fninit(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, false);
    if (st)
        return st;
    x87_init(&cpu->fpu);
    return ST_OK;
}

/* FNCLEX: clear PE..IE, SF, ES, B (SDM Vol.2A FCLEX/FNCLEX) */
SimStatus op_fnclex(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, false);
    if (st)
        return st;
    cpu->fpu.fsw &= (uint16_t)~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
    return ST_OK;
}

/* FLDCW m2byte: a newly unmasked pending flag raises #MF at the next
 * waiting instruction (SDM Vol.2A FLDCW). Bit 6 reads as 1, bits 15:13
 * and 7 as 0 on Intel parts (the FXSAVE image of FCW shows 0x037F after
 * FNINIT). */
SimStatus op_fldcw_Mw(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    uint64_t v;
    st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 2, &v);
    if (st)
        return st;
    cpu->fpu.fcw = (uint16_t)((v & 0x1f3f) | 0x40);
    x87_update_es(&cpu->fpu);
    return ST_OK;
}

/* FNSTCW m2byte (SDM Vol.2A FSTCW/FNSTCW) */
SimStatus op_fnstcw_Mw(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, false);
    if (st)
        return st;
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), 2, cpu->fpu.fcw);
}

/* FNSTSW m2byte / AX (SDM Vol.2A FSTSW/FNSTSW) */
SimStatus op_fnstsw_Mw(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, false);
    if (st)
        return st;
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), 2, cpu->fpu.fsw);
}

SimStatus op_fnstsw_AX(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, false);
    if (st)
        return st;
    cpu_reg_write(cpu, R_RAX, 2, false, cpu->fpu.fsw);
    return ST_OK;
}

/* WAIT/FWAIT: #NM if CR0.MP and CR0.TS (SDM Vol.3 Table 2-2), then any
 * pending unmasked x87 exception as #MF (SDM Vol.2B WAIT/FWAIT). */
SimStatus op_wait(Cpu *cpu, const DecodedInsn *d)
{
    if ((cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        return cpu_nm(cpu);
    if (cpu->fpu.fsw & FSW_ES) {
        if (!(cpu->cr0 & CR0_NE))
            return cpu_unsupported(cpu, "x87 FERR# reporting with CR0.NE=0");
        return cpu_raise(cpu, EXC_MF);
    }
    return ST_OK;
}

/* ---- environment and state images (SDM Vol.1 8.1.10 "Saving the x87 FPU's
 * State with FSTENV/FNSTENV and FSAVE/FNSAVE", Figures 8-9 to 8-12) ---- */

/* Real-address and virtual-8086 modes use the real-mode layouts. */
static bool env_real(const Cpu *cpu)
{
    return cpu->mode == MODE_REAL || cpu->mode == MODE_V86;
}

static unsigned env_size(const DecodedInsn *d)
{
    return d->opsize == 2 ? 14 : 28;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static uint32_t get16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }

static void env_build(const Cpu *cpu, const DecodedInsn *d, uint8_t *b)
{
    const FpuState *f = &cpu->fpu;
    bool real = env_real(cpu);
    /* in real mode the pointers are 20/32-bit linear addresses */
    uint32_t ip = real ? (uint32_t)(f->fcs * 16u + f->fip) : (uint32_t)f->fip;
    uint32_t dp = real ? (uint32_t)(f->fds * 16u + f->fdp) : (uint32_t)f->fdp;
    uint32_t op = f->fop & 0x7ffu;
    memset(b, 0, 28);
    if (d->opsize == 2) {
        put16(b + 0, f->fcw);
        put16(b + 2, f->fsw);
        put16(b + 4, f->ftw);
        put16(b + 6, ip);
        if (real) {
            put16(b + 8, ((ip >> 16) & 0xf) << 12 | op);
            put16(b + 10, dp);
            put16(b + 12, ((dp >> 16) & 0xf) << 12);
        } else {
            put16(b + 8, f->fcs);
            put16(b + 10, dp);
            put16(b + 12, f->fds);
        }
        return;
    }
    put32(b + 0, 0xffff0000u | f->fcw);
    put32(b + 4, 0xffff0000u | f->fsw);
    put32(b + 8, 0xffff0000u | f->ftw);
    if (real) {
        put32(b + 12, 0xffff0000u | (ip & 0xffff));
        put32(b + 16, (ip >> 16) << 12 | op);
        put32(b + 20, 0xffff0000u | (dp & 0xffff));
        put32(b + 24, (dp >> 16) << 12);
    } else {
        put32(b + 12, ip);
        put32(b + 16, op << 16 | f->fcs);
        put32(b + 20, dp);
        put32(b + 24, 0xffff0000u | f->fds);
    }
}

/* Load an environment image. Non-empty tags are re-derived from the
 * register contents, as the hardware keeps only an abridged tag. */
static void env_load(Cpu *cpu, const DecodedInsn *d, const uint8_t *b)
{
    FpuState *f = &cpu->fpu;
    bool real = env_real(cpu);
    uint16_t tw;
    if (d->opsize == 2) {
        f->fcw = (uint16_t)((get16(b) & 0x1f3f) | 0x40);
        f->fsw = (uint16_t)get16(b + 2);
        tw = (uint16_t)get16(b + 4);
        if (real) {
            f->fip = get16(b + 6) | (get16(b + 8) >> 12) << 16;
            f->fop = (uint16_t)(get16(b + 8) & 0x7ff);
            f->fdp = get16(b + 10) | (get16(b + 12) >> 12) << 16;
            f->fcs = f->fds = 0;
        } else {
            f->fip = get16(b + 6);
            f->fcs = (uint16_t)get16(b + 8);
            f->fdp = get16(b + 10);
            f->fds = (uint16_t)get16(b + 12);
        }
    } else {
        f->fcw = (uint16_t)((get16(b) & 0x1f3f) | 0x40);
        f->fsw = (uint16_t)get16(b + 4);
        tw = (uint16_t)get16(b + 8);
        if (real) {
            f->fip = get16(b + 12) | (get32(b + 16) >> 12) << 16;
            f->fop = (uint16_t)(get32(b + 16) & 0x7ff);
            f->fdp = get16(b + 20) | (get32(b + 24) >> 12) << 16;
            f->fcs = f->fds = 0;
        } else {
            f->fip = get32(b + 12);
            f->fcs = (uint16_t)get16(b + 16);
            f->fop = (uint16_t)(get16(b + 18) & 0x7ff);
            f->fdp = get32(b + 20);
            f->fds = (uint16_t)get16(b + 24);
        }
    }
    uint8_t abridged = 0;
    for (unsigned p = 0; p < 8; p++)
        if (((tw >> (2 * p)) & 3) != TAG_EMPTY)
            abridged |= (uint8_t)(1u << p);
    x87_load_abridged_tags(f, abridged);
    x87_update_es(f);
}

/* FNSTENV m14/28byte: store, then mask all exceptions (SDM Vol.2A FSTENV) */
SimStatus op_fnstenv_M(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, false);
    if (st)
        return st;
    uint8_t b[28];
    env_build(cpu, d, b);
    st = cpu_write(cpu, d->seg, insn_ea(cpu, d), env_size(d), b);
    if (st)
        return st;
    cpu->fpu.fcw |= FCW_MASKS;
    x87_update_es(&cpu->fpu);
    return ST_OK;
}

/* FLDENV m14/28byte (SDM Vol.2A FLDENV) */
SimStatus op_fldenv_M(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    uint8_t b[28];
    st = cpu_read(cpu, d->seg, insn_ea(cpu, d), env_size(d), b);
    if (st)
        return st;
    env_load(cpu, d, b);
    return ST_OK;
}

/* FNSAVE m94/108byte: environment, ST(0)..ST(7), then FNINIT (SDM Vol.2A
 * FSAVE/FNSAVE) */
SimStatus op_fnsave_M(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, false);
    if (st)
        return st;
    uint8_t b[108];
    unsigned es = env_size(d);
    env_build(cpu, d, b);
    for (unsigned i = 0; i < 8; i++)
        memcpy(b + es + 10 * i, &cpu->fpu.st[x87_phys(&cpu->fpu, i)], 10);
    st = cpu_write(cpu, d->seg, insn_ea(cpu, d), es + 80, b);
    if (st)
        return st;
    x87_init(&cpu->fpu);
    return ST_OK;
}

/* FRSTOR m94/108byte (SDM Vol.2A FRSTOR) */
SimStatus op_frstor_M(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_x87(cpu, true);
    if (st)
        return st;
    uint8_t b[108];
    unsigned es = env_size(d);
    st = cpu_read(cpu, d->seg, insn_ea(cpu, d), es + 80, b);
    if (st)
        return st;
    FpuState *f = &cpu->fpu;
    /* TOP comes from the image's status word: place the registers first */
    unsigned top = (get16(b + (d->opsize == 2 ? 2 : 4)) >> FSW_TOP_SHIFT) & 7;
    for (unsigned i = 0; i < 8; i++) {
        long double v;
        memcpy(&v, b + es + 10 * i, 10);
        f->st[(top + i) & 7] = f80_make(f80_se(&v), f80_mant(&v));
    }
    env_load(cpu, d, b);
    return ST_OK;
}
