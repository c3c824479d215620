/*
 * cpu/tests/test_diff_host.c: differential test of the integer instruction
 * set against the host CPU.
 *
 * Every form below is executed twice on the same deterministic-seeded
 * random inputs: natively, in a generated code buffer that loads all GPRs
 * and RFLAGS from a state block, runs the instruction and stores them back;
 * and in vmxsim (decoder + handlers + memory layer on the unit fixture in
 * 64-bit mode). Registers, memory and the defined flags must agree.
 *
 * Flags the SDM calls undefined for an instruction are masked through
 * diff_undef() below, which cites each instruction page. Results the SDM
 * calls undefined (SHLD/SHRD of a word by more than 16, BSWAP of a word)
 * are not generated. Forms whose CPUID feature the host lacks are skipped
 * at run time. Only user-mode forms without stack or control transfers run
 * here; those have table tests (test_ops_data.c, test_ops_branch.c).
 *
 * Memory operands point into a 1 KiB buffer: a host buffer natively,
 * FX_DATA in vmxsim. Registers holding such pointers are compared as
 * offsets from the buffer.
 */
#include "cpu/tests/int_cases.h"

#include <cpuid.h>
#include <string.h>
#include <sys/mman.h>

#define CASES_PER_FORM 2000u
#define BUF_SIZE 1024u
#define FLAGS_CMP (RFLAGS_ARITH | RFLAGS_DF)

/* The state block the native stub loads and stores. */
typedef struct HostState {
    uint64_t r[16];
    uint64_t flags;
} HostState;

enum {
    FAM_ALU,        /* op = ADD..CMP; variant: 0 Gv->Ev reg, 1 Ev mem, 2 Ib (83/80), 3 Iz (81/80) */
    FAM_UNARY,      /* op = ModRM.reg of F6/F7 (2 NOT, 3 NEG) or FE/FF (0 INC, 1 DEC) */
    FAM_TEST,       /* TEST Ev,Gv */
    FAM_SHIFT,      /* op = group 2 /n; variant 0 CL, 1 Ib, 2 by 1 */
    FAM_SHXD,       /* op 0 SHLD, 1 SHRD; variant 0 CL, 1 Ib */
    FAM_MULDIV,     /* op = F6/F7 /4../7 */
    FAM_IMUL,       /* variant 0 0F AF, 1 6B Ib, 2 69 Iz */
    FAM_BT,         /* op 0 BT 1 BTS 2 BTR 3 BTC; variant 0 reg, 1 Ib, 2 mem with reg offset */
    FAM_BITSCAN,    /* op 0 BSF 1 BSR 2 TZCNT 3 LZCNT 4 POPCNT */
    FAM_VEX,        /* op = BMI_* */
    FAM_ADX,        /* op 0 ADCX, 1 ADOX */
    FAM_STRING,     /* op = A4..AF (even); variant 0 none, 1 F3, 2 F2 */
    FAM_MOVX,       /* op 0 MOVZX b, 1 MOVZX w, 2 MOVSX b, 3 MOVSX w, 4 MOVSXD */
    FAM_XCHG,       /* op 0 XCHG, 1 XADD, 2 CMPXCHG; variant 0 reg, 1 mem */
    FAM_CMOV,       /* op = cc */
    FAM_SETCC,      /* op = cc */
    FAM_MISC,       /* op = MISC_* */
};

enum { BMI_ANDN, BMI_BEXTR, BMI_BLSI, BMI_BLSMSK, BMI_BLSR, BMI_BZHI, BMI_MULX,
       BMI_PDEP, BMI_PEXT, BMI_RORX, BMI_SARX, BMI_SHLX, BMI_SHRX, BMI_COUNT };
enum { MISC_BSWAP, MISC_CBW, MISC_CWD, MISC_LAHF, MISC_SAHF, MISC_CMC, MISC_CLC,
       MISC_STC, MISC_MOVBE_LOAD, MISC_MOVBE_STORE, MISC_LEA, MISC_COUNT };
enum { HF_NONE, HF_BMI1, HF_BMI2, HF_ADX, HF_ABM, HF_POPCNT, HF_MOVBE };

typedef struct Form {
    char name[40];
    uint8_t fam, op, size, variant;
    uint8_t reg, rm;        /* registers for the ModRM fields */
    uint8_t feat;           /* HF_* */
} Form;

typedef struct Bytes {
    uint8_t b[15];
    unsigned n;
} Bytes;

typedef struct DiffCtx {
    IcState ic;
    uint8_t *code;          /* RWX page for the native stub */
    uint8_t *hostbuf;       /* native memory operand buffer */
    uint64_t rng;
    bool host_feat[7];
} DiffCtx;

/* ---- deterministic inputs ------------------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* (Vigna 2016), seeded per form. */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Random values biased toward the boundaries that decide flags. */
static uint64_t rnd_val(uint64_t *s)
{
    static const uint64_t edge[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
        0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
        0x8000000000000000ull, ~0ull, ~1ull, 0xf, 0x10, 0x9, 0x99,
    };
    uint64_t r = rng_next(s);
    switch (r & 7) {
    case 0: return edge[(r >> 8) % G_N_ELEMENTS(edge)];
    case 1: return (r >> 8) & 0xff;
    case 2: return -(uint64_t)((r >> 8) & 0xff);
    default: return rng_next(s);
    }
}

