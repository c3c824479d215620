/*
 * sim/devices/fw_cfg.h: QEMU's firmware configuration device (fw_cfg) on
 * the x86 I/O ports, as QEMU's docs/specs/fw_cfg.rst ("Guest-side Hardware
 * Interface") defines it: a 16-bit selector register at 0x510, an 8-bit
 * data register at 0x511 and the DMA address register at 0x514.
 *
 * Items are byte strings keyed by selector. Items 0x20 and up are named
 * files listed in the file directory (item 0x19). The device owns copies of
 * its items; they are set at machine start (sim/firmware.c fills them) and
 * never change while the guest runs.
 */
#ifndef SIM_DEVICES_FW_CFG_H
#define SIM_DEVICES_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/physmem.h"
#include "sim/ioport.h"

/* Selector keys of the items vmxsim provides (fw_cfg.rst "Selector
 * Register"; x86 arch-local keys as QEMU's pc defines them). */
#define FW_CFG_SIGNATURE      0x00u   /* "QEMU" */
#define FW_CFG_ID             0x01u   /* u32: feature bits */
#define FW_CFG_UUID           0x02u   /* 16 bytes */
#define FW_CFG_RAM_SIZE       0x03u   /* u64 */
#define FW_CFG_NOGRAPHIC      0x04u   /* u16 */
#define FW_CFG_NB_CPUS        0x05u   /* u16 */
#define FW_CFG_MACHINE_ID     0x06u   /* u32 */
#define FW_CFG_BOOT_MENU      0x0eu   /* u16 */
#define FW_CFG_MAX_CPUS       0x0fu   /* u16 */
#define FW_CFG_CMDLINE_SIZE   0x14u   /* u32: bytes of CMDLINE_DATA */
#define FW_CFG_CMDLINE_DATA   0x15u   /* the -append string and its NUL */
#define FW_CFG_FILE_DIR       0x19u
#define FW_CFG_FILE_FIRST     0x20u
#define FW_CFG_WRITE_CHANNEL  0x4000u
#define FW_CFG_ARCH_LOCAL     0x8000u
#define FW_CFG_IRQ0_OVERRIDE  0x8002u  /* u32: 1 = IRQ0 on I/O APIC pin 2 */

/* All multi-byte item values are little-endian, except the file directory
 * and the DMA structures, which are big-endian. */
#define FW_CFG_ID_TRADITIONAL (1u << 0)
#define FW_CFG_ID_DMA         (1u << 1)
#define FW_CFG_MAX_FILES      16u
#define FW_CFG_FILE_NAME_LEN  56u      /* including the NUL */
#define FW_CFG_DIR_ENTRY      64u      /* be32 size, be16 select, be16 0, name */
/* DMA control bits ("FWCfgDmaAccess"): the selector in bits 31:16. */
#define FW_CFG_DMA_ERROR      0x01u
#define FW_CFG_DMA_READ       0x02u
#define FW_CFG_DMA_SKIP       0x04u
#define FW_CFG_DMA_SELECT     0x08u
#define FW_CFG_DMA_WRITE      0x10u
#define FW_CFG_DMA_SIGNATURE  0x51454d5520434647ull  /* "QEMU CFG" */
#define FW_CFG_NPORTS         2u
#define FW_CFG_DMA_NPORTS     8u

/* Direct-mapped item slots: standard keys 0x00-0x2F (the files from
 * 0x20), then arch-local keys 0x8000-0x8007. */
#define FW_CFG_STD_SLOTS      (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define FW_CFG_ARCH_SLOTS     8u

typedef struct FwCfgItem {
    uint8_t *data;                     /* g_malloc'd, owned */
    uint32_t len;
} FwCfgItem;

typedef struct FwCfg {
    FwCfgItem items[FW_CFG_STD_SLOTS + FW_CFG_ARCH_SLOTS];
    char names[FW_CFG_MAX_FILES][FW_CFG_FILE_NAME_LEN];
    unsigned nfiles;
    uint16_t selector;
    uint32_t offset;                   /* into the selected item */
    uint32_t dma_high;                 /* DMA address bits 63:32 */
    PhysMap *pm;                       /* guest memory for DMA */
} FwCfg;

/* The selector/data pair and the DMA register. */
extern const IoPortOps fw_cfg_ops;
extern const IoPortOps fw_cfg_dma_ops;

void fw_cfg_init(FwCfg *f, PhysMap *pm);
/* Drop every item (for a rebuild at reset, and at the end). */
void fw_cfg_clear(FwCfg *f);
/* Set item key (a standard or arch-local key) to a copy of data. */
void fw_cfg_set(FwCfg *f, uint16_t key, const void *data, uint32_t len);
void fw_cfg_set_u16(FwCfg *f, uint16_t key, uint16_t v);
void fw_cfg_set_u32(FwCfg *f, uint16_t key, uint32_t v);
void fw_cfg_set_u64(FwCfg *f, uint16_t key, uint64_t v);
/* Add a named file; the directory is kept sorted by name, as QEMU keeps
 * it, so a file's selector depends on the other names. */
void fw_cfg_add_file(FwCfg *f, const char *name, const void *data,
                     uint32_t len);
/* The selector of a named file, 0 when there is none. */
uint16_t fw_cfg_file_key(const FwCfg *f, const char *name);
/* The item a selector value names, NULL when there is none. */
const FwCfgItem *fw_cfg_item(const FwCfg *f, uint16_t selector);

#endif
