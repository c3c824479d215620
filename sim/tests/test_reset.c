/*
 * sim/tests/test_reset.c: the platform reset sources -- the 8042's reset
 * line (command FEH pulses output-port bit 0; D1H writes the output port)
 * and the reset control register at CF9H (PIIX3/ICH RST_CNT) -- and what
 * a reset does to a Machine: devices back to their reset state, the RTC's
 * NVRAM kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>

#include "sim/cpu_model_load.h"
#include "sim/devices/i8042.h"
#include "sim/machine.h"

typedef struct Bench {
    IoPortMap io;
    I8042 kbc;
    unsigned resets;
    const char *source;
} Bench;

static void on_reset(void *opaque, const char *source)
{
    Bench *b = opaque;
    b->resets++;
    b->source = source;
}

static int setup(void **state)
{
    Bench *b = calloc(1, sizeof(*b));
    ioport_init(&b->io);
    i8042_init(&b->kbc, (ResetLine){ on_reset, b });
    const char *err = NULL;
    assert_true(ioport_register(&b->io, 0x60, 1, &i8042_data_ops, &b->kbc, "d", &err));
    assert_true(ioport_register(&b->io, 0x64, 1, &i8042_cmd_ops, &b->kbc, "c", &err));
    *state = b;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static uint8_t in8(Bench *b, uint16_t port)
{
    uint32_t v = 0;
    assert_int_equal(ioport_in(&b->io, port, 1, &v), ST_OK);
    return (uint8_t)v;
}

static void out8(Bench *b, uint16_t port, uint8_t v)
{
    assert_int_equal(ioport_out(&b->io, port, 1, v), ST_OK);
}

/* Command FEH pulses output-port bit 0 (the CPU reset line) low; FFH
 * pulses nothing. */
static void test_reset_i8042_pulse_fe(void **state)
{
    Bench *b = *state;
    out8(b, 0x64, 0xff);
    assert_int_equal(b->resets, 0);
    out8(b, 0x64, 0xfe);
    assert_int_equal(b->resets, 1);
    assert_non_null(b->source);
}

/* D1H then a data byte with bit 0 clear drives the reset line too; the
 * self test answers 55H through the output buffer (status bit 0). */
static void test_reset_i8042_output_port_and_self_test(void **state)
{
    Bench *b = *state;
    assert_int_equal(in8(b, 0x64) & 0x01, 0);
    out8(b, 0x64, 0xaa);
    assert_int_equal(in8(b, 0x64) & 0x05, 0x05);
    assert_int_equal(in8(b, 0x60), 0x55);
    assert_int_equal(in8(b, 0x64) & 0x01, 0);
    out8(b, 0x64, 0xd1);
    out8(b, 0x60, 0x03);
    assert_int_equal(b->resets, 0);
    out8(b, 0x64, 0xd0);
    assert_int_equal(in8(b, 0x60), 0x03);
    out8(b, 0x64, 0xd1);
    out8(b, 0x60, 0x02);
    assert_int_equal(b->resets, 1);
}

static Machine *pc_machine(void)
{
    MachineConfig mc = { 0 };
    mc.ram_size = 64ull << 20;
    mc.ncpus = 1;
    mc.has_pic = true;
    mc.pic_master = 0x20;
    mc.pic_slave = 0xa0;
    mc.has_rtc = mc.has_pci = mc.has_i8042 = mc.has_pit = true;
    CpuModel model = { 0 };
    GError *err = NULL;
    assert_true(cpu_model_load("skylake-server", "skylake-server", &model, &err));
    Machine *m = machine_new(&mc, &model, &err);
    assert_non_null(m);
    return m;
}

/* An OUT to CF9H with RST_CPU completes, then stops the vCPU's turn with
 * the reset request; machine_reset puts the 8259A pair back to all
 * masked and keeps the CMOS NVRAM. The i8042 path ends the same way. */
static void test_reset_cf9_and_i8042_reset_the_machine(void **state)
{
    Machine *m = pc_machine();
    Cpu *cpu = &m->cpus[0];
    assert_int_equal(m->bus.io_out(m, cpu, 0x70, 1, 0x50), ST_OK);
    assert_int_equal(m->bus.io_out(m, cpu, 0x71, 1, 0x77), ST_OK);
    assert_int_equal(m->bus.io_out(m, cpu, 0x21, 1, 0x00), ST_OK);
    assert_int_equal(m->bus.io_out(m, cpu, 0xcf9, 1, 0x02), ST_OK);
    assert_false(m->chip.reset_requested);
    assert_int_equal(m->bus.io_out(m, cpu, 0xcf9, 1, 0x06), ST_STOP);
    assert_true(m->chip.reset_requested);
    assert_non_null(cpu->stop_reason);
    machine_reset(m);
    assert_false(m->chip.reset_requested);
    assert_int_equal(m->resets, 1);
    assert_int_equal(m->pic.chip[0].imr, 0xff);
    uint32_t v = 0;
    assert_int_equal(m->bus.io_out(m, cpu, 0x70, 1, 0x50), ST_OK);
    assert_int_equal(m->bus.io_in(m, cpu, 0x71, 1, &v), ST_OK);
    assert_int_equal(v, 0x77);
    assert_int_equal(m->bus.io_out(m, cpu, 0x64, 1, 0xfe), ST_STOP);
    assert_true(m->chip.reset_requested);
    machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_reset_i8042_pulse_fe),
        T(test_reset_i8042_output_port_and_self_test),
        cmocka_unit_test(test_reset_cf9_and_i8042_reset_the_machine),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
