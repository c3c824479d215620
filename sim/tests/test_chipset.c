/*
 * sim/tests/test_chipset.c: the chipset wiring (sim/chipset.c) and its
 * configuration: pc.xml enables every chipset device at the documented
 * ports and clock; the <clock> element is checked; ISA IRQ0 reaches
 * 8259A input 0 and I/O APIC pin 2, IRQ8 pin 8; the PIT's edges reach the
 * PIC when the clock is synced; and the next-event time offered to a
 * halted machine counts only IRQs some controller has unmasked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "sim/chipset.h"

static char *configs_path(const char *rel)
{
    g_autofree char *dir = config_dir();
    return g_build_filename(dir, rel, NULL);
}

/* pc.xml: every chipset device, PM timer at 608H, 2.7 GHz, 2000-01-01. */
static void test_chipset_pc_xml_enables_devices(void **state)
{
    g_autofree char *path = configs_path("machines/pc.xml");
    MachineConfig mc;
    GError *err = NULL;
    assert_true(config_load_machine(path, &mc, &err));
    assert_true(mc.has_ioapic && mc.has_pit && mc.has_rtc && mc.has_pci &&
                mc.has_i8042 && mc.has_pmtimer);
    assert_int_equal(mc.pmtimer_iobase, 0x608);
    assert_int_equal(mc.cpu_hz, 2700000000ull);
    assert_true(mc.has_rtc_start);
    assert_int_equal(mc.rtc_start, RTC_DEFAULT_START);
    machine_config_clear(&mc);
}

static bool load_text(const char *text, GError **err)
{
    g_autofree char *dir = g_dir_make_tmp("vmxsim-chipset-XXXXXX", NULL);
    g_autofree char *p = g_build_filename(dir, "m.xml", NULL);
    assert_true(g_file_set_contents(p, text, -1, NULL));
    MachineConfig mc;
    bool ok = config_load_machine(p, &mc, err);
    if (ok)
        machine_config_clear(&mc);
    g_remove(p);
    g_rmdir(dir);
    return ok;
}

#define MACHINE_HEAD "<?xml version=\"1.0\"?>\n<machine name=\"t\">\n" \
    "<memory size=\"64M\"/>\n<cpus count=\"1\" model=\"skylake-server\"/>\n"

/* <clock>: an impossible date or a frequency out of range is refused
 * with the file's line; a machine without <clock> loads. */
static void test_chipset_clock_element_checked(void **state)
{
    GError *err = NULL;
    assert_false(load_text(MACHINE_HEAD "<clock date=\"2001-02-29T00:00:00\"/>\n"
                           "<devices/>\n</machine>\n", &err));
    assert_non_null(strstr(err->message, ":5: clock date"));
    g_clear_error(&err);
    assert_false(load_text(MACHINE_HEAD "<clock frequency=\"1000\"/>\n"
                           "<devices/>\n</machine>\n", &err));
    assert_non_null(strstr(err->message, "clock frequency"));
    g_clear_error(&err);
    assert_true(load_text(MACHINE_HEAD "<devices><pit/><pmtimer iobase=\"0xb008\"/>"
                          "</devices>\n</machine>\n", &err));
}

typedef struct Bench {
    PhysMap pm;
    IoPortMap io;
    PicPair pic;
    Chipset c;
    uint8_t last_vector;
    unsigned msgs;
} Bench;

static bool record(void *opaque, uint8_t dest, uint8_t vector, uint8_t mode,
                   uint8_t dest_mode, bool level)
{
    Bench *b = opaque;
    b->last_vector = vector;
    b->msgs++;
    return true;
}

