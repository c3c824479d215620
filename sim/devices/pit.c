/*
 * sim/devices/pit.c: the 8254 (see pit.h). Section names are those of the
 * Intel 8254 data sheet: "Control Word Format", "Write Operations",
 * "Read Operations" (counter latch command, read-back command, status
 * byte), "Mode Definitions" (modes 0-5), "Gate". Port 61H follows the
 * PIIX3/ICH "NMI Status and Control Register" (NMI_SC).
 *
 * SIMPLIFICATION: a count takes effect on the tick it is written (the
 * data sheet loads it on the next CLK pulse), and a new count in modes 2
 * and 3 takes effect at once instead of at the end of the current period.
 * Mode 3 with an odd count reads back an even approximation of the
 * counting element (OUT timing is exact: high (N+1)/2, low (N-1)/2).
 */
#include "sim/devices/pit.h"

/* NMI_SC (port 61H) bits. */
#define P61_GATE2   0x01u   /* timer counter 2 enable (gate) */
#define P61_RW_MASK 0x0fu   /* bits 3:0 are read/write: gate 2, speaker
                               data enable, parity and channel checks */
#define P61_REFRESH 0x10u   /* refresh cycle toggle */
#define P61_OUT2    0x20u   /* timer counter 2 OUT status */
/* The refresh request toggles every 15.085 us, i.e. every 18 PIT ticks. */
#define PIT_REFRESH_TICKS 18u

static uint64_t pit_tick(const Pit *p)
{
    return clock_ticks(p->clock, p->clock->now, PIT_HZ_NUM, PIT_HZ_DEN);
}

static uint32_t bcd_to_bin(uint16_t v)
{
    return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
           ((v >> 12) & 0xf) * 1000u;
}

static uint16_t bin_to_bcd(uint32_t v)
{
    return (uint16_t)((v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) |
                      ((v / 1000 % 10) << 12));
}

/* The initial count N as a number of ticks: 0 is 2^16 (binary) or 10^4
 * (BCD), the counters' maximum ("Mode Definitions"). */
static uint32_t period(const PitChannel *c)
{
    uint32_t m = c->bcd ? 10000u : 65536u;
    uint32_t n = c->bcd ? bcd_to_bin(c->count) : c->count;
    return n ? n : m;
}

static uint64_t elapsed(const PitChannel *c, uint64_t tick)
{
    if (c->paused)
        return c->frozen;
    return tick > c->t0 ? tick - c->t0 : 0;
}

/* OUT after e ticks of counting, per "Mode Definitions". */
static bool out_at(const PitChannel *c, uint64_t e)
{
    uint64_t n = period(c);
    if (!c->programmed)
        return true;                    /* undefined at power-up ("Control
                                           Word Format"); high here, so the
                                           first periodic program is no edge */
    if (!c->armed)
        return c->mode != 0;            /* mode 0 sets OUT low on the control
                                           word, every other mode high */
    switch (c->mode) {
    case 0:                             /* interrupt on terminal count */
    case 1:                             /* hardware retriggerable one-shot */
        return e >= n;
    case 2:                             /* rate generator: low for the
                                           tick the count is 1 */
        if (c->paused || n < 2)
            return true;
        return e % n != n - 1;
    case 3:                             /* square wave: high (N+1)/2 */
        if (c->paused || n < 2)
            return true;
        return e % n < (n + 1) / 2;
    default:                            /* 4, 5: strobe at terminal count */
        return e != n;
    }
}

/* OUT rising edges in the elapsed interval (a, b]. */
static uint64_t rising_edges(const PitChannel *c, uint64_t a, uint64_t b)
{
    uint64_t n = period(c);
    if (!c->armed || c->paused || b <= a)
        return 0;
    switch (c->mode) {
    case 0:
    case 1:
        return a < n && n <= b;
    case 2:
    case 3:
        return n < 2 ? 0 : b / n - a / n;
    default:
        return a < n + 1 && n + 1 <= b;
    }
}

/* Elapsed count of the next rising edge after e, UINT64_MAX if none. */
static uint64_t next_edge(const PitChannel *c, uint64_t e)
{
    uint64_t n = period(c);
    if (!c->armed || c->paused)
        return UINT64_MAX;
    switch (c->mode) {
    case 0:
    case 1:
        return e < n ? n : UINT64_MAX;
    case 2:
    case 3:
        return n < 2 ? UINT64_MAX : (e / n + 1) * n;
    default:
        return e < n + 1 ? n + 1 : UINT64_MAX;
    }
}

