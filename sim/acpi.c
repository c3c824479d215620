/*
 * sim/acpi.c: building the ACPI tables (see sim/acpi.h) per the ACPI
 * Specification 6.3, chapter 5.2 "ACPI System Description Tables".
 *
 * The set is the least an ACPI operating system needs on a PC: the RSDP
 * (revision 2, so both the RSDT and the XSDT are present), an FADT with the
 * PIIX4-style PM1a event/control blocks, the PM timer and the reset
 * register, the FACS it requires, an empty DSDT (a valid definition block
 * with no AML: vmxsim describes no devices in the namespace), and an MADT
 * with one Processor Local APIC structure per vCPU, the I/O APIC, the
 * PC's interrupt source overrides (ISA IRQ 0 on GSI 2, the SCI level
 * triggered) and LINT1 as NMI for every processor. Devices the machine
 * file leaves out (I/O APIC, PM timer, reset register, 8259s) are left out
 * of the tables too.
 */
#include "sim/acpi.h"

#include "sim/devices/rtc.h"

#include <glib.h>
#include <string.h>

static void put_id(uint8_t *p, const char *s, size_t n)
{
    memset(p, ' ', n);
    memcpy(p, s, MIN(strlen(s), n));
}

/* 5.2.6: the header; length and checksum are set by sdt_finish. */
static size_t sdt_begin(FirmwareArea *a, const char *sig, size_t len,
                        uint8_t revision, size_t align)
{
    size_t off = firmware_alloc(a, len, align);
    uint8_t *t = a->buf + off;
    memcpy(t + SDT_SIGNATURE, sig, 4);
    t[SDT_REVISION] = revision;
    put_id(t + SDT_OEMID, ACPI_OEM_ID, 6);
    put_id(t + SDT_OEM_TABLE_ID, ACPI_OEM_TABLE_ID, 8);
    fw_put32(t + SDT_OEM_REVISION, 1);
    memcpy(t + SDT_CREATOR_ID, ACPI_CREATOR_ID, 4);
    fw_put32(t + SDT_CREATOR_REVISION, 1);
    fw_put32(t + SDT_LENGTH, (uint32_t)len);
    return off;
}

static void sdt_finish(FirmwareArea *a, size_t off)
{
    uint8_t *t = a->buf + off;
    uint32_t len = (uint32_t)t[SDT_LENGTH] | (uint32_t)t[SDT_LENGTH + 1] << 8 |
                   (uint32_t)t[SDT_LENGTH + 2] << 16 |
                   (uint32_t)t[SDT_LENGTH + 3] << 24;
    t[SDT_CHECKSUM] = 0;
    t[SDT_CHECKSUM] = fw_checksum(t, len);
}

/* 5.2.3.2: a System I/O register. */
static void put_gas_io(uint8_t *p, unsigned bits, unsigned access, uint16_t port)
{
    p[GAS_SPACE_ID] = GAS_SPACE_SYSTEM_IO;
    p[GAS_BIT_WIDTH] = (uint8_t)bits;
    p[GAS_BIT_OFFSET] = 0;
    p[GAS_ACCESS_SIZE] = (uint8_t)access;
    fw_put64(p + GAS_ADDRESS, port);
}

/* 5.2.10: 64-byte aligned, no checksum. */
static size_t build_facs(FirmwareArea *a)
{
    size_t off = firmware_alloc(a, FACS_SIZE, ACPI_FACS_ALIGN);
    uint8_t *t = a->buf + off;
    memcpy(t + FACS_SIGNATURE, "FACS", 4);
    fw_put32(t + FACS_LENGTH, FACS_SIZE);
    t[FACS_VERSION] = ACPI_FACS_VERSION;
    return off;
}

/* 5.2.11.1: a definition block whose AML term list is empty. */
static size_t build_dsdt(FirmwareArea *a)
{
    size_t off = sdt_begin(a, "DSDT", SDT_HEADER_SIZE, ACPI_DSDT_REVISION, 16);
    sdt_finish(a, off);
    return off;
}

