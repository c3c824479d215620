/*
 * sim/tests/test_pci.c: PCI configuration mechanism #1 and the host
 * bridge (sim/devices/pci.c), per PCI Local Bus Specification 3.0,
 * 3.2.2.3.2 (CONFIG_ADDRESS and CONFIG_DATA) and 6.1 (header layout),
 * with the 82441FX identity; byte accesses at CF9H reach the reset
 * control register.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>

#include "sim/devices/pci.h"
#include "sim/ioport.h"

typedef struct Bench {
    IoPortMap io;
    PciHost pci;
    ResetCtl rst;
    unsigned resets;
} Bench;

static void on_reset(void *opaque, const char *source)
{
    ((Bench *)opaque)->resets++;
}

static int setup(void **state)
{
    Bench *b = calloc(1, sizeof(*b));
    ioport_init(&b->io);
    reset_ctl_init(&b->rst, (ResetLine){ on_reset, b });
    pci_init(&b->pci, &b->rst);
    const char *err = NULL;
    assert_true(ioport_register(&b->io, 0xcf8, 8, &pci_ops, &b->pci, "pci", &err));
    *state = b;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static uint32_t in(Bench *b, uint16_t port, unsigned size)
{
    uint32_t v = 0;
    assert_int_equal(ioport_in(&b->io, port, size, &v), ST_OK);
    return v;
}

static void out(Bench *b, uint16_t port, unsigned size, uint32_t v)
{
    assert_int_equal(ioport_out(&b->io, port, size, v), ST_OK);
}

static uint32_t cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
    return 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc);
}

/* 00:00.0 is the 82441FX host bridge: vendor 8086H, device 1237H, class
 * 060000H, header type 00H. */
static void test_pci_host_bridge_identity(void **state)
{
    Bench *b = *state;
    out(b, 0xcf8, 4, cfg_addr(0, 0, 0, 0x00));
    assert_int_equal(in(b, 0xcfc, 4), 0x12378086);
    out(b, 0xcf8, 4, cfg_addr(0, 0, 0, 0x08));
    assert_int_equal(in(b, 0xcfc, 4), 0x06000002);
    assert_int_equal(in(b, 0xcfe, 2), 0x0600);
    assert_int_equal(in(b, 0xcff, 1), 0x06);
    out(b, 0xcf8, 4, cfg_addr(0, 0, 0, 0x0c));
    assert_int_equal(in(b, 0xcfe, 1), 0x00);
}

/* Absent functions and a disabled CONFIG_ADDRESS read all ones. */
static void test_pci_absent_functions_read_all_ones(void **state)
{
    Bench *b = *state;
    out(b, 0xcf8, 4, cfg_addr(0, 1, 0, 0));
    assert_int_equal(in(b, 0xcfc, 4), 0xffffffffu);
    out(b, 0xcf8, 4, cfg_addr(0, 0, 1, 0));
    assert_int_equal(in(b, 0xcfc, 2), 0xffff);
    out(b, 0xcf8, 4, cfg_addr(1, 0, 0, 0));
    assert_int_equal(in(b, 0xcfc, 4), 0xffffffffu);
    out(b, 0xcf8, 4, 0x00000000);        /* enable bit clear */
    assert_int_equal(in(b, 0xcfc, 4), 0xffffffffu);
}

/* CONFIG_ADDRESS: only doubleword accesses at CF8H; bits 1:0 and 30:24
 * read 0. A narrower access is ordinary I/O. */
static void test_pci_config_address_register(void **state)
{
    Bench *b = *state;
    out(b, 0xcf8, 4, 0xffffffffu);
    assert_int_equal(in(b, 0xcf8, 4), 0x80fffffcu);
    out(b, 0xcf8, 2, 0x1234);
    assert_int_equal(in(b, 0xcf8, 4), 0x80fffffcu);
}

/* IDs, class and status are read-only; command bits the 82441FX
 * implements are writable; chipset registers (50H up) are storage. */
static void test_pci_writable_bits(void **state)
{
    Bench *b = *state;
    out(b, 0xcf8, 4, cfg_addr(0, 0, 0, 0x00));
    out(b, 0xcfc, 4, 0);
    assert_int_equal(in(b, 0xcfc, 4), 0x12378086);
    out(b, 0xcf8, 4, cfg_addr(0, 0, 0, 0x04));
    out(b, 0xcfc, 2, 0xffff);
    assert_int_equal(in(b, 0xcfc, 4), 0x02800146);
    out(b, 0xcf8, 4, cfg_addr(0, 0, 0, 0x58));
    out(b, 0xcfd, 1, 0x33);
    assert_int_equal(in(b, 0xcfc, 4), 0x00003300);
    /* Writes to an absent function go nowhere. */
    out(b, 0xcf8, 4, cfg_addr(0, 3, 0, 0x58));
    out(b, 0xcfc, 4, 0x12345678);
    assert_int_equal(in(b, 0xcfc, 4), 0xffffffffu);
}

/* CF9H (a byte inside the window): bit 2 starts a reset; bits 3 and 1
 * read back, bit 2 reads 0. */
static void test_pci_cf9_reset_control(void **state)
{
    Bench *b = *state;
    out(b, 0xcf9, 1, 0x02);
    assert_int_equal(b->resets, 0);
    assert_int_equal(in(b, 0xcf9, 1), 0x02);
    out(b, 0xcf9, 1, 0x06);
    assert_int_equal(b->resets, 1);
    assert_int_equal(in(b, 0xcf9, 1), 0x02);
    out(b, 0xcf9, 1, 0x0e);
    assert_int_equal(b->resets, 2);
    assert_int_equal(in(b, 0xcf9, 1), 0x0a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_pci_host_bridge_identity),
        T(test_pci_absent_functions_read_all_ones),
        T(test_pci_config_address_register),
        T(test_pci_writable_bits),
        T(test_pci_cf9_reset_control),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
