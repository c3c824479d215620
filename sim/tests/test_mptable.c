/*
 * sim/tests/test_mptable.c: the MP Specification 1.4 tables sim/mptable.c
 * builds, found by the scan of MP Spec 4 "MP Configuration Table" (first
 * KiB of the EBDA, last KiB of base memory, 0xF0000-0xFFFFF) and checked
 * against 4.1 (floating pointer), 4.2 (header) and 4.3 (entries). Offsets
 * are the specification's numbers, not taken from sim/mptable.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "sim/firmware.h"
#include "sim/mptable.h"

typedef struct Img {
    uint8_t area[FIRMWARE_AREA_SIZE];
    uint32_t ids[64];
} Img;

static Img *img_build_pc(unsigned ncpus, bool pc_devices)
{
    Img *im = g_new0(Img, 1);
    for (unsigned i = 0; i < ncpus; i++)
        im->ids[i] = i;
    FirmwareInfo fi = { .ncpus = ncpus, .apic_ids = im->ids,
                        .cpu_signature = 0x50654, .cpu_features = 0xbfebfbff,
                        .has_pic = pc_devices, .has_ioapic = pc_devices,
                        .has_reset_reg = pc_devices,
                        .pm_timer_port = pc_devices ? 0x608 : 0 };
    firmware_build_area(im->area, &fi);
    return im;
}

static Img *img_build(unsigned ncpus) { return img_build_pc(ncpus, true); }

static const uint8_t *at(const Img *im, uint64_t gpa, size_t len)
{
    assert_true(gpa >= FIRMWARE_AREA_BASE &&
                gpa + len <= FIRMWARE_AREA_BASE + FIRMWARE_AREA_SIZE);
    return im->area + (gpa - FIRMWARE_AREA_BASE);
}

static uint32_t rd16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }

static unsigned sum8(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s & 0xff;
}

static uint64_t find_mpf(const Img *im)
{
    for (uint64_t a = 0xf0000; a < 0x100000; a += 16) {
        const uint8_t *p = at(im, a, 16);
        if (!memcmp(p, "_MP_", 4) && sum8(p, 16) == 0)
            return a;
    }
    return 0;
}

static void test_floating_pointer_found_by_scan_rule(void **state)
{
    Img *im = img_build(1);
    uint64_t a = find_mpf(im);
    assert_int_equal(a, FIRMWARE_MP_FLOAT_ADDR);
    const uint8_t *f = at(im, a, 16);
    assert_int_equal(f[8], 1);                   /* length: 1 paragraph */
    assert_int_equal(f[9], 4);                   /* spec revision 1.4 */
    assert_int_equal(f[11], 0);                  /* config table present */
    assert_int_equal(f[12] & 0x80, 0);           /* no IMCR: virtual wire */
    assert_int_not_equal(rd32(f + 4), 0);
    g_free(im);
}

