/*
 * sim/acpi.h: the ACPI tables vmxsim builds in the BIOS area (see
 * sim/firmware.h for where): RSDP, RSDT, XSDT, FADT, FACS, DSDT and MADT,
 * per the ACPI Specification 6.3 -- 5.2.5 "Root System Description Pointer
 * (RSDP)", 5.2.6 "System Description Table Header", 5.2.7 "Root System
 * Description Table (RSDT)", 5.2.8 "Extended System Description Table
 * (XSDT)", 5.2.9 "Fixed ACPI Description Table (FADT)", 5.2.10 "Firmware
 * ACPI Control Structure (FACS)", 5.2.11.1 "Differentiated System
 * Description Table (DSDT)", 5.2.12 "Multiple APIC Description Table
 * (MADT)" -- and 5.2.3.2 "Generic Address Structure (GAS)".
 */
#ifndef SIM_ACPI_H
#define SIM_ACPI_H

#include <stdint.h>

#include "sim/firmware.h"

/* 5.2.5.3 "Root System Description Pointer (RSDP) Structure" */
enum {
    RSDP_SIGNATURE = 0, RSDP_CHECKSUM = 8, RSDP_OEMID = 9, RSDP_REVISION = 15,
    RSDP_RSDT = 16, RSDP_LENGTH = 20, RSDP_XSDT = 24, RSDP_EXT_CHECKSUM = 32,
    RSDP_SIZE = 36, RSDP_V1_SIZE = 20,
};
#define ACPI_RSDP_REVISION 2u          /* ACPI 2.0 and later */

/* 5.2.6 "DESCRIPTION_HEADER Fields" */
enum {
    SDT_SIGNATURE = 0, SDT_LENGTH = 4, SDT_REVISION = 8, SDT_CHECKSUM = 9,
    SDT_OEMID = 10, SDT_OEM_TABLE_ID = 16, SDT_OEM_REVISION = 24,
    SDT_CREATOR_ID = 28, SDT_CREATOR_REVISION = 32, SDT_HEADER_SIZE = 36,
};

/* 5.2.9 "FADT Format" (the fields vmxsim fills) */
enum {
    FADT_FIRMWARE_CTRL = 36, FADT_DSDT = 40, FADT_PM_PROFILE = 45,
    FADT_SCI_INT = 46, FADT_SMI_CMD = 48, FADT_PM1A_EVT_BLK = 56,
    FADT_PM1A_CNT_BLK = 64, FADT_PM_TMR_BLK = 76, FADT_PM1_EVT_LEN = 88,
    FADT_PM1_CNT_LEN = 89, FADT_PM_TMR_LEN = 91, FADT_P_LVL2_LAT = 96,
    FADT_P_LVL3_LAT = 98, FADT_CENTURY = 108, FADT_IAPC_BOOT_ARCH = 109, FADT_FLAGS = 112,
    FADT_RESET_REG = 116, FADT_RESET_VALUE = 128, FADT_MINOR_VERSION = 131,
    FADT_X_FIRMWARE_CTRL = 132, FADT_X_DSDT = 140, FADT_X_PM1A_EVT_BLK = 148,
    FADT_X_PM1A_CNT_BLK = 172, FADT_X_PM_TMR_BLK = 208,
    FADT_HYPERVISOR_ID = 268, FADT_SIZE = 276,
};
#define ACPI_FADT_REVISION 6u
#define ACPI_FADT_MINOR 3u
/* "Fixed ACPI Description Table Fixed Feature Flags" */
#define FADT_F_WBINVD          (1u << 0)
#define FADT_F_PROC_C1         (1u << 2)
#define FADT_F_SLP_BUTTON      (1u << 5)
#define FADT_F_TMR_VAL_EXT     (1u << 8)
#define FADT_F_RESET_REG_SUP   (1u << 10)
/* "IA-PC Boot Architecture Flags" */
#define FADT_BOOT_LEGACY_DEVICES (1u << 0)
/* 5.2.3.2 "Generic Address Structure (GAS)" */
enum { GAS_SPACE_ID = 0, GAS_BIT_WIDTH = 1, GAS_BIT_OFFSET = 2,
       GAS_ACCESS_SIZE = 3, GAS_ADDRESS = 4, GAS_SIZE = 12 };
#define GAS_SPACE_SYSTEM_IO 1u
#define GAS_ACCESS_BYTE 1u
#define GAS_ACCESS_WORD 2u
#define GAS_ACCESS_DWORD 3u

/* 5.2.10 "Firmware ACPI Control Structure (FACS)" */
enum { FACS_SIGNATURE = 0, FACS_LENGTH = 4, FACS_VERSION = 32, FACS_SIZE = 64 };
#define ACPI_FACS_VERSION 2u
#define ACPI_FACS_ALIGN 64u            /* "64-byte boundary" */

#define ACPI_DSDT_REVISION 2u          /* 2 and up: 64-bit AML integers */

/* 5.2.12 "Multiple APIC Description Table (MADT) Format" */
enum { MADT_LAPIC_ADDR = 36, MADT_FLAGS = 40, MADT_ENTRIES = 44 };
#define ACPI_MADT_REVISION 5u
#define MADT_PCAT_COMPAT (1u << 0)     /* Table 5-44: 8259s present */
/* "Interrupt Controller Structure Types" and their lengths */
#define MADT_TYPE_LAPIC 0u             /* 5.2.12.2, 8 bytes */
#define MADT_TYPE_IOAPIC 1u            /* 5.2.12.3, 12 bytes */
#define MADT_TYPE_ISO 2u               /* 5.2.12.5, 10 bytes */
#define MADT_TYPE_LAPIC_NMI 4u         /* 5.2.12.7, 6 bytes */
#define MADT_LAPIC_LEN 8u
#define MADT_IOAPIC_LEN 12u
#define MADT_ISO_LEN 10u
#define MADT_LAPIC_NMI_LEN 6u
#define MADT_LAPIC_ENABLED (1u << 0)   /* Table 5-47 */
/* "MPS INTI Flags": polarity bits 1:0, trigger mode bits 3:2 */
#define MPS_INTI_ACTIVE_HIGH 0x1u
#define MPS_INTI_LEVEL 0xcu
#define MADT_NMI_ALL_CPUS 0xffu        /* ACPI processor UID: all */
#define PC_LAPIC_NMI_LINT 1u           /* NMI on LINT1, as PC firmware wires it */

/* Identification written into every table header. */
#define ACPI_OEM_ID "VMXSIM"           /* 6 bytes */
#define ACPI_OEM_TABLE_ID "VMXSIMPC"   /* 8 bytes */
#define ACPI_CREATOR_ID "VXSM"

/* Build every table in area and the RSDP at FIRMWARE_RSDP_ADDR; returns
 * the RSDP address. */
uint64_t acpi_build(FirmwareArea *area, const FirmwareInfo *fi);

#endif
