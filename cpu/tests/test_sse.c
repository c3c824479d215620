/*
 * cpu/tests/test_sse.c: SSE/SSE2/MMX instructions against the SDM's rules
 * (SDM Vol.1 ch. 9-11; Vol.2 instruction pages): availability (#UD/#NM),
 * 16-byte alignment (#GP(0)), scalar merge rules, SIMD floating-point
 * exceptions (#XM/#UD, destination unchanged), MXCSR reserved bits,
 * REX.W conversions, EFLAGS from COMISD/UCOMISD, integer saturation and
 * shuffles, and the MMX/x87 aliasing.
 */
#include "cpu/tests/fpu_cases.h"

static void set_ps(Cpu *cpu, unsigned r, float a, float b, float c, float d)
{
    cpu->fpu.xmm[r].f[0] = a;
    cpu->fpu.xmm[r].f[1] = b;
    cpu->fpu.xmm[r].f[2] = c;
    cpu->fpu.xmm[r].f[3] = d;
}

/* CR4.OSFXSR = 0 or CR0.EM = 1 -> #UD; CR0.TS = 1 -> #NM (SDM Vol.3 2.5;
 * Vol.2 ADDPS "Exceptions", Table 2-... "Type 2"). */
static void test_sse_availability_ud_nm(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->cr4 &= ~(uint64_t)CR4_OSFXSR;
    assert_fault(FC_RUN(s, "\x0f\x58\xc1", 1), cpu, EXC_UD);
    cpu->cr4 |= CR4_OSFXSR;
    cpu->cr0 |= CR0_EM;
    assert_fault(FC_RUN(s, "\x0f\x58\xc1", 1), cpu, EXC_UD);
    cpu->cr0 &= ~(uint64_t)CR0_EM;
    cpu->cr0 |= CR0_TS;
    assert_fault(FC_RUN(s, "\x0f\x58\xc1", 1), cpu, EXC_NM);
    cpu->cr0 &= ~(uint64_t)CR0_TS;
    assert_int_equal(FC_RUN(s, "\x0f\x58\xc1", 1), ST_OK);
}

/* Legacy-SSE 128-bit memory operands must be 16-byte aligned except for
 * the explicitly unaligned moves (SDM Vol.1 11.6.7). */
static void test_sse_alignment_gp(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->gpr[R_RBX] = FX_DATA + 8;
    uint64_t rip0 = cpu->rip;
    assert_fault(FC_RUN(s, "\x0f\x28\x03", 1), cpu, EXC_GP);     /* movaps */
    assert_int_equal(cpu->fault.error, 0);
    assert_int_equal(cpu->rip, rip0);
    assert_fault(FC_RUN(s, "\x0f\x58\x03", 1), cpu, EXC_GP);     /* addps m128 */
    assert_fault(FC_RUN(s, "\x0f\x29\x03", 1), cpu, EXC_GP);     /* movaps store */
    assert_int_equal(FC_RUN(s, "\x0f\x10\x03", 1), ST_OK);       /* movups */
    assert_int_equal(FC_RUN(s, "\xf3\x0f\x58\x03", 1), ST_OK);   /* addss m32 */
    cpu->gpr[R_RBX] = FX_DATA;
    assert_int_equal(FC_RUN(s, "\x0f\x28\x03", 1), ST_OK);
}

/* MOVSS from memory zeroes bits 127:32; from a register it keeps them
 * (SDM Vol.2B MOVSS). */
static void test_movss_merge_rules(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    float one = 1.0f;
    fc_write(s, FX_DATA, &one, 4);
    fixture_write_phys(s->fx, FX_DATA + 4, 4, 0xdeadbeef);
    cpu->gpr[R_RBX] = FX_DATA;
    set_ps(cpu, 0, 5, 6, 7, 8);
    set_ps(cpu, 1, 9, 10, 11, 12);
    assert_int_equal(FC_RUN(s, "\xf3\x0f\x10\x03", 1), ST_OK);
    assert_true(cpu->fpu.xmm[0].f[0] == 1.0f);
    assert_int_equal(cpu->fpu.xmm[0].d[1], 0);
    assert_int_equal(cpu->fpu.xmm[0].q[1], 0);
    assert_int_equal(FC_RUN(s, "\xf3\x0f\x10\xc1", 1), ST_OK);
    assert_true(cpu->fpu.xmm[0].f[0] == 9.0f);
    assert_int_equal(cpu->fpu.xmm[0].d[1], 0);
}

