/*
 * tests/guest/platform/test_pci.c: PCI configuration mechanism #1 (PCI
 * Local Bus Specification 3.0, 3.2.2.3.2) on the pc machine: the host
 * bridge at 00:00.0 identifies as the Intel 82441FX (as on QEMU's pc),
 * CONFIG_ADDRESS reads back with its reserved bits clear, and with
 * nothing else on vmxsim's bus every other device reads all ones.
 */
#include "rt.h"
#include "chipset.h"

static uint32_t cfg_rd(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
    outl(0xcf8, 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc));
    return inl(0xcfc);
}

void test_main(void)
{
    report(cfg_rd(0, 0, 0, 0x00) == 0x12378086,
           "00:00.0: vendor 8086H device 1237H (%08x)", cfg_rd(0, 0, 0, 0));
    report((cfg_rd(0, 0, 0, 0x08) >> 8) == 0x060000, "00:00.0: class 060000H, host bridge");
    report(((cfg_rd(0, 0, 0, 0x0c) >> 16) & 0x7f) == 0, "00:00.0: header type 00H");
    outl(0xcf8, 0x80000003u | (5u << 11));
    report(inl(0xcf8) == (0x80000000u | (5u << 11)),
           "CONFIG_ADDRESS reads back with bits 1:0 clear");
    unsigned absent = 0;
    for (unsigned dev = 1; dev < 32; dev++)
        absent += cfg_rd(0, dev, 0, 0) == 0xffffffffu;
    report(absent == 31, "bus 0: devices 1-31 absent, vendor reads FFFFH (%u)", absent);
    report(cfg_rd(1, 0, 0, 0) == 0xffffffffu, "bus 1 does not exist");
    outl(0xcf8, 0);
    report(inl(0xcfc) == 0xffffffffu, "CONFIG_DATA with the enable bit clear reads all ones");
}
