/*
 * cpu/tests/test_x87.c: x87 FPU instructions against results the SDM
 * states (SDM Vol.1 ch. 8; Vol.2 FLD ... FXAM): rounding and precision
 * control, the register stack (TOP, tags, stack fault with C1), FXAM
 * classes, FPREM partial remainders (C2), compares into C0/C2/C3 and
 * EFLAGS, integer stores, the environment and state images, and the
 * #NM/#MF rules (SDM Vol.3 2.5 Table 2-2; Vol.1 8.6).
 */
#include "cpu/tests/fpu_cases.h"

static uint64_t st_mant(const Cpu *cpu, unsigned i)
{
    long double v = x87_st(&cpu->fpu, i);
    return f80_mant(&v);
}

static uint16_t st_se(const Cpu *cpu, unsigned i)
{
    long double v = x87_st(&cpu->fpu, i);
    return f80_se(&v);
}

static void put_f64(FcState *s, uint64_t gpa, double v)
{
    fc_write(s, gpa, &v, 8);
}

/* FLD m64 / FSTP m64 round-trips a double exactly; TOP and tags return to
 * their initial values (SDM Vol.1 8.1.2, 8.1.7). */
static void test_fld_fstp_m64_roundtrip(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    put_f64(s, FX_DATA, -1234.5625);
    cpu->gpr[R_RBX] = FX_DATA;
    /* fld qword [rbx]; fstp qword [rbx+8] */
    assert_int_equal(FC_RUN(s, "\xdd\x03\xdd\x5b\x08", 1), ST_OK);
    assert_int_equal(x87_top(&cpu->fpu), 7);
    assert_int_equal(x87_tag_phys(&cpu->fpu, 7), TAG_VALID);
    assert_int_equal(fc_step(s), ST_OK);
    double out;
    fc_read(s, FX_DATA + 8, &out, 8);
    assert_true(out == -1234.5625);
    assert_int_equal(x87_top(&cpu->fpu), 0);
    assert_int_equal(cpu->fpu.ftw, 0xffff);
}

/* 1/3 under each rounding mode and precision (SDM Vol.1 8.1.5.2 "Precision
 * Control Field", 8.1.5.3 "Rounding Control Field"; 4.8.4 "Rounding"):
 * nearest rounds the 64-bit significand up (C1 = 1, PE); down/zero
 * truncate; PC = single rounds at 24 bits. */
static void test_fdiv_rounding_and_precision_control(void **state)
{
    static const struct { uint16_t fcw; uint64_t mant; bool c1; } rows[] = {
        { 0x037f, 0xaaaaaaaaaaaaaaabull, true },   /* PC ext, RC nearest */
        { 0x077f, 0xaaaaaaaaaaaaaaaaull, false },  /* RC down */
        { 0x0b7f, 0xaaaaaaaaaaaaaaabull, true },   /* RC up */
        { 0x0f7f, 0xaaaaaaaaaaaaaaaaull, false },  /* RC toward zero */
        { 0x007f, 0xaaaaab0000000000ull, true },   /* PC single, nearest */
        { 0x027f, 0xaaaaaaaaaaaaa800ull, false },  /* PC double, nearest */
    };
    FcState *s = *state;
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        Cpu *cpu = fc_mode(s, FC_64);
        cpu->fpu.fcw = rows[i].fcw;
        put_f64(s, FX_DATA, 3.0);
        cpu->gpr[R_RBX] = FX_DATA;
        /* fld1; fld qword [rbx]; fdivp st(1), st */
        assert_int_equal(FC_RUN(s, "\xd9\xe8\xdd\x03\xde\xf9", 3), ST_OK);
        assert_int_equal(x87_top(&cpu->fpu), 7);
        assert_int_equal(st_mant(cpu, 0), rows[i].mant);
        assert_int_equal(st_se(cpu, 0), 0x3ffd);
        assert_true(cpu->fpu.fsw & FSW_PE);
        assert_int_equal(!!(cpu->fpu.fsw & FSW_C1), rows[i].c1);
    }
}

/* FXAM classes (SDM Vol.2A FXAM, "FXAM Results"): C3 C2 C0 and the sign
 * in C1. */
