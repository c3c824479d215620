/*
 * sim/devices/pci.c: configuration mechanism #1 and the host bridge (see
 * pci.h). CONFIG_ADDRESS (PCI 3.0, 3.2.2.3.2): bit 31 enable, 23:16 bus,
 * 15:11 device, 10:8 function, 7:2 register; bits 1:0 read back 0.
 * The bridge's header follows the PCI 3.0 type 00h layout (6.1) with the
 * 82441FX data sheet's reset values; its chipset registers (50H-FFH:
 * PAM, DRB, SMRAM, ...) are plain storage.
 * SIMPLIFICATION: PAM and SMRAM settings do not change the memory map.
 */
#include "sim/devices/pci.h"

#include <string.h>

#define CA_ENABLE 0x80000000u
#define CA_MASK   0x80fffffcu

/* Bytes of the bridge's space software may change: command (04H-05H,
 * bits that 82441FX implements), latency timer (0DH), and the
 * device-specific registers from 50H. */
static uint8_t writable(unsigned reg)
{
    if (reg == 0x04)
        return 0x46;           /* memory space, bus master, parity */
    if (reg == 0x05)
        return 0x01;           /* SERR# enable */
    if (reg == 0x0d)
        return 0xf8;
    return reg >= 0x50 ? 0xff : 0x00;
}

void pci_reset(PciHost *h)
{
    uint8_t *c = h->bridge;
    h->config_address = 0;
    memset(c, 0, sizeof(h->bridge));
    c[0x00] = 0x86; c[0x01] = 0x80;    /* vendor: Intel */
    c[0x02] = 0x37; c[0x03] = 0x12;    /* device: 82441FX */
    c[0x04] = 0x06;                    /* command: memory, bus master */
    c[0x06] = 0x80; c[0x07] = 0x02;    /* status: fast back-to-back,
                                          medium DEVSEL */
    c[0x08] = 0x02;                    /* revision */
    c[0x0b] = 0x06;                    /* class: bridge, host (060000H) */
    c[0x0e] = 0x00;                    /* header type 00h, single function */
}

void pci_init(PciHost *h, ResetCtl *rst)
{
    h->rst = rst;
    pci_reset(h);
}

static bool is_bridge(unsigned bus, unsigned dev, unsigned fn)
{
    return bus == 0 && dev == 0 && fn == 0;
}

uint32_t pci_config_read(const PciHost *h, unsigned bus, unsigned dev,
                         unsigned fn, unsigned reg, unsigned size)
{
    if (!is_bridge(bus, dev, fn))
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && reg + i < 256; i++)
        v |= (uint32_t)h->bridge[reg + i] << (8 * i);
    return v;
}

void pci_config_write(PciHost *h, unsigned bus, unsigned dev, unsigned fn,
                      unsigned reg, unsigned size, uint32_t value)
{
    if (!is_bridge(bus, dev, fn))
        return;
    for (unsigned i = 0; i < size && reg + i < 256; i++) {
        uint8_t m = writable(reg + i);
        uint8_t b = (uint8_t)(value >> (8 * i));
        h->bridge[reg + i] = (uint8_t)((h->bridge[reg + i] & ~m) | (b & m));
    }
}

/* The function CONFIG_ADDRESS selects, or false when disabled. */
static bool decode(const PciHost *h, unsigned off, unsigned *bus,
                   unsigned *dev, unsigned *fn, unsigned *reg)
{
    uint32_t a = h->config_address;
    if (!(a & CA_ENABLE))
        return false;
    *bus = (a >> 16) & 0xff;
    *dev = (a >> 11) & 0x1f;
    *fn = (a >> 8) & 7;
    *reg = (a & 0xfc) | (off & 3);
    return true;
}

static SimStatus pci_in(void *opaque, uint16_t off, unsigned size,
                        uint32_t *value)
{
    PciHost *h = opaque;
    unsigned bus, dev, fn, reg;
    if (off == 0 && size == 4) {
        *value = h->config_address;
    } else if (off >= 4 && off + size <= 8) {
        if (decode(h, off, &bus, &dev, &fn, &reg))
            *value = pci_config_read(h, bus, dev, fn, reg, size);
        else
            *value = 0xffffffffu;
    } else if (off == 1 && size == 1 && h->rst) {
        *value = reset_ctl_read(h->rst);
    } else {
        *value = 0xffffffffu;
    }
    return ST_OK;
}

static SimStatus pci_out(void *opaque, uint16_t off, unsigned size,
                         uint32_t value)
{
    PciHost *h = opaque;
    unsigned bus, dev, fn, reg;
    if (off == 0 && size == 4)
        h->config_address = value & CA_MASK;
    else if (off >= 4 && off + size <= 8) {
        if (decode(h, off, &bus, &dev, &fn, &reg))
            pci_config_write(h, bus, dev, fn, reg, size, value);
    } else if (off == 1 && size == 1 && h->rst)
        reset_ctl_write(h->rst, (uint8_t)value);
    return ST_OK;
}

const IoPortOps pci_ops = { pci_in, pci_out, 4 };
