/*
 * sim/firmware.c: the firmware data vmxsim provides in place of a BIOS
 * (see sim/firmware.h): the BIOS area image with the ACPI and MP tables,
 * the BIOS data area words that locate the EBDA, and fw_cfg's items.
 */
#include "sim/firmware.h"

#include <glib.h>
#include <string.h>

#include "sim/acpi.h"
#include "sim/mptable.h"

size_t firmware_alloc(FirmwareArea *a, size_t len, size_t align)
{
    size_t off = (a->used + align - 1) & ~(align - 1);
    g_assert(off <= a->size && len <= a->size - off);
    memset(a->buf + off, 0, len);
    a->used = off + len;
    return off;
}

void fw_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void fw_put32(uint8_t *p, uint32_t v)
{
    fw_put16(p, (uint16_t)v);
    fw_put16(p + 2, (uint16_t)(v >> 16));
}

void fw_put64(uint8_t *p, uint64_t v)
{
    fw_put32(p, (uint32_t)v);
    fw_put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t fw_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return (uint8_t)-sum;
}

void firmware_build_area(uint8_t *area, const FirmwareInfo *fi)
{
    memset(area, 0, FIRMWARE_AREA_SIZE);
    FirmwareArea a = {
        .buf = area,
        .gpa = FIRMWARE_AREA_BASE,
        .size = FIRMWARE_TABLES_END - FIRMWARE_AREA_BASE,
        .used = FIRMWARE_TABLES_ADDR - FIRMWARE_AREA_BASE,
    };
    acpi_build(&a, fi);
    mptable_build(&a, fi);
}

void firmware_install(PhysMap *pm, const FirmwareInfo *fi)
{
    uint8_t bda[2];
    fw_put16(bda, (uint16_t)(FIRMWARE_EBDA_BASE >> 4));
    physmem_write_buf(pm, FIRMWARE_BDA_EBDA_SEG, bda, 2);
    fw_put16(bda, FIRMWARE_BASE_MEM_KIB);
    physmem_write_buf(pm, FIRMWARE_BDA_BASE_KIB, bda, 2);
    const uint8_t ebda_kib = 1;
    physmem_write_buf(pm, FIRMWARE_EBDA_BASE, &ebda_kib, 1);

    uint8_t *area = g_malloc(FIRMWARE_AREA_SIZE);
    firmware_build_area(area, fi);
    physmem_write_buf(pm, FIRMWARE_AREA_BASE, area, FIRMWARE_AREA_SIZE);
    g_free(area);
}

#define E820_FW_CFG_ENTRY 20u

void firmware_fw_cfg(FwCfg *f, const FirmwareInfo *fi, const BootRam *ram,
                     const char *append)
{
    fw_cfg_clear(f);
    fw_cfg_set(f, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_set_u32(f, FW_CFG_ID, FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
    static const uint8_t uuid[16];
    fw_cfg_set(f, FW_CFG_UUID, uuid, sizeof(uuid));
    fw_cfg_set_u64(f, FW_CFG_RAM_SIZE, ram->ram_size);
    fw_cfg_set_u16(f, FW_CFG_NB_CPUS, (uint16_t)fi->ncpus);
    fw_cfg_set_u16(f, FW_CFG_MAX_CPUS, (uint16_t)fi->ncpus);
    uint32_t cmdlen = (uint32_t)strlen(append) + 1;
    fw_cfg_set_u32(f, FW_CFG_CMDLINE_SIZE, cmdlen);
    fw_cfg_set(f, FW_CFG_CMDLINE_DATA, append, cmdlen);
    fw_cfg_set_u32(f, FW_CFG_IRQ0_OVERRIDE, 1);

    E820Entry map[E820_MAX_ENTRIES];
    unsigned n = loader_e820_map(ram, map);
    uint8_t e820[E820_MAX_ENTRIES * E820_FW_CFG_ENTRY];
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = e820 + i * E820_FW_CFG_ENTRY;
        fw_put64(e, map[i].base);
        fw_put64(e + 8, map[i].len);
        fw_put32(e + 16, map[i].type);
    }
    fw_cfg_add_file(f, "etc/e820", e820, n * E820_FW_CFG_ENTRY);
    uint8_t wait[4];
    fw_put32(wait, UINT32_MAX);
    fw_cfg_add_file(f, "etc/boot-fail-wait", wait, sizeof(wait));
}
