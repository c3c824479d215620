/*
 * cpu/tests/test_xsave.c: FXSAVE/FXRSTOR image layout in each format (SDM
 * Vol.2A FXSAVE Tables 3-43, 3-46, 3-47), alignment and #NM rules, MXCSR
 * reserved bits on restore, and the XSAVE feature set: XSTATE_BV update
 * rule, RFBM, init on XRSTOR, header checks of the standard and compacted
 * forms, XSAVEC's XCOMP_BV, XSAVES/XRSTORS privilege (SDM Vol.1 13.7-13.12).
 */
#include "cpu/tests/fpu_cases.h"

#define AREA FX_DATA

static uint64_t rd(FcState *s, unsigned off, unsigned size)
{
    return fixture_read_phys(s->fx, AREA + off, size);
}

static void fill(FcState *s, uint8_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fixture_write_phys(s->fx, AREA + i, 1, v);
}

/* Legacy/compatibility layout (Table 3-43): FCW, FSW, abridged FTW, FOP,
 * FIP, FCS, FDP, FDS, MXCSR, MXCSR_MASK, ST0-7, XMM0-7; bytes from 288 on
 * are not written outside 64-bit mode. */
static void test_fxsave_layout_32bit(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_32);
    fill(s, 0xaa, 512);
    cpu->gpr[R_RBX] = AREA;
    cpu->fpu.mxcsr = 0x1fa0;
    cpu->fpu.xmm[7].q[0] = 0x0706050403020100ull;
    cpu->fpu.xmm[7].q[1] = 0x0f0e0d0c0b0a0908ull;
    /* fld1; fxsave [ebx] */
    assert_int_equal(FC_RUN(s, "\xd9\xe8\x0f\xae\x03", 2), ST_OK);
    assert_int_equal(rd(s, 0, 2), 0x037f);
    assert_int_equal((rd(s, 2, 2) >> 11) & 7, 7);
    assert_int_equal(rd(s, 4, 1), 0x80);          /* R7 not empty */
    assert_int_equal(rd(s, 6, 2), 0x1e8);         /* D9 E8 */
    assert_int_equal(rd(s, 8, 4), FX_CODE);
    assert_int_equal(rd(s, 12, 2), 0x08);         /* CS selector */
    assert_int_equal(rd(s, 24, 4), 0x1fa0);
    assert_int_equal(rd(s, 28, 4), MXCSR_MASK_VALUE);
    assert_int_equal(rd(s, 32, 8), 0x8000000000000000ull);
    assert_int_equal(rd(s, 40, 2), 0x3fff);
    assert_int_equal(rd(s, 272, 8), 0x0706050403020100ull);
    assert_int_equal(rd(s, 280, 8), 0x0f0e0d0c0b0a0908ull);
    assert_int_equal(rd(s, 288, 8), 0xaaaaaaaaaaaaaaaaull);
}

/* 64-bit mode: REX.W gives 64-bit FIP/FDP at 8 and 16 (Table 3-46);
 * without it FDS follows a 32-bit FDP (Table 3-47); XMM8-15 saved. */
static void test_fxsave64_rexw_layout(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->gpr[R_RBX] = AREA;
    cpu->fpu.xmm[15].q[1] = 0x1515151515151515ull;
    fixture_write_phys(s->fx, AREA + 0x400, 8, 0x3ff0000000000000ull);
    /* fld qword [rbx+0x400]; fxsave64 [rbx] */
    assert_int_equal(FC_RUN(s, "\xdd\x83\x00\x04\x00\x00\x48\x0f\xae\x03", 2), ST_OK);
    assert_int_equal(rd(s, 8, 8), FX_CODE);
    assert_int_equal(rd(s, 16, 8), AREA + 0x400);
    assert_int_equal(rd(s, 408, 8), 0x1515151515151515ull);
    cpu->seg[SEG_DS].sel = 0x2b;
    /* fxsave [rbx] (REX.W = 0): FDS at 20 */
    assert_int_equal(FC_RUN(s, "\xdd\x83\x00\x04\x00\x00\x0f\xae\x03", 2), ST_OK);
    assert_int_equal(rd(s, 16, 4), AREA + 0x400);
    assert_int_equal(rd(s, 20, 2), 0x2b);
}

/* FXSAVE: #GP(0) unless 16-byte aligned; #NM if CR0.TS or CR0.EM (SDM
 * Vol.2A FXSAVE exceptions). */
static void test_fxsave_alignment_and_nm(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->gpr[R_RBX] = AREA + 8;
    assert_fault(FC_RUN(s, "\x0f\xae\x03", 1), cpu, EXC_GP);
    cpu->gpr[R_RBX] = AREA;
    cpu->cr0 |= CR0_TS;
    assert_fault(FC_RUN(s, "\x0f\xae\x03", 1), cpu, EXC_NM);
    cpu->cr0 &= ~(uint64_t)CR0_TS;
    cpu->cr0 |= CR0_EM;
    assert_fault(FC_RUN(s, "\x0f\xae\x0b", 1), cpu, EXC_NM);
}

