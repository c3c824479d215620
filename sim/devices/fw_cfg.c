/*
 * sim/devices/fw_cfg.c: QEMU's fw_cfg device (see fw_cfg.h), after the
 * interface QEMU documents in docs/specs/fw_cfg.rst:
 *  - "Selector (Control) Register": a 16-bit write selects an item and
 *    sets the data offset to zero. Bit 14 (write channel) and bit 15
 *    (arch-local) are part of the key.
 *  - "Data Register": each 8-bit read returns the byte at the offset and
 *    advances it; past the end of the item (or with no item) reads return
 *    zero. Writes are ignored (QEMU 2.4 and later; writing is DMA-only).
 *    A 16-bit read of the selector port returns one data byte, as QEMU's
 *    combined x86 register does; other widths are not decoded.
 *  - "DMA Address Register" (0x514, big-endian): a 32-bit write at 0x514
 *    sets address bits 63:32, one at 0x518 bits 31:0 and starts the
 *    transfer described by the FWCfgDmaAccess structure at that address
 *    (be32 control, be32 length, be64 address). Reads return the "QEMU
 *    CFG" signature. On completion the control field is written back as 0,
 *    or with the error bit set.
 *  - "File Directory": be32 count, then per file be32 size, be16 select,
 *    be16 reserved, 56-byte NUL-terminated name.
 */
#include "sim/devices/fw_cfg.h"

#include <glib.h>
#include <string.h>

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* Slot of a key, or -1: keys past the table have no item. The write
 * channel bit does not change which item a key names. */
static int key_slot(uint16_t key)
{
    unsigned idx = key & 0x3fffu;
    if (key & FW_CFG_ARCH_LOCAL)
        return idx < FW_CFG_ARCH_SLOTS ? (int)(FW_CFG_STD_SLOTS + idx) : -1;
    return idx < FW_CFG_STD_SLOTS ? (int)idx : -1;
}

const FwCfgItem *fw_cfg_item(const FwCfg *f, uint16_t selector)
{
    int s = key_slot(selector);
    return s < 0 || !f->items[s].len ? NULL : &f->items[s];
}

void fw_cfg_init(FwCfg *f, PhysMap *pm)
{
    memset(f, 0, sizeof(*f));
    f->pm = pm;
}

void fw_cfg_clear(FwCfg *f)
{
    for (size_t i = 0; i < G_N_ELEMENTS(f->items); i++)
        g_free(f->items[i].data);
    PhysMap *pm = f->pm;
    fw_cfg_init(f, pm);
}

static void item_set(FwCfgItem *it, const void *data, uint32_t len)
{
    g_free(it->data);
    it->data = len ? g_memdup2(data, len) : NULL;
    it->len = len;
}

void fw_cfg_set(FwCfg *f, uint16_t key, const void *data, uint32_t len)
{
    int s = key_slot(key);
    g_assert(s >= 0 && (unsigned)s != FW_CFG_FILE_DIR &&
             ((unsigned)s < FW_CFG_FILE_FIRST || (unsigned)s >= FW_CFG_STD_SLOTS));
    item_set(&f->items[s], data, len);
}

void fw_cfg_set_u16(FwCfg *f, uint16_t key, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    fw_cfg_set(f, key, b, sizeof(b));
}

void fw_cfg_set_u32(FwCfg *f, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    fw_cfg_set(f, key, b, sizeof(b));
}

void fw_cfg_set_u64(FwCfg *f, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    fw_cfg_set(f, key, b, sizeof(b));
}

static void rebuild_dir(FwCfg *f)
{
    uint32_t len = 4 + f->nfiles * FW_CFG_DIR_ENTRY;
    uint8_t *d = g_malloc0(len);
    put_be32(d, f->nfiles);
    for (unsigned i = 0; i < f->nfiles; i++) {
        uint8_t *e = d + 4 + i * FW_CFG_DIR_ENTRY;
        put_be32(e, f->items[FW_CFG_FILE_FIRST + i].len);
        e[4] = (uint8_t)((FW_CFG_FILE_FIRST + i) >> 8);
        e[5] = (uint8_t)(FW_CFG_FILE_FIRST + i);
        memcpy(e + 8, f->names[i], FW_CFG_FILE_NAME_LEN);
    }
    g_free(f->items[FW_CFG_FILE_DIR].data);
    f->items[FW_CFG_FILE_DIR] = (FwCfgItem){ d, len };
}

