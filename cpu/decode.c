/*
 * cpu/decode.c: the table-driven x86-64 decoder. It expands cpu/insn_all.def
 * into insn_table, indexes the rows by (opcode map, opcode byte) once, and
 * decodes one instruction per SDM Vol.2A ch.2 "Instruction Format": 2.1.1
 * Instruction Prefixes, 2.1.2 Opcodes, 2.1.3 ModR/M and SIB Bytes, 2.1.4
 * Displacement and Immediate Bytes, 2.1.5 Addressing-Mode Encoding of ModR/M
 * and SIB Bytes, 2.2.1 REX Prefixes, 2.2.1.6 RIP-Relative Addressing, 2.3
 * Intel AVX and VEX Encoding, and the operand-size and address-size rules of
 * SDM Vol.1 3.6 "Operand-Size and Address-Size Attributes" and 3.6.1 for
 * 64-bit mode. Operand strings use SDM Vol.2D Appendix A.2 notation.
 */
#include "cpu/decode.h"

#include <glib.h>
#include <string.h>

#include "cpu/internal.h"

const InsnDesc insn_table[] = {
#define INSN(name, map, opcode, constraint, operands, handler, feature, flags) \
    { #name, operands, handler, constraint, flags, map, opcode, feature },
#include "cpu/insn_all.def"
};
const unsigned insn_table_size = sizeof(insn_table) / sizeof(insn_table[0]);

/* Rows of one (map, opcode) slot, most specific first. */
typedef struct DecodeSlot {
    uint16_t first, count;
    bool modrm;
} DecodeSlot;

struct DecodeIndex {
    RowInfo *rows;
    DecodeSlot slot[MAP_COUNT][256];
};

/* ---- operand strings ---- */

/* One token of an operand string: an addressing method and a size (SDM
 * Vol.2D A.2.1, A.2.2), or a register or constant ("AL", "rAX", "1"). */
static bool parse_token(const char *t, size_t n, RowInfo *ri, unsigned *nimm,
                        bool *has_byte, bool *has_wide)
{
    static const char methods[] = "ABCDEFGHIJLMNOPQRSUVWXYZ";
    static const char byte_regs[][3] = { "AL", "CL", "DL", "BL", "AH", "CH", "DH", "BH" };
    char size[8];

    if (n == 0)
        return false;
    if (g_ascii_isupper(t[0]) && (n == 1 || g_ascii_islower(t[1]))) {
        if (!strchr(methods, t[0]) || n - 1 >= sizeof(size))
            return false;
        for (size_t i = 1; i < n; i++)
            if (!g_ascii_islower(t[i]) && !g_ascii_isdigit(t[i]))
                return false;
        memcpy(size, t + 1, n - 1);
        size[n - 1] = 0;
        bool b = strcmp(size, "b") == 0;
        uint8_t imm = IMM_NONE;
        switch (t[0]) {
        case 'E': case 'G': case 'Q': case 'W': case 'P': case 'V': case 'S':
            ri->modrm = true;
            break;
        case 'M':
            ri->modrm = true;
            ri->cons |= C_MOD_MEM;
            break;
        case 'R': case 'U': case 'N':
            ri->modrm = true;
            ri->cons |= C_MOD_REG;
            break;
        case 'C': case 'D':
            ri->modrm = true;
            ri->force_reg = true;
            break;
        case 'B': case 'H':
            ri->vvvv = true;
            break;
        case 'Z':
            ri->zreg = true;
            break;
        case 'I':
            imm = b ? IMM_B : !strcmp(size, "w") ? IMM_W : !strcmp(size, "d") ? IMM_D
                : !strcmp(size, "q") ? IMM_Q : !strcmp(size, "z") ? IMM_Z
                : !strcmp(size, "v") ? IMM_V : IMM_NONE;
            if (imm == IMM_NONE)
                return false;
            break;
        case 'L':
            imm = IMM_B;
            break;
        case 'J':
            imm = b ? IMM_B : (!strcmp(size, "z") || !strcmp(size, "v")) ? IMM_Z : IMM_NONE;
            if (imm == IMM_NONE)
                return false;
            break;
        case 'A':
            if (strcmp(size, "p"))
                return false;
            imm = IMM_AP;
            break;
        case 'O':
            imm = IMM_MOFFS;
            break;
        default:   /* F (flags), X, Y (string operands): no encoding bytes */
            break;
        }
        if (imm != IMM_NONE) {
            if (*nimm == 0)
                ri->imm1 = imm;
            else if (*nimm == 1 && (imm == IMM_B || imm == IMM_W))
                ri->imm2 = imm;
            else
                return false;
            ++*nimm;
        }
        if (strchr("EGMRZOXY", t[0])) {
            if (b)
                *has_byte = true;
            else if (size[0])
                *has_wide = true;
        }
        return true;
    }
    /* A register or constant: letters, digits and ( ) only. */
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isalnum(t[i]) && t[i] != '(' && t[i] != ')')
            return false;
    for (size_t i = 0; i < G_N_ELEMENTS(byte_regs); i++)
        if (n == 2 && !memcmp(t, byte_regs[i], 2))
            *has_byte = true;
    return true;
}

