/*
 * sim/devices/rtc.c: the MC146818A RTC and CMOS NVRAM (see rtc.h).
 * Section names are those of the Motorola MC146818A data sheet:
 * "Address Map", "Time, Calendar and Alarm Locations" (Table 3: binary
 * or BCD, 12- or 24-hour), "Register A" (UIP, DV, RS; Table 5 periodic
 * rates), "Register B" (SET, PIE, AIE, UIE, SQWE, DM, 24/12, DSE),
 * "Register C" (IRQF, PF, AF, UF; cleared by reading), "Register D"
 * (VRT), "Update Cycle" and "Interrupts". Port 70H bit 7 is the PC's NMI
 * enable (PIIX3/ICH "NMI Enable and Real-Time Clock Address").
 *
 * SIMPLIFICATION: the update cycle is instantaneous at each second
 * boundary, with UIP set during the 244 us before it; the divider bits
 * (DV2-DV0) are kept but the oscillator always runs; daylight saving
 * (DSE) is not applied; square-wave output (SQWE) has no pin.
 */
#include "sim/devices/rtc.h"

#include <stdio.h>

enum {
    REG_SEC = 0, REG_SEC_ALARM = 1, REG_MIN = 2, REG_MIN_ALARM = 3,
    REG_HOUR = 4, REG_HOUR_ALARM = 5, REG_WDAY = 6, REG_MDAY = 7,
    REG_MONTH = 8, REG_YEAR = 9, REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c,
    REG_D = 0x0d,
};

#define A_UIP   0x80u
#define A_RS    0x0fu
#define B_SET   0x80u
#define B_PIE   0x40u
#define B_AIE   0x20u
#define B_UIE   0x10u
#define B_DM    0x04u   /* 1: binary, 0: BCD */
#define B_24H   0x02u
#define C_IRQF  0x80u
#define C_PF    0x40u
#define C_AF    0x20u
#define C_UF    0x10u
#define D_VRT   0x80u
#define ALARM_DONT_CARE 0xc0u   /* alarm byte values 11xxxxxx match any */
#define UIP_US  244u
#define SECS_PER_DAY 86400ll

/* ---- calendar arithmetic (proleptic Gregorian, UTC) ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

typedef struct Civil {
    int64_t year;
    unsigned month, mday, wday, hour, min, sec;   /* wday 1 = Sunday */
} Civil;

static Civil civil_from_secs(int64_t t)
{
    int64_t days = t >= 0 ? t / SECS_PER_DAY : (t - SECS_PER_DAY + 1) / SECS_PER_DAY;
    int64_t rem = t - days * SECS_PER_DAY;
    Civil c;
    c.hour = (unsigned)(rem / 3600);
    c.min = (unsigned)(rem / 60 % 60);
    c.sec = (unsigned)(rem % 60);
    c.wday = (unsigned)(((days % 7) + 7 + 4) % 7) + 1;   /* 1970-01-01: Thu */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    c.mday = doy - (153 * mp + 2) / 5 + 1;
    c.month = mp < 10 ? mp + 3 : mp - 9;
    c.year = (int64_t)yoe + era * 400 + (c.month <= 2);
    return c;
}

bool rtc_parse_date(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
        s[n] || y < 1970 || y > 2199 || mo < 1 || mo > 12 || d < 1 || h > 23 ||
        h < 0 || mi < 0 || mi > 59 || se < 0 || se > 59)
        return false;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    if (civil_from_secs(days * SECS_PER_DAY).mday != (unsigned)d)
        return false;                       /* e.g. February 30 */
    *out = days * SECS_PER_DAY + h * 3600 + mi * 60 + se;
    return true;
}

/* ---- register encoding ("Time, Calendar and Alarm Locations") ---- */

static bool binary(const Rtc *r)
{
    return r->ram[REG_B] & B_DM;
}

