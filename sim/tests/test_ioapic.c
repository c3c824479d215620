/*
 * sim/tests/test_ioapic.c: the I/O APIC (sim/devices/ioapic.c) against
 * the Intel 82093AA data sheet's register descriptions: IOREGSEL/IOWIN,
 * IOAPICID, IOAPICVER, the redirection table's fields, edge and level
 * triggering, remote IRR and EOI; and, in a Machine, an I/O APIC message
 * arriving in a local APIC's IRR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>

#include "sim/cpu_model_load.h"
#include "sim/devices/ioapic.h"
#include "sim/machine.h"

typedef struct Msg {
    uint8_t dest, vector, mode, dest_mode;
    bool level;
} Msg;

typedef struct Bench {
    IoApic a;
    Msg msgs[16];
    unsigned n;
    bool refuse;
} Bench;

static bool record(void *opaque, uint8_t dest, uint8_t vector, uint8_t mode,
                   uint8_t dest_mode, bool level)
{
    Bench *b = opaque;
    if (b->refuse)
        return false;
    if (b->n < 16)
        b->msgs[b->n++] = (Msg){ dest, vector, mode, dest_mode, level };
    return true;
}

static int setup(void **state)
{
    Bench *b = calloc(1, sizeof(*b));
    ioapic_init(&b->a, 0, record, b);
    *state = b;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static uint32_t rd(Bench *b, uint8_t reg)
{
    ioapic_mmio_ops.write(&b->a, 0x00, 4, reg);
    return (uint32_t)ioapic_mmio_ops.read(&b->a, 0x10, 4);
}

static void wr(Bench *b, uint8_t reg, uint32_t v)
{
    ioapic_mmio_ops.write(&b->a, 0x00, 4, reg);
    ioapic_mmio_ops.write(&b->a, 0x10, 4, v);
}

static void set_entry(Bench *b, unsigned pin, uint64_t e)
{
    wr(b, (uint8_t)(0x10 + 2 * pin + 1), (uint32_t)(e >> 32));
    wr(b, (uint8_t)(0x10 + 2 * pin), (uint32_t)e);
}

#define LEVEL (1u << 15)
#define MASK  (1u << 16)
#define RIRR  (1u << 14)
#define DELIVS (1u << 12)

/* IOAPICVER: version 11H, maximum redirection entry 17H (24 entries);
 * IOAPICID bits 27:24 read back; IOREGSEL reads back. */
static void test_ioapic_id_version_regsel(void **state)
{
    Bench *b = *state;
    assert_int_equal(rd(b, 0x01), 0x00170011);
    wr(b, 0x00, 0x0a000000);
    assert_int_equal(rd(b, 0x00), 0x0a000000);
    wr(b, 0x01, 0);                      /* read-only */
    assert_int_equal(rd(b, 0x01), 0x00170011);
    ioapic_mmio_ops.write(&b->a, 0x00, 4, 0x12);
    assert_int_equal(ioapic_mmio_ops.read(&b->a, 0x00, 4), 0x12);
}

/* After reset every entry is masked; a masked edge is lost, not held. */
static void test_ioapic_reset_masked_and_masked_edge_lost(void **state)
{
    Bench *b = *state;
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
        assert_int_equal(rd(b, (uint8_t)(0x10 + 2 * pin)), MASK);
    ioapic_set_irq(&b->a, 2, true);
    set_entry(b, 2, 0x30);
    assert_int_equal(b->n, 0);
}

/* Edge-triggered: one message per inactive-to-active transition, with
 * the entry's vector, delivery mode, destination mode and destination. */
static void test_ioapic_edge_one_message_per_edge(void **state)
{
    Bench *b = *state;
    set_entry(b, 2, (3ull << 56) | (1u << 11) | (1u << 8) | 0x31);
    ioapic_set_irq(&b->a, 2, true);
    ioapic_set_irq(&b->a, 2, true);
    assert_int_equal(b->n, 1);
    assert_int_equal(b->msgs[0].dest, 3);
    assert_int_equal(b->msgs[0].vector, 0x31);
    assert_int_equal(b->msgs[0].mode, IOAPIC_DM_LOWEST);
    assert_int_equal(b->msgs[0].dest_mode, 1);
    assert_false(b->msgs[0].level);
    ioapic_set_irq(&b->a, 2, false);
    ioapic_set_irq(&b->a, 2, true);
    assert_int_equal(b->n, 2);
}