/* Packed add, and REX.R reaching XMM8 (SDM Vol.2A ADDPS; 2.2.1.2). */
static void test_addps_and_xmm8(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    set_ps(cpu, 8, 1, 2, 3, 4);
    set_ps(cpu, 1, 0.5f, -2, 1e30f, 0);
    assert_int_equal(FC_RUN(s, "\x44\x0f\x58\xc1", 1), ST_OK);
    assert_true(cpu->fpu.xmm[8].f[0] == 1.5f);
    assert_true(cpu->fpu.xmm[8].f[1] == 0.0f);
    assert_true(cpu->fpu.xmm[8].f[2] == 1e30f);
    assert_true(cpu->fpu.xmm[8].f[3] == 4.0f);
    assert_int_equal(cpu->fpu.mxcsr & MXCSR_FLAGS, MXCSR_PE);
}

/* Division by zero: masked -> infinity and ZE; unmasked -> #XM with the
 * destination unchanged and ZE set; without CR4.OSXMMEXCPT -> #UD (SDM
 * Vol.1 11.5.1, 11.5.2.1). */
static void test_divss_zero_masked_and_unmasked(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    set_ps(cpu, 0, 3, 0, 0, 0);
    set_ps(cpu, 1, 0, 0, 0, 0);
    assert_int_equal(FC_RUN(s, "\xf3\x0f\x5e\xc1", 1), ST_OK);
    assert_int_equal(cpu->fpu.xmm[0].d[0], 0x7f800000u);
    assert_int_equal(cpu->fpu.mxcsr & MXCSR_FLAGS, MXCSR_ZE);

    cpu = fc_mode(s, FC_64);
    cpu->fpu.mxcsr = MXCSR_INIT & ~0x200u;   /* ZM = 0 */
    set_ps(cpu, 0, 3, 0, 0, 0);
    set_ps(cpu, 1, 0, 0, 0, 0);
    assert_fault(FC_RUN(s, "\xf3\x0f\x5e\xc1", 1), cpu, EXC_XM);
    assert_true(cpu->fpu.xmm[0].f[0] == 3.0f);
    assert_true(cpu->fpu.mxcsr & MXCSR_ZE);
    cpu->cr4 &= ~(uint64_t)CR4_OSXMMEXCPT;
    assert_fault(FC_RUN(s, "\xf3\x0f\x5e\xc1", 1), cpu, EXC_UD);
}

/* Rounding control in MXCSR applies (SDM Vol.1 10.2.3.1): 1/3 rounded up
 * and down differ in the last bit. */
static void test_mxcsr_rounding_control(void **state)
{
    FcState *s = *state;
    uint32_t want[4] = { 0x3eaaaaab, 0x3eaaaaaa, 0x3eaaaaab, 0x3eaaaaaa };
    for (unsigned rc = 0; rc < 4; rc++) {
        Cpu *cpu = fc_mode(s, FC_64);
        cpu->fpu.mxcsr = MXCSR_INIT | rc << 13;
        set_ps(cpu, 0, 1, 0, 0, 0);
        set_ps(cpu, 1, 3, 0, 0, 0);
        assert_int_equal(FC_RUN(s, "\xf3\x0f\x5e\xc1", 1), ST_OK);
        assert_int_equal(cpu->fpu.xmm[0].d[0], want[rc]);
    }
}

/* LDMXCSR with a reserved bit set -> #GP(0); STMXCSR stores MXCSR (SDM
 * Vol.2B LDMXCSR). */