static void test_fxam_classes(void **state)
{
    static const struct { uint16_t se; uint64_t m; uint16_t cc; } rows[] = {
        { 0x3fff, 0x8000000000000000ull, FSW_C2 },                  /* +1 normal */
        { 0x8000, 0, FSW_C3 | FSW_C1 },                              /* -0 */
        { 0xffff, 0x8000000000000000ull, FSW_C2 | FSW_C0 | FSW_C1 }, /* -inf */
        { 0x7fff, 0xc000000000000000ull, FSW_C0 },                   /* QNaN */
        { 0x0000, 0x0000000000000001ull, FSW_C3 | FSW_C2 },          /* denormal */
        { 0x3fff, 0x4000000000000000ull, 0 },                        /* unnormal */
    };
    FcState *s = *state;
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        Cpu *cpu = fc_mode(s, FC_64);
        uint8_t img[10];
        memcpy(img, &rows[i].m, 8);
        memcpy(img + 8, &rows[i].se, 2);
        fc_write(s, FX_DATA, img, 10);
        cpu->gpr[R_RBX] = FX_DATA;
        /* fld tbyte [rbx]; fxam */
        assert_int_equal(FC_RUN(s, "\xdb\x2b\xd9\xe5", 2), ST_OK);
        assert_int_equal(cpu->fpu.fsw & FSW_CC, rows[i].cc);
    }
    /* an empty ST(0): C3 C0 = 1 0 1 */
    Cpu *cpu = fc_mode(s, FC_64);
    assert_int_equal(FC_RUN(s, "\xd9\xe5", 1), ST_OK);
    assert_int_equal(cpu->fpu.fsw & (FSW_C3 | FSW_C2 | FSW_C0), FSW_C3 | FSW_C0);
}

/* FPREM with an exponent difference above 63 stops early with C2 = 1
 * (partial remainder); repeating it completes (C2 = 0) with the exact
 * remainder (SDM Vol.2A FPREM). 2^100 mod 3 = 1. */
static void test_fprem_partial_remainder_c2(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    put_f64(s, FX_DATA, 3.0);
    put_f64(s, FX_DATA + 8, 0x1p100);
    cpu->gpr[R_RBX] = FX_DATA;
    /* fld qword [rbx]; fld qword [rbx+8]; fprem */
    assert_int_equal(FC_RUN(s, "\xdd\x03\xdd\x43\x08\xd9\xf8", 3), ST_OK);
    assert_true(cpu->fpu.fsw & FSW_C2);
    unsigned rounds = 1;
    while ((cpu->fpu.fsw & FSW_C2) && rounds < 10) {
        assert_int_equal(FC_RUN(s, "\xd9\xf8", 1), ST_OK);
        rounds++;
    }
    assert_false(cpu->fpu.fsw & FSW_C2);
    assert_true(rounds > 1);
    assert_int_equal(st_se(cpu, 0), 0x3fff);
    assert_int_equal(st_mant(cpu, 0), 0x8000000000000000ull);
    /* the divisor in ST(1) is unchanged */
    assert_int_equal(st_se(cpu, 1), 0x4000);
}

/* Pushing onto a full stack: IE + SF with C1 = 1, masked response QNaN
 * indefinite (SDM Vol.1 8.5.1.1 "Stack Overflow or Underflow Exception"). */
static void test_stack_overflow_sets_sf_c1(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    static const char code[] = "\xd9\xe8\xd9\xe8\xd9\xe8\xd9\xe8\xd9\xe8\xd9\xe8"
                               "\xd9\xe8\xd9\xe8\xd9\xe8";
    assert_int_equal(fc_run(s, code, sizeof(code) - 1, 8), ST_OK);
    assert_false(cpu->fpu.fsw & FSW_IE);
    assert_int_equal(fc_step(s), ST_OK);
    uint16_t want = FSW_IE | FSW_SF | FSW_C1;
    assert_int_equal(cpu->fpu.fsw & want, want);
    assert_int_equal(st_se(cpu, 0), 0xffff);
    assert_int_equal(st_mant(cpu, 0), 0xc000000000000000ull);
}

