/*
 * cpu/tests/test_ops_io.c: port I/O (cpu/ops_io.c): IN/OUT/INS/OUTS with
 * REP, and the protection of SDM Vol.1 19.5 "I/O Privilege Level" and 19.5.2
 * "I/O Permission Bit Map": CPL <= IOPL passes, otherwise (and always in
 * virtual-8086 mode) every bit of the access in the TSS bitmap must be 0,
 * the two bytes read must lie within the TSS limit, and TR must hold a
 * 32/64-bit TSS. A device returning ST_STOP still completes the
 * instruction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "cpu/insn.h"
#include "cpu/tests/fixture.h"

#define TSS 0x300000u
#define IOMAP 0x68u

static int fx_setup(void **state)
{
    *state = fixture_new();
    return 0;
}

static int fx_teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static void expect_gp0(Cpu *cpu, SimStatus st)
{
    assert_int_equal(st, ST_FAULT);
    assert_int_equal(cpu->fault.vector, EXC_GP);
    assert_true(cpu->fault.has_error);
    assert_int_equal(cpu->fault.error, 0);
}

static DecodedInsn io_insn(uint8_t opcode, unsigned opsize, uint64_t imm)
{
    return (DecodedInsn){ .opcode = opcode, .opsize = (uint8_t)opsize, .imm = imm,
                          .addrsize = 4, .seg = SEG_DS, .mod = 3,
                          .base = EA_NONE, .index = EA_NONE };
}

static void set_cpl3_iopl(Cpu *cpu, unsigned iopl)
{
    cpu->seg[SEG_SS].ar |= AR_DPL_MASK;
    cpu->seg[SEG_CS].ar |= AR_DPL_MASK;
    cpu->seg[SEG_SS].sel |= 3;
    cpu->seg[SEG_CS].sel |= 3;
    cpu->rflags = (cpu->rflags & ~(uint64_t)RFLAGS_IOPL) | ((uint64_t)iopl << RFLAGS_IOPL_SHIFT);
    cpu_update_mode(cpu);
    assert_int_equal(cpu->cpl, 3);
}

/* A busy 32-bit TSS at TSS with an I/O bitmap at IOMAP of `map_bytes`
 * bytes, all ports allowed. */
static void setup_tss(Fixture *fx, unsigned map_bytes)
{
    Cpu *cpu = &fx->cpu;
    fixture_write_phys(fx, TSS + 0x66, 2, IOMAP);
    for (unsigned i = 0; i < map_bytes; i++)
        fixture_write_phys(fx, TSS + IOMAP + i, 1, 0);
    cpu->seg[SEG_TR] = (SegReg){ .base = TSS, .limit = IOMAP + map_bytes - 1,
                                 .ar = 0xbu | AR_P, .sel = 0x28 };
}

static void deny_port(Fixture *fx, unsigned port)
{
    uint64_t a = TSS + IOMAP + port / 8;
    fixture_write_phys(fx, a, 1, fixture_read_phys(fx, a, 1) | (1u << (port & 7)));
}

static SimStatus out_dx(Cpu *cpu, uint16_t port, unsigned size)
{
    DecodedInsn d = io_insn(size == 1 ? 0xee : 0xef, size == 1 ? 1 : size, 0);
    cpu->gpr[R_RDX] = port;
    return op_out_DX_eAX(cpu, &d);
}

static void test_in_out_basic_rule(void **state)
{
    /* IN EAX zero-extends into RAX in 64-bit mode; OUT sends AL/AX/EAX;
     * imm8 ports are 0-255. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    fx->io_in_value = 0x89abcdef;
    cpu->gpr[R_RAX] = 0xffffffffffffffffull;
    DecodedInsn d = io_insn(0xe5, 4, (uint64_t)(int64_t)(int8_t)0xf4);
    assert_int_equal(op_in_eAX_Ib(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0x89abcdef);
    assert_int_equal(fx->io_log[0].port, 0xf4);
    assert_int_equal(fx->io_log[0].size, 4);
    d = io_insn(0xe4, 1, 0x60);
    cpu->gpr[R_RAX] = 0x1111;
    assert_int_equal(op_in_AL_Ib(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RAX], 0x11ef);
    d = io_insn(0xef, 2, 0);
    cpu->gpr[R_RDX] = 0x1234;
    cpu->gpr[R_RAX] = 0xaabbccdd;
    assert_int_equal(op_out_DX_eAX(cpu, &d), ST_OK);
    assert_int_equal(fx->nio, 3);
    assert_true(fx->io_log[2].is_out);
    assert_int_equal(fx->io_log[2].port, 0x1234);
    assert_int_equal(fx->io_log[2].size, 2);
    assert_int_equal(fx->io_log[2].value, 0xccdd);
    /* REX.W does not make a 64-bit port access. */
    d = io_insn(0xed, 8, 0);
    assert_int_equal(op_in_eAX_DX(cpu, &d), ST_OK);
    assert_int_equal(fx->io_log[3].size, 4);
}

