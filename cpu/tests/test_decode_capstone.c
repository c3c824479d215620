/*
 * cpu/tests/test_decode_capstone.c: capstone as an oracle for instruction
 * lengths (STYLE 9). Deterministic byte strings, random and structured
 * (prefixes + opcode from our table + ModRM + SIB + displacement +
 * immediate), are decoded by both decoders in 16-, 32- and 64-bit mode;
 * every string both accept must get the same length. Only opcodes our table
 * has are compared (our decoder must accept the bytes). Where capstone 4 is
 * wrong, the case is listed in capstone_errata[] with the SDM rule that
 * shows our length is right.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#include "cpu/internal.h"

/* Known capstone 4.0.2 length errors: (mode, map, opcode) and why the SDM
 * says our length is right. A mismatch on these rows is not a failure. */
typedef struct CapstoneErratum {
    uint8_t code_size;     /* 0 = any mode */
    uint8_t map;
    uint8_t opcode;
    int8_t delta;          /* our length minus capstone's; 0 = any */
    const char *why;
    uint8_t pfx;           /* D_* prefixes the case needs (0 = none) */
} CapstoneErratum;

static const CapstoneErratum capstone_errata[] = {
    /* Near branches ignore 66 in 64-bit mode on Intel parts: the operand
     * size is 64 bits and rel32 stays 4 bytes (SDM Vol.2A JMP, CALL, Jcc:
     * "In 64-bit mode ... operand size fixed at 64 bits"; Vol.1 3.6.1
     * Table 3-4 note). Capstone follows AMD and takes a rel16. */
    { 8, MAP_1B, 0xe8, 2, "CALL rel32 with 66 in 64-bit mode (SDM Vol.2A CALL)", D_OSIZE },
    { 8, MAP_1B, 0xe9, 2, "JMP rel32 with 66 in 64-bit mode (SDM Vol.2A JMP)", D_OSIZE },
    { 8, MAP_0F, 0x80, 2, "Jcc rel32 with 66 in 64-bit mode (SDM Vol.2A Jcc)", D_OSIZE },
    { 8, MAP_0F, 0x81, 2, "Jcc", D_OSIZE }, { 8, MAP_0F, 0x82, 2, "Jcc", D_OSIZE }, { 8, MAP_0F, 0x83, 2, "Jcc", D_OSIZE },
    { 8, MAP_0F, 0x84, 2, "Jcc", D_OSIZE }, { 8, MAP_0F, 0x85, 2, "Jcc", D_OSIZE }, { 8, MAP_0F, 0x86, 2, "Jcc", D_OSIZE },
    { 8, MAP_0F, 0x87, 2, "Jcc", D_OSIZE }, { 8, MAP_0F, 0x88, 2, "Jcc", D_OSIZE }, { 8, MAP_0F, 0x89, 2, "Jcc", D_OSIZE },
    { 8, MAP_0F, 0x8a, 2, "Jcc", D_OSIZE }, { 8, MAP_0F, 0x8b, 2, "Jcc", D_OSIZE }, { 8, MAP_0F, 0x8c, 2, "Jcc", D_OSIZE },
    { 8, MAP_0F, 0x8d, 2, "Jcc", D_OSIZE }, { 8, MAP_0F, 0x8e, 2, "Jcc", D_OSIZE }, { 8, MAP_0F, 0x8f, 2, "Jcc", D_OSIZE },
    /* UD0 and UD1 take a ModRM operand (SDM Vol.2B UD: "0F FF /r UD0 r32,
     * r/m32", "0F B9 /r UD1 r32, r/m32"); capstone 4 stops after the
     * opcode. */
    { 0, MAP_0F, 0xff, 0, "UD0 0F FF /r (SDM Vol.2B UD)", 0 },
    { 0, MAP_0F, 0xb9, 0, "UD1 0F B9 /r (SDM Vol.2B UD)", 0 },
    /* RET imm16 has a 16-bit immediate whatever the operand size (SDM
     * Vol.2B RET: "C2 iw"); with 66 and REX.W capstone 4 reads 4 bytes. */
    { 8, MAP_1B, 0xc2, -2, "RET Iw (SDM Vol.2B RET)", D_OSIZE | D_REXW },
    /* 66 F2 E8 in 32-bit mode is a BND CALL rel16 (SDM Vol.2A CALL "E8 cw";
     * Vol.1 3.6 "Operand-Size Attribute"); capstone 4 ignores the 66 there
     * (but not for JMP or Jcc). */
    { 4, MAP_1B, 0xe8, -2, "BND CALL rel16", D_REPNE | D_OSIZE },
};

