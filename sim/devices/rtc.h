/*
 * sim/devices/rtc.h: the PC's CMOS real-time clock and NVRAM, a Motorola
 * MC146818A at ports 70H (index; bit 7 masks NMI) and 71H (data): time
 * and calendar registers 0-9, alarm registers 1/3/5, status registers
 * A-D, the century byte 32H, and NVRAM bytes 0EH-7FH.
 *
 * The time is the configured start date (<clock date=...> in the machine
 * file) plus the simulated time since power-on: two runs of the same
 * image read the same times. It keeps running across a machine reset, as
 * the battery-backed part does, and so do the NVRAM bytes.
 * Periodic, alarm and update-ended interrupts assert ISA IRQ8 while the
 * matching flag and enable bits are set, until register C is read.
 */
#ifndef SIM_DEVICES_RTC_H
#define SIM_DEVICES_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/devices/clock.h"
#include "sim/devices/irq.h"
#include "sim/ioport.h"

#define RTC_NREGS 128u
#define RTC_REG_CENTURY 0x32u      /* the byte ACPI's FADT CENTURY names */
/* Default start date: 2000-01-01 00:00:00 UTC, as seconds since 1970. */
#define RTC_DEFAULT_START 946684800ll

typedef struct Rtc {
    uint8_t ram[RTC_NREGS];    /* registers and NVRAM; the time bytes hold
                                  the set value only while B.SET = 1 */
    uint8_t index;
    bool nmi_masked;           /* port 70H bit 7 */
    const SimClock *clock;
    IrqLine irq;
    bool irq_level;
    int64_t base;              /* time at cycle `phase`, seconds since 1970 */
    uint64_t phase;            /* core cycle where the current second began
                                  counting */
    uint64_t seen_secs;        /* whole seconds since phase already handled */
    uint64_t seen_periods;     /* periodic ticks since phase already handled */
} Rtc;

/* Ports 70H-71H: opaque is the Rtc. */
extern const IoPortOps rtc_ops;

/* Power-on: time = start (seconds since 1970-01-01 UTC), NVRAM zero. */
void rtc_init(Rtc *r, const SimClock *clock, IrqLine irq, int64_t start);
/* The RESET pin (machine reset): interrupt enables and flags cleared;
 * time and NVRAM kept. */
void rtc_reset(Rtc *r);
/* Bring flags and IRQ8 up to clock->now. */
void rtc_update(Rtc *r);
/* Core cycle of the next event that would raise IRQ8, UINT64_MAX if none. */
uint64_t rtc_next_event(const Rtc *r);
/* Seconds since 1970 of the clock now. */
int64_t rtc_now(const Rtc *r);

/* "YYYY-MM-DDTHH:MM:SS" (UTC, years 1970-2199) as seconds since 1970. */
bool rtc_parse_date(const char *s, int64_t *out);

#endif
