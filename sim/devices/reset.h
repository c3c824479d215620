/*
 * sim/devices/reset.h: the platform reset request line and the reset
 * control register at CF9H (PIIX3/ICH "RST_CNT - Reset Control
 * Register"). The i8042 (i8042.h) drives the same line.
 *
 * A request asks the machine for a platform reset, which it performs
 * like a triple-fault reset (sim/run.c), or stops the run under
 * -no-reboot, as QEMU does.
 */
#ifndef SIM_DEVICES_RESET_H
#define SIM_DEVICES_RESET_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ResetLine {
    void (*request)(void *opaque, const char *source);
    void *opaque;
} ResetLine;

typedef struct ResetCtl {
    uint8_t rst_cnt;           /* bits 3 (FULL_RST) and 1 (SYS_RST) */
    ResetLine line;
} ResetCtl;

void reset_ctl_init(ResetCtl *r, ResetLine line);
/* CF9H is inside the PCI configuration window CF8H-CFFH: the PCI host
 * (pci.c) passes byte accesses at CF9H here. */
uint8_t reset_ctl_read(const ResetCtl *r);
void reset_ctl_write(ResetCtl *r, uint8_t v);

#endif
