/*
 * sim/mptable.h: the Intel MultiProcessor Specification 1.4 table vmxsim
 * builds in the BIOS area (see sim/firmware.h for where): 4.1 "MP Floating
 * Pointer Structure", 4.2 "MP Configuration Table Header" and the base
 * entries of 4.3 "Base MP Configuration Table Entries" (4.3.1 Processor,
 * 4.3.2 Bus, 4.3.3 I/O APIC, 4.3.4 I/O Interrupt Assignment, 4.3.5 Local
 * Interrupt Assignment).
 */
#ifndef SIM_MPTABLE_H
#define SIM_MPTABLE_H

#include <stdint.h>

#include "sim/firmware.h"

/* 4.1 Table 4-1 "MP Floating Pointer Structure Fields" */
enum {
    MPF_SIGNATURE = 0, MPF_CONFIG = 4, MPF_LENGTH = 8, MPF_SPEC_REV = 9,
    MPF_CHECKSUM = 10, MPF_FEATURE1 = 11, MPF_FEATURE2 = 12, MPF_SIZE = 16,
};
#define MP_SPEC_REV 4u                 /* version 1.4 */
/* 4.2 Table 4-2 "MP Configuration Table Header Fields" */
enum {
    MPC_SIGNATURE = 0, MPC_LENGTH = 4, MPC_SPEC_REV = 6, MPC_CHECKSUM = 7,
    MPC_OEM_ID = 8, MPC_PRODUCT_ID = 16, MPC_OEM_TABLE = 28,
    MPC_OEM_TABLE_SIZE = 32, MPC_ENTRY_COUNT = 34, MPC_LAPIC_ADDR = 36,
    MPC_EXT_LENGTH = 40, MPC_EXT_CHECKSUM = 42, MPC_HEADER_SIZE = 44,
};
/* 4.3 Table 4-3 "Base MP Configuration Table Entry Types" */
#define MP_ENTRY_PROCESSOR 0u          /* 20 bytes */
#define MP_ENTRY_BUS 1u                /* 8 bytes */
#define MP_ENTRY_IOAPIC 2u             /* 8 bytes */
#define MP_ENTRY_IOINT 3u              /* 8 bytes */
#define MP_ENTRY_LINT 4u               /* 8 bytes */
#define MP_PROCESSOR_LEN 20u
#define MP_ENTRY_LEN 8u
#define MP_CPU_EN (1u << 0)            /* 4.3.1 CPU flags */
#define MP_CPU_BP (1u << 1)
#define MP_IOAPIC_EN (1u << 0)         /* 4.3.3 I/O APIC flags */
/* 4.3.4 Table 4-8 "Interrupt Type Values" */
#define MP_INT 0u
#define MP_NMI 1u
#define MP_EXTINT 3u
/* 4.3.4 interrupt flags: PO bits 1:0 (01 active high), EL bits 3:2
 * (11 level triggered); 0 means "conforms to the bus". */
#define MP_IRQ_ACTIVE_HIGH 0x1u
#define MP_IRQ_LEVEL 0xcu
#define MP_ALL_LAPICS 0xffu
#define MP_ISA_BUS_ID 0u

/* Build the configuration table in area and the floating pointer at
 * FIRMWARE_MP_FLOAT_ADDR; returns the floating pointer's address. */
uint64_t mptable_build(FirmwareArea *area, const FirmwareInfo *fi);

#endif
