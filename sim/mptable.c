/*
 * sim/mptable.c: building the MP Specification 1.4 tables (see
 * sim/mptable.h).
 *
 * The configuration describes what the machine has: one processor entry
 * per vCPU (the boot processor flagged BP), the ISA bus, the I/O APIC,
 * the ISA interrupts on the I/O APIC's inputs (IRQ 0 on input 2 as the
 * ACPI interrupt source override says, IRQ 2, the 8259 cascade, not
 * routed; the SCI level triggered) and the local interrupts of every local
 * APIC: ExtINT on LINT0 (virtual wire) and NMI on LINT1. Entries appear in
 * ascending type order, as 4.3 requires.
 */
#include "sim/mptable.h"

#include <glib.h>
#include <string.h>

static void put_id(uint8_t *p, const char *s, size_t n)
{
    memset(p, ' ', n);
    memcpy(p, s, MIN(strlen(s), n));
}

/* 4.3.4 and 4.3.5 share their layout. */
static uint8_t *put_int(uint8_t *e, uint8_t type, uint8_t int_type,
                        uint16_t flags, uint8_t bus_irq, uint8_t dest,
                        uint8_t dest_input)
{
    e[0] = type;
    e[1] = int_type;
    fw_put16(e + 2, flags);
    e[4] = MP_ISA_BUS_ID;
    e[5] = bus_irq;
    e[6] = dest;
    e[7] = dest_input;
    return e + MP_ENTRY_LEN;
}

uint64_t mptable_build(FirmwareArea *a, const FirmwareInfo *fi)
{
    /* With an I/O APIC: it and the ISA IRQs but the cascade, IRQ 2. */
    unsigned nio = fi->has_ioapic ? 1 + PC_ISA_IRQS - 1 : 0;
    unsigned nlint = 1 + (fi->has_pic ? 1 : 0);
    unsigned count = fi->ncpus + 1 + nio + nlint;
    size_t len = MPC_HEADER_SIZE + fi->ncpus * MP_PROCESSOR_LEN +
                 (count - fi->ncpus) * MP_ENTRY_LEN;
    size_t off = firmware_alloc(a, len, 16);
    uint8_t *t = a->buf + off;

    /* 4.2 header */
    memcpy(t + MPC_SIGNATURE, "PCMP", 4);
    fw_put16(t + MPC_LENGTH, (uint16_t)len);
    t[MPC_SPEC_REV] = MP_SPEC_REV;
    put_id(t + MPC_OEM_ID, "VMXSIM", 8);
    put_id(t + MPC_PRODUCT_ID, "PC", 12);
    fw_put16(t + MPC_ENTRY_COUNT, (uint16_t)count);
    fw_put32(t + MPC_LAPIC_ADDR, PC_LAPIC_BASE);

    uint8_t *e = t + MPC_HEADER_SIZE;
    /* 4.3.1: the signature holds stepping, model and family in bits 11:0;
     * the feature flags are CPUID.01H:EDX. */
    for (unsigned i = 0; i < fi->ncpus; i++, e += MP_PROCESSOR_LEN) {
        e[0] = MP_ENTRY_PROCESSOR;
        e[1] = (uint8_t)fi->apic_ids[i];
        e[2] = PC_LAPIC_VERSION;
        e[3] = MP_CPU_EN | (i == 0 ? MP_CPU_BP : 0);
        fw_put32(e + 4, fi->cpu_signature & 0xfffu);
        fw_put32(e + 8, fi->cpu_features);
    }
    /* 4.3.2: bus type strings are blank-padded. */
    e[0] = MP_ENTRY_BUS;
    e[1] = MP_ISA_BUS_ID;
    put_id(e + 2, "ISA", 6);
    e += MP_ENTRY_LEN;
    if (fi->has_ioapic) {
        /* 4.3.3 */
        e[0] = MP_ENTRY_IOAPIC;
        e[1] = PC_IOAPIC_ID;
        e[2] = PC_IOAPIC_VERSION;
        e[3] = MP_IOAPIC_EN;
        fw_put32(e + 4, PC_IOAPIC_BASE);
        e += MP_ENTRY_LEN;
        /* 4.3.4 */
        for (unsigned irq = 0; irq < PC_ISA_IRQS; irq++) {
            if (irq == 2)
                continue;
            uint8_t pin = irq == PC_PIT_IRQ ? PC_PIT_GSI : (uint8_t)irq;
            uint16_t flags = irq == PC_SCI_IRQ ? MP_IRQ_ACTIVE_HIGH | MP_IRQ_LEVEL : 0;
            e = put_int(e, MP_ENTRY_IOINT, MP_INT, flags, (uint8_t)irq,
                        PC_IOAPIC_ID, pin);
        }
    }
    /* 4.3.5 */
    if (fi->has_pic)
        e = put_int(e, MP_ENTRY_LINT, MP_EXTINT, 0, 0, MP_ALL_LAPICS, 0);
    e = put_int(e, MP_ENTRY_LINT, MP_NMI, 0, 0, MP_ALL_LAPICS, 1);
    g_assert(e == t + len);
    t[MPC_CHECKSUM] = fw_checksum(t, len);

    /* 4.1: length in 16-byte paragraphs; feature byte 1 zero = the
     * configuration table is present; feature byte 2 bit 7 (IMCRP) clear:
     * virtual wire mode, no IMCR. */
    g_assert(FIRMWARE_MP_FLOAT_ADDR >= a->gpa &&
             FIRMWARE_MP_FLOAT_ADDR + MPF_SIZE <= FIRMWARE_TABLES_ADDR);
    uint8_t *f = a->buf + (FIRMWARE_MP_FLOAT_ADDR - a->gpa);
    memset(f, 0, MPF_SIZE);
    memcpy(f + MPF_SIGNATURE, "_MP_", 4);
    fw_put32(f + MPF_CONFIG, (uint32_t)(a->gpa + off));
    f[MPF_LENGTH] = 1;
    f[MPF_SPEC_REV] = MP_SPEC_REV;
    f[MPF_CHECKSUM] = fw_checksum(f, MPF_SIZE);
    return FIRMWARE_MP_FLOAT_ADDR;
}