/* ---- encoding ---------------------------------------------------------- */

static void put(Bytes *b, uint8_t v)
{
    g_assert(b->n < sizeof(b->b));
    b->b[b->n++] = v;
}

static void put_imm(Bytes *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put(b, (uint8_t)(v >> (8 * i)));
}

/* Legacy/REX prefix, opcode (map 0, 0x0f, 0x0f38) and ModRM. rm = 0xff
 * means the memory operand [rbx]. */
static void enc(Bytes *b, unsigned size, uint8_t pre, unsigned map, uint8_t opc,
                unsigned reg, unsigned rm)
{
    if (size == 2)
        put(b, 0x66);
    if (pre)
        put(b, pre);
    bool mem = rm == 0xff;
    uint8_t rex = (size == 8 ? 0x48 : 0) | ((reg & 8) ? 0x44 : 0) |
                  (!mem && (rm & 8) ? 0x41 : 0);
    if (rex)
        put(b, rex | 0x40);
    if (map)
        put(b, 0x0f);
    if (map == 0x38)
        put(b, 0x38);
    put(b, opc);
    put(b, mem ? (uint8_t)(((reg & 7) << 3) | 3) : (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* Three-byte VEX (SDM Vol.2A 2.3.5): map 2 = 0F38, 3 = 0F3A; pp 0 none,
 * 1 66, 2 F3, 3 F2. */
static void enc_vex(Bytes *b, unsigned map, unsigned pp, bool w, unsigned vvvv,
                    uint8_t opc, unsigned reg, unsigned rm)
{
    put(b, 0xc4);
    put(b, (uint8_t)((!(reg & 8) << 7) | (1 << 6) | (!(rm & 8) << 5) | map));
    put(b, (uint8_t)((w << 7) | ((~vvvv & 15) << 3) | pp));
    put(b, opc);
    put(b, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* ---- the undefined-flag table ------------------------------------------- */

/* Flags the SDM leaves undefined for this form and count (0 = count not
 * relevant). */
static uint64_t diff_undef(const Form *f, unsigned count)
{
    const uint64_t A = RFLAGS_AF, O = RFLAGS_OF, C = RFLAGS_CF, S = RFLAGS_SF,
                   Z = RFLAGS_ZF, P = RFLAGS_PF;
    unsigned bits = f->size * 8;
    switch (f->fam) {
    case FAM_ALU:
        /* AND/OR/XOR: "The state of the AF flag is undefined." */
        return (f->op == 1 || f->op == 4 || f->op == 6) ? A : 0;
    case FAM_TEST:
        return A;                                   /* Vol.2B TEST */
    case FAM_SHIFT:
        /* Vol.2B SAL/SAR/SHL/SHR "Flags Affected": count 0 affects no flag;
         * OF defined only for 1-bit shifts; AF undefined for a non-zero
         * count; CF undefined for SHL/SHR with count >= the operand size.
         * Rotates (Vol.2B RCL/RCR/ROL/ROR): OF defined only for 1-bit
         * rotates. */
        if (count == 0)
            return 0;
        if (f->op < 4)
            return count == 1 ? 0 : O;
        return A | (count == 1 ? 0 : O) |
               ((f->op != 7 && count >= bits) ? C : 0);
    case FAM_SHXD:
        /* Vol.2B SHLD/SHRD: count 0 none; OF only for 1-bit shifts; AF
         * undefined. */
        return count == 0 ? 0 : A | (count == 1 ? 0 : O);
    case FAM_MULDIV:
        /* Vol.2B MUL, Vol.2A IMUL: SF ZF AF PF undefined; Vol.2A DIV/IDIV:
         * CF OF SF ZF AF PF undefined. */
        return f->op < 6 ? (S | Z | A | P) : RFLAGS_ARITH;
    case FAM_IMUL:
        return S | Z | A | P;
    case FAM_BT:
        return O | S | A | P;                        /* Vol.2A BT..BTS */
    case FAM_BITSCAN:
        switch (f->op) {
        case 0: case 1: return C | O | S | A | P;    /* Vol.2A BSF/BSR */
        case 4: return 0;                            /* Vol.2B POPCNT */
        default: return O | S | A | P;               /* TZCNT, LZCNT */
        }
    case FAM_VEX:
        switch (f->op) {
        case BMI_BEXTR: return A | S | P;            /* Vol.2A BEXTR */
        case BMI_ANDN: case BMI_BLSI: case BMI_BLSMSK: case BMI_BLSR:
        case BMI_BZHI: return A | P;                 /* ANDN, BLS*, BZHI */
        default: return 0;                           /* no flags affected */
        }
    case FAM_MISC:
        return 0;
    default:
        return 0;
    }
}

/* ---- building a case ----------------------------------------------------- */

static const uint8_t gregs[] = { 0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

typedef struct Case {
    Bytes code;
    HostState in;
    uint8_t mem[BUF_SIZE];
    uint16_t ptr_regs;      /* registers holding buffer offsets */
    uint64_t undef;
    bool skip;
} Case;

static void set_ptr(Case *c, unsigned reg, uint64_t off)
{
    c->in.r[reg] = off;
    c->ptr_regs |= (uint16_t)(1u << reg);
}

static void make_case(const Form *f, uint64_t *s, Case *c)
{
    memset(c, 0, sizeof(*c));
    for (unsigned r = 0; r < 16; r++)
        c->in.r[r] = rnd_val(s);
    c->in.r[R_RSP] = 0;
    for (unsigned i = 0; i < BUF_SIZE; i += 8) {
        uint64_t v = rnd_val(s);
        memcpy(c->mem + i, &v, 8);
    }
    c->in.flags = rng_next(s) & RFLAGS_ARITH;
    Bytes *b = &c->code;
    unsigned sz = f->size, count = 0;
    bool mem = false;

    switch (f->fam) {
    case FAM_ALU:
        switch (f->variant) {
        case 0: enc(b, sz, 0, 0, (uint8_t)(f->op * 8 + (sz > 1)), f->reg, f->rm); break;
        case 1: enc(b, sz, 0, 0, (uint8_t)(f->op * 8 + (sz > 1)), f->reg, 0xff); mem = true; break;
        case 2:
            enc(b, sz, 0, 0, sz == 1 ? 0x80 : 0x83, f->op, f->rm);
            put_imm(b, rnd_val(s), 1);
            break;
        default:
            enc(b, sz, 0, 0, sz == 1 ? 0x80 : 0x81, f->op, f->rm);
            put_imm(b, rnd_val(s), sz == 1 ? 1 : sz == 2 ? 2 : 4);
            break;
        }
        break;
    case FAM_UNARY:
        enc(b, sz, 0, 0, f->op < 2 ? (sz == 1 ? 0xfe : 0xff) : (sz == 1 ? 0xf6 : 0xf7),
            f->op, f->variant ? 0xff : f->rm);
        mem = f->variant;
        break;
    case FAM_TEST:
        enc(b, sz, 0, 0, sz == 1 ? 0x84 : 0x85, f->reg, f->rm);
        break;
    case FAM_SHIFT: {
        uint64_t raw = rng_next(s) % 3 ? rng_next(s) % 72 : rng_next(s) & 0xff;
        uint8_t opc = f->variant == 0 ? 0xd2 : f->variant == 1 ? 0xc0 : 0xd0;
        enc(b, sz, 0, 0, (uint8_t)(opc + (sz > 1)), f->op, f->rm);
        if (f->variant == 0)
            c->in.r[R_RCX] = (c->in.r[R_RCX] & ~0xffull) | (raw & 0xff);
        else if (f->variant == 1)
            put_imm(b, raw, 1);
        else
            raw = 1;
        count = (unsigned)raw & (sz == 8 ? 63 : 31);
        break;
    }
    case FAM_SHXD: {
        unsigned raw = (unsigned)(rng_next(s) % 3 ? rng_next(s) % 72 : rng_next(s) & 0xff);
        count = raw & (sz == 8 ? 63 : 31);
        /* SHLD/SHRD: "If the count is greater than the operand size, the
         * result is undefined" (Vol.2B SHLD). */
        if (count > sz * 8)
            c->skip = true;
        enc(b, sz, 0, 0x0f, (uint8_t)((f->op ? 0xac : 0xa4) + (f->variant == 0)), f->reg, f->rm);
        if (f->variant == 0)
            c->in.r[R_RCX] = (c->in.r[R_RCX] & ~0xffull) | raw;
        else
            put_imm(b, raw, 1);
        break;
    }
    case FAM_MULDIV: {
        enc(b, sz, 0, 0, sz == 1 ? 0xf6 : 0xf7, f->op, f->rm);
        if (f->op >= 6) {
            /* Generate non-faulting division inputs (#DE is a table test). */
            uint64_t m = size_mask(sz);
            uint64_t dv = c->in.r[f->rm] & m;
            if (sz == 1 && f->rm >= 4 && f->rm < 8)
                dv = (c->in.r[f->rm - 4] >> 8) & 0xff;
            unsigned __int128 n = sz == 1 ? (c->in.r[R_RAX] & 0xffff)
                : ((unsigned __int128)(c->in.r[R_RDX] & m) << (sz * 8)) | (c->in.r[R_RAX] & m);
            if (dv == 0) {
                c->skip = true;
            } else if (f->op == 6) {
                c->skip = n / dv > m;
            } else {
                unsigned sh = 128 - 2 * sz * 8;
                __int128 sn = (__int128)(n << sh) >> sh;
                __int128 q = sn / sext(dv, sz * 8);
                c->skip = q < -((__int128)1 << (sz * 8 - 1)) || q > ((__int128)1 << (sz * 8 - 1)) - 1;
            }
        }
        break;
    }
    case FAM_IMUL:
        if (f->variant == 0) {
            enc(b, sz, 0, 0x0f, 0xaf, f->reg, f->rm);
        } else if (f->variant == 1) {
            enc(b, sz, 0, 0, 0x6b, f->reg, f->rm);
            put_imm(b, rnd_val(s), 1);
        } else {
            enc(b, sz, 0, 0, 0x69, f->reg, f->rm);
            put_imm(b, rnd_val(s), sz == 2 ? 2 : 4);
        }
        break;
    case FAM_BT:
        if (f->variant == 1) {
            enc(b, sz, 0, 0x0f, 0xba, 4 + f->op, f->rm);
            put_imm(b, rng_next(s), 1);
        } else {
            static const uint8_t opc[] = { 0xa3, 0xab, 0xb3, 0xbb };
            enc(b, sz, 0, 0x0f, opc[f->op], f->reg, f->variant == 2 ? 0xff : f->rm);
            if (f->variant == 2) {
                /* A signed bit offset reaching +-2 KiB bits around [rbx]. */
                mem = true;
                c->in.r[f->reg] = (uint64_t)((int64_t)(rng_next(s) % 4096) - 2048);
            }
        }
        break;
    case FAM_BITSCAN: {
        static const uint8_t opc[] = { 0xbc, 0xbd, 0xbc, 0xbd, 0xb8 };
        enc(b, sz, f->op >= 2 ? 0xf3 : 0, 0x0f, opc[f->op], f->reg, f->rm);
        break;
    }
    case FAM_VEX: {
        bool w = sz == 8;
        unsigned v = f->reg == 1 ? 2 : 1;   /* vvvv register != reg */
        switch (f->op) {
        case BMI_ANDN: enc_vex(b, 2, 0, w, v, 0xf2, f->reg, f->rm); break;
        case BMI_BEXTR: enc_vex(b, 2, 0, w, v, 0xf7, f->reg, f->rm); break;
        case BMI_BLSI: enc_vex(b, 2, 0, w, f->reg, 0xf3, 3, f->rm); break;
        case BMI_BLSMSK: enc_vex(b, 2, 0, w, f->reg, 0xf3, 2, f->rm); break;
        case BMI_BLSR: enc_vex(b, 2, 0, w, f->reg, 0xf3, 1, f->rm); break;
        case BMI_BZHI: enc_vex(b, 2, 0, w, v, 0xf5, f->reg, f->rm); break;
        case BMI_MULX: enc_vex(b, 2, 3, w, v, 0xf6, f->reg, f->rm); break;
        case BMI_PDEP: enc_vex(b, 2, 3, w, v, 0xf5, f->reg, f->rm); break;
        case BMI_PEXT: enc_vex(b, 2, 2, w, v, 0xf5, f->reg, f->rm); break;
        case BMI_RORX:
            enc_vex(b, 3, 3, w, 0, 0xf0, f->reg, f->rm);
            put_imm(b, rng_next(s), 1);
            break;
        case BMI_SARX: enc_vex(b, 2, 2, w, v, 0xf7, f->reg, f->rm); break;
        case BMI_SHLX: enc_vex(b, 2, 1, w, v, 0xf7, f->reg, f->rm); break;
        default: enc_vex(b, 2, 3, w, v, 0xf7, f->reg, f->rm); break;
        }
        if (f->op == BMI_BEXTR || f->op == BMI_BZHI)
            c->in.r[v] = (c->in.r[v] & ~0xffffull) | (rng_next(s) % 80) | ((rng_next(s) % 80) << 8);
        break;
    }
    case FAM_ADX:
        put(b, f->op ? 0xf3 : 0x66);
        if (sz == 8 || (f->reg & 8) || (f->rm & 8))
            put(b, (uint8_t)(0x40 | (sz == 8 ? 8 : 0) | ((f->reg & 8) ? 4 : 0) | ((f->rm & 8) ? 1 : 0)));
        put(b, 0x0f);
        put(b, 0x38);
        put(b, 0xf6);
        put(b, (uint8_t)(0xc0 | ((f->reg & 7) << 3) | (f->rm & 7)));
        break;
    case FAM_STRING: {
        if (f->variant)
            put(b, f->variant == 1 ? 0xf3 : 0xf2);
        if (sz == 2)
            put(b, 0x66);
        if (sz == 8)
            put(b, 0x48);
        put(b, (uint8_t)(f->op + (sz > 1)));
        set_ptr(c, R_RSI, 384 + rng_next(s) % 256);
        set_ptr(c, R_RDI, 384 + rng_next(s) % 256);
        c->in.r[R_RCX] = rng_next(s) % 41;
        if (rng_next(s) & 1)
            c->in.flags |= RFLAGS_DF;
        /* Make equal runs likely so REPE/REPNE stop at varied points. */
        if (rng_next(s) & 1)
            memmove(c->mem + (c->in.r[R_RDI] & ~7ull) - 64, c->mem + (c->in.r[R_RSI] & ~7ull) - 64, 128);
        if (rng_next(s) & 1)
            memset(&c->in.r[R_RAX], (int)c->mem[c->in.r[R_RDI]], 8);
        break;
    }
    case FAM_MOVX: {
        static const uint8_t opc[] = { 0xb6, 0xb7, 0xbe, 0xbf };
        if (f->op == 4)
            enc(b, sz, 0, 0, 0x63, f->reg, f->variant ? 0xff : f->rm);
        else
            enc(b, sz, 0, 0x0f, opc[f->op], f->reg, f->variant ? 0xff : f->rm);
        mem = f->variant;
        break;
    }
    case FAM_XCHG: {
        uint8_t opc = f->op == 0 ? 0x86 : f->op == 1 ? 0xc0 : 0xb0;
        enc(b, sz, 0, f->op ? 0x0f : 0, (uint8_t)(opc + (sz > 1)), f->reg, f->variant ? 0xff : f->rm);
        mem = f->variant;
        if (f->op == 2 && (rng_next(s) & 1)) {
            /* CMPXCHG: make the comparison succeed half of the time. */
            uint64_t dst = c->in.r[f->rm];
            if (f->variant)
                memcpy(&dst, c->mem + 64, 8);
            else if (sz == 1 && f->rm >= 4 && f->rm < 8)
                dst = c->in.r[f->rm - 4] >> 8;
            c->in.r[R_RAX] = (c->in.r[R_RAX] & ~size_mask(sz)) | (dst & size_mask(sz));
        }
        break;
    }
    case FAM_CMOV:
        enc(b, sz, 0, 0x0f, (uint8_t)(0x40 + f->op), f->reg, f->variant ? 0xff : f->rm);
        mem = f->variant;
        break;
    case FAM_SETCC:
        enc(b, 1, 0, 0x0f, (uint8_t)(0x90 + f->op), 0, f->rm);
        break;
    case FAM_MISC:
        switch (f->op) {
        case MISC_BSWAP:
            if (sz == 8 || (f->rm & 8))
                put(b, (uint8_t)(0x40 | (sz == 8 ? 8 : 0) | ((f->rm & 8) ? 1 : 0)));
            put(b, 0x0f);
            put(b, (uint8_t)(0xc8 + (f->rm & 7)));
            break;
        case MISC_CBW: case MISC_CWD:
            if (sz == 2)
                put(b, 0x66);
            if (sz == 8)
                put(b, 0x48);
            put(b, f->op == MISC_CBW ? 0x98 : 0x99);
            break;
        case MISC_LAHF: put(b, 0x9f); break;
        case MISC_SAHF: put(b, 0x9e); break;
        case MISC_CMC: put(b, 0xf5); break;
        case MISC_CLC: put(b, 0xf8); break;
        case MISC_STC: put(b, 0xf9); break;
        case MISC_MOVBE_LOAD: enc(b, sz, 0, 0x38, 0xf0, f->reg, 0xff); mem = true; break;
        case MISC_MOVBE_STORE: enc(b, sz, 0, 0x38, 0xf1, f->reg, 0xff); mem = true; break;
        default:  /* LEA reg, [rbx + rm*4 + disp8] */
            enc(b, sz, 0, 0, 0x8d, f->reg, 0xff);
            b->b[b->n - 1] = (uint8_t)(((f->reg & 7) << 3) | 0x44);
            put(b, (uint8_t)(0x83 | ((f->rm & 7) << 3)));
            put(b, (uint8_t)rng_next(s));
            break;
        }
        break;
    }
    /* [rbx]: unaligned near the start; BT's bit offsets reach 256 bytes
     * either side; CMPXCHG compares the qword at offset 64. */
    if (mem)
        set_ptr(c, R_RBX, f->fam == FAM_BT ? 512 + rng_next(s) % 8
                          : (f->fam == FAM_XCHG && f->op == 2) ? 64 : 64 + rng_next(s) % 8);
    c->undef = diff_undef(f, count);
}

/* ---- native execution ---------------------------------------------------- */

static void emit_ld_st(Bytes *b, uint8_t opc, unsigned r)
{
    put(b, (uint8_t)(0x48 | ((r & 8) ? 4 : 0)));
    put(b, opc);
    put(b, (uint8_t)(0x80 | ((r & 7) << 3) | 7));   /* [rdi + disp32] */
    put_imm(b, r * 8, 4);
}

/* Write the native stub: save callee-saved registers, load the state block
 * (RDI = &state), run the instruction, store everything back, CLD, return. */
static unsigned build_native(uint8_t *out, const Bytes *insn)
{
    static const uint8_t head[] = {
        0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57,  /* push rbx rbp r12-r15 */
        0x57,                                                        /* push rdi */
        0xff, 0xb7, 0x80, 0x00, 0x00, 0x00,                          /* push [rdi+0x80] */
        0x9d,                                                        /* popfq */
    };
    static const uint8_t mid[] = {
        0x9c,                                                        /* pushfq */
        0x48, 0x87, 0x7c, 0x24, 0x08,                                /* xchg rdi,[rsp+8] */
        0x8f, 0x87, 0x80, 0x00, 0x00, 0x00,                          /* pop [rdi+0x80] */
        0x8f, 0x87, 0x38, 0x00, 0x00, 0x00,                          /* pop [rdi+0x38] */
    };
    static const uint8_t tail[] = {
        0xfc,                                                        /* cld */
        0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b,  /* pop r15-r12 rbp rbx */
        0xc3,
    };
    unsigned n = 0;
    memcpy(out + n, head, sizeof(head));
    n += sizeof(head);
    for (unsigned r = 0; r < 16; r++) {
        if (r == R_RSP || r == R_RDI)
            continue;
        Bytes b = { .n = 0 };
        emit_ld_st(&b, 0x8b, r);
        memcpy(out + n, b.b, b.n);
        n += b.n;
    }
    Bytes ld_rdi = { .n = 0 };
    emit_ld_st(&ld_rdi, 0x8b, R_RDI);
    memcpy(out + n, ld_rdi.b, ld_rdi.n);
    n += ld_rdi.n;
    memcpy(out + n, insn->b, insn->n);
    n += insn->n;
    memcpy(out + n, mid, sizeof(mid));
    n += sizeof(mid);
    for (unsigned r = 0; r < 16; r++) {
        if (r == R_RSP || r == R_RDI)
            continue;
        Bytes b = { .n = 0 };
        emit_ld_st(&b, 0x89, r);
        memcpy(out + n, b.b, b.n);
        n += b.n;
    }
    memcpy(out + n, tail, sizeof(tail));
    n += sizeof(tail);
    return n;
}

static void run_native(DiffCtx *x, const Case *c, HostState *out)
{
    *out = c->in;
    for (unsigned r = 0; r < 16; r++)
        if (c->ptr_regs & (1u << r))
            out->r[r] += (uint64_t)(uintptr_t)x->hostbuf;
    memcpy(x->hostbuf, c->mem, BUF_SIZE);
    build_native(x->code, &c->code);
    __builtin___clear_cache((char *)x->code, (char *)x->code + 512);
    void (*fn)(HostState *) = (void (*)(HostState *))(void *)x->code;
    fn(out);
    for (unsigned r = 0; r < 16; r++)
        if (c->ptr_regs & (1u << r))
            out->r[r] -= (uint64_t)(uintptr_t)x->hostbuf;
}

/* ---- vmxsim execution ---------------------------------------------------- */

static bool run_sim(DiffCtx *x, const Case *c, HostState *out, uint8_t *mem)
{
    Fixture *fx = x->ic.fx;
    Cpu *cpu = &fx->cpu;
    for (unsigned r = 0; r < 16; r++)
        if (r != R_RSP)
            cpu->gpr[r] = c->in.r[r] + ((c->ptr_regs & (1u << r)) ? FX_DATA : 0);
    cpu->rflags = RFLAGS_FIXED1 | c->in.flags;
    for (unsigned i = 0; i < BUF_SIZE; i += 8) {
        uint64_t v;
        memcpy(&v, c->mem + i, 8);
        fixture_write_phys(fx, FX_DATA + i, 8, v);
    }
    fixture_load_code(fx, c->code.b, c->code.n);
    SimStatus st = ST_OK;
    for (unsigned i = 0; i < 64 && cpu->rip == FX_CODE && st == ST_OK; i++)
        st = ic_step(&x->ic);
    if (st != ST_OK || cpu->rip != FX_CODE + c->code.n)
        return false;
    for (unsigned r = 0; r < 16; r++)
        out->r[r] = cpu->gpr[r] - ((c->ptr_regs & (1u << r)) ? FX_DATA : 0);
    out->flags = cpu->rflags;
    for (unsigned i = 0; i < BUF_SIZE; i += 8) {
        uint64_t v = fixture_read_phys(fx, FX_DATA + i, 8);
        memcpy(mem + i, &v, 8);
    }
    return true;
}

/* ---- the forms -------------------------------------------------------- */

static void add_form(GArray *a, const char *name, unsigned fam, unsigned op,
                     unsigned size, unsigned variant, unsigned feat)
{
    Form f = { .fam = (uint8_t)fam, .op = (uint8_t)op, .size = (uint8_t)size,
               .variant = (uint8_t)variant, .feat = (uint8_t)feat };
    unsigned k = a->len;
    /* Vary the registers with the form; byte forms stay below 8 without
     * REX so 4-7 are AH..BH; memory forms keep RBX as the base. */
    if (size == 1) {
        static const uint8_t b8[] = { 0, 1, 2, 4, 5, 6 };   /* not BL/BH: RBX may be the base */
        f.reg = b8[k % 6];
        f.rm = b8[(k * 5 + 1) % 6];
    } else {
        f.reg = gregs[k % G_N_ELEMENTS(gregs)];
        f.rm = gregs[(k * 5 + 3) % G_N_ELEMENTS(gregs)];
    }
    if (fam == FAM_MISC && op == MISC_LEA)
        f.rm = f.rm & 7;
    g_snprintf(f.name, sizeof(f.name), "%s/%u/v%u", name, size * 8, variant);
    g_array_append_val(a, f);
}

static GArray *all_forms(void)
{
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    static const char *alu[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
    static const char *sh[] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
    static const char *md[] = { "mul", "imul", "div", "idiv" };
    static const char *bt[] = { "bt", "bts", "btr", "btc" };
    static const char *scan[] = { "bsf", "bsr", "tzcnt", "lzcnt", "popcnt" };
    static const uint8_t scan_feat[] = { HF_NONE, HF_NONE, HF_BMI1, HF_ABM, HF_POPCNT };
    static const char *bmi[] = { "andn", "bextr", "blsi", "blsmsk", "blsr", "bzhi", "mulx",
                                 "pdep", "pext", "rorx", "sarx", "shlx", "shrx" };
    static const char *str[] = { "movs", "cmps", 0, "stos", "lods", "scas" };
    static const uint8_t str_op[] = { 0xa4, 0xa6, 0, 0xaa, 0xac, 0xae };
    static const char *movx[] = { "movzxb", "movzxw", "movsxb", "movsxw", "movsxd" };
    static const char *xchg[] = { "xchg", "xadd", "cmpxchg" };
    static const char *misc[] = { "bswap", "cbw", "cwd", "lahf", "sahf", "cmc", "clc", "stc",
                                  "movbe-ld", "movbe-st", "lea" };
    GArray *a = g_array_new(false, true, sizeof(Form));
    for (unsigned s = 0; s < 4; s++) {
        unsigned z = sizes[s];
        for (unsigned op = 0; op < 8; op++)
            for (unsigned v = 0; v < 4; v++)
                add_form(a, alu[op], FAM_ALU, op, z, v, HF_NONE);
        add_form(a, "inc", FAM_UNARY, 0, z, 0, HF_NONE);
        add_form(a, "dec", FAM_UNARY, 1, z, 1, HF_NONE);
        add_form(a, "not", FAM_UNARY, 2, z, 0, HF_NONE);
        add_form(a, "neg", FAM_UNARY, 3, z, 1, HF_NONE);
        add_form(a, "neg", FAM_UNARY, 3, z, 0, HF_NONE);
        add_form(a, "test", FAM_TEST, 0, z, 0, HF_NONE);
        for (unsigned op = 0; op < 8; op++)
            for (unsigned v = 0; v < 3; v++)
                add_form(a, sh[op], FAM_SHIFT, op, z, v, HF_NONE);
        for (unsigned op = 0; op < 4; op++)
            add_form(a, md[op], FAM_MULDIV, op + 4, z, 0, HF_NONE);
        for (unsigned op = 0; op < 6; op++)
            if (str[op])
                for (unsigned v = 0; v < ((op == 1 || op == 5) ? 3u : 2u); v++)
                    add_form(a, str[op], FAM_STRING, str_op[op], z, v, HF_NONE);
        add_form(a, "xchg", FAM_XCHG, 0, z, 0, HF_NONE);
        for (unsigned op = 0; op < 3; op++)
            add_form(a, xchg[op], FAM_XCHG, op, z, 1, HF_NONE);
        add_form(a, "xadd", FAM_XCHG, 1, z, 0, HF_NONE);
        add_form(a, "cmpxchg", FAM_XCHG, 2, z, 0, HF_NONE);
        if (z == 1)
            continue;
        for (unsigned op = 0; op < 2; op++)
            for (unsigned v = 0; v < 2; v++)
                add_form(a, op ? "shrd" : "shld", FAM_SHXD, op, z, v, HF_NONE);
        for (unsigned v = 0; v < 3; v++)
            add_form(a, "imul", FAM_IMUL, 0, z, v, HF_NONE);
        for (unsigned op = 0; op < 4; op++)
            for (unsigned v = 0; v < 3; v++)
                add_form(a, bt[op], FAM_BT, op, z, v, HF_NONE);
        for (unsigned op = 0; op < 5; op++)
            add_form(a, scan[op], FAM_BITSCAN, op, z, 0, scan_feat[op]);
        for (unsigned op = 0; op < 5; op++)
            if (op < 4 || z != 2)
                add_form(a, movx[op], FAM_MOVX, op, z, op & 1, HF_NONE);
        for (unsigned cc = 0; cc < 16; cc++)
            add_form(a, "cmovcc", FAM_CMOV, cc, z, cc & 1, HF_NONE);
        add_form(a, "movbe-ld", FAM_MISC, MISC_MOVBE_LOAD, z, 0, HF_MOVBE);
        add_form(a, "movbe-st", FAM_MISC, MISC_MOVBE_STORE, z, 0, HF_MOVBE);
        add_form(a, "cbw", FAM_MISC, MISC_CBW, z, 0, HF_NONE);
        add_form(a, "cwd", FAM_MISC, MISC_CWD, z, 0, HF_NONE);
        add_form(a, "lea", FAM_MISC, MISC_LEA, z, 0, HF_NONE);
        if (z == 2)
            continue;
        add_form(a, "bswap", FAM_MISC, MISC_BSWAP, z, 0, HF_NONE);
        for (unsigned op = 0; op < BMI_COUNT; op++)
            add_form(a, bmi[op], FAM_VEX, op, z, 0,
                     op <= BMI_BLSR ? HF_BMI1 : HF_BMI2);
        add_form(a, "adcx", FAM_ADX, 0, z, 0, HF_ADX);
        add_form(a, "adox", FAM_ADX, 1, z, 0, HF_ADX);
    }
    for (unsigned cc = 0; cc < 16; cc++)
        add_form(a, "setcc", FAM_SETCC, cc, 1, 0, HF_NONE);
    for (unsigned op = MISC_LAHF; op <= MISC_STC; op++)
        add_form(a, misc[op], FAM_MISC, op, 4, 0, HF_NONE);
    return a;
}

static void host_features(DiffCtx *x)
{
    unsigned a, b, c, d;
    x->host_feat[HF_NONE] = true;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        x->host_feat[HF_BMI1] = b & (1u << 3);
        x->host_feat[HF_BMI2] = b & (1u << 8);
        x->host_feat[HF_ADX] = b & (1u << 19);
    }
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        x->host_feat[HF_POPCNT] = c & (1u << 23);
        x->host_feat[HF_MOVBE] = c & (1u << 22);
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d))
        x->host_feat[HF_ABM] = c & (1u << 5);
}

static bool compare(const Form *f, const Case *c, const HostState *h, const HostState *v,
                    const uint8_t *hmem, const uint8_t *vmem, unsigned idx)
{
    bool ok = true;
    for (unsigned r = 0; r < 16; r++)
        if (r != R_RSP && h->r[r] != v->r[r]) {
            print_error("%s case %u: reg %u host %#llx sim %#llx\n", f->name, idx, r,
                        (unsigned long long)h->r[r], (unsigned long long)v->r[r]);
            ok = false;
        }
    uint64_t m = FLAGS_CMP & ~c->undef;
    if ((h->flags & m) != (v->flags & m)) {
        print_error("%s case %u: flags host %#llx sim %#llx (in %#llx, mask %#llx)\n", f->name,
                    idx, (unsigned long long)(h->flags & m), (unsigned long long)(v->flags & m),
                    (unsigned long long)c->in.flags, (unsigned long long)m);
        ok = false;
    }
    if (memcmp(hmem, vmem, BUF_SIZE)) {
        print_error("%s case %u: memory differs\n", f->name, idx);
        ok = false;
    }
    if (!ok) {
        GString *s = g_string_new("");
        for (unsigned i = 0; i < c->code.n; i++)
            g_string_append_printf(s, "%02x ", c->code.b[i]);
        print_error("  bytes: %s\n", s->str);
        for (unsigned r = 0; r < 16; r++)
            print_error("  in r%u = %#llx\n", r, (unsigned long long)c->in.r[r]);
        g_string_free(s, true);
    }
    return ok;
}

static int diff_setup(void **state)
{
    DiffCtx *x = g_new0(DiffCtx, 1);
    IcState *ic = NULL;
    ic_setup((void **)&ic);
    x->ic = *ic;
    g_free(ic);
    x->code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (x->code == MAP_FAILED)
        x->code = NULL;
    x->hostbuf = g_malloc0(BUF_SIZE);
    host_features(x);
    fixture_mode_long64(x->ic.fx);
    *state = x;
    return 0;
}

static int diff_teardown(void **state)
{
    DiffCtx *x = *state;
    if (x->code)
        munmap(x->code, 4096);
    g_free(x->hostbuf);
    decode_index_free(x->ic.ix);
    fixture_free(x->ic.fx);
    g_free(x);
    return 0;
}

/* Run every form of families [fam_lo, fam_hi]; print per-family counts. */
static void run_families(void **state, unsigned fam_lo, unsigned fam_hi)
{
    DiffCtx *x = *state;
    if (!x->code)
        skip();
    GArray *forms = all_forms();
    unsigned nforms = 0, nskipped_forms = 0, failures = 0;
    unsigned long ncases = 0;
    Case *c = g_new0(Case, 1);
    uint8_t *vmem = g_malloc(BUF_SIZE);
    for (unsigned i = 0; i < forms->len; i++) {
        const Form *f = &g_array_index(forms, Form, i);
        if (f->fam < fam_lo || f->fam > fam_hi)
            continue;
        if (!x->host_feat[f->feat]) {
            nskipped_forms++;
            continue;
        }
        nforms++;
        uint64_t seed = 0x9e3779b97f4a7c15ull ^ ((uint64_t)i * 0x100000001b3ull) ^ f->fam;
        unsigned form_fail = 0;
        for (unsigned k = 0; k < CASES_PER_FORM && form_fail < 3; k++) {
            make_case(f, &seed, c);
            if (c->skip)
                continue;
            HostState h, v;
            run_native(x, c, &h);
            if (!run_sim(x, c, &v, vmem)) {
                print_error("%s case %u: vmxsim did not complete (fault %d)\n", f->name, k,
                            x->ic.fx->cpu.fault.vector);
                form_fail++;
                continue;
            }
            if (!compare(f, c, &h, &v, x->hostbuf, vmem, k))
                form_fail++;
            ncases++;
        }
        failures += form_fail;
    }
    print_message("# families %u-%u: %u forms, %lu cases, %u forms skipped (host lacks feature)\n",
                  fam_lo, fam_hi, nforms, ncases, nskipped_forms);
    g_free(vmem);
    g_free(c);
    g_array_free(forms, true);
    assert_int_equal(failures, 0);
}

static void test_diff_alu_matches_host(void **state) { run_families(state, FAM_ALU, FAM_TEST); }
static void test_diff_shift_rotate_matches_host(void **state) { run_families(state, FAM_SHIFT, FAM_SHXD); }
static void test_diff_muldiv_matches_host(void **state) { run_families(state, FAM_MULDIV, FAM_IMUL); }
static void test_diff_bit_matches_host(void **state) { run_families(state, FAM_BT, FAM_ADX); }
static void test_diff_string_matches_host(void **state) { run_families(state, FAM_STRING, FAM_STRING); }
static void test_diff_data_matches_host(void **state) { run_families(state, FAM_MOVX, FAM_MISC); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_alu_matches_host),
        cmocka_unit_test(test_diff_shift_rotate_matches_host),
        cmocka_unit_test(test_diff_muldiv_matches_host),
        cmocka_unit_test(test_diff_bit_matches_host),
        cmocka_unit_test(test_diff_string_matches_host),
        cmocka_unit_test(test_diff_data_matches_host),
    };
    return cmocka_run_group_tests_name("diff_host", tests, diff_setup, diff_teardown);
}