/* FXRSTOR restores what FXSAVE saved; an MXCSR image with reserved bits
 * set is #GP(0) and changes nothing (SDM Vol.2A FXRSTOR). */
static void test_fxrstor_roundtrip_and_mxcsr_gp(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->gpr[R_RBX] = AREA;
    cpu->fpu.xmm[3].q[0] = 0x3333;
    cpu->fpu.mxcsr = 0x9fc0;
    /* fldpi; fxsave64 [rbx]; fninit; fxrstor64 [rbx] */
    assert_int_equal(FC_RUN(s, "\xd9\xeb\x48\x0f\xae\x03", 2), ST_OK);
    FpuState saved = cpu->fpu;
    cpu->fpu.xmm[3].q[0] = 0;
    cpu->fpu.mxcsr = MXCSR_INIT;
    assert_int_equal(FC_RUN(s, "\xdb\xe3\x48\x0f\xae\x0b", 2), ST_OK);
    assert_int_equal(cpu->fpu.xmm[3].q[0], 0x3333);
    assert_int_equal(cpu->fpu.mxcsr, 0x9fc0);
    assert_int_equal(cpu->fpu.fcw, saved.fcw);
    assert_int_equal(cpu->fpu.fsw, saved.fsw);
    assert_int_equal(cpu->fpu.ftw, saved.ftw);
    assert_int_equal(f80_mant(&cpu->fpu.st[7]), 0xc90fdaa22168c235ull);

    fixture_write_phys(s->fx, AREA + 24, 4, 0x00011f80);
    cpu->fpu.mxcsr = MXCSR_INIT;
    assert_fault(FC_RUN(s, "\x48\x0f\xae\x0b", 1), cpu, EXC_GP);
    assert_int_equal(cpu->fpu.mxcsr, MXCSR_INIT);
}

/* XSAVE: #UD without CR4.OSXSAVE, #GP(0) unless 64-byte aligned; it writes
 * XSTATE_BV[i] only for i in RFBM and leaves other header bits; RFBM = XCR0
 * AND EDX:EAX selects components (SDM Vol.1 13.7). */
static void test_xsave_rfbm_and_header(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    fill(s, 0, 1024);
    cpu->gpr[R_RBX] = AREA;
    cpu->cr4 &= ~(uint64_t)CR4_OSXSAVE;
    assert_fault(FC_RUN(s, "\x0f\xae\x23", 1), cpu, EXC_UD);
    cpu->cr4 |= CR4_OSXSAVE;
    cpu->gpr[R_RBX] = AREA + 16;
    assert_fault(FC_RUN(s, "\x0f\xae\x23", 1), cpu, EXC_GP);
    cpu->gpr[R_RBX] = AREA;
    fixture_write_phys(s->fx, AREA + 512, 8, 0x80);
    cpu->fpu.xmm[0].q[0] = 0xabcdef;
    cpu->fpu.mxcsr = 0x1fa0;
    /* RFBM = x87 only: no XMM, no MXCSR */
    cpu->gpr[R_RAX] = 1;
    cpu->gpr[R_RDX] = 0;
    assert_int_equal(FC_RUN(s, "\x0f\xae\x23", 1), ST_OK);
    assert_int_equal(rd(s, 0, 2), FCW_INIT);
    assert_int_equal(rd(s, 160, 8), 0);
    assert_int_equal(rd(s, 24, 4), 0);
    assert_int_equal(rd(s, 512, 8), 0x81);
    /* EDX:EAX all ones: RFBM = XCR0 = 3 */
    cpu->gpr[R_RAX] = ~0ull;
    cpu->gpr[R_RDX] = ~0ull;
    assert_int_equal(FC_RUN(s, "\x0f\xae\x23", 1), ST_OK);
    assert_int_equal(rd(s, 160, 8), 0xabcdef);
    assert_int_equal(rd(s, 24, 4), cpu->fpu.mxcsr);
    assert_int_equal(rd(s, 512, 8), 0x83);
    assert_int_equal(rd(s, 520, 8), 0);      /* XCOMP_BV not written */
}

/* XRSTOR (standard form): XSTATE_BV[i] = 0 initializes component i; MXCSR
 * still loads from memory; XSTATE_BV bits outside XCR0 or non-zero header
 * bytes 23:8 are #GP(0) (SDM Vol.1 13.8.1). */