bool decode_row_info(unsigned desc, RowInfo *out)
{
    const InsnDesc *row = &insn_table[desc];
    RowInfo ri = {
        .cons = row->constraint, .desc = (uint16_t)desc, .flags = row->flags,
        .feature = row->feature,
    };
    unsigned nimm = 0;
    bool has_byte = false, has_wide = false;
    const char *p = row->operands;

    if (!row->name || !row->name[0] || !row->handler || row->map >= MAP_COUNT || !p)
        return false;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && p[0] == ' ') { p++; n--; }
        while (n && p[n - 1] == ' ') n--;
        if (!parse_token(p, n, &ri, &nimm, &has_byte, &has_wide))
            return false;
        if (!e)
            break;
        p = e + 1;
    }
    /* A constraint on ModRM fields means the row has a ModRM byte (group
     * opcodes such as 0F 01 /0 and 0F 01 C1 VMCALL); x87 escapes and the
     * three-byte maps always have one (SDM Vol.2A A.3, A.4). */
    if (ri.cons & (C_REG(0) | C_RM(0) | C_MOD_MEM | C_MOD_REG))
        ri.modrm = true;
    if ((row->map == MAP_1B && row->opcode >= 0xd8 && row->opcode <= 0xdf) ||
        row->map == MAP_0F38 || row->map == MAP_0F3A)
        ri.modrm = true;
    if (ri.force_reg)
        ri.cons &= ~(uint32_t)C_MOD_REG;
    if (has_byte && !has_wide)
        ri.flags |= F_BYTEOP;
    /* M and R on one row, or contradicting mod constraints, never match. */
    if ((ri.cons & C_MOD_MEM) && (ri.cons & (C_MOD_REG | C_RM(0))))
        return false;
    *out = ri;
    return true;
}

/* Number of encodings a row matches, over the dimensions its constraints
 * restrict (mod/rm, reg, mandatory prefix, mode, REX.W, VEX.L). A row that
 * matches a strict subset of another row's encodings is tried first. */
static unsigned row_weight(uint32_t c)
{
    unsigned w = (c & C_RM(0)) ? 1 : (c & (C_MOD_MEM | C_MOD_REG)) ? 8 : 16;
    w *= (c & C_REG(0)) ? 1 : 8;
    unsigned np = !!(c & C_PNONE) + !!(c & C_P66) + !!(c & C_PF3) + !!(c & C_PF2);
    w *= np ? np : 4;
    w *= (c & C_ONLY64) ? 1 : (c & C_NO64) ? 2 : 3;
    w *= (c & (C_REXW | C_NOREXW)) ? 1 : 2;
    w *= (c & C_VEXL0) ? 1 : 2;
    return w;
}