static void test_io_allowed_when_cpl_le_iopl_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    cpu->seg[SEG_TR].ar = AR_UNUSABLE;       /* no TSS consulted */
    set_cpl3_iopl(cpu, 3);
    assert_int_equal(out_dx(cpu, 0x80, 1), ST_OK);
    fixture_mode_real(fx);
    cpu->seg[SEG_TR].ar = AR_UNUSABLE;
    assert_int_equal(out_dx(cpu, 0x80, 1), ST_OK);   /* real mode: no check */
}

static void test_io_bitmap_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    setup_tss(fx, 0x2000 / 8 + 1);
    set_cpl3_iopl(cpu, 0);
    deny_port(fx, 0x80);
    expect_gp0(cpu, out_dx(cpu, 0x80, 1));
    assert_int_equal(fx->nio, 0);
    assert_int_equal(out_dx(cpu, 0x81, 1), ST_OK);
    /* A 4-byte access at 0x7e covers 0x7e..0x81, including 0x80. */
    expect_gp0(cpu, out_dx(cpu, 0x7e, 4));
    assert_int_equal(out_dx(cpu, 0x7c, 4), ST_OK);
}

static void test_io_bitmap_crossing_bytes_rule(void **state)
{
    /* Ports 0x87..0x88 span bitmap bytes 0x10 (bit 7) and 0x11 (bit 0):
     * both bits are checked. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    setup_tss(fx, 0x2000 / 8 + 1);
    set_cpl3_iopl(cpu, 0);
    assert_int_equal(out_dx(cpu, 0x87, 2), ST_OK);
    deny_port(fx, 0x88);
    expect_gp0(cpu, out_dx(cpu, 0x87, 2));
    expect_gp0(cpu, out_dx(cpu, 0x85, 4));       /* 0x85..0x88 */
    assert_int_equal(out_dx(cpu, 0x84, 4), ST_OK);  /* 0x84..0x87 */
    assert_int_equal(out_dx(cpu, 0x87, 1), ST_OK);
    assert_int_equal(out_dx(cpu, 0x89, 2), ST_OK);
}

static void test_io_bitmap_beyond_limit_rule(void **state)
{
    /* The map bytes read (two, at base + port / 8) must be within the
     * TSS limit; so must the map base field itself. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    setup_tss(fx, 2);                        /* map bytes for ports 0-15 */
    set_cpl3_iopl(cpu, 0);
    assert_int_equal(out_dx(cpu, 0x7, 1), ST_OK);   /* bytes 0, 1 */
    expect_gp0(cpu, out_dx(cpu, 0x8, 1));           /* bytes 1, 2: beyond */
    expect_gp0(cpu, out_dx(cpu, 0x1000, 1));
    /* Map base beyond the limit: every port faults. */
    fixture_write_phys(fx, TSS + 0x66, 2, 0x1000);
    expect_gp0(cpu, out_dx(cpu, 0x0, 1));
    /* A TSS too short to hold the map base field. */
    cpu->seg[SEG_TR].limit = 0x66;
    expect_gp0(cpu, out_dx(cpu, 0x0, 1));
}

