/*
 * sim/firmware.h: what vmxsim provides in place of PC firmware (a BIOS):
 * the tables an operating system looks for in low memory -- ACPI
 * (sim/acpi.c) and the Intel MultiProcessor Specification 1.4 table
 * (sim/mptable.c) -- the BIOS data area words that point at the extended
 * BIOS data area, and the contents of QEMU's fw_cfg device
 * (sim/devices/fw_cfg.c). Everything is built at machine start, before the
 * kernel is loaded, from the machine's facts (vCPUs, RAM, command line).
 *
 * This header is the one place for the low-memory layout of firmware data
 * and for the platform facts the tables describe (addresses, ports, IRQs),
 * so the tables and the devices cannot disagree.
 *
 * Low memory used (the multiboot boot area lives in 0x1000-0x9FBFF, see
 * sim/loader.h; nothing here overlaps it):
 *   0x0040E  BDA word: EBDA segment (0x9FC0)
 *   0x00413  BDA word: base memory in KiB (639)
 *   0x9FC00  EBDA (1 KiB, e820 reserved): byte 0 = its size in KiB
 *   0xF0000  BIOS area (64 KiB, e820 reserved): the RSDP at 0xF0000, the MP
 *            floating pointer at 0xF0040, then the other tables packed from
 *            0xF0100 up to 0xFFFF0 (FIRMWARE_*_ADDR). Both the ACPI scan (ACPI 6.3
 *            5.2.5.1 "Finding the RSDP on IA-PC Systems": EBDA first KiB,
 *            0xE0000-0xFFFFF, 16-byte boundaries) and the MP scan (MP Spec
 *            1.4 section 4 "MP Configuration Table": EBDA first KiB, last
 *            KiB of base memory, 0xF0000-0xFFFFF) find them. The loader
 *            refuses any image that overlaps 0x9FC00-0xFFFFF.
 *
 * Ports and IRQs (QEMU's pc/PIIX4 values, so images agree with QEMU):
 *   0x510-0x511  fw_cfg selector (16-bit) and data (8-bit)
 *   0x514-0x51B  fw_cfg DMA address (two big-endian 32-bit halves)
 *   0x600-0x603  ACPI PM1a event block; 0x604-0x605 PM1a control block
 *   0x608-0x60B  ACPI PM timer (24-bit, 3.579545 MHz): pc.xml's <pmtimer>;
 *                the FADT reports the port the machine file chose
 *   0xCF9        reset control register (FADT RESET_REG, value 06H)
 *   IRQ 9        ACPI SCI (level, active high)
 *   ISA IRQ 0    PIT, wired to I/O APIC input 2 (interrupt source override)
 */
#ifndef SIM_FIRMWARE_H
#define SIM_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/physmem.h"
#include "sim/devices/fw_cfg.h"
#include "sim/loader.h"

/* ---- low-memory layout ---- */
#define FIRMWARE_BDA_EBDA_SEG   0x40eull
#define FIRMWARE_BDA_BASE_KIB   0x413ull
#define FIRMWARE_EBDA_BASE      0x9fc00ull
#define FIRMWARE_BASE_MEM_KIB   639u
#define FIRMWARE_AREA_BASE      0xf0000ull
#define FIRMWARE_AREA_SIZE      0x10000ull   /* through 0xFFFFF */
#define FIRMWARE_RSDP_ADDR      0xf0000ull
#define FIRMWARE_MP_FLOAT_ADDR  0xf0040ull
#define FIRMWARE_TABLES_ADDR    0xf0100ull
/* The last 16 bytes (0xFFFF0, the reset vector) stay free. */
#define FIRMWARE_TABLES_END     0xffff0ull

/* ---- platform facts the tables describe ---- */
#define PC_LAPIC_BASE        0xfee00000u   /* SDM Vol.3 11.4.1 default base */
#define PC_IOAPIC_BASE       0xfec00000u
/* The I/O APIC's ID register resets to 0 (82093AA data sheet 3.2.1); the
 * tables report the ID the device has. */