static int row_cmp(const void *a, const void *b)
{
    const RowInfo *x = a, *y = b;
    if (x->desc == y->desc)
        return 0;
    unsigned key_x = (unsigned)insn_table[x->desc].map << 8 | insn_table[x->desc].opcode;
    unsigned key_y = (unsigned)insn_table[y->desc].map << 8 | insn_table[y->desc].opcode;
    if (key_x != key_y)
        return key_x < key_y ? -1 : 1;
    unsigned wx = row_weight(x->cons), wy = row_weight(y->cons);
    if (wx != wy)
        return wx < wy ? -1 : 1;
    return x->desc < y->desc ? -1 : 1;
}

DecodeIndex *decode_index_new(void)
{
    DecodeIndex *ix = g_new0(DecodeIndex, 1);
    unsigned n = 0;
    ix->rows = g_new0(RowInfo, insn_table_size ? insn_table_size : 1);
    for (unsigned i = 0; i < insn_table_size; i++)
        if (decode_row_info(i, &ix->rows[n]))
            n++;
    qsort(ix->rows, n, sizeof(RowInfo), row_cmp);
    for (unsigned i = 0; i < n; i++) {
        const InsnDesc *row = &insn_table[ix->rows[i].desc];
        DecodeSlot *s = &ix->slot[row->map][row->opcode];
        if (s->count == 0)
            s->first = (uint16_t)i;
        s->count++;
        s->modrm |= ix->rows[i].modrm;
    }
    return ix;
}

void decode_index_free(DecodeIndex *ix)
{
    if (!ix)
        return;
    g_free(ix->rows);
    g_free(ix);
}

/* ---- decoding ---- */

/* Mandatory-prefix selector (SDM Vol.2A 2.1.2: F2/F3 take precedence over
 * 66 when both appear; of F2 and F3 the last one counts). */
static uint32_t mandatory_bit(uint8_t pfx)
{
    if (pfx & D_REP)
        return C_PF3;
    if (pfx & D_REPNE)
        return C_PF2;
    if (pfx & D_OSIZE)
        return C_P66;
    return C_PNONE;
}

static bool row_matches(const RowInfo *r, const Cpu *cpu, bool m64, bool vex,
                        bool vex_l, bool w, uint32_t mp, unsigned mod,
                        unsigned reg, unsigned rm)
{
    uint32_t c = r->cons;
    if (!!(c & C_VEX) != vex)
        return false;
    if ((c & C_REG(0)) && (c & 7) != reg)
        return false;
    if ((c & C_RM(0)) && (mod != 3 || ((c >> 4) & 7) != rm))
        return false;
    if ((c & C_MOD_MEM) && mod == 3)
        return false;
    if ((c & C_MOD_REG) && mod != 3)
        return false;
    if ((c & (C_PNONE | C_P66 | C_PF3 | C_PF2)) && !(c & mp))
        return false;
    if ((c & C_NO64) && m64)
        return false;
    if ((c & C_ONLY64) && !m64)
        return false;
    if ((c & C_REXW) && !w)
        return false;
    if ((c & C_NOREXW) && w)
        return false;
    if ((c & C_VEXL0) && vex_l)
        return false;
    /* A row whose CPUID feature is absent does not exist: the next, less
     * specific row decodes the bytes (TZCNT without BMI1 is BSF, SDM Vol.2B
     * TZCNT). */
    if (r->feature != FEAT_NONE && cpu && !cpu_has(cpu, (CpuFeature)r->feature))
        return false;
    return true;
}

static uint64_t read_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int64_t sx_bytes(uint64_t v, unsigned n)
{
    unsigned sh = 64 - 8 * n;
    return (int64_t)(v << sh) >> sh;
}

/* Bytes needed so far: more than 15 is #GP(0) (SDM Vol.2A 2.3.11 and 2.1
 * "The maximum length of an Intel 64 and IA-32 instruction remains 15
 * bytes"); more than the caller has means fetch more. */
#define NEED(n)                                      \
    do {                                             \
        if ((n) > 15)                                \
            return DECODE_TOO_LONG;                  \
        if ((n) > avail)                             \
            return DECODE_NEED_MORE;                 \
    } while (0)