static void test_io_needs_32bit_tss_rule(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    setup_tss(fx, 0x2000 / 8 + 1);
    set_cpl3_iopl(cpu, 0);
    assert_int_equal(out_dx(cpu, 0x10, 1), ST_OK);
    cpu->seg[SEG_TR].ar = 0x3u | AR_P;       /* busy 16-bit TSS */
    expect_gp0(cpu, out_dx(cpu, 0x10, 1));
    cpu->seg[SEG_TR].ar = 0x9u | AR_P | AR_UNUSABLE;
    expect_gp0(cpu, out_dx(cpu, 0x10, 1));
}

static void test_io_v86_always_uses_bitmap_rule(void **state)
{
    /* SDM Vol.3 21.2.8: in V86 mode the bitmap is checked even with
     * IOPL = 3. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    setup_tss(fx, 0x2000 / 8 + 1);
    cpu->rflags |= RFLAGS_VM | RFLAGS_IOPL;
    cpu_update_mode(cpu);
    deny_port(fx, 0x60);
    expect_gp0(cpu, out_dx(cpu, 0x60, 1));
    assert_int_equal(out_dx(cpu, 0x61, 1), ST_OK);
    /* In protected mode at CPL 0 the same map is not consulted. */
    cpu->rflags &= ~(uint64_t)(RFLAGS_VM | RFLAGS_IOPL);
    cpu_update_mode(cpu);
    assert_int_equal(out_dx(cpu, 0x60, 1), ST_OK);
}

static void test_rep_outs_ins_rule(void **state)
{
    /* REP OUTSB sends rCX bytes from DS:rSI; REP INSW stores to ES:rDI;
     * DF = 1 walks down; a count of 0 does nothing. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    fixture_write_phys(fx, FX_DATA, 4, 0x44332211);
    DecodedInsn d = io_insn(0x6e, 1, 0);
    d.pfx = D_REP;
    cpu->gpr[R_RSI] = FX_DATA;
    cpu->gpr[R_RCX] = 3;
    cpu->gpr[R_RDX] = 0xe9;
    assert_int_equal(op_outs_DX_Xb(cpu, &d), ST_OK);
    assert_int_equal(fx->nio, 3);
    assert_int_equal(fx->io_log[0].value, 0x11);
    assert_int_equal(fx->io_log[2].value, 0x33);
    assert_int_equal(cpu->gpr[R_RSI], FX_DATA + 3);
    assert_int_equal(cpu->gpr[R_RCX], 0);
    assert_int_equal(op_outs_DX_Xb(cpu, &d), ST_OK);     /* count 0 */
    assert_int_equal(fx->nio, 3);

    d = io_insn(0x6d, 2, 0);
    d.pfx = D_REP;
    fx->io_in_value = 0xbeef;
    cpu->rflags |= RFLAGS_DF;
    cpu->gpr[R_RDI] = FX_DATA + 0x102;
    cpu->gpr[R_RCX] = 2;
    assert_int_equal(op_ins_Yz_DX(cpu, &d), ST_OK);
    assert_int_equal(fixture_read_phys(fx, FX_DATA + 0x100, 4), 0xbeefbeef);
    assert_int_equal(cpu->gpr[R_RDI], FX_DATA + 0xfe);
    assert_int_equal(cpu->gpr[R_RCX], 0);
    /* Without REP: one transfer, RCX untouched. */
    d.pfx = 0;
    cpu->gpr[R_RCX] = 5;
    assert_int_equal(op_ins_Yz_DX(cpu, &d), ST_OK);
    assert_int_equal(cpu->gpr[R_RCX], 5);
    assert_int_equal(cpu->gpr[R_RDI], FX_DATA + 0xfc);
}