#define PC_IOAPIC_ID         0u
#define PC_IOAPIC_VERSION    0x11u         /* 82093AA IOAPICVER bits 7:0 */
#define PC_IOAPIC_PINS       24u
#define PC_LAPIC_VERSION     0x14u         /* xAPIC version register bits 7:0 */
#define PC_ISA_IRQS          16u
#define PC_PIT_IRQ           0u
#define PC_PIT_GSI           2u
#define PC_SCI_IRQ           9u
#define PC_FW_CFG_PORT       0x510u
#define PC_FW_CFG_DMA_PORT   0x514u
#define PC_ACPI_PM_BASE      0x600u
#define PC_ACPI_PM1_EVT      (PC_ACPI_PM_BASE + 0u)
#define PC_ACPI_PM1_CNT      (PC_ACPI_PM_BASE + 4u)
#define PC_ACPI_PM_TMR       (PC_ACPI_PM_BASE + 8u)
#define PC_ACPI_PM_TMR_BITS  24u
#define PC_RESET_PORT        0xcf9u
#define PC_RESET_VALUE       0x06u         /* full reset: SYS_RST | RST_CPU */

/* The machine facts the tables are built from: the tables describe only
 * what the machine file configured (sim/chipset.h). */
typedef struct FirmwareInfo {
    unsigned ncpus;
    const uint32_t *apic_ids;       /* ncpus entries; [0] is the BSP */
    uint32_t cpu_signature;         /* CPUID.01H:EAX */
    uint32_t cpu_features;          /* CPUID.01H:EDX */
    bool has_pic;                   /* 8259A pair on LINT0 (ExtINT) */
    bool has_ioapic;                /* I/O APIC at PC_IOAPIC_BASE */
    bool has_reset_reg;             /* reset control at PC_RESET_PORT */
    bool has_rtc;                   /* CMOS RTC (FADT CENTURY byte) */
    uint16_t pm_timer_port;         /* ACPI PM timer; 0 when absent */
} FirmwareInfo;

/* A bump allocator over a byte image of guest-physical memory starting at
 * gpa: the builders write tables into buf and refer to them by address. */
typedef struct FirmwareArea {
    uint8_t *buf;
    uint64_t gpa;
    size_t size;
    size_t used;
} FirmwareArea;

/* Reserve len bytes aligned to align (a power of two) and return their
 * offset in buf; the space is zero. Aborts on overflow: the area is sized
 * for the largest machine (MACHINE_MAX_CPUS), an invariant of ours. */
size_t firmware_alloc(FirmwareArea *a, size_t len, size_t align);

/* Little-endian stores and the 8-bit checksum of ACPI and MP tables (the
 * byte that makes all bytes sum to zero). */
void fw_put16(uint8_t *p, uint16_t v);
void fw_put32(uint8_t *p, uint32_t v);
void fw_put64(uint8_t *p, uint64_t v);
uint8_t fw_checksum(const uint8_t *p, size_t len);

/* Build the BIOS area image (FIRMWARE_AREA_SIZE bytes at
 * FIRMWARE_AREA_BASE) holding the ACPI and MP tables. */
void firmware_build_area(uint8_t *area, const FirmwareInfo *fi);
/* Write the BDA words, the EBDA size byte and the BIOS area into RAM. */
void firmware_install(PhysMap *pm, const FirmwareInfo *fi);
/* Fill fw_cfg with the machine's facts: signature, interface id, UUID
 * (all zero, as QEMU without -uuid), RAM size, vCPU counts, the -append
 * command line, IRQ0 override, and the files etc/e820 (the multiboot
 * memory map, 20-byte little-endian entries: base, length, type) and
 * etc/boot-fail-wait (-1: never reboot). */
void firmware_fw_cfg(FwCfg *f, const FirmwareInfo *fi, const BootRam *ram,
                     const char *append);

#endif
