/*
 * sim/tests/test_acpi.c: the ACPI tables sim/acpi.c builds, parsed back
 * the way an operating system finds them (ACPI 6.3 5.2.5.1 "Finding the
 * RSDP on IA-PC Systems") and checked field by field against ACPI 6.3
 * 5.2.5 (RSDP), 5.2.6 (header), 5.2.7 (RSDT), 5.2.8 (XSDT), 5.2.9 (FADT),
 * 5.2.10 (FACS), 5.2.11.1 (DSDT) and 5.2.12 (MADT). Offsets here are
 * written as the specification's numbers, not taken from sim/acpi.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "sim/acpi.h"
#include "sim/firmware.h"
#include "sim/loader.h"

/* A picture of 0xE0000-0xFFFFF: 0xE0000-0xEFFFF empty, then the BIOS area. */
#define LOW_BASE 0xe0000ull
#define LOW_SIZE 0x20000ull

typedef struct Img {
    uint8_t mem[LOW_SIZE];
    uint32_t ids[64];
    unsigned ncpus;
} Img;

/* pc.xml's machine: 8259s, I/O APIC, CF9H reset, PM timer at 608H. */
static FirmwareInfo pc_info(unsigned ncpus, const uint32_t *ids)
{
    return (FirmwareInfo){ .ncpus = ncpus, .apic_ids = ids,
                           .cpu_signature = 0x50654, .cpu_features = 0xbfebfbff,
                           .has_pic = true, .has_ioapic = true,
                           .has_reset_reg = true, .has_rtc = true,
                           .pm_timer_port = 0x608 };
}

static Img *img_build_info(unsigned ncpus, uint32_t id_stride,
                           void (*edit)(FirmwareInfo *fi))
{
    Img *im = g_new0(Img, 1);
    im->ncpus = ncpus;
    for (unsigned i = 0; i < ncpus; i++)
        im->ids[i] = i * id_stride;
    FirmwareInfo fi = pc_info(ncpus, im->ids);
    if (edit)
        edit(&fi);
    firmware_build_area(im->mem + (FIRMWARE_AREA_BASE - LOW_BASE), &fi);
    return im;
}

static Img *img_build(unsigned ncpus, uint32_t id_stride)
{
    return img_build_info(ncpus, id_stride, NULL);
}

static const uint8_t *at(const Img *im, uint64_t gpa, size_t len)
{
    assert_true(gpa >= LOW_BASE && gpa + len <= LOW_BASE + LOW_SIZE);
    return im->mem + (gpa - LOW_BASE);
}

static uint32_t rd16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static unsigned sum8(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s & 0xff;
}

/* 5.2.5.1: "RSD PTR " on a 16-byte boundary in 0xE0000-0xFFFFF with a
 * valid ACPI 1.0 checksum. */
static uint64_t find_rsdp(const Img *im)
{
    for (uint64_t a = LOW_BASE; a < LOW_BASE + LOW_SIZE; a += 16) {
        const uint8_t *p = at(im, a, 20);
        if (!memcmp(p, "RSD PTR ", 8) && sum8(p, 20) == 0)
            return a;
    }
    return 0;
}

/* A table: checked header (5.2.6), length and checksum. */
static const uint8_t *table(const Img *im, uint64_t gpa, const char *sig)
{
    const uint8_t *t = at(im, gpa, 36);
    assert_memory_equal(t, sig, 4);
    uint32_t len = rd32(t + 4);
    assert_true(len >= 36);
    t = at(im, gpa, len);
    assert_int_equal(sum8(t, len), 0);
    assert_memory_equal(t + 10, "VMXSIM", 6);
    return t;
}

/* The table the XSDT lists with signature sig, 0 when none. */
static uint64_t xsdt_find(const Img *im, const char *sig)
{
    const uint8_t *r = at(im, find_rsdp(im), 36);
    const uint8_t *x = table(im, rd64(r + 24), "XSDT");
    for (uint32_t off = 36; off < rd32(x + 4); off += 8) {
        uint64_t a = rd64(x + off);
        if (!memcmp(at(im, a, 4), sig, 4))
            return a;
    }
    return 0;
}

static void test_rsdp_found_by_scan_rule(void **state)
{
    Img *im = img_build(1, 1);
    uint64_t a = find_rsdp(im);
    assert_int_equal(a, FIRMWARE_RSDP_ADDR);
    const uint8_t *r = at(im, a, 36);
    assert_int_equal(r[15], 2);                  /* revision: ACPI 2.0+ */
    assert_int_equal(rd32(r + 20), 36);          /* length */
    assert_int_equal(sum8(r, 36), 0);            /* extended checksum */
    assert_memory_equal(r + 9, "VMXSIM", 6);
    assert_int_not_equal(rd32(r + 16), 0);
    assert_int_not_equal(rd64(r + 24), 0);
    g_free(im);
}

