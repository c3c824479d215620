/*
 * sim/devices/pci.h: PCI configuration mechanism #1 (PCI Local Bus
 * Specification 3.0, 3.2.2.3.2 "Software Generation of Configuration
 * Transactions"): CONFIG_ADDRESS at CF8H (32-bit accesses only),
 * CONFIG_DATA at CFCH-CFFH (any width), with one device on bus 0: a host
 * bridge at 00:00.0 that identifies as the Intel 82441FX PMC of the
 * 440FX chipset (vendor 8086H, device 1237H, revision 02H, class 060000H),
 * as QEMU's pc machine does. Every other function is absent: its
 * configuration reads return all ones and writes are dropped (master
 * abort).
 *
 * Accesses to CF8H-CFBH other than a doubleword at CF8H pass through as
 * ordinary I/O: a byte at CF9H reaches the reset control register.
 */
#ifndef SIM_DEVICES_PCI_H
#define SIM_DEVICES_PCI_H

#include <stdint.h>

#include "sim/devices/reset.h"
#include "sim/ioport.h"

#define PCI_CONF_PORT 0xcf8u
#define PCI_CONF_NPORTS 8u

typedef struct PciHost {
    uint32_t config_address;
    uint8_t bridge[256];       /* 00:00.0 configuration space */
    ResetCtl *rst;             /* CF9H, NULL if absent */
} PciHost;

/* Ports CF8H-CFFH: opaque is the PciHost. */
extern const IoPortOps pci_ops;

void pci_init(PciHost *h, ResetCtl *rst);
void pci_reset(PciHost *h);
/* Configuration read/write of `size` bytes at (bus, dev, fn, reg). */
uint32_t pci_config_read(const PciHost *h, unsigned bus, unsigned dev,
                         unsigned fn, unsigned reg, unsigned size);
void pci_config_write(PciHost *h, unsigned bus, unsigned dev, unsigned fn,
                      unsigned reg, unsigned size, uint32_t value);

#endif