/* Reading an empty register: IE + SF with C1 = 0; masked response writes
 * the indefinite (SDM Vol.1 8.5.1.1). */
static void test_stack_underflow_masked_response(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->fpu.fsw |= FSW_C1;
    /* fld1; fadd st(0), st(1)  -- ST(1) is empty */
    assert_int_equal(FC_RUN(s, "\xd9\xe8\xd8\xc1", 2), ST_OK);
    assert_int_equal(cpu->fpu.fsw & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF);
    assert_int_equal(st_se(cpu, 0), 0xffff);
    assert_int_equal(st_mant(cpu, 0), 0xc000000000000000ull);
}

/* An unmasked exception leaves the destination unchanged, sets ES, and is
 * reported as #MF by the next waiting instruction; non-waiting FNSTSW and
 * FNCLEX run, after which execution continues (SDM Vol.1 8.6, 8.3.12). */
static void test_unmasked_invalid_raises_mf_at_next_waiting(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    uint16_t cw = 0x037e;     /* IM = 0 */
    fc_write(s, FX_DATA, &cw, 2);
    put_f64(s, FX_DATA + 8, -4.0);
    cpu->gpr[R_RBX] = FX_DATA;
    /* fldcw [rbx]; fld qword [rbx+8]; fsqrt */
    assert_int_equal(FC_RUN(s, "\xd9\x2b\xdd\x43\x08\xd9\xfa", 3), ST_OK);
    assert_true(cpu->fpu.fsw & FSW_IE);
    assert_true(cpu->fpu.fsw & FSW_ES);
    assert_int_equal(st_se(cpu, 0), 0xc001);     /* -4.0 unchanged */
    /* fld1 is waiting: #MF */
    assert_fault(FC_RUN(s, "\xd9\xe8", 1), cpu, EXC_MF);
    /* wait: #MF */
    assert_fault(FC_RUN(s, "\x9b", 1), cpu, EXC_MF);
    /* fnstsw ax; fnclex; fld1 */
    assert_int_equal(FC_RUN(s, "\xdf\xe0\xdb\xe2\xd9\xe8", 3), ST_OK);
    assert_true(cpu->gpr[R_RAX] & FSW_ES);
    assert_false(cpu->fpu.fsw & (FSW_ES | FSW_IE));
}

/* CR0.EM or CR0.TS make x87 instructions #NM; WAIT faults only with MP
 * and TS (SDM Vol.3 2.5 Table 2-2). */
static void test_em_ts_mp_nm_rules(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->cr0 |= CR0_EM;
    assert_fault(FC_RUN(s, "\xd9\xe8", 1), cpu, EXC_NM);
    assert_int_equal(FC_RUN(s, "\x9b", 1), ST_OK);      /* WAIT ignores EM */
    cpu->cr0 &= ~(uint64_t)CR0_EM;
    cpu->cr0 |= CR0_TS;
    assert_fault(FC_RUN(s, "\xd9\xe8", 1), cpu, EXC_NM);
    assert_fault(FC_RUN(s, "\x9b", 1), cpu, EXC_NM);    /* MP = 1, TS = 1 */
    cpu->cr0 &= ~(uint64_t)CR0_MP;
    assert_int_equal(FC_RUN(s, "\x9b", 1), ST_OK);      /* MP = 0 */
}

/* FCOMI/FUCOMI set ZF, PF, CF (unordered: all three); FCOMI signals IE on
 * a QNaN, FUCOMI does not (SDM Vol.2A FCOMI/FCOMIP/FUCOMI/FUCOMIP). */
static void test_fcomi_fucomi_flags(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    put_f64(s, FX_DATA, 2.0);
    cpu->gpr[R_RBX] = FX_DATA;
    /* fld qword [rbx] (2); fld1; fcomi st(0), st(1): 1 < 2 -> CF */
    assert_int_equal(FC_RUN(s, "\xdd\x03\xd9\xe8\xdb\xf1", 3), ST_OK);
    assert_int_equal(cpu->rflags & (RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF), RFLAGS_CF);

    cpu = fc_mode(s, FC_64);
    cpu->gpr[R_RBX] = FX_DATA;
    put_f64(s, FX_DATA, __builtin_nan(""));
    /* fld qword [rbx] (QNaN); fld1; fucomi st(0), st(1) */
    assert_int_equal(FC_RUN(s, "\xdd\x03\xd9\xe8\xdb\xe9", 3), ST_OK);
    assert_int_equal(cpu->rflags & (RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF),
                     RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF);
    assert_false(cpu->fpu.fsw & FSW_IE);
    /* fcomi st(0), st(1) */
    assert_int_equal(FC_RUN(s, "\xdb\xf1", 1), ST_OK);
    assert_true(cpu->fpu.fsw & FSW_IE);
}