static void test_rsdt_and_xsdt_list_the_same_tables_rule(void **state)
{
    Img *im = img_build(4, 1);
    const uint8_t *r = at(im, find_rsdp(im), 36);
    const uint8_t *rsdt = table(im, rd32(r + 16), "RSDT");
    const uint8_t *xsdt = table(im, rd64(r + 24), "XSDT");
    assert_int_equal(rsdt[8], 1);
    assert_int_equal(xsdt[8], 1);
    uint32_t n = (rd32(rsdt + 4) - 36) / 4;
    assert_int_equal((rd32(rsdt + 4) - 36) % 4, 0);
    assert_int_equal(rd32(xsdt + 4), 36 + 8 * n);
    assert_int_equal(n, 2);
    bool fadt = false, madt = false;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t a = rd32(rsdt + 36 + 4 * i);
        assert_int_equal(rd64(xsdt + 36 + 8 * i), a);
        const uint8_t *t = at(im, a, 4);
        fadt |= !memcmp(t, "FACP", 4);
        madt |= !memcmp(t, "APIC", 4);
        table(im, a, (const char *)t);
    }
    assert_true(fadt && madt);
    g_free(im);
}

static void test_fadt_pm_timer_and_control_blocks_rule(void **state)
{
    Img *im = img_build(1, 1);
    const uint8_t *f = table(im, xsdt_find(im, "FACP"), "FACP");
    assert_int_equal(f[8], 6);                   /* FADT revision 6 */
    assert_int_equal(rd32(f + 4), 276);
    assert_int_equal(f[131], 3);                 /* minor version: 6.3 */
    assert_int_equal(rd16(f + 46), 9);           /* SCI_INT */
    assert_int_equal(rd32(f + 48), 0);           /* no SMI_CMD */
    assert_int_equal(rd32(f + 56), 0x600);       /* PM1a_EVT_BLK */
    assert_int_equal(rd32(f + 64), 0x604);       /* PM1a_CNT_BLK */
    assert_int_equal(rd32(f + 76), 0x608);       /* PM_TMR_BLK */
    assert_int_equal(rd32(f + 76), PC_ACPI_PM_TMR);
    assert_int_equal(f[88], 4);                  /* PM1_EVT_LEN >= 4 */
    assert_int_equal(f[89], 2);                  /* PM1_CNT_LEN >= 2 */
    assert_int_equal(f[91], 4);                  /* PM_TMR_LEN = 4 */
    /* TMR_VAL_EXT (bit 8) clear: a 24-bit timer; RESET_REG_SUP set. */
    uint32_t flags = rd32(f + 112);
    assert_int_equal(flags & (1u << 8), 0);
    assert_true(flags & (1u << 10));
    /* RESET_REG: System I/O, 8 bits, port 0xCF9, value 6. */
    assert_int_equal(f[116], 1);
    assert_int_equal(f[117], 8);
    assert_int_equal(rd64(f + 120), 0xcf9);
    assert_int_equal(f[128], 6);
    /* X_PM_TMR_BLK (GAS at 208): System I/O, 32 bits, dword access. */
    assert_int_equal(f[208], 1);
    assert_int_equal(f[209], 32);
    assert_int_equal(f[210], 0);
    assert_int_equal(f[211], 3);
    assert_int_equal(rd64(f + 212), 0x608);
    /* X_PM1a_EVT_BLK and X_PM1a_CNT_BLK agree with the 32-bit fields. */
    assert_int_equal(rd64(f + 152), 0x600);
    assert_int_equal(rd64(f + 176), 0x604);
    assert_int_equal(f[108], 0x32);              /* CENTURY: CMOS 32H */
    g_free(im);
}

static void test_fadt_facs_and_dsdt_rule(void **state)
{
    Img *im = img_build(1, 1);
    const uint8_t *f = table(im, xsdt_find(im, "FACP"), "FACP");
    /* FIRMWARE_CTRL and X_FIRMWARE_CTRL must not both be non-zero. */
    uint64_t facs = rd32(f + 36);
    assert_int_not_equal(facs, 0);
    assert_int_equal(rd64(f + 132), 0);
    assert_int_equal(facs % 64, 0);              /* 64-byte boundary */
    const uint8_t *c = at(im, facs, 64);
    assert_memory_equal(c, "FACS", 4);
    assert_int_equal(rd32(c + 4), 64);
    assert_int_equal(c[32], 2);                  /* FACS version */
    /* DSDT and X_DSDT name the same table: a bare definition block. */
    uint64_t dsdt = rd32(f + 40);
    assert_int_equal(rd64(f + 140), dsdt);
    const uint8_t *d = table(im, dsdt, "DSDT");
    assert_int_equal(d[8], 2);                   /* 64-bit AML integers */
    assert_int_equal(rd32(d + 4), 36);
    g_free(im);
}