/* 5.2.9 "Fixed ACPI Description Table (FADT)". */
static size_t build_fadt(FirmwareArea *a, const FirmwareInfo *fi,
                         uint64_t facs, uint64_t dsdt)
{
    size_t off = sdt_begin(a, "FACP", FADT_SIZE, ACPI_FADT_REVISION, 16);
    uint8_t *t = a->buf + off;
    /* X_FIRMWARE_CTRL stays zero, so FIRMWARE_CTRL is the one in use (the
     * two must not both be non-zero). X_DSDT, when non-zero, takes
     * precedence over DSDT; both name the same table. */
    fw_put32(t + FADT_FIRMWARE_CTRL, (uint32_t)facs);
    fw_put32(t + FADT_DSDT, (uint32_t)dsdt);
    fw_put64(t + FADT_X_DSDT, dsdt);
    t[FADT_PM_PROFILE] = 0;            /* unspecified */
    fw_put16(t + FADT_SCI_INT, PC_SCI_IRQ);
    /* SMI_CMD zero: no SMI command port, the hardware is always in ACPI
     * mode (SCI_EN is not owned by firmware). */
    fw_put32(t + FADT_SMI_CMD, 0);
    /* SIMPLIFICATION: the PM1a blocks are required fields, but no device
     * decodes them: they read as all ones (SCI_EN set: ACPI mode) and
     * ignore writes. */
    fw_put32(t + FADT_PM1A_EVT_BLK, PC_ACPI_PM1_EVT);
    fw_put32(t + FADT_PM1A_CNT_BLK, PC_ACPI_PM1_CNT);
    t[FADT_PM1_EVT_LEN] = 4;
    t[FADT_PM1_CNT_LEN] = 2;
    if (fi->pm_timer_port) {
        fw_put32(t + FADT_PM_TMR_BLK, fi->pm_timer_port);
        t[FADT_PM_TMR_LEN] = 4;
        put_gas_io(t + FADT_X_PM_TMR_BLK, 32, GAS_ACCESS_DWORD,
                   fi->pm_timer_port);
    }
    /* Latencies above 100 and 1000 us: C2 and C3 not supported. */
    fw_put16(t + FADT_P_LVL2_LAT, 0x0fff);
    fw_put16(t + FADT_P_LVL3_LAT, 0x0fff);
    if (fi->has_rtc)
        t[FADT_CENTURY] = RTC_REG_CENTURY;
    fw_put16(t + FADT_IAPC_BOOT_ARCH, FADT_BOOT_LEGACY_DEVICES);
    /* TMR_VAL_EXT clear: the PM timer counts 24 bits. */
    _Static_assert(PC_ACPI_PM_TMR_BITS == 24, "FADT TMR_VAL_EXT");
    uint32_t flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON;
    if (fi->has_reset_reg) {
        flags |= FADT_F_RESET_REG_SUP;
        put_gas_io(t + FADT_RESET_REG, 8, GAS_ACCESS_BYTE, PC_RESET_PORT);
        t[FADT_RESET_VALUE] = PC_RESET_VALUE;
    }
    fw_put32(t + FADT_FLAGS, flags);
    t[FADT_MINOR_VERSION] = ACPI_FADT_MINOR;
    put_gas_io(t + FADT_X_PM1A_EVT_BLK, 32, GAS_ACCESS_WORD, PC_ACPI_PM1_EVT);
    put_gas_io(t + FADT_X_PM1A_CNT_BLK, 16, GAS_ACCESS_WORD, PC_ACPI_PM1_CNT);
    memcpy(t + FADT_HYPERVISOR_ID, "VMXSIM  ", 8);
    sdt_finish(a, off);
    return off;
}

/* 5.2.12.5 "Interrupt Source Override Structure". */
static void put_iso(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    e[0] = MADT_TYPE_ISO;
    e[1] = MADT_ISO_LEN;
    e[2] = 0;                          /* bus: ISA */
    e[3] = irq;
    fw_put32(e + 4, gsi);
    fw_put16(e + 8, flags);
}

