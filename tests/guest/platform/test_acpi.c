/*
 * tests/guest/platform/test_acpi.c: the firmware tables as an operating
 * system finds them from inside the guest:
 *  - ACPI 6.3 5.2.5.1 "Finding the RSDP on IA-PC Systems": the first KiB
 *    of the EBDA (segment at BDA 40:0E) and 0xE0000-0xFFFFF, 16-byte
 *    boundaries; then RSDT/XSDT (5.2.7, 5.2.8), FADT (5.2.9) with the PM
 *    timer block, FACS (5.2.10), DSDT (5.2.11.1), MADT (5.2.12) with one
 *    enabled Processor Local APIC per vCPU, the I/O APIC and IRQ0 -> GSI 2;
 *  - MP Specification 1.4 section 4: the floating pointer in the EBDA's
 *    first KiB, the last KiB of base memory or 0xF0000-0xFFFFF, and the
 *    configuration table's processor, I/O APIC and interrupt entries.
 * Every checksum and length is checked. The vCPU count expected comes
 * from the command line ("expect_cpus=N", default 1).
 */
#include "rt.h"

static uint64_t expect_cpus(void)
{
    const char *s = rt_cmdline(), *key = "expect_cpus=";
    size_t n = strlen(key);
    for (const char *p = s; *p; p++) {
        if ((p == s || p[-1] == ' ') && !strncmp(p, key, n)) {
            uint64_t v = 0;
            for (p += n; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (uint64_t)(*p - '0');
            return v;
        }
    }
    return 1;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* Low physical memory through the identity map; the empty asm keeps the
 * compiler from treating small constant addresses as null-pointer
 * arithmetic. */
static const uint8_t *phys(uint64_t a)
{
    uintptr_t v = (uintptr_t)a;
    __asm__("" : "+r"(v));
    return (const uint8_t *)v;
}
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static uint32_t bsp_apic_id(void)
{
    return cpuid(1, 0).b >> 24;
}

/* ---- ACPI ---- */

static uint64_t scan(uint64_t from, uint64_t to, const char *sig, size_t siglen,
                     size_t sumlen)
{
    for (uint64_t a = from; a + sumlen <= to; a += 16)
        if (!memcmp(phys(a), sig, siglen) && sum8(phys(a), sumlen) == 0)
            return a;
    return 0;
}

static uint64_t find_rsdp(void)
{
    uint64_t ebda = (uint64_t)rd16(phys(0x40e)) << 4;
    uint64_t a = ebda ? scan(ebda, ebda + 1024, "RSD PTR ", 8, 20) : 0;
    return a ? a : scan(0xe0000, 0x100000, "RSD PTR ", 8, 20);
}

/* A table with a valid header: signature, length >= 36, checksum. */
static const uint8_t *sdt(uint64_t a, const char *sig)
{
    const uint8_t *t = phys(a);
    if (!a || memcmp(t, sig, 4) || rd32(t + 4) < 36 || rd32(t + 4) > 0x10000)
        return 0;
    return sum8(t, rd32(t + 4)) == 0 ? t : 0;
}

static const uint8_t *xsdt_table(const uint8_t *x, const char *sig)
{
    for (uint32_t off = 36; off + 8 <= rd32(x + 4); off += 8) {
        uint64_t a = rd64(x + off);
        if (!memcmp(phys(a), sig, 4))
            return sdt(a, sig);
    }
    return 0;
}

static void test_acpi(void)
{
    uint64_t ra = find_rsdp();
    report(ra != 0, "RSDP found by the standard scan at %llx", (unsigned long long)ra);
    if (!ra)
        return;
    const uint8_t *r = phys(ra);
    report(r[15] >= 2 && rd32(r + 20) == 36 && sum8(r, 36) == 0,
           "RSDP revision %u, length %u, extended checksum", r[15], rd32(r + 20));
    const uint8_t *rsdt = sdt(rd32(r + 16), "RSDT");
    const uint8_t *xsdt = sdt(rd64(r + 24), "XSDT");
    report(rsdt && xsdt, "RSDT and XSDT: signature, length, checksum");
    if (!rsdt || !xsdt)
        return;
    uint32_t n = (rd32(rsdt + 4) - 36) / 4;
    bool same = rd32(xsdt + 4) == 36 + 8 * n, valid = true;
    for (uint32_t i = 0; i < n && same; i++) {
        uint64_t a = rd32(rsdt + 36 + 4 * i);
        same = rd64(xsdt + 36 + 8 * i) == a;
        char sig[5] = { 0 };
        memcpy(sig, phys(a), 4);
        valid &= sdt(a, sig) != 0;
    }
    report(same && n >= 2, "RSDT and XSDT list the same %u tables", n);
    report(valid, "every listed table has a valid checksum");

    const uint8_t *f = xsdt_table(xsdt, "FACP");
    report(f && f[8] >= 3, "FADT present (revision %u)", f ? f[8] : 0);
    if (f) {
        uint32_t pm = rd32(f + 76);
        report(pm == 0x608 && f[91] == 4, "FADT PM_TMR_BLK %x, PM_TMR_LEN %u",
               pm, f[91]);
        report(rd32(f + 4) >= 220 && f[208] == 1 && rd64(f + 212) == pm,
               "FADT X_PM_TMR_BLK: System I/O at the same port");
        uint64_t facs = rd32(f + 36) ? rd32(f + 36) : rd64(f + 132);
        report(facs && facs % 64 == 0 && !memcmp(phys(facs), "FACS", 4) &&
               rd32(phys(facs) + 4) >= 64, "FACS at %llx: 64-byte aligned, signature",
               (unsigned long long)facs);
        uint64_t dsdt = rd64(f + 140) ? rd64(f + 140) : rd32(f + 40);
        report(sdt(dsdt, "DSDT") != 0, "DSDT: signature, length, checksum");
        /* The PM timer counts (3.579545 MHz) if the platform has it. */
        uint32_t t0 = inl((uint16_t)pm) & 0xffffff;
        for (volatile int i = 0; i < 20000; i++)
            ;
        uint32_t t1 = inl((uint16_t)pm) & 0xffffff;
        if (inl((uint16_t)pm) == 0xffffffffu)
            report_skip("PM timer not implemented at port %x", pm);
        else
            report(t1 != t0, "PM timer at %x advances (%x -> %x)", pm, t0, t1);
    }

    const uint8_t *m = xsdt_table(xsdt, "APIC");
    report(m != 0, "MADT present");
    if (!m)
        return;
    unsigned lapics = 0, ioapics = 0;
    bool bsp_first = false, irq0_gsi2 = false, ioapic_ok = false, walk_ok = true;
    uint32_t len = rd32(m + 4);
    for (uint32_t off = 44; off < len;) {
        const uint8_t *e = m + off;
        if (e[1] < 2 || off + e[1] > len) {
            walk_ok = false;
            break;
        }
        if (e[0] == 0 && (rd32(e + 4) & 1)) {
            if (lapics == 0)
                bsp_first = e[3] == bsp_apic_id();
            lapics++;
        }
        if (e[0] == 1) {
            ioapics++;
            ioapic_ok = rd32(e + 4) == 0xfec00000u && rd32(e + 8) == 0;
        }
        if (e[0] == 2 && e[2] == 0 && e[3] == 0)
            irq0_gsi2 = rd32(e + 4) == 2;
        off += e[1];
    }
    report(walk_ok && rd32(m + 36) == 0xfee00000u,
           "MADT entries fill its length; local APIC at FEE00000H");
    report(lapics == expect_cpus(), "MADT: %u enabled local APICs = -smp %llu",
           lapics, (unsigned long long)expect_cpus());
    report(bsp_first, "MADT: the first local APIC is this (boot) processor's");
    report(ioapics == 1 && ioapic_ok, "MADT: I/O APIC at FEC00000H, GSI base 0");
    report(irq0_gsi2, "MADT: interrupt source override ISA IRQ 0 -> GSI 2");
}

/* ---- MP ---- */

static void test_mp(void)
{
    uint64_t ebda = (uint64_t)rd16(phys(0x40e)) << 4;
    uint64_t base_kib = rd16(phys(0x413));
    uint64_t a = ebda ? scan(ebda, ebda + 1024, "_MP_", 4, 16) : 0;
    if (!a && base_kib)
        a = scan(base_kib * 1024 - 1024, base_kib * 1024, "_MP_", 4, 16);
    if (!a)
        a = scan(0xf0000, 0x100000, "_MP_", 4, 16);
    report(a != 0, "MP floating pointer found by the standard scan at %llx",
           (unsigned long long)a);
    if (!a)
        return;
    const uint8_t *fp = phys(a);
    report(fp[8] == 1 && fp[9] == 4 && fp[11] == 0,
           "MP floating pointer: length 1, revision 1.4, configuration table");
    const uint8_t *c = phys(rd32(fp + 4));
    uint32_t len = rd16(c + 4);
    bool ok = !memcmp(c, "PCMP", 4) && len >= 44 && sum8(c, len) == 0;
    report(ok && c[6] == 4, "MP configuration table: signature, revision, checksum");
    if (!ok)
        return;
    unsigned cpus = 0, bsp = 0, ioapics = 0, count = rd16(c + 34);
    bool bsp_ok = false, irq0_pin2 = false;
    uint32_t off = 44;
    for (unsigned i = 0; i < count && off < len; i++) {
        const uint8_t *e = c + off;
        if (e[0] == 0) {
            if (e[3] & 1)
                cpus++;
            if (e[3] & 2) {
                bsp++;
                bsp_ok = e[1] == bsp_apic_id();
            }
            off += 20;
            continue;
        }
        if (e[0] == 2)
            ioapics += rd32(e + 4) == 0xfec00000u;
        if (e[0] == 3 && e[1] == 0 && e[5] == 0)
            irq0_pin2 = e[7] == 2;
        off += 8;
    }
    report(off == len, "MP entries fill the base table (%u of %u bytes)", off, len);
    report(cpus == expect_cpus(), "MP: %u enabled processors = -smp %llu", cpus,
           (unsigned long long)expect_cpus());
    report(bsp == 1 && bsp_ok, "MP: one BP entry, this processor's APIC ID");
    report(ioapics == 1, "MP: the I/O APIC at FEC00000H");
    report(irq0_pin2, "MP: ISA IRQ 0 on I/O APIC input 2");
}

void test_main(void)
{
    test_acpi();
    test_mp();
}