/* FISTP of a value out of the m16 range stores the integer indefinite
 * 8000H with IE; FILD/FISTP m64 round-trips (SDM Vol.2A FIST/FISTP). */
static void test_fistp_range_and_m64(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    put_f64(s, FX_DATA, 1.0e6);
    cpu->gpr[R_RBX] = FX_DATA;
    /* fld qword [rbx]; fistp word [rbx+16] */
    assert_int_equal(FC_RUN(s, "\xdd\x03\xdf\x5b\x10", 2), ST_OK);
    assert_int_equal(fixture_read_phys(s->fx, FX_DATA + 16, 2), 0x8000);
    assert_true(cpu->fpu.fsw & FSW_IE);

    cpu = fc_mode(s, FC_64);
    cpu->gpr[R_RBX] = FX_DATA;
    uint64_t big = 0x8000000000000001ull;   /* -(2^63 - 1) */
    fc_write(s, FX_DATA, &big, 8);
    /* fild qword [rbx]; fistp qword [rbx+8] */
    assert_int_equal(FC_RUN(s, "\xdf\x2b\xdf\x7b\x08", 2), ST_OK);
    assert_int_equal(fixture_read_phys(s->fx, FX_DATA + 8, 8), big);
    assert_false(cpu->fpu.fsw & FSW_EXC);
}

/* FNSTENV (32-bit protected-mode image, SDM Vol.1 Figure 8-9) stores FCW,
 * FSW, the full tag word, FIP, the opcode and FDP, then masks every
 * exception; FLDENV reloads it. */
static void test_fnstenv_layout_and_fldenv(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_32);
    cpu->fpu.fcw = 0x0272;
    cpu->gpr[R_RBX] = FX_DATA;
    /* fldz; fld qword [ebx+0x40]; fnstenv [ebx] */
    put_f64(s, FX_DATA + 0x40, 1.5);
    assert_int_equal(FC_RUN(s, "\xd9\xee\xdd\x43\x40\xd9\x33", 3), ST_OK);
    uint8_t env[28];
    fc_read(s, FX_DATA, env, 28);
    assert_int_equal(env[0] | env[1] << 8, 0x0272);
    uint16_t fsw = (uint16_t)(env[4] | env[5] << 8);
    assert_int_equal((fsw >> 11) & 7, 6);
    /* R7 = zero (01), R6 = valid (00), others empty (11) */
    assert_int_equal(env[8] | env[9] << 8, 0x4fff);
    /* FIP: the FLD m64 at FX_CODE + 2; opcode DD 43 -> 0x543 */
    assert_int_equal(env[12] | env[13] << 8 | env[14] << 16, FX_CODE + 2);
    assert_int_equal((env[18] | env[19] << 8) & 0x7ff, 0x543);
    assert_int_equal(env[20] | env[21] << 8 | env[22] << 16, FX_DATA + 0x40);
    assert_int_equal(cpu->fpu.fcw & FCW_MASKS, FCW_MASKS);
    /* fldenv [ebx] restores the unmasked control word */
    assert_int_equal(FC_RUN(s, "\xd9\x23", 1), ST_OK);
    assert_int_equal(cpu->fpu.fcw, 0x0272);
}

/* FNSAVE stores the registers in ST order after the environment and
 * re-initializes the FPU; FRSTOR restores the stack (SDM Vol.2A FSAVE,
 * FRSTOR). */