static void test_xrstor_init_and_header_checks(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    fill(s, 0, 1024);
    cpu->gpr[R_RBX] = AREA;
    cpu->gpr[R_RAX] = 3;
    cpu->gpr[R_RDX] = 0;
    fixture_write_phys(s->fx, AREA + 24, 4, 0x1f00);
    cpu->fpu.xmm[5].q[0] = 0x55;
    cpu->fpu.fcw = 0x0272;
    x87_push(&cpu->fpu, f80_make(0x3fff, 1ull << 63));
    assert_int_equal(FC_RUN(s, "\x0f\xae\x2b", 1), ST_OK);
    assert_int_equal(cpu->fpu.fcw, FCW_INIT);
    assert_int_equal(cpu->fpu.ftw, 0xffff);
    assert_int_equal(x87_top(&cpu->fpu), 0);
    assert_int_equal(cpu->fpu.xmm[5].q[0], 0);
    assert_int_equal(cpu->fpu.mxcsr, 0x1f00);

    fixture_write_phys(s->fx, AREA + 512, 8, 4);          /* AVX not in XCR0 */
    assert_fault(FC_RUN(s, "\x0f\xae\x2b", 1), cpu, EXC_GP);
    fixture_write_phys(s->fx, AREA + 512, 8, 3);
    fixture_write_phys(s->fx, AREA + 520, 8, 1);          /* XCOMP_BV != 0 */
    assert_fault(FC_RUN(s, "\x0f\xae\x2b", 1), cpu, EXC_GP);
    fixture_write_phys(s->fx, AREA + 520, 8, 0);
    fixture_write_phys(s->fx, AREA + 528, 8, 1);          /* bytes 23:16 */
    assert_fault(FC_RUN(s, "\x0f\xae\x2b", 1), cpu, EXC_GP);
    fixture_write_phys(s->fx, AREA + 528, 8, 0);
    fixture_write_phys(s->fx, AREA + 536, 8, 1);          /* bytes 63:24 */
    assert_int_equal(FC_RUN(s, "\x0f\xae\x2b", 1), ST_OK);
    fixture_write_phys(s->fx, AREA + 24, 4, 0x10000);     /* bad MXCSR */
    assert_fault(FC_RUN(s, "\x0f\xae\x2b", 1), cpu, EXC_GP);
}

/* XSAVEC writes XCOMP_BV = RFBM | bit 63 and XSTATE_BV = RFBM AND XINUSE;
 * XRSTOR takes the compacted form from it; compacted-form checks reject
 * XSTATE_BV bits not in XCOMP_BV and non-zero bytes 63:16 (SDM Vol.1
 * 13.10, 13.8.2). */
static void test_xsavec_compacted_roundtrip(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    fill(s, 0, 1024);
    cpu->gpr[R_RBX] = AREA;
    cpu->gpr[R_RAX] = 3;
    cpu->gpr[R_RDX] = 0;
    cpu->fpu.xmm[2].q[1] = 0x2222;
    assert_int_equal(FC_RUN(s, "\x0f\xc7\x23", 1), ST_OK);
    assert_int_equal(rd(s, 520, 8), 0x8000000000000003ull);
    assert_int_equal(rd(s, 512, 8), 3);
    cpu->fpu.xmm[2].q[1] = 0;
    assert_int_equal(FC_RUN(s, "\x0f\xae\x2b", 1), ST_OK);
    assert_int_equal(cpu->fpu.xmm[2].q[1], 0x2222);

    fixture_write_phys(s->fx, AREA + 520, 8, 0x8000000000000001ull);
    assert_fault(FC_RUN(s, "\x0f\xae\x2b", 1), cpu, EXC_GP);   /* SSE not in XCOMP_BV */
    fixture_write_phys(s->fx, AREA + 520, 8, 0x8000000000000003ull);
    fixture_write_phys(s->fx, AREA + 560, 8, 1);
    assert_fault(FC_RUN(s, "\x0f\xae\x2b", 1), cpu, EXC_GP);   /* bytes 63:16 */
}

/* XSAVES/XRSTORS are CPL 0 only (SDM Vol.2 XSAVES "#GP(0) If CPL > 0");
 * XRSTORS refuses the standard form (SDM Vol.1 13.12). */
static void test_xsaves_xrstors_rules(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    fill(s, 0, 1024);
    cpu->gpr[R_RBX] = AREA;
    cpu->gpr[R_RAX] = 3;
    cpu->gpr[R_RDX] = 0;
    assert_fault(FC_RUN(s, "\x0f\xc7\x1b", 1), cpu, EXC_GP);   /* standard form */
    assert_int_equal(FC_RUN(s, "\x0f\xc7\x2b", 1), ST_OK);     /* xsaves */
    assert_int_equal(rd(s, 520, 8), 0x8000000000000003ull);
    assert_int_equal(FC_RUN(s, "\x0f\xc7\x1b", 1), ST_OK);     /* xrstors */
    cpu->cpl = 3;
    assert_fault(FC_RUN(s, "\x0f\xc7\x2b", 1), cpu, EXC_GP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fxsave_layout_32bit),
        cmocka_unit_test(test_fxsave64_rexw_layout),
        cmocka_unit_test(test_fxsave_alignment_and_nm),
        cmocka_unit_test(test_fxrstor_roundtrip_and_mxcsr_gp),
        cmocka_unit_test(test_xsave_rfbm_and_header),
        cmocka_unit_test(test_xrstor_init_and_header_checks),
        cmocka_unit_test(test_xsavec_compacted_roundtrip),
        cmocka_unit_test(test_xsaves_xrstors_rules),
    };
    return cmocka_run_group_tests_name("xsave", tests, fc_setup, fc_teardown);
}
