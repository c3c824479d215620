/*
 * cpu/tests/test_decode.c: the instruction table checks itself (STYLE 3:
 * every row parses, has a name and a handler, and no two rows can match the
 * same encoding unless one is a strict special case of the other), and the
 * decoder follows SDM Vol.2A ch.2 "Instruction Format": prefixes (2.1.1),
 * REX (2.2.1), ModR/M and SIB forms (2.1.5, Tables 2-1 to 2-3), RIP-relative
 * addressing (2.2.1.6), moffs and immediates (2.1.4), the 15-byte limit,
 * LOCK (#UD), mandatory prefixes and VEX (2.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cpu/internal.h"
#include "cpu/tests/fixture.h"

static const DecodeMode M16 = { .code_size = 2 };
static const DecodeMode M32 = { .code_size = 4 };
static const DecodeMode M64 = { .code_size = 8 };
static const DecodeMode MREAL = { .code_size = 2, .vex_off = true };

static DecodeIndex *ix;

static int setup(void **state)
{
    ix = decode_index_new();
    return 0;
}

static int teardown(void **state)
{
    decode_index_free(ix);
    return 0;
}

static DecodeResult dec(DecodeMode m, const uint8_t *b, unsigned n, DecodedInsn *d)
{
    return decode_insn(ix, NULL, m, b, n, d);
}

#define DEC(m, d, ...)                                                    \
    ({                                                                    \
        static const uint8_t bytes_[] = { __VA_ARGS__ };                  \
        dec((m), bytes_, sizeof(bytes_), (d));                            \
    })

static const char *row_name(const DecodedInsn *d)
{
    return insn_table[d->desc].name;
}

/* ---- the table ---- */