static void test_fnsave_frstor_roundtrip(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->gpr[R_RBX] = FX_DATA;
    /* fld1; fldpi; fnsave [rbx] */
    assert_int_equal(FC_RUN(s, "\xd9\xe8\xd9\xeb\xdd\x33", 3), ST_OK);
    assert_int_equal(cpu->fpu.fcw, FCW_INIT);
    assert_int_equal(cpu->fpu.ftw, 0xffff);
    assert_int_equal(x87_top(&cpu->fpu), 0);
    /* ST(0) = pi at offset 28 */
    assert_int_equal(fixture_read_phys(s->fx, FX_DATA + 28, 8), 0xc90fdaa22168c235ull);
    assert_int_equal(fixture_read_phys(s->fx, FX_DATA + 36, 2), 0x4000);
    /* frstor [rbx] */
    assert_int_equal(FC_RUN(s, "\xdd\x23", 1), ST_OK);
    assert_int_equal(x87_top(&cpu->fpu), 6);
    assert_int_equal(st_mant(cpu, 0), 0xc90fdaa22168c235ull);
    assert_int_equal(st_mant(cpu, 1), 0x8000000000000000ull);
    assert_int_equal(x87_tag_phys(&cpu->fpu, 7), TAG_VALID);
    assert_int_equal(x87_tag_phys(&cpu->fpu, 5), TAG_EMPTY);
}

/* FCMOVB moves only when CF = 1; FXCH swaps; FCHS/FABS act on the sign
 * (SDM Vol.2A FCMOVcc, FXCH, FCHS, FABS). */
static void test_fcmov_fxch_fchs(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->rflags = RFLAGS_FIXED1;
    /* fld1; fldz; fcmovb st(0), st(1) (CF=0: no move) */
    assert_int_equal(FC_RUN(s, "\xd9\xe8\xd9\xee\xda\xc1", 3), ST_OK);
    assert_int_equal(st_se(cpu, 0), 0);
    cpu->rflags |= RFLAGS_CF;
    assert_int_equal(FC_RUN(s, "\xda\xc1", 1), ST_OK);
    assert_int_equal(st_se(cpu, 0), 0x3fff);
    /* fldz; fxch st(1); fchs */
    assert_int_equal(FC_RUN(s, "\xd9\xee\xd9\xc9\xd9\xe0", 3), ST_OK);
    assert_int_equal(st_se(cpu, 0), 0xbfff);
    assert_int_equal(st_se(cpu, 1), 0);
    /* fabs */
    assert_int_equal(FC_RUN(s, "\xd9\xe1", 1), ST_OK);
    assert_int_equal(st_se(cpu, 0), 0x3fff);
}

/* FST m32 rounds per RC (not PC) and sets OE + PE on overflow with the
 * masked response infinity (SDM Vol.2A FST; Vol.1 8.5.4). */
static void test_fst_m32_overflow(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    put_f64(s, FX_DATA, 1.0e300);
    cpu->gpr[R_RBX] = FX_DATA;
    /* fld qword [rbx]; fst dword [rbx+8] */
    assert_int_equal(FC_RUN(s, "\xdd\x03\xd9\x53\x08", 2), ST_OK);
    assert_int_equal(fixture_read_phys(s->fx, FX_DATA + 8, 4), 0x7f800000u);
    assert_int_equal(cpu->fpu.fsw & (FSW_OE | FSW_PE), FSW_OE | FSW_PE);
}

/* Real-address mode, 16-bit operand size: the 14-byte image holds the
 * 20-bit linear instruction and operand pointers split across two words,
 * with the opcode in bits 10:0 (SDM Vol.1 Figure 8-12); with a 66 prefix
 * the 28-byte real-mode image (Figure 8-10). */