/* The counting element after e ticks (binary value). */
static uint32_t value_at(const PitChannel *c, uint64_t e)
{
    uint64_t n = period(c);
    uint32_t m = c->bcd ? 10000u : 65536u;
    if (!c->armed)
        return n % m;
    switch (c->mode) {
    case 2:
        return (uint32_t)(n - e % n);
    case 3: {
        uint64_t ph = e % n, hi = (n + 1) / 2;
        uint64_t in_half = ph < hi ? ph : ph - hi;
        uint64_t v = (n & ~1ull) - 2 * in_half;
        return (uint32_t)(v ? v : 2) % m;
    }
    default:                            /* 0, 1, 4, 5: count down and wrap */
        return (uint32_t)((n + m - e % m) % m);
    }
}

static uint16_t encode(const PitChannel *c, uint32_t v)
{
    return c->bcd ? bin_to_bcd(v) : (uint16_t)v;
}

uint16_t pit_count(const Pit *p, unsigned n)
{
    const PitChannel *c = &p->ch[n];
    return encode(c, value_at(c, elapsed(c, pit_tick(p))));
}

bool pit_out(const Pit *p, unsigned n)
{
    const PitChannel *c = &p->ch[n];
    return out_at(c, elapsed(c, pit_tick(p)));
}

void pit_update(Pit *p)
{
    uint64_t tick = pit_tick(p);
    if (tick < p->last_tick)
        tick = p->last_tick;
    const PitChannel *c = &p->ch[0];
    uint64_t a = elapsed(c, p->last_tick), b = elapsed(c, tick);
    bool out = out_at(c, b);
    if (rising_edges(c, a, b)) {
        /* The edge(s) in between, then the present level. */
        if (p->out0)
            irq_set(&p->irq0, false);
        irq_set(&p->irq0, true);
        p->out0 = true;
    }
    if (out != p->out0) {
        irq_set(&p->irq0, out);
        p->out0 = out;
    }
    p->last_tick = tick;
}

uint64_t pit_next_event(const Pit *p)
{
    const PitChannel *c = &p->ch[0];
    uint64_t tick = pit_tick(p);
    uint64_t e = next_edge(c, elapsed(c, tick));
    if (e == UINT64_MAX)
        return UINT64_MAX;
    return clock_cycle_of(p->clock, c->t0 + e, PIT_HZ_NUM, PIT_HZ_DEN);
}

static void channel_reset(PitChannel *c, bool gate)
{
    *c = (PitChannel){ .mode = 0, .access = 3, .gate = gate };
}

void pit_reset(Pit *p)
{
    channel_reset(&p->ch[0], true);
    channel_reset(&p->ch[1], true);
    channel_reset(&p->ch[2], false);
    p->port61 = 0;
    p->last_tick = pit_tick(p);
    /* OUT0 starts high; the line's receivers saw no edge. */
    p->out0 = true;
}

void pit_init(Pit *p, const SimClock *clock, IrqLine irq0)
{
    p->clock = clock;
    p->irq0 = irq0;
    pit_reset(p);
}

/* Gate input change ("Gate"): modes 0 and 4 pause while it is low;
 * modes 2 and 3 hold OUT high and reload on the rising edge; modes 1
 * and 5 are triggered by the rising edge. */
static void set_gate(PitChannel *c, bool gate, uint64_t tick)
{
    if (gate == c->gate)
        return;
    c->gate = gate;
    if (!c->armed && !(gate && !c->null_count && (c->mode == 1 || c->mode == 5)))
        return;
    if (!gate) {
        if (c->mode == 1 || c->mode == 5)
            return;                     /* gate low does not stop them */
        c->frozen = elapsed(c, tick);
        c->paused = true;
        return;
    }
    switch (c->mode) {
    case 0:
    case 4:
        c->t0 = tick - c->frozen;
        break;
    default:                            /* 1, 2, 3, 5: (re)trigger */
        c->t0 = tick;
        c->armed = true;
        break;
    }
    c->paused = false;
}

/* A complete count was written ("Write Operations"). */
static void load_count(PitChannel *c, uint16_t count, uint64_t tick)
{
    c->count = count;
    c->null_count = false;
    c->paused = false;
    c->t0 = tick;
    /* Modes 1 and 5 wait for a gate trigger; the others count at once,
     * modes 0, 2, 3, 4 only while the gate is high. */
    if (c->mode == 1 || c->mode == 5) {
        c->armed = false;
        return;
    }
    c->armed = true;
    if (!c->gate) {
        c->paused = true;
        c->frozen = 0;
    }
}

static uint8_t status_byte(const Pit *p, unsigned n, uint64_t tick)
{
    const PitChannel *c = &p->ch[n];
    return (uint8_t)((out_at(c, elapsed(c, tick)) ? 0x80 : 0) |
                     (c->null_count ? 0x40 : 0) | (c->access << 4) |
                     (c->mode << 1) | (c->bcd ? 1 : 0));
}