/* 5.2.12 "Multiple APIC Description Table (MADT)". */
static size_t build_madt(FirmwareArea *a, const FirmwareInfo *fi)
{
    size_t len = MADT_ENTRIES + fi->ncpus * MADT_LAPIC_LEN +
                 (fi->has_ioapic ? MADT_IOAPIC_LEN + 2 * MADT_ISO_LEN : 0) +
                 MADT_LAPIC_NMI_LEN;
    size_t off = sdt_begin(a, "APIC", len, ACPI_MADT_REVISION, 16);
    uint8_t *t = a->buf + off;
    fw_put32(t + MADT_LAPIC_ADDR, PC_LAPIC_BASE);
    fw_put32(t + MADT_FLAGS, fi->has_pic ? MADT_PCAT_COMPAT : 0);
    uint8_t *e = t + MADT_ENTRIES;
    /* 5.2.12.2 "Processor Local APIC Structure": the boot processor first
     * (5.2.12.1 entry order), processor UID = vCPU index. */
    for (unsigned i = 0; i < fi->ncpus; i++, e += MADT_LAPIC_LEN) {
        e[0] = MADT_TYPE_LAPIC;
        e[1] = MADT_LAPIC_LEN;
        e[2] = (uint8_t)i;
        e[3] = (uint8_t)fi->apic_ids[i];
        fw_put32(e + 4, MADT_LAPIC_ENABLED);
    }
    if (fi->has_ioapic) {
        /* 5.2.12.3 "I/O APIC Structure" */
        e[0] = MADT_TYPE_IOAPIC;
        e[1] = MADT_IOAPIC_LEN;
        e[2] = PC_IOAPIC_ID;
        e[3] = 0;
        fw_put32(e + 4, PC_IOAPIC_BASE);
        fw_put32(e + 8, 0);            /* GSI base */
        e += MADT_IOAPIC_LEN;
        /* The PIT's ISA IRQ 0 arrives on I/O APIC input 2 (flags 0: bus
         * conformant, edge, active high); the SCI is level, active high. */
        put_iso(e, PC_PIT_IRQ, PC_PIT_GSI, 0);
        e += MADT_ISO_LEN;
        put_iso(e, PC_SCI_IRQ, PC_SCI_IRQ, MPS_INTI_ACTIVE_HIGH | MPS_INTI_LEVEL);
        e += MADT_ISO_LEN;
    }
    /* 5.2.12.7 "Local APIC NMI Structure" */
    e[0] = MADT_TYPE_LAPIC_NMI;
    e[1] = MADT_LAPIC_NMI_LEN;
    e[2] = MADT_NMI_ALL_CPUS;
    fw_put16(e + 3, 0);
    e[5] = PC_LAPIC_NMI_LINT;
    sdt_finish(a, off);
    return off;
}

uint64_t acpi_build(FirmwareArea *a, const FirmwareInfo *fi)
{
    uint64_t facs = a->gpa + build_facs(a);
    uint64_t dsdt = a->gpa + build_dsdt(a);
    uint64_t fadt = a->gpa + build_fadt(a, fi, facs, dsdt);
    uint64_t madt = a->gpa + build_madt(a, fi);
    const uint64_t tables[] = { fadt, madt };
    size_t n = G_N_ELEMENTS(tables);

    /* 5.2.7 RSDT (32-bit entries) and 5.2.8 XSDT (64-bit entries). */
    size_t rsdt = sdt_begin(a, "RSDT", SDT_HEADER_SIZE + 4 * n, 1, 16);
    size_t xsdt = sdt_begin(a, "XSDT", SDT_HEADER_SIZE + 8 * n, 1, 16);
    for (size_t i = 0; i < n; i++) {
        fw_put32(a->buf + rsdt + SDT_HEADER_SIZE + 4 * i, (uint32_t)tables[i]);
        fw_put64(a->buf + xsdt + SDT_HEADER_SIZE + 8 * i, tables[i]);
    }
    sdt_finish(a, rsdt);
    sdt_finish(a, xsdt);

    /* 5.2.5.3 "Root System Description Pointer (RSDP) Structure": the
     * first checksum covers the ACPI 1.0 part (20 bytes), the extended one
     * the whole structure. */
    g_assert(FIRMWARE_RSDP_ADDR >= a->gpa &&
             FIRMWARE_RSDP_ADDR + RSDP_SIZE <= FIRMWARE_MP_FLOAT_ADDR);
    uint8_t *p = a->buf + (FIRMWARE_RSDP_ADDR - a->gpa);
    memset(p, 0, RSDP_SIZE);
    memcpy(p + RSDP_SIGNATURE, "RSD PTR ", 8);
    put_id(p + RSDP_OEMID, ACPI_OEM_ID, 6);
    p[RSDP_REVISION] = ACPI_RSDP_REVISION;
    fw_put32(p + RSDP_RSDT, (uint32_t)(a->gpa + rsdt));
    fw_put32(p + RSDP_LENGTH, RSDP_SIZE);
    fw_put64(p + RSDP_XSDT, a->gpa + xsdt);
    p[RSDP_CHECKSUM] = fw_checksum(p, RSDP_V1_SIZE);
    p[RSDP_EXT_CHECKSUM] = fw_checksum(p, RSDP_SIZE);
    return FIRMWARE_RSDP_ADDR;
}