static void check_madt(unsigned ncpus, uint32_t stride)
{
    Img *im = img_build(ncpus, stride);
    const uint8_t *m = table(im, xsdt_find(im, "APIC"), "APIC");
    uint32_t len = rd32(m + 4);
    assert_int_equal(m[8], 5);                   /* MADT revision (6.3) */
    assert_int_equal(rd32(m + 36), 0xfee00000u); /* local APIC address */
    assert_int_equal(rd32(m + 40), 1);           /* PCAT_COMPAT */
    unsigned nlapic = 0, nioapic = 0, niso = 0, nnmi = 0;
    bool irq0_gsi2 = false, sci_level = false;
    for (uint32_t off = 44; off < len;) {
        const uint8_t *e = m + off;
        assert_true(e[1] >= 2 && off + e[1] <= len);
        switch (e[0]) {
        case 0:                                  /* Processor Local APIC */
            assert_int_equal(e[1], 8);
            /* Entries in vCPU order, the boot processor first. */
            assert_int_equal(e[2], nlapic);
            assert_int_equal(e[3], nlapic * stride);
            assert_int_equal(rd32(e + 4), 1);    /* Enabled */
            nlapic++;
            break;
        case 1:                                  /* I/O APIC */
            assert_int_equal(e[1], 12);
            assert_int_equal(e[2], PC_IOAPIC_ID);
            assert_int_equal(rd32(e + 4), 0xfec00000u);
            assert_int_equal(rd32(e + 8), 0);    /* GSI base */
            nioapic++;
            break;
        case 2:                                  /* Interrupt Source Override */
            assert_int_equal(e[1], 10);
            assert_int_equal(e[2], 0);           /* ISA */
            if (e[3] == 0)
                irq0_gsi2 = rd32(e + 4) == 2 && rd16(e + 8) == 0;
            if (e[3] == 9)
                sci_level = rd32(e + 4) == 9 && rd16(e + 8) == 0xd;
            niso++;
            break;
        case 4:                                  /* Local APIC NMI */
            assert_int_equal(e[1], 6);
            assert_int_equal(e[2], 0xff);
            assert_int_equal(e[5], 1);           /* LINT1 */
            nnmi++;
            break;
        default:
            fail_msg("unexpected MADT entry type %u", e[0]);
        }
        off += e[1];
        assert_true(off <= len);
    }
    assert_int_equal(nlapic, ncpus);
    assert_int_equal(nioapic, 1);
    assert_int_equal(niso, 2);
    assert_int_equal(nnmi, 1);
    assert_true(irq0_gsi2);
    assert_true(sci_level);
    g_free(im);
}

static void test_madt_one_lapic_per_vcpu_smp1_rule(void **state) { check_madt(1, 1); }
static void test_madt_one_lapic_per_vcpu_smp4_rule(void **state) { check_madt(4, 1); }
static void test_madt_one_lapic_per_vcpu_smp64_rule(void **state) { check_madt(64, 1); }
/* The APIC IDs come from the machine, not from the vCPU index. */
static void test_madt_reports_machine_apic_ids_rule(void **state) { check_madt(4, 2); }

/* With the largest machine every table still lies in the BIOS area, below
 * the reset vector, and the tables do not overlap each other. */
static void test_tables_fit_the_bios_area_rule(void **state)
{
    Img *im = img_build(64, 1);
    const uint8_t *r = at(im, find_rsdp(im), 36);
    const uint8_t *x = table(im, rd64(r + 24), "XSDT");
    const uint8_t *f = table(im, xsdt_find(im, "FACP"), "FACP");
    uint64_t addr[6] = { rd32(r + 16), rd64(r + 24), rd64(x + 36), rd64(x + 44),
                         rd32(f + 36), rd32(f + 40) };
    uint64_t len[6];
    for (int i = 0; i < 6; i++) {
        len[i] = rd32(at(im, addr[i], 8) + 4);
        assert_true(addr[i] >= FIRMWARE_AREA_BASE);
        assert_true(addr[i] + len[i] <= FIRMWARE_TABLES_END);
        assert_true(addr[i] >= FIRMWARE_MP_FLOAT_ADDR + 16);
    }
    for (int i = 0; i < 6; i++)
        for (int j = i + 1; j < 6; j++)
            assert_true(addr[i] + len[i] <= addr[j] || addr[j] + len[j] <= addr[i]);
    g_free(im);
}