static int setup(void **state)
{
    Bench *b = g_new0(Bench, 1);
    const char *why = NULL;
    assert_true(physmem_init(&b->pm, 2ull << 20, &why));
    ioport_init(&b->io);
    pic_reset(&b->pic);
    const char *e = NULL;
    assert_true(ioport_register(&b->io, 0x20, 2, &pic_ops, &b->pic.chip[0], "m", &e));
    assert_true(ioport_register(&b->io, 0xa0, 2, &pic_ops, &b->pic.chip[1], "s", &e));
    MachineConfig mc = { 0 };
    mc.cpu_hz = 3579545;                  /* 3 cycles per PIT tick */
    mc.has_ioapic = mc.has_pit = mc.has_rtc = mc.has_pci = true;
    GError *err = NULL;
    assert_true(chipset_init(&b->c, &mc, &b->pic, &b->io, &b->pm, record, b, &err));
    *state = b;
    return 0;
}

static int teardown(void **state)
{
    Bench *b = *state;
    physmem_destroy(&b->pm);
    g_free(b);
    return 0;
}

static void out8(Bench *b, uint16_t port, uint8_t v)
{
    assert_int_equal(ioport_out(&b->io, port, 1, v), ST_OK);
}

static void pic_init_unmasked(Bench *b, uint8_t master_mask)
{
    out8(b, 0x20, 0x11); out8(b, 0x21, 0x20); out8(b, 0x21, 0x04); out8(b, 0x21, 0x01);
    out8(b, 0xa0, 0x11); out8(b, 0xa1, 0x28); out8(b, 0xa1, 0x02); out8(b, 0xa1, 0x01);
    out8(b, 0x21, master_mask);
    out8(b, 0xa1, 0x00);
}

static void ioapic_route(Bench *b, unsigned pin, uint32_t lo)
{
    physmem_write(&b->pm, IOAPIC_BASE, 4, 0x10 + 2 * pin);
    physmem_write(&b->pm, IOAPIC_BASE + 0x10, 4, lo);
}

/* ISA IRQ0 drives 8259A IR0 and I/O APIC pin 2; IRQ8 the slave's IR0
 * and pin 8. */
static void test_chipset_isa_irq_routing(void **state)
{
    Bench *b = *state;
    pic_init_unmasked(b, 0x00);
    ioapic_route(b, 2, 0x52);
    ioapic_route(b, 0, 0x50);
    ioapic_route(b, 8, 0x58);
    chipset_set_irq(&b->c, 0, true);
    assert_int_equal(b->msgs, 1);
    assert_int_equal(b->last_vector, 0x52);
    assert_int_equal(pic_intr_pending(&b->pic, true), 0x20);
    chipset_set_irq(&b->c, 8, true);
    assert_int_equal(b->last_vector, 0x58);
    out8(b, 0x20, 0x20);
    assert_int_equal(pic_intr_pending(&b->pic, false), 0x28);
}

/* The PIT's IRQ0 edges reach the PIC once the clock passes them; the
 * halted-machine event time counts only unmasked IRQs. */
static void test_chipset_pit_edges_and_next_event(void **state)
{
    Bench *b = *state;
    out8(b, 0x43, 0x34);
    out8(b, 0x40, 100);
    out8(b, 0x40, 0);
    chipset_reschedule(&b->c);
    assert_int_equal(b->c.next_event, 300);
    assert_int_equal(chipset_next_event(&b->c), UINT64_MAX);   /* all masked */
    pic_init_unmasked(b, 0xfe);
    assert_int_equal(chipset_next_event(&b->c), 300);
    chipset_sync(&b->c, 299);
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
    chipset_sync(&b->c, 300);
    assert_int_equal(pic_intr_pending(&b->pic, false), 0x20);
    assert_int_equal(b->c.next_event, 600);
    /* The clock never runs backwards (another vCPU behind this one). */
    chipset_sync(&b->c, 100);
    assert_int_equal(b->c.clock.now, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chipset_pc_xml_enables_devices),
        cmocka_unit_test(test_chipset_clock_element_checked),
        cmocka_unit_test_setup_teardown(test_chipset_isa_irq_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chipset_pit_edges_and_next_event, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