/* Polarity (bit 13) 1 = active low: a falling input is the edge. */
static void test_ioapic_active_low_polarity(void **state)
{
    Bench *b = *state;
    ioapic_set_irq(&b->a, 5, true);
    set_entry(b, 5, (1u << 13) | 0x40);
    assert_int_equal(b->n, 0);
    ioapic_set_irq(&b->a, 5, false);
    assert_int_equal(b->n, 1);
}

/* Level-triggered: the message sets remote IRR; no more while it is set;
 * an EOI with another vector changes nothing; the EOI with the entry's
 * vector clears it and, the pin still active, sends again. */
static void test_ioapic_level_remote_irr_and_eoi(void **state)
{
    Bench *b = *state;
    set_entry(b, 9, LEVEL | 0x50);
    ioapic_set_irq(&b->a, 9, true);
    assert_int_equal(b->n, 1);
    assert_true(b->msgs[0].level);
    assert_true(rd(b, 0x10 + 18) & RIRR);
    ioapic_set_irq(&b->a, 9, true);
    assert_int_equal(b->n, 1);
    ioapic_eoi(&b->a, 0x51);
    assert_true(rd(b, 0x10 + 18) & RIRR);
    ioapic_eoi(&b->a, 0x50);
    assert_int_equal(b->n, 2);
    assert_true(rd(b, 0x10 + 18) & RIRR);
    ioapic_set_irq(&b->a, 9, false);
    ioapic_eoi(&b->a, 0x50);
    assert_int_equal(b->n, 2);
    assert_false(rd(b, 0x10 + 18) & RIRR);
}

/* A level interrupt held while masked is sent when unmasked. */
static void test_ioapic_level_unmask_sends(void **state)
{
    Bench *b = *state;
    set_entry(b, 10, LEVEL | MASK | 0x60);
    ioapic_set_irq(&b->a, 10, true);
    assert_int_equal(b->n, 0);
    set_entry(b, 10, LEVEL | 0x60);
    assert_int_equal(b->n, 1);
}

/* Delivery status and remote IRR are read-only; delivery status reads 1
 * while a level message is refused, and the message goes on retry. */
static void test_ioapic_read_only_bits_and_delivery_status(void **state)
{
    Bench *b = *state;
    set_entry(b, 4, RIRR | DELIVS | MASK | 0x70);
    assert_int_equal(rd(b, 0x18), MASK | 0x70);
    b->refuse = true;
    set_entry(b, 4, LEVEL | 0x70);
    ioapic_set_irq(&b->a, 4, true);
    assert_true(rd(b, 0x18) & DELIVS);
    assert_false(rd(b, 0x18) & RIRR);
    b->refuse = false;
    set_entry(b, 4, LEVEL | 0x70);
    assert_int_equal(b->n, 1);
    assert_int_equal(rd(b, 0x18), RIRR | LEVEL | 0x70);
}

/* In a machine: pin 2 (ISA IRQ0) programmed to vector 41H for APIC ID 0
 * lands in that local APIC's IRR and is the CPU's next interrupt. */
static void test_ioapic_routes_to_local_apic(void **state)
{
    MachineConfig mc = { 0 };
    mc.ram_size = 64ull << 20;
    mc.ncpus = 1;
    mc.has_ioapic = true;
    CpuModel model = { 0 };
    GError *err = NULL;
    assert_true(cpu_model_load("skylake-server", "skylake-server", &model, &err));
    Machine *m = machine_new(&mc, &model, &err);
    assert_non_null(m);
    cpu_reset(&m->cpus[0]);
    lapic_reset(&m->lapics.apic[0]);
    m->lapics.current = &m->cpus[0];
    lapic_mmio_write(&m->lapics.apic[0], 0xf0, 0x1ff);   /* SVR: enable */
    physmem_write(&m->pm, IOAPIC_BASE, 4, 0x14);
    physmem_write(&m->pm, IOAPIC_BASE + 0x10, 4, 0x41);
    chipset_set_irq(&m->chip, 0, true);
    assert_int_equal(lapic_intr_pending(&m->lapics.apic[0], false), 0x41);
    machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_ioapic_id_version_regsel),
        T(test_ioapic_reset_masked_and_masked_edge_lost),
        T(test_ioapic_edge_one_message_per_edge),
        T(test_ioapic_active_low_polarity),
        T(test_ioapic_level_remote_irr_and_eoi),
        T(test_ioapic_level_unmask_sends),
        T(test_ioapic_read_only_bits_and_delivery_status),
        cmocka_unit_test(test_ioapic_routes_to_local_apic),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