static void test_fnstenv_real_mode_formats(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_16);
    cpu->gpr[R_RBX] = 0x5000;
    put_f64(s, 0x5040, 2.0);
    /* fldz; fld qword [bx+0x40]; fnstenv [bx] */
    assert_int_equal(FC_RUN(s, "\xd9\xee\xdd\x47\x40\xd9\x37", 3), ST_OK);
    uint8_t env[28];
    fc_read(s, 0x5000, env, 14);
    assert_int_equal(env[0] | env[1] << 8, FCW_INIT);
    assert_int_equal(env[4] | env[5] << 8, 0x4fff);
    assert_int_equal(env[6] | env[7] << 8, FX_CODE + 2);
    assert_int_equal(env[8] | env[9] << 8, 0x547);
    assert_int_equal(env[10] | env[11] << 8, 0x5040);
    assert_int_equal(env[12] | env[13] << 8, 0);
    /* o32 fnstenv [bx] */
    assert_int_equal(FC_RUN(s, "\x66\xd9\x37", 1), ST_OK);
    fc_read(s, 0x5000, env, 28);
    assert_int_equal(env[12] | env[13] << 8, FX_CODE + 2);
    assert_int_equal((env[16] | env[17] << 8) & 0x7ff, 0x547);
    assert_int_equal(env[20] | env[21] << 8, 0x5040);
}

/* FPTAN of 0 replaces ST(0) with tan = 0 and pushes 1.0 (SDM Vol.2A
 * FPTAN); FSIN of 0 is 0 with C2 = 0. */
static void test_fptan_pushes_one(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    /* fldz; fptan */
    assert_int_equal(FC_RUN(s, "\xd9\xee\xd9\xf2", 2), ST_OK);
    assert_int_equal(x87_top(&cpu->fpu), 6);
    assert_int_equal(st_se(cpu, 0), 0x3fff);
    assert_int_equal(st_mant(cpu, 0), 0x8000000000000000ull);
    assert_int_equal(st_se(cpu, 1), 0);
    assert_false(cpu->fpu.fsw & FSW_C2);
    /* fstp st(0); fsin */
    assert_int_equal(FC_RUN(s, "\xdd\xd8\xd9\xfe", 2), ST_OK);
    assert_int_equal(x87_top(&cpu->fpu), 7);
    assert_int_equal(st_se(cpu, 0), 0);
    assert_int_equal(st_mant(cpu, 0), 0);
}

/* FBLD reads packed BCD (sign in bit 79), FBSTP writes it back rounded per
 * RC (SDM Vol.2A FBLD, FBSTP). */
static void test_fbld_fbstp_bcd(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    uint8_t bcd[10] = { 0x34, 0x12, 0, 0, 0, 0, 0, 0, 0, 0x80 };   /* -1234 */
    fc_write(s, FX_DATA, bcd, 10);
    cpu->gpr[R_RBX] = FX_DATA;
    /* fbld [rbx]; fbstp [rbx+16] */
    assert_int_equal(FC_RUN(s, "\xdf\x23\xdf\x73\x10", 1), ST_OK);
    assert_int_equal(st_se(cpu, 0), 0xc009);
    assert_int_equal(st_mant(cpu, 0), 0x9a40000000000000ull);
    assert_int_equal(fc_step(s), ST_OK);
    uint8_t out[10];
    fc_read(s, FX_DATA + 16, out, 10);
    assert_memory_equal(out, bcd, 10);
    assert_int_equal(cpu->fpu.ftw, 0xffff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fld_fstp_m64_roundtrip),
        cmocka_unit_test(test_fdiv_rounding_and_precision_control),
        cmocka_unit_test(test_fxam_classes),
        cmocka_unit_test(test_fprem_partial_remainder_c2),
        cmocka_unit_test(test_stack_overflow_sets_sf_c1),
        cmocka_unit_test(test_stack_underflow_masked_response),
        cmocka_unit_test(test_unmasked_invalid_raises_mf_at_next_waiting),
        cmocka_unit_test(test_em_ts_mp_nm_rules),
        cmocka_unit_test(test_fcomi_fucomi_flags),
        cmocka_unit_test(test_fistp_range_and_m64),
        cmocka_unit_test(test_fnstenv_layout_and_fldenv),
        cmocka_unit_test(test_fnsave_frstor_roundtrip),
        cmocka_unit_test(test_fcmov_fxch_fchs),
        cmocka_unit_test(test_fst_m32_overflow),
        cmocka_unit_test(test_fnstenv_real_mode_formats),
        cmocka_unit_test(test_fptan_pushes_one),
        cmocka_unit_test(test_fbld_fbstp_bcd),
    };
    return cmocka_run_group_tests_name("x87", tests, fc_setup, fc_teardown);
}