static const CapstoneErratum *erratum_for(uint8_t code_size, const DecodedInsn *d,
                                          unsigned cs_len)
{
    const InsnDesc *r = &insn_table[d->desc];
    for (size_t i = 0; i < sizeof(capstone_errata) / sizeof(capstone_errata[0]); i++) {
        const CapstoneErratum *e = &capstone_errata[i];
        if ((e->code_size == 0 || e->code_size == code_size) && e->map == r->map &&
            e->opcode == r->opcode && (d->pfx & e->pfx) == e->pfx &&
            (e->delta == 0 || (int)d->len - (int)cs_len == e->delta))
            return e;
    }
    return NULL;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

typedef struct Oracle {
    DecodeIndex *ix;
    csh cs[3];
    unsigned compared, mismatched, errata;
} Oracle;

static int mode_slot(uint8_t code_size)
{
    return code_size == 2 ? 0 : code_size == 4 ? 1 : 2;
}

/* Compare one byte string; returns false on an unexplained mismatch. */
static bool compare_one(Oracle *o, uint8_t code_size, const uint8_t *b, unsigned n)
{
    DecodedInsn d;
    DecodeMode m = { .code_size = code_size };
    if (decode_insn(o->ix, NULL, m, b, n, &d) != DECODE_OK)
        return true;
    cs_insn *insn = NULL;
    size_t count = cs_disasm(o->cs[mode_slot(code_size)], b, n, 0x1000, 1, &insn);
    if (count == 0)
        return true;
    unsigned cs_len = insn[0].size;
    char text[200];
    snprintf(text, sizeof(text), "%s %s", insn[0].mnemonic, insn[0].op_str);
    cs_free(insn, count);
    o->compared++;
    if (cs_len == d.len)
        return true;
    if (erratum_for(code_size, &d, cs_len)) {
        o->errata++;
        return true;
    }
    o->mismatched++;
    if (o->mismatched <= 40) {
        fprintf(stderr, "# mode %u: ours %s len %u, capstone \"%s\" len %u:", code_size * 8,
                insn_table[d.desc].name, d.len, text, cs_len);
        for (unsigned i = 0; i < n && i < 15; i++)
            fprintf(stderr, " %02x", b[i]);
        fprintf(stderr, "\n");
    }
    return false;
}

static int setup(void **state)
{
    Oracle *o = calloc(1, sizeof(*o));
    static const cs_mode modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
    o->ix = decode_index_new();
    for (int i = 0; i < 3; i++)
        if (cs_open(CS_ARCH_X86, modes[i], &o->cs[i]) != CS_ERR_OK)
            return -1;
    *state = o;
    return 0;
}

static int teardown(void **state)
{
    Oracle *o = *state;
    for (int i = 0; i < 3; i++)
        cs_close(&o->cs[i]);
    decode_index_free(o->ix);
    free(o);
    return 0;
}

static const uint8_t code_sizes[3] = { 2, 4, 8 };

static void test_random_bytes_same_length_as_capstone(void **state)
{
    Oracle *o = *state;
    uint64_t seed = 0xc0ffee;
    unsigned bad = 0;
    o->compared = o->mismatched = o->errata = 0;
    for (unsigned iter = 0; iter < 300000; iter++) {
        uint8_t b[15];
        for (unsigned i = 0; i < sizeof(b); i++)
            b[i] = (uint8_t)rng_next(&seed);
        bad += !compare_one(o, code_sizes[iter % 3], b, sizeof(b));
    }
    fprintf(stderr, "# random: %u compared, %u capstone errata\n", o->compared, o->errata);
    assert_true(o->compared > 10000);
    assert_int_equal(bad, 0);
}

/* Build prefixes + an encoding of row r + random ModRM/SIB/disp/imm. */
static unsigned build_structured(uint64_t *seed, const InsnDesc *r, const RowInfo *ri,
                                 uint8_t code_size, uint8_t *b)
{
    unsigned n = 0;
    uint32_t c = ri->cons;
    uint64_t rnd = rng_next(seed);
    static const uint8_t legacy[] = { 0x66, 0x67, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0xf2, 0xf3 };

    if (!(c & C_VEX)) {
        unsigned np = rnd & 3;
        for (unsigned i = 0; i < np; i++) {
            uint8_t p = legacy[rng_next(seed) % sizeof(legacy)];
            /* keep the mandatory-prefix choice below in charge */
            if ((c & (C_PNONE | C_P66 | C_PF2 | C_PF3)) && (p == 0x66 || p == 0xf2 || p == 0xf3))
                continue;
            b[n++] = p;
        }
        if (c & C_P66)
            b[n++] = 0x66;
        else if (c & C_PF3)
            b[n++] = 0xf3;
        else if (c & C_PF2)
            b[n++] = 0xf2;
        if (code_size == 8 && (rnd & 4)) {
            uint8_t rex = 0x40 | (uint8_t)((rnd >> 8) & 0xf);
            if (c & C_REXW)
                rex |= 8;
            if (c & C_NOREXW)
                rex &= (uint8_t)~8;
            b[n++] = rex;
        } else if (code_size == 8 && (c & C_REXW)) {
            b[n++] = 0x48;
        }
        if (r->map != MAP_1B)
            b[n++] = 0x0f;
        if (r->map == MAP_0F38)
            b[n++] = 0x38;
        if (r->map == MAP_0F3A)
            b[n++] = 0x3a;
    } else {
        unsigned pp = (c & C_P66) ? 1 : (c & C_PF3) ? 2 : (c & C_PF2) ? 3 : 0;
        unsigned mm = r->map == MAP_0F ? 1 : r->map == MAP_0F38 ? 2 : 3;
        unsigned w = (c & C_REXW) ? 1 : (c & C_NOREXW) ? 0 : (rnd >> 3) & 1;
        unsigned vvvv = ri->vvvv ? (rnd >> 4) & 0xf : 0xf;
        uint8_t rxb = code_size == 8 ? (uint8_t)((rnd >> 9) & 7) : 7;
        b[n++] = 0xc4;
        b[n++] = (uint8_t)(rxb << 5 | mm);
        b[n++] = (uint8_t)(w << 7 | vvvv << 3 | pp);
    }
    b[n++] = r->opcode;
    /* ModRM honouring the row's constraints. */
    uint8_t mod = (uint8_t)((rnd >> 16) & 3), reg = (uint8_t)((rnd >> 18) & 7),
            rm = (uint8_t)((rnd >> 21) & 7);
    if (c & C_MOD_MEM)
        mod = mod == 3 ? 0 : mod;
    if (c & (C_MOD_REG | C_RM(0)))
        mod = 3;
    if (c & C_REG(0))
        reg = c & 7;
    if (c & C_RM(0))
        rm = (c >> 4) & 7;
    b[n++] = (uint8_t)(mod << 6 | reg << 3 | rm);
    while (n < 15)
        b[n++] = (uint8_t)rng_next(seed);
    return n;
}

static void test_structured_encodings_same_length_as_capstone(void **state)
{
    Oracle *o = *state;
    uint64_t seed = 0x5ca1ab1e;
    unsigned bad = 0;
    o->compared = o->mismatched = o->errata = 0;
    for (unsigned iter = 0; iter < 60; iter++) {
        for (unsigned i = 0; i < insn_table_size; i++) {
            RowInfo ri;
            if (!decode_row_info(i, &ri))
                continue;
            const InsnDesc *r = &insn_table[i];
            uint8_t code_size = code_sizes[(iter + i) % 3];
            if (((ri.cons & C_NO64) && code_size == 8) || ((ri.cons & C_ONLY64) && code_size != 8))
                continue;
            uint8_t b[16];
            unsigned n = build_structured(&seed, r, &ri, code_size, b);
            /* For rows without ModRM the byte after the opcode is just
             * another random byte. */
            bad += !compare_one(o, code_size, b, n);
        }
    }
    fprintf(stderr, "# structured: %u compared, %u capstone errata\n", o->compared, o->errata);
    assert_true(o->compared > insn_table_size);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_bytes_same_length_as_capstone),
        cmocka_unit_test(test_structured_encodings_same_length_as_capstone),
    };
    return cmocka_run_group_tests_name("decode_capstone", tests, setup, teardown);
}