static void test_ldmxcsr_reserved_gp(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->gpr[R_RBX] = FX_DATA;
    fixture_write_phys(s->fx, FX_DATA, 4, 0x10000 | MXCSR_INIT);
    assert_fault(FC_RUN(s, "\x0f\xae\x13", 1), cpu, EXC_GP);
    assert_int_equal(cpu->fpu.mxcsr, MXCSR_INIT);
    fixture_write_phys(s->fx, FX_DATA, 4, 0x7f80 | MXCSR_DAZ);
    assert_int_equal(FC_RUN(s, "\x0f\xae\x13\x0f\xae\x5b\x04", 2), ST_OK);
    assert_int_equal(fixture_read_phys(s->fx, FX_DATA + 4, 4), 0x7fc0);
}

/* CVTSI2SD with REX.W converts a 64-bit integer (rounding to 53 bits);
 * CVTTSD2SI with REX.W truncates, out of range gives 8000000000000000H
 * with IE (SDM Vol.2A CVTSI2SD, CVTTSD2SI). */
static void test_cvtsi2sd_rexw_and_cvttsd2si(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->gpr[R_RAX] = 0x7fffffffffffffffull;
    cpu->fpu.xmm[0].q[1] = 0x1234;
    assert_int_equal(FC_RUN(s, "\xf2\x48\x0f\x2a\xc0", 1), ST_OK);
    assert_int_equal(cpu->fpu.xmm[0].q[0], 0x43e0000000000000ull);   /* 2^63 */
    assert_int_equal(cpu->fpu.xmm[0].q[1], 0x1234);
    assert_int_equal(cpu->fpu.mxcsr & MXCSR_FLAGS, MXCSR_PE);
    /* cvttsd2si rax, xmm0: 2^63 does not fit */
    assert_int_equal(FC_RUN(s, "\xf2\x48\x0f\x2c\xc0", 1), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0x8000000000000000ull);
    assert_true(cpu->fpu.mxcsr & MXCSR_IE);
    /* cvttsd2si eax, xmm1 with -2.75 -> -2, zero-extended */
    cpu->fpu.xmm[1].df[0] = -2.75;
    cpu->gpr[R_RAX] = ~0ull;
    assert_int_equal(FC_RUN(s, "\xf2\x0f\x2c\xc1", 1), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0xfffffffeull);
}

/* COMISD/UCOMISD: ZF,PF,CF = 000 greater, 001 less, 100 equal, 111
 * unordered; COMISD signals IE for a QNaN, UCOMISD does not; OF, SF, AF
 * cleared (SDM Vol.2A COMISD, UCOMISD). */
static void test_comisd_ucomisd_flags(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->rflags = RFLAGS_FIXED1 | RFLAGS_OF | RFLAGS_SF | RFLAGS_AF;
    cpu->fpu.xmm[0].df[0] = 1.0;
    cpu->fpu.xmm[1].df[0] = 2.0;
    assert_int_equal(FC_RUN(s, "\x66\x0f\x2f\xc1", 1), ST_OK);
    assert_int_equal(cpu->rflags & RFLAGS_ARITH, RFLAGS_CF);
    cpu->fpu.xmm[1].df[0] = __builtin_nan("");
    assert_int_equal(FC_RUN(s, "\x66\x0f\x2e\xc1", 1), ST_OK);
    assert_int_equal(cpu->rflags & RFLAGS_ARITH, RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF);
    assert_false(cpu->fpu.mxcsr & MXCSR_IE);
    assert_int_equal(FC_RUN(s, "\x66\x0f\x2f\xc1", 1), ST_OK);
    assert_true(cpu->fpu.mxcsr & MXCSR_IE);
}

/* CMPPS with predicate LT writes all-ones/all-zero masks (SDM Vol.2A
 * CMPPS, Table "Comparison Predicate"). */
static void test_cmpps_lt_mask(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    set_ps(cpu, 0, 1, 5, -1, 0);
    set_ps(cpu, 1, 2, 5, -2, __builtin_nanf(""));
    assert_int_equal(FC_RUN(s, "\x0f\xc2\xc1\x01", 1), ST_OK);
    assert_int_equal(cpu->fpu.xmm[0].d[0], 0xffffffffu);
    assert_int_equal(cpu->fpu.xmm[0].d[1], 0);
    assert_int_equal(cpu->fpu.xmm[0].d[2], 0);
    assert_int_equal(cpu->fpu.xmm[0].d[3], 0);
    assert_true(cpu->fpu.mxcsr & MXCSR_IE);    /* LT signals on QNaN */
}