static void latch_count(Pit *p, unsigned n, uint64_t tick)
{
    PitChannel *c = &p->ch[n];
    if (c->latched)
        return;                         /* the first latch holds */
    c->latch = encode(c, value_at(c, elapsed(c, tick)));
    c->latched = true;
    c->latch_msb_next = c->access == 2;
}

static void control_word(Pit *p, uint8_t v, uint64_t tick)
{
    unsigned sc = v >> 6, rw = (v >> 4) & 3;
    if (sc == 3) {                      /* read-back command */
        for (unsigned n = 0; n < 3; n++) {
            if (!(v & (2u << n)))
                continue;
            if (!(v & 0x20))
                latch_count(p, n, tick);
            if (!(v & 0x10) && !p->ch[n].status_latched) {
                p->ch[n].status = status_byte(p, n, tick);
                p->ch[n].status_latched = true;
            }
        }
        return;
    }
    if (rw == 0) {                      /* counter latch command */
        latch_count(p, sc, tick);
        return;
    }
    PitChannel *c = &p->ch[sc];
    unsigned mode = (v >> 1) & 7;
    c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode);   /* 110, 111: 2, 3 */
    c->programmed = true;
    c->access = (uint8_t)rw;
    c->bcd = v & 1;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->latched = false;
    c->status_latched = false;
    c->armed = false;
    c->paused = false;
    c->null_count = true;
}

static SimStatus pit_in(void *opaque, uint16_t off, unsigned size,
                        uint32_t *value)
{
    Pit *p = opaque;
    pit_update(p);
    if (off == 3) {
        *value = 0xff;                  /* the control word is write-only */
        return ST_OK;
    }
    PitChannel *c = &p->ch[off];
    if (c->status_latched) {
        c->status_latched = false;
        *value = c->status;
        return ST_OK;
    }
    uint16_t v;
    bool *msb_next;
    if (c->latched) {
        v = c->latch;
        msb_next = &c->latch_msb_next;
    } else {
        v = pit_count(p, off);
        msb_next = &c->read_msb_next;
    }
    bool msb = c->access == 2 || (c->access == 3 && *msb_next);
    *value = msb ? v >> 8 : v & 0xff;
    if (c->access == 3)
        *msb_next = !*msb_next;
    /* The latch is released once the count is read as programmed. */
    if (c->latched && (c->access != 3 || !c->latch_msb_next))
        c->latched = false;
    return ST_OK;
}

static SimStatus pit_write(void *opaque, uint16_t off, unsigned size,
                           uint32_t value)
{
    Pit *p = opaque;
    pit_update(p);
    uint64_t tick = pit_tick(p);
    uint8_t v = (uint8_t)value;
    if (off == 3) {
        control_word(p, v, tick);
    } else {
        PitChannel *c = &p->ch[off];
        switch (c->access) {
        case 1:
            load_count(c, v, tick);
            break;
        case 2:
            load_count(c, (uint16_t)(v << 8), tick);
            break;
        default:
            if (!c->write_msb_next) {
                c->write_lsb = v;
                c->write_msb_next = true;
                /* Mode 0: writing the first byte stops the count. */
                if (c->mode == 0) {
                    c->armed = false;
                    c->null_count = true;
                }
            } else {
                c->write_msb_next = false;
                load_count(c, (uint16_t)(c->write_lsb | (v << 8)), tick);
            }
            break;
        }
    }
    p->last_tick = tick;
    /* OUT0 may have changed level (mode 0 set low, a new count). */
    bool out = out_at(&p->ch[0], elapsed(&p->ch[0], tick));
    if (out != p->out0) {
        irq_set(&p->irq0, out);
        p->out0 = out;
    }
    return ST_OK;
}

const IoPortOps pit_ops = { pit_in, pit_write, 1 };

static SimStatus port61_in(void *opaque, uint16_t off, unsigned size,
                           uint32_t *value)
{
    Pit *p = opaque;
    uint64_t tick = pit_tick(p);
    uint8_t v = p->port61 & P61_RW_MASK;
    if ((tick / PIT_REFRESH_TICKS) & 1)
        v |= P61_REFRESH;
    if (pit_out(p, 2))
        v |= P61_OUT2;
    *value = v;
    return ST_OK;
}

static SimStatus port61_out(void *opaque, uint16_t off, unsigned size,
                            uint32_t value)
{
    Pit *p = opaque;
    pit_update(p);
    p->port61 = (uint8_t)value & P61_RW_MASK;
    set_gate(&p->ch[2], value & P61_GATE2, pit_tick(p));
    return ST_OK;
}

const IoPortOps pit_port61_ops = { port61_in, port61_out, 1 };