void fw_cfg_add_file(FwCfg *f, const char *name, const void *data,
                     uint32_t len)
{
    g_assert(f->nfiles < FW_CFG_MAX_FILES &&
             strlen(name) < FW_CFG_FILE_NAME_LEN && !fw_cfg_file_key(f, name));
    unsigned pos = 0;
    while (pos < f->nfiles && strcmp(f->names[pos], name) < 0)
        pos++;
    memmove(f->names[pos + 1], f->names[pos],
            (f->nfiles - pos) * sizeof(f->names[0]));
    memmove(&f->items[FW_CFG_FILE_FIRST + pos + 1],
            &f->items[FW_CFG_FILE_FIRST + pos],
            (f->nfiles - pos) * sizeof(FwCfgItem));
    memset(f->names[pos], 0, sizeof(f->names[pos]));
    strcpy(f->names[pos], name);
    f->items[FW_CFG_FILE_FIRST + pos] = (FwCfgItem){ NULL, 0 };
    item_set(&f->items[FW_CFG_FILE_FIRST + pos], data, len);
    f->nfiles++;
    rebuild_dir(f);
}

uint16_t fw_cfg_file_key(const FwCfg *f, const char *name)
{
    for (unsigned i = 0; i < f->nfiles; i++)
        if (!strcmp(f->names[i], name))
            return (uint16_t)(FW_CFG_FILE_FIRST + i);
    return 0;
}

static void fw_cfg_select(FwCfg *f, uint16_t key)
{
    f->selector = key;
    f->offset = 0;
}

static uint8_t fw_cfg_read_byte(FwCfg *f)
{
    const FwCfgItem *it = fw_cfg_item(f, f->selector);
    if (!it || f->offset >= it->len)
        return 0;
    return it->data[f->offset++];
}

/* ---- selector and data ports ---- */

static SimStatus fw_cfg_in(void *opaque, uint16_t off, unsigned size,
                           uint32_t *value)
{
    FwCfg *f = opaque;
    if ((off == 1 && size == 1) || (off == 0 && size == 2))
        *value = fw_cfg_read_byte(f);
    else
        *value = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    return ST_OK;
}

static SimStatus fw_cfg_out(void *opaque, uint16_t off, unsigned size,
                            uint32_t value)
{
    FwCfg *f = opaque;
    if (off == 0 && size == 2)
        fw_cfg_select(f, (uint16_t)value);
    return ST_OK;
}

const IoPortOps fw_cfg_ops = { fw_cfg_in, fw_cfg_out, 2 };

/* ---- DMA ---- */

/* One FWCfgDmaAccess; returns the control value to write back. */
static uint32_t fw_cfg_dma(FwCfg *f, uint64_t addr)
{
    uint8_t desc[16];
    physmem_read_buf(f->pm, addr, desc, sizeof(desc));
    uint32_t control = get_be32(desc), length = get_be32(desc + 4);
    uint64_t dst = (uint64_t)get_be32(desc + 8) << 32 | get_be32(desc + 12);
    if (control & FW_CFG_DMA_SELECT)
        fw_cfg_select(f, (uint16_t)(control >> 16));
    if (control & FW_CFG_DMA_WRITE)
        return FW_CFG_DMA_ERROR;       /* no item is writable */
    if (!(control & (FW_CFG_DMA_READ | FW_CFG_DMA_SKIP)))
        return 0;
    const FwCfgItem *it = fw_cfg_item(f, f->selector);
    uint32_t avail = it && f->offset < it->len ? it->len - f->offset : 0;
    uint32_t n = MIN(avail, length);
    if (control & FW_CFG_DMA_READ) {
        /* Bytes past the end of the item read as zero. */
        if (n)
            physmem_write_buf(f->pm, dst, it->data + f->offset, n);
        static const uint8_t zero[256];
        for (uint32_t done = n; done < length;) {
            uint32_t k = MIN(length - done, (uint32_t)sizeof(zero));
            physmem_write_buf(f->pm, dst + done, zero, k);
            done += k;
        }
    }
    f->offset += n;
    return 0;
}

static SimStatus fw_cfg_dma_in(void *opaque, uint16_t off, unsigned size,
                               uint32_t *value)
{
    /* The 64-bit signature, big-endian: the byte at 0x514 is 'Q'. */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned byte = off + i;
        uint8_t b = byte < 8 ? (uint8_t)(FW_CFG_DMA_SIGNATURE >> (56 - 8 * byte)) : 0xff;
        v |= (uint32_t)b << (8 * i);
    }
    *value = v;
    return ST_OK;
}

static SimStatus fw_cfg_dma_out(void *opaque, uint16_t off, unsigned size,
                                uint32_t value)
{
    FwCfg *f = opaque;
    if (size != 4 || (off != 0 && off != 4))
        return ST_OK;
    /* The guest writes the big-endian address with OUTL, so the port sees
     * the bytes in memory order: swap to get the number. */
    uint32_t half = GUINT32_SWAP_LE_BE(value);
    if (off == 0) {
        f->dma_high = half;
        return ST_OK;
    }
    uint64_t addr = (uint64_t)f->dma_high << 32 | half;
    f->dma_high = 0;
    uint8_t ctl[4];
    put_be32(ctl, fw_cfg_dma(f, addr));
    physmem_write_buf(f->pm, addr, ctl, sizeof(ctl));
    return ST_OK;
}

const IoPortOps fw_cfg_dma_ops = { fw_cfg_dma_in, fw_cfg_dma_out, 4 };