/* Integer SSE2: unsigned saturation, multiply-add, sum of absolute
 * differences, shuffles and shifts (SDM Vol.2B PADDUSB, PMADDWD, PSADBW,
 * PSHUFD, PSLLDQ, PSRLW). */
static void test_sse2_integer_ops(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    Xmm a = { .q = { 0x00ff80017f000102ull, 0 } };
    Xmm b = { .q = { 0x0101808080ff0101ull, 0 } };
    cpu->fpu.xmm[0] = a;
    cpu->fpu.xmm[1] = b;
    assert_int_equal(FC_RUN(s, "\x66\x0f\xdc\xc1", 1), ST_OK);   /* paddusb */
    assert_int_equal(cpu->fpu.xmm[0].q[0], 0x01ffff81ffff0203ull);

    cpu->fpu.xmm[0] = (Xmm){ .w = { 1, 2, 0x8000, 0x8000, 0, 0, 0, 0 } };
    cpu->fpu.xmm[1] = (Xmm){ .w = { 3, 4, 0x8000, 0x8000, 0, 0, 0, 0 } };
    assert_int_equal(FC_RUN(s, "\x66\x0f\xf5\xc1", 1), ST_OK);   /* pmaddwd */
    assert_int_equal(cpu->fpu.xmm[0].d[0], 11);
    assert_int_equal(cpu->fpu.xmm[0].d[1], 0x80000000u);        /* wraps */

    cpu->fpu.xmm[0] = (Xmm){ .b = { 10, 0, 255, 3 } };
    cpu->fpu.xmm[1] = (Xmm){ .b = { 0, 10, 0, 5, 0, 0, 0, 0, 1 } };
    assert_int_equal(FC_RUN(s, "\x66\x0f\xf6\xc1", 1), ST_OK);   /* psadbw */
    assert_int_equal(cpu->fpu.xmm[0].q[0], 277);
    assert_int_equal(cpu->fpu.xmm[0].q[1], 1);

    cpu->fpu.xmm[1] = (Xmm){ .d = { 10, 11, 12, 13 } };
    assert_int_equal(FC_RUN(s, "\x66\x0f\x70\xc1\x1b", 1), ST_OK); /* pshufd 1b */
    assert_int_equal(cpu->fpu.xmm[0].d[0], 13);
    assert_int_equal(cpu->fpu.xmm[0].d[3], 10);

    cpu->fpu.xmm[0] = (Xmm){ .q = { 0x0807060504030201ull, 0x100f0e0d0c0b0a09ull } };
    assert_int_equal(FC_RUN(s, "\x66\x0f\x73\xf8\x03", 1), ST_OK); /* pslldq 3 */
    assert_int_equal(cpu->fpu.xmm[0].q[0], 0x0504030201000000ull);
    assert_int_equal(cpu->fpu.xmm[0].q[1], 0x0d0c0b0a09080706ull);

    cpu->fpu.xmm[0] = (Xmm){ .w = { 0xf000, 0x0010 } };
    assert_int_equal(FC_RUN(s, "\x66\x0f\x71\xd0\x04", 1), ST_OK); /* psrlw 4 */
    assert_int_equal(cpu->fpu.xmm[0].w[0], 0x0f00);
    assert_int_equal(cpu->fpu.xmm[0].w[1], 0x0001);
    assert_int_equal(FC_RUN(s, "\x66\x0f\x71\xd0\x10", 1), ST_OK); /* count 16 */
    assert_int_equal(cpu->fpu.xmm[0].q[0], 0);
}

/* PEXTRW zero-extends into the GPR, PINSRW replaces one word, PMOVMSKB
 * gathers sign bits (SDM Vol.2B PEXTRW, PINSRW, PMOVMSKB). */