static void check_config(unsigned ncpus)
{
    Img *im = img_build(ncpus);
    const uint8_t *f = at(im, find_mpf(im), 16);
    uint64_t ca = rd32(f + 4);
    const uint8_t *c = at(im, ca, 44);
    assert_memory_equal(c, "PCMP", 4);
    uint32_t len = rd16(c + 4);
    c = at(im, ca, len);
    assert_int_equal(sum8(c, len), 0);
    assert_int_equal(c[6], 4);
    assert_int_equal(rd32(c + 36), 0xfee00000u);
    assert_int_equal(rd16(c + 40), 0);           /* no extended table */
    assert_int_equal(rd32(c + 28), 0);           /* no OEM table */
    unsigned count = rd16(c + 34), ncpu = 0, nbus = 0, nio = 0, nirq = 0,
             nlint = 0, last_type = 0;
    bool irq0_pin2 = false, irq2 = false, extint_lint0 = false, nmi_lint1 = false;
    uint32_t off = 44;
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *e = c + off;
        /* 4.3: entries in ascending type order. */
        assert_true(e[0] >= last_type);
        last_type = e[0];
        switch (e[0]) {
        case 0:
            assert_int_equal(e[1], ncpu);        /* local APIC ID */
            assert_int_equal(e[2], 0x14);        /* local APIC version */
            assert_int_equal(e[3], ncpu == 0 ? 3 : 1);   /* EN, BP only on BSP */
            assert_int_equal(rd32(e + 4), 0x654);        /* family 6 model 5 step 4 */
            assert_int_equal(rd32(e + 8), 0xbfebfbff);
            ncpu++;
            off += 20;
            continue;
        case 1:
            assert_memory_equal(e + 2, "ISA   ", 6);
            assert_int_equal(e[1], 0);
            nbus++;
            break;
        case 2:
            assert_int_equal(e[1], PC_IOAPIC_ID);
            assert_int_equal(e[2], 0x11);
            assert_int_equal(e[3], 1);           /* EN */
            assert_int_equal(rd32(e + 4), 0xfec00000u);
            nio++;
            break;
        case 3:
            assert_int_equal(e[1], 0);           /* INT */
            assert_int_equal(e[4], 0);           /* ISA bus */
            assert_int_equal(e[6], PC_IOAPIC_ID);
            if (e[5] == 0)
                irq0_pin2 = e[7] == 2;
            if (e[5] == 2)
                irq2 = true;
            if (e[5] == 9)
                assert_int_equal(rd16(e + 2), 0xd);  /* SCI: level, high */
            else if (e[5] != 0)
                assert_int_equal(e[7], e[5]);
            nirq++;
            break;
        case 4:
            assert_int_equal(e[6], 0xff);        /* every local APIC */
            if (e[1] == 3)
                extint_lint0 = e[7] == 0;
            if (e[1] == 1)
                nmi_lint1 = e[7] == 1;
            nlint++;
            break;
        default:
            fail_msg("unexpected entry type %u", e[0]);
        }
        off += 8;
    }
    assert_int_equal(off, len);
    assert_int_equal(ncpu, ncpus);
    assert_int_equal(nbus, 1);
    assert_int_equal(nio, 1);
    assert_int_equal(nirq, 15);
    assert_int_equal(nlint, 2);
    assert_true(irq0_pin2);
    assert_false(irq2);
    assert_true(extint_lint0 && nmi_lint1);
    /* The configuration table lies in the BIOS area, clear of the
     * floating pointer and below the reset vector. */
    assert_true(ca >= FIRMWARE_TABLES_ADDR && ca + len <= FIRMWARE_TABLES_END);
    g_free(im);
}

static void test_config_one_processor_per_vcpu_smp1_rule(void **state) { check_config(1); }
static void test_config_one_processor_per_vcpu_smp4_rule(void **state) { check_config(4); }
static void test_config_one_processor_per_vcpu_smp64_rule(void **state) { check_config(64); }

/* Without an I/O APIC and 8259s: processors, the bus and the NMI line. */
static void test_config_without_ioapic_or_pic_rule(void **state)
{
    Img *im = img_build_pc(2, false);
    const uint8_t *c = at(im, rd32(at(im, find_mpf(im), 16) + 4), 44);
    uint32_t len = rd16(c + 4);
    assert_int_equal(sum8(c, len), 0);
    assert_int_equal(rd16(c + 34), 2 + 1 + 1);
    assert_int_equal(len, 44 + 2 * 20 + 8 + 8);
    const uint8_t *nmi = c + 44 + 40 + 8;
    assert_int_equal(nmi[0], 4);
    assert_int_equal(nmi[1], 1);
    g_free(im);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_floating_pointer_found_by_scan_rule),
        cmocka_unit_test(test_config_one_processor_per_vcpu_smp1_rule),
        cmocka_unit_test(test_config_one_processor_per_vcpu_smp4_rule),
        cmocka_unit_test(test_config_one_processor_per_vcpu_smp64_rule),
        cmocka_unit_test(test_config_without_ioapic_or_pic_rule),
    };
    return cmocka_run_group_tests_name("sim_mptable", tests, NULL, NULL);
}