static uint8_t enc(const Rtc *r, unsigned v)
{
    return binary(r) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned dec(const Rtc *r, uint8_t v)
{
    return binary(r) ? v : (unsigned)(v >> 4) * 10 + (v & 0xf);
}

static uint8_t enc_hour(const Rtc *r, unsigned h)
{
    if (r->ram[REG_B] & B_24H)
        return enc(r, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(enc(r, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned dec_hour(const Rtc *r, uint8_t v)
{
    if (r->ram[REG_B] & B_24H)
        return dec(r, v);
    unsigned h = dec(r, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

int64_t rtc_now(const Rtc *r)
{
    return r->base + (int64_t)((r->clock->now - r->phase) / r->clock->hz);
}

/* The running time into the time bytes. */
static void store_time(Rtc *r, int64_t t)
{
    Civil c = civil_from_secs(t);
    r->ram[REG_SEC] = enc(r, c.sec);
    r->ram[REG_MIN] = enc(r, c.min);
    r->ram[REG_HOUR] = enc_hour(r, c.hour);
    r->ram[REG_WDAY] = enc(r, c.wday);
    r->ram[REG_MDAY] = enc(r, c.mday);
    r->ram[REG_MONTH] = enc(r, c.month);
    r->ram[REG_YEAR] = enc(r, (unsigned)(c.year % 100));
    r->ram[RTC_REG_CENTURY] = enc(r, (unsigned)(c.year / 100));
}

/* The time bytes as seconds since 1970 (out-of-range fields clamp). */
static int64_t load_time(const Rtc *r)
{
    int64_t year = dec(r, r->ram[RTC_REG_CENTURY]) * 100 + dec(r, r->ram[REG_YEAR]);
    unsigned mo = dec(r, r->ram[REG_MONTH]), d = dec(r, r->ram[REG_MDAY]);
    mo = mo < 1 ? 1 : mo > 12 ? 12 : mo;
    d = d < 1 ? 1 : d > 31 ? 31 : d;
    return days_from_civil(year, mo, d) * SECS_PER_DAY +
           dec_hour(r, r->ram[REG_HOUR]) * 3600 + dec(r, r->ram[REG_MIN]) * 60 +
           dec(r, r->ram[REG_SEC]);
}

static bool is_time_reg(unsigned i)
{
    return i == REG_SEC || i == REG_MIN || i == REG_HOUR || i == REG_WDAY ||
           i == REG_MDAY || i == REG_MONTH || i == REG_YEAR ||
           i == RTC_REG_CENTURY;
}

/* ---- interrupts ("Interrupts", "Register A" Table 5) ---- */

/* Periodic interrupt rate in Hz for RS3-RS0 (0: none): 256 and 128 Hz
 * for 1 and 2, else 65536 >> RS. */
static uint64_t periodic_hz(const Rtc *r)
{
    unsigned rs = r->ram[REG_A] & A_RS;
    if (!rs)
        return 0;
    return 65536u >> (rs <= 2 ? rs + 7 : rs);
}

static uint64_t periods_at(const Rtc *r, uint64_t cycles, uint64_t hz)
{
    return (uint64_t)((unsigned __int128)(cycles - r->phase) * hz / r->clock->hz);
}

static bool alarm_field(uint8_t alarm, uint8_t now)
{
    return (alarm & ALARM_DONT_CARE) == ALARM_DONT_CARE || alarm == now;
}

static bool alarm_matches(Rtc *r, int64_t t)
{
    Civil c = civil_from_secs(t);
    return alarm_field(r->ram[REG_SEC_ALARM], enc(r, c.sec)) &&
           alarm_field(r->ram[REG_MIN_ALARM], enc(r, c.min)) &&
           alarm_field(r->ram[REG_HOUR_ALARM], enc_hour(r, c.hour));
}

static void drive_irq(Rtc *r)
{
    uint8_t b = r->ram[REG_B], c = r->ram[REG_C] & (uint8_t)~C_IRQF;
    bool irqf = ((c & C_PF) && (b & B_PIE)) || ((c & C_AF) && (b & B_AIE)) ||
                ((c & C_UF) && (b & B_UIE));
    r->ram[REG_C] = (uint8_t)(c | (irqf ? C_IRQF : 0));
    if (irqf != r->irq_level) {
        r->irq_level = irqf;
        irq_set(&r->irq, irqf);
    }
}

void rtc_update(Rtc *r)
{
    uint64_t now = r->clock->now;
    if (now < r->phase)
        now = r->phase;
    if (!(r->ram[REG_B] & B_SET)) {
        uint64_t secs = (now - r->phase) / r->clock->hz;
        if (secs > r->seen_secs) {
            r->ram[REG_C] |= C_UF;
            /* The alarm is compared at every update; a day covers every
             * alarm setting, so a longer gap need not be walked. */
            uint64_t from = secs - r->seen_secs > SECS_PER_DAY
                                ? secs - SECS_PER_DAY : r->seen_secs;
            for (uint64_t s = from + 1; s <= secs; s++) {
                if (alarm_matches(r, r->base + (int64_t)s)) {
                    r->ram[REG_C] |= C_AF;
                    break;
                }
            }
            r->seen_secs = secs;
        }
    }
    uint64_t hz = periodic_hz(r);
    if (hz) {
        uint64_t p = periods_at(r, now, hz);
        if (p > r->seen_periods) {
            r->ram[REG_C] |= C_PF;
            r->seen_periods = p;
        }
    }
    drive_irq(r);
}

uint64_t rtc_next_event(const Rtc *r)
{
    if (r->irq_level)
        return UINT64_MAX;          /* IRQ8 is already asserted */
    uint8_t b = r->ram[REG_B];
    uint64_t next = UINT64_MAX, hz = periodic_hz(r);
    if ((b & B_PIE) && hz) {
        unsigned __int128 c = ((unsigned __int128)(r->seen_periods + 1) *
                                   r->clock->hz + hz - 1) / hz;
        next = r->phase + (uint64_t)c;
    }
    if ((b & (B_UIE | B_AIE)) && !(b & B_SET)) {
        uint64_t s = r->phase + (r->seen_secs + 1) * r->clock->hz;
        next = s < next ? s : next;
    }
    return next;
}

/* Restart counting at `now` with time t (the divider chain restarts). */
static void restart(Rtc *r, int64_t t)
{
    r->base = t;
    r->phase = r->clock->now;
    r->seen_secs = 0;
    r->seen_periods = 0;
}

void rtc_reset(Rtc *r)
{
    /* RESET pin: PIE, AIE, UIE, SQWE and IRQF, PF, AF, UF are cleared. */
    r->ram[REG_B] &= 0x87;
    r->ram[REG_C] = 0;
    drive_irq(r);
}

void rtc_init(Rtc *r, const SimClock *clock, IrqLine irq, int64_t start)
{
    *r = (Rtc){ .clock = clock, .irq = irq };
    r->ram[REG_A] = 0x26;           /* DV = 010 (32.768 kHz), RS = 0110 */
    r->ram[REG_B] = B_24H;          /* 24-hour, BCD, as PC firmware sets */
    r->ram[REG_D] = D_VRT;
    restart(r, start);
}

/* UIP ("Register A"): set from 244 us before an update until it ends. */
static bool update_in_progress(const Rtc *r)
{
    if (r->ram[REG_B] & B_SET)
        return false;
    uint64_t hz = r->clock->hz, into = (r->clock->now - r->phase) % hz;
    return into >= hz - hz / 1000000 * UIP_US;
}

static SimStatus rtc_in(void *opaque, uint16_t off, unsigned size,
                        uint32_t *value)
{
    Rtc *r = opaque;
    if (off == 0) {
        *value = 0xff;              /* the index register is write-only */
        return ST_OK;
    }
    rtc_update(r);
    unsigned i = r->index;
    if (is_time_reg(i) && !(r->ram[REG_B] & B_SET))
        store_time(r, rtc_now(r));
    uint8_t v = r->ram[i];
    if (i == REG_A)
        v = (uint8_t)((v & 0x7f) | (update_in_progress(r) ? A_UIP : 0));
    if (i == REG_C) {
        r->ram[REG_C] = 0;          /* reading C clears every flag */
        drive_irq(r);
    }
    *value = v;
    return ST_OK;
}

static SimStatus rtc_out(void *opaque, uint16_t off, unsigned size,
                         uint32_t value)
{
    Rtc *r = opaque;
    uint8_t v = (uint8_t)value;
    if (off == 0) {
        r->index = v & 0x7f;
        r->nmi_masked = v & 0x80;
        return ST_OK;
    }
    rtc_update(r);
    unsigned i = r->index;
    bool set = r->ram[REG_B] & B_SET;
    switch (i) {
    case REG_A: {
        uint64_t old_hz = periodic_hz(r);
        r->ram[REG_A] = v & 0x7f;   /* UIP is read-only */
        uint64_t hz = periodic_hz(r);
        if (hz != old_hz)
            r->seen_periods = hz ? periods_at(r, r->clock->now, hz) : 0;
        break;
    }
    case REG_B:
        if ((v & B_SET) && !set)
            store_time(r, rtc_now(r));      /* updates stop: freeze */
        if (v & B_SET)
            v &= (uint8_t)~B_UIE;           /* SET clears UIE */
        if (!(v & B_SET) && set) {
            r->ram[REG_B] = v;
            restart(r, load_time(r));       /* counting resumes */
        } else if ((v ^ r->ram[REG_B]) & (B_DM | B_24H)) {
            /* The format changes: the time bytes must follow it. */
            int64_t t = set ? load_time(r) : rtc_now(r);
            r->ram[REG_B] = v;
            store_time(r, t);
        }
        r->ram[REG_B] = v;
        break;
    case REG_C:
    case REG_D:
        break;                      /* read-only */
    default:
        if (is_time_reg(i) && !set) {
            /* Writing a running clock: take the time, change the one
             * field, continue from there. */
            store_time(r, rtc_now(r));
            r->ram[i] = v;
            int64_t t = load_time(r);
            uint64_t into = (r->clock->now - r->phase) % r->clock->hz;
            restart(r, t);
            r->phase -= into;       /* keep the fraction of the second */
        } else {
            r->ram[i] = v;
        }
        break;
    }
    drive_irq(r);
    return ST_OK;
}

const IoPortOps rtc_ops = { rtc_in, rtc_out, 1 };
