/*
 * sim/devices/clock.h: the platform's view of simulated time, shared by
 * the chipset's timed devices (PIT, RTC, ACPI PM timer).
 *
 * Time is counted in simulated core cycles (Cpu.cycles) at a frequency
 * fixed by the machine configuration (<clock frequency=...> in
 * configs/machines/NAME.xml), never read from the host. Before a device
 * access the machine sets `now` to the accessing vCPU's clock, kept
 * monotonic across vCPUs (the largest value seen), so every run of the
 * same image sees the same times.
 */
#ifndef SIM_DEVICES_CLOCK_H
#define SIM_DEVICES_CLOCK_H

#include <stdint.h>

typedef struct SimClock {
    uint64_t now;          /* simulated core cycles */
    uint64_t hz;           /* core cycles per second */
} SimClock;

/* Ticks of a clock of num/den Hz elapsed at core cycle `cycles`. */
static inline uint64_t clock_ticks(const SimClock *c, uint64_t cycles,
                                   uint64_t num, uint64_t den)
{
    return (uint64_t)((unsigned __int128)cycles * num / ((unsigned __int128)den * c->hz));
}

/* The first core cycle at which clock_ticks(...) >= ticks. */
static inline uint64_t clock_cycle_of(const SimClock *c, uint64_t ticks,
                                      uint64_t num, uint64_t den)
{
    unsigned __int128 p = (unsigned __int128)ticks * den * c->hz;
    unsigned __int128 q = (p + num - 1) / num;
    return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

#endif