static void test_pextrw_pinsrw_pmovmskb(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->fpu.xmm[1] = (Xmm){ .w = { 0, 0, 0, 0, 0, 0xbeef, 0, 0x8000 } };
    cpu->gpr[R_RAX] = ~0ull;
    assert_int_equal(FC_RUN(s, "\x66\x0f\xc5\xc1\x05", 1), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0xbeef);
    cpu->gpr[R_RAX] = 0x11112222;
    assert_int_equal(FC_RUN(s, "\x66\x0f\xc4\xc0\x02", 1), ST_OK);
    assert_int_equal(cpu->fpu.xmm[0].w[2], 0x2222);
    assert_int_equal(FC_RUN(s, "\x66\x0f\xd7\xc1", 1), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0x8c00);   /* bytes 10, 11, 15 */
}

/* An MMX instruction sets TOP = 0, all tags valid and bits 79:64 of the
 * written register to ones; EMMS empties the tags (SDM Vol.1 9.5.1). */
static void test_mmx_aliases_x87(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    x87_set_top(&cpu->fpu, 3);
    mmx_set(&cpu->fpu, 0, 0x0102030405060708ull);
    mmx_set(&cpu->fpu, 1, 0x0101010101010101ull);
    assert_int_equal(FC_RUN(s, "\x0f\xfc\xc1", 1), ST_OK);      /* paddb */
    assert_int_equal(mmx_get(&cpu->fpu, 0), 0x0203040506070809ull);
    assert_int_equal(f80_se(&cpu->fpu.st[0]), 0xffff);
    assert_int_equal(x87_top(&cpu->fpu), 0);
    assert_int_equal(cpu->fpu.ftw, 0);
    assert_int_equal(FC_RUN(s, "\x0f\x77", 1), ST_OK);          /* emms */
    assert_int_equal(cpu->fpu.ftw, 0xffff);
    cpu->cr0 |= CR0_EM;                                         /* MMX: #UD */
    assert_fault(FC_RUN(s, "\x0f\xfc\xc1", 1), cpu, EXC_UD);
}

/* MASKMOVDQU stores only the selected bytes at DS:RDI (SDM Vol.2B). */
static void test_maskmovdqu_selected_bytes(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    fixture_write_phys(s->fx, FX_DATA, 8, 0x1111111111111111ull);
    fixture_write_phys(s->fx, FX_DATA + 8, 8, 0x1111111111111111ull);
    cpu->gpr[R_RDI] = FX_DATA;
    cpu->fpu.xmm[0] = (Xmm){ .q = { 0xaabbccddeeff0044ull, 0x2233445566778899ull } };
    cpu->fpu.xmm[1] = (Xmm){ .b = { 0x80, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 } };
    assert_int_equal(FC_RUN(s, "\x66\x0f\xf7\xc1", 1), ST_OK);
    assert_int_equal(fixture_read_phys(s->fx, FX_DATA, 8), 0x1111111111ff1144ull);
    assert_int_equal(fixture_read_phys(s->fx, FX_DATA + 8, 8), 0x2211111111111111ull);
}

/* MOVD zero-extends into XMM; MOVQ with REX.W stores 64 bits to a GPR
 * (SDM Vol.2B MOVD/MOVQ). */
static void test_movd_movq_gpr(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->fpu.xmm[0] = (Xmm){ .q = { ~0ull, ~0ull } };
    cpu->gpr[R_RAX] = 0x1122334455667788ull;
    assert_int_equal(FC_RUN(s, "\x66\x0f\x6e\xc0", 1), ST_OK);
    assert_int_equal(cpu->fpu.xmm[0].q[0], 0x55667788u);
    assert_int_equal(cpu->fpu.xmm[0].q[1], 0);
    cpu->fpu.xmm[0].q[0] = 0xfedcba9876543210ull;
    assert_int_equal(FC_RUN(s, "\x66\x48\x0f\x7e\xc0", 1), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0xfedcba9876543210ull);
}

/* SSE4.1: ROUNDSD with imm8 = 9 (floor, precision suppressed), PEXTRQ /
 * PINSRQ with REX.W, BLENDVPS by the sign bits of XMM0, PTEST flags and
 * PMOVZXBW reading only 8 bytes (SDM Vol.2B ROUNDSD, PEXTRQ, PINSRQ,
 * BLENDVPS, PTEST, PMOVZX). */