static void test_table_rows_parse_and_have_handlers(void **state)
{
    unsigned bad = 0;
    assert_true(insn_table_size > 0);
    for (unsigned i = 0; i < insn_table_size; i++) {
        RowInfo ri;
        const InsnDesc *r = &insn_table[i];
        if (!decode_row_info(i, &ri) || !r->handler || !r->name || !r->name[0]) {
            fprintf(stderr, "# bad row %u: %s map %u opcode %02x \"%s\"\n", i,
                    r->name ? r->name : "(null)", r->map, r->opcode,
                    r->operands ? r->operands : "(null)");
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* The encodings a row matches, one bit set per dimension value. */
typedef struct RowSet {
    uint32_t modrm;   /* bits 0-7: memory form rm 0-7; 8-15: register rm 0-7 */
    uint32_t reg;     /* 8 */
    uint32_t mp;      /* none, 66, F3, F2 */
    uint32_t mode;    /* 16, 32, 64 */
    uint32_t w;       /* W0, W1 */
    uint32_t vex;     /* legacy, VEX */
    uint32_t l;       /* L0, L1 */
} RowSet;

static RowSet row_set(uint32_t c)
{
    RowSet s;
    s.modrm = (c & C_RM(0)) ? 1u << (8 + ((c >> 4) & 7))
            : (c & C_MOD_MEM) ? 0xffu : (c & C_MOD_REG) ? 0xff00u : 0xffffu;
    s.reg = (c & C_REG(0)) ? 1u << (c & 7) : 0xffu;
    s.mp = (c & (C_PNONE | C_P66 | C_PF3 | C_PF2))
         ? ((c & C_PNONE ? 1u : 0u) | (c & C_P66 ? 2u : 0u) | (c & C_PF3 ? 4u : 0u) |
            (c & C_PF2 ? 8u : 0u))
         : 0xfu;
    s.mode = (c & C_ONLY64) ? 4u : (c & C_NO64) ? 3u : 7u;
    s.w = (c & C_REXW) ? 2u : (c & C_NOREXW) ? 1u : 3u;
    s.vex = (c & C_VEX) ? 2u : 1u;
    s.l = (c & C_VEXL0) ? 1u : 3u;
    return s;
}

static bool set_intersects(RowSet a, RowSet b)
{
    return (a.modrm & b.modrm) && (a.reg & b.reg) && (a.mp & b.mp) && (a.mode & b.mode) &&
           (a.w & b.w) && (a.vex & b.vex) && (a.l & b.l);
}

static bool set_subset(RowSet a, RowSet b)
{
    return !(a.modrm & ~b.modrm) && !(a.reg & ~b.reg) && !(a.mp & ~b.mp) &&
           !(a.mode & ~b.mode) && !(a.w & ~b.w) && !(a.vex & ~b.vex) && !(a.l & ~b.l);
}

static bool set_equal(RowSet a, RowSet b)
{
    return set_subset(a, b) && set_subset(b, a);
}

/* STYLE 3: no two rows may overlap. A row that matches a strict subset of
 * another row's encodings is a special case the decoder tries first (PAUSE
 * inside NOP, TZCNT beside BSF); any other overlap is an error. */
static void test_table_rows_do_not_overlap(void **state)
{
    unsigned bad = 0;
    for (unsigned i = 0; i < insn_table_size; i++) {
        RowInfo a;
        if (!decode_row_info(i, &a))
            continue;
        for (unsigned j = i + 1; j < insn_table_size; j++) {
            RowInfo b;
            const InsnDesc *ra = &insn_table[i], *rb = &insn_table[j];
            if (ra->map != rb->map || ra->opcode != rb->opcode || !decode_row_info(j, &b))
                continue;
            RowSet sa = row_set(a.cons), sb = row_set(b.cons);
            if (a.modrm != b.modrm && set_intersects(sa, sb)) {
                fprintf(stderr, "# rows %s/%s (map %u %02x) disagree on ModRM\n",
                        ra->name, rb->name, ra->map, ra->opcode);
                bad++;
            }
            if (!set_intersects(sa, sb))
                continue;
            if (set_equal(sa, sb) || (!set_subset(sa, sb) && !set_subset(sb, sa))) {
                fprintf(stderr, "# rows %u %s \"%s\" and %u %s \"%s\" overlap (map %u %02x)\n",
                        i, ra->name, ra->operands, j, rb->name, rb->operands, ra->map,
                        ra->opcode);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- prefixes and REX ---- */

static void test_segment_override_last_wins(void **state)
{
    DecodedInsn d;
    /* es fs mov eax, [eax] */
    assert_int_equal(DEC(M32, &d, 0x26, 0x64, 0x8b, 0x00), DECODE_OK);
    assert_int_equal(d.seg, SEG_FS);
    assert_int_equal(d.len, 4);
    /* 64-bit mode ignores CS/DS/ES/SS overrides (SDM Vol.2A 2.1.1). */
    assert_int_equal(DEC(M64, &d, 0x26, 0x8b, 0x00), DECODE_OK);
    assert_int_equal(d.seg, SEG_DS);
    assert_int_equal(DEC(M64, &d, 0x65, 0x2e, 0x8b, 0x00), DECODE_OK);
    assert_int_equal(d.seg, SEG_GS);
}

static void test_operand_size_rules(void **state)
{
    DecodedInsn d;
    assert_int_equal(DEC(M32, &d, 0x01, 0xc0), DECODE_OK);
    assert_int_equal(d.opsize, 4);
    assert_int_equal(DEC(M32, &d, 0x66, 0x01, 0xc0), DECODE_OK);
    assert_int_equal(d.opsize, 2);
    assert_int_equal(DEC(M16, &d, 0x01, 0xc0), DECODE_OK);
    assert_int_equal(d.opsize, 2);
    assert_int_equal(DEC(M16, &d, 0x66, 0x01, 0xc0), DECODE_OK);
    assert_int_equal(d.opsize, 4);
    /* REX.W takes precedence over 66 (SDM Vol.2A 2.2.1.2). */
    assert_int_equal(DEC(M64, &d, 0x66, 0x48, 0x01, 0xc0), DECODE_OK);
    assert_int_equal(d.opsize, 8);
    assert_true(d.pfx & D_REXW);
    /* Byte form. */
    assert_int_equal(DEC(M64, &d, 0x66, 0x00, 0xc0), DECODE_OK);
    assert_int_equal(d.opsize, 1);
    /* PUSH defaults to 64 bits in 64-bit mode (Table 3-4 / F_DEF64). */
    assert_int_equal(DEC(M64, &d, 0x50), DECODE_OK);
    assert_int_equal(d.opsize, 8);
    assert_int_equal(DEC(M64, &d, 0x66, 0x50), DECODE_OK);
    assert_int_equal(d.opsize, 2);
}

static void test_rex_must_precede_opcode(void **state)
{
    DecodedInsn d;
    /* REX followed by a legacy prefix is ignored (SDM Vol.2A 2.2.1). */
    assert_int_equal(DEC(M64, &d, 0x48, 0x66, 0x01, 0xc0), DECODE_OK);
    assert_int_equal(d.opsize, 2);
    assert_false(d.pfx & (D_REX | D_REXW));
    assert_int_equal(d.len, 4);
    /* REX.R, REX.B extend ModRM.reg and ModRM.rm. */
    assert_int_equal(DEC(M64, &d, 0x45, 0x01, 0xc8), DECODE_OK);
    assert_int_equal(d.reg, 9);
    assert_int_equal(d.rm, 8);
    assert_true(d.pfx & D_REX);
    /* 40-4F are INC/DEC outside 64-bit mode. */
    assert_int_equal(DEC(M32, &d, 0x48, 0x01, 0xc0), DECODE_OK);
    assert_int_equal(d.len, 1);
    /* REX.B extends the register in the opcode (B8+r). */
    assert_int_equal(DEC(M64, &d, 0x41, 0xb8, 1, 0, 0, 0), DECODE_OK);
    assert_int_equal(d.reg, 8);
    assert_int_equal(d.len, 6);
}

static void test_rep_last_of_f2_f3_wins(void **state)
{
    DecodedInsn d;
    assert_int_equal(DEC(M32, &d, 0xf2, 0xf3, 0xa4), DECODE_OK);
    assert_true(d.pfx & D_REP);
    assert_false(d.pfx & D_REPNE);
    assert_int_equal(DEC(M32, &d, 0xf3, 0xf2, 0xa4), DECODE_OK);
    assert_true(d.pfx & D_REPNE);
    assert_false(d.pfx & D_REP);
}

/* ---- ModRM / SIB ---- */

static void test_modrm_16bit_forms(void **state)
{
    DecodedInsn d;
    /* mov ax, [bp+si]: SS default for BP-based forms (Table 2-1). */
    assert_int_equal(DEC(M16, &d, 0x8b, 0x02), DECODE_OK);
    assert_int_equal(d.base, R_RBP);
    assert_int_equal(d.index, R_RSI);
    assert_int_equal(d.seg, SEG_SS);
    assert_int_equal(d.addrsize, 2);
    /* mov ax, [0x1234]: mod 00 rm 110 is disp16 with no base. */
    assert_int_equal(DEC(M16, &d, 0x8b, 0x06, 0x34, 0x12), DECODE_OK);
    assert_int_equal(d.base, EA_NONE);
    assert_int_equal(d.disp & 0xffff, 0x1234);
    assert_int_equal(d.seg, SEG_DS);
    assert_int_equal(d.len, 4);
    /* mov ax, [bp-2] */
    assert_int_equal(DEC(M16, &d, 0x8b, 0x46, 0xfe), DECODE_OK);
    assert_int_equal(d.base, R_RBP);
    assert_int_equal(d.disp, -2);
    assert_int_equal(d.seg, SEG_SS);
    /* mov ax, [bx+di+0x1000] */
    assert_int_equal(DEC(M16, &d, 0x8b, 0x81, 0x00, 0x10), DECODE_OK);
    assert_int_equal(d.base, R_RBX);
    assert_int_equal(d.index, R_RDI);
    assert_int_equal(d.seg, SEG_DS);
    assert_int_equal(d.len, 4);
    /* 67 in 32-bit code selects 16-bit addressing: mov eax, [bx]. */
    assert_int_equal(DEC(M32, &d, 0x67, 0x8b, 0x07), DECODE_OK);
    assert_int_equal(d.addrsize, 2);
    assert_int_equal(d.base, R_RBX);
}

static void test_modrm_32bit_forms(void **state)
{
    DecodedInsn d;
    /* [esp]: SIB with base ESP, SS. */
    assert_int_equal(DEC(M32, &d, 0x8b, 0x04, 0x24), DECODE_OK);
    assert_int_equal(d.base, R_RSP);
    assert_int_equal(d.index, EA_NONE);
    assert_int_equal(d.seg, SEG_SS);
    assert_int_equal(d.len, 3);
    /* [ebp+ecx*4+0x10] */
    assert_int_equal(DEC(M32, &d, 0x8b, 0x44, 0x8d, 0x10), DECODE_OK);
    assert_int_equal(d.base, R_RBP);
    assert_int_equal(d.index, R_RCX);
    assert_int_equal(d.scale, 2);
    assert_int_equal(d.disp, 0x10);
    assert_int_equal(d.seg, SEG_SS);
    /* mod 00 rm 101: disp32, no base, in 32-bit mode. */
    assert_int_equal(DEC(M32, &d, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12), DECODE_OK);
    assert_int_equal(d.base, EA_NONE);
    assert_int_equal(d.disp, 0x12345678);
    assert_int_equal(d.len, 6);
    /* SIB base 101 with mod 00: disp32, no base; index 100: none. */
    assert_int_equal(DEC(M32, &d, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x80), DECODE_OK);
    assert_int_equal(d.base, EA_NONE);
    assert_int_equal(d.index, EA_NONE);
    assert_int_equal((uint32_t)d.disp, 0x80000000u);
    assert_int_equal(d.len, 7);
    /* disp8 is sign-extended. */
    assert_int_equal(DEC(M32, &d, 0x8b, 0x40, 0x80), DECODE_OK);
    assert_int_equal(d.disp, -128);
}

static void test_modrm_64bit_forms(void **state)
{
    DecodedInsn d;
    /* RIP-relative: mod 00 rm 101 (SDM Vol.2A 2.2.1.6). */
    assert_int_equal(DEC(M64, &d, 0x8b, 0x05, 0x10, 0, 0, 0), DECODE_OK);
    assert_int_equal(d.base, EA_RIP);
    assert_int_equal(d.disp, 0x10);
    assert_int_equal(d.len, 6);
    /* ... also with REX.B (r13 needs mod 01). */
    assert_int_equal(DEC(M64, &d, 0x41, 0x8b, 0x05, 0x10, 0, 0, 0), DECODE_OK);
    assert_int_equal(d.base, EA_RIP);
    /* r12 as base still needs a SIB byte. */
    assert_int_equal(DEC(M64, &d, 0x41, 0x8b, 0x04, 0x24), DECODE_OK);
    assert_int_equal(d.base, R_R12);
    assert_int_equal(d.seg, SEG_DS);
    /* REX.X extends the SIB index; index 100 with REX.X is r12. */
    assert_int_equal(DEC(M64, &d, 0x4a, 0x8b, 0x04, 0x20), DECODE_OK);
    assert_int_equal(d.index, R_R12);
    assert_int_equal(d.base, R_RAX);
    /* SIB without base in 64-bit mode is disp32, not RIP-relative. */
    assert_int_equal(DEC(M64, &d, 0x8b, 0x04, 0x25, 0, 0x10, 0, 0), DECODE_OK);
    assert_int_equal(d.base, EA_NONE);
    assert_int_equal(d.disp, 0x1000);
    /* 67: 32-bit addressing. */
    assert_int_equal(DEC(M64, &d, 0x67, 0x8b, 0x00), DECODE_OK);
    assert_int_equal(d.addrsize, 4);
}

/* ---- immediates and lengths ---- */

static void test_moffs_size_follows_address_size(void **state)
{
    DecodedInsn d;
    assert_int_equal(DEC(M64, &d, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8), DECODE_OK);
    assert_int_equal(d.len, 9);
    assert_int_equal((uint64_t)d.disp, 0x0807060504030201ull);
    assert_int_equal(DEC(M64, &d, 0x67, 0xa1, 1, 2, 3, 4), DECODE_OK);
    assert_int_equal(d.len, 6);
    assert_int_equal(DEC(M32, &d, 0xa1, 1, 2, 3, 4), DECODE_OK);
    assert_int_equal(d.len, 5);
    assert_int_equal(DEC(M16, &d, 0xa0, 1, 2), DECODE_OK);
    assert_int_equal(d.len, 3);
    assert_int_equal(d.disp, 0x201);
}

static void test_immediate_sizes(void **state)
{
    DecodedInsn d;
    /* mov r64, imm64 (Iv) */
    assert_int_equal(DEC(M64, &d, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 0x88), DECODE_OK);
    assert_int_equal(d.len, 10);
    assert_int_equal(d.imm, 0x8807060504030201ull);
    /* add rax, imm32 sign-extended (Iz) */
    assert_int_equal(DEC(M64, &d, 0x48, 0x05, 0xff, 0xff, 0xff, 0xff), DECODE_OK);
    assert_int_equal(d.len, 6);
    assert_int_equal(d.imm, ~0ull);
    /* 66: Iz is 16 bits */
    assert_int_equal(DEC(M32, &d, 0x66, 0x81, 0xc0, 0x34, 0x12), DECODE_OK);
    assert_int_equal(d.len, 5);
    assert_int_equal(d.imm, 0x1234);
    /* Ib sign-extended */
    assert_int_equal(DEC(M32, &d, 0x83, 0xc0, 0x80), DECODE_OK);
    assert_int_equal(d.imm, (uint64_t)-128);
    /* ENTER Iw, Ib */
    assert_int_equal(DEC(M32, &d, 0xc8, 0x10, 0x00, 0x02), DECODE_OK);
    assert_int_equal(d.len, 4);
    assert_int_equal(d.imm & 0xffff, 0x10);
    assert_int_equal(d.imm2, 2);
    /* jmp rel8 / call rel32 */
    assert_int_equal(DEC(M64, &d, 0xeb, 0xfe), DECODE_OK);
    assert_int_equal((int64_t)d.imm, -2);
    assert_int_equal(DEC(M64, &d, 0xe8, 0, 0, 0, 0x80), DECODE_OK);
    assert_int_equal(d.len, 5);
    assert_int_equal((int64_t)d.imm, -2147483648ll);
    /* Near branches ignore 66 in 64-bit mode (SDM Vol.2A CALL: operand
     * size fixed at 64 bits): still rel32. */
    assert_int_equal(DEC(M64, &d, 0x66, 0xe8, 0, 0, 0, 0), DECODE_OK);
    assert_int_equal(d.len, 6);
    assert_int_equal(d.opsize, 8);
    /* ... but select rel16 in 32-bit mode. */
    assert_int_equal(DEC(M32, &d, 0x66, 0xe8, 0, 0), DECODE_OK);
    assert_int_equal(d.len, 4);
    /* test Eb, Ib (F6 /0) vs not Eb (F6 /2): immediate per row */
    assert_int_equal(DEC(M32, &d, 0xf6, 0xc0, 0x01), DECODE_OK);
    assert_int_equal(d.len, 3);
    assert_int_equal(DEC(M32, &d, 0xf6, 0xd0), DECODE_OK);
    assert_int_equal(d.len, 2);
}

static void test_far_pointer_operand(void **state)
{
    DecodedInsn d;
    /* jmp ptr16:32 */
    assert_int_equal(DEC(M32, &d, 0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00), DECODE_OK);
    assert_int_equal(d.len, 7);
    assert_int_equal(d.disp, 0x12345678);
    assert_int_equal(d.imm2, 8);
    /* jmp ptr16:16 */
    assert_int_equal(DEC(M16, &d, 0xea, 0x34, 0x12, 0x00, 0xf0), DECODE_OK);
    assert_int_equal(d.len, 5);
    assert_int_equal(d.disp, 0x1234);
    assert_int_equal(d.imm2, 0xf000);
    /* invalid in 64-bit mode */
    assert_int_equal(DEC(M64, &d, 0xea, 0, 0, 0, 0, 0, 0), DECODE_UD);
}

/* SDM Vol.2A 2.1: at most 15 bytes; longer is #GP(0). */
static void test_fifteen_byte_limit(void **state)
{
    DecodedInsn d;
    uint8_t b[20];
    memset(b, 0x66, sizeof(b));
    b[14] = 0x90;
    assert_int_equal(dec(M32, b, 15, &d), DECODE_OK);
    assert_int_equal(d.len, 15);
    b[14] = 0x66;
    b[15] = 0x90;
    assert_int_equal(dec(M32, b, 16, &d), DECODE_TOO_LONG);
    assert_int_equal(dec(M32, b, 15, &d), DECODE_TOO_LONG);
    /* Short buffers ask for more. */
    assert_int_equal(dec(M32, b, 3, &d), DECODE_NEED_MORE);
    static const uint8_t movabs[] = { 0x48, 0xb8, 1, 2, 3 };
    assert_int_equal(dec(M64, movabs, sizeof(movabs), &d), DECODE_NEED_MORE);
}

/* SDM Vol.2A LOCK: #UD unless the instruction allows it with a memory
 * destination. */
static void test_lock_rules(void **state)
{
    DecodedInsn d;
    assert_int_equal(DEC(M32, &d, 0xf0, 0x01, 0x00), DECODE_OK);
    assert_true(d.pfx & D_LOCK);
    assert_int_equal(DEC(M32, &d, 0xf0, 0x01, 0xc0), DECODE_UD);
    assert_int_equal(DEC(M32, &d, 0xf0, 0x8b, 0x00), DECODE_UD);
    assert_int_equal(DEC(M32, &d, 0xf0, 0x90), DECODE_UD);
}

static void test_row_constraints(void **state)
{
    DecodedInsn d;
    /* NO64 rows: PUSH ES is #UD in 64-bit mode; 82 is an alias only
     * outside 64-bit mode. */
    assert_int_equal(DEC(M64, &d, 0x06), DECODE_UD);
    assert_int_equal(DEC(M32, &d, 0x82, 0xc0, 0x01), DECODE_OK);
    assert_int_equal(DEC(M64, &d, 0x82, 0xc0, 0x01), DECODE_UD);
    /* Opcode extension by ModRM.reg selects the row. */
    assert_int_equal(DEC(M32, &d, 0x81, 0xe8, 1, 0, 0, 0), DECODE_OK);
    assert_string_equal(row_name(&d), "SUB");
    assert_int_equal(DEC(M32, &d, 0x81, 0xc0, 1, 0, 0, 0), DECODE_OK);
    assert_string_equal(row_name(&d), "ADD");
    /* LEA needs a memory operand (M). */
    assert_int_equal(DEC(M32, &d, 0x8d, 0xc0), DECODE_UD);
    assert_int_equal(DEC(M32, &d, 0x8d, 0x00), DECODE_OK);
}

/* A row whose CPUID feature is absent does not decode; the less specific
 * row takes the bytes (SDM Vol.2B TZCNT: without BMI1, F3 0F BC is BSF). */
static void test_feature_absent_falls_back(void **state)
{
    Fixture *fx = fixture_new();
    DecodedInsn d;
    static const uint8_t tz[] = { 0xf3, 0x0f, 0xbc, 0xc1 };
    assert_int_equal(decode_insn(ix, &fx->cpu, M32, tz, sizeof(tz), &d), DECODE_OK);
    assert_string_equal(row_name(&d), "TZCNT");
    cpu_model_set_feature(&fx->model, FEAT_BMI1, false);
    cpu_model_derive(&fx->model);
    assert_int_equal(decode_insn(ix, &fx->cpu, M32, tz, sizeof(tz), &d), DECODE_OK);
    assert_string_equal(row_name(&d), "BSF");
    /* ANDN needs BMI1 too: #UD without it. */
    static const uint8_t andn[] = { 0xc4, 0xe2, 0x60, 0xf2, 0xc1 };
    assert_int_equal(decode_insn(ix, &fx->cpu, M32, andn, sizeof(andn), &d), DECODE_UD);
    fixture_free(fx);
}

/* ---- VEX (SDM Vol.2A 2.3) ---- */

static void test_vex_fields(void **state)
{
    DecodedInsn d;
    /* andn eax, ebx, ecx: VEX.LZ.0F38.W0 F2 /r, vvvv = ebx */
    assert_int_equal(DEC(M64, &d, 0xc4, 0xe2, 0x60, 0xf2, 0xc1), DECODE_OK);
    assert_string_equal(row_name(&d), "ANDN");
    assert_int_equal(d.len, 5);
    assert_int_equal(d.vvvv, 3);
    assert_int_equal(d.reg, 0);
    assert_int_equal(d.rm, 1);
    assert_int_equal(d.opsize, 4);
    assert_true(d.pfx & D_VEX);
    /* W1: 64-bit operands */
    assert_int_equal(DEC(M64, &d, 0xc4, 0xe2, 0xe0, 0xf2, 0xc1), DECODE_OK);
    assert_int_equal(d.opsize, 8);
    /* inverted R/B extend the registers; vvvv = r11 */
    assert_int_equal(DEC(M64, &d, 0xc4, 0x42, 0x20, 0xf2, 0xc1), DECODE_OK);
    assert_int_equal(d.reg, 8);
    assert_int_equal(d.rm, 9);
    assert_int_equal(d.vvvv, 11);
    /* In 32-bit mode C4 with ModRM.mod != 11 is LES. */
    assert_int_equal(DEC(M32, &d, 0xc4, 0x00), DECODE_OK);
    assert_string_equal(row_name(&d), "LES");
    assert_int_equal(d.len, 2);
    assert_int_equal(DEC(M32, &d, 0xc4, 0xe2, 0x60, 0xf2, 0xc1), DECODE_OK);
    assert_string_equal(row_name(&d), "ANDN");
    /* Real mode: never VEX; LES with a register operand is #UD. */
    assert_int_equal(DEC(MREAL, &d, 0xc4, 0xe2, 0x60, 0xf2, 0xc1), DECODE_UD);
}

static void test_vex_invalid_forms(void **state)
{
    DecodedInsn d;
    /* 66/F2/F3/REX/LOCK before VEX: #UD (2.3.2). */
    assert_int_equal(DEC(M64, &d, 0x66, 0xc4, 0xe2, 0x60, 0xf2, 0xc1), DECODE_UD);
    assert_int_equal(DEC(M64, &d, 0x40, 0xc4, 0xe2, 0x60, 0xf2, 0xc1), DECODE_UD);
    assert_int_equal(DEC(M64, &d, 0xf3, 0xc4, 0xe2, 0x60, 0xf2, 0xc1), DECODE_UD);
    /* Reserved map select. */
    assert_int_equal(DEC(M64, &d, 0xc4, 0xe0, 0x60, 0xf2, 0xc1), DECODE_UD);
    /* VEX.L = 1 on an LZ instruction. */
    assert_int_equal(DEC(M64, &d, 0xc4, 0xe2, 0x64, 0xf2, 0xc1), DECODE_UD);
    /* rorx eax, ecx, 5 has no vvvv operand: vvvv must be 1111b (2.3.6). */
    assert_int_equal(DEC(M64, &d, 0xc4, 0xe3, 0x7b, 0xf0, 0xc1, 0x05), DECODE_OK);
    assert_string_equal(row_name(&d), "RORX");
    assert_int_equal(d.len, 6);
    assert_int_equal(DEC(M64, &d, 0xc4, 0xe3, 0x73, 0xf0, 0xc1, 0x05), DECODE_UD);
    /* The legacy encoding of a VEX-only opcode is not that instruction. */
    assert_int_not_equal(DEC(M64, &d, 0x0f, 0x38, 0xf2, 0xc1), DECODE_OK);
}

/* Mandatory prefixes select the row; F3/F2 win over 66 (2.1.2). */
static void test_mandatory_prefix_selects_row(void **state)
{
    DecodedInsn d;
    assert_int_equal(DEC(M64, &d, 0x0f, 0xbc, 0xc1), DECODE_OK);
    assert_string_equal(row_name(&d), "BSF");
    assert_int_equal(DEC(M64, &d, 0xf3, 0x0f, 0xbc, 0xc1), DECODE_OK);
    assert_string_equal(row_name(&d), "TZCNT");
    assert_int_equal(DEC(M64, &d, 0x66, 0xf3, 0x0f, 0xbc, 0xc1), DECODE_OK);
    assert_string_equal(row_name(&d), "TZCNT");
    assert_int_equal(d.opsize, 2);
    assert_int_equal(DEC(M64, &d, 0xf3, 0x48, 0x0f, 0xb8, 0xc1), DECODE_OK);
    assert_string_equal(row_name(&d), "POPCNT");
    assert_int_equal(d.opsize, 8);
    /* SSE: none / 66 / F3 / F2 select MOVUPS / MOVUPD / MOVSS / MOVSD. */
    assert_int_equal(DEC(M64, &d, 0x0f, 0x10, 0xc1), DECODE_OK);
    assert_string_equal(row_name(&d), "MOVUPS");
    assert_int_equal(DEC(M64, &d, 0x66, 0x0f, 0x10, 0xc1), DECODE_OK);
    assert_string_equal(row_name(&d), "MOVUPD");
    assert_int_equal(DEC(M64, &d, 0xf3, 0x0f, 0x10, 0xc1), DECODE_OK);
    assert_string_equal(row_name(&d), "MOVSS");
    assert_int_equal(DEC(M64, &d, 0x66, 0xf2, 0x0f, 0x10, 0xc1), DECODE_OK);
    assert_string_equal(row_name(&d), "MOVSD");
    /* A mandatory 66 is not an operand-size prefix: 66 0F 6E is MOVD
     * (32-bit Ey), 66 REX.W 0F 6E is MOVQ (64-bit). */
    assert_int_equal(DEC(M64, &d, 0x66, 0x0f, 0x6e, 0xc0), DECODE_OK);
    assert_int_equal(d.opsize, 4);
    assert_int_equal(DEC(M64, &d, 0x66, 0x48, 0x0f, 0x6e, 0xc0), DECODE_OK);
    assert_int_equal(d.opsize, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_rows_parse_and_have_handlers),
        cmocka_unit_test(test_table_rows_do_not_overlap),
        cmocka_unit_test(test_segment_override_last_wins),
        cmocka_unit_test(test_operand_size_rules),
        cmocka_unit_test(test_rex_must_precede_opcode),
        cmocka_unit_test(test_rep_last_of_f2_f3_wins),
        cmocka_unit_test(test_modrm_16bit_forms),
        cmocka_unit_test(test_modrm_32bit_forms),
        cmocka_unit_test(test_modrm_64bit_forms),
        cmocka_unit_test(test_moffs_size_follows_address_size),
        cmocka_unit_test(test_immediate_sizes),
        cmocka_unit_test(test_far_pointer_operand),
        cmocka_unit_test(test_fifteen_byte_limit),
        cmocka_unit_test(test_lock_rules),
        cmocka_unit_test(test_row_constraints),
        cmocka_unit_test(test_feature_absent_falls_back),
        cmocka_unit_test(test_vex_fields),
        cmocka_unit_test(test_vex_invalid_forms),
        cmocka_unit_test(test_mandatory_prefix_selects_row),
    };
    return cmocka_run_group_tests_name("decode", tests, setup, teardown);
}