static void test_ins_checks_destination_before_port_rule(void **state)
{
    /* A faulting INS destination must not consume device data: the write
     * is checked before the port is read. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    cpu->seg[SEG_ES].limit = 0xfff;
    DecodedInsn d = io_insn(0x6c, 1, 0);
    cpu->gpr[R_RDI] = 0x1000;
    expect_gp0(cpu, op_ins_Yb_DX(cpu, &d));
    assert_int_equal(fx->nio, 0);
    assert_int_equal(cpu->gpr[R_RDI], 0x1000);
}

static SimStatus stop_io_out(void *opaque, Cpu *cpu, uint16_t port, unsigned size,
                             uint32_t value)
{
    Fixture *fx = opaque;
    fx->io_log[fx->nio++] = (FxIo){ port, (uint8_t)size, true, value };
    return port == 0xf4 ? ST_STOP : ST_OK;
}

static SimStatus stop_io_in(void *opaque, Cpu *cpu, uint16_t port, unsigned size,
                            uint32_t *value)
{
    *value = 0x5a;
    return ST_STOP;
}

static void test_device_stop_completes_instruction_rule(void **state)
{
    /* cpu/cpu.h CpuBus: ST_STOP from a device still completes the
     * instruction; a REP string instruction keeps RIP on itself while
     * iterations remain. */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    CpuBus bus = *cpu->bus;
    bus.io_out = stop_io_out;
    bus.io_in = stop_io_in;
    cpu->bus = &bus;
    DecodedInsn d = io_insn(0xe4, 1, 0x70);
    cpu->gpr[R_RAX] = 0;
    assert_int_equal(op_in_AL_Ib(cpu, &d), ST_STOP);
    assert_int_equal(cpu->gpr[R_RAX], 0x5a);
    d = io_insn(0x6e, 1, 0);
    d.pfx = D_REP;
    cpu->rip = FX_CODE;
    cpu->next_rip = FX_CODE + 2;
    cpu->gpr[R_RDX] = 0xf4;
    cpu->gpr[R_RSI] = FX_DATA;
    cpu->gpr[R_RCX] = 3;
    assert_int_equal(op_outs_DX_Xb(cpu, &d), ST_STOP);
    assert_int_equal(fx->nio, 1);
    assert_int_equal(cpu->gpr[R_RCX], 2);
    assert_int_equal(cpu->gpr[R_RSI], FX_DATA + 1);
    assert_int_equal(cpu->next_rip, FX_CODE);
    cpu->gpr[R_RCX] = 1;
    cpu->next_rip = FX_CODE + 2;
    assert_int_equal(op_outs_DX_Xb(cpu, &d), ST_STOP);
    assert_int_equal(cpu->next_rip, FX_CODE + 2);
}

static void test_io_rows_decode_rule(void **state)
{
    /* Through the decoder: mov al, 0x41; out 0xe9, al; mov edx, 0x3f8;
     * in al, dx; in eax, dx; rep outsb (ecx = 2). */
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_long64(fx);
    fixture_write_phys(fx, FX_DATA, 2, 0x4241);
    static const uint8_t code[] = {
        0xb0, 0x41, 0xe6, 0xe9,
        0xba, 0xf8, 0x03, 0x00, 0x00,
        0xec, 0xed,
        0xbe, 0x00, 0x00, 0x20, 0x00,        /* mov esi, FX_DATA */
        0xb9, 0x02, 0x00, 0x00, 0x00,        /* mov ecx, 2 */
        0xf3, 0x6e,
    };
    fx->io_in_value = 0x12345678;
    fixture_load_code(fx, code, sizeof(code));
    assert_int_equal(fixture_run(fx, sizeof(code), 20), ST_OK);
    assert_int_equal(cpu->rip, FX_CODE + sizeof(code));
    assert_int_equal(fx->nio, 5);
    assert_int_equal(fx->io_log[0].port, 0xe9);
    assert_int_equal(fx->io_log[0].value, 0x41);
    assert_int_equal(fx->io_log[1].size, 1);
    assert_int_equal(fx->io_log[2].size, 4);
    assert_int_equal(fx->io_log[4].value, 0x42);
    assert_int_equal(cpu->gpr[R_RAX], 0x12345678);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_in_out_basic_rule),
        T(test_io_allowed_when_cpl_le_iopl_rule),
        T(test_io_bitmap_rule),
        T(test_io_bitmap_crossing_bytes_rule),
        T(test_io_bitmap_beyond_limit_rule),
        T(test_io_needs_32bit_tss_rule),
        T(test_io_v86_always_uses_bitmap_rule),
        T(test_rep_outs_ins_rule),
        T(test_ins_checks_destination_before_port_rule),
        T(test_device_stop_completes_instruction_rule),
        T(test_io_rows_decode_rule),
    };
    return cmocka_run_group_tests_name("ops_io", tests, NULL, NULL);
}