static void test_sse41_forms(void **state)
{
    FcState *s = *state;
    Cpu *cpu = fc_mode(s, FC_64);
    cpu->fpu.xmm[1].df[0] = -1.5;
    cpu->fpu.xmm[0].q[1] = 0x77;
    assert_int_equal(FC_RUN(s, "\x66\x0f\x3a\x0b\xc1\x09", 1), ST_OK);
    assert_true(cpu->fpu.xmm[0].df[0] == -2.0);
    assert_int_equal(cpu->fpu.xmm[0].q[1], 0x77);
    assert_false(cpu->fpu.mxcsr & MXCSR_PE);

    cpu->fpu.xmm[2].q[1] = 0x1122334455667788ull;
    assert_int_equal(FC_RUN(s, "\x66\x48\x0f\x3a\x16\xd0\x01", 1), ST_OK); /* pextrq rax, xmm2, 1 */
    assert_int_equal(cpu->gpr[R_RAX], 0x1122334455667788ull);
    assert_int_equal(FC_RUN(s, "\x66\x48\x0f\x3a\x22\xd8\x00", 1), ST_OK); /* pinsrq xmm3, rax, 0 */
    assert_int_equal(cpu->fpu.xmm[3].q[0], 0x1122334455667788ull);

    cpu->fpu.xmm[0] = (Xmm){ .d = { 0x80000000u, 0, 0xffffffffu, 1 } };
    cpu->fpu.xmm[4] = (Xmm){ .d = { 1, 2, 3, 4 } };
    cpu->fpu.xmm[5] = (Xmm){ .d = { 5, 6, 7, 8 } };
    assert_int_equal(FC_RUN(s, "\x66\x0f\x38\x14\xe5", 1), ST_OK);         /* blendvps xmm4, xmm5 */
    assert_int_equal(cpu->fpu.xmm[4].d[0], 5);
    assert_int_equal(cpu->fpu.xmm[4].d[1], 2);
    assert_int_equal(cpu->fpu.xmm[4].d[2], 7);
    assert_int_equal(cpu->fpu.xmm[4].d[3], 4);

    cpu->fpu.xmm[4] = (Xmm){ .q = { 0xf0, 0 } };
    cpu->fpu.xmm[5] = (Xmm){ .q = { 0x0f, 0 } };
    assert_int_equal(FC_RUN(s, "\x66\x0f\x38\x17\xe5", 1), ST_OK);         /* ptest xmm4, xmm5 */
    assert_int_equal(cpu->rflags & (RFLAGS_ZF | RFLAGS_CF), RFLAGS_ZF);

    /* pmovzxbw xmm6, [rbx]: an unaligned 8-byte read */
    cpu->gpr[R_RBX] = FX_DATA + 3;
    fixture_write_phys(s->fx, FX_DATA + 3, 8, 0x80ff000102030405ull);
    assert_int_equal(FC_RUN(s, "\x66\x0f\x38\x30\x33", 1), ST_OK);
    assert_int_equal(cpu->fpu.xmm[6].q[0], 0x0002000300040005ull);
    assert_int_equal(cpu->fpu.xmm[6].q[1], 0x008000ff00000001ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sse_availability_ud_nm),
        cmocka_unit_test(test_sse_alignment_gp),
        cmocka_unit_test(test_movss_merge_rules),
        cmocka_unit_test(test_addps_and_xmm8),
        cmocka_unit_test(test_divss_zero_masked_and_unmasked),
        cmocka_unit_test(test_mxcsr_rounding_control),
        cmocka_unit_test(test_ldmxcsr_reserved_gp),
        cmocka_unit_test(test_cvtsi2sd_rexw_and_cvttsd2si),
        cmocka_unit_test(test_comisd_ucomisd_flags),
        cmocka_unit_test(test_cmpps_lt_mask),
        cmocka_unit_test(test_sse2_integer_ops),
        cmocka_unit_test(test_pextrw_pinsrw_pmovmskb),
        cmocka_unit_test(test_mmx_aliases_x87),
        cmocka_unit_test(test_maskmovdqu_selected_bytes),
        cmocka_unit_test(test_movd_movq_gpr),
        cmocka_unit_test(test_sse41_forms),
    };
    return cmocka_run_group_tests_name("sse", tests, fc_setup, fc_teardown);
}