DecodeResult decode_insn(const DecodeIndex *ix, const Cpu *cpu, DecodeMode mode,
                         const uint8_t *bytes, unsigned avail, DecodedInsn *d)
{
    const bool m64 = mode.code_size == 8;
    unsigned pos = 0, rex = 0, b;
    int seg_ovr = -1;
    uint8_t pfx = 0;

    /* Legacy prefixes, groups 1-4, in any order (SDM Vol.2A 2.1.1). A REX
     * prefix counts only immediately before the opcode (2.2.1): a legacy
     * prefix after it makes it ignored. */
    for (;;) {
        NEED(pos + 1);
        b = bytes[pos];
        if (m64 && (b & 0xf0) == 0x40) {
            rex = b;
            pos++;
            continue;
        }
        switch (b) {
        case 0xf0: pfx |= D_LOCK; break;
        case 0xf2: pfx = (uint8_t)((pfx & ~D_REP) | D_REPNE); break;
        case 0xf3: pfx = (uint8_t)((pfx & ~D_REPNE) | D_REP); break;
        case 0x66: pfx |= D_OSIZE; break;
        case 0x67: pfx |= D_ASIZE; break;
        /* Segment overrides: the last one wins. In 64-bit mode CS, DS, ES
         * and SS overrides are ignored (SDM Vol.1 3.3.7.1 "Canonical
         * Addressing", Vol.2A 2.1.1 group 2). */
        case 0x26: if (!m64) seg_ovr = SEG_ES; break;
        case 0x2e: if (!m64) seg_ovr = SEG_CS; break;
        case 0x36: if (!m64) seg_ovr = SEG_SS; break;
        case 0x3e: if (!m64) seg_ovr = SEG_DS; break;
        case 0x64: seg_ovr = SEG_FS; break;
        case 0x65: seg_ovr = SEG_GS; break;
        default: goto opcode;
        }
        rex = 0;
        pos++;
    }

opcode:;
    unsigned map = MAP_1B, opcode = b;
    bool vex = false, vex_l = false;
    unsigned vvvv = 0, vex_mp = 0;
    unsigned rex_w = (rex >> 3) & 1, rex_r = (rex >> 2) & 1, rex_x = (rex >> 1) & 1,
             rex_b = rex & 1;

    /* VEX (SDM Vol.2A 2.3.5 "The VEX Prefix"): C4/C5 are VEX in 64-bit mode,
     * and in 16/32-bit protected mode when the next byte has bits 7:6 = 11
     * (otherwise LES/LDS). Not recognised in real-address or virtual-8086
     * mode. */
    if ((b == 0xc4 || b == 0xc5) && !mode.vex_off) {
        NEED(pos + 2);
        uint8_t p1 = bytes[pos + 1];
        if (m64 || (p1 & 0xc0) == 0xc0) {
            /* 2.3.2: LOCK, 66, F2, F3 or REX before VEX is #UD. */
            if ((pfx & (D_LOCK | D_OSIZE | D_REP | D_REPNE)) || rex)
                return DECODE_UD;
            unsigned p2;
            if (b == 0xc5) {
                rex_r = !(p1 & 0x80);
                rex_x = rex_b = rex_w = 0;
                p2 = p1;
                map = MAP_0F;
                pos += 2;
            } else {
                NEED(pos + 3);
                p2 = bytes[pos + 2];
                rex_r = !(p1 & 0x80);
                rex_x = !(p1 & 0x40);
                rex_b = !(p1 & 0x20);
                switch (p1 & 0x1f) {
                case 1: map = MAP_0F; break;
                case 2: map = MAP_0F38; break;
                case 3: map = MAP_0F3A; break;
                default: return DECODE_UD;   /* reserved map: #UD (2.3.6.1) */
                }
                rex_w = (p2 >> 7) & 1;
                pos += 3;
            }
            vvvv = (~p2 >> 3) & 0xf;
            vex_l = (p2 >> 2) & 1;
            vex_mp = p2 & 3;
            if (!m64) {
                /* Outside 64-bit mode R, X, B and vvvv[3] are not used
                 * (2.3.5.x: only eight registers exist). */
                rex_r = rex_x = rex_b = 0;
                vvvv &= 7;
            }
            vex = true;
            NEED(pos + 1);
            opcode = bytes[pos];
        }
    }
    if (!vex && b == 0x0f) {
        NEED(pos + 2);
        opcode = bytes[pos + 1];
        map = MAP_0F;
        pos++;
        if (opcode == 0x38 || opcode == 0x3a) {
            NEED(pos + 2);
            map = opcode == 0x38 ? MAP_0F38 : MAP_0F3A;
            opcode = bytes[pos + 1];
            pos++;
        }
    }
    pos++;   /* past the opcode byte */

    const DecodeSlot *slot = &ix->slot[map][opcode];
    if (slot->count == 0)
        return DECODE_UD;

    unsigned modrm = 0, mod = 3, reg = 0, rm = 0;
    if (slot->modrm) {
        NEED(pos + 1);
        modrm = bytes[pos++];
        mod = modrm >> 6;
        reg = (modrm >> 3) & 7;
        rm = modrm & 7;
    }

    uint32_t mp = vex ? (const uint32_t[]){ C_PNONE, C_P66, C_PF3, C_PF2 }[vex_mp]
                      : mandatory_bit(pfx);
    bool w = m64 ? rex_w : (vex && rex_w);
    const RowInfo *r = NULL;
    for (unsigned i = 0; i < slot->count; i++) {
        const RowInfo *c = &ix->rows[slot->first + i];
        if (row_matches(c, cpu, m64, vex, vex_l, w, mp, mod, reg, rm)) {
            r = c;
            break;
        }
    }
    if (!r)
        return DECODE_UD;
    /* VEX.vvvv must be 1111b when the instruction has no such operand
     * (SDM Vol.2A 2.3.6 "Instruction Operand Encoding and VEX.vvvv"). */
    if (vex && !r->vvvv && vvvv)
        return DECODE_UD;

    /* Operand size (SDM Vol.1 3.6, 3.6.1 Table 3-4; Vol.2A 2.2.1.2). A 66
     * that is the row's mandatory prefix does not change it. */
    uint16_t flags = r->flags;
    bool osize = (pfx & D_OSIZE) && !(r->cons & C_P66);
    unsigned opsize;
    if (flags & F_BYTEOP)
        opsize = 1;
    else if (m64)
        opsize = (flags & F_FORCE64) || rex_w ? 8 : osize ? 2 : (flags & F_DEF64) ? 8 : 4;
    else
        opsize = (mode.code_size == 2) != osize ? 2 : 4;
    unsigned addrsize = m64 ? ((pfx & D_ASIZE) ? 4 : 8)
                            : (mode.code_size == 2) != !!(pfx & D_ASIZE) ? 2 : 4;

    memset(d, 0, sizeof(*d));
    d->base = d->index = EA_NONE;
    d->seg = SEG_DS;
    d->mod = (uint8_t)mod;
    d->reg = (uint8_t)(reg | rex_r << 3);
    d->rm = (uint8_t)(rm | rex_b << 3);

    if (r->force_reg) {
        d->mod = 3;
    } else if (slot->modrm && mod != 3) {
        /* Memory operand: SDM Vol.2A 2.1.5, Tables 2-1 (16-bit) and 2-2,
         * 2-3 (32/64-bit). */
        if (addrsize == 2) {
            static const uint8_t base16[8] = { R_RBX, R_RBX, R_RBP, R_RBP, R_RSI, R_RDI, R_RBP, R_RBX };
            static const uint8_t index16[8] = { R_RSI, R_RDI, R_RSI, R_RDI, EA_NONE, EA_NONE, EA_NONE, EA_NONE };
            unsigned dsz = mod == 1 ? 1 : mod == 2 ? 2 : 0;
            if (mod == 0 && rm == 6) {
                dsz = 2;
            } else {
                d->base = base16[rm];
                d->index = index16[rm];
                /* BP-based forms default to SS. */
                if (d->base == R_RBP)
                    d->seg = SEG_SS;
            }
            NEED(pos + dsz);
            d->disp = dsz == 1 ? sx_bytes(bytes[pos], 1) : (int64_t)read_le(bytes + pos, dsz);
            pos += dsz;
        } else {
            unsigned dsz = mod == 1 ? 1 : mod == 2 ? 4 : 0;
            if (rm == 4) {
                NEED(pos + 1);
                unsigned sib = bytes[pos++];
                unsigned idx = ((sib >> 3) & 7) | rex_x << 3;
                unsigned base = sib & 7;
                d->scale = (uint8_t)(sib >> 6);
                if (idx != 4)
                    d->index = (uint8_t)idx;
                if (base == 5 && mod == 0)
                    dsz = 4;
                else
                    d->base = (uint8_t)(base | rex_b << 3);
            } else if (rm == 5 && mod == 0) {
                dsz = 4;
                if (m64)
                    d->base = EA_RIP;   /* 2.2.1.6 RIP-Relative Addressing */
            } else {
                d->base = (uint8_t)(rm | rex_b << 3);
            }
            /* ESP/EBP (RSP/RBP) as base default to SS (SDM Vol.1 3.7.4). */
            if (d->base == R_RSP || d->base == R_RBP)
                d->seg = SEG_SS;
            NEED(pos + dsz);
            d->disp = sx_bytes(read_le(bytes + pos, dsz), dsz ? dsz : 8);
            pos += dsz;
        }
    }
    if (seg_ovr >= 0)
        d->seg = (uint8_t)seg_ovr;
    if (r->zreg)
        d->reg = (uint8_t)((opcode & 7) | rex_b << 3);

    /* Immediates, in operand-string order. */
    for (unsigned k = 0; k < 2; k++) {
        unsigned kind = k ? r->imm2 : r->imm1;
        unsigned n;
        switch (kind) {
        case IMM_NONE: continue;
        case IMM_B: n = 1; break;
        case IMM_W: n = 2; break;
        case IMM_D: n = 4; break;
        case IMM_Q: n = 8; break;
        case IMM_Z: n = opsize == 2 ? 2 : 4; break;
        case IMM_V: n = opsize; break;
        case IMM_AP: {
            unsigned off = opsize == 2 ? 2 : 4;
            NEED(pos + off + 2);
            d->disp = (int64_t)read_le(bytes + pos, off);
            d->imm2 = (uint16_t)read_le(bytes + pos + off, 2);
            pos += off + 2;
            continue;
        }
        case IMM_MOFFS:
            NEED(pos + addrsize);
            d->disp = (int64_t)read_le(bytes + pos, addrsize);
            d->mod = 0;
            pos += addrsize;
            continue;
        default: return DECODE_UD;
        }
        NEED(pos + n);
        uint64_t v = (uint64_t)sx_bytes(read_le(bytes + pos, n), n);
        if (k)
            d->imm2 = (uint16_t)v;
        else
            d->imm = v;
        pos += n;
    }

    /* LOCK only on rows that allow it, with a memory destination
     * (SDM Vol.2A LOCK: otherwise #UD). */
    if ((pfx & D_LOCK) && (!(flags & F_LOCKABLE) || !slot->modrm || d->mod == 3))
        return DECODE_UD;

    if (m64 && rex)
        pfx |= D_REX;
    if (rex_w && (m64 || vex))
        pfx |= D_REXW;
    if (vex)
        pfx |= D_VEX;
    d->exec = insn_table[r->desc].handler;
    d->desc = r->desc;
    d->len = (uint8_t)pos;
    d->opsize = (uint8_t)opsize;
    d->addrsize = (uint8_t)addrsize;
    d->pfx = pfx;
    d->opcode = (uint8_t)opcode;
    d->vvvv = (uint8_t)vvvv;
    return DECODE_OK;
}
