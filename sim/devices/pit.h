/*
 * sim/devices/pit.h: the Intel 8254 programmable interval timer at
 * 40H-43H (channels 0-2, control word register) and the timer bits of
 * the PC's system control port B at 61H (channel 2 gate, speaker data
 * enable, OUT2 and refresh-toggle status).
 *
 * The counters run at 1.193182 MHz (14.31818 MHz / 12; exactly
 * 3579545/3 Hz here) derived from simulated core cycles (clock.h).
 * Channel 0's OUT drives ISA IRQ0; channels 0 and 1 have their gates
 * tied high, channel 2's gate is port 61H bit 0.
 *
 * Counters are not stepped: each keeps the tick its count was loaded at
 * and computes value and OUT from the current tick, so nothing runs while
 * nobody looks. pit_update() raises IRQ0 for the OUT0 rising edges since
 * the last call (several edges in one call coalesce into one, as a PIC
 * whose IRR bit is already set would see them); pit_next_event() says when
 * the next one happens so a halted machine can skip ahead to it.
 */
#ifndef SIM_DEVICES_PIT_H
#define SIM_DEVICES_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/devices/clock.h"
#include "sim/devices/irq.h"
#include "sim/ioport.h"

#define PIT_HZ_NUM 3579545u    /* PIT input clock = PIT_HZ_NUM / PIT_HZ_DEN */
#define PIT_HZ_DEN 3u

typedef struct PitChannel {
    uint8_t mode;          /* 0-5 */
    uint8_t access;        /* RW field: 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    uint16_t count;        /* count register as written (0 = maximum) */
    uint8_t write_lsb;     /* LSB waiting for its MSB */
    bool write_msb_next;
    bool read_msb_next;
    bool latched;          /* counter latch command output latch */
    uint16_t latch;
    bool latch_msb_next;
    bool status_latched;
    uint8_t status;
    bool gate;
    bool programmed;       /* a control word was written since reset */
    bool armed;            /* a count is loaded (and for 1/5: triggered) */
    bool null_count;       /* count written but not yet loaded */
    bool paused;           /* modes 0/4 with the gate low */
    uint64_t t0;           /* tick at which the count was loaded */
    uint64_t frozen;       /* elapsed ticks when paused */
} PitChannel;

typedef struct Pit {
    PitChannel ch[3];
    const SimClock *clock;
    IrqLine irq0;
    bool out0;             /* IRQ0 level as last driven */
    uint64_t last_tick;    /* tick of the last pit_update */
    uint8_t port61;        /* writable bits of port 61H */
} Pit;

/* Ports 40H-43H: opaque is the Pit. */
extern const IoPortOps pit_ops;
/* Port 61H: opaque is the Pit. */
extern const IoPortOps pit_port61_ops;

void pit_init(Pit *p, const SimClock *clock, IrqLine irq0);
void pit_reset(Pit *p);
/* Bring IRQ0 up to clock->now. */
void pit_update(Pit *p);
/* Core cycle of the next OUT0 rising edge, UINT64_MAX if none. */
uint64_t pit_next_event(const Pit *p);
/* OUT of channel n at the current time (for tests and port 61H). */
bool pit_out(const Pit *p, unsigned n);
/* Current count of channel n, as a read would return it unlatched. */
uint16_t pit_count(const Pit *p, unsigned n);

#endif