/* The loader refuses a kernel that would overwrite the tables (and the
 * EBDA), so they survive loading. */
static void test_loader_refuses_images_over_the_tables_rule(void **state)
{
    BootRam ram = { 128ull << 20, 128ull << 20 };
    GError *err = NULL;
    assert_false(loader_check_range(&ram, "k", "segment 0", FIRMWARE_AREA_BASE,
                                    0x100, &err));
    g_clear_error(&err);
    assert_false(loader_check_range(&ram, "k", "segment 0", 0x9f000, 0x1000,
                                    &err));
    g_clear_error(&err);
    assert_false(loader_check_range(&ram, "k", "segment 0", 0xfff00, 0x200,
                                    &err));
    g_clear_error(&err);
    assert_true(loader_check_range(&ram, "k", "segment 0", 0x100000, 0x1000,
                                   &err));
}

/* The tables describe the machine file's devices: a PM timer elsewhere
 * moves PM_TMR_BLK; no PM timer, reset register, I/O APIC or 8259s leave
 * their fields zero and their MADT entries out. */
static void edit_pm_b008(FirmwareInfo *fi) { fi->pm_timer_port = 0xb008; }
static void edit_bare(FirmwareInfo *fi)
{
    fi->pm_timer_port = 0;
    fi->has_reset_reg = false;
    fi->has_ioapic = false;
    fi->has_pic = false;
    fi->has_rtc = false;
}

static void test_fadt_follows_the_configured_pm_timer_rule(void **state)
{
    Img *im = img_build_info(1, 1, edit_pm_b008);
    const uint8_t *f = table(im, xsdt_find(im, "FACP"), "FACP");
    assert_int_equal(rd32(f + 76), 0xb008);
    assert_int_equal(rd64(f + 212), 0xb008);
    g_free(im);
}

static void test_tables_leave_out_absent_devices_rule(void **state)
{
    Img *im = img_build_info(2, 1, edit_bare);
    const uint8_t *f = table(im, xsdt_find(im, "FACP"), "FACP");
    assert_int_equal(rd32(f + 76), 0);           /* PM_TMR_BLK */
    assert_int_equal(f[91], 0);                  /* PM_TMR_LEN */
    assert_int_equal(rd64(f + 212), 0);          /* X_PM_TMR_BLK */
    assert_int_equal(rd32(f + 112) & (1u << 10), 0);  /* RESET_REG_SUP */
    assert_int_equal(rd64(f + 120), 0);
    assert_int_equal(f[108], 0);                 /* no CENTURY byte */
    const uint8_t *m = table(im, xsdt_find(im, "APIC"), "APIC");
    assert_int_equal(rd32(m + 40), 0);           /* no PCAT_COMPAT */
    /* Two local APICs and the NMI structure, nothing else. */
    assert_int_equal(rd32(m + 4), 44 + 2 * 8 + 6);
    for (uint32_t off = 44; off < rd32(m + 4); off += m[off + 1])
        assert_true(m[off] == 0 || m[off] == 4);
    g_free(im);
}

/* Building twice gives the same bytes (deterministic runs). */
static void test_tables_are_deterministic_rule(void **state)
{
    Img *a = img_build(8, 1), *b = img_build(8, 1);
    assert_memory_equal(a->mem, b->mem, LOW_SIZE);
    g_free(a);
    g_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsdp_found_by_scan_rule),
        cmocka_unit_test(test_rsdt_and_xsdt_list_the_same_tables_rule),
        cmocka_unit_test(test_fadt_pm_timer_and_control_blocks_rule),
        cmocka_unit_test(test_fadt_facs_and_dsdt_rule),
        cmocka_unit_test(test_madt_one_lapic_per_vcpu_smp1_rule),
        cmocka_unit_test(test_madt_one_lapic_per_vcpu_smp4_rule),
        cmocka_unit_test(test_madt_one_lapic_per_vcpu_smp64_rule),
        cmocka_unit_test(test_madt_reports_machine_apic_ids_rule),
        cmocka_unit_test(test_tables_fit_the_bios_area_rule),
        cmocka_unit_test(test_loader_refuses_images_over_the_tables_rule),
        cmocka_unit_test(test_fadt_follows_the_configured_pm_timer_rule),
        cmocka_unit_test(test_tables_leave_out_absent_devices_rule),
        cmocka_unit_test(test_tables_are_deterministic_rule),
    };
    return cmocka_run_group_tests_name("sim_acpi", tests, NULL, NULL);
}
